/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The second pass of loading (see config-internal.h): [daemon], [plugin.*], [device.*]
 * and [lane.*] into struct eg_config, then the checks across sections: which device
 * sits in which lane in which role, and whether the references hold.
 *
 * A device reaches a lane either from the lane ([lane.A] entry-door = door1) or from
 * itself ([device.door1] lane = A, role = entry-door).  Saying both is fine when they
 * agree; afterwards both views are filled in, so users of the config need only one.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "config-internal.h"
#include "egate-build-config.h"
#include "log.h"

#define DEFAULT_STATE_DIRECTORY "/var/lib/egate"
#define DEFAULT_OPERATION_TIMEOUT_MS 10000u
#define OPERATION_TIMEOUT_MIN_MS 100u
#define OPERATION_TIMEOUT_MAX_MS 600000u
#define DEFAULT_CRL_GRACE_HOURS 24u
#define CRL_GRACE_MAX_HOURS (24u * 366u)

#define CLASS_NAMES                                                                                \
        "document-reader, chip-reader, fingerprint-scanner, camera, door, presence-sensor or "     \
        "indicator"
#define ROLE_NAMES                                                                                 \
        "document-reader, chip-reader, fingerprint-scanner, camera, entry-door, exit-door, "       \
        "presence-sensor or indicator"

/* What the cross-checks need to know about a device beyond struct eg_config_device. */
struct device_ref {
        const struct config_entry *lane_key, *role_key; /* its own lane= and role= */
        bool lane_ok;
        int role; /* of role=, or -1 */

        /* Its place, once it has one. */
        size_t lane;
        int assigned_role; /* -1: none yet */
        const struct config_entry *assigned_by; /* the key that placed it */
};

struct lane_ref {
        /* The key assigning each role; the presence-sensor and indicator slots hold the
         * presence-sensors= and indicators= lists. */
        const struct config_entry *role_keys[EG_ROLE_MAX_];
        struct config_location filled_at[EG_ROLE_MAX_];
        const struct config_entry *policy_key;
};

struct build {
        struct config_parser *p;
        struct eg_config *c;
        struct device_ref *devices; /* parallel to c->devices */
        struct lane_ref *lanes; /* parallel to c->lanes */
};

static int kv_append(const struct config_parser *p, const struct config_entry *e,
                     struct eg_config_kv **kvs, size_t *n) {
        struct eg_config_kv *m, kv = {};

        kv.key = strdup(e->key);
        kv.value = strdup(e->value);
        if (!kv.key || !kv.value || config_origin_set(p, e->where, &kv.origin) < 0)
                goto oom;

        m = realloc(*kvs, sizeof(*m) * (*n + 1));
        if (!m)
                goto oom;
        *kvs = m;
        (*kvs)[(*n)++] = kv;
        return 0;
oom:
        free(kv.key);
        free(kv.value);
        config_origin_done(&kv.origin);
        return -ENOMEM;
}

/* ---- [daemon] ---- */

static int daemon_set_defaults(struct eg_config *c) {
        c->log_level = -1;
        c->mock = false;
        c->operation_timeout_ms = DEFAULT_OPERATION_TIMEOUT_MS;
        c->crl_grace_hours = DEFAULT_CRL_GRACE_HOURS;
        c->stale_crl_closes_lanes = true;
        if (strv_extend(&c->plugin_dirs, EGATE_PLUGINSDIR) < 0)
                return -ENOMEM;
        c->state_directory = strdup(DEFAULT_STATE_DIRECTORY);
        return c->state_directory ? 0 : -ENOMEM;
}

static int daemon_get_plugin_dirs(struct config_parser *p, const struct config_entry *e,
                                  struct eg_config *c) {
        _cleanup_(strv_freep) char **dirs = NULL;
        int r;

        r = config_get_list(p, e, ":,", false, &dirs);
        if (r <= 0)
                return r;
        for (char **d = dirs; *d; d++)
                if ((*d)[0] != '/') {
                        config_error(p, e->where, "plugin directory '%s' is not an absolute path",
                                     *d);
                        return 0;
                }

        strv_free(c->plugin_dirs);
        c->plugin_dirs = TAKE_PTR(dirs);
        return 1;
}

