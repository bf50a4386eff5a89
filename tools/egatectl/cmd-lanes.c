/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* egatectl lanes, egatectl lane NAME: the lanes, their devices by role and counters. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bus-json.h"
#include "egatectl-bus.h"
#include "egatectl.h"
#include "output.h"

int verb_lanes(int argc, char **argv) {
        static const char *const headers[] = { "NAME",     "MODE",      "STATE",   "READY",
                                               "POLICY",   "OPERATORS", "DEVICES", "TRANSACTIONS",
                                               "ACCEPTED", "REFERRED",  "ALARMS" };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(json_object_putp) json_object *lanes = NULL;
        _cleanup_(table_freep) struct table *t = NULL;
        int r;

        r = egctl_bus_open(&bus);
        if (r != EGCTL_EXIT_OK)
                return r;
        r = bus_get_objects(bus, &error, NULL, &lanes);
        if (r < 0)
                return egctl_bus_fail(&error, r, "lanes");
        if (arg.json)
                return output_json(lanes);

        t = table_new(headers, ELEMENTSOF(headers));
        if (!t)
                goto oom;
        for (size_t col = 1; col <= 3; col++)
                table_highlight_states(t, col);
        for (size_t i = 0; i < json_object_array_length(lanes); i++) {
                json_object *l = json_object_array_get_idx(lanes, i), *devices;
                char n_devices[32];

                (void) snprintf(n_devices, sizeof(n_devices), "%zu",
                                json_object_object_get_ex(l, "devices", &devices)
                                        ? json_object_array_length(devices)
                                        : 0);
                const char *row[] = {
                        json_string_member(l, "name"),
                        json_string_member(l, "mode"),
                        json_string_member(l, "state"),
                        json_bool_member(l, "ready") ? "yes" : "no",
                        json_string_member(l, "policy"),
                        json_string_member(l, "attendants"),
                        n_devices,
                        json_string_member(l, "transactions"),
                        json_string_member(l, "accepted"),
                        json_string_member(l, "referred"),
                        json_string_member(l, "alarms"),
                };
                if (table_add_row(t, row) < 0)
                        goto oom;
        }
        if (table_rows(t) == 0)
                printf("No lanes.\n");
        else
                table_print(t, stdout, NULL);
        return EGCTL_EXIT_OK;
oom:
        egctl_error("lanes: out of memory");
        return EGCTL_EXIT_FAILURE;
}

static json_object *find_device(json_object *devices, const char *id) {
        for (size_t i = 0; i < json_object_array_length(devices); i++) {
                json_object *d = json_object_array_get_idx(devices, i);

                if (streq(json_string_member(d, "id"), id))
                        return d;
        }
        return NULL;
}

/* Each of the lane's devices with its state (and claim), "missing" when egated has it not. */
static int add_device_states(json_object *lane, json_object *devices) {
        json_object *list;

        if (!json_object_object_get_ex(lane, "devices", &list))
                return 0;
        for (size_t i = 0; i < json_object_array_length(list); i++) {
                json_object *entry = json_object_array_get_idx(list, i);
                json_object *d = find_device(devices, json_string_member(entry, "device"));
                const char *state = d ? json_string_member(d, "state") : "missing";
                const char *holder = d ? json_string_member(d, "claimed_by") : "";

                if (json_add(entry, "state", json_object_new_string(state)) < 0 ||
                    json_add(entry, "claimed_by", json_object_new_string(holder)) < 0)
                        return -ENOMEM;
        }
        return 0;
}

static int print_lane(json_object *lane) {
        static const char *const headers[] = { "ROLE", "DEVICE", "STATE", "CLAIMED BY" };
        static const char *const skip[] = { "devices", NULL };
        _cleanup_(table_freep) struct table *t = table_new(headers, ELEMENTSOF(headers));
        _cleanup_free_ char *name = escape_control(json_string_member(lane, "name"));
        json_object *list;

        if (!t || !name)
                return -ENOMEM;
        printf("%sLane %s%s\n", ansi_bold(), name, ansi_normal());
        print_fields(lane, skip, 0);

        printf("\n%sDevices:%s\n", ansi_bold(), ansi_normal());
        table_highlight_states(t, 2);
        if (json_object_object_get_ex(lane, "devices", &list))
                for (size_t i = 0; i < json_object_array_length(list); i++) {
                        json_object *entry = json_object_array_get_idx(list, i);
                        const char *row[] = {
                                json_string_member(entry, "role"),
                                json_string_member(entry, "device"),
                                json_string_member(entry, "state"),
                                json_string_member(entry, "claimed_by"),
                        };

                        if (table_add_row(t, row) < 0)
                                return -ENOMEM;
                }
        if (table_rows(t) == 0)
                printf("  none\n");
        else
                table_print(t, stdout, "  ");
        return 0;
}

int verb_lane(int argc, char **argv) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(json_object_putp) json_object *lane = NULL, *devices = NULL;
        _cleanup_free_ char *path = egctl_lane_path(argv[1]), *what = NULL;
        int r;

        if (!path || asprintf(&what, "lane %s", argv[1]) < 0) {
                egctl_error("lane: out of memory");
                return EGCTL_EXIT_FAILURE;
        }
        r = egctl_bus_open(&bus);
        if (r != EGCTL_EXIT_OK)
                return r;
        r = bus_get_properties(bus, path, EGCTL_IFACE("Lane"), &error, &lane);
        if (r < 0)
                return egctl_object_fail(&error, r, "lane", what);
        r = bus_get_objects(bus, &error, &devices, NULL);
        if (r < 0)
                return egctl_bus_fail(&error, r, "%s", what);
        r = add_device_states(lane, devices);
        if (r >= 0 && arg.json)
                return output_json(lane);
        if (r >= 0)
                r = print_lane(lane);
        if (r < 0) {
                egctl_error("%s: %s", what, strerror(-r));
                return EGCTL_EXIT_FAILURE;
        }
        return EGCTL_EXIT_OK;
}
