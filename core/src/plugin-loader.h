/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Finding, vetting and loading plugin shared objects.
 *
 * The descriptor is read from the ELF file with libelf and validated before
 * the object is dlopen()ed, so a plugin built for another ABI major, a
 * malformed descriptor or a file that is not a plugin never gets to run any
 * code in the daemon.  Every refusal keeps a one-line reason, shown later by
 * the D-Bus API (Manager.Plugins) and egatectl.
 */
#pragma once

#include <egate/plugin.h>
#include <stdbool.h>

#include "macro.h"

enum eg_plugin_state {
        EG_PLUGIN_REFUSED = 0, /* not loaded: see reason */
        EG_PLUGIN_LOADED, /* dlopen()ed, init() not yet called */
        EG_PLUGIN_ACTIVE, /* init() succeeded */
        EG_PLUGIN_FAILED, /* init() failed, or the plugin misbehaved later */
        EG_PLUGIN_STOPPED, /* shutdown() called */
};

const char *eg_plugin_state_to_string(enum eg_plugin_state s);

/* One plugin file: what we know about it even when it is refused. */
struct eg_plugin_module {
        char *path;
        char *name; /* from the descriptor; NULL if unreadable */
        struct eg_plugin_descriptor descriptor; /* zero-filled beyond the plugin's size */
        enum eg_plugin_state state;
        char *reason; /* why refused or failed; NULL otherwise */

        void *dl_handle;
        struct eg_plugin_ops ops; /* copied, zero-filled beyond the plugin's size */
};

/*
 * Read `path`'s descriptor without loading it.  Returns 0, or a negative
 * errno with a human-readable reason in *ret_reason (newly allocated), e.g.
 * "not an ELF file", "no egate_plugin_descriptor symbol", "built for SDK ABI
 * 2.0, egated implements 1.3", "descriptor name \"Bad Name\" is invalid".
 */
int eg_plugin_descriptor_read(const char *path, struct eg_plugin_descriptor *ret,
                              char **ret_reason);

/* Validate a descriptor as read (size, ABI, name, strings, classes, matches). */
int eg_plugin_descriptor_validate(const struct eg_plugin_descriptor *d, char **ret_reason);

/* dlopen() a vetted module and resolve and check egate_plugin_ops.  On
 * failure the module becomes REFUSED with a reason; returns negative errno. */
int eg_plugin_module_open(struct eg_plugin_module *m);

/*
 * Scan `dirs` (in order) for "*.so" files and vet each.  Returns every file
 * found, refused ones included, in *ret (sorted by path within a directory).
 * A second plugin with an already-seen name is refused as a duplicate.
 * Plugins flagged TEST_ONLY are refused unless allow_test_only.
 */
int eg_plugin_modules_scan(char *const *dirs, bool allow_test_only, struct eg_plugin_module **ret,
                           size_t *ret_n);

void eg_plugin_module_done(struct eg_plugin_module *m); /* dlclose() and free */
void eg_plugin_modules_free(struct eg_plugin_module *m, size_t n);

bool eg_plugin_name_is_valid(const char *name);
