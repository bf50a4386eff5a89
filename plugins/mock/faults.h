/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A device's fault rules: from the scenario's "faults" and from live
 * "fault" commands.  Pure bookkeeping; the device decides what a fault does.
 */
#pragma once

#include <egate/device.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scenario.h"

#define MOCK_FAULTS_PER_DEVICE 32

struct mock_fault_rule {
        enum eg_op_kind op; /* EG_OP_INVALID: any */
        enum mock_fault_kind fault;
        uint32_t delay_ms;
        uint32_t after; /* matching ops let through before it fires */
        uint32_t count; /* times it fires; 0: every time */
        uint32_t seen;
        uint32_t fired;
};

struct mock_fault_list {
        struct mock_fault_rule rules[MOCK_FAULTS_PER_DEVICE];
        size_t n;
};

/* -ENOSPC when the device already has MOCK_FAULTS_PER_DEVICE rules. */
int mock_faults_add(struct mock_fault_list *l, const struct mock_fault_rule *rule);
void mock_faults_clear(struct mock_fault_list *l);

/* Called once per started operation: counts it against every matching rule
 * and returns the first rule that fires (copied to *ret), or false. */
bool mock_faults_check(struct mock_fault_list *l, enum eg_op_kind op, struct mock_fault_rule *ret);

/* Rules still able to fire. */
size_t mock_faults_armed(const struct mock_fault_list *l);
