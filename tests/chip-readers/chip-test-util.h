/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the chip reader tests share: a manager on its own loop with a
 * listener counting one device's chip events, chip reads through the core's
 * chip session, and assertions on their checks.  cmocka must be included
 * first.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "emrtd/chip-session.h"
#include "manager.h"

struct chip_events {
        unsigned present, removed, faults, recovered;
};

struct chip_harness {
        sd_event *event;
        struct eg_manager *manager;
        const char *device_id; /* the device whose events are counted */
        struct chip_events events;
};

struct chip_outcome {
        unsigned calls;
        struct eg_chip_read_result *result;
};

uint64_t chip_test_now_ms(void);

/* Load `config_text` (cmocka-fails on errors) and start a manager with its state in
 * `state_directory`. */
void chip_harness_start(struct chip_harness *h, const char *config_text,
                        const char *state_directory, const char *device_id);
void chip_harness_stop(struct chip_harness *h);

/* Run the loop until done(h, arg) or `ms` passed. */
void chip_harness_run(struct chip_harness *h, bool (*done)(struct chip_harness *, const void *),
                      const void *arg, unsigned ms);
/* Run until *counter reaches `want`, and assert it did. */
void chip_harness_wait_count(struct chip_harness *h, const unsigned *counter, unsigned want,
                             unsigned ms);
bool chip_harness_device_exists(struct chip_harness *h, const void *id);
bool chip_harness_device_gone(struct chip_harness *h, const void *id);

void chip_read_start(struct chip_harness *h, const struct eg_chip_session_options *o,
                     struct chip_outcome *out);
void chip_read_finish(struct chip_harness *h, struct chip_outcome *out);
void chip_read(struct chip_harness *h, const struct eg_chip_session_options *o,
               struct chip_outcome *out);
void chip_outcome_done(struct chip_outcome *out);

/* result/reason as given (reason NULL: none), and the detail containing detail_part. */
void chip_assert_check(const struct eg_check *c, enum eg_check_result result, const char *reason,
                       const char *detail_part);
