/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What a reload cannot change.  Most of the configuration takes effect at a reload
 * (devices, lanes, policies, plugin options, the PKI lists, the log level); the keys
 * here are read once, at start, because what they name is in use for the daemon's
 * whole life: the plugins loaded, the files held open, the back ends with questions in
 * flight.  A reload that changes one is still accepted (the rest of it applies) and
 * each such change is named in the log, so an operator never believes a change is live
 * when it is not.
 */
#include "config.h"
#include "macro.h"

static bool strv_equal(char *const *a, char *const *b) {
        size_t n = strv_length(a);

        if (n != strv_length(b))
                return false;
        for (size_t i = 0; i < n; i++)
                if (!streq(a[i], b[i]))
                        return false;
        return true;
}

size_t eg_config_start_only_changes(const struct eg_config *running, const struct eg_config *next,
                                    struct eg_config_start_only_change *ret) {
        size_t n = 0;

#define CHANGED(what_, until_restart_)                                                             \
        ret[n++] = (struct eg_config_start_only_change) {                                          \
                .what = (what_), .until_restart = (until_restart_)                                 \
        }

        if (!running || !next)
                return 0;
        if (running->mock != next->mock)
                CHANGED("[daemon] mock", "the plugins loaded at start stay loaded");
        if (!strv_equal(running->plugin_dirs, next->plugin_dirs))
                CHANGED("[daemon] plugin-dirs", "the plugins loaded at start stay loaded");
        if (!streq_ptr(running->state_directory, next->state_directory))
                CHANGED("[daemon] state-directory",
                        "the registry and the audit trail stay where they were opened");
        if (running->registry_backend != next->registry_backend ||
            !streq_ptr(running->registry_socket, next->registry_socket))
                CHANGED("[registry]", "lookups keep going to the open backend");
        if (running->background_backend != next->background_backend ||
            !streq_ptr(running->background_socket, next->background_socket))
                CHANGED("[background]", "checks keep going to the open backend");
        if (running->face_backend != next->face_backend ||
            !streq_ptr(running->face_socket, next->face_socket))
                CHANGED("[face]", "comparisons keep going to the open backend");
#undef CHANGED
        return n;
}
