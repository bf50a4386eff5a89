/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Steps 15-18 (domain notes §9): fingerprint 1:1 against the member's
 * enrolled templates, offering the next enrolled finger after a failure, up
 * to fingerprint-attempts; face capture and 1:1 against the member's
 * reference image beside it, up to face-attempts, when the policy asks
 * (face-verification = yes, or auto with a camera, a comparator and a
 * reference).  Every comparison is recorded with its score and threshold.
 * A device whose presentation attack detection rejects the sample raises a
 * silent alarm at once (A_FP_PAD_ALARM, A_FACE_PAD_ALARM); a frame with several
 * faces is captured again, and alerts the operator when the last one still has them
 * (A_MULTI_FACE).
 *
 * The traveller's pace is the policy's business (fingerprint-timeout-ms,
 * face-timeout-ms: a timer per attempt that cancels the capture); the
 * device's own deadline is longer, so a slow traveller never faults the
 * scanner, while a scanner that stops answering still does.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device.h"
#include "face-matcher.h"
#include "lane.h"
#include "log.h"
#include "manager.h"
#include "pipeline-internal.h"
#include "reasons.h"

static void fp_attempt(struct eg_pipeline *p, struct eg_transaction *tx);
static void face_attempt(struct eg_pipeline *p, struct eg_transaction *tx);

/* Both modalities have answered (or one failed for good): on to the decision. */
static void biometrics_progress(struct eg_pipeline *p, struct eg_transaction *tx) {
        if (!pl_is_current(p, tx) || tx->phase != PL_PHASE_VERIFYING || tx->decided)
                return;
        if (tx->fp_done && !tx->fp_ok) {
                pl_refer(p, tx,
                         tx->n_reasons ? tx->reasons[tx->n_reasons - 1] : EG_REASON_FP_NO_MATCH);
                return;
        }
        if (tx->face_wanted && tx->face_done && !tx->face_ok) {
                pl_refer(p, tx,
                         tx->n_reasons ? tx->reasons[tx->n_reasons - 1] : EG_REASON_FACE_NO_MATCH);
                return;
        }
        if (!tx->fp_done || (tx->face_wanted && !tx->face_done))
                return;
        pl_decide(p, tx);
}

/* What every fingerprint attempt's step records; callers add a score when there is one. */
static struct pl_step_info fp_step(const struct eg_transaction *tx, enum eg_check_result result,
                                   const char *reason, const char *detail) {
        return (struct pl_step_info){
                .step = "fingerprint",
                .result = result,
                .reason = reason,
                .detail = detail,
                .clock = &tx->fp_clock,
                .attempt = tx->fp_attempts,
                .device = tx->devices[EG_ROLE_FINGERPRINT_SCANNER],
                .timeout_ms = tx->policy.fingerprint_timeout_ms,
        };
}

/* The same for a face attempt; the policy's threshold goes in the record with a score. */
static struct pl_step_info face_step(const struct eg_transaction *tx, enum eg_check_result result,
                                     const char *reason, const char *detail) {
        return (struct pl_step_info){
                .step = "face",
                .result = result,
                .reason = reason,
                .detail = detail,
                .clock = &tx->face_clock,
                .attempt = tx->face_attempts,
                .device = tx->devices[EG_ROLE_CAMERA],
                .timeout_ms = tx->policy.face_timeout_ms,
                .threshold = tx->policy.face_threshold,
        };
}

/*
 * The scanner's, camera's or face comparator's presentation attack detection found an
 * artefact: the step fails with the alert and a silent alarm decides the transaction,
 * whatever a comparison said (a fake made from the member's own finger matches).  The
 * traveller sees a plain referral.
 */
static void presentation_attack(struct eg_pipeline *p, struct eg_transaction *tx,
                                const struct pl_step_info *s) {
        pl_tx_step(tx, s);
        pl_alarm(p, tx, s->reason, "presentation-attack", s->reason);
}

static void face_presentation_attack(struct eg_pipeline *p, struct eg_transaction *tx,
                                     const char *detail) {
        struct pl_step_info s = face_step(tx, EG_CHECK_FAILED, EG_REASON_FACE_PAD_ALARM, detail);

        pl_timer_disarm(&tx->face_timer);
        tx->face_done = true;
        presentation_attack(p, tx, &s);
}

/* ---- fingerprint ---- */

