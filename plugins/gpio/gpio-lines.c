/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>

#include "gpio-lines.h"

/* Kernel timestamps more than this far from now are not trusted (pre-5.7
 * kernels stamp uAPI v1 events with CLOCK_REALTIME). */
#define TIMESTAMP_TRUST_USEC (10u * 1000u * 1000u)

uint64_t gpio_now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
}

static const char *lookup_error(int r) {
        switch (r) {
        case -ENOENT:
                return "no line of that name on the chip";
        case -ERANGE:
                return "offset beyond the chip's last line";
        case -EBUSY:
                return "the line is already in use (by another device or program)";
        default:
                return strerror(-r);
        }
}

static int line_request(struct eg_host *host, struct gpio_adapter_chip *chip, const char *device,
                        const struct gpio_line_spec *spec, bool output, bool initial,
                        struct gpio_adapter_line **ret) {
        char consumer[32];
        unsigned offset;
        int r;

        r = gpio_adapter_line_lookup(chip, spec->spec, &offset);
        if (r < 0) {
                eg_host_log(host, EG_LOG_ERROR, "device %s: %s=%s on %s: %s", device, spec->key,
                            spec->spec, gpio_adapter_chip_name(chip), lookup_error(r));
                return r == -ENOMEM ? r : -EINVAL;
        }
        /* The kernel shows the consumer in gpioinfo: say who holds the line. */
        (void) snprintf(consumer, sizeof(consumer), "egate:%s", device);
        if (output)
                r = gpio_adapter_request_output(chip, offset, spec->active_low, initial, consumer,
                                                ret);
        else
                r = gpio_adapter_request_edges(chip, offset, spec->active_low, consumer, ret);
        if (r < 0)
                eg_host_log(host, EG_LOG_ERROR,
                            "device %s: cannot request %s=%s (%s line %u) as "
                            "%s: %s",
                            device, spec->key, spec->spec, gpio_adapter_chip_name(chip), offset,
                            output ? "output" : "input", lookup_error(r));
        return r;
}

static char *describe(const char *device, const char *key) {
        char *s = NULL;

        if (asprintf(&s, "%s %s", device, key) < 0)
                return NULL;
        return s;
}

static void input_accept(struct gpio_input *in, bool value, uint64_t when) {
        if (value == in->value)
                return;
        in->value = value;
        in->changed_usec = when;
        in->changed(in, in->userdata);
}

static void input_fail(struct gpio_input *in, int error) {
        if (in->io)
                eg_host_source_remove(in->host, in->io);
        in->io = 0;
        if (in->debounce_timer)
                eg_host_source_remove(in->host, in->debounce_timer);
        in->debounce_timer = 0;
        eg_host_log(in->host, EG_LOG_ERROR, "%s: %s", in->what, strerror(-error));
        if (in->failed)
                in->failed(in, error, in->userdata);
}

static void on_debounced(void *userdata) {
        struct gpio_input *in = userdata;
        int v;

        in->debounce_timer = 0;
        v = gpio_adapter_line_get(in->line);
        if (v < 0) {
                input_fail(in, v);
                return;
        }
        input_accept(in, v != 0, in->last_edge_usec);
}

static void on_edges(int fd, uint32_t revents, void *userdata) {
        struct gpio_input *in = userdata;
        struct gpio_adapter_edge edges[16];
        uint64_t now = gpio_now_usec(), settle;
        int n, r;

        if (revents & (EPOLLERR | EPOLLHUP)) {
                input_fail(in, -ENODEV);
                return;
        }
        n = gpio_adapter_read_edges(in->line, edges, 16);
        if (n < 0) {
                input_fail(in, n);
                return;
        }
        if (n == 0)
                return;
        in->last_edge_usec = edges[n - 1].ts_nsec / 1000u;
        if (in->last_edge_usec > now || now - in->last_edge_usec > TIMESTAMP_TRUST_USEC)
                in->last_edge_usec = now;

        if (in->debounce_ms == 0) {
                input_accept(in, edges[n - 1].rising, in->last_edge_usec);
                return;
        }
        /* Each edge restarts the wait: the line must stay put for debounce_ms. */
        if (in->debounce_timer)
                eg_host_source_remove(in->host, in->debounce_timer);
        in->debounce_timer = 0;
        settle = in->last_edge_usec + (uint64_t) in->debounce_ms * 1000u;
        r = eg_host_timer_add(in->host, settle > now ? settle - now : 0, on_debounced, in,
                              &in->debounce_timer);
        if (r < 0)
                input_fail(in, r);
}

