/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared by the audit tests and audit-populate: sample records, running the loop. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "audit/audit.h"

#define TEST_USEC_PER_SEC 1000000ULL

/* A full record: every list filled, a fingerprint score, an operator action; the document
 * hash from `a` (when given) of UTO/L898902C3. */
void test_sample_record(struct eg_audit *a, struct eg_audit_record *r, const char *id,
                        uint64_t start_usec, const char *decision);

/* Run e until *flag is true; false if `seconds` pass first. */
bool test_run_until(sd_event *e, const bool *flag, unsigned seconds);

/* Write r and wait for done; returns its status. */
int test_write_sync(sd_event *e, struct eg_audit *a, const struct eg_audit_record *r);

/* list/get and wait: the rows (strv, caller frees with strv_free) and the status. */
int test_list_sync(sd_event *e, struct eg_audit *a, uint64_t since, uint64_t until, size_t limit,
                   char ***ret_rows, size_t *ret_n);
int test_get_sync(sd_event *e, struct eg_audit *a, const char *id, char ***ret_rows, size_t *ret_n);

/* Lane events: list and wait; a sample of each kind on lane A1 (operator: open-door, alarm:
 * watchlist-hit, emergency: input). */
int test_list_events_sync(sd_event *e, struct eg_audit *a, uint64_t since, uint64_t until,
                          size_t limit, const char *transaction_id, char ***ret_rows,
                          size_t *ret_n);
void test_sample_event(struct eg_audit_event *ev, const char *kind, const char *transaction_id,
                       uint64_t time_usec);
