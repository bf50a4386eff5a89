/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Reading a [device.NAME] section: typed values with messages that name the
 * device and the key, and a check that no key was left unread (a typo such
 * as "lock-lien" must refuse the device, not be ignored).
 */
#pragma once

#include <egate/plugin.h>
#include <stdbool.h>

struct gpio_props {
        struct eg_host *host;
        const char *device; /* the section's NAME, for messages */
        const char *class_name;
        const struct eg_property *properties;
        size_t n_properties;
        bool *used; /* one per property */
};

int gpio_props_init(struct gpio_props *p, struct eg_host *host, const struct eg_device_config *c,
                    const char *class_name);
void gpio_props_done(struct gpio_props *p);

/* The value of `key` (the last one if repeated), marked as read; NULL if absent. */
const char *gpio_props_get(struct gpio_props *p, const char *key);
/* Optional values: the default is kept when the key is absent.  -EINVAL, logged, when the
 * value is malformed or out of range. */
int gpio_props_bool(struct gpio_props *p, const char *key, bool *value);
int gpio_props_uint(struct gpio_props *p, const char *key, unsigned min, unsigned max,
                    unsigned *value);
/* -EINVAL, logged, when any property was never read. */
int gpio_props_check_all_used(struct gpio_props *p);

__attribute__((format(printf, 2, 3))) int gpio_props_error(struct gpio_props *p, const char *fmt,
                                                           ...);

/* Zone names become D-Bus-visible strings: keep them short and tame. */
bool gpio_zone_name_is_valid(const char *name);
