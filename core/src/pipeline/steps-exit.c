/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Step 20 and the way back (domain notes §9 steps 20, 21): after the
 * record is written, an accepted traveller leaves through the exit door; a
 * referred one (or one behind an alarm) leaves the way they came: the entry
 * door opens back into the approach, never the exit.  The officer the
 * referral calls takes over from there.  The transaction ends when the
 * mantrap is empty and both doors are closed and locked again (or, for a
 * traveller refused at the reader, when the passport is taken back).
 */
#include <errno.h>
#include <string.h>

#include "device.h"
#include "lane.h"
#include "log.h"
#include "manager.h"
#include "pipeline-internal.h"
#include "reasons.h"

static void on_door_shut(struct eg_pipeline *p, struct eg_transaction *tx, int status,
                         const char *message) {
        if (!pl_is_current(p, tx) || tx->phase == PL_PHASE_DONE)
                return;
        if (status < 0 && status != -ECANCELED)
                log_lane(LOG_ERR, status, p->lane_name,
                         "transaction %s: a door did not close and lock after the traveller: %s",
                         tx->id, message ? message : strerror(-status));
        if (tx->doors_shutting > 0 && --tx->doors_shutting > 0)
                return;
        /* The next traveller waits until the rest state has both doors secured. */
        pl_tx_finish(p, tx);
}

/* The traveller left through the door of `role`: it closes and locks behind them, and so
 * does the other one if it stands open (an officer's OpenDoor let them out there).  The rest
 * state would not do it while the lane is out of service, and an open door then stays open
 * until the device that took the lane out of service is back.  A faulted door other than
 * theirs is left in its declared safe state. */
static void shut_and_finish(struct eg_pipeline *p, struct eg_transaction *tx,
                            enum eg_lane_role role) {
        if (tx->leave_done)
                return;
        tx->leave_done = true;
        pl_timer_disarm(&tx->phase_timer);
        /* They are gone: the red light is not for whoever steps up next. */
        pl_indicate(p, EG_COLOUR_WHITE, EG_PATTERN_STEADY, PL_MSG_PLEASE_WAIT);
        for (unsigned r = EG_ROLE_ENTRY_DOOR; r <= EG_ROLE_EXIT_DOOR; r++) {
                struct eg_device *d = pl_role_device(p, tx, r);

                if (!d || (r != role && d->state == EG_DEVICE_FAULTED))
                        continue;
                if (pl_door_secure(p, tx, d->id, on_door_shut) == 0)
                        tx->doors_shutting++;
        }
        if (tx->doors_shutting == 0)
                pl_tx_finish(p, tx);
}

/* The operator's alarm for what happens once the record is written: an accepted traveller
 * sent back, one who cannot get out.  The record says only the decision, so the trail gets
 * the rest as a lane event of the transaction (pl_alarm() on a decided transaction). */
static void exit_alarm(struct eg_pipeline *p, struct eg_transaction *tx, const char *kind,
                       const char *reason) {
        pl_alarm(p, tx, reason, kind, reason);
}

/* ---- accepted ---- */

static void on_exit_timeout(struct eg_pipeline *p, struct eg_transaction *tx) {
        if (!pl_is_current(p, tx) || tx->phase != PL_PHASE_EXITING || tx->leave_done)
                return;
        log_lane(LOG_WARNING, 0, p->lane_name,
                 "transaction %s: the traveller has not left within exit-timeout-ms; the exit "
                 "stays open until the mantrap is empty",
                 tx->id);
        exit_alarm(p, tx, "exit-timeout", EG_REASON_EXIT_TIMEOUT);
}

