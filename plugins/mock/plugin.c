/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The "mock" plugin: mock devices of every class driven by a scenario file,
 * for demos and tests without gate hardware.  Test-only: egated loads it
 * only with --mock or [daemon] mock=true.  README.md tells the whole story.
 */
#include <inttypes.h>
#include <stdio.h>

#include "chip-passports.h"
#include "images.h"
#include "mock.h"
#include "worker.h"

#ifndef MOCK_VERSION
#define MOCK_VERSION "0"
#endif

static const char *default_control_path(char *buf, size_t size) {
        const char *dir = getenv("RUNTIME_DIRECTORY");

        if (dir && *dir) {
                /* systemd lists several directories separated by ':'; use the first. */
                size_t n = strcspn(dir, ":");
                (void) snprintf(buf, size, "%.*s/mock-control.sock", (int) n, dir);
                return buf;
        }
        dir = getenv("XDG_RUNTIME_DIR");
        if (dir && *dir) {
                (void) snprintf(buf, size, "%s/egate-mock.sock", dir);
                return buf;
        }
        return "/run/egate/mock.sock";
}

static void plugin_free(struct mock_plugin *p) {
        if (!p)
                return;
        /* The worker first: it must not complete anything for what we free. */
        p->worker = mock_worker_free(p->worker);
        p->control = mock_control_free(p->control);
        for (size_t i = 0; i < p->n_devices; i++)
                mock_device_free(p->devices[i]);
        free(p->devices);
        for (size_t i = 0; i < p->n_lanes; i++)
                mock_lane_free(p->lanes[i]);
        free(p->lanes);
        p->chips = mock_chips_free(p->chips); /* after the devices: their cards point in */
        mock_scenario_free(p->scenario);
        free(p);
}

DEFINE_TRIVIAL_CLEANUP_FUNC(struct mock_plugin *, plugin_free)

/* camera-frame=WxH: the face camera's frame size, e.g. 1024x1024 for benchmarks. */
static int parse_camera_frame(struct mock_plugin *p, const char *value) {
        unsigned w, h;
        char tail;

        if (!value)
                return 0;
        if (sscanf(value, "%ux%u%c", &w, &h, &tail) != 2 || w < 16 || h < 16 || w > 8192 ||
            h > 8192) {
                mock_log(p, EG_LOG_ERROR, "camera-frame=%s: expected WIDTHxHEIGHT, 16..8192 each",
                         value);
                return -EINVAL;
        }
        p->camera_width = w;
        p->camera_height = h;
        return 0;
}

static int load_scenario(struct mock_plugin *p) {
        _cleanup_(freep) char *error = NULL;
        const char *path, *latency;
        int r;

        path = eg_host_config_get(p->host, "scenario");
        if (!path || !*path) {
                mock_log(p, EG_LOG_ERROR,
                         "no scenario: set scenario= in [plugin.mock] "
                         "(egated --mock FILE does)");
                return -EINVAL;
        }

        r = mock_scenario_load_file(path, &p->scenario, &error);
        if (r < 0) {
                mock_log(p, EG_LOG_ERROR, "scenario %s: %s", path, error ? error : strerror(-r));
                return r == -ENOMEM ? r : -EINVAL;
        }

        p->latency = p->scenario->latency;
        latency = eg_host_config_get(p->host, "latency");
        if (latency) {
                int profile = mock_latency_profile_from_string(latency);

                if (profile < 0) {
                        mock_log(p, EG_LOG_ERROR, "latency=%s: expected realistic or zero",
                                 latency);
                        return -EINVAL;
                }
                /* Replaces the scenario's latencies, per-op overrides included. */
                mock_latency_init(&p->latency, (enum mock_latency_profile) profile);
        }

        r = parse_camera_frame(p, eg_host_config_get(p->host, "camera-frame"));
        if (r < 0)
                return r;

        mock_log(p, EG_LOG_INFO, "scenario \"%s\": %zu lane(s), %zu traveller(s), %s latency",
                 p->scenario->name, p->scenario->n_lanes, p->scenario->n_travellers,
                 mock_latency_profile_to_string(p->latency.profile));
        return 0;
}

