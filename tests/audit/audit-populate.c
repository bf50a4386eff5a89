/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * audit-populate STATE_DIR COUNT FIRST_START_USEC: write COUNT sample records
 * (ids A1-0001..., one a minute from FIRST_START_USEC, decisions accept,
 * refer, refer, accept, ...) into STATE_DIR's audit trail through the audit
 * module itself, so the D-Bus test reads real records from egated without
 * any test hook in the daemon.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit-test-util.h"
#include "audit/audit.h"
#include "macro.h"

int main(int argc, char *argv[]) {
        _cleanup_free_ struct eg_audit_record *r = malloc(sizeof(*r));
        struct eg_audit *a = NULL;
        sd_event *e = NULL;
        unsigned long count;
        uint64_t first;
        int k;

        if (argc != 4 || !r) {
                fprintf(stderr, "usage: audit-populate STATE_DIR COUNT FIRST_START_USEC\n");
                return 2;
        }
        count = strtoul(argv[2], NULL, 10);
        first = strtoull(argv[3], NULL, 10);
        if (sd_event_new(&e) < 0 || eg_audit_open(e, argv[1], &a) < 0) {
                fprintf(stderr, "audit-populate: cannot open the audit trail in %s\n", argv[1]);
                return 1;
        }
        for (unsigned long i = 0; i < count; i++) {
                char id[32];

                snprintf(id, sizeof(id), "A1-%04lu", i + 1);
                test_sample_record(a, r, id, first + i * 60 * TEST_USEC_PER_SEC,
                                   i % 3 == 0 ? "accept" : "refer");
                k = test_write_sync(e, a, r);
                if (k < 0) {
                        fprintf(stderr, "audit-populate: %s: %s\n", id, strerror(-k));
                        return 1;
                }
        }
        printf("populated %lu record(s)\n", count);
        eg_audit_free(a);
        sd_event_unref(e);
        return 0;
}
