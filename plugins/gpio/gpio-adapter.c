/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * gpio-adapter.h on libgpiod 1.6 (GPIO character device uAPI v1).
 *
 * In 1.6 a struct gpiod_line belongs to its chip and a request is a state of
 * that line; we wrap it so callers hold something they can release on its
 * own.  uAPI v1 has no debouncing: gpio-input.c does it in software.
 */
#include <errno.h>
#include <fcntl.h>
#include <gpiod.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "gpio-adapter.h"

struct gpio_adapter_chip {
        struct gpiod_chip *chip;
};

struct gpio_adapter_line {
        struct gpiod_line *line;
        unsigned offset;
};

/* libgpiod reports errors through errno; make sure we never return 0 for one. */
static int errno_or(int fallback) {
        return errno > 0 ? -errno : -fallback;
}

int gpio_adapter_chip_open(const char *name, struct gpio_adapter_chip **ret) {
        struct gpio_adapter_chip *c;

        if (!name || !*name)
                return -EINVAL;
        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        errno = 0;
        c->chip = gpiod_chip_open_lookup(name);
        if (!c->chip) {
                int r = errno_or(ENODEV);

                free(c);
                return r;
        }
        *ret = c;
        return 0;
}

void gpio_adapter_chip_close(struct gpio_adapter_chip *c) {
        if (!c)
                return;
        gpiod_chip_close(c->chip); /* also releases every line still requested */
        free(c);
}

const char *gpio_adapter_chip_name(struct gpio_adapter_chip *c) {
        return gpiod_chip_name(c->chip);
}

const char *gpio_adapter_chip_label(struct gpio_adapter_chip *c) {
        return gpiod_chip_label(c->chip);
}

static bool parse_offset(const char *spec, unsigned *ret) {
        unsigned long v;
        char *end;

        if (spec[0] < '0' || spec[0] > '9')
                return false;
        errno = 0;
        v = strtoul(spec, &end, 10);
        if (errno != 0 || *end != '\0' || v > UINT_MAX)
                return false;
        *ret = (unsigned) v;
        return true;
}

int gpio_adapter_line_lookup(struct gpio_adapter_chip *c, const char *spec, unsigned *ret) {
        struct gpiod_line *line;
        unsigned offset;

        if (!spec || !*spec)
                return -EINVAL;
        if (parse_offset(spec, &offset)) {
                if (offset >= gpiod_chip_num_lines(c->chip))
                        return -ERANGE;
                *ret = offset;
                return 0;
        }
        errno = 0;
        line = gpiod_chip_find_line(c->chip, spec);
        if (!line)
                return errno == 0 || errno == ENOENT ? -ENOENT : -errno;
        *ret = gpiod_line_offset(line);
        return 0;
}

static int request(struct gpio_adapter_chip *c, unsigned offset, int type, bool active_low,
                   bool initial, const char *consumer, struct gpio_adapter_line **ret) {
        struct gpiod_line_request_config config = {
                .consumer = consumer,
                .request_type = type,
                .flags = active_low ? GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW : 0,
        };
        struct gpio_adapter_line *l;

        l = calloc(1, sizeof(*l));
        if (!l)
                return -ENOMEM;
        errno = 0;
        l->line = gpiod_chip_get_line(c->chip, offset);
        if (!l->line) {
                free(l);
                return errno_or(ERANGE);
        }
        l->offset = offset;
        errno = 0;
        if (gpiod_line_request(l->line, &config, initial ? 1 : 0) < 0) {
                int r = errno_or(EIO);

                free(l);
                return r;
        }
        *ret = l;
        return 0;
}

int gpio_adapter_request_output(struct gpio_adapter_chip *c, unsigned offset, bool active_low,
                                bool initial, const char *consumer,
                                struct gpio_adapter_line **ret) {
        return request(c, offset, GPIOD_LINE_REQUEST_DIRECTION_OUTPUT, active_low, initial,
                       consumer, ret);
}

int gpio_adapter_request_edges(struct gpio_adapter_chip *c, unsigned offset, bool active_low,
                               const char *consumer, struct gpio_adapter_line **ret) {
        struct gpio_adapter_line *l = NULL;
        int r, fd, flags;

        r = request(c, offset, GPIOD_LINE_REQUEST_EVENT_BOTH_EDGES, active_low, false, consumer,
                    &l);
        if (r < 0)
                return r;
        /* The kernel hands out a blocking fd; we only read after EPOLLIN, but a
         * spurious wake-up must never stall the daemon's loop. */
        fd = gpiod_line_event_get_fd(l->line);
        flags = fd >= 0 ? fcntl(fd, F_GETFL) : -1;
        if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
                r = fd < 0 ? -EBADF : -errno;
                gpio_adapter_line_release(l);
                return r;
        }
        *ret = l;
        return 0;
}

void gpio_adapter_line_release(struct gpio_adapter_line *l) {
        if (!l)
                return;
        gpiod_line_release(l->line);
        free(l);
}

unsigned gpio_adapter_line_offset(struct gpio_adapter_line *l) {
        return l->offset;
}

int gpio_adapter_line_get(struct gpio_adapter_line *l) {
        int v;

        errno = 0;
        v = gpiod_line_get_value(l->line);
        return v < 0 ? errno_or(EIO) : v != 0;
}

int gpio_adapter_line_set(struct gpio_adapter_line *l, bool value) {
        errno = 0;
        if (gpiod_line_set_value(l->line, value ? 1 : 0) < 0)
                return errno_or(EIO);
        return 0;
}

int gpio_adapter_line_fd(struct gpio_adapter_line *l) {
        return gpiod_line_event_get_fd(l->line);
}

int gpio_adapter_read_edges(struct gpio_adapter_line *l, struct gpio_adapter_edge *edges,
                            unsigned n_edges) {
        struct gpiod_line_event events[16];
        int n;

        if (n_edges > 16)
                n_edges = 16;
        errno = 0;
        n = gpiod_line_event_read_fd_multiple(gpiod_line_event_get_fd(l->line), events, n_edges);
        if (n < 0)
                return errno == EAGAIN ? 0 : errno_or(EIO);
        for (int i = 0; i < n; i++)
                edges[i] = (struct gpio_adapter_edge){
                        .rising = events[i].event_type == GPIOD_LINE_EVENT_RISING_EDGE,
                        .ts_nsec = (uint64_t) events[i].ts.tv_sec * 1000000000u +
                                   (uint64_t) events[i].ts.tv_nsec,
                };
        return n;
}
