/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The fixture of the audit trail's unit tests (test-audit-store.c,
 * test-audit-privacy.c, test-audit-export.c): a temporary state directory and a
 * real sd-event loop, the trail opened on them, sample records written.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "audit-test-util.h"
#include "audit/audit.h"

#define T0 (1740816000ULL * TEST_USEC_PER_SEC) /* 2025-03-01T08:00:00Z */

struct fixture {
        char dir[64];
        char state[96];
        sd_event *event;
        struct eg_audit *audit;
};

/* cmocka fixtures: a fresh directory and loop; teardown frees the trail and removes both. */
int setup(void **state);
int teardown(void **state);

/* Open the trail in f->state (created by it when missing); asserts success. */
void open_audit(struct fixture *f);
/* f->state/name (free it). */
char *path_in(struct fixture *f, const char *name);
/* Write n sample records A1-0001... one second apart from first_start, and wait for each. */
void write_n(struct fixture *f, unsigned n, uint64_t first_start);

/* A done() callback that sets the bool at userdata. */
void on_done_flag(int status, void *userdata);