static void on_exit_open(struct eg_pipeline *p, struct eg_transaction *tx, int status,
                         const char *message) {
        struct eg_device *d;

        if (!pl_is_current(p, tx) || tx->phase != PL_PHASE_EXITING || status == -ECANCELED)
                return;
        if (status < 0) {
                log_lane(LOG_ERR, status, p->lane_name,
                         "transaction %s: the exit door did not open (%s): the traveller goes "
                         "back through the entry door",
                         tx->id, message ? message : strerror(-status));
                exit_alarm(p, tx, "assistance", EG_REASON_EXIT_DOOR_FAULT);
                d = pl_role_device(p, tx, EG_ROLE_EXIT_DOOR);
                if (d && d->state != EG_DEVICE_FAULTED)
                        eg_device_fault(d, "the exit door failed to open");
                pl_referral_start(p, tx);
                return;
        }
        log_lane(LOG_INFO, 0, p->lane_name, "transaction %s: exit door open", tx->id);
        (void) pl_timer_arm(tx, &tx->phase_timer, tx->policy.exit_timeout_ms, on_exit_timeout);
        pl_leave_occupancy(p, tx);
}

void pl_exit_start(struct eg_pipeline *p, struct eg_transaction *tx) {
        struct eg_device *entry = pl_role_device(p, tx, EG_ROLE_ENTRY_DOOR);
        int r;

        pl_tx_set_phase(p, tx, PL_PHASE_EXITING);
        pl_clock_now(&tx->exit_clock);
        /* Checked at the decision; checked again now that the record is on disk. */
        if (pl_zone_count(p, "mantrap") != 1 || !entry || !pl_door_is_secured(p, entry->id)) {
                log_lane(LOG_ERR, 0, p->lane_name,
                         "transaction %s: accepted, but the mantrap changed before the exit "
                         "opened: the exit stays shut",
                         tx->id);
                exit_alarm(p, tx, "exit-not-safe", EG_REASON_EXIT_NOT_SAFE);
                pl_referral_start(p, tx);
                return;
        }
        pl_indicate(p, EG_COLOUR_GREEN, EG_PATTERN_STEADY, PL_MSG_EXIT);
        r = pl_door_open(p, tx, tx->devices[EG_ROLE_EXIT_DOOR], on_exit_open);
        if (r < 0)
                on_exit_open(p, tx, r, "cannot command the exit door");
}

/* ---- referred, or an alarm ---- */

static void came_in_anyway(struct eg_pipeline *p, struct eg_transaction *tx);

/* An entry door released on its fault (fail-safe) stands open: a traveller refused at the
 * reader who takes the passport back may walk in rather than away, and the mantrap shows it
 * only after the passport is gone.  The referral's timeout then tells. */
static bool entry_released(struct eg_pipeline *p, struct eg_transaction *tx) {
        struct eg_device *d = pl_role_device(p, tx, EG_ROLE_ENTRY_DOOR);

        return d && d->state == EG_DEVICE_FAULTED && !pl_door_is_secured(p, d->id);
}

static void on_referral_timeout(struct eg_pipeline *p, struct eg_transaction *tx) {
        if (!pl_is_current(p, tx) || tx->phase != PL_PHASE_REFERRING || tx->leave_done)
                return;
        if (!tx->entered && pl_zone_count(p, "mantrap") > 0) {
                came_in_anyway(p, tx);
                return;
        }
        if (!tx->entered) {
                /* The passport stays on the reader: the next traveller waits until it is gone. */
                p->need_document_removal = pl_document_present(p);
                shut_and_finish(p, tx, EG_ROLE_ENTRY_DOOR);
                return;
        }
        log_lane(LOG_WARNING, 0, p->lane_name,
                 "transaction %s: the referred traveller is still in the mantrap", tx->id);
        exit_alarm(p, tx, "assistance", EG_REASON_EXIT_TIMEOUT);
}

static void on_entry_back(struct eg_pipeline *p, struct eg_transaction *tx, int status,
                          const char *message) {
        if (!pl_is_current(p, tx) || tx->phase != PL_PHASE_REFERRING || status == -ECANCELED)
                return;
        if (status < 0) {
                /* Never the exit: an officer opens a door (OpenDoor) and escorts them. */
                log_lane(LOG_ERR, status, p->lane_name,
                         "transaction %s: the entry door does not open back (%s): the traveller "
                         "waits in the mantrap for an officer",
                         tx->id, message ? message : strerror(-status));
                exit_alarm(p, tx, "assistance", EG_REASON_ENTRY_DOOR_FAULT);
        }
        /* Nobody may be left to wait: a traveller who already went out (through a forced
         * exit, say) ends the transaction here. */
        pl_leave_occupancy(p, tx);
}