int gpio_input_open(struct gpio_input *in, struct eg_host *host, struct gpio_adapter_chip *chip,
                    const char *device, const struct gpio_line_spec *spec, unsigned debounce_ms,
                    gpio_input_changed_fn changed, gpio_input_failed_fn failed, void *userdata) {
        int r, v;

        *in = (struct gpio_input){
                .host = host,
                .debounce_ms = debounce_ms,
                .changed = changed,
                .failed = failed,
                .userdata = userdata,
        };
        in->what = describe(device, spec->key);
        if (!in->what)
                return -ENOMEM;
        r = line_request(host, chip, device, spec, false, false, &in->line);
        if (r < 0)
                goto fail;
        v = gpio_adapter_line_get(in->line);
        if (v < 0) {
                r = v;
                eg_host_log(host, EG_LOG_ERROR, "%s: cannot read the line: %s", in->what,
                            strerror(-r));
                goto fail;
        }
        in->value = v != 0;
        in->changed_usec = in->last_edge_usec = gpio_now_usec();
        r = eg_host_io_add(host, gpio_adapter_line_fd(in->line), EPOLLIN, on_edges, in, &in->io);
        if (r < 0) {
                eg_host_log(host, EG_LOG_ERROR, "%s: cannot watch the line: %s", in->what,
                            strerror(-r));
                goto fail;
        }
        return 0;
fail:
        gpio_input_close(in);
        return r;
}

void gpio_input_close(struct gpio_input *in) {
        if (in->io)
                eg_host_source_remove(in->host, in->io);
        if (in->debounce_timer)
                eg_host_source_remove(in->host, in->debounce_timer);
        gpio_adapter_line_release(in->line);
        free(in->what);
        *in = (struct gpio_input){};
}

int gpio_output_open(struct gpio_output *out, struct eg_host *host, struct gpio_adapter_chip *chip,
                     const char *device, const struct gpio_line_spec *spec, bool initial) {
        int r;

        *out = (struct gpio_output){ .value = initial };
        out->what = describe(device, spec->key);
        if (!out->what)
                return -ENOMEM;
        r = line_request(host, chip, device, spec, true, initial, &out->line);
        if (r < 0)
                gpio_output_close(out);
        return r;
}

int gpio_output_set(struct gpio_output *out, bool value) {
        int r;

        if (!out->line)
                return 0; /* not configured */
        r = gpio_adapter_line_set(out->line, value);
        if (r >= 0)
                out->value = value;
        return r;
}

void gpio_output_close(struct gpio_output *out) {
        gpio_adapter_line_release(out->line);
        free(out->what);
        *out = (struct gpio_output){};
}

int gpio_lines_check_distinct(struct eg_host *host, struct gpio_adapter_chip *chip,
                              const char *device, const struct gpio_line_spec *specs, size_t n) {
        unsigned *offsets = calloc(n + 1, sizeof(unsigned));
        int r = 0;

        if (!offsets)
                return -ENOMEM;
        for (size_t i = 0; i < n && r == 0; i++) {
                r = gpio_adapter_line_lookup(chip, specs[i].spec, &offsets[i]);
                if (r < 0) {
                        eg_host_log(host, EG_LOG_ERROR, "device %s: %s=%s on %s: %s", device,
                                    specs[i].key, specs[i].spec, gpio_adapter_chip_name(chip),
                                    lookup_error(r));
                        r = r == -ENOMEM ? r : -EINVAL;
                        break;
                }
                for (size_t j = 0; j < i; j++)
                        if (offsets[j] == offsets[i]) {
                                eg_host_log(host, EG_LOG_ERROR,
                                            "device %s: %s=%s and %s=%s are the same line "
                                            "(%s line %u)",
                                            device, specs[j].key, specs[j].spec, specs[i].key,
                                            specs[i].spec, gpio_adapter_chip_name(chip),
                                            offsets[i]);
                                r = -EINVAL;
                                break;
                        }
        }
        free(offsets);
        return r;
}
