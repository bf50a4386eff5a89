/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "faults.h"

#include <errno.h>

int mock_faults_add(struct mock_fault_list *l, const struct mock_fault_rule *rule) {
        if (l->n >= MOCK_FAULTS_PER_DEVICE)
                return -ENOSPC;
        l->rules[l->n] = *rule;
        l->rules[l->n].seen = 0;
        l->rules[l->n].fired = 0;
        l->n++;
        return 0;
}

void mock_faults_clear(struct mock_fault_list *l) {
        l->n = 0;
}

static bool rule_exhausted(const struct mock_fault_rule *r) {
        return r->count > 0 && r->fired >= r->count;
}

bool mock_faults_check(struct mock_fault_list *l, enum eg_op_kind op, struct mock_fault_rule *ret) {
        bool found = false;

        for (size_t i = 0; i < l->n; i++) {
                struct mock_fault_rule *r = &l->rules[i];

                if (r->op != EG_OP_INVALID && r->op != op)
                        continue;
                if (r->seen < UINT32_MAX)
                        r->seen++;
                if (found || r->seen <= r->after || rule_exhausted(r))
                        continue;
                r->fired++;
                *ret = *r;
                found = true;
        }
        return found;
}

size_t mock_faults_armed(const struct mock_fault_list *l) {
        size_t n = 0;

        for (size_t i = 0; i < l->n; i++)
                if (!rule_exhausted(&l->rules[i]))
                        n++;
        return n;
}
