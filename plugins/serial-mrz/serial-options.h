/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A reader's settings, from a [device.NAME] section or from the udev
 * properties of a discovered port.  Every refusal is logged with the device
 * and the key, so an integrator sees what to fix.
 */
#pragma once

#include <egate/plugin.h>
#include <termios.h>

#include "mrz-framer.h"

#define SERIAL_DEFAULT_BAUD 9600
#define SERIAL_DEFAULT_FRAME_TIMEOUT_MS 300
#define SERIAL_DEFAULT_RECONNECT_MS 2000
#define SERIAL_DEFAULT_DOCUMENT_HOLD_MS 10000

struct serial_options {
        char *path;
        unsigned baud;
        speed_t speed;
        enum mrz_framing framing;
        enum mrz_line_ending line_ending;
        unsigned frame_timeout_ms;
        unsigned reconnect_ms;
        unsigned document_hold_ms;
        char removal_marker[MRZ_MARKER_MAX + 1]; /* "" = none */
};

void serial_options_init(struct serial_options *o);
void serial_options_done(struct serial_options *o);

/*
 * Apply one setting.  `device` names the device in messages.  Returns 0,
 * -EINVAL (logged) for a bad value, -ENOENT (not logged) for a key this
 * plugin does not know, -ENOMEM.
 */
int serial_options_set(struct serial_options *o, struct eg_host *host, const char *device,
                       const char *key, const char *value);

/* The settings that go together: -EINVAL, logged, if device= is missing. */
int serial_options_check(const struct serial_options *o, struct eg_host *host, const char *device);

/* Framer options pointing into `o`. */
struct mrz_framer_options serial_options_framer(const struct serial_options *o);
