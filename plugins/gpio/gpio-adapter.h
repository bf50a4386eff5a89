/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The only door to libgpiod.  Everything above this header speaks in chips,
 * line offsets, logical values and edges with kernel timestamps; the
 * libgpiod 1.6 calls live in gpio-adapter.c, so a 2.x adapter is one new file
 * with the same header.
 *
 * Values are logical: an active-low line reads 1 when its pin is low.
 * Functions return 0 or a negative errno.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct gpio_adapter_chip;
struct gpio_adapter_line;

struct gpio_adapter_edge {
        bool rising; /* logical 0 -> 1 */
        uint64_t ts_nsec; /* kernel timestamp, CLOCK_MONOTONIC */
};

/* `chip` is a name (gpiochip0), a path (/dev/gpiochip0), a label or a number. */
int gpio_adapter_chip_open(const char *chip, struct gpio_adapter_chip **ret);
void gpio_adapter_chip_close(struct gpio_adapter_chip *chip);
const char *gpio_adapter_chip_name(struct gpio_adapter_chip *chip);
const char *gpio_adapter_chip_label(struct gpio_adapter_chip *chip);

/* `spec` is a line name or a decimal offset.  -ENOENT: no such name;
 * -ERANGE: offset beyond the chip. */
int gpio_adapter_line_lookup(struct gpio_adapter_chip *chip, const char *spec,
                             unsigned *ret_offset);

/* Request one line.  -EBUSY: another consumer holds it. */
int gpio_adapter_request_output(struct gpio_adapter_chip *chip, unsigned offset, bool active_low,
                                bool initial, const char *consumer, struct gpio_adapter_line **ret);
int gpio_adapter_request_edges(struct gpio_adapter_chip *chip, unsigned offset, bool active_low,
                               const char *consumer, struct gpio_adapter_line **ret);
/* Give the line back to the kernel.  What the pin does afterwards is the
 * hardware's business (see README.md, "Electrical assumptions"). */
void gpio_adapter_line_release(struct gpio_adapter_line *line);

unsigned gpio_adapter_line_offset(struct gpio_adapter_line *line);
int gpio_adapter_line_get(struct gpio_adapter_line *line); /* 0, 1 or a negative errno */
int gpio_adapter_line_set(struct gpio_adapter_line *line, bool value);

/* Edge lines: the fd to watch for EPOLLIN (non-blocking), and the reader.
 * Returns the number of edges stored (0: nothing pending). */
int gpio_adapter_line_fd(struct gpio_adapter_line *line);
int gpio_adapter_read_edges(struct gpio_adapter_line *line, struct gpio_adapter_edge *edges,
                            unsigned n_edges);
