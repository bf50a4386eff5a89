/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <search.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/audit.h"
#include "discovery/discovery.h"
#include "egate-build-config.h"
#include "log.h"
#include "manager.h"
#include "registry/registry.h"
/* PIPELINE */
#include "backend/background.h"
#include "emrtd/trust-store.h"
#include "pki.h"
#include "attendance.h"
#include "pipeline/face-matcher.h"
#include "pipeline/pipeline.h"

uint32_t eg_manager_default_timeout_ms(const struct eg_manager *m) {
        return m->config && m->config->operation_timeout_ms > 0 ? m->config->operation_timeout_ms
                                                                : 10000;
}

int eg_manager_add_listener(struct eg_manager *m, const struct eg_manager_listener *l) {
        if (m->n_listeners >= EG_MANAGER_MAX_LISTENERS)
                return -ENOSPC;
        if (m->n_listeners == m->n_listeners_allocated) {
                size_t n = m->n_listeners_allocated ? m->n_listeners_allocated * 2 : 16;
                struct eg_manager_listener *a = reallocarray(m->listeners, n, sizeof(*a));

                if (!a)
                        return -ENOMEM;
                m->listeners = a;
                m->n_listeners_allocated = n;
        }
        m->listeners[m->n_listeners++] = *l;
        return 0;
}

void eg_manager_remove_listener(struct eg_manager *m, void *userdata) {
        for (size_t i = 0; i < m->n_listeners; i++)
                if (m->listeners[i].userdata == userdata) {
                        memmove(&m->listeners[i], &m->listeners[i + 1],
                                sizeof(m->listeners[0]) * (m->n_listeners - i - 1));
                        m->n_listeners--;
                        return;
                }
}

void eg_manager_notify_added(struct eg_manager *m, struct eg_device *d) {
        for (size_t i = 0; i < m->n_listeners; i++)
                if (m->listeners[i].device_added)
                        m->listeners[i].device_added(d, m->listeners[i].userdata);
        eg_lanes_update_readiness(m);
}

void eg_manager_notify_removed(struct eg_manager *m, struct eg_device *d) {
        for (size_t i = 0; i < m->n_listeners; i++)
                if (m->listeners[i].device_removed)
                        m->listeners[i].device_removed(d, m->listeners[i].userdata);
        /* The device is already off the list, so lanes see it gone. */
        eg_lanes_update_readiness(m);
}

void eg_manager_notify_state(struct eg_manager *m, struct eg_device *d, enum eg_device_state old,
                             const char *reason) {
        for (size_t i = 0; i < m->n_listeners; i++)
                if (m->listeners[i].device_state_changed)
                        m->listeners[i].device_state_changed(d, old, reason,
                                                             m->listeners[i].userdata);
        if (old == EG_DEVICE_FAULTED || d->state == EG_DEVICE_FAULTED ||
            d->state == EG_DEVICE_OFFLINE)
                eg_lanes_update_readiness(m);
}

void eg_manager_notify_event(struct eg_manager *m, struct eg_device *d, const struct eg_event *e) {
        for (size_t i = 0; i < m->n_listeners; i++)
                if (m->listeners[i].device_event)
                        m->listeners[i].device_event(d, e, m->listeners[i].userdata);
}

void eg_manager_notify_lane(struct eg_manager *m, struct eg_lane *l) {
        for (size_t i = 0; i < m->n_listeners; i++)
                if (m->listeners[i].lane_changed)
                        m->listeners[i].lane_changed(l, m->listeners[i].userdata);
}

void eg_manager_notify_pki(struct eg_manager *m) {
        for (size_t i = 0; i < m->n_listeners; i++)
                if (m->listeners[i].pki_changed)
                        m->listeners[i].pki_changed(m, m->listeners[i].userdata);
}

void eg_manager_notify_lanes_rebuilt(struct eg_manager *m) {
        for (size_t i = 0; i < m->n_listeners; i++)
                if (m->listeners[i].lanes_rebuilt)
                        m->listeners[i].lanes_rebuilt(m, m->listeners[i].userdata);
}

