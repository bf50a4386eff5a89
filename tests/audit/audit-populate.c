/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * audit-populate STATE_DIR COUNT FIRST_START_USEC: write COUNT sample records
 * (ids A1-0001..., one a minute from FIRST_START_USEC, decisions accept,
 * refer, refer, accept, ...) into STATE_DIR's audit trail through the audit
 * module itself, so the D-Bus test reads real records from egated without
 * any test hook in the daemon.  Then three lane events (the table below),
 * at FIRST_START_USEC + 30 s, + 90 s and + 150 s.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit-test-util.h"
#include "audit/audit.h"
#include "macro.h"

/* One of each kind; only the alarm concerns a transaction (the second, a refer). */
static const struct sample_event {
        unsigned after_s; /* after FIRST_START_USEC */
        const char *kind, *action, *transaction_id, *reason, *who, *detail;
} sample_events[] = {
        { 30, EG_AUDIT_EVENT_OPERATOR, "mode", "", "", "uid 1000 (:1.42)", "closed for cleaning" },
        { 90, EG_AUDIT_EVENT_ALARM, "watchlist-hit", "A1-0002", "E_WATCHLIST_HIT", "",
          "background check answered after the decision" },
        { 150, EG_AUDIT_EVENT_EMERGENCY, "input", "", "", "", "mock-A1-emergency" },
};

/*
 * Events have no callback: the trail writes them in the order submitted, and
 * a list queued after them answers once they are written.  Reading them back
 * proves they reached the disk (a refused one would be kept, not listed).
 */
static int write_events(sd_event *e, struct eg_audit *a, uint64_t first) {
        _cleanup_(strv_freep) char **rows = NULL;
        size_t n = 0;
        int k;

        for (size_t i = 0; i < ELEMENTSOF(sample_events); i++) {
                const struct sample_event *x = &sample_events[i];
                struct eg_audit_event ev = {
                        .time_usec = first + x->after_s * TEST_USEC_PER_SEC,
                };

                snprintf(ev.lane, sizeof(ev.lane), "A1");
                snprintf(ev.kind, sizeof(ev.kind), "%s", x->kind);
                snprintf(ev.action, sizeof(ev.action), "%s", x->action);
                snprintf(ev.transaction_id, sizeof(ev.transaction_id), "%s", x->transaction_id);
                snprintf(ev.reason, sizeof(ev.reason), "%s", x->reason);
                snprintf(ev.operator, sizeof(ev.operator), "%s", x->who);
                snprintf(ev.detail, sizeof(ev.detail), "%s", x->detail);
                k = eg_audit_write_event(a, &ev);
                if (k < 0) {
                        fprintf(stderr, "audit-populate: event %zu: %s\n", i, strerror(-k));
                        return k;
                }
        }
        k = test_list_events_sync(e, a, 0, 0, 0, NULL, &rows, &n);
        if (k < 0) {
                fprintf(stderr, "audit-populate: cannot read the events back: %s\n", strerror(-k));
                return k;
        }
        if (n != ELEMENTSOF(sample_events)) {
                fprintf(stderr, "audit-populate: %zu event(s) written, %zu read back\n",
                        ELEMENTSOF(sample_events), n);
                return -EIO;
        }
        return 0;
}

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
        if (write_events(e, a, first) < 0)
                return 1;
        printf("populated %lu record(s) and %zu lane event(s)\n", count, ELEMENTSOF(sample_events));
        eg_audit_free(a); /* after any queued write reached the disk */
        sd_event_unref(e);
        return 0;
}
