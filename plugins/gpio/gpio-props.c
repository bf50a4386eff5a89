/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpio-props.h"

int gpio_props_init(struct gpio_props *p, struct eg_host *host, const struct eg_device_config *c,
                    const char *class_name) {
        *p = (struct gpio_props){
                .host = host,
                .device = c->name,
                .class_name = class_name,
                .properties = c->properties,
                .n_properties = c->n_properties,
        };
        p->used = calloc(c->n_properties + 1, sizeof(bool));
        return p->used ? 0 : -ENOMEM;
}

void gpio_props_done(struct gpio_props *p) {
        free(p->used);
        p->used = NULL;
}

int gpio_props_error(struct gpio_props *p, const char *fmt, ...) {
        char text[512];
        va_list ap;

        va_start(ap, fmt);
        (void) vsnprintf(text, sizeof(text), fmt, ap);
        va_end(ap);
        eg_host_log(p->host, EG_LOG_ERROR, "device %s (%s): %s", p->device, p->class_name, text);
        return -EINVAL;
}

const char *gpio_props_get(struct gpio_props *p, const char *key) {
        const char *value = NULL;

        for (size_t i = 0; i < p->n_properties; i++)
                if (strcmp(p->properties[i].key, key) == 0) {
                        p->used[i] = true;
                        value = p->properties[i].value;
                }
        return value;
}

int gpio_props_bool(struct gpio_props *p, const char *key, bool *value) {
        static const char *const yes[] = { "1", "yes", "true", "on" };
        static const char *const no[] = { "0", "no", "false", "off" };
        const char *v = gpio_props_get(p, key);

        if (!v)
                return 0;
        for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
                if (strcmp(v, yes[i]) == 0) {
                        *value = true;
                        return 0;
                }
                if (strcmp(v, no[i]) == 0) {
                        *value = false;
                        return 0;
                }
        }
        return gpio_props_error(p, "invalid value '%s' for %s: expected true or false", v, key);
}

int gpio_props_uint(struct gpio_props *p, const char *key, unsigned min, unsigned max,
                    unsigned *value) {
        const char *v = gpio_props_get(p, key);
        unsigned long n;
        char *end;

        if (!v)
                return 0;
        errno = 0;
        n = strtoul(v, &end, 10);
        if (v[0] < '0' || v[0] > '9' || errno != 0 || *end != '\0' || n < min || n > max)
                return gpio_props_error(p,
                                        "invalid value '%s' for %s: expected a number "
                                        "from %u to %u",
                                        v, key, min, max);
        *value = (unsigned) n;
        return 0;
}

int gpio_props_check_all_used(struct gpio_props *p) {
        int r = 0;

        for (size_t i = 0; i < p->n_properties; i++)
                if (!p->used[i])
                        r = gpio_props_error(p, "unknown property '%s'", p->properties[i].key);
        return r;
}

bool gpio_zone_name_is_valid(const char *name) {
        size_t n = strlen(name);

        if (n == 0 || n > 31)
                return false;
        for (const char *c = name; *c; c++)
                if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_' ||
                      *c == '-'))
                        return false;
        return true;
}
