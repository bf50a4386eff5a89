/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The chip session's life, its transport (one CHIP_TRANSMIT operation per
 * APDU, protected when secure messaging is up) and chip access: EF.CardAccess
 * and PACE, or SELECT and BAC.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "atr.h"
#include "chip-session-internal.h"
#include "deadline.h"
#include "log.h"
#include "manager.h"

#define DEFAULT_APDU_TIMEOUT_MS 3000u
#define DEFAULT_FILE_TIMEOUT_MS 10000u
#define DEFAULT_TOTAL_TIMEOUT_MS 30000u
#define DEFAULT_MAX_FILE_SIZE (1024u * 1024u)
#define DEFAULT_EXTENDED_CHUNK 0xF000u

static const uint8_t lds_aid[] = { 0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01 };

static void start_bac(struct eg_chip_session *s);
static void on_challenge(struct eg_chip_session *s, const uint8_t *data, size_t len, uint16_t sw);

uint64_t chip_now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
}

const char *eg_chip_access_protocol_to_string(enum eg_chip_access_protocol p) {
        switch (p) {
        case EG_CHIP_ACCESS_BAC:
                return "bac";
        case EG_CHIP_ACCESS_PACE:
                return "pace";
        default:
                return "none";
        }
}

const char *eg_chip_auth_method_to_string(enum eg_chip_auth_method m) {
        switch (m) {
        case EG_CHIP_AUTH_CA:
                return "chip-authentication";
        case EG_CHIP_AUTH_AA:
                return "active-authentication";
        default:
                return "none";
        }
}

static void wipe_file(struct eg_chip_file *f) {
        if (f->data)
                eg_wipe(f->data, f->len);
        free(f->data);
        *f = (struct eg_chip_file){};
}

void eg_chip_read_result_free(struct eg_chip_read_result *r) {
        if (!r)
                return;
        wipe_file(&r->card_access);
        wipe_file(&r->com);
        wipe_file(&r->sod);
        for (unsigned i = 0; i <= EG_DG_MAX; i++)
                wipe_file(&r->dg[i]);
        eg_mrz_wipe(&r->mrz);
        free(r);
}

static void session_free(struct eg_chip_session *s) {
        if (s->listening)
                eg_manager_remove_listener(s->manager, s);
        sd_event_source_disable_unref(s->total_timer);
        sd_event_source_disable_unref(s->finish_source);
        eg_pace_free(s->pace);
        eg_security_infos_done(&s->si);
        eg_sm_clear(&s->sm);
        eg_bac_clear(&s->bac);
        eg_chip_auth_clear(&s->ca);
        if (s->file.buf) {
                eg_wipe(s->file.buf, s->file.size);
                free(s->file.buf);
        }
        eg_wipe(s->mrz_information, sizeof(s->mrz_information));
        eg_wipe(s->can, sizeof(s->can));
        if (s->plain)
                eg_wipe(s->plain, EG_RAPDU_MAX);
        free(s->plain);
        free(s->wire);
        eg_chip_read_result_free(s->result);
        eg_trust_store_unref(s->options.trust);
        free(s->device_id);
        free(s);
}

static int on_finish(sd_event_source *source, void *userdata) {
        struct eg_chip_session *s = userdata;
        eg_chip_session_done_fn done = s->done;
        void *userdata_done = s->userdata;
        struct eg_chip_read_result *r;

        chip_enter_phase(s, CHIP_PHASE_DONE);
        r = TAKE_PTR(s->result);
        r->timings.total_usec = chip_now_usec() - s->started_usec;
        log_device(LOG_INFO, 0, s->device_id,
                   "chip read finished in %" PRIu64 " ms: access %s, read %s, PA %s%s%s, "
                   "authenticity %s; %u APDUs",
                   r->timings.total_usec / 1000, eg_check_result_to_string(r->access.result),
                   eg_check_result_to_string(r->read.result),
                   eg_check_result_to_string(r->pa.check.result), r->pa.check.reason ? " " : "",
                   r->pa.check.reason ? r->pa.check.reason : "",
                   eg_check_result_to_string(r->authenticity.result), r->n_apdus);
        session_free(s);
        done(r, userdata_done);
        return 0;
}

