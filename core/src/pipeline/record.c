/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The audit record of a transaction (audit.h): ids, the decision and its
 * reasons, every step with its timing, result, reason, score and threshold,
 * the operator actions, the devices with their plugins' versions, and the
 * document only as the trail's keyed hash.  No name, no MRZ, no image, no
 * template ever goes in.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device.h"
#include "egate-build-config.h"
#include "host.h"
#include "lane.h"
#include "log.h"
#include "manager.h"
#include "pipeline-internal.h"

static void copy(char *dst, size_t size, const char *src) {
        (void) snprintf(dst, size, "%s", src ? src : "");
}

static void add_devices(struct eg_pipeline *p, struct eg_transaction *tx,
                        struct eg_audit_record *r) {
        for (unsigned role = 0; role < EG_ROLE_MAX_ && r->n_devices < EG_AUDIT_MAX_DEVICES;
             role++) {
                const char *id = tx->devices[role];
                struct eg_device *d = id ? eg_device_find(p->manager, id) : NULL;

                if (!id)
                        continue;
                (void) snprintf(r->devices[r->n_devices++], sizeof(r->devices[0]), "%s=%s %s/%s",
                                eg_lane_role_to_string(role), id,
                                d && d->plugin ? eg_plugin_name(d->plugin) : "gone",
                                d && d->plugin ? d->plugin->module.descriptor.version : "-");
        }
}

int pl_record_build(struct eg_pipeline *p, struct eg_transaction *tx,
                    struct eg_audit_record **ret) {
        struct eg_audit_record *r;
        const char *field = NULL;
        int k;

        r = calloc(1, sizeof(*r));
        if (!r)
                return -ENOMEM;
        copy(r->transaction_id, sizeof(r->transaction_id), tx->id);
        copy(r->lane, sizeof(r->lane), p->lane_name);
        r->start_usec = tx->started.realtime_usec;
        r->end_usec = tx->end_usec > r->start_usec ? tx->end_usec : pl_now_realtime();
        copy(r->decision, sizeof(r->decision), eg_decision_to_string(tx->decision));
        for (size_t i = 0; i < tx->n_reasons && i < EG_AUDIT_MAX_REASONS; i++)
                copy(r->reasons[r->n_reasons++], sizeof(r->reasons[0]), tx->reasons[i]);

        if (tx->have_mrz) {
                (void) snprintf(r->issuing_state, sizeof(r->issuing_state), "%.*s",
                                (int) strcspn(tx->mrz.issuing_state, "<"), tx->mrz.issuing_state);
                if (p->manager->audit) {
                        k = eg_audit_document_hash(p->manager->audit, tx->mrz.issuing_state,
                                                   tx->mrz.document_number, r->document_hash);
                        if (k < 0) {
                                log_lane(LOG_WARNING, k, p->lane_name,
                                         "transaction %s: no document hash: %m", tx->id);
                                r->document_hash[0] = 0;
                        }
                }
        }
        if (tx->member && !tx->member_by_holder)
                copy(r->member_id, sizeof(r->member_id), tx->member->id);

        memcpy(r->steps, tx->steps, sizeof(tx->steps[0]) * tx->n_steps);
        r->n_steps = tx->n_steps;
        memcpy(r->actions, tx->actions, sizeof(tx->actions[0]) * tx->n_actions);
        r->n_actions = tx->n_actions;
        add_devices(p, tx, r);
        copy(r->software_version, sizeof(r->software_version), "egated " EGATE_VERSION);

        k = eg_audit_record_check(r, &field);
        if (k < 0) {
                /* A bug of ours, never the traveller's data: say which field, not what. */
                log_lane(LOG_ERR, k, p->lane_name,
                         "transaction %s: the record's %s is not fit for the audit trail", tx->id,
                         strna(field));
                free(r);
                return k;
        }
        *ret = r;
        return 0;
}