static void fp_failed_attempt(struct eg_pipeline *p, struct eg_transaction *tx, const char *reason,
                              const char *detail, bool has_score, double score, double threshold) {
        struct pl_step_info step = fp_step(tx, EG_CHECK_FAILED, reason, detail);

        step.has_score = has_score;
        step.score = score;
        step.threshold = threshold;
        pl_tx_step(tx, &step);
        if (tx->fp_attempts < tx->policy.fingerprint_attempts) {
                fp_attempt(p, tx);
                return;
        }
        pl_tx_add_reason(tx, reason);
        tx->fp_done = true;
        tx->fp_ok = false;
        biometrics_progress(p, tx);
}

static void on_fp_timeout(struct eg_pipeline *p, struct eg_transaction *tx) {
        if (!pl_is_current(p, tx) || tx->phase != PL_PHASE_VERIFYING || tx->fp_done)
                return;
        if (tx->fp_op)
                (void) eg_operation_cancel(p->manager, tx->fp_op);
        tx->fp_op = 0;
        fp_failed_attempt(p, tx, EG_REASON_FP_TIMEOUT,
                          "no finger on the scanner within fingerprint-timeout-ms", false, 0, 0);
}

static void on_fp(struct eg_pipeline *p, struct eg_transaction *tx, struct eg_op_outcome *o) {
        struct pl_step_info step;
        double threshold;
        bool match;
        char detail[EG_CHECK_DETAIL_MAX];

        if (o->status == -ECANCELED || !pl_is_current(p, tx) || tx->phase != PL_PHASE_VERIFYING ||
            tx->fp_done || tx->decided)
                return;
        tx->fp_op = 0;
        pl_timer_disarm(&tx->fp_timer);

        switch (o->status) {
        case 0:
                break;
        case -EAGAIN:
                fp_failed_attempt(p, tx, EG_REASON_FP_QUALITY,
                                  o->message ? o->message : "poor quality", false, 0, 0);
                return;
        case -EOPNOTSUPP:
        case -EINVAL:
                fp_failed_attempt(p, tx, EG_REASON_FP_NO_TEMPLATE,
                                  "the scanner cannot compare this template", false, 0, 0);
                return;
        case -ETIMEDOUT:
        case -ENODEV:
                return; /* the scanner failed: device_lost() refers */
        default:
                fp_failed_attempt(p, tx, EG_REASON_FP_QUALITY,
                                  o->message ? o->message : strerror(-o->status), false, 0, 0);
                return;
        }

        /* An override threshold is the policy's calibration (target FMR) for this scanner. */
        threshold = tx->policy.fingerprint_threshold > 0 ? tx->policy.fingerprint_threshold
                                                         : o->threshold;
        match = tx->policy.fingerprint_threshold > 0 ? o->score >= threshold : o->match;
        if (o->presentation_attack) {
                (void) snprintf(detail, sizeof(detail),
                                "the scanner's presentation attack detection rejected the "
                                "finger (score %.1f, threshold %.1f)",
                                o->score, threshold);
                tx->fp_done = true;
                step = fp_step(tx, EG_CHECK_FAILED, EG_REASON_FP_PAD_ALARM, detail);
                step.has_score = true;
                step.score = o->score;
                step.threshold = threshold;
                presentation_attack(p, tx, &step);
                return;
        }
        (void) snprintf(detail, sizeof(detail), "score %.1f, threshold %.1f", o->score, threshold);
        if (!match) {
                fp_failed_attempt(p, tx, EG_REASON_FP_NO_MATCH, detail, true, o->score, threshold);
                return;
        }
        step = fp_step(tx, EG_CHECK_SUCCESSFUL, NULL, detail);
        step.has_score = true;
        step.score = o->score;
        step.threshold = threshold;
        pl_tx_step(tx, &step);
        tx->fp_done = true;
        tx->fp_ok = true;
        biometrics_progress(p, tx);
}

