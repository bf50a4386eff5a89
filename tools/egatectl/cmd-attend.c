/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * attend NAME: an operator watches a lane for as long as this runs.  egated ties the
 * attendance to this connection (Lane.Attend), so Ctrl-C, a crash or a lost bus all end
 * it; on a clean stop we also say Leave.  When egated restarts, its attendances are
 * gone: we attend again as soon as it is back.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "egatectl-bus.h"
#include "egatectl.h"

struct attendance {
        sd_bus *bus;
        const char *lane;
        const char *path;
};

static int on_attend_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        struct attendance *a = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(m);

        if (e)
                egctl_error("attend %s: egated is back but refused: %s", a->lane, e->message);
        else
                fprintf(stderr, "egated is back: attending lane %s again.\n", a->lane);
        return 0;
}

static int on_owner_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        struct attendance *a = userdata;
        const char *name, *old_owner, *new_owner;
        int r;

        if (sd_bus_message_read(m, "sss", &name, &old_owner, &new_owner) < 0)
                return 0;
        if (!*new_owner) {
                fprintf(stderr, "egated left the bus: lane %s is not attended until it is back.\n",
                        a->lane);
                return 0;
        }
        r = sd_bus_call_method_async(a->bus, NULL, EGCTL_BUS_NAME, a->path, EGCTL_IFACE("Lane"),
                                     "Attend", on_attend_reply, a, NULL);
        if (r < 0)
                egctl_error("attend %s: cannot ask egated again: %s", a->lane, strerror(-r));
        return 0;
}

/* A clean stop (Ctrl-C, SIGTERM): say Leave, so egated logs and audits "left"; closing
 * the connection would end the attendance too, as a crash does. */
static int on_exit_leave(sd_event_source *s, void *userdata) {
        struct attendance *a = userdata;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        r = egctl_call(a->bus, a->path, EGCTL_IFACE("Lane"), "Leave", &error, NULL, "");
        if (r >= 0)
                fprintf(stderr, "Left lane %s.\n", a->lane);
        else
                fprintf(stderr, "Leaving lane %s: %s; the attendance ends with this connection.\n",
                        a->lane, error.message ? error.message : strerror(-r));
        return 0;
}

int verb_attend(int argc, char **argv) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_event_unrefp) sd_event *event = NULL;
        _cleanup_(sd_event_source_unrefp) sd_event_source *leave = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_free_ char *path = egctl_lane_path(argv[1]), *what = NULL;
        struct attendance a = { .lane = argv[1], .path = path };
        int r;

        if (!path || asprintf(&what, "attend %s", argv[1]) < 0) {
                egctl_error("attend: out of memory");
                return EGCTL_EXIT_FAILURE;
        }
        r = egctl_bus_open(&bus);
        if (r != EGCTL_EXIT_OK)
                return r;
        r = egctl_event_new(bus, &event);
        if (r != EGCTL_EXIT_OK)
                return r;
        a.bus = bus;
        /* Watch egated's name first: a restart between the two is not missed. */
        r = egctl_match_daemon_owner(bus, NULL, on_owner_changed, &a);
        if (r < 0)
                return egctl_bus_fail(NULL, r, "attend: cannot watch egated on the bus");
        r = egctl_call(bus, path, EGCTL_IFACE("Lane"), "Attend", &error, NULL, "");
        if (r < 0)
                return egctl_object_fail(&error, r, "lane", what);
        fprintf(stderr, "Attending lane %s on the %s bus; Ctrl-C to leave.\n", argv[1],
                arg.user_bus ? "session" : "system");

        /* Leave before sd-bus's own exit handler closes the connection: that one runs at the
         * priority the bus was attached with. */
        r = sd_event_add_exit(event, &leave, on_exit_leave, &a);
        if (r >= 0)
                r = sd_event_source_set_priority(leave, SD_EVENT_PRIORITY_IMPORTANT);
        if (r < 0) {
                egctl_error("attend: cannot set up leaving: %s", strerror(-r));
                return EGCTL_EXIT_FAILURE;
        }
        r = sd_event_loop(event);
        if (r < 0) {
                egctl_error("attend: the event loop failed: %s", strerror(-r));
                return EGCTL_EXIT_FAILURE;
        }
        return EGCTL_EXIT_OK;
}