static void open_entry_back(struct eg_pipeline *p, struct eg_transaction *tx) {
        int r = pl_door_open(p, tx, tx->devices[EG_ROLE_ENTRY_DOOR], on_entry_back);

        if (r < 0)
                on_entry_back(p, tx, r, "cannot command the entry door");
}

/* Refused at the reader, and yet somebody is in the mantrap: an entry door that released on
 * its fault (fail-safe) let them in.  Closing it behind them would lock them in; they go back
 * the way they came like any referred traveller inside, never through the exit. */
static void came_in_anyway(struct eg_pipeline *p, struct eg_transaction *tx) {
        log_lane(LOG_WARNING, 0, p->lane_name,
                 "transaction %s: refused at the reader, but somebody is in the mantrap: the "
                 "entry door opens back for them",
                 tx->id);
        tx->entered = true;
        pl_indicate(p, EG_COLOUR_RED, EG_PATTERN_STEADY, PL_MSG_SEE_OFFICER);
        pl_timer_disarm(&tx->phase_timer);
        (void) pl_timer_arm(tx, &tx->phase_timer, tx->policy.exit_timeout_ms, on_referral_timeout);
        open_entry_back(p, tx);
}

void pl_referral_start(struct eg_pipeline *p, struct eg_transaction *tx) {
        pl_tx_set_phase(p, tx, PL_PHASE_REFERRING);
        pl_clock_now(&tx->exit_clock);
        /* Refer and alarm look the same to the traveller: the alarm is silent.  One who
         * already walked away with the document sees nothing; the next one must not. */
        if (!tx->document_taken || tx->entered)
                pl_indicate(p, EG_COLOUR_RED, EG_PATTERN_STEADY, PL_MSG_SEE_OFFICER);
        (void) pl_timer_arm(tx, &tx->phase_timer, tx->policy.exit_timeout_ms, on_referral_timeout);
        if (!tx->entered) {
                /* Refused before entering: the entry door, if it opened, closes again. */
                if (tx->entry_opened)
                        (void) pl_door_secure(p, tx, tx->devices[EG_ROLE_ENTRY_DOOR], NULL);
                pl_leave_occupancy(p, tx);
                return;
        }
        open_entry_back(p, tx);
}

/* Occupancy (or the document) changed while the traveller leaves. */
void pl_leave_occupancy(struct eg_pipeline *p, struct eg_transaction *tx) {
        if (!pl_is_current(p, tx) || tx->leave_done)
                return;
        switch (tx->phase) {
        case PL_PHASE_EXITING:
                if (pl_zone_count(p, "mantrap") > 1 && !tx->exit_intrusion) {
                        /* Somebody came in through the open exit (§9 step 20): the exit
                         * stays open until the mantrap is empty, nobody is locked in, and
                         * the operator is told at once. */
                        tx->exit_intrusion = true;
                        pl_alarm(p, tx, EG_REASON_EXIT_TAILGATE, "exit-tailgate",
                                 EG_REASON_EXIT_TAILGATE);
                }
                if (pl_mantrap_seen_empty(p))
                        shut_and_finish(p, tx, EG_ROLE_EXIT_DOOR);
                return;
        case PL_PHASE_REFERRING:
                if (!tx->entered && pl_zone_count(p, "mantrap") > 0) {
                        came_in_anyway(p, tx);
                        return;
                }
                if (!tx->entered) {
                        /* Refused at the reader: done when the document is taken back (a
                         * document there after they took theirs is the next traveller's). */
                        if ((!pl_document_present(p) || tx->document_taken) &&
                            !entry_released(p, tx))
                                shut_and_finish(p, tx, EG_ROLE_ENTRY_DOOR);
                        return;
                }
                /* Blind (no presence sensor serves), the lane would close the door on whoever
                 * is still inside: it waits, and exit-timeout-ms calls an officer, whose Abort
                 * ends the transaction. */
                if (pl_mantrap_seen_empty(p))
                        shut_and_finish(p, tx, EG_ROLE_ENTRY_DOOR);
                return;
        default:
                return;
        }
}
