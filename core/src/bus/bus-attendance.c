/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Lane.Attend() and Lane.Leave(): an operator's console says it watches a lane
 * (attendance.h).  Like a claim, an attendance belongs to the caller's bus connection
 * and is tracked with sd_bus_track: a console that crashes or loses the bus stops
 * attending, and a lane that requires an operator goes out of service.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "attendance.h"
#include "bus-errors.h"
#include "bus.h"
#include "log.h"
#include "manager.h"

struct eg_bus_attendance {
        struct eg_bus *bus;
        char *sender; /* unique bus name */
        sd_bus_track *track;
        struct eg_attendance *attendance; /* the manager's */
        EG_LIST_FIELDS(struct eg_bus_attendance, attendances);
};

static struct eg_bus_attendance *find(struct eg_bus *b, const char *lane, const char *sender) {
        struct eg_bus_attendance *a;

        EG_LIST_FOREACH (attendances, a, b->attendances)
                if (streq(eg_attendance_lane(a->attendance), lane) && streq(a->sender, sender))
                        return a;
        return NULL;
}

static void announce(struct eg_bus *b, const char *lane) {
        _cleanup_free_ char *path = eg_bus_lane_path(lane);

        if (path)
                (void) sd_bus_emit_properties_changed(b->bus, path, EG_BUS_IFACE("Lane"),
                                                      "Attendants", NULL);
}

static void drop(struct eg_bus_attendance *a, const char *why) {
        struct eg_bus *b = a->bus;
        _cleanup_free_ char *lane = strdup(eg_attendance_lane(a->attendance));

        EG_LIST_REMOVE(attendances, b->attendances, a);
        sd_bus_track_unref(a->track);
        eg_attendance_end(b->manager, a->attendance, why);
        free(a->sender);
        free(a);
        if (lane)
                announce(b, lane);
}

static int on_attendant_gone(sd_bus_track *track, void *userdata) {
        drop(userdata, "the operator's connection closed");
        return 0;
}

int eg_bus_lane_attend(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        struct eg_bus *b = userdata;
        _cleanup_free_ char *who = eg_bus_caller_description(b, m);
        const char *sender = sd_bus_message_get_sender(m);
        struct eg_bus_attendance *a;
        struct eg_lane *l = eg_bus_find_lane(b, sd_bus_message_get_path(m));
        int r;

        if (!l)
                return sd_bus_error_set(error, EG_BUS_ERROR_NOT_FOUND, "the lane went away");
        if (!sender)
                return sd_bus_error_set(error, EG_BUS_ERROR_INVALID_ARGUMENT,
                                        "attending needs a sender on the bus");
        if (!who)
                return -ENOMEM;
        if (find(b, l->name, sender))
                return sd_bus_reply_method_return(m, NULL); /* already attending */

        a = calloc(1, sizeof(*a));
        if (!a)
                return -ENOMEM;
        a->bus = b;
        a->sender = strdup(sender);
        r = a->sender ? sd_bus_track_new(b->bus, &a->track, on_attendant_gone, a) : -ENOMEM;
        if (r >= 0)
                r = sd_bus_track_add_sender(a->track, m);
        if (r >= 0)
                r = eg_attendance_begin(b->manager, l->name, who, &a->attendance);
        if (r < 0) {
                sd_bus_track_unref(a->track);
                free(a->sender);
                free(a);
                return r;
        }
        EG_LIST_APPEND(attendances, b->attendances, a);
        announce(b, l->name);
        return sd_bus_reply_method_return(m, NULL);
}

int eg_bus_lane_leave(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        struct eg_bus *b = userdata;
        const char *sender = sd_bus_message_get_sender(m);
        struct eg_lane *l = eg_bus_find_lane(b, sd_bus_message_get_path(m));
        struct eg_bus_attendance *a;

        if (!l)
                return sd_bus_error_set(error, EG_BUS_ERROR_NOT_FOUND, "the lane went away");
        a = sender ? find(b, l->name, sender) : NULL;
        if (!a)
                return sd_bus_error_setf(error, EG_BUS_ERROR_NOT_FOUND,
                                         "the caller does not attend lane %s", l->name);
        drop(a, "left");
        return sd_bus_reply_method_return(m, NULL);
}

void eg_bus_attendances_done(struct eg_bus *b) {
        while (b->attendances)
                drop(b->attendances, "egated stops serving the bus");
}
