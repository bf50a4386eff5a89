/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Simulated GPIO chips for the guest tests, through gpio-sim's configfs
 * interface: a chip with named lines, inputs driven by writing its "pull"
 * attributes (what a sensor's contact would do), outputs read back from its
 * "value" attributes (what a relay would see).
 */
#pragma once

#include <stdbool.h>

#define GPIO_SIM_MAX_LINES 32

struct gpio_sim {
        char dir[128]; /* /sys/kernel/config/gpio-sim/NAME */
        char sysfs[160]; /* /sys/devices/platform/gpio-sim.N/gpiochipM */
        char chip_name[32]; /* gpiochipM */
        unsigned n_lines;
};

/* `names` has n_lines entries; NULL entries stay unnamed. */
int gpio_sim_create(struct gpio_sim *s, const char *name, const char *label, unsigned n_lines,
                    const char *const *names);
int gpio_sim_destroy(struct gpio_sim *s);

/* What the outside world does to an input: pull-up reads 1, pull-down 0 (physical). */
int gpio_sim_pull(const struct gpio_sim *s, unsigned line, bool up);
/* The physical level on a line: 0, 1 or a negative errno. */
int gpio_sim_value(const struct gpio_sim *s, unsigned line);