static int start_control(struct mock_plugin *p) {
        const char *path = eg_host_config_get(p->host, "control-socket");
        char buf[256];

        if (path && streq(path, "none"))
                return 0;
        if (!path || !*path)
                path = default_control_path(buf, sizeof(buf));
        return mock_control_new(p, path, &p->control);
}

static int create_lane_devices(struct mock_plugin *p) {
        const struct mock_scenario *s = p->scenario;
        int r;

        for (size_t i = 0; i < s->n_lanes; i++) {
                const struct mock_lane_config *c = &s->lanes[i];
                struct mock_lane *l;

                r = mock_lane_new(p, c->name, c, c->zones, &l);
                if (r < 0)
                        return r;

                for (int role = 0; role < MOCK_ROLE_MAX; role++) {
                        struct mock_device *d;
                        char key[MOCK_NAME_MAX + 32];

                        if (!mock_lane_config_has_role(c, role))
                                continue;
                        (void) snprintf(key, sizeof(key), "%s-%s", c->name,
                                        mock_role_to_string((enum mock_role) role));
                        r = mock_device_new(p, l, key, mock_role_class((enum mock_role) role),
                                            (enum mock_role) role, &d);
                        if (r < 0)
                                return r;
                        l->roles[role] = d;
                        /* An MRZ-only reader, if the lane says so. */
                        d->supported_ops = mock_lane_config_role_ops(c, role);
                        if (role == MOCK_ROLE_ENTRY_DOOR || role == MOCK_ROLE_EXIT_DOOR)
                                d->door.one_command_at_a_time = c->doors_one_command_at_a_time;
                        if (role == MOCK_ROLE_ENTRY_DOOR)
                                d->fail_mode = c->entry_fail_mode;
                        else if (role == MOCK_ROLE_EXIT_DOOR)
                                d->fail_mode = c->exit_fail_mode;
                        else if (role == MOCK_ROLE_PRESENCE_SENSOR) {
                                /* Without a zone argument it reports the mantrap. */
                                const char *zone = c->zones[0];
                                for (char **z = c->zones; *z; z++)
                                        if (streq(*z, "mantrap"))
                                                zone = *z;
                                d->zone = strdup(zone);
                                if (!d->zone)
                                        return -ENOMEM;
                        }
                }
        }

        for (size_t i = 0; i < s->n_faults; i++) {
                const struct mock_fault_spec *f = &s->faults[i];
                struct mock_device *d = mock_plugin_find_device(p, f->device);
                struct mock_fault_rule rule = {
                        .op = f->op,
                        .fault = f->fault,
                        .delay_ms = f->delay_ms,
                        .after = f->after,
                        .count = f->count,
                };

                if (!d) /* the parser checked: cannot happen */
                        return -EINVAL;
                r = mock_faults_add(&d->faults, &rule);
                if (r < 0) {
                        mock_log(p, EG_LOG_ERROR, "device %s: more than %d faults", d->key,
                                 MOCK_FAULTS_PER_DEVICE);
                        return r;
                }
        }
        return 0;
}