/* Deliver the result from the loop, once nothing is in flight. */
static void schedule_finish(struct eg_chip_session *s) {
        if (sd_event_source_set_enabled(s->finish_source, SD_EVENT_ONESHOT) < 0)
                log_device(LOG_ERR, 0, s->device_id, "cannot schedule the chip result");
}

static bool may_disconnect(const struct eg_chip_session *s) {
        return !s->cancel_requested && !s->chip_removed && !s->device_gone && !s->timed_out &&
               s->phase != CHIP_PHASE_CONNECT && s->phase != CHIP_PHASE_DISCONNECT;
}

/* A verdict is in: end the in-flight operation, switch the field off, deliver. */
static void chip_stop(struct eg_chip_session *s) {
        s->stopping = true;
        if (s->op) {
                /* Its callback (-ECANCELED) comes back here with op == 0. */
                (void) eg_operation_cancel(s->manager, s->op);
                return;
        }
        if (may_disconnect(s))
                chip_disconnect(s);
        else
                schedule_finish(s);
}

struct eg_check *chip_phase_check(struct eg_chip_session *s) {
        switch (s->phase) {
        case CHIP_PHASE_CONNECT:
        case CHIP_PHASE_ACCESS:
                return &s->result->access;
        case CHIP_PHASE_READ:
                return &s->result->read;
        default:
                return &s->result->authenticity;
        }
}

void chip_fail(struct eg_chip_session *s, enum eg_check_result result, const char *reason,
               const char *fmt, ...) {
        struct eg_check *c = chip_phase_check(s);
        va_list ap;

        if (s->stopping)
                return; /* the first verdict stands */
        c->result = result;
        c->reason = reason;
        va_start(ap, fmt);
        (void) vsnprintf(c->detail, sizeof(c->detail), fmt, ap);
        va_end(ap);
        log_device(LOG_NOTICE, 0, s->device_id, "chip read %s: %s%s%s",
                   eg_check_result_to_string(result), c->detail, reason ? " " : "",
                   reason ? reason : "");
        chip_stop(s);
}

void chip_enter_phase(struct eg_chip_session *s, enum chip_phase phase) {
        uint64_t now = chip_now_usec(), spent = now - s->phase_started_usec;
        struct eg_chip_timings *t = &s->result->timings;

        switch (s->phase) {
        case CHIP_PHASE_CONNECT:
                t->connect_usec += spent;
                break;
        case CHIP_PHASE_ACCESS:
                t->access_usec += spent;
                break;
        case CHIP_PHASE_READ:
                t->read_usec += spent;
                break;
        case CHIP_PHASE_PA:
                t->pa_usec += spent;
                break;
        case CHIP_PHASE_AUTH:
                t->auth_usec += spent;
                break;
        default:
                break;
        }
        s->phase = phase;
        s->phase_started_usec = now;
}

