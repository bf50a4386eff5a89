/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The daemon's side of the SDK: one struct eg_plugin per plugin file, and
 * the eg_host_api implementation its code calls.
 *
 * complete(), emit() and log() may come from any thread: they copy what they
 * are given into the post queue (post-queue.h) and the event loop applies it.
 * Everything else must come from the loop thread and is checked.
 */
#pragma once

#include <egate/plugin.h>
#include <pthread.h>
#include <systemd/sd-event.h>

#include "config.h"
#include "list.h"
#include "plugin-loader.h"

struct eg_manager;

/* Laid out as the SDK expects: struct eg_host_header first. */
struct eg_host {
        struct eg_host_header header;
        struct eg_plugin *plugin;
};

struct eg_plugin_source {
        eg_source_id id;
        sd_event_source *source;
        struct eg_plugin *plugin;
        eg_timer_fn timer_fn;
        eg_io_fn io_fn;
        void *userdata;
        EG_LIST_FIELDS(struct eg_plugin_source, sources);
};

struct eg_plugin {
        struct eg_manager *manager;
        struct eg_plugin_module module; /* path, descriptor, state, reason, ops */
        struct eg_host host;
        void *plugin_data;
        bool in_init; /* device_add is allowed from init() */
        bool declaring; /* inside declare_device(): devices added now come from the config */
        struct eg_config_kv *options; /* [plugin.NAME] plus command-line overrides */
        size_t n_options;
        struct eg_plugin_source *sources;
        eg_source_id next_source_id;
        EG_LIST_FIELDS(struct eg_plugin, plugins);
};

extern const struct eg_host_api eg_host_api_v1;

/* Call init(); on failure the plugin is FAILED with a reason.  Returns the errno. */
int eg_plugin_start(struct eg_plugin *p);
/* Close the plugin's devices, call shutdown(), drop its sources. */
void eg_plugin_stop(struct eg_plugin *p);

struct eg_plugin *eg_plugin_find(struct eg_manager *m, const char *name);
const char *eg_plugin_name(const struct eg_plugin *p);
void eg_plugin_set_failed(struct eg_plugin *p, const char *reason_fmt, ...) _printf_(2, 3);

/* Set or replace an option the plugin reads with eg_host_config_get(). */
int eg_plugin_set_option(struct eg_plugin *p, const char *key, const char *value);

bool eg_on_loop_thread(struct eg_manager *m);