static int mock_init(struct eg_host *host, void **plugin_data) {
        _cleanup_(plugin_freep) struct mock_plugin *p = NULL;
        int r;

        p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        p->host = host;

        /* Everything that can fail for a reason the user must fix comes before
         * the first device is added. */
        r = load_scenario(p);
        if (r < 0)
                return r;
        r = mock_chip_readers_init(p);
        if (r < 0)
                return r;
        r = create_lane_devices(p);
        if (r < 0)
                return r;
        r = mock_worker_new(host, &p->worker);
        if (r < 0) {
                mock_log(p, EG_LOG_ERROR, "cannot start the worker thread: %s", strerror(-r));
                return r;
        }
        r = start_control(p);
        if (r < 0)
                return r;

        for (size_t i = 0; i < p->n_devices && r >= 0; i++)
                r = mock_device_attach(p->devices[i]);

        for (size_t i = 0; i < p->scenario->n_queues && r >= 0; i++) {
                const struct mock_queue *q = &p->scenario->queues[i];
                struct mock_lane *l = mock_plugin_find_lane(p, p->scenario->lanes[q->lane].name);

                r = mock_lane_start_queue(l, q);
        }

        if (r < 0) {
                /* Take back what the daemon has: it must not close() them after
                 * we freed them. */
                for (size_t i = 0; i < p->n_devices; i++)
                        (void) mock_device_detach(p->devices[i]);
                return r;
        }

        *plugin_data = TAKE_PTR(p);
        return 0;
}

static void mock_shutdown(void *plugin_data) {
        plugin_free(plugin_data);
        mock_images_forget();
}

static int parse_ms_property(const char *value, int64_t *ret) {
        char *end;
        unsigned long long v;

        if (!value || *value < '0' || *value > '9')
                return -EINVAL;
        errno = 0;
        v = strtoull(value, &end, 10);
        if (errno != 0 || *end || v > MOCK_MAX_MS)
                return -EINVAL;
        *ret = (int64_t) v;
        return 0;
}

static bool zone_name_is_valid(const char *s) {
        size_t n = strlen(s);

        if (n == 0 || n > MOCK_NAME_MAX)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
                      (s[i] >= '0' && s[i] <= '9') || (i > 0 && strchr("-_.", s[i]))))
                        return false;
        return true;
}