static void fp_attempt(struct eg_pipeline *p, struct eg_transaction *tx) {
        const struct eg_member_finger *t;
        struct eg_op_args args = { .size = sizeof(args), .kind = EG_OP_FINGER_VERIFY };
        size_t i = tx->fp_attempts % tx->n_fingers;
        int r;

        tx->fp_attempts++;
        t = tx->templates[i];
        args.data = t->data;
        args.data_len = t->len;
        args.format = t->format;
        args.finger = tx->fingers[i];
        pl_indicate(p, EG_COLOUR_WHITE, EG_PATTERN_STEADY,
                    PL_MSG_PLACE_FINGER_BASE + tx->fingers[i]);
        pl_clock_now(&tx->fp_clock);
        r = pl_op_start(p, tx, tx->devices[EG_ROLE_FINGERPRINT_SCANNER], &args,
                        tx->policy.fingerprint_timeout_ms + PL_DEVICE_GRACE_MS, on_fp, &tx->fp_op);
        if (r < 0) {
                tx->fp_op = 0;
                pl_tx_step_simple(tx, "fingerprint", &tx->fp_clock, EG_CHECK_ABORTED,
                                  EG_REASON_DEVICE_FAULT, "the scanner refused");
                pl_tx_add_reason(tx, EG_REASON_DEVICE_FAULT);
                tx->fp_done = true;
                tx->fp_ok = false;
                biometrics_progress(p, tx);
                return;
        }
        (void) pl_timer_arm(tx, &tx->fp_timer, tx->policy.fingerprint_timeout_ms, on_fp_timeout);
}

/* The templates to offer: the policy's enrolled fingers, in its order, that the member has. */
static void choose_fingers(struct eg_transaction *tx) {
        tx->n_fingers = 0;
        for (char **f = tx->policy.enrolled_fingers; f && *f; f++) {
                int position = eg_finger_position_from_string(*f);

                if (position < 0 || tx->n_fingers >= PL_MAX_FINGERS)
                        continue;
                for (size_t i = 0; tx->member && i < tx->member->n_fingers; i++)
                        if (tx->member->fingers[i].position == position &&
                            tx->member->fingers[i].data && tx->member->fingers[i].len > 0) {
                                tx->fingers[tx->n_fingers] = position;
                                tx->templates[tx->n_fingers++] = &tx->member->fingers[i];
                                break;
                        }
        }
}

/* ---- face ---- */

static void face_failed_attempt(struct eg_pipeline *p, struct eg_transaction *tx,
                                const char *reason, const char *detail, bool has_score,
                                double score) {
        struct pl_step_info step = face_step(tx, EG_CHECK_FAILED, reason, detail);

        step.has_score = has_score;
        step.score = score;
        pl_tx_step(tx, &step);
        if (tx->face_attempts < tx->policy.face_attempts) {
                face_attempt(p, tx);
                return;
        }
        pl_tx_add_reason(tx, reason);
        tx->face_done = true;
        tx->face_ok = false;
        biometrics_progress(p, tx);
}

/* The comparator could not say (down, silent, or answering nonsense): the face step is
 * undetermined, not a failed match, and ends here.  Another capture would only wait for
 * the same comparator; the traveller is referred all the same, since face-verification
 * wanted the step. */
static void face_unavailable(struct eg_pipeline *p, struct eg_transaction *tx) {
        struct pl_step_info step =
                face_step(tx, EG_CHECK_UNDETERMINED, EG_REASON_FACE_COMPARATOR_UNAVAILABLE,
                          "the face comparator is unavailable");

        pl_tx_step(tx, &step);
        pl_tx_add_reason(tx, EG_REASON_FACE_COMPARATOR_UNAVAILABLE);
        tx->face_done = true;
        tx->face_ok = false;
        biometrics_progress(p, tx);
}

/*
 * More than one face in the frame (BSI TR-03121: face capture detects them and guides the
 * traveller to appear alone), counted by the camera or, where only the vendor's SDK
 * detects faces, by the comparator: the frame is not scored; the traveller is asked to
 * stand alone while attempts remain, and if the last capture still shows several faces
 * the operator is alerted silently.
 */
static void several_faces(struct eg_pipeline *p, struct eg_transaction *tx, uint32_t faces) {
        struct pl_step_info step;
        char detail[EG_CHECK_DETAIL_MAX];

        (void) snprintf(detail, sizeof(detail), "%" PRIu32 " faces in the frame", faces);
        step = face_step(tx, EG_CHECK_FAILED, EG_REASON_MULTI_FACE, detail);
        pl_tx_step(tx, &step);
        if (tx->face_attempts < tx->policy.face_attempts) {
                pl_indicate(p, EG_COLOUR_WHITE, EG_PATTERN_STEADY, PL_MSG_ONE_PERSON);
                face_attempt(p, tx);
                return;
        }
        tx->face_done = true;
        pl_alarm(p, tx, EG_REASON_MULTI_FACE, "multi-face", detail);
}