/* Why an operation ended without an answer, as a verdict for the phase. */
static void transport_failure(struct eg_chip_session *s, const struct eg_op_outcome *o) {
        const char *what = s->what ? s->what : "the chip";
        bool access = s->phase <= CHIP_PHASE_ACCESS;

        if (s->phase == CHIP_PHASE_CONNECT && o->status == -ENOMSG)
                chip_fail(s, EG_CHECK_FAILED, EG_REASON_CHIP_NOT_FOUND, "%s",
                          o->message ? o->message : "no chip in the field");
        else if (s->chip_removed || o->status == -ENOMSG) {
                s->chip_removed = s->result->chip_removed = true;
                chip_fail(s, EG_CHECK_ABORTED,
                          access ? EG_REASON_CHIP_NOT_FOUND : EG_REASON_CHIP_READ_FAIL,
                          "chip removed during %s", what);
        } else if (o->status == -ECANCELED) {
                s->result->cancelled = true;
                chip_fail(s, EG_CHECK_ABORTED, NULL, "cancelled during %s", what);
        } else if (o->status == -ENODEV) {
                s->device_gone = true;
                chip_fail(s, EG_CHECK_ABORTED,
                          access ? EG_REASON_CHIP_NOT_FOUND : EG_REASON_CHIP_READ_FAIL,
                          "chip reader went away during %s", what);
        } else if (o->status == -ETIMEDOUT) {
                s->timed_out = true;
                chip_fail(s, EG_CHECK_ABORTED, EG_REASON_CHIP_TIMEOUT,
                          "no answer to %s within %u ms", what, s->options.apdu_timeout_ms);
        } else
                chip_fail(s, EG_CHECK_FAILED,
                          access ? EG_REASON_CHIP_ACCESS_FAIL : EG_REASON_CHIP_READ_FAIL,
                          "%s failed: %s", what, o->message ? o->message : strerror(-o->status));
}

static void on_transmit(struct eg_chip_session *s, const struct eg_op_outcome *o) {
        const uint8_t *data = o->data;
        size_t len = o->data_len;
        const char *reason = NULL;
        uint16_t sw;
        int r;

        s->result->bytes_received += len;
        if (eg_sm_active(&s->sm)) {
                r = eg_sm_unwrap(&s->sm, data, len, s->plain, EG_RAPDU_MAX, &len, &sw, &reason);
                if (r < 0) {
                        if (s->phase == CHIP_PHASE_AUTH &&
                            s->result->auth_method == EG_CHIP_AUTH_CA)
                                chip_fail(s, EG_CHECK_FAILED, EG_REASON_CHIP_CLONE_SUSPECT,
                                          "Chip Authentication: %s", reason);
                        else
                                chip_fail(s, EG_CHECK_FAILED,
                                          s->phase <= CHIP_PHASE_ACCESS ? EG_REASON_CHIP_ACCESS_FAIL
                                                                        : EG_REASON_CHIP_READ_FAIL,
                                          "%s: %s", s->what, reason ? reason : "bad answer");
                        return;
                }
                data = s->plain;
        } else {
                if (eg_rapdu_sw(data, len, &sw) < 0) {
                        chip_fail(s, EG_CHECK_FAILED,
                                  s->phase <= CHIP_PHASE_ACCESS ? EG_REASON_CHIP_ACCESS_FAIL
                                                                : EG_REASON_CHIP_READ_FAIL,
                                  "%s: answer shorter than a status word", s->what);
                        return;
                }
                len -= 2;
        }
        if (s->probing) {
                s->probing = false;
                s->probed = true;
                if (sw == EG_SW_WRONG_LENGTH || sw == EG_SW_WRONG_P1P2 ||
                    sw == EG_SW_INS_NOT_SUPPORTED || sw == EG_SW_CLA_NOT_SUPPORTED) {
                        log_device(LOG_INFO, 0, s->device_id,
                                   "ATR claims extended length, chip refuses it (SW %04X): "
                                   "short APDUs only",
                                   sw);
                        s->extended = s->result->extended_length = false;
                        (void) chip_send(s, &s->probe_cmd, s->what, s->on_response);
                        return;
                }
        }
        s->on_response(s, len > 0 ? data : NULL, len, sw);
}

static void on_connected(struct eg_chip_session *s, const struct eg_op_outcome *o);

static void on_op_done(struct eg_manager *m, const char *device_id, eg_op_id op,
                       struct eg_op_outcome *o, void *userdata) {
        struct eg_chip_session *s = userdata;

        s->op = 0;
        if (s->phase == CHIP_PHASE_DISCONNECT) {
                schedule_finish(s);
                return;
        }
        if (s->stopping) {
                chip_stop(s);
                return;
        }
        if (o->status < 0 || s->chip_removed) {
                transport_failure(s, o);
                return;
        }
        if (s->op_kind == EG_OP_CHIP_CONNECT)
                on_connected(s, o);
        else
                on_transmit(s, o);
}