static int mock_declare_device(void *plugin_data, const struct eg_device_config *config) {
        struct mock_plugin *p = plugin_data;
        enum eg_door_fail_mode fail_mode = EG_DOOR_FAIL_SECURE;
        const char *zone = NULL;
        int64_t latency = -1;
        struct mock_device *d;
        struct mock_lane *l;
        char *zones[2] = {};
        int r;

        if (!config || !config->name || !mock_class_to_string(config->device_class)) {
                mock_log(p, EG_LOG_ERROR, "declared device without a name or a known class");
                return -EINVAL;
        }
        if (!zone_name_is_valid(config->name)) {
                mock_log(p, EG_LOG_ERROR, "device %s: name must be 1-%d of A-Z a-z 0-9 - _ .",
                         config->name, MOCK_NAME_MAX);
                return -EINVAL;
        }

        for (size_t i = 0; i < config->n_properties; i++) {
                const char *key = config->properties[i].key, *value = config->properties[i].value;

                if (!key || !value) {
                        mock_log(p, EG_LOG_ERROR, "device %s: property without a key or value",
                                 config->name);
                        return -EINVAL;
                }
                if (streq(key, "fail-mode") && config->device_class == EG_CLASS_DOOR) {
                        if (streq(value, "secure"))
                                fail_mode = EG_DOOR_FAIL_SECURE;
                        else if (streq(value, "safe"))
                                fail_mode = EG_DOOR_FAIL_SAFE;
                        else {
                                mock_log(p, EG_LOG_ERROR,
                                         "device %s: fail-mode=%s: expected "
                                         "secure or safe",
                                         config->name, value);
                                return -EINVAL;
                        }
                } else if (streq(key, "zone") && config->device_class == EG_CLASS_PRESENCE_SENSOR) {
                        if (!zone_name_is_valid(value)) {
                                mock_log(p, EG_LOG_ERROR,
                                         "device %s: zone=%s: not a valid zone "
                                         "name",
                                         config->name, value);
                                return -EINVAL;
                        }
                        zone = value;
                } else if (streq(key, "latency-ms")) {
                        if (parse_ms_property(value, &latency) < 0) {
                                mock_log(p, EG_LOG_ERROR,
                                         "device %s: latency-ms=%s: expected "
                                         "milliseconds, 0-%" PRIu32,
                                         config->name, value, MOCK_MAX_MS);
                                return -EINVAL;
                        }
                } else if (streq(key, "lane") || streq(key, "role")) {
                        /* The daemon's business, should it pass them on. */
                } else {
                        mock_log(p, EG_LOG_ERROR,
                                 "device %s: unknown property '%s' for a mock "
                                 "%s (known: %s)",
                                 config->name, key, mock_class_to_string(config->device_class),
                                 config->device_class == EG_CLASS_DOOR ? "fail-mode, latency-ms"
                                 : config->device_class == EG_CLASS_PRESENCE_SENSOR
                                         ? "zone, latency-ms"
                                         : "latency-ms");
                        return -EINVAL;
                }
        }

        d = mock_plugin_find_device(p, config->name);
        if (d && d->role == MOCK_ROLE_NONE && !d->attached &&
            d->device_class == config->device_class &&
            (config->device_class != EG_CLASS_PRESENCE_SENSOR ||
             streq(d->zone, zone ? zone : "mantrap"))) {
                /* Declared again after the daemon dropped it (a reload): the
                 * same device comes back, with the new settings. */
                d->fail_mode = fail_mode;
                d->latency_ms = latency;
                return mock_device_attach(d);
        }
        if (d || mock_plugin_find_lane(p, config->name)) {
                mock_log(p, EG_LOG_ERROR,
                         "device %s: the name is taken by a scenario device or "
                         "lane",
                         config->name);
                return -EEXIST;
        }

        /* A declared device gets a lane of its own, named like it, so the
         * control commands that take a lane work on it too. */
        zones[0] = (char *) (zone ? zone : "mantrap");
        r = mock_lane_new(p, config->name, NULL,
                          config->device_class == EG_CLASS_PRESENCE_SENSOR ? zones : NULL, &l);
        if (r < 0)
                return r;
        r = mock_device_new(p, l, config->name, config->device_class, MOCK_ROLE_NONE, &d);
        if (r < 0)
                goto fail_lane;
        l->solo = d;
        d->fail_mode = fail_mode;
        d->latency_ms = latency;
        if (config->device_class == EG_CLASS_PRESENCE_SENSOR) {
                d->zone = strdup(zones[0]);
                if (!d->zone) {
                        r = -ENOMEM;
                        goto fail_device;
                }
        }
        r = mock_device_attach(d);
        if (r < 0)
                goto fail_device;
        mock_log(p, EG_LOG_INFO, "declared %s %s", mock_class_to_string(d->device_class), d->key);
        return 0;

fail_device:
        /* Both were appended last: take them off again. */
        mock_device_free(p->devices[--p->n_devices]);
fail_lane:
        mock_lane_free(p->lanes[--p->n_lanes]);
        return r;
}

EG_PLUGIN_DEFINE(.name = "mock", .version = MOCK_VERSION, .vendor = "egate",
                 .classes = EG_CLASS_BIT(EG_CLASS_DOCUMENT_READER) |
                            EG_CLASS_BIT(EG_CLASS_CHIP_READER) |
                            EG_CLASS_BIT(EG_CLASS_FINGERPRINT_SCANNER) |
                            EG_CLASS_BIT(EG_CLASS_CAMERA) | EG_CLASS_BIT(EG_CLASS_DOOR) |
                            EG_CLASS_BIT(EG_CLASS_PRESENCE_SENSOR) |
                            EG_CLASS_BIT(EG_CLASS_INDICATOR),
                 .flags = EG_PLUGIN_FLAG_TEST_ONLY, .matches = { EG_MATCH_CONFIG_ENTRY }) = {
        .size = sizeof(struct eg_plugin_ops),
        .init = mock_init,
        .shutdown = mock_shutdown,
        .declare_device = mock_declare_device,
};