static int build_daemon(struct build *b, const struct config_section *s) {
        struct config_parser *p = b->p;
        struct eg_config *c = b->c;
        unsigned v;
        int r = 0;

        for (size_t i = 0; i < s->n_entries && r >= 0; i++) {
                const struct config_entry *e = &s->entries[i];

                if (streq(e->key, "log-level")) {
                        int level = log_level_from_string(e->value);

                        if (!e->value[0])
                                config_error(p, e->where, "missing value for %s", e->key);
                        else if (level < 0)
                                config_error(p, e->where,
                                             "invalid value '%s' for %s: expected emerg, alert, "
                                             "crit, err, warning, notice, info or debug",
                                             e->value, e->key);
                        else
                                c->log_level = level;
                } else if (streq(e->key, "mock"))
                        r = config_get_boolean(p, e, &c->mock);
                else if (streq(e->key, "plugin-dirs"))
                        r = daemon_get_plugin_dirs(p, e, c);
                else if (streq(e->key, "state-directory"))
                        r = config_get_absolute_path(p, e, &c->state_directory);
                else if (streq(e->key, "csca-directory")) /* PIPELINE: PA trust anchors */
                        r = config_get_absolute_path(p, e, &c->csca_directory);
                else if (streq(e->key, "crl-directory"))
                        r = config_get_absolute_path(p, e, &c->crl_directory);
                else if (streq(e->key, "crl-grace-hours")) {
                        r = config_get_unsigned(p, e, 0, CRL_GRACE_MAX_HOURS, &v);
                        if (r > 0)
                                c->crl_grace_hours = v;
                } else if (streq(e->key, "stale-crl")) {
                        if (streq(e->value, "close"))
                                c->stale_crl_closes_lanes = true;
                        else if (streq(e->value, "warn"))
                                c->stale_crl_closes_lanes = false;
                        else
                                config_error(p, e->where,
                                             "invalid value '%s' for stale-crl: expected close or "
                                             "warn",
                                             e->value);
                } else if (streq(e->key, "operation-timeout-ms")) {
                        r = config_get_unsigned(p, e, OPERATION_TIMEOUT_MIN_MS,
                                                OPERATION_TIMEOUT_MAX_MS, &v);
                        if (r > 0)
                                c->operation_timeout_ms = v;
                } else
                        config_error(p, e->where, "unknown key '%s' in [daemon]", e->key);
        }
        return r < 0 ? r : 0;
}

/* ---- [registry], [background], [face] ---- */

/*
 * These sections choose between a backend built into egated and "external", a
 * deployment's bridge listening on a local socket: backend = BUILTIN|external,
 * socket = PATH.  *external and *socket are updated in place (drop-ins).
 */
static int build_bridge_section(struct config_parser *p, const struct config_section *s,
                                const char *builtin, bool *external, char **socket) {
        const struct config_entry *socket_entry = NULL;
        bool backend_invalid = false;
        int r = 0;

        for (size_t i = 0; i < s->n_entries && r >= 0; i++) {
                const struct config_entry *e = &s->entries[i];

                if (streq(e->key, "backend")) {
                        if (streq(e->value, builtin))
                                *external = false;
                        else if (streq(e->value, "external"))
                                *external = true;
                        else {
                                config_error(p, e->where,
                                             "invalid value '%s' for backend: expected %s or "
                                             "external",
                                             e->value, builtin);
                                backend_invalid = true;
                        }
                } else if (streq(e->key, "socket")) {
                        socket_entry = e;
                        r = config_get_absolute_path(p, e, socket);
                        if (r > 0 &&
                            strlen(e->value) >= sizeof(((struct sockaddr_un *) NULL)->sun_path))
                                config_error(p, e->where,
                                             "socket path '%s' is too long for a Unix socket",
                                             e->value);
                } else
                        config_error(p, e->where, "unknown key '%s' in [%s]", e->key, s->header);
        }
        if (r < 0)
                return r;
        /* A socket the backend would ignore, or a bridge with nowhere to call: both are
         * mistakes an operator wants to hear about at load, not at the first traveller. */
        if (backend_invalid)
                return 0; /* already said: the rest would only guess at what was meant */
        if (*external && !*socket)
                config_error(p, s->where, "[%s] backend = external needs socket =", s->header);
        else if (!*external && socket_entry)
                config_error(p, socket_entry->where, "socket is only for backend = external");
        return 0;
}

static int build_registry(struct build *b, const struct config_section *s) {
        struct eg_config *c = b->c;
        bool external = c->registry_backend == EG_REGISTRY_BACKEND_EXTERNAL;
        int r;

        r = build_bridge_section(b->p, s, "sqlite", &external, &c->registry_socket);
        c->registry_backend = external ? EG_REGISTRY_BACKEND_EXTERNAL : EG_REGISTRY_BACKEND_SQLITE;
        return r;
}