static int start_op(struct eg_chip_session *s, const struct eg_op_args *args, uint32_t timeout) {
        int r;

        r = eg_operation_start(s->manager, s->device_id, args, timeout, on_op_done, s, &s->op);
        if (r < 0) {
                struct eg_op_outcome o = { .status = r, .fd = -1 };
                s->op = 0;
                transport_failure(s, &o);
                return r;
        }
        s->op_kind = args->kind;
        return 0;
}

int chip_send(struct eg_chip_session *s, const struct eg_capdu *c, const char *what,
              chip_response_fn fn) {
        struct eg_op_args args = { .size = sizeof(args), .kind = EG_OP_CHIP_TRANSMIT };
        struct eg_capdu probe;
        size_t n = 0;
        int r;

        s->what = what;
        if (s->extended && !s->probed && !eg_sm_active(&s->sm) && c->lc > 0 &&
            c->lc <= sizeof(s->probe_data)) {
                /* Same command, extended encoding; the short one goes again if refused. */
                s->probe_cmd = *c;
                memcpy(s->probe_data, c->data, c->lc);
                s->probe_cmd.data = s->probe_data;
                probe = *c;
                probe.extended = true;
                c = &probe;
                s->probing = true;
        }
        if (eg_sm_active(&s->sm))
                r = eg_sm_wrap(&s->sm, c, s->wire, EG_CAPDU_MAX, &n);
        else {
                r = eg_capdu_encode(c, s->wire, EG_CAPDU_MAX);
                n = r > 0 ? (size_t) r : 0;
        }
        if (r < 0) {
                chip_fail(s, EG_CHECK_FAILED,
                          s->phase <= CHIP_PHASE_ACCESS ? EG_REASON_CHIP_ACCESS_FAIL
                                                        : EG_REASON_CHIP_READ_FAIL,
                          "cannot build %s: %s", what, strerror(-r));
                return r;
        }
        args.data = s->wire;
        args.data_len = n;
        struct eg_capdu sent;
        s->sent_extended = eg_capdu_parse(s->wire, n, &sent) == 0 && sent.extended;
        s->on_response = fn;
        r = start_op(s, &args, s->options.apdu_timeout_ms);
        if (r < 0)
                return r;
        s->result->n_apdus++;
        s->result->bytes_sent += n;
        return 0;
}

void chip_disconnect(struct eg_chip_session *s) {
        struct eg_op_args args = { .size = sizeof(args), .kind = EG_OP_CHIP_DISCONNECT };

        chip_enter_phase(s, CHIP_PHASE_DISCONNECT);
        s->what = "CHIP_DISCONNECT";
        s->op_kind = EG_OP_CHIP_DISCONNECT;
        /* Best effort: the result stands whatever the reader says. */
        if (eg_operation_start(s->manager, s->device_id, &args, s->options.apdu_timeout_ms,
                               on_op_done, s, &s->op) < 0) {
                s->op = 0;
                schedule_finish(s);
        }
}

/* --- access: PACE or BAC --- */

static void access_granted(struct eg_chip_session *s) {
        struct eg_chip_read_result *r = s->result;

        r->sm_cipher = s->sm.cipher;
        eg_check_set(&r->access, EG_CHECK_SUCCESSFUL, NULL, "%s, %s secure messaging",
                     r->access_protocol == EG_CHIP_ACCESS_PACE ? "PACE" : "BAC",
                     eg_cipher_to_string(s->sm.cipher));
        log_device(LOG_DEBUG, 0, s->device_id, "chip access: %s", r->access.detail);
        chip_start_reading(s);
}

