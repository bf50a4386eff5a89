/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bus-call.h"
#include "bus-errors.h"
#include "bus.h"
#include "log.h"
#include "manager.h"

void *eg_bus_call_keep(struct eg_bus *b, sd_bus_message *m, size_t size) {
        struct eg_bus_call *c = calloc(1, size);

        if (!c)
                return NULL;
        c->bus = b;
        c->message = sd_bus_message_ref(m);
        EG_LIST_PREPEND(calls, b->calls, c);
        return c;
}

void eg_bus_call_free(struct eg_bus_call *c) {
        if (!c)
                return;
        EG_LIST_REMOVE(calls, c->bus->calls, c);
        sd_bus_message_unref(c->message);
        free(c);
}

int eg_bus_call_operation_error(struct eg_bus_call *c, const struct eg_op_outcome *o,
                                sd_bus_error *error) {
        if (o->status == -ECANCELED && c->bus->manager->stopping)
                return sd_bus_error_set(error, EG_BUS_ERROR_SHUTTING_DOWN,
                                        "egated is stopping: the operation was cancelled");
        return eg_bus_error_from_outcome(error, o);
}

static void log_call(int level, int error, sd_bus_message *m, const char *what) {
        log_object(level, error, EG_LOG_OBJECT_BUS, sd_bus_message_get_sender(m), "%s %s.%s: %m",
                   what, strna(sd_bus_message_get_interface(m)),
                   strna(sd_bus_message_get_member(m)));
}

int eg_bus_reply_failed(sd_bus_message *m, int error) {
        int r;

        log_call(LOG_WARNING, error, m, "cannot build the answer to");
        r = sd_bus_reply_method_errorf(m, SD_BUS_ERROR_FAILED,
                                       "egated cannot build the answer (%s): see its log",
                                       strerror(-error));
        if (r < 0)
                log_call(LOG_DEBUG, r, m, "cannot answer");
        return r;
}

static void answer_all(struct eg_bus *b) {
        unsigned n = 0;
        int r;

        while (b->calls) {
                struct eg_bus_call *c = b->calls;

                r = sd_bus_reply_method_errorf(c->message, EG_BUS_ERROR_SHUTTING_DOWN,
                                               "egated stopped before it could answer");
                if (r < 0)
                        log_call(LOG_DEBUG, r, c->message, "cannot answer");
                eg_bus_call_free(c);
                n++;
        }
        if (n == 0)
                return;
        log_info("answered %u waiting call(s): egated is stopping", n);
        /* Before the connection closes, and before the rest of the teardown keeps the
         * callers waiting. */
        r = sd_bus_flush(b->bus);
        if (r < 0)
                log_warning_errno(r, "cannot send the answers to the waiting calls: %m");
}

static int on_loop_exit(sd_event_source *s, void *userdata) {
        answer_all(userdata);
        return 0;
}

int eg_bus_calls_register(struct eg_bus *b) {
        sd_event *e = sd_bus_get_event(b->bus);
        int r;

        if (!e)
                return 0; /* no loop: eg_bus_calls_done() answers */
        r = sd_event_add_exit(e, &b->calls_exit, on_loop_exit, b);
        if (r < 0)
                return r;
        /* sd-bus's exit source closes the connection: ours must run first. */
        return sd_event_source_set_priority(b->calls_exit, SD_EVENT_PRIORITY_IMPORTANT);
}

void eg_bus_calls_done(struct eg_bus *b) {
        b->calls_exit = sd_event_source_disable_unref(b->calls_exit);
        answer_all(b);
}
