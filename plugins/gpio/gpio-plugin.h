/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the three GPIO device classes share: the plugin, a device's chip and
 * name, and the ways back to egated (events, completions, going away).
 */
#pragma once

#include <egate/plugin.h>
#include <stdbool.h>

#include "gpio-adapter.h"
#include "gpio-lines.h"
#include "gpio-props.h"

#define GPIO_DEFAULT_DEBOUNCE_MS 20u
#define GPIO_MAX_DEBOUNCE_MS 10000u

struct gpio_plugin {
        struct eg_host *host;
};

struct gpio_device {
        struct eg_host *host;
        eg_device_id id; /* 0 until egated accepted the device */
        char *name;
        struct gpio_adapter_chip *chip;
        unsigned debounce_ms;
        eg_source_id removal_timer;
};

/* chip= and debounce-ms=, then open the chip. */
int gpio_device_init(struct gpio_device *d, struct eg_host *host, struct gpio_props *props);
/* Close the chip (which releases any line still requested) and cancel a pending removal. */
void gpio_device_done(struct gpio_device *d);

/* Read <prefix>line= and <prefix>active-low= ("lock-" -> lock-line, lock-active-low). */
int gpio_device_line_spec(struct gpio_props *props, const char *prefix, bool required,
                          struct gpio_line_spec *spec, bool *present);

int gpio_device_add(struct gpio_device *d, const struct eg_device_desc *desc);
void gpio_device_emit(struct gpio_device *d, enum eg_event_type type, int64_t value,
                      const char *zone);
void gpio_device_complete(struct gpio_device *d, eg_op_id op, int status, const char *message,
                          int64_t value);
/* The hardware went away: report a fault, then remove the device from the loop (never
 * from inside the caller's callback, which still uses the device). */
void gpio_device_gone(struct gpio_device *d, int error, const char *what);

int gpio_door_declare(struct gpio_plugin *plugin, const struct eg_device_config *config);
int gpio_presence_declare(struct gpio_plugin *plugin, const struct eg_device_config *config);
int gpio_indicator_declare(struct gpio_plugin *plugin, const struct eg_device_config *config);