static void on_select_aid(struct eg_chip_session *s, const uint8_t *data, size_t len, uint16_t sw) {
        if (sw != EG_SW_OK) {
                chip_fail(s, EG_CHECK_FAILED, EG_REASON_CHIP_ACCESS_FAIL,
                          "eMRTD application not selectable (SW %04X)", sw);
                return;
        }
        if (s->result->access_protocol == EG_CHIP_ACCESS_PACE)
                access_granted(s);
        else {
                struct eg_capdu c;
                eg_bac_get_challenge_command(&c);
                (void) chip_send(s, &c, "GET CHALLENGE", on_challenge);
        }
}

static void select_aid(struct eg_chip_session *s) {
        struct eg_capdu c = {
                .ins = 0xA4, .p1 = 0x04, .p2 = 0x0C, .data = lds_aid, .lc = sizeof(lds_aid)
        };

        (void) chip_send(s, &c, "SELECT eMRTD application", on_select_aid);
}

static void on_mutual_auth(struct eg_chip_session *s, const uint8_t *data, size_t len,
                           uint16_t sw) {
        const char *reason = NULL;

        if (sw != EG_SW_OK) {
                /* 6300 on real chips, 6988 on some emulators: the MRZ key is wrong. */
                chip_fail(s, EG_CHECK_FAILED, EG_REASON_CHIP_ACCESS_FAIL,
                          "BAC refused by the chip (SW %04X): MRZ does not match the chip", sw);
                return;
        }
        if (eg_bac_finish(&s->bac, data, len, &s->sm, &reason) < 0) {
                chip_fail(s, EG_CHECK_FAILED, EG_REASON_CHIP_ACCESS_FAIL, "BAC: %s", reason);
                return;
        }
        eg_bac_clear(&s->bac);
        s->result->access_protocol = EG_CHIP_ACCESS_BAC;
        access_granted(s);
}

static void on_challenge(struct eg_chip_session *s, const uint8_t *data, size_t len, uint16_t sw) {
        uint8_t auth[EG_BAC_MUTUAL_AUTH_LEN];
        struct eg_capdu c;

        if (sw != EG_SW_OK || len != 8) {
                chip_fail(s, EG_CHECK_FAILED, EG_REASON_CHIP_ACCESS_FAIL,
                          "GET CHALLENGE refused (SW %04X, %zu bytes)", sw, len);
                return;
        }
        if (eg_bac_init(&s->bac, s->mrz_information) < 0 ||
            eg_bac_mutual_auth_data(&s->bac, data, NULL, NULL, auth) < 0) {
                chip_fail(s, EG_CHECK_FAILED, EG_REASON_CHIP_ACCESS_FAIL,
                          "MRZ information unusable as a BAC key");
                return;
        }
        memcpy(s->cmd, auth, sizeof(auth));
        eg_wipe(auth, sizeof(auth));
        eg_bac_mutual_auth_command(s->cmd, &c);
        (void) chip_send(s, &c, "MUTUAL AUTHENTICATE", on_mutual_auth);
}

static void start_bac(struct eg_chip_session *s) {
        select_aid(s);
}

static void pace_next(struct eg_chip_session *s);

static void on_pace_response(struct eg_chip_session *s, const uint8_t *data, size_t len,
                             uint16_t sw) {
        const char *reason = NULL;
        int r = eg_pace_handle_response(s->pace, data, len, sw, &reason);

        if (r < 0) {
                chip_fail(s, EG_CHECK_FAILED, EG_REASON_CHIP_ACCESS_FAIL, "PACE: %s%s",
                          reason ? reason : "protocol error",
                          r == -EACCES ? (s->can[0] ? " (CAN)" : " (MRZ)") : "");
                return;
        }
        pace_next(s);
}

