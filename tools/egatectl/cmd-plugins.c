/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* egatectl plugins: every plugin file egated found, loaded or not. */
#include <string.h>

#include "bus-json.h"
#include "egatectl-bus.h"
#include "egatectl.h"
#include "output.h"

int verb_plugins(int argc, char **argv) {
        static const char *const headers[] = {
                "NAME", "VERSION", "VENDOR", "ABI", "STATE", "REASON"
        };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(json_object_putp) json_object *manager = NULL;
        _cleanup_(table_freep) struct table *t = NULL;
        json_object *plugins;
        int r;

        r = egctl_bus_open(&bus);
        if (r != EGCTL_EXIT_OK)
                return r;
        r = bus_get_properties(bus, EGCTL_ROOT_PATH, EGCTL_IFACE("Manager"), &error, &manager);
        if (r < 0)
                return egctl_bus_fail(&error, r, "plugins");
        if (!json_object_object_get_ex(manager, "plugins", &plugins) ||
            !json_object_is_type(plugins, json_type_array)) {
                egctl_error("plugins: egated did not list its plugins");
                return EGCTL_EXIT_FAILURE;
        }
        if (arg.json)
                return output_json(plugins);

        t = table_new(headers, ELEMENTSOF(headers));
        if (!t)
                goto oom;
        table_highlight_states(t, 4);
        for (size_t i = 0; i < json_object_array_length(plugins); i++) {
                json_object *p = json_object_array_get_idx(plugins, i);
                const char *row[] = {
                        json_string_member(p, "name"),   json_string_member(p, "version"),
                        json_string_member(p, "vendor"), json_string_member(p, "abi"),
                        json_string_member(p, "state"),  json_string_member(p, "reason"),
                };

                if (table_add_row(t, row) < 0)
                        goto oom;
        }
        if (table_rows(t) == 0)
                printf("No plugins found.\n");
        else
                table_print(t, stdout, NULL);
        return EGCTL_EXIT_OK;
oom:
        egctl_error("plugins: out of memory");
        return EGCTL_EXIT_FAILURE;
}
