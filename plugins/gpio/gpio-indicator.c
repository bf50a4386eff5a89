/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A lane indicator on GPIO outputs: one line per lamp colour and one for the
 * buzzer, each active while lit or sounding.  One colour is lit at a time;
 * flashing patterns are timed from egated's loop (slow 1 Hz, fast 4 Hz).
 * There is no text display: message_id and language are accepted and ignored.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gpio-plugin.h"

#define SLOW_HALF_PERIOD_USEC 500000u
#define FAST_HALF_PERIOD_USEC 125000u

enum { LAMP_GREEN, LAMP_RED, LAMP_YELLOW, LAMP_WHITE, LAMP_BUZZER, N_OUTPUTS };

static const char *const output_prefix[N_OUTPUTS] = {
        [LAMP_GREEN] = "green-", [LAMP_RED] = "red-",       [LAMP_YELLOW] = "yellow-",
        [LAMP_WHITE] = "white-", [LAMP_BUZZER] = "buzzer-",
};

static const char *const output_key[N_OUTPUTS] = {
        [LAMP_GREEN] = "green-line", [LAMP_RED] = "red-line",       [LAMP_YELLOW] = "yellow-line",
        [LAMP_WHITE] = "white-line", [LAMP_BUZZER] = "buzzer-line",
};

struct gpio_indicator {
        struct gpio_device dev;
        struct gpio_output outputs[N_OUTPUTS];
        bool has[N_OUTPUTS];
        int lamp; /* LAMP_*, or -1: all dark */
        enum eg_indicator_pattern pattern;
        bool buzzer;
        bool lit; /* the flashing phase */
        eg_source_id flash_timer;
};

static int colour_to_lamp(enum eg_indicator_colour c) {
        switch (c) {
        case EG_COLOUR_OFF:
                return -1;
        case EG_COLOUR_GREEN:
                return LAMP_GREEN;
        case EG_COLOUR_RED:
                return LAMP_RED;
        case EG_COLOUR_YELLOW:
                return LAMP_YELLOW;
        case EG_COLOUR_WHITE:
                return LAMP_WHITE;
        default:
                return -2;
        }
}

static int apply(struct gpio_indicator *ind) {
        int r;

        for (int i = LAMP_GREEN; i <= LAMP_WHITE; i++) {
                r = gpio_output_set(&ind->outputs[i], i == ind->lamp && ind->lit);
                if (r < 0)
                        return r;
        }
        return gpio_output_set(&ind->outputs[LAMP_BUZZER], ind->buzzer);
}

static void flash_stop(struct gpio_indicator *ind) {
        if (ind->flash_timer)
                eg_host_source_remove(ind->dev.host, ind->flash_timer);
        ind->flash_timer = 0;
}

static void on_flash(void *userdata);

static void flash_arm(struct gpio_indicator *ind) {
        uint64_t half = ind->pattern == EG_PATTERN_FAST_FLASH ? FAST_HALF_PERIOD_USEC
                                                              : SLOW_HALF_PERIOD_USEC;

        if (eg_host_timer_add(ind->dev.host, half, on_flash, ind, &ind->flash_timer) < 0)
                eg_host_log(ind->dev.host, EG_LOG_ERROR, "indicator %s: cannot time the flashing",
                            ind->dev.name);
}

static void on_flash(void *userdata) {
        struct gpio_indicator *ind = userdata;
        int r;

        ind->flash_timer = 0;
        ind->lit = !ind->lit;
        r = apply(ind);
        if (r < 0) {
                gpio_device_gone(&ind->dev, r, "lamp line");
                return;
        }
        flash_arm(ind);
}

