/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The lane's entries in the audit trail besides its transactions' records
 * (audit.h, "lane event"): an operator's action no record takes, an alarm
 * that changed no decision, an emergency input.  Fire and forget: the trail
 * keeps what the disk refuses and writes it later, so nothing here waits and
 * no door command depends on the disk.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "manager.h"
#include "pipeline-internal.h"

static void copy(char *dst, size_t size, const char *src) {
        (void) snprintf(dst, size, "%s", src ? src : "");
}

static void write_event(struct eg_pipeline *p, struct eg_audit_event *ev) {
        struct eg_audit *audit = p->manager->audit;
        const char *field = NULL;
        int r;

        if (!audit) {
                log_lane(LOG_WARNING, 0, p->lane_name, "no audit trail: %s event %s not recorded",
                         ev->kind, ev->action);
                return;
        }
        /* A free-text detail that looks like personal data is withheld, not the whole event:
         * that an operator acted, and who, must stay on record. */
        if (eg_audit_event_check(ev, &field) < 0 && streq(field, "detail"))
                copy(ev->detail, sizeof(ev->detail), "(withheld: it looked like personal data)");
        r = eg_audit_write_event(audit, ev);
        if (r < 0)
                log_lane(LOG_ERR, r, p->lane_name, "%s event %s not recorded: %m", ev->kind,
                         ev->action);
}

static void init_event(struct eg_audit_event *ev, struct eg_pipeline *p,
                       const struct eg_transaction *tx, const char *kind, const char *action) {
        *ev = (struct eg_audit_event){ .time_usec = pl_now_realtime() };
        copy(ev->lane, sizeof(ev->lane), p->lane_name);
        copy(ev->transaction_id, sizeof(ev->transaction_id), tx ? tx->id : NULL);
        copy(ev->kind, sizeof(ev->kind), kind);
        copy(ev->action, sizeof(ev->action), action);
}

void pl_event_operator(struct eg_pipeline *p, const struct eg_transaction *tx, const char *action,
                       const char *operator, const char * reason) {
        struct eg_audit_event ev;

        init_event(&ev, p, tx, EG_AUDIT_EVENT_OPERATOR, action);
        copy(ev.operator, sizeof(ev.operator), operator && *operator ? operator : "unknown");
        copy(ev.detail, sizeof(ev.detail), reason);
        write_event(p, &ev);
}

void pl_event_alarm(struct eg_pipeline *p, const struct eg_transaction *tx, const char *kind,
                    const char *reason, const char *detail) {
        struct eg_audit_event ev;

        init_event(&ev, p, tx, EG_AUDIT_EVENT_ALARM, kind);
        copy(ev.reason, sizeof(ev.reason), reason);
        copy(ev.detail, sizeof(ev.detail), detail);
        write_event(p, &ev);
}

void pl_event_emergency(struct eg_pipeline *p, const struct eg_transaction *tx,
                        const char *device_id) {
        struct eg_audit_event ev;

        init_event(&ev, p, tx, EG_AUDIT_EVENT_EMERGENCY, "input");
        (void) snprintf(ev.detail, sizeof(ev.detail), "emergency input%s%s",
                        device_id ? " on " : "", device_id ? device_id : "");
        write_event(p, &ev);
}
