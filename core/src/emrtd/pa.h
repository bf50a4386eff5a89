/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Passive authentication (ICAO Doc 9303 Part 11 §5.1, TR-03110-1 §1.1):
 * EF.SOD signature, Document Signer trust, data group hashes, and the
 * issuing state in DG1 against the DS certificate's country.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "check-result.h"
#include "sod.h"
#include "trust-store.h"

struct eg_pa_input {
        const uint8_t *sod; /* EF.SOD as read, tag 77 included */
        size_t sod_len;
        const uint8_t *dg[EG_DG_MAX + 1]; /* data groups as read (tag included), NULL if not */
        size_t dg_len[EG_DG_MAX + 1];
        const char *issuing_state; /* DG1's issuing state ("KOR", "D<<"); NULL: no check */
        time_t at; /* the check time; 0 = now */
};

struct eg_pa_result {
        /* The verdict: the first failed part (signature, hashes, signer,
         * issuer), else the first undetermined one, else successful. */
        struct eg_check check;
        struct eg_check signature; /* E_PA_SOD_SIG */
        struct eg_check hashes; /* E_PA_DG_HASH */
        struct eg_check signer; /* U_PA_NO_CSCA, E_PA_DS_UNTRUSTED/_REVOKED, E_PA_CERT_EXPIRED */
        struct eg_check issuer; /* E_PA_ISSUER_MISMATCH; undetermined (no reason) when the
                                    * state code has no ISO 3166 equivalent: not counted */
        int digest_nid;
        uint32_t dgs_in_sod; /* bit n: DG n has a hash in EF.SOD */
        uint32_t dgs_verified; /* bit n: DG n read and its hash matched */
        uint32_t dgs_mismatch; /* bit n: DG n read and its hash did not match (or no hash) */
        char ds_country[3]; /* C= of the DS certificate, "" if none */
};

void eg_pa_verify(const struct eg_trust_store *ts, const struct eg_pa_input *in,
                  struct eg_pa_result *ret);
