/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * After reading: passive authentication, then the chip's authenticity by
 * Chip Authentication (DG14) or else Active Authentication (DG15), each only
 * with a key whose data group passed PA (a key from an unverified DG proves
 * nothing), then the field goes off.
 */
#include <errno.h>
#include <openssl/objects.h>
#include <string.h>

#include "active-auth.h"
#include "chip-session-internal.h"
#include "lds.h"
#include "log.h"

static bool dg_authentic(const struct eg_chip_session *s, unsigned dg) {
        const struct eg_pa_result *pa = &s->result->pa;

        return pa->signature.result == EG_CHECK_SUCCESSFUL &&
               (pa->dgs_verified & (UINT32_C(1) << dg));
}

static void authenticity(struct eg_chip_session *s, enum eg_check_result result, const char *reason,
                         const char *detail) {
        eg_check_set(&s->result->authenticity, result, reason, "%s", detail);
        chip_disconnect(s);
}

/* --- Active Authentication --- */

static void on_internal_authenticate(struct eg_chip_session *s, const uint8_t *data, size_t len,
                                     uint16_t sw) {
        const struct eg_chip_file *dg15 = &s->result->dg[15];
        const char *reason = NULL;
        char detail[EG_CHECK_DETAIL_MAX];
        int r;

        if (sw != EG_SW_OK) {
                snprintf(detail, sizeof(detail),
                         "Active Authentication: chip refused INTERNAL AUTHENTICATE (SW %04X)", sw);
                authenticity(s, EG_CHECK_FAILED, EG_REASON_CHIP_CLONE_SUSPECT, detail);
                return;
        }
        r = eg_aa_verify(dg15->data, dg15->len, s->si.has_aa_info ? s->si.aa_digest_nid : NID_undef,
                         s->aa_challenge, data, len, &reason);
        if (r < 0) {
                snprintf(detail, sizeof(detail), "Active Authentication: %s", reason);
                authenticity(s, EG_CHECK_FAILED, EG_REASON_CHIP_CLONE_SUSPECT, detail);
                return;
        }
        authenticity(s, EG_CHECK_SUCCESSFUL, NULL, "Active Authentication verified");
}

static void start_aa(struct eg_chip_session *s) {
        struct eg_capdu c;
        int r;

        s->result->auth_method = EG_CHIP_AUTH_AA;
        if (!dg_authentic(s, 15)) {
                authenticity(s, EG_CHECK_UNDETERMINED, NULL,
                             "DG15 not verified by passive authentication: Active "
                             "Authentication would prove nothing");
                return;
        }
        if (eg_random_bytes(s->aa_challenge, sizeof(s->aa_challenge)) < 0) {
                authenticity(s, EG_CHECK_UNDETERMINED, NULL, "no random challenge available");
                return;
        }
        r = eg_aa_signature_length(s->result->dg[15].data, s->result->dg[15].len);
        eg_aa_command(s->aa_challenge, r > 0 ? (size_t) r : 0, &c);
        (void) chip_send(s, &c, "INTERNAL AUTHENTICATE", on_internal_authenticate);
}

/* --- Chip Authentication --- */

static void ca_next(struct eg_chip_session *s);

static void on_ca_proof(struct eg_chip_session *s, const uint8_t *data, size_t len, uint16_t sw) {
        const struct eg_chip_file *com = &s->result->com, *dg1 = &s->result->dg[1];
        const struct eg_chip_file *ref = com->data ? com : dg1;
        char detail[EG_CHECK_DETAIL_MAX];

        if (sw != EG_SW_OK || len != 4 || ref->len < 4 || memcmp(data, ref->data, 4) != 0) {
                snprintf(detail, sizeof(detail),
                         "Chip Authentication: chip cannot answer under the new keys (SW %04X)",
                         sw);
                authenticity(s, EG_CHECK_FAILED, EG_REASON_CHIP_CLONE_SUSPECT, detail);
                return;
        }
        snprintf(detail, sizeof(detail), "Chip Authentication verified (%s)",
                 eg_cipher_to_string(s->sm.cipher));
        s->result->sm_cipher = s->sm.cipher;
        authenticity(s, EG_CHECK_SUCCESSFUL, NULL, detail);
}