static void pace_next(struct eg_chip_session *s) {
        const char *reason = NULL;
        struct eg_capdu c;
        int r = eg_pace_next_command(s->pace, &c, &reason);

        if (r > 0) {
                (void) chip_send(
                        s, &c, c.ins == 0x22 ? "MSE:Set AT (PACE)" : "GENERAL AUTHENTICATE (PACE)",
                        on_pace_response);
                return;
        }
        if (r == 0)
                r = eg_pace_session(s->pace, &s->sm);
        s->pace = eg_pace_free(s->pace);
        if (r < 0) {
                chip_fail(s, EG_CHECK_FAILED, EG_REASON_CHIP_ACCESS_FAIL, "PACE: %s",
                          reason ? reason : "cannot derive session keys");
                return;
        }
        s->result->access_protocol = EG_CHIP_ACCESS_PACE;
        /* After PACE the application is selected under secure messaging. */
        select_aid(s);
}

static void on_card_access(struct eg_chip_session *s, int r) {
        const struct eg_chip_file *ca = &s->result->card_access;
        const char *reason = NULL;

        if (r < 0 || !eg_pace_supported(ca->data, ca->len)) {
                log_device(LOG_DEBUG, 0, s->device_id, "no usable PACE offer (%s): BAC",
                           r < 0 ? strerror(-r) : "EF.CardAccess");
                start_bac(s);
                return;
        }
        r = eg_pace_new(ca->data, ca->len, s->can[0] ? EG_PACE_CAN : EG_PACE_MRZ,
                        s->can[0] ? s->can : s->mrz_information, &s->pace, &reason);
        if (r < 0) {
                log_device(LOG_DEBUG, 0, s->device_id, "PACE not possible (%s): BAC",
                           reason ? reason : strerror(-r));
                start_bac(s);
                return;
        }
        pace_next(s);
}

static void on_connected(struct eg_chip_session *s, const struct eg_op_outcome *o) {
        struct eg_chip_read_result *r = s->result;

        r->atr_len = o->data_len < sizeof(r->atr) ? o->data_len : sizeof(r->atr);
        if (r->atr_len > 0)
                memcpy(r->atr, o->data, r->atr_len);
        s->extended = eg_atr_extended_length(r->atr, r->atr_len);
        r->extended_length = s->extended;
        chip_enter_phase(s, CHIP_PHASE_ACCESS);

        if (s->options.prefer_pace || s->can[0])
                chip_read_file(s, 0x011C, "EF.CardAccess", &r->card_access, on_card_access);
        else
                start_bac(s);
}

/* --- life --- */

static void on_device_event(struct eg_device *d, const struct eg_event *e, void *userdata) {
        struct eg_chip_session *s = userdata;

        if (e->type != EG_EVENT_CHIP_REMOVED || !streq(d->id, s->device_id))
                return;
        s->chip_removed = true;
        if (s->op && !s->stopping)
                (void) eg_operation_cancel(s->manager, s->op);
}

static void on_device_removed(struct eg_device *d, void *userdata) {
        struct eg_chip_session *s = userdata;

        if (streq(d->id, s->device_id))
                s->device_gone = true;
}

static int on_total_timeout(sd_event_source *source, uint64_t usec, void *userdata) {
        struct eg_chip_session *s = userdata;

        s->timed_out = true;
        chip_fail(s, EG_CHECK_ABORTED, EG_REASON_CHIP_TIMEOUT,
                  "chip read took longer than %u ms (during %s)", s->options.total_timeout_ms,
                  s->what ? s->what : "connect");
        return 0;
}

static void not_reached(struct eg_check *c) {
        eg_check_set(c, EG_CHECK_ABORTED, NULL, "not reached");
}

