/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Presence sensors on GPIO inputs: occupancy contacts (mats, radar relays)
 * or light beams, grouped in zones, plus an optional emergency input.
 *
 * A line is active while someone is there (contact closed, beam broken).  A
 * zone's count is the number of its lines that are active: one contact says
 * 0 or 1, two mats in a mantrap say up to 2.  Counts go out as
 * EG_EVENT_OCCUPANCY (and EG_EVENT_BEAM for beam zones) when they change and
 * once when the device starts.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpio-plugin.h"

#define MAX_ZONES 8 /* what egated keeps per device */
#define MAX_LINES_PER_ZONE 8

struct gpio_presence;

struct presence_zone {
        struct gpio_presence *owner;
        char *name;
        char *line_key; /* "line" or "zone-NAME-line", for messages */
        char *line_values; /* the configured list, split in place */
        bool beam;
        struct gpio_line_spec specs[MAX_LINES_PER_ZONE];
        struct gpio_input inputs[MAX_LINES_PER_ZONE];
        size_t n_inputs;
        int64_t count;
};

struct gpio_presence {
        struct gpio_device dev;
        struct presence_zone zones[MAX_ZONES];
        size_t n_zones;
        struct gpio_line_spec emergency_spec;
        struct gpio_input emergency;
        bool has_emergency;
};

static int64_t zone_count(const struct presence_zone *z) {
        int64_t n = 0;

        for (size_t i = 0; i < z->n_inputs; i++)
                n += z->inputs[i].value ? 1 : 0;
        return n;
}

static void zone_report(struct presence_zone *z) {
        gpio_device_emit(&z->owner->dev, EG_EVENT_OCCUPANCY, z->count, z->name);
        if (z->beam)
                gpio_device_emit(&z->owner->dev, EG_EVENT_BEAM, z->count > 0, z->name);
}

static void on_zone_line(struct gpio_input *in, void *userdata) {
        struct presence_zone *z = userdata;
        int64_t n = zone_count(z);

        if (n == z->count)
                return;
        z->count = n;
        zone_report(z);
}

static void on_emergency(struct gpio_input *in, void *userdata) {
        struct gpio_presence *p = userdata;

        eg_host_log(p->dev.host, EG_LOG_WARNING, "presence sensor %s: emergency input %s",
                    p->dev.name, in->value ? "active" : "cleared");
        gpio_device_emit(&p->dev, EG_EVENT_EMERGENCY, in->value, NULL);
}

static void on_failed(struct gpio_input *in, int error, void *userdata) {
        struct gpio_presence *p = userdata;

        gpio_device_gone(&p->dev, error, in->what);
}

static void on_zone_failed(struct gpio_input *in, int error, void *userdata) {
        struct presence_zone *z = userdata;

        on_failed(in, error, z->owner);
}

static struct presence_zone *find_zone(struct gpio_presence *p, const char *name) {
        for (size_t i = 0; i < p->n_zones; i++)
                if (strcmp(p->zones[i].name, name) == 0)
                        return &p->zones[i];
        return NULL;
}

static int presence_start(void *data, eg_op_id op, const struct eg_op_args *args) {
        struct gpio_presence *p = data;
        struct presence_zone *z;

        if (args->kind != EG_OP_PRESENCE_READ)
                return -EOPNOTSUPP;
        if (p->n_zones == 0) {
                gpio_device_complete(&p->dev, op, -ENOMSG, "this device has no zones", 0);
                return 0;
        }
        z = args->zone ? find_zone(p, args->zone) : &p->zones[0];
        if (!z) {
                gpio_device_complete(&p->dev, op, -ENOENT, "no such zone on this device", 0);
                return 0;
        }
        gpio_device_complete(&p->dev, op, 0, NULL, z->count);
        return 0;
}

static void presence_cancel(void *data, eg_op_id op) {
        /* Reads complete inside start(): nothing is ever in flight. */
}