static void on_ca_response(struct eg_chip_session *s, const uint8_t *data, size_t len,
                           uint16_t sw) {
        const char *reason = NULL;
        char detail[EG_CHECK_DETAIL_MAX];

        if (eg_chip_auth_check_response(&s->ca, s->ca_step, data, len, sw, &reason) < 0) {
                snprintf(detail, sizeof(detail), "Chip Authentication: %s (SW %04X)", reason, sw);
                authenticity(s, EG_CHECK_FAILED, EG_REASON_CHIP_CLONE_SUSPECT, detail);
                return;
        }
        s->ca_step++;
        ca_next(s);
}

static void ca_next(struct eg_chip_session *s) {
        struct eg_capdu c;

        if (s->ca_step < eg_chip_auth_n_commands(&s->ca)) {
                eg_chip_auth_command(&s->ca, s->ca_step, &c);
                (void) chip_send(s, &c, c.ins == 0x86 ? "GENERAL AUTHENTICATE (CA)" : "MSE (CA)",
                                 on_ca_response);
                return;
        }
        /* New keys, SSC 0.  The proof: re-read the first bytes of a file we know,
         * by short EF identifier, under them. */
        if (eg_chip_auth_session(&s->ca, &s->sm) < 0) {
                authenticity(s, EG_CHECK_UNDETERMINED, NULL, "cannot restart secure messaging");
                return;
        }
        eg_chip_auth_clear(&s->ca);
        c = (struct eg_capdu){ .ins = 0xB0,
                               .p1 = s->result->com.data ? 0x80 | 0x1E : 0x80 | 0x01,
                               .le = 4 };
        (void) chip_send(s, &c, "READ BINARY (CA proof)", on_ca_proof);
}

static void start_chip_authentication(struct eg_chip_session *s) {
        const struct eg_chip_file *dg14 = &s->result->dg[14], *dg15 = &s->result->dg[15];
        const char *reason = NULL;
        int r = -EOPNOTSUPP;

        chip_enter_phase(s, CHIP_PHASE_AUTH);
        if (dg14->data && eg_security_infos_parse_dg14(dg14->data, dg14->len, &s->si, &reason) < 0)
                log_device(LOG_NOTICE, 0, s->device_id, "DG14 unusable: %s", reason);

        if (s->si.has_ca_info) {
                if (!dg_authentic(s, 14)) {
                        s->result->auth_method = EG_CHIP_AUTH_CA;
                        authenticity(s, EG_CHECK_UNDETERMINED, NULL,
                                     "DG14 not verified by passive authentication: Chip "
                                     "Authentication would prove nothing");
                        return;
                }
                r = eg_chip_auth_prepare(&s->ca, &s->si, &reason);
                if (r < 0)
                        log_device(LOG_INFO, 0, s->device_id, "no Chip Authentication: %s", reason);
        }
        if (r >= 0) {
                s->result->auth_method = EG_CHIP_AUTH_CA;
                s->ca_step = 0;
                ca_next(s);
                return;
        }
        if (dg15->data) {
                start_aa(s);
                return;
        }
        authenticity(s, EG_CHECK_NOT_SUPPORTED, EG_REASON_CHIP_AUTH_UNSUPPORTED,
                     "the chip offers neither Chip nor Active Authentication");
}

void chip_start_verification(struct eg_chip_session *s) {
        struct eg_chip_read_result *r = s->result;
        struct eg_pa_input in = { .sod = r->sod.data,
                                  .sod_len = r->sod.len,
                                  .issuing_state = r->have_mrz ? r->mrz.issuing_state : NULL,
                                  .at = s->options.check_time };
        chip_enter_phase(s, CHIP_PHASE_PA);
        for (unsigned dg = 1; dg <= EG_DG_MAX; dg++) {
                in.dg[dg] = r->dg[dg].data;
                in.dg_len[dg] = r->dg[dg].len;
        }
        eg_pa_verify(s->options.trust, &in, &r->pa);
        log_device(LOG_DEBUG, 0, s->device_id, "passive authentication %s: %s",
                   eg_check_result_to_string(r->pa.check.result), r->pa.check.detail);
        start_chip_authentication(s);
}