int eg_manager_new(sd_event *e, struct eg_config *config, const struct eg_manager_options *o,
                   struct eg_manager **ret) {
        _cleanup_(eg_manager_freep) struct eg_manager *m = NULL;
        int r;

        m = calloc(1, sizeof(*m));
        if (!m) {
                eg_config_free(config); /* ownership passes in either way */
                return -ENOMEM;
        }
        m->event = sd_event_ref(e);
        m->loop_thread = pthread_self();
        m->config = config;
        m->posts.event_fd = -1;

        if (o && o->plugin_dirs && o->plugin_dirs[0]) {
                for (char **d = o->plugin_dirs; *d; d++)
                        if (strv_extend(&m->plugin_dirs, *d) < 0)
                                return -ENOMEM;
        } else if (config->plugin_dirs && config->plugin_dirs[0]) {
                for (char **d = config->plugin_dirs; *d; d++)
                        if (strv_extend(&m->plugin_dirs, *d) < 0)
                                return -ENOMEM;
        } else if (strv_extend(&m->plugin_dirs, EGATE_PLUGINSDIR) < 0)
                return -ENOMEM;

        if (o && o->mock_scenario) {
                m->mock_scenario = realpath(o->mock_scenario, NULL);
                if (!m->mock_scenario)
                        return log_error_errno(errno, "--mock %s: %m", o->mock_scenario);
        }
        m->mock = m->mock_scenario || config->mock;
        if (o)
                m->registry_open = o->registry_open; /* REGISTRY */
        if (o)
                m->mock_setup = o->mock_setup; /* PIPELINE */

        /* The systemd unit's StateDirectory= arrives as $STATE_DIRECTORY. */
        if (o && o->state_directory)
                m->state_directory = strdup(o->state_directory);
        else if (getenv("STATE_DIRECTORY") && getenv("STATE_DIRECTORY")[0] == '/')
                m->state_directory =
                        strndup(getenv("STATE_DIRECTORY"), strcspn(getenv("STATE_DIRECTORY"), ":"));
        else
                m->state_directory =
                        strdup(config->state_directory ? config->state_directory : EGATE_STATEDIR);
        if (!m->state_directory)
                return -ENOMEM;

        r = eg_post_queue_init(&m->posts, e, m);
        if (r < 0)
                return log_error_errno(r, "cannot set up the plugin post queue: %m");
        r = eg_operations_init(m);
        if (r < 0)
                return log_error_errno(r, "cannot set up operation delivery: %m");

        *ret = TAKE_PTR(m);
        return 0;
}

static void plugin_free(struct eg_plugin *p) {
        for (size_t i = 0; i < p->n_options; i++) {
                free(p->options[i].key);
                free(p->options[i].value);
        }
        free(p->options);
        eg_plugin_module_done(&p->module);
        free(p);
}

static void keep_device(void *d) {
}

struct eg_manager *eg_manager_free(struct eg_manager *m) {
        struct eg_plugin *p;

        if (!m)
                return NULL;
        /* Lanes are not judged while their devices go, one by one. */
        m->stopping = true;
        /* Discovery: no more probes once plugins begin to stop. */
        m->discovery = eg_discovery_free(m->discovery);
        /* PIPELINE: first, while the devices and lanes it points at still exist. */
        eg_pipelines_free(m);
        EG_LIST_FOREACH (plugins, p, m->plugins)
                eg_plugin_stop(p);
        eg_lanes_free(m);
        eg_operations_done(m);
        while (m->plugins) {
                p = m->plugins;
                EG_LIST_REMOVE(plugins, m->plugins, p);
                plugin_free(p);
        }
        eg_post_queue_done(&m->posts);
        /* Stopped plugins removed their devices: the trees are empty by now. */
        tdestroy(m->device_index, keep_device);
        tdestroy(m->device_handles, keep_device);
        /* AUDIT: after everything that writes records; queued writes still reach the disk. */
        m->audit_reopen = sd_event_source_disable_unref(m->audit_reopen);
        m->audit = eg_audit_free(m->audit);
        /* REGISTRY: after the lanes, whose lookups it drops without calling back. */
        eg_registry_free(TAKE_PTR(m->registry));
        /* PIPELINE: the other backends, which drop pending answers likewise. */
        eg_background_free(TAKE_PTR(m->background));
        eg_face_matcher_free(TAKE_PTR(m->face_matcher));
        eg_pki_close(m);
        eg_attendances_free(m);
        m->shutdown_timer = sd_event_source_disable_unref(m->shutdown_timer);
        strv_free(m->plugin_dirs);
        free(m->mock_scenario);
        free(m->state_directory);
        free(m->listeners);
        eg_config_free(m->config);
        sd_event_unref(m->event);
        free(m);
        return NULL;
}

