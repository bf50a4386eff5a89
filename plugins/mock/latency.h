/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * How long things take in the mock world: one duration per operation kind
 * (indexed by enum eg_op_kind) plus the two timings of the walking
 * travellers.  A scenario picks a profile and may override single entries.
 */
#pragma once

#include <egate/device.h>
#include <stdbool.h>
#include <stdint.h>

enum mock_latency_profile {
        MOCK_LATENCY_REALISTIC = 0,
        MOCK_LATENCY_ZERO,
        MOCK_LATENCY_PROFILE_MAX,
};

enum mock_timing {
        /* 1 .. EG_OP_MAX_-1 are the operation kinds themselves. */
        MOCK_TIMING_WALK = EG_OP_MAX_, /* one step between zones */
        MOCK_TIMING_FINGER_PLACE, /* from the scanner's prompt to the finger on the glass */
        MOCK_TIMING_MAX,
};

struct mock_latency {
        enum mock_latency_profile profile;
        uint32_t ms[MOCK_TIMING_MAX];
};

void mock_latency_init(struct mock_latency *l, enum mock_latency_profile profile);
const char *mock_latency_profile_to_string(enum mock_latency_profile p);
int mock_latency_profile_from_string(const char *s); /* -EINVAL if unknown */

/* Names accepted as keys of a scenario's "latency" object: the op names,
 * "walk" and "finger-place".  -EINVAL if unknown. */
int mock_timing_from_string(const char *s);
const char *mock_timing_to_string(enum mock_timing t);

static inline uint32_t mock_latency_ms(const struct mock_latency *l, unsigned timing) {
        return timing < MOCK_TIMING_MAX ? l->ms[timing] : 0;
}