static int build_background(struct build *b, const struct config_section *s) {
        struct eg_config *c = b->c;
        bool external = c->background_backend == EG_BACKGROUND_BACKEND_EXTERNAL;
        int r;

        r = build_bridge_section(b->p, s, "none", &external, &c->background_socket);
        c->background_backend =
                external ? EG_BACKGROUND_BACKEND_EXTERNAL : EG_BACKGROUND_BACKEND_NONE;
        return r;
}

static int build_face(struct build *b, const struct config_section *s) {
        struct eg_config *c = b->c;
        bool external = c->face_backend == EG_FACE_BACKEND_EXTERNAL;
        int r;

        r = build_bridge_section(b->p, s, "none", &external, &c->face_socket);
        c->face_backend = external ? EG_FACE_BACKEND_EXTERNAL : EG_FACE_BACKEND_NONE;
        return r;
}

/* ---- [plugin.NAME] ---- */

static int build_plugin(struct build *b, const struct config_section *s) {
        struct eg_config *c = b->c;
        struct eg_config_plugin *plugins, *pl;
        int r;

        plugins = realloc(c->plugins, sizeof(*plugins) * (c->n_plugins + 1));
        if (!plugins)
                return -ENOMEM;
        c->plugins = plugins;
        pl = &c->plugins[c->n_plugins];
        *pl = (struct eg_config_plugin){ .name = strdup(s->name) };
        if (!pl->name)
                return -ENOMEM;
        c->n_plugins++;

        /* Everything passes through: only the plugin knows its options. */
        for (size_t i = 0; i < s->n_entries; i++) {
                r = kv_append(b->p, &s->entries[i], &pl->options, &pl->n_options);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* ---- [device.NAME] ---- */

static int device_set_key(struct build *b, struct eg_config_device *d, struct device_ref *ref,
                          const struct config_entry *e, const struct config_entry **fail_mode) {
        struct config_parser *p = b->p;
        int r, v;

        if (streq(e->key, "plugin"))
                return config_get_name(p, e, "plugin", &d->plugin);

        if (streq(e->key, "class")) {
                v = eg_device_class_from_string(e->value);
                if (v < 0)
                        config_error(p, e->where, "invalid value '%s' for class: expected %s",
                                     e->value, CLASS_NAMES);
                else
                        d->device_class = (enum eg_device_class) v;
                return 0;
        }

        if (streq(e->key, "lane")) {
                ref->lane_key = e;
                r = config_get_name(p, e, "lane", &d->lane);
                ref->lane_ok = r > 0;
                return r;
        }

        if (streq(e->key, "role")) {
                ref->role_key = e;
                v = eg_lane_role_from_string(e->value);
                if (v < 0) {
                        config_error(p, e->where, "invalid value '%s' for role: expected %s",
                                     e->value, ROLE_NAMES);
                        return 0;
                }
                ref->role = v;
                return free_and_strdup(&d->role, e->value);
        }

        if (streq(e->key, "fail-mode")) {
                *fail_mode = e;
                if (streq(e->value, "secure"))
                        d->fail_mode = EG_DOOR_FAIL_SECURE;
                else if (streq(e->value, "safe"))
                        d->fail_mode = EG_DOOR_FAIL_SAFE;
                else {
                        config_error(p, e->where,
                                     "invalid value '%s' for fail-mode: expected secure or safe",
                                     e->value);
                        return 0;
                }
                d->has_fail_mode = true;
                return 0;
        }

        /* Anything else is for the plugin's declare_device(). */
        return kv_append(p, e, &d->properties, &d->n_properties);
}

static int build_device(struct build *b, const struct config_section *s) {
        struct config_parser *p = b->p;
        struct eg_config *c = b->c;
        const struct config_entry *fail_mode = NULL;
        struct eg_config_device *devices, *d;
        struct device_ref *refs, *ref;
        bool has_plugin = false, has_class = false;
        int r;

        devices = realloc(c->devices, sizeof(*devices) * (c->n_devices + 1));
        if (!devices)
                return -ENOMEM;
        c->devices = devices;
        refs = realloc(b->devices, sizeof(*refs) * (c->n_devices + 1));
        if (!refs)
                return -ENOMEM;
        b->devices = refs;

        d = &c->devices[c->n_devices];
        ref = &b->devices[c->n_devices];
        *d = (struct eg_config_device){ .name = strdup(s->name) };
        *ref = (struct device_ref){ .role = -1, .assigned_role = -1 };
        if (!d->name)
                return -ENOMEM;
        c->n_devices++;

        r = config_origin_set(p, s->where, &d->origin);
        if (r < 0)
                return r;

        for (size_t i = 0; i < s->n_entries; i++) {
                has_plugin = has_plugin || streq(s->entries[i].key, "plugin");
                has_class = has_class || streq(s->entries[i].key, "class");
                r = device_set_key(b, d, ref, &s->entries[i], &fail_mode);
                if (r < 0)
                        return r;
        }

        if (!has_plugin)
                config_error(p, s->where, "missing plugin= in [%s]", s->header);
        if (!has_class)
                config_error(p, s->where, "missing class= in [%s]", s->header);
        if (fail_mode && d->device_class != EG_CLASS_INVALID && d->device_class != EG_CLASS_DOOR)
                config_error(p, fail_mode->where,
                             "fail-mode is only valid for doors, not for class %s",
                             eg_device_class_to_string(d->device_class));
        return 0;
}

/* ---- [lane.NAME] ---- */

static int lane_set_key(struct build *b, struct eg_config_lane *l, struct lane_ref *ref,
                        const struct config_entry *e) {
        struct config_parser *p = b->p;
        int v;

        if (streq(e->key, "mode")) {
                v = eg_lane_mode_from_string(e->value);
                if (v == EG_LANE_MODE_EMERGENCY)
                        config_error(p, e->where,
                                     "invalid value 'emergency' for mode: a lane cannot start in "
                                     "emergency mode; expected automatic, manual or closed");
                else if (v < 0)
                        config_error(p, e->where,
                                     "invalid value '%s' for mode: expected automatic, manual or "
                                     "closed",
                                     e->value);
                else
                        l->mode = (enum eg_lane_mode) v;
                return 0;
        }

        if (streq(e->key, "policy")) {
                ref->policy_key = e;
                return config_get_name(p, e, "policy", &l->policy);
        }

        if (streq(e->key, "presence-sensors")) {
                ref->role_keys[EG_ROLE_PRESENCE_SENSOR] = e;
                return 0;
        }
        if (streq(e->key, "indicators")) {
                ref->role_keys[EG_ROLE_INDICATOR] = e;
                return 0;
        }

        v = eg_lane_role_from_string(e->key);
        if (v >= 0 && v != EG_ROLE_PRESENCE_SENSOR && v != EG_ROLE_INDICATOR) {
                ref->role_keys[v] = e;
                return 0;
        }

        config_error(p, e->where, "unknown key '%s' in [lane.%s]", e->key, l->name);
        return 0;
}

static int build_lane(struct build *b, const struct config_section *s) {
        struct eg_config *c = b->c;
        struct eg_config_lane *lanes, *l;
        struct lane_ref *refs;
        int r;

        lanes = realloc(c->lanes, sizeof(*lanes) * (c->n_lanes + 1));
        if (!lanes)
                return -ENOMEM;
        c->lanes = lanes;
        refs = realloc(b->lanes, sizeof(*refs) * (c->n_lanes + 1));
        if (!refs)
                return -ENOMEM;
        b->lanes = refs;

        l = &c->lanes[c->n_lanes];
        *l = (struct eg_config_lane){
                .name = strdup(s->name),
                .mode = EG_LANE_MODE_AUTOMATIC,
                .policy = strdup("ses"),
                .presence_sensors = calloc(1, sizeof(char *)),
                .indicators = calloc(1, sizeof(char *)),
        };
        b->lanes[c->n_lanes] = (struct lane_ref){};
        c->n_lanes++;
        if (!l->name || !l->policy || !l->presence_sensors || !l->indicators)
                return -ENOMEM;

        r = config_origin_set(b->p, s->where, &l->origin);
        if (r < 0)
                return r;

        for (size_t i = 0; i < s->n_entries; i++) {
                r = lane_set_key(b, l, &b->lanes[c->n_lanes - 1], &s->entries[i]);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* ---- who sits where ---- */

static ssize_t find_device(const struct eg_config *c, const char *name) {
        for (size_t i = 0; i < c->n_devices; i++)
                if (streq(c->devices[i].name, name))
                        return (ssize_t) i;
        return -1;
}

static ssize_t find_lane(const struct eg_config *c, const char *name) {
        for (size_t i = 0; i < c->n_lanes; i++)
                if (streq(c->lanes[i].name, name))
                        return (ssize_t) i;
        return -1;
}

static bool role_is_list(enum eg_lane_role role) {
        return role == EG_ROLE_PRESENCE_SENSOR || role == EG_ROLE_INDICATOR;
}

static void report_already_assigned(struct build *b, struct config_location where, size_t dev) {
        const struct device_ref *ref = &b->devices[dev];

        config_error(b->p, where, "device '%s' is already assigned to lane '%s' as %s at %s:%u",
                     b->c->devices[dev].name, b->c->lanes[ref->lane].name,
                     eg_lane_role_to_string((enum eg_lane_role) ref->assigned_role),
                     config_path(b->p, ref->assigned_by->where), ref->assigned_by->where.line);
}

static int place_device(struct build *b, size_t lane, enum eg_lane_role role, size_t dev,
                        const struct config_entry *by) {
        struct eg_config_lane *l = &b->c->lanes[lane];
        struct device_ref *ref = &b->devices[dev];
        const char *name = b->c->devices[dev].name;

        ref->lane = lane;
        ref->assigned_role = (int) role;
        ref->assigned_by = by;

        if (role == EG_ROLE_PRESENCE_SENSOR)
                return strv_extend(&l->presence_sensors, name);
        if (role == EG_ROLE_INDICATOR)
                return strv_extend(&l->indicators, name);

        b->lanes[lane].filled_at[role] = by->where;
        return free_and_strdup(&l->roles[role], name);
}

/* One device named by a lane's role key. */
static int lane_take_device(struct build *b, size_t lane, enum eg_lane_role role,
                            const struct config_entry *e, const char *name) {
        struct config_parser *p = b->p;
        enum eg_device_class want = eg_lane_role_class(role), have;
        ssize_t dev;

        if (!config_name_is_valid(name)) {
                config_error(p, e->where,
                             "invalid device name '%s' for %s: expected 1 to %u characters from "
                             "A-Z, a-z, 0-9, '_' and '-'",
                             name, e->key, CONFIG_NAME_MAX);
                return 0;
        }
        dev = find_device(b->c, name);
        if (dev < 0) {
                config_error(p, e->where, "unknown device '%s' for %s", name, e->key);
                return 0;
        }

        have = b->c->devices[dev].device_class;
        if (have != EG_CLASS_INVALID && have != want) {
                config_error(p, e->where, "device '%s' for %s is of class %s, expected %s", name,
                             e->key, eg_device_class_to_string(have),
                             eg_device_class_to_string(want));
                return 0;
        }

        if (b->devices[dev].assigned_role >= 0) {
                if (b->devices[dev].assigned_by == e)
                        config_error(p, e->where, "device '%s' is listed twice in %s", name,
                                     e->key);
                else
                        report_already_assigned(b, e->where, (size_t) dev);
                return 0;
        }

        return place_device(b, lane, role, (size_t) dev, e);
}

static int assign_from_lanes(struct build *b) {
        int r;

        for (size_t lane = 0; lane < b->c->n_lanes; lane++)
                for (int role = 0; role < EG_ROLE_MAX_; role++) {
                        const struct config_entry *e = b->lanes[lane].role_keys[role];
                        _cleanup_(strv_freep) char **names = NULL;

                        if (!e)
                                continue;
                        if (!role_is_list((enum eg_lane_role) role)) {
                                /* An empty value leaves the role unassigned (a drop-in can
                                 * take a device out this way). */
                                if (!e->value[0])
                                        continue;
                                r = lane_take_device(b, lane, (enum eg_lane_role) role, e,
                                                     e->value);
                                if (r < 0)
                                        return r;
                                continue;
                        }

                        r = config_get_list(b->p, e, ",", true, &names);
                        if (r <= 0) {
                                if (r < 0)
                                        return r;
                                continue;
                        }
                        for (char **n = names; *n; n++) {
                                r = lane_take_device(b, lane, (enum eg_lane_role) role, e, *n);
                                if (r < 0)
                                        return r;
                        }
                }
        return 0;
}

/* A device's own lane= and role=. */
static int device_take_place(struct build *b, size_t dev) {
        struct config_parser *p = b->p;
        const struct eg_config_device *d = &b->c->devices[dev];
        const struct device_ref *ref = &b->devices[dev];
        enum eg_device_class want;
        enum eg_lane_role role;
        ssize_t lane;

        if (!ref->lane_key && !ref->role_key)
                return 0;
        if (!ref->role_key) {
                config_error(p, ref->lane_key->where, "lane= needs role= in [device.%s]", d->name);
                return 0;
        }
        if (!ref->lane_key) {
                config_error(p, ref->role_key->where, "role= needs lane= in [device.%s]", d->name);
                return 0;
        }
        if (!ref->lane_ok || ref->role < 0)
                return 0; /* already reported */

        role = (enum eg_lane_role) ref->role;
        lane = find_lane(b->c, d->lane);
        if (lane < 0) {
                config_error(p, ref->lane_key->where, "unknown lane '%s'", d->lane);
                return 0;
        }

        want = eg_lane_role_class(role);
        if (d->device_class != EG_CLASS_INVALID && d->device_class != want) {
                config_error(p, ref->role_key->where, "role %s needs a device of class %s, not %s",
                             eg_lane_role_to_string(role), eg_device_class_to_string(want),
                             eg_device_class_to_string(d->device_class));
                return 0;
        }

        if (ref->assigned_role >= 0) {
                /* The lane said the same: nothing more to do. */
                if (ref->lane != (size_t) lane || ref->assigned_role != (int) role)
                        report_already_assigned(b, ref->role_key->where, dev);
                return 0;
        }

        if (!role_is_list(role) && b->c->lanes[lane].roles[role]) {
                struct config_location at = b->lanes[lane].filled_at[role];

                config_error(p, ref->role_key->where, "lane '%s' already has %s '%s' at %s:%u",
                             b->c->lanes[lane].name, eg_lane_role_to_string(role),
                             b->c->lanes[lane].roles[role], config_path(p, at), at.line);
                return 0;
        }

        return place_device(b, (size_t) lane, role, dev, ref->role_key);
}

static int assign_from_devices(struct build *b) {
        for (size_t dev = 0; dev < b->c->n_devices; dev++) {
                int r = device_take_place(b, dev);
                if (r < 0)
                        return r;
        }

        /* Devices placed by a lane learn their place too. */
        for (size_t dev = 0; dev < b->c->n_devices; dev++) {
                struct eg_config_device *d = &b->c->devices[dev];
                const struct device_ref *ref = &b->devices[dev];

                if (ref->assigned_role < 0)
                        continue;
                if (free_and_strdup(&d->lane, b->c->lanes[ref->lane].name) < 0 ||
                    free_and_strdup(&d->role, eg_lane_role_to_string(
                                                      (enum eg_lane_role) ref->assigned_role)) < 0)
                        return -ENOMEM;
        }
        return 0;
}

static void check_lane_policies(struct build *b) {
        for (size_t lane = 0; lane < b->c->n_lanes; lane++) {
                const struct config_entry *e = b->lanes[lane].policy_key;

                if (e && config_name_is_valid(e->value) && !eg_config_find_policy(b->c, e->value))
                        config_error(b->p, e->where, "unknown policy '%s'", e->value);
        }
}

int config_build(struct config_parser *p, struct eg_config *c) {
        struct build b = { .p = p, .c = c };
        int r;

        c->files = calloc(strv_length(p->read_paths) + 1, sizeof(char *));
        if (!c->files)
                return -ENOMEM;
        for (size_t i = 0; p->read_paths && p->read_paths[i]; i++) {
                c->files[i] = strdup(p->read_paths[i]);
                if (!c->files[i])
                        return -ENOMEM;
        }

        r = daemon_set_defaults(c);
        if (r < 0)
                return r;
        r = config_build_policies(p, c);
        if (r < 0)
                return r;

        for (size_t i = 0; i < p->n_sections && r >= 0; i++) {
                const struct config_section *s = &p->sections[i];

                switch (s->kind) {
                case CONFIG_SECTION_DAEMON:
                        r = build_daemon(&b, s);
                        break;
                case CONFIG_SECTION_PLUGIN:
                        r = build_plugin(&b, s);
                        break;
                case CONFIG_SECTION_DEVICE:
                        r = build_device(&b, s);
                        break;
                case CONFIG_SECTION_LANE:
                        r = build_lane(&b, s);
                        break;
                case CONFIG_SECTION_POLICY:
                        break; /* done above: lanes refer to them */
                case CONFIG_SECTION_REGISTRY:
                        r = build_registry(&b, s);
                        break;
                case CONFIG_SECTION_BACKGROUND:
                        r = build_background(&b, s);
                        break;
                case CONFIG_SECTION_FACE:
                        r = build_face(&b, s);
                        break;
                }
        }

        if (r >= 0)
                r = assign_from_lanes(&b);
        if (r >= 0)
                r = assign_from_devices(&b);
        if (r >= 0)
                check_lane_policies(&b);

        free(b.devices);
        free(b.lanes);
        return r;
}