static bool config_plugin_has_option(const struct eg_config_plugin *cp, const char *key) {
        for (size_t i = 0; cp && i < cp->n_options; i++)
                if (streq(cp->options[i].key, key))
                        return true;
        return false;
}

static int plugin_apply_options(struct eg_manager *m, struct eg_plugin *p) {
        const struct eg_config_plugin *cp = eg_config_find_plugin(m->config, p->module.name);
        int r;

        if (cp)
                for (size_t i = 0; i < cp->n_options; i++) {
                        r = eg_plugin_set_option(p, cp->options[i].key, cp->options[i].value);
                        if (r < 0)
                                return r;
                }
        /* PIPELINE: in mock mode without a csca-directory, the mock chips' CSCAs become the
         * trust anchors of passive authentication (eg_pki_mock_csca_directory()). */
        if (m->mock && streq(p->module.name, "mock") && !m->config->csca_directory &&
            !config_plugin_has_option(cp, "csca-output")) {
                _cleanup_free_ char *dir = eg_pki_mock_csca_directory(m), *file = NULL;

                if (!dir || asprintf(&file, "%s/csca.pem", dir) < 0)
                        return -ENOMEM;
                if (mkdir(dir, 0700) < 0 && errno != EEXIST)
                        log_warning_errno(errno, "mock mode: cannot create %s: %m", dir);
                else {
                        r = eg_plugin_set_option(p, "csca-output", file);
                        if (r < 0)
                                return r;
                }
        }
        /* --mock FILE wins over [plugin.mock] scenario=. */
        if (m->mock_scenario && streq(p->module.name, "mock"))
                return eg_plugin_set_option(p, "scenario", m->mock_scenario);
        return 0;
}

static int load_plugins(struct eg_manager *m) {
        struct eg_plugin_module *modules = NULL;
        size_t n_modules = 0;
        int r;

        r = eg_plugin_modules_scan(m->plugin_dirs, m->mock, &modules, &n_modules);
        if (r < 0)
                return log_error_errno(r, "cannot scan plugin directories: %m");

        for (size_t i = 0; i < n_modules; i++) {
                struct eg_plugin *p = calloc(1, sizeof(*p));

                if (!p) {
                        eg_plugin_modules_free(modules + i, n_modules - i);
                        free(modules);
                        return log_oom();
                }
                p->manager = m;
                p->module = modules[i]; /* moved: the array keeps no ownership */
                EG_LIST_APPEND(plugins, m->plugins, p);
        }
        free(modules);
        return 0;
}

/* Hand each [device.NAME] to its plugin.  A problem with one device is
 * logged and leaves its lane role empty; the daemon serves the rest. */
static void declare_devices(struct eg_manager *m) {
        for (size_t i = 0; i < m->config->n_devices; i++) {
                const struct eg_config_device *cd = &m->config->devices[i];
                struct eg_plugin *p = eg_plugin_find(m, cd->plugin);
                _cleanup_free_ struct eg_property *props = NULL;
                struct eg_device_config dc;
                char *id = NULL;
                size_t n = 0;
                int r;

                if (!p || p->module.state != EG_PLUGIN_ACTIVE) {
                        log_object(LOG_ERR, 0, EG_LOG_OBJECT_CONFIG, cd->name,
                                   "%s:%u: device %s: plugin %s is not available%s",
                                   cd->origin.file, cd->origin.line, cd->name, cd->plugin,
                                   p ? " (it failed to start)" : " (not found or refused)");
                        continue;
                }
                if (asprintf(&id, "%s-%s", cd->plugin, cd->name) >= 0) {
                        bool exists = eg_device_find(m, id) != NULL;
                        free(id);
                        if (exists)
                                continue; /* a reload keeps what is already there */
                }
                if (!p->module.ops.declare_device) {
                        log_plugin(LOG_ERR, 0, eg_plugin_name(p),
                                   "%s:%u: device %s: the plugin does not take declared devices",
                                   cd->origin.file, cd->origin.line, cd->name);
                        continue;
                }
                props = calloc(cd->n_properties + 2, sizeof(*props));
                if (!props) {
                        (void) log_oom();
                        return;
                }
                for (size_t k = 0; k < cd->n_properties; k++)
                        props[n++] = (struct eg_property){ cd->properties[k].key,
                                                           cd->properties[k].value };
                if (cd->has_fail_mode)
                        props[n++] = (struct eg_property){
                                "fail-mode", cd->fail_mode == EG_DOOR_FAIL_SAFE ? "safe" : "secure"
                        };
                dc = (struct eg_device_config){
                        .size = sizeof(dc),
                        .name = cd->name,
                        .device_class = cd->device_class,
                        .properties = props,
                        .n_properties = n,
                };
                p->declaring = true;
                r = p->module.ops.declare_device(p->plugin_data, &dc);
                p->declaring = false;
                if (r < 0)
                        log_plugin(LOG_ERR, r, eg_plugin_name(p),
                                   "%s:%u: device %s refused by the plugin: %m", cd->origin.file,
                                   cd->origin.line, cd->name);
        }
}

