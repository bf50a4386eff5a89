/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "guest-harness.h"
#include "log.h"

#define CAPTURE_MAX 64

static char *captured[CAPTURE_MAX];
static size_t n_captured;

uint64_t guest_now_ms(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000u + (uint64_t) ts.tv_nsec / 1000000u;
}

static void on_event(struct eg_device *d, const struct eg_event *e, void *userdata) {
        struct guest *g = userdata;
        struct guest_event *rec;

        if (g->n_events >= GUEST_MAX_EVENTS)
                return;
        rec = &g->events[g->n_events++];
        *rec = (struct guest_event){ .type = e->type, .value = e->value };
        (void) snprintf(rec->device, sizeof(rec->device), "%s", d->id);
        (void) snprintf(rec->zone, sizeof(rec->zone), "%s", e->zone ? e->zone : "");
        (void) snprintf(rec->message, sizeof(rec->message), "%s", e->message ? e->message : "");
}

static void on_removed(struct eg_device *d, void *userdata) {
        ((struct guest *) userdata)->removed++;
}

void guest_start(struct guest *g, const char *devices) {
        struct eg_config_errors errors = {};
        struct eg_config *c = NULL;
        const char *dir = getenv("EGATE_TEST_PLUGIN_DIR");
        struct eg_manager_listener listener = {
                .device_event = on_event,
                .device_removed = on_removed,
                .userdata = g,
        };
        char *text = NULL;

        *g = (struct guest){};
        assert_non_null(dir);
        assert_true(asprintf(&text, "[daemon]\nplugin-dirs = %s\noperation-timeout-ms = 5000\n%s",
                             dir, devices) > 0);
        if (eg_config_load_string("guest.conf", text, &c, &errors) < 0)
                for (size_t i = 0; i < errors.n; i++)
                        fprintf(stderr, "# %s\n", errors.messages[i]);
        assert_int_equal(errors.n, 0);
        eg_config_errors_clear(&errors);
        free(text);
        assert_non_null(c);

        assert_int_equal(sd_event_new(&g->event), 0);
        assert_int_equal(eg_manager_new(g->event, c, NULL, &g->manager), 0);
        assert_int_equal(eg_manager_add_listener(g->manager, &listener), 0);
        assert_int_equal(eg_manager_start(g->manager), 0);
        /* Deliver what the devices reported while starting. */
        guest_run(g, 20);
}

void guest_stop(struct guest *g) {
        g->manager = eg_manager_free(g->manager);
        g->event = sd_event_unref(g->event);
}

void guest_run(struct guest *g, unsigned ms) {
        uint64_t end = guest_now_ms() + ms;

        while (guest_now_ms() < end)
                assert_true(sd_event_run(g->event, 5 * 1000) >= 0);
}

bool guest_run_until(struct guest *g, const unsigned *counter, unsigned ms) {
        uint64_t end = guest_now_ms() + ms;

        while (*counter == 0 && guest_now_ms() < end)
                assert_true(sd_event_run(g->event, 5 * 1000) >= 0);
        return *counter > 0;
}

static bool event_matches(const struct guest_event *e, const char *device, enum eg_event_type type,
                          int64_t value) {
        return strcmp(e->device, device) == 0 && e->type == type &&
               (value == GUEST_ANY || e->value == value);
}

unsigned guest_count_events(const struct guest *g, const char *device, enum eg_event_type type,
                            int64_t value) {
        unsigned n = 0;

        for (size_t i = 0; i < g->n_events; i++)
                n += event_matches(&g->events[i], device, type, value);
        return n;
}

const struct guest_event *guest_last_event(const struct guest *g, const char *device,
                                           enum eg_event_type type) {
        for (size_t i = g->n_events; i > 0; i--)
                if (event_matches(&g->events[i - 1], device, type, GUEST_ANY))
                        return &g->events[i - 1];
        return NULL;
}

bool guest_run_until_event(struct guest *g, const char *device, enum eg_event_type type,
                           int64_t value, unsigned ms) {
        uint64_t end = guest_now_ms() + ms;

        while (guest_count_events(g, device, type, value) == 0 && guest_now_ms() < end)
                assert_true(sd_event_run(g->event, 5 * 1000) >= 0);
        return guest_count_events(g, device, type, value) > 0;
}

void guest_forget_events(struct guest *g) {
        g->n_events = 0;
}

static void on_done(struct eg_manager *m, const char *device_id, eg_op_id id,
                    struct eg_op_outcome *o, void *userdata) {
        struct guest_op *op = userdata;

        op->calls++;
        op->status = o->status;
        op->value = o->value;
        (void) snprintf(op->message, sizeof(op->message), "%s", o->message ? o->message : "");
        (void) snprintf(op->format, sizeof(op->format), "%s", o->format ? o->format : "");
        op->fd = o->fd;
        o->fd = -1; /* ours now */
}

int guest_op_start(struct guest *g, const char *device, const struct eg_op_args *args,
                   struct guest_op *op) {
        struct eg_op_args a = *args;

        *op = (struct guest_op){ .fd = -1 };
        a.size = sizeof(a);
        return eg_operation_start(g->manager, device, &a, 0, on_done, op, NULL);
}

void guest_op_run(struct guest *g, const char *device, const struct eg_op_args *args,
                  struct guest_op *op, unsigned ms) {
        assert_int_equal(guest_op_start(g, device, args, op), 0);
        assert_true(guest_run_until(g, &op->calls, ms));
        assert_int_equal(op->calls, 1);
}

static int capture_sendv(const struct iovec *iov, int n) {
        for (int i = 0; i < n; i++)
                if (iov[i].iov_len > 8 && memcmp(iov[i].iov_base, "MESSAGE=", 8) == 0 &&
                    n_captured < CAPTURE_MAX) {
                        captured[n_captured] =
                                strndup((const char *) iov[i].iov_base + 8, iov[i].iov_len - 8);
                        if (captured[n_captured])
                                n_captured++;
                }
        return 0;
}

void guest_log_capture_start(void) {
        guest_log_capture_stop();
        log_set_journal_sendv(capture_sendv);
        log_setup(EG_LOG_TARGET_JOURNAL);
}

void guest_log_capture_stop(void) {
        log_set_journal_sendv(NULL);
        log_setup(EG_LOG_TARGET_STDERR);
        for (size_t i = 0; i < n_captured; i++)
                free(captured[i]);
        n_captured = 0;
}

bool guest_log_contains(const char *needle) {
        for (size_t i = 0; i < n_captured; i++)
                if (strstr(captured[i], needle))
                        return true;
        return false;
}

void guest_log_dump(void) {
        for (size_t i = 0; i < n_captured; i++)
                printf("# log: %s\n", captured[i]);
}

int guest_run_tests(const char *group, const struct CMUnitTest *tests, size_t n) {
        int failed;

        log_set_max_level(getenv("EGATE_TEST_DEBUG") ? LOG_DEBUG : LOG_WARNING);
        cmocka_set_message_output(CM_OUTPUT_TAP);
        failed = _cmocka_run_group_tests(group, tests, n, NULL, NULL);
        printf("%s: %zu passed, %d failed\n", group, n - (size_t) failed, failed);
        return failed == 0 ? 0 : 1;
}
