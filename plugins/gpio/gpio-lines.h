/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The two kinds of line a device is made of.
 *
 * An input is requested for both edges; its fd is watched from egated's loop
 * and never read unless the kernel said there is something to read.  With a
 * debounce time, an edge only arms a timer: when it fires the line is read
 * again and a value that differs from the last stable one is accepted, so a
 * pulse shorter than the debounce time is never seen.  The time reported for
 * a change is the kernel's timestamp of the edge that started it.
 *
 * An output remembers what it last drove.
 */
#pragma once

#include <egate/plugin.h>
#include <stdbool.h>
#include <stdint.h>

#include "gpio-adapter.h"

struct gpio_input;
typedef void (*gpio_input_changed_fn)(struct gpio_input *in, void *userdata);
/* The line stopped working (e.g. the chip went away): `error` is a negative errno. */
typedef void (*gpio_input_failed_fn)(struct gpio_input *in, int error, void *userdata);

/* A line as configured: the key that named it ("lock-line", "zone-entry-line"), for
 * messages, and the value. */
struct gpio_line_spec {
        const char *key;
        const char *spec; /* name or offset */
        bool active_low;
};

struct gpio_input {
        struct eg_host *host;
        char *what; /* "door1 position-line" for messages */
        struct gpio_adapter_line *line;
        unsigned debounce_ms;
        bool value; /* the last stable logical value */
        uint64_t changed_usec; /* CLOCK_MONOTONIC time of the edge behind `value` */
        uint64_t last_edge_usec;
        eg_source_id io, debounce_timer;
        gpio_input_changed_fn changed;
        gpio_input_failed_fn failed;
        void *userdata;
};

struct gpio_output {
        char *what;
        struct gpio_adapter_line *line;
        bool value; /* logical */
};

uint64_t gpio_now_usec(void);

/* Look the line up on `chip` and request it; logs why it failed. */
int gpio_input_open(struct gpio_input *in, struct eg_host *host, struct gpio_adapter_chip *chip,
                    const char *device, const struct gpio_line_spec *spec, unsigned debounce_ms,
                    gpio_input_changed_fn changed, gpio_input_failed_fn failed, void *userdata);
void gpio_input_close(struct gpio_input *in);

int gpio_output_open(struct gpio_output *out, struct eg_host *host, struct gpio_adapter_chip *chip,
                     const char *device, const struct gpio_line_spec *spec, bool initial);
int gpio_output_set(struct gpio_output *out, bool value);
void gpio_output_close(struct gpio_output *out);

/* Refuse a device that names the same line twice: "door_lock" and "0" may be one line. */
int gpio_lines_check_distinct(struct eg_host *host, struct gpio_adapter_chip *chip,
                              const char *device, const struct gpio_line_spec *specs, size_t n);