static int indicator_start(void *data, eg_op_id op, const struct eg_op_args *args) {
        struct gpio_indicator *ind = data;
        int lamp, r;

        if (args->kind != EG_OP_INDICATOR_SET)
                return -EOPNOTSUPP;
        lamp = colour_to_lamp(args->colour);
        if (lamp == -2 || (unsigned) args->pattern > EG_PATTERN_FAST_FLASH) {
                gpio_device_complete(&ind->dev, op, -EINVAL, "unknown colour or pattern", 0);
                return 0;
        }
        if (lamp >= 0 && !ind->has[lamp]) {
                gpio_device_complete(&ind->dev, op, -EOPNOTSUPP,
                                     "this indicator has no lamp of that colour", 0);
                return 0;
        }
        if (args->buzzer && !ind->has[LAMP_BUZZER])
                eg_host_log(ind->dev.host, EG_LOG_DEBUG, "indicator %s: no buzzer fitted",
                            ind->dev.name);

        flash_stop(ind);
        ind->lamp = lamp;
        ind->pattern = args->pattern;
        ind->buzzer = args->buzzer;
        ind->lit = true;
        r = apply(ind);
        if (r < 0) {
                gpio_device_complete(&ind->dev, op, r == -ENODEV ? r : -EIO,
                                     "cannot drive the indicator's lines", 0);
                gpio_device_gone(&ind->dev, r, "lamp line");
                return 0;
        }
        if (lamp >= 0 && ind->pattern != EG_PATTERN_STEADY)
                flash_arm(ind);
        gpio_device_complete(&ind->dev, op, 0, NULL, 0);
        return 0;
}

static void indicator_cancel(void *data, eg_op_id op) {
        /* Settings complete inside start(): nothing is ever in flight. */
}

static void indicator_free(struct gpio_indicator *ind) {
        flash_stop(ind);
        for (int i = 0; i < N_OUTPUTS; i++)
                gpio_output_close(&ind->outputs[i]);
        gpio_device_done(&ind->dev);
        free(ind);
}

/* Dark and silent before the lines go back to the kernel. */
static void indicator_close(void *data) {
        struct gpio_indicator *ind = data;

        ind->lamp = -1;
        ind->buzzer = false;
        (void) apply(ind);
        indicator_free(ind);
}

static const struct eg_device_ops indicator_ops = {
        .size = sizeof(struct eg_device_ops),
        .start = indicator_start,
        .cancel = indicator_cancel,
        .close = indicator_close,
};

static int parse_and_request(struct gpio_indicator *ind, struct gpio_props *props) {
        struct gpio_line_spec specs[N_OUTPUTS];
        int idx[N_OUTPUTS];
        size_t n = 0;
        int r;

        for (int i = 0; i < N_OUTPUTS; i++) {
                r = gpio_device_line_spec(props, output_prefix[i], false, &specs[n], &ind->has[i]);
                if (r < 0)
                        return r;
                if (!ind->has[i])
                        continue;
                specs[n].key = output_key[i];
                idx[n++] = i;
        }
        r = gpio_props_check_all_used(props);
        if (r < 0)
                return r;
        if (n == 0)
                return gpio_props_error(props,
                                        "no lines: give at least one of green-line=, "
                                        "red-line=, yellow-line=, white-line=, buzzer-line=");
        r = gpio_lines_check_distinct(ind->dev.host, ind->dev.chip, ind->dev.name, specs, n);
        for (size_t k = 0; r >= 0 && k < n; k++)
                r = gpio_output_open(&ind->outputs[idx[k]], ind->dev.host, ind->dev.chip,
                                     ind->dev.name, &specs[k], false);
        return r;
}

int gpio_indicator_declare(struct gpio_plugin *plugin, const struct eg_device_config *config) {
        struct gpio_indicator *ind;
        struct gpio_props props;
        struct eg_device_desc desc;
        int r;

        r = gpio_props_init(&props, plugin->host, config, "indicator");
        if (r < 0)
                return r;
        ind = calloc(1, sizeof(*ind));
        r = ind ? gpio_device_init(&ind->dev, plugin->host, &props) : -ENOMEM;
        if (r >= 0) {
                ind->lamp = -1;
                r = parse_and_request(ind, &props);
        }
        gpio_props_done(&props);
        if (r < 0)
                goto fail;

        desc = (struct eg_device_desc){
                .size = sizeof(desc),
                .device_class = EG_CLASS_INDICATOR,
                .key = config->name,
                .vendor = "GPIO",
                .model = "Lamps",
                .supported_ops = EG_OP_BIT(EG_OP_INDICATOR_SET),
                .ops = &indicator_ops,
                .device_data = ind,
        };
        r = gpio_device_add(&ind->dev, &desc);
        if (r < 0)
                goto fail;
        return 0;
fail:
        if (ind)
                indicator_free(ind);
        return r;
}
