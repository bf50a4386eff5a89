/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serial-options.h"
#include "serial-port.h"

void serial_options_init(struct serial_options *o) {
        *o = (struct serial_options){
                .baud = SERIAL_DEFAULT_BAUD,
                .speed = B9600,
                .framing = MRZ_FRAMING_LINES,
                .line_ending = MRZ_EOL_AUTO,
                .frame_timeout_ms = SERIAL_DEFAULT_FRAME_TIMEOUT_MS,
                .reconnect_ms = SERIAL_DEFAULT_RECONNECT_MS,
                .document_hold_ms = SERIAL_DEFAULT_DOCUMENT_HOLD_MS,
        };
}

void serial_options_done(struct serial_options *o) {
        free(o->path);
        o->path = NULL;
}

__attribute__((format(printf, 3, 4))) static int invalid(struct eg_host *host, const char *device,
                                                         const char *fmt, ...) {
        char text[384];
        va_list ap;

        va_start(ap, fmt);
        (void) vsnprintf(text, sizeof(text), fmt, ap);
        va_end(ap);
        eg_host_log(host, EG_LOG_ERROR, "device %s (document-reader): %s", device, text);
        return -EINVAL;
}

static int parse_uint(const char *value, unsigned min, unsigned max, unsigned *ret) {
        unsigned long v;
        char *end;

        if (value[0] < '0' || value[0] > '9')
                return -EINVAL;
        errno = 0;
        v = strtoul(value, &end, 10);
        if (errno != 0 || *end != '\0' || v < min || v > max)
                return -EINVAL;
        *ret = (unsigned) v;
        return 0;
}

static int set_ms(struct eg_host *host, const char *device, const char *key, const char *value,
                  unsigned min, unsigned max, unsigned *ret) {
        if (parse_uint(value, min, max, ret) < 0)
                return invalid(host, device,
                               "invalid value '%s' for %s: expected milliseconds "
                               "from %u to %u",
                               value, key, min, max);
        return 0;
}

static int set_baud(struct serial_options *o, struct eg_host *host, const char *device,
                    const char *value) {
        unsigned baud;

        if (parse_uint(value, 1, 10000000, &baud) < 0 || !serial_baud_to_speed(baud, &o->speed))
                return invalid(host, device,
                               "invalid value '%s' for baud: not a serial speed "
                               "(use 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, "
                               "230400, 460800, 500000, 576000, 921600 or 1000000)",
                               value);
        o->baud = baud;
        return 0;
}

static bool marker_is_valid(const char *s) {
        size_t n = strlen(s);

        if (n == 0 || n > MRZ_MARKER_MAX)
                return false;
        for (; *s; s++)
                if (*s <= ' ' || *s > '~')
                        return false;
        return true;
}

int serial_options_set(struct serial_options *o, struct eg_host *host, const char *device,
                       const char *key, const char *value) {
        if (strcmp(key, "device") == 0) {
                if (value[0] != '/')
                        return invalid(host, device,
                                       "device=%s is not an absolute path such as "
                                       "/dev/ttyACM0 or /dev/serial/by-id/...",
                                       value);
                free(o->path);
                o->path = strdup(value);
                return o->path ? 0 : -ENOMEM;
        }
        if (strcmp(key, "baud") == 0)
                return set_baud(o, host, device, value);
        if (strcmp(key, "line-ending") == 0) {
                if (strcmp(value, "auto") == 0)
                        o->line_ending = MRZ_EOL_AUTO;
                else if (strcmp(value, "cr") == 0)
                        o->line_ending = MRZ_EOL_CR;
                else if (strcmp(value, "lf") == 0)
                        o->line_ending = MRZ_EOL_LF;
                else if (strcmp(value, "crlf") == 0)
                        o->line_ending = MRZ_EOL_CRLF;
                else
                        return invalid(host, device,
                                       "invalid value '%s' for line-ending: "
                                       "expected auto, cr, lf or crlf",
                                       value);
                return 0;
        }
        if (strcmp(key, "framing") == 0) {
                if (strcmp(value, "lines") == 0)
                        o->framing = MRZ_FRAMING_LINES;
                else if (strcmp(value, "stx-etx") == 0)
                        o->framing = MRZ_FRAMING_STX_ETX;
                else
                        return invalid(host, device,
                                       "invalid value '%s' for framing: expected "
                                       "lines or stx-etx",
                                       value);
                return 0;
        }
        if (strcmp(key, "frame-timeout-ms") == 0)
                return set_ms(host, device, key, value, 10, 10000, &o->frame_timeout_ms);
        if (strcmp(key, "reconnect-ms") == 0)
                return set_ms(host, device, key, value, 50, 60000, &o->reconnect_ms);
        if (strcmp(key, "document-hold-ms") == 0)
                return set_ms(host, device, key, value, 50, 3600000, &o->document_hold_ms);
        if (strcmp(key, "removal-marker") == 0) {
                if (!marker_is_valid(value))
                        return invalid(host, device,
                                       "invalid removal-marker: expected 1 to %d "
                                       "printable ASCII characters without spaces",
                                       MRZ_MARKER_MAX);
                (void) snprintf(o->removal_marker, sizeof(o->removal_marker), "%s", value);
                return 0;
        }
        return -ENOENT;
}

int serial_options_check(const struct serial_options *o, struct eg_host *host, const char *device) {
        if (!o->path)
                return invalid(host, device,
                               "device= is required (the serial port, e.g. "
                               "/dev/ttyACM0 or a /dev/serial/by-id/ link)");
        return 0;
}

struct mrz_framer_options serial_options_framer(const struct serial_options *o) {
        return (struct mrz_framer_options){
                .framing = o->framing,
                .line_ending = o->line_ending,
                .frame_timeout_usec = (uint64_t) o->frame_timeout_ms * 1000u,
                .removal_marker = o->removal_marker[0] ? o->removal_marker : NULL,
        };
}
