/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* egatectl status: the daemon at a glance. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bus-json.h"
#include "egatectl-bus.h"
#include "egatectl.h"
#include "output.h"
#include "time-arg.h"

/* The devices counted by state, the usual states first. */
static int count_devices(json_object *devices, json_object **ret) {
        static const char *const usual[] = { "online", "busy", "offline", "faulted" };
        _cleanup_(json_object_putp) json_object *counts = json_object_new_object();
        json_object *n;

        if (!counts)
                return -ENOMEM;
        for (size_t i = 0; i < ELEMENTSOF(usual); i++)
                if (json_add(counts, usual[i], json_object_new_int64(0)) < 0)
                        return -ENOMEM;
        for (size_t i = 0; i < json_object_array_length(devices); i++) {
                const char *state =
                        json_string_member(json_object_array_get_idx(devices, i), "state");

                if (json_object_object_get_ex(counts, state, &n))
                        json_object_set_int64(n, json_object_get_int64(n) + 1);
                else if (json_add(counts, state, json_object_new_int64(1)) < 0)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(counts);
        return 0;
}

static int build_status(json_object *manager, json_object *devices, json_object *lanes,
                        json_object **ret) {
        static const char *const daemon_keys[] = { "version", "api_version", "state", NULL };
        static const char *const pki_keys[] = { "pki_state", "trust_anchors", "revocation_lists",
                                                "next_crl_update", NULL };
        static const char *const lane_keys[] = {
                "name", "mode", "ready", "state", "not_ready_reason", NULL
        };
        _cleanup_(json_object_putp) json_object *status = json_pick(manager, daemon_keys);
        json_object *lane_list, *device_summary, *plugin_summary, *problems, *plugins, *counts;
        size_t n_plugins = 0;

        if (!status)
                return -ENOMEM;
        if (json_add(status, "pki", json_pick(manager, pki_keys)) < 0)
                return -ENOMEM;

        lane_list = json_object_new_array();
        if (json_add(status, "lanes", lane_list) < 0)
                return -ENOMEM;
        for (size_t i = 0; i < json_object_array_length(lanes); i++) {
                json_object *l = json_pick(json_object_array_get_idx(lanes, i), lane_keys);
                if (!l || json_object_array_add(lane_list, l) < 0) {
                        json_object_put(l);
                        return -ENOMEM;
                }
        }

        device_summary = json_object_new_object();
        if (json_add(status, "devices", device_summary) < 0 ||
            json_add(device_summary, "total",
                     json_object_new_int64(json_object_array_length(devices))) < 0 ||
            count_devices(devices, &counts) < 0 || json_add(device_summary, "by_state", counts) < 0)
                return -ENOMEM;

        if (json_object_object_get_ex(manager, "plugins", &plugins))
                n_plugins = json_object_array_length(plugins);
        plugin_summary = json_object_new_object();
        if (json_add(status, "plugins", plugin_summary) < 0 ||
            json_add(plugin_summary, "total", json_object_new_int64(n_plugins)) < 0 ||
            json_add(plugin_summary, "problems", json_object_new_array()) < 0)
                return -ENOMEM;
        json_object_object_get_ex(plugin_summary, "problems", &problems);
        for (size_t i = 0; i < n_plugins; i++) {
                json_object *p = json_object_array_get_idx(plugins, i);
                const char *state = json_string_member(p, "state");

                if ((streq(state, "refused") || streq(state, "failed")) &&
                    json_object_array_add(problems, json_object_get(p)) < 0)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(status);
        return 0;
}

static void print_heading(const char *title) {
        printf("\n%s%s%s\n", ansi_bold(), title, ansi_normal());
}

/* The PKI lists: what passive authentication trusts, and when a CRL falls due. */
static void print_pki(json_object *pki) {
        const char *state = json_string_member(pki, "pki_state");
        json_object *next = NULL;
        char when[64];

        print_heading("PKI lists:");
        (void) json_object_object_get_ex(pki, "next_crl_update", &next);
        printf("  %s%s%s, %s CSCA(s), %s CRL(s), next CRL update %s\n", ansi_for_state(state),
               state, *ansi_for_state(state) ? ansi_normal() : "",
               json_string_member(pki, "trust_anchors"),
               json_string_member(pki, "revocation_lists"),
               egctl_format_time((uint64_t) json_object_get_uint64(next), when, sizeof(when)));
}

static int print_status(json_object *status) {
        static const char *const lane_headers[] = { "NAME", "MODE", "READY", "STATE",
                                                    "NOT READY BECAUSE" };
        static const char *const plugin_headers[] = { "NAME", "STATE", "REASON" };
        _cleanup_free_ char *version = NULL, *state = NULL;
        json_object *lanes, *devices, *plugins, *problems, *by_state, *pki;
        size_t n_problems;

        json_object_object_get_ex(status, "lanes", &lanes);
        json_object_object_get_ex(status, "devices", &devices);
        json_object_object_get_ex(status, "plugins", &plugins);
        json_object_object_get_ex(plugins, "problems", &problems);
        json_object_object_get_ex(devices, "by_state", &by_state);
        json_object_object_get_ex(status, "pki", &pki);

        version = escape_control(json_string_member(status, "version"));
        state = escape_control(json_string_member(status, "state"));
        if (!version || !state)
                return -ENOMEM;
        printf("egated %s (D-Bus API %s): %s%s%s\n", version,
               json_string_member(status, "api_version"), ansi_for_state(state), state,
               *ansi_for_state(state) ? ansi_normal() : "");

        print_heading("Lanes:");
        if (json_object_array_length(lanes) == 0)
                printf("  none\n");
        else {
                _cleanup_(table_freep) struct table *t = table_new(lane_headers, 5);

                if (!t)
                        return -ENOMEM;
                table_highlight_states(t, 1);
                table_highlight_states(t, 2);
                table_highlight_states(t, 3);
                for (size_t i = 0; i < json_object_array_length(lanes); i++) {
                        json_object *l = json_object_array_get_idx(lanes, i);
                        bool ready = json_bool_member(l, "ready");
                        const char *row[] = { json_string_member(l, "name"),
                                              json_string_member(l, "mode"), ready ? "yes" : "no",
                                              json_string_member(l, "state"),
                                              json_string_member(l, "not_ready_reason") };

                        if (table_add_row(t, row) < 0)
                                return -ENOMEM;
                }
                table_print(t, stdout, "  ");
        }

        print_pki(pki);

        print_heading("Devices:");
        printf("  %s total", json_string_member(devices, "total"));
        json_object_object_foreach(by_state, s, n) {
                _cleanup_free_ char *name = escape_control(s);

                if (json_object_get_int64(n) > 0 || streq(s, "online"))
                        printf(", %s%s %s%s", ansi_for_state(s), json_object_get_string(n),
                               name ? name : "?", *ansi_for_state(s) ? ansi_normal() : "");
        }
        putchar('\n');

        print_heading("Plugins:");
        n_problems = json_object_array_length(problems);
        printf("  %s total, %zu with problems\n", json_string_member(plugins, "total"), n_problems);
        if (n_problems > 0) {
                _cleanup_(table_freep) struct table *t = table_new(plugin_headers, 3);

                if (!t)
                        return -ENOMEM;
                table_highlight_states(t, 1);
                for (size_t i = 0; i < n_problems; i++) {
                        json_object *p = json_object_array_get_idx(problems, i);
                        const char *row[] = { json_string_member(p, "name"),
                                              json_string_member(p, "state"),
                                              json_string_member(p, "reason") };

                        if (table_add_row(t, row) < 0)
                                return -ENOMEM;
                }
                table_print(t, stdout, "  ");
        }
        return 0;
}

int verb_status(int argc, char **argv) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(json_object_putp) json_object *manager = NULL, *devices = NULL, *lanes = NULL;
        _cleanup_(json_object_putp) json_object *status = NULL;
        int r;

        r = egctl_bus_open(&bus);
        if (r != EGCTL_EXIT_OK)
                return r;
        r = bus_get_properties(bus, EGCTL_ROOT_PATH, EGCTL_IFACE("Manager"), &error, &manager);
        if (r < 0)
                return egctl_bus_fail(&error, r, "status");
        r = bus_get_objects(bus, &error, &devices, &lanes);
        if (r < 0)
                return egctl_bus_fail(&error, r, "status");

        r = build_status(manager, devices, lanes, &status);
        if (r < 0) {
                egctl_error("status: %s", strerror(-r));
                return EGCTL_EXIT_FAILURE;
        }
        if (arg.json)
                return output_json(status);
        r = print_status(status);
        if (r < 0) {
                egctl_error("status: %s", strerror(-r));
                return EGCTL_EXIT_FAILURE;
        }
        return EGCTL_EXIT_OK;
}