int eg_chip_session_start(struct eg_manager *m, const char *device_id,
                          const struct eg_chip_session_options *o, eg_chip_session_done_fn done,
                          void *userdata, struct eg_chip_session **ret) {
        struct eg_manager_listener l = { .device_event = on_device_event,
                                         .device_removed = on_device_removed };
        struct eg_op_args args = { .size = sizeof(args), .kind = EG_OP_CHIP_CONNECT };
        struct eg_chip_session *s;
        struct eg_device *d;
        int r;

        if (!m || !device_id || !o || !done || !o->mrz_information ||
            strlen(o->mrz_information) > EG_MRZ_INFORMATION_MAX ||
            (o->can && strlen(o->can) >= sizeof(s->can)))
                return -EINVAL;
        d = eg_device_find(m, device_id);
        if (!d)
                return -ENODEV;
        if (d->device_class != EG_CLASS_CHIP_READER)
                return -EOPNOTSUPP;

        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->manager = m;
        s->done = done;
        s->userdata = userdata;
        s->options = *o;
        s->options.trust = eg_trust_store_ref(o->trust);
        s->options.mrz_information = NULL;
        s->options.can = NULL;
        if (!s->options.apdu_timeout_ms)
                s->options.apdu_timeout_ms = DEFAULT_APDU_TIMEOUT_MS;
        if (!s->options.file_timeout_ms)
                s->options.file_timeout_ms = DEFAULT_FILE_TIMEOUT_MS;
        if (!s->options.total_timeout_ms)
                s->options.total_timeout_ms = DEFAULT_TOTAL_TIMEOUT_MS;
        if (!s->options.max_file_size)
                s->options.max_file_size = DEFAULT_MAX_FILE_SIZE;
        if (!s->options.extended_chunk || s->options.extended_chunk > DEFAULT_EXTENDED_CHUNK)
                s->options.extended_chunk = DEFAULT_EXTENDED_CHUNK;
        snprintf(s->mrz_information, sizeof(s->mrz_information), "%s", o->mrz_information);
        if (o->can)
                snprintf(s->can, sizeof(s->can), "%s", o->can);
        s->device_id = strdup(device_id);
        s->result = calloc(1, sizeof(*s->result));
        s->wire = malloc(EG_CAPDU_MAX);
        s->plain = malloc(EG_RAPDU_MAX);
        if (!s->device_id || !s->result || !s->wire || !s->plain) {
                session_free(s);
                return -ENOMEM;
        }
        not_reached(&s->result->access);
        not_reached(&s->result->read);
        not_reached(&s->result->pa.check);
        not_reached(&s->result->authenticity);

        r = sd_event_add_defer(m->event, &s->finish_source, on_finish, s);
        if (r >= 0)
                r = sd_event_source_set_enabled(s->finish_source, SD_EVENT_OFF);
        if (r >= 0)
                r = sd_event_add_time_relative(
                        m->event, &s->total_timer, CLOCK_MONOTONIC,
                        (uint64_t) s->options.total_timeout_ms * 1000u,
                        eg_deadline_accuracy_usec((uint64_t) s->options.total_timeout_ms * 1000u),
                        on_total_timeout, s);
        if (r < 0) {
                session_free(s);
                return r;
        }
        l.userdata = s;
        r = eg_manager_add_listener(m, &l);
        if (r < 0) {
                session_free(s);
                return r;
        }
        s->listening = true;

        s->started_usec = s->phase_started_usec = chip_now_usec();
        s->phase = CHIP_PHASE_CONNECT;
        s->what = "CHIP_CONNECT";
        r = eg_operation_start(m, device_id, &args, s->options.apdu_timeout_ms, on_op_done, s,
                               &s->op);
        if (r < 0) {
                session_free(s);
                return r;
        }
        s->op_kind = EG_OP_CHIP_CONNECT;
        log_device(LOG_DEBUG, 0, s->device_id, "chip read started");
        if (ret)
                *ret = s;
        return 0;
}

void eg_chip_session_cancel(struct eg_chip_session *s) {
        if (!s || s->stopping)
                return;
        s->cancel_requested = true;
        s->result->cancelled = true;
        chip_fail(s, EG_CHECK_ABORTED, NULL, "cancelled during %s", s->what ? s->what : "start");
}
