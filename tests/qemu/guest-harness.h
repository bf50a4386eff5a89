/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the guest tests share: a real manager on an sd-event loop with the
 * plugins under test loaded from $EGATE_TEST_PLUGIN_DIR, a record of the
 * events devices emit, operations with their outcomes, captured log
 * messages, and a cmocka runner that prints TAP ("ok"/"not ok") and the
 * closing "N passed, N failed" that run-guest-tests.sh reads on the console.
 */
#pragma once

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdbool.h>

#include "manager.h"

#define GUEST_MAX_EVENTS 256
#define GUEST_ANY INT64_MIN

struct guest_event {
        char device[64];
        enum eg_event_type type;
        int64_t value;
        char zone[32];
        char message[128];
};

struct guest {
        sd_event *event;
        struct eg_manager *manager;
        struct guest_event events[GUEST_MAX_EVENTS];
        size_t n_events;
        unsigned removed; /* devices removed, as listeners saw it */
};

struct guest_op {
        unsigned calls;
        int status;
        char message[160];
        char format[32];
        int64_t value;
        int fd; /* taken from the outcome: the test closes it */
};

/* Load `devices` (device sections) with [daemon] plugin-dirs set; cmocka-fails on errors. */
void guest_start(struct guest *g, const char *devices);
void guest_stop(struct guest *g);

uint64_t guest_now_ms(void);
void guest_run(struct guest *g, unsigned ms);
/* Run the loop until *counter > 0 or `ms` pass; true if it happened. */
bool guest_run_until(struct guest *g, const unsigned *counter, unsigned ms);
/* Run until the device emitted `type` (value GUEST_ANY: any) or `ms` pass. */
bool guest_run_until_event(struct guest *g, const char *device, enum eg_event_type type,
                           int64_t value, unsigned ms);

unsigned guest_count_events(const struct guest *g, const char *device, enum eg_event_type type,
                            int64_t value);
const struct guest_event *guest_last_event(const struct guest *g, const char *device,
                                           enum eg_event_type type);
void guest_forget_events(struct guest *g);

int guest_op_start(struct guest *g, const char *device, const struct eg_op_args *args,
                   struct guest_op *op);
/* Start and run until it completes (or cmocka-fail after `ms`). */
void guest_op_run(struct guest *g, const char *device, const struct eg_op_args *args,
                  struct guest_op *op, unsigned ms);

/* Collect log messages instead of printing them, until guest_log_capture_stop(). */
void guest_log_capture_start(void);
void guest_log_capture_stop(void);
bool guest_log_contains(const char *needle);
void guest_log_dump(void);

int guest_run_tests(const char *group, const struct CMUnitTest *tests, size_t n);
