/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpio-plugin.h"

int gpio_device_init(struct gpio_device *d, struct eg_host *host, struct gpio_props *props) {
        const char *chip = gpio_props_get(props, "chip");
        int r;

        *d = (struct gpio_device){ .host = host, .debounce_ms = GPIO_DEFAULT_DEBOUNCE_MS };
        d->name = strdup(props->device);
        if (!d->name)
                return -ENOMEM;
        if (!chip)
                return gpio_props_error(props, "chip= is required (a name such as gpiochip0, a "
                                               "path or the chip's label)");
        r = gpio_props_uint(props, "debounce-ms", 0, GPIO_MAX_DEBOUNCE_MS, &d->debounce_ms);
        if (r < 0)
                return r;
        r = gpio_adapter_chip_open(chip, &d->chip);
        if (r < 0)
                return gpio_props_error(props, "cannot open GPIO chip '%s': %s", chip,
                                        r == -ENOENT || r == -ENODEV ? "no such chip"
                                                                     : strerror(-r));
        return 0;
}

void gpio_device_done(struct gpio_device *d) {
        if (d->removal_timer)
                eg_host_source_remove(d->host, d->removal_timer);
        gpio_adapter_chip_close(d->chip);
        free(d->name);
        *d = (struct gpio_device){};
}

int gpio_device_line_spec(struct gpio_props *props, const char *prefix, bool required,
                          struct gpio_line_spec *spec, bool *present) {
        char line_key[64], low_key[64];
        const char *v;
        int r;

        (void) snprintf(line_key, sizeof(line_key), "%sline", prefix);
        (void) snprintf(low_key, sizeof(low_key), "%sactive-low", prefix);
        *present = false;
        v = gpio_props_get(props, line_key);
        if (!v) {
                if (gpio_props_get(props, low_key))
                        return gpio_props_error(props, "%s= given without %s=", low_key, line_key);
                if (required)
                        return gpio_props_error(props, "%s= is required", line_key);
                return 0;
        }
        if (!*v)
                return gpio_props_error(props, "%s= is empty: give a line name or offset",
                                        line_key);
        spec->spec = v;
        spec->active_low = false;
        r = gpio_props_bool(props, low_key, &spec->active_low);
        if (r < 0)
                return r;
        *present = true;
        return 0;
}

int gpio_device_add(struct gpio_device *d, const struct eg_device_desc *desc) {
        return eg_host_device_add(d->host, desc, &d->id);
}

void gpio_device_emit(struct gpio_device *d, enum eg_event_type type, int64_t value,
                      const char *zone) {
        struct eg_event e = { .size = sizeof(e), .type = type, .value = value, .zone = zone };

        if (d->id == 0)
                return;
        if (eg_host_emit(d->host, d->id, &e) < 0)
                eg_host_log(d->host, EG_LOG_WARNING, "device %s: cannot report event %d", d->name,
                            (int) type);
}

void gpio_device_complete(struct gpio_device *d, eg_op_id op, int status, const char *message,
                          int64_t value) {
        struct eg_op_result r = {
                .size = sizeof(r), .status = status, .message = message, .fd = -1, .value = value
        };

        (void) eg_host_complete(d->host, op, &r);
}

static void on_removal(void *userdata) {
        struct gpio_device *d = userdata;

        d->removal_timer = 0;
        /* This closes the device: `d` is gone afterwards. */
        (void) eg_host_device_remove(d->host, d->id);
}

void gpio_device_gone(struct gpio_device *d, int error, const char *what) {
        char message[160];
        struct eg_event e = { .size = sizeof(e), .type = EG_EVENT_FAULT, .message = message };

        if (d->removal_timer)
                return;
        (void) snprintf(message, sizeof(message), "%s failed: %s", what, strerror(-error));
        if (d->id != 0)
                (void) eg_host_emit(d->host, d->id, &e);
        if (error == -ENODEV && eg_host_timer_add(d->host, 0, on_removal, d, &d->removal_timer) < 0)
                eg_host_log(d->host, EG_LOG_ERROR, "device %s: cannot schedule its removal",
                            d->name);
}
