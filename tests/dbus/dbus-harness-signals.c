/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The D-Bus harness's signals: everything egated emits under its root path is
 * collected by the test process's connection (harness_on_signal, matched in
 * harness_start) and waited for, oldest first, each returned once.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <cmocka.h>

#include "dbus-harness-internal.h"

int harness_on_signal(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        struct harness *h = userdata;

        if (h->n_signals == h->n_allocated) {
                size_t n = h->n_allocated ? 2 * h->n_allocated : 64;
                sd_bus_message **s = reallocarray(h->signals, n, sizeof(*s));
                bool *c = s ? reallocarray(h->consumed, n, sizeof(*c)) : NULL;

                if (s)
                        h->signals = s;
                if (!c)
                        return -ENOMEM;
                h->consumed = c;
                h->n_allocated = n;
        }
        h->signals[h->n_signals] = sd_bus_message_ref(m);
        h->consumed[h->n_signals++] = false;
        return 0;
}

sd_bus_message *harness_wait_signal(struct harness *h, const char *path, const char *iface,
                                    const char *member, signal_filter filter, void *userdata,
                                    uint64_t timeout_usec) {
        uint64_t end = harness_now_usec() + timeout_usec;

        for (;;) {
                int r;

                for (size_t i = 0; i < h->n_signals; i++) {
                        sd_bus_message *m = h->signals[i];

                        if (h->consumed[i] || !sd_bus_message_is_signal(m, iface, member))
                                continue;
                        if (path && strcmp(sd_bus_message_get_path(m), path) != 0)
                                continue;
                        (void) sd_bus_message_rewind(m, true);
                        if (filter && !filter(m, userdata))
                                continue;
                        h->consumed[i] = true;
                        (void) sd_bus_message_rewind(m, true);
                        return sd_bus_message_ref(m);
                }
                r = sd_bus_process(h->bus, NULL);
                assert_true(r >= 0);
                if (r > 0)
                        continue;
                if (harness_now_usec() >= end)
                        return NULL;
                r = sd_bus_wait(h->bus, end - harness_now_usec());
                assert_true(r >= 0);
        }
}

void harness_drop_signals(struct harness *h) {
        while (sd_bus_process(h->bus, NULL) > 0)
                ;
        for (size_t i = 0; i < h->n_signals; i++)
                h->consumed[i] = true;
}

struct property_wanted {
        const char *iface, *property, *value;
};

static bool has_property(sd_bus_message *m, void *userdata) {
        struct property_wanted *w = userdata;
        const char *iface, *name;
        bool found = false;

        if (sd_bus_message_read(m, "s", &iface) < 0 || strcmp(iface, w->iface) != 0)
                return false;
        if (sd_bus_message_enter_container(m, 'a', "{sv}") < 0)
                return false;
        while (!found && sd_bus_message_enter_container(m, 'e', "sv") > 0) {
                if (sd_bus_message_read(m, "s", &name) < 0)
                        return false;
                if (strcmp(name, w->property) == 0) {
                        const char *contents = NULL, *v = NULL;
                        char type = 0;

                        if (!w->value)
                                return true;
                        if (sd_bus_message_peek_type(m, &type, &contents) < 0 || !contents ||
                            strcmp(contents, "s") != 0)
                                return false;
                        if (sd_bus_message_read(m, "v", "s", &v) < 0)
                                return false;
                        return strcmp(v, w->value) == 0;
                }
                if (sd_bus_message_skip(m, "v") < 0 || sd_bus_message_exit_container(m) < 0)
                        return false;
        }
        if (sd_bus_message_exit_container(m) < 0)
                return false;
        /* Invalidated names count only when no value was asked for. */
        if (!w->value && sd_bus_message_enter_container(m, 'a', "s") > 0)
                while (sd_bus_message_read(m, "s", &name) > 0)
                        if (strcmp(name, w->property) == 0)
                                return true;
        return false;
}

bool harness_wait_property(struct harness *h, const char *path, const char *iface,
                           const char *property, const char *value, uint64_t timeout_usec) {
        struct property_wanted w = { iface, property, value };
        sd_bus_message *m =
                harness_wait_signal(h, path, "org.freedesktop.DBus.Properties", "PropertiesChanged",
                                    has_property, &w, timeout_usec);

        if (!m)
                return false;
        sd_bus_message_unref(m);
        return true;
}