struct face_call {
        struct eg_pipeline *p;
        struct eg_transaction *tx;
};

static void on_compare(int status, double score, uint32_t faces, void *userdata) {
        struct face_call *c = userdata;
        struct eg_pipeline *p = c->p;
        struct eg_transaction *tx = c->tx;
        struct pl_step_info step;
        char detail[EG_CHECK_DETAIL_MAX];

        free(c);
        tx->face_comparing = false;
        if (status == -ECANCELED || !pl_is_current(p, tx) || tx->phase != PL_PHASE_VERIFYING ||
            tx->face_done || tx->decided)
                goto finish;
        pl_timer_disarm(&tx->face_timer);
        if (status == -EHOSTDOWN) {
                face_unavailable(p, tx);
                goto finish;
        }
        if (status == -EACCES) {
                face_presentation_attack(p, tx,
                                         "the face comparator's presentation attack detection "
                                         "rejected the face");
                goto finish;
        }
        if (status == -ETOOMANYREFS) {
                several_faces(p, tx, faces);
                goto finish;
        }
        if (status < 0) {
                face_failed_attempt(p, tx,
                                    status == -ENOMSG ? EG_REASON_FACE_NOT_DETECTED
                                                      : EG_REASON_FACE_QUALITY,
                                    "the comparator could not use the frame", false, 0);
                goto finish;
        }
        (void) snprintf(detail, sizeof(detail), "score %.1f, threshold %u", score,
                        tx->policy.face_threshold);
        if (score < tx->policy.face_threshold) {
                face_failed_attempt(p, tx, EG_REASON_FACE_NO_MATCH, detail, true, score);
                goto finish;
        }
        step = face_step(tx, EG_CHECK_SUCCESSFUL, NULL, detail);
        step.has_score = true;
        step.score = score;
        pl_tx_step(tx, &step);
        tx->face_done = true;
        tx->face_ok = true;
        biometrics_progress(p, tx);
finish:
        pl_tx_unref(tx);
        pl_unref(p);
}

static void on_capture(struct eg_pipeline *p, struct eg_transaction *tx, struct eg_op_outcome *o) {
        struct eg_face_matcher *fm = p->manager->face_matcher;
        struct face_call *c;
        int r;

        if (o->status == -ECANCELED || !pl_is_current(p, tx) || tx->phase != PL_PHASE_VERIFYING ||
            tx->face_done || tx->decided)
                return; /* the frame (o->fd) is closed with the outcome */
        tx->face_op = 0;
        if (o->status == -ETIMEDOUT || o->status == -ENODEV)
                return; /* the camera failed: device_lost() refers */
        /* With or without a frame: the camera has spoken. */
        if (o->status == 0 && o->presentation_attack) {
                face_presentation_attack(p, tx,
                                         "the camera's presentation attack detection rejected "
                                         "the face");
                return;
        }
        if (o->status == 0 && o->faces > 1) {
                pl_timer_disarm(&tx->face_timer);
                several_faces(p, tx, o->faces);
                return;
        }
        if (o->status < 0 || o->fd < 0) {
                pl_timer_disarm(&tx->face_timer);
                face_failed_attempt(p, tx,
                                    o->status == -ENOMSG ? EG_REASON_FACE_NOT_DETECTED
                                                         : EG_REASON_FACE_QUALITY,
                                    o->message ? o->message : "no frame", false, 0);
                return;
        }
        c = calloc(1, sizeof(*c));
        if (!c) {
                face_failed_attempt(p, tx, EG_REASON_FACE_QUALITY, "out of memory", false, 0);
                return;
        }
        c->p = pl_ref(p);
        c->tx = pl_tx_ref(tx);
        r = fm->ops->compare(fm->matcher, o->fd, o->format, tx->member->face, tx->member->face_len,
                             tx->member->face_mime, on_compare, c, &tx->face_request);
        /* The comparator has read or duplicated the frame: it goes with the outcome now. */
        if (r < 0) {
                pl_tx_unref(c->tx);
                pl_unref(c->p);
                free(c);
                pl_timer_disarm(&tx->face_timer);
                face_failed_attempt(p, tx, EG_REASON_FACE_QUALITY,
                                    "the comparator refused the frame", false, 0);
                return;
        }
        tx->face_comparing = true;
}

