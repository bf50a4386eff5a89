/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

#define EG_DEADLINE_MAX_LATENESS_USEC UINT64_C(250000)

/*
 * The accuracy to give sd-event for a deadline `timeout_usec` away.
 *
 * A deadline guards against something that should not happen (a device or
 * a back end that stops answering), so it need not fire to the millisecond.
 * sd-event wakes every timer whose window holds the same aligned instant
 * (whole minutes, then 10 s, 1 s and 250 ms steps) at that instant, and
 * leaves the timerfd alone while the earliest wake-up does not move.  A
 * window of 250 ms therefore lets the deadlines of a run of short device
 * operations share one timerfd setting instead of re-arming it twice per
 * operation, which was a tenth of egated's CPU per traveller.
 *
 * A deadline fires at most a quarter of its timeout and at most 250 ms late.
 */
static inline uint64_t eg_deadline_accuracy_usec(uint64_t timeout_usec) {
        uint64_t lateness = timeout_usec / 4;

        if (lateness > EG_DEADLINE_MAX_LATENESS_USEC)
                lateness = EG_DEADLINE_MAX_LATENESS_USEC;
        return lateness > 0 ? lateness : 1;
}