/* PIPELINE: background checks ("none" unless mock mode sets up its own), the face
 * comparator ([face], else mock mode's or none), mock mode's registry import and test
 * backends, and the pipelines' listener.  Only an out-of-memory is fatal. */
static int pipeline_backends_open(struct eg_manager *m) {
        int r;

        if (m->mock && m->mock_setup) {
                r = m->mock_setup(m);
                if (r < 0)
                        return log_error_errno(r, "mock mode: cannot set up the test backends: %m");
        }
        if (!m->background && m->config &&
            m->config->background_backend == EG_BACKGROUND_BACKEND_EXTERNAL) {
                log_info("background check: the external bridge on %s",
                         m->config->background_socket);
                r = eg_background_external_open(m->event, m->config->background_socket,
                                                &m->background);
                if (r < 0)
                        log_error_errno(r, "the background check's bridge cannot be set up: %m");
        }
        /* Mock mode leaves a configured bridge to us: it takes precedence over the mock
         * comparator, so a deployment can test its own with the mock lane.  Without a
         * comparator the face step is "not supported" (face-verification decides). */
        if (!m->face_matcher && m->config && m->config->face_backend == EG_FACE_BACKEND_EXTERNAL) {
                log_info("face comparison: the external bridge on %s", m->config->face_socket);
                r = eg_face_matcher_external_new(m->event, m->config->face_socket,
                                                 &m->face_matcher);
                if (r < 0)
                        log_error_errno(r, "the face comparator's bridge cannot be set up: %m");
        }
        /* Nobody to ask: every check answers "not supported", the policy decides. */
        if (!m->background) {
                r = eg_background_none_new(m->event, &m->background);
                if (r < 0)
                        return log_oom();
        }
        r = eg_pipelines_init(m);
        if (r < 0)
                return log_error_errno(r, "cannot watch the lanes: %m");
        return 0;
}

/* REGISTRY: the lanes' registry-timeout-ms decide; the registry's own deadline (for callers
 * without one) must not cut a longer one short, also after a reload that lengthens it. */
static void registry_fit_deadline(struct eg_manager *m) {
        uint32_t longest = EG_REGISTRY_DEFAULT_TIMEOUT_MS;

        if (!m->registry || !m->config)
                return;
        for (size_t i = 0; i < m->config->n_policies; i++)
                if (m->config->policies[i].registry_timeout_ms > longest)
                        longest = m->config->policies[i].registry_timeout_ms;
        m->registry->timeout_ms = longest;
}

#define EG_AUDIT_REOPEN_USEC (5 * 1000000ull)

/* AUDIT: a trail that would not open (a full disk during a migration, a key to restore, a
 * file in the way) is tried again every 5 s, so the lanes reopen by themselves once the
 * cause is gone instead of referring every traveller until a restart. */
static int on_audit_reopen(sd_event_source *s, uint64_t usec, void *userdata) {
        struct eg_manager *m = userdata;
        int r;

        if (m->stopping)
                return sd_event_source_set_enabled(s, SD_EVENT_OFF);
        r = eg_audit_open(m->event, m->state_directory, &m->audit);
        if (r < 0) {
                log_debug_errno(r, "the audit trail still cannot be opened: %m");
                return sd_event_source_set_time_relative(s, EG_AUDIT_REOPEN_USEC);
        }
        log_notice("the audit trail in %s is open now", m->state_directory);
        m->audit_reopen = sd_event_source_disable_unref(m->audit_reopen);
        eg_pipelines_audit_opened(m);
        return 0;
}

