/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Times on the command line (egatectl audit --since/--until), as CLOCK_REALTIME microseconds:
 *
 *   now
 *   -90s, -30m (or -30min), -1h, -2d, -1w     relative to now
 *   2025-03-01T08:00:00Z                     ISO 8601, UTC
 *   2025-03-01T08:00:00.250+01:00            with fraction and offset (+HH:MM, +HHMM, +HH)
 *   2025-03-01T08:00, 2025-03-01 08:00:00    local time ('T' or one space)
 *   2025-03-01                               local midnight
 */
#pragma once

#include <stdint.h>

/* 0, or -EINVAL (not a time we read) or -ERANGE (before 1970 or too far out). */
int egctl_parse_time(const char *s, uint64_t now_usec, uint64_t *ret_usec);

/* "2025-03-01 09:00:00" in local time (buf of at least 32 bytes); "-" for 0. */
const char *egctl_format_time(uint64_t usec, char *buf, unsigned long size);