static void presence_free(struct gpio_presence *p) {
        for (size_t i = 0; i < p->n_zones; i++) {
                struct presence_zone *z = &p->zones[i];

                for (size_t k = 0; k < z->n_inputs; k++)
                        gpio_input_close(&z->inputs[k]);
                free(z->name);
                free(z->line_key);
                free(z->line_values);
        }
        gpio_input_close(&p->emergency);
        gpio_device_done(&p->dev);
        free(p);
}

static void presence_close(void *data) {
        presence_free(data);
}

static const struct eg_device_ops presence_ops = {
        .size = sizeof(struct eg_device_ops),
        .start = presence_start,
        .cancel = presence_cancel,
        .close = presence_close,
};

/* One zone: `prefix` is "" for zone= + line=, or "zone-NAME-". */
static int parse_zone(struct gpio_presence *p, struct gpio_props *props, const char *name,
                      const char *prefix) {
        struct presence_zone *z;
        struct gpio_line_spec spec;
        char key[96], *rest;
        const char *kind;
        bool present;
        int r;

        if (!gpio_zone_name_is_valid(name))
                return gpio_props_error(props,
                                        "invalid zone name '%s': 1-31 characters of "
                                        "[a-z0-9_-]",
                                        name);
        if (find_zone(p, name))
                return gpio_props_error(props, "zone '%s' is configured twice", name);
        if (p->n_zones >= MAX_ZONES)
                return gpio_props_error(props, "more than %d zones", MAX_ZONES);

        z = &p->zones[p->n_zones++];
        z->owner = p;
        z->name = strdup(name);
        (void) snprintf(key, sizeof(key), "%sline", prefix);
        z->line_key = strdup(key);
        if (!z->name || !z->line_key)
                return -ENOMEM;
        r = gpio_device_line_spec(props, prefix, true, &spec, &present);
        if (r < 0)
                return r;
        z->line_values = strdup(spec.spec);
        if (!z->line_values)
                return -ENOMEM;

        (void) snprintf(key, sizeof(key), "%skind", prefix);
        kind = gpio_props_get(props, key);
        if (kind && strcmp(kind, "beam") == 0)
                z->beam = true;
        else if (kind && strcmp(kind, "occupancy") != 0)
                return gpio_props_error(props,
                                        "invalid value '%s' for %s: expected occupancy "
                                        "or beam",
                                        kind, key);

        rest = z->line_values;
        for (char *t = strsep(&rest, ","); t; t = strsep(&rest, ",")) {
                t += strspn(t, " \t");
                t[strcspn(t, " \t")] = '\0';
                if (!*t)
                        return gpio_props_error(props, "%s has an empty entry", z->line_key);
                if (z->n_inputs >= MAX_LINES_PER_ZONE)
                        return gpio_props_error(props, "%s lists more than %d lines", z->line_key,
                                                MAX_LINES_PER_ZONE);
                z->specs[z->n_inputs++] = (struct gpio_line_spec){ .key = z->line_key,
                                                                   .spec = t,
                                                                   .active_low = spec.active_low };
        }
        if (z->n_inputs == 0)
                return gpio_props_error(props, "%s lists no line", z->line_key);
        /* The inputs are opened later: n_inputs counts specs until then. */
        return 0;
}