static void on_face_timeout(struct eg_pipeline *p, struct eg_transaction *tx) {
        struct eg_face_matcher *fm = p->manager->face_matcher;

        if (!pl_is_current(p, tx) || tx->phase != PL_PHASE_VERIFYING || tx->face_done)
                return;
        if (tx->face_op)
                (void) eg_operation_cancel(p->manager, tx->face_op);
        tx->face_op = 0;
        if (tx->face_comparing && fm && fm->ops->cancel)
                fm->ops->cancel(fm->matcher, tx->face_request);
        face_failed_attempt(p, tx, EG_REASON_FACE_TIMEOUT, "no usable face within face-timeout-ms",
                            false, 0);
}

static void face_attempt(struct eg_pipeline *p, struct eg_transaction *tx) {
        struct eg_op_args args = { .size = sizeof(args), .kind = EG_OP_CAMERA_CAPTURE };
        int r;

        tx->face_attempts++;
        pl_clock_now(&tx->face_clock);
        r = pl_op_start(p, tx, tx->devices[EG_ROLE_CAMERA], &args,
                        tx->policy.face_timeout_ms + PL_DEVICE_GRACE_MS, on_capture, &tx->face_op);
        if (r < 0) {
                tx->face_op = 0;
                pl_tx_step_simple(tx, "face", &tx->face_clock, EG_CHECK_ABORTED,
                                  EG_REASON_DEVICE_FAULT, "the camera refused");
                pl_tx_add_reason(tx, EG_REASON_DEVICE_FAULT);
                tx->face_done = true;
                tx->face_ok = false;
                biometrics_progress(p, tx);
                return;
        }
        (void) pl_timer_arm(tx, &tx->face_timer, tx->policy.face_timeout_ms, on_face_timeout);
}

/* Whether the face step runs; if it cannot, whether that refers (face-verification = yes). */
static bool face_plan(struct eg_pipeline *p, struct eg_transaction *tx, const char **ret_why) {
        struct eg_device *camera = pl_role_device(p, tx, EG_ROLE_CAMERA);

        *ret_why = NULL;
        if (tx->policy.face_verification == 0)
                return false;
        if (!camera)
                *ret_why = "the lane has no camera";
        else if (!p->manager->face_matcher)
                *ret_why = "no face comparator is configured";
        else if (!tx->member || !tx->member->face || tx->member->face_len == 0)
                *ret_why = "the member has no reference image";
        return !*ret_why;
}

void pl_biometric_start(struct eg_pipeline *p, struct eg_transaction *tx) {
        const char *why;
        struct pl_clock clock;

        pl_tx_set_phase(p, tx, PL_PHASE_VERIFYING);
        tx->face_wanted = face_plan(p, tx, &why);
        if (why) {
                bool required = tx->policy.face_verification == 1;

                pl_clock_now(&clock);
                pl_tx_step_simple(tx, "face", &clock,
                                  required ? EG_CHECK_FAILED : EG_CHECK_NOT_SUPPORTED,
                                  EG_REASON_FACE_UNSUPPORTED, why);
                if (required) {
                        pl_tx_add_reason(tx, EG_REASON_FACE_UNSUPPORTED);
                        pl_refer(p, tx, EG_REASON_FACE_UNSUPPORTED);
                        return;
                }
        }

        choose_fingers(tx);
        if (tx->n_fingers == 0) {
                pl_clock_now(&clock);
                pl_tx_step_simple(tx, "fingerprint", &clock, EG_CHECK_FAILED,
                                  EG_REASON_FP_NO_TEMPLATE,
                                  "no template for any finger in enrolled-fingers");
                pl_tx_add_reason(tx, EG_REASON_FP_NO_TEMPLATE);
                tx->fp_done = true;
                tx->fp_ok = false;
                biometrics_progress(p, tx);
                return;
        }
        /* Face capture beside the fingerprint: the traveller looks up while the finger is down. */
        if (tx->face_wanted)
                face_attempt(p, tx);
        if (pl_is_current(p, tx) && tx->phase == PL_PHASE_VERIFYING && !tx->decided)
                fp_attempt(p, tx);
}