static void audit_open(struct eg_manager *m) {
        int r = eg_audit_open(m->event, m->state_directory, &m->audit);

        if (r >= 0)
                return;
        log_error_errno(r,
                        "the audit trail in %s cannot be opened: %m; the lanes stay closed, "
                        "trying again every 5 s",
                        m->state_directory);
        r = sd_event_add_time_relative(m->event, &m->audit_reopen, CLOCK_MONOTONIC,
                                       EG_AUDIT_REOPEN_USEC, 1000000ull, on_audit_reopen, m);
        if (r >= 0)
                r = sd_event_source_set_enabled(m->audit_reopen, SD_EVENT_ON);
        if (r < 0)
                log_error_errno(r, "cannot arm the audit trail's retry: %m");
}

int eg_manager_start(struct eg_manager *m) {
        struct eg_plugin *p;
        bool have_mock = false;
        int r;

        /* AUDIT: the trail opens before any lane can run a transaction.  Not fatal: the daemon
         * still serves its devices and the bus, and without a trail nothing can be recorded. */
        audit_open(m);
        /* REGISTRY: the member registry, before any lane can look a traveller up.  Not fatal
         * either: without it the lanes refer every traveller, and the log says why. */
        if (m->registry_open && !m->registry) {
                r = m->registry_open(m->event, m->config, m->state_directory, &m->registry);
                if (r < 0)
                        log_error_errno(r, "the member registry cannot be opened: %m");
        }
        /* PIPELINE: the other answers the pipeline needs, then the pipelines' listener. */
        r = pipeline_backends_open(m);
        if (r < 0)
                return r;
        registry_fit_deadline(m);

        r = load_plugins(m);
        if (r < 0)
                return r;

        EG_LIST_FOREACH (plugins, p, m->plugins) {
                if (p->module.state != EG_PLUGIN_LOADED)
                        continue;
                r = plugin_apply_options(m, p);
                if (r < 0)
                        return log_oom();
                (void) eg_plugin_start(p);
                if (streq(p->module.name, "mock") && p->module.state == EG_PLUGIN_ACTIVE)
                        have_mock = true;
        }
        if (m->mock_scenario && !have_mock)
                return log_error_errno(ENOENT,
                                       "--mock given, but no working mock plugin in the plugin "
                                       "directories (see the messages above)");

        declare_devices(m);
        eg_pki_open(m); /* PIPELINE */
        /* Discovery: offer tagged udev devices to the plugins' probe(), before
         * the lanes are built so coldplugged devices take their roles.  Never
         * fatal: without udev the configured devices are served. */
        (void) eg_discovery_start(m, &m->discovery);
        m->started = true;
        r = eg_lanes_build(m);
        if (r >= 0)
                r = eg_pipelines_sync(m); /* PIPELINE: one per lane, before anyone looks */
        eg_manager_notify_lanes_rebuilt(m);
        return r;
}

/* A reload must not reopen a lane an operator closed: modes survive it. */
static int rebuild_lanes_keeping_modes(struct eg_manager *m) {
        struct saved_mode {
                char *name;
                enum eg_lane_mode mode;
        } *saved = NULL;
        size_t n = 0;
        struct eg_lane *l;
        int r;

        EG_LIST_FOREACH (lanes, l, m->lanes) {
                struct saved_mode *s = realloc(saved, sizeof(*saved) * (n + 1));

                if (!s)
                        break;
                saved = s;
                saved[n].name = strdup(l->name);
                saved[n].mode = l->mode;
                if (saved[n].name)
                        n++;
        }
        eg_lanes_free(m);
        r = eg_lanes_build(m);
        for (size_t i = 0; i < n; i++) {
                l = eg_lane_find(m, saved[i].name);
                if (l && l->mode != saved[i].mode)
                        (void) eg_lane_set_mode(l, saved[i].mode, "kept across reload");
                free(saved[i].name);
        }
        free(saved);
        return r;
}