/* zone-NAME-line keys: NAME is what lies between "zone-" and "-line". */
static int parse_named_zones(struct gpio_presence *p, struct gpio_props *props) {
        for (size_t i = 0; i < props->n_properties; i++) {
                const char *k = props->properties[i].key;
                size_t n = strlen(k);
                char name[64], prefix[96];
                int r;

                if (strncmp(k, "zone-", 5) != 0 || n <= 10 || strcmp(k + n - 5, "-line") != 0)
                        continue;
                if (n - 10 >= sizeof(name))
                        return gpio_props_error(props, "zone name too long in '%s'", k);
                memcpy(name, k + 5, n - 10);
                name[n - 10] = '\0';
                if (find_zone(p, name))
                        continue; /* the same key twice: the last one wins, as everywhere */
                (void) snprintf(prefix, sizeof(prefix), "zone-%s-", name);
                r = parse_zone(p, props, name, prefix);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int parse(struct gpio_presence *p, struct gpio_props *props) {
        const char *zone = gpio_props_get(props, "zone");
        bool has_line = gpio_props_get(props, "line") != NULL;
        int r;

        if (zone && !has_line)
                return gpio_props_error(props, "zone=%s needs line= (or use zone-NAME-line=)",
                                        zone);
        if (has_line && !zone)
                return gpio_props_error(props, "line= needs zone= to name its zone");
        if (zone) {
                r = parse_zone(p, props, zone, "");
                if (r < 0)
                        return r;
        }
        r = parse_named_zones(p, props);
        if (r < 0)
                return r;
        r = gpio_device_line_spec(props, "emergency-", false, &p->emergency_spec,
                                  &p->has_emergency);
        if (r < 0)
                return r;
        p->emergency_spec.key = "emergency-line";
        r = gpio_props_check_all_used(props);
        if (r < 0)
                return r;
        if (p->n_zones == 0 && !p->has_emergency)
                return gpio_props_error(props, "nothing to watch: give zone= and line=, "
                                               "zone-NAME-line= or emergency-line=");
        return 0;
}

static int request_lines(struct gpio_presence *p) {
        struct gpio_device *d = &p->dev;
        struct gpio_line_spec all[MAX_ZONES * MAX_LINES_PER_ZONE + 1];
        size_t n = 0;
        int r;

        for (size_t i = 0; i < p->n_zones; i++)
                for (size_t k = 0; k < p->zones[i].n_inputs; k++)
                        all[n++] = p->zones[i].specs[k];
        if (p->has_emergency)
                all[n++] = p->emergency_spec;
        r = gpio_lines_check_distinct(d->host, d->chip, d->name, all, n);
        if (r < 0)
                return r;

        for (size_t i = 0; i < p->n_zones; i++) {
                struct presence_zone *z = &p->zones[i];
                size_t wanted = z->n_inputs;

                z->n_inputs = 0;
                for (size_t k = 0; k < wanted; k++) {
                        r = gpio_input_open(&z->inputs[k], d->host, d->chip, d->name, &z->specs[k],
                                            d->debounce_ms, on_zone_line, on_zone_failed, z);
                        if (r < 0)
                                return r;
                        z->n_inputs++;
                }
                z->count = zone_count(z);
        }
        if (p->has_emergency)
                return gpio_input_open(&p->emergency, d->host, d->chip, d->name, &p->emergency_spec,
                                       d->debounce_ms, on_emergency, on_failed, p);
        return 0;
}

int gpio_presence_declare(struct gpio_plugin *plugin, const struct eg_device_config *config) {
        struct gpio_presence *p;
        struct gpio_props props;
        struct eg_device_desc desc;
        int r;

        r = gpio_props_init(&props, plugin->host, config, "presence-sensor");
        if (r < 0)
                return r;
        p = calloc(1, sizeof(*p));
        r = p ? gpio_device_init(&p->dev, plugin->host, &props) : -ENOMEM;
        if (r >= 0)
                r = parse(p, &props);
        gpio_props_done(&props);
        if (r >= 0)
                r = request_lines(p);
        if (r < 0)
                goto fail;

        desc = (struct eg_device_desc){
                .size = sizeof(desc),
                .device_class = EG_CLASS_PRESENCE_SENSOR,
                .key = config->name,
                .vendor = "GPIO",
                .model = p->n_zones > 0 ? "Presence inputs" : "Emergency input",
                .supported_ops = EG_OP_BIT(EG_OP_PRESENCE_READ),
                .ops = &presence_ops,
                .device_data = p,
        };
        r = gpio_device_add(&p->dev, &desc);
        if (r < 0)
                goto fail;
        for (size_t i = 0; i < p->n_zones; i++)
                zone_report(&p->zones[i]);
        if (p->has_emergency && p->emergency.value)
                on_emergency(&p->emergency, p);
        return 0;
fail:
        if (p)
                presence_free(p);
        return r;
}
