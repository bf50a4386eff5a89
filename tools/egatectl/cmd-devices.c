/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* egatectl devices, egatectl device ID: what egated publishes about its devices. */
#include <stdio.h>
#include <string.h>

#include "bus-json.h"
#include "egatectl-bus.h"
#include "egatectl.h"
#include "output.h"

int verb_devices(int argc, char **argv) {
        static const char *const headers[] = { "ID",        "CLASS",  "STATE",
                                               "LANE/ROLE", "PLUGIN", "CLAIMED BY" };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(json_object_putp) json_object *devices = NULL;
        _cleanup_(table_freep) struct table *t = NULL;
        int r;

        r = egctl_bus_open(&bus);
        if (r != EGCTL_EXIT_OK)
                return r;
        r = bus_get_objects(bus, &error, &devices, NULL);
        if (r < 0)
                return egctl_bus_fail(&error, r, "devices");
        if (arg.json)
                return output_json(devices);

        t = table_new(headers, ELEMENTSOF(headers));
        if (!t)
                goto oom;
        table_highlight_states(t, 2);
        for (size_t i = 0; i < json_object_array_length(devices); i++) {
                json_object *d = json_object_array_get_idx(devices, i);
                _cleanup_free_ char *lane_role = NULL;
                const char *lane = json_string_member(d, "lane");

                if (*lane && asprintf(&lane_role, "%s/%s", lane, json_string_member(d, "role")) < 0)
                        goto oom;

                const char *row[] = {
                        json_string_member(d, "id"),     json_string_member(d, "class"),
                        json_string_member(d, "state"),  lane_role,
                        json_string_member(d, "plugin"), json_string_member(d, "claimed_by"),
                };
                if (table_add_row(t, row) < 0)
                        goto oom;
        }
        if (table_rows(t) == 0)
                printf("No devices.\n");
        else
                table_print(t, stdout, NULL);
        return EGCTL_EXIT_OK;
oom:
        egctl_error("devices: out of memory");
        return EGCTL_EXIT_FAILURE;
}

int verb_device(int argc, char **argv) {
        static const char *const skip[] = { "class_properties", NULL };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(json_object_putp) json_object *device = NULL;
        _cleanup_free_ char *what = NULL, *id = NULL;
        json_object *class_props = NULL;
        size_t width;
        int r;

        r = egctl_bus_open(&bus);
        if (r != EGCTL_EXIT_OK)
                return r;
        if (asprintf(&what, "device %s", argv[1]) < 0) {
                egctl_error("device: out of memory");
                return EGCTL_EXIT_FAILURE;
        }
        r = bus_get_device(bus, argv[1], &error, &device);
        if (r < 0)
                return egctl_object_fail(&error, r, "device", what);
        if (arg.json)
                return output_json(device);

        id = escape_control(json_string_member(device, "id"));
        printf("%s%s%s\n", ansi_bold(), id ? id : "?", ansi_normal());
        /* One key column for both sections. */
        (void) json_object_object_get_ex(device, "class_properties", &class_props);
        width = fields_width(device, skip);
        if (class_props && fields_width(class_props, NULL) > width)
                width = fields_width(class_props, NULL);
        print_fields(device, skip, width);
        if (class_props && json_object_object_length(class_props) > 0) {
                _cleanup_free_ char *class_name =
                        escape_control(json_string_member(device, "class"));

                printf("\n%s%s:%s\n", ansi_bold(), class_name ? class_name : "?", ansi_normal());
                print_fields(class_props, NULL, width);
        }
        return EGCTL_EXIT_OK;
}