int eg_manager_reload(struct eg_manager *m, struct eg_config *config) {
        struct eg_config_start_only_change kept[EG_CONFIG_START_ONLY_MAX];
        size_t n_kept = eg_config_start_only_changes(m->config, config, kept);
        struct eg_device *d, *n;
        struct eg_plugin *p;
        int r;

        /* Back ends may have questions in flight, plugins are loaded, files open: these
         * stay until restart, and the log says so. */
        for (size_t i = 0; i < n_kept; i++)
                log_warning("%s changed: takes effect at the next restart; until then %s",
                            kept[i].what, kept[i].until_restart);
        eg_config_free(m->config);
        m->config = config;
        registry_fit_deadline(m);
        /* PIPELINE: new CSCAs and CRLs arrive without a restart (daily, for CRLs). */
        eg_pki_reload(m);

        /* Declared devices that are no longer in the config go away. */
        EG_LIST_FOREACH_SAFE (devices, d, n, m->devices) {
                const struct eg_config_device *cd;

                if (!d->declared)
                        continue;
                cd = eg_config_find_device(m->config, d->key);
                if (!cd || !streq(cd->plugin, eg_plugin_name(d->plugin)) ||
                    cd->device_class != d->device_class)
                        eg_device_remove(d, "no longer in the configuration");
        }
        /* Plugin options are re-read; plugins see them on their next lookup. */
        EG_LIST_FOREACH (plugins, p, m->plugins)
                if (p->module.state == EG_PLUGIN_ACTIVE && plugin_apply_options(m, p) < 0)
                        return log_oom();
        declare_devices(m);
        r = rebuild_lanes_keeping_modes(m);
        /* PIPELINE: pipelines follow their lanes by name; a removed lane's transaction is
         * aborted and audited. */
        if (eg_pipelines_sync(m) < 0 && r >= 0)
                r = -ENOMEM;
        eg_manager_notify_lanes_rebuilt(m);
        return r;
}

static void shutdown_finish(struct eg_manager *m) {
        struct eg_plugin *p;

        m->shutdown_timer = sd_event_source_disable_unref(m->shutdown_timer);
        EG_LIST_FOREACH (plugins, p, m->plugins)
                eg_plugin_stop(p);
        if (m->shutdown_done)
                m->shutdown_done(m, m->shutdown_userdata);
}

static void on_safe_state_done(struct eg_manager *m, const char *device_id, eg_op_id op,
                               struct eg_op_outcome *outcome, void *userdata) {
        if (outcome->status < 0)
                log_device(LOG_ERR, outcome->status, strna(device_id),
                           "could not reach its safe state on shutdown: %s",
                           outcome->message ? outcome->message : strerror(-outcome->status));
        else
                log_device(LOG_INFO, 0, strna(device_id), "in its safe state");
        if (m->n_shutdown_pending > 0 && --m->n_shutdown_pending == 0 && m->shutdown_done)
                shutdown_finish(m);
}

static int on_shutdown_timeout(sd_event_source *s, uint64_t usec, void *userdata) {
        struct eg_manager *m = userdata;

        log_error("%u door(s) did not confirm their safe state within %d ms; stopping anyway",
                  m->n_shutdown_pending, EG_SHUTDOWN_DOOR_TIMEOUT_MS);
        m->n_shutdown_pending = 0;
        shutdown_finish(m);
        return 0;
}

void eg_manager_shutdown(struct eg_manager *m, void (*done)(struct eg_manager *, void *),
                         void *userdata) {
        struct eg_operation *o, *next;
        struct eg_device *d;
        int r;

        if (m->stopping)
                return;
        m->stopping = true;
        /* Discovery: stop before doors go to their safe state; no new devices now. */
        m->discovery = eg_discovery_free(m->discovery);
        m->shutdown_done = done;
        m->shutdown_userdata = userdata;

        EG_LIST_FOREACH_SAFE (operations, o, next, m->operations)
                (void) eg_operation_cancel(m, o->id);

        EG_LIST_FOREACH (devices, d, m->devices) {
                struct eg_op_args args = { .size = sizeof(args), .kind = EG_OP_DOOR_SAFE_STATE };

                if (d->device_class != EG_CLASS_DOOR)
                        continue;
                r = eg_operation_start(m, d->id, &args, EG_SHUTDOWN_DOOR_TIMEOUT_MS,
                                       on_safe_state_done, NULL, NULL);
                if (r < 0) {
                        log_device(LOG_ERR, r, d->id, "cannot send to its safe state: %m");
                        continue;
                }
                m->n_shutdown_pending++;
        }
        if (m->n_shutdown_pending == 0) {
                shutdown_finish(m);
                return;
        }
        log_info("sending %u door(s) to their safe state", m->n_shutdown_pending);
        r = sd_event_add_time_relative(m->event, &m->shutdown_timer, CLOCK_MONOTONIC,
                                       (uint64_t) EG_SHUTDOWN_DOOR_TIMEOUT_MS * 1000u + 100000u,
                                       1000, on_shutdown_timeout, m);
        if (r < 0) {
                log_error_errno(r, "cannot arm the shutdown timer: %m");
                m->n_shutdown_pending = 0;
                shutdown_finish(m);
        }
}
