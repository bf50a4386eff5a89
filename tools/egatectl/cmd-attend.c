/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * attend NAME...: an operator watches lanes for as long as this runs.  egated ties each
 * attendance to this connection (Lane.Attend), so Ctrl-C, a crash or a lost bus all end
 * them; on a clean stop we also say Leave.  When egated restarts, its attendances are
 * gone: we attend again as soon as it is back.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "egatectl-bus.h"
#include "egatectl.h"

struct lane_attendance {
        sd_bus *bus;
        const char *lane;
        char *path;
};

struct attendances {
        struct lane_attendance *lanes;
        size_t n;
};

static int on_attend_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        struct lane_attendance *a = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(m);

        if (e)
                egctl_error("attend %s: egated is back but refused: %s", a->lane, e->message);
        else
                fprintf(stderr, "egated is back: attending lane %s again.\n", a->lane);
        return 0;
}

static int on_owner_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        struct attendances *all = userdata;
        const char *name, *old_owner, *new_owner;
        int r;

        if (sd_bus_message_read(m, "sss", &name, &old_owner, &new_owner) < 0)
                return 0;
        if (!*new_owner) {
                fprintf(stderr, "egated left the bus: no lane is attended until it is back.\n");
                return 0;
        }
        for (size_t i = 0; i < all->n; i++) {
                struct lane_attendance *a = &all->lanes[i];

                r = sd_bus_call_method_async(a->bus, NULL, EGCTL_BUS_NAME, a->path,
                                             EGCTL_IFACE("Lane"), "Attend", on_attend_reply, a,
                                             NULL);
                if (r < 0)
                        egctl_error("attend %s: cannot ask egated again: %s", a->lane,
                                    strerror(-r));
        }
        return 0;
}

/* A clean stop (Ctrl-C, SIGTERM): say Leave, so egated logs and audits "left"; closing
 * the connection would end the attendances too, as a crash does. */
static int on_exit_leave(sd_event_source *s, void *userdata) {
        struct attendances *all = userdata;

        for (size_t i = 0; i < all->n; i++) {
                struct lane_attendance *a = &all->lanes[i];
                _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
                int r;

                r = egctl_call(a->bus, a->path, EGCTL_IFACE("Lane"), "Leave", &error, NULL, "");
                if (r >= 0)
                        fprintf(stderr, "Left lane %s.\n", a->lane);
                else
                        fprintf(stderr,
                                "Leaving lane %s: %s; the attendance ends with this "
                                "connection.\n",
                                a->lane, error.message ? error.message : strerror(-r));
        }
        return 0;
}

static void attendances_free(struct attendances *all) {
        for (size_t i = 0; i < all->n; i++)
                free(all->lanes[i].path);
        free(all->lanes);
}

int verb_attend(int argc, char **argv) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_event_unrefp) sd_event *event = NULL;
        _cleanup_(sd_event_source_unrefp) sd_event_source *leave = NULL;
        _cleanup_(attendances_free) struct attendances all = {};
        int r;

        all.lanes = calloc((size_t) argc - 1, sizeof(*all.lanes));
        if (!all.lanes) {
                egctl_error("attend: out of memory");
                return EGCTL_EXIT_FAILURE;
        }
        r = egctl_bus_open(&bus);
        if (r != EGCTL_EXIT_OK)
                return r;
        r = egctl_event_new(bus, &event);
        if (r != EGCTL_EXIT_OK)
                return r;
        /* Watch egated's name first: a restart while we attend is not missed. */
        r = egctl_match_daemon_owner(bus, NULL, on_owner_changed, &all);
        if (r < 0)
                return egctl_bus_fail(NULL, r, "attend: cannot watch egated on the bus");
        /* Leave before sd-bus's own exit handler closes the connection: that one runs at the
         * priority the bus was attached with. */
        r = sd_event_add_exit(event, &leave, on_exit_leave, &all);
        if (r >= 0)
                r = sd_event_source_set_priority(leave, SD_EVENT_PRIORITY_IMPORTANT);
        if (r < 0) {
                egctl_error("attend: cannot set up leaving: %s", strerror(-r));
                return EGCTL_EXIT_FAILURE;
        }

        /* All or nothing: an officer who named a lane wrongly attends none of them. */
        for (int i = 1; i < argc; i++) {
                _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
                _cleanup_free_ char *what = NULL;
                struct lane_attendance *a = &all.lanes[all.n];

                a->bus = bus;
                a->lane = argv[i];
                a->path = egctl_lane_path(argv[i]);
                if (!a->path || asprintf(&what, "attend %s", argv[i]) < 0) {
                        egctl_error("attend: out of memory");
                        free(a->path);
                        return EGCTL_EXIT_FAILURE;
                }
                r = egctl_call(bus, a->path, EGCTL_IFACE("Lane"), "Attend", &error, NULL, "");
                if (r < 0) {
                        free(a->path);
                        return egctl_object_fail(&error, r, "lane", what);
                }
                all.n++;
        }
        for (size_t i = 0; i < all.n; i++)
                fprintf(stderr, "Attending lane %s on the %s bus.\n", all.lanes[i].lane,
                        arg.user_bus ? "session" : "system");
        fprintf(stderr, "Ctrl-C to leave.\n");

        r = sd_event_loop(event);
        if (r < 0) {
                egctl_error("attend: the event loop failed: %s", strerror(-r));
                return EGCTL_EXIT_FAILURE;
        }
        return EGCTL_EXIT_OK;
}
