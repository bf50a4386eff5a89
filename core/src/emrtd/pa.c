/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <openssl/objects.h>
#include <strings.h>

#include "country-codes.h"
#include "pa.h"

static void check_hashes(const struct eg_sod *sod, const struct eg_pa_input *in,
                         struct eg_pa_result *ret) {
        unsigned first_bad = 0, n_read = 0;
        bool unlisted = false;

        for (unsigned dg = 1; dg <= EG_DG_MAX; dg++) {
                if (!in->dg[dg])
                        continue;
                n_read++;
                int r = eg_sod_check_dg(sod, dg, in->dg[dg], in->dg_len[dg]);
                if (r == 0) {
                        ret->dgs_verified |= UINT32_C(1) << dg;
                        continue;
                }
                ret->dgs_mismatch |= UINT32_C(1) << dg;
                if (first_bad == 0) {
                        first_bad = dg;
                        unlisted = r == -ENOENT;
                }
        }

        if (first_bad > 0)
                eg_check_set(&ret->hashes, EG_CHECK_FAILED, EG_REASON_PA_DG_HASH,
                             unlisted ? "DG%u was read but EF.SOD has no hash for it"
                                      : "DG%u does not match its hash in EF.SOD",
                             first_bad);
        else if (n_read == 0)
                eg_check_set(&ret->hashes, EG_CHECK_UNDETERMINED, EG_REASON_PA_DG_HASH,
                             "no data group to check");
        else
                eg_check_set(&ret->hashes, EG_CHECK_SUCCESSFUL, NULL,
                             "%u data group(s) match EF.SOD (%s)", n_read,
                             OBJ_nid2sn(sod->digest_nid));
}

static void check_issuer(const struct eg_sod *sod, const struct eg_pa_input *in,
                         struct eg_pa_result *ret) {
        const char *want;
        int n;

        n = X509_NAME_get_text_by_NID(X509_get_subject_name(sod->signer), NID_countryName,
                                      ret->ds_country, sizeof(ret->ds_country));
        if (n != 2) {
                ret->ds_country[0] = '\0';
                eg_check_set(&ret->issuer, EG_CHECK_UNDETERMINED, NULL,
                             "document signer certificate has no two-letter country");
                return;
        }
        want = eg_country_alpha2(in->issuing_state);
        if (!want) {
                eg_check_set(&ret->issuer, EG_CHECK_UNDETERMINED, NULL,
                             "issuing state code has no ISO 3166 equivalent");
                return;
        }
        if (strcasecmp(want, ret->ds_country) != 0) {
                eg_check_set(&ret->issuer, EG_CHECK_FAILED, EG_REASON_PA_ISSUER_MISMATCH,
                             "DG1 issuing state (%s) differs from the document signer's "
                             "country (%s)",
                             want, ret->ds_country);
                return;
        }
        eg_check_set(&ret->issuer, EG_CHECK_SUCCESSFUL, NULL, "issuing state matches (%s)", want);
}

static void verdict(struct eg_pa_result *ret) {
        const struct eg_check *parts[] = { &ret->signature, &ret->hashes, &ret->signer,
                                           &ret->issuer };

        for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
                if (parts[i]->result == EG_CHECK_FAILED) {
                        ret->check = *parts[i];
                        return;
                }
        for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
                if (parts[i]->result != EG_CHECK_SUCCESSFUL && parts[i]->reason) {
                        ret->check = *parts[i];
                        return;
                }
        eg_check_set(&ret->check, EG_CHECK_SUCCESSFUL, NULL, "passive authentication passed");
}

void eg_pa_verify(const struct eg_trust_store *ts, const struct eg_pa_input *in,
                  struct eg_pa_result *ret) {
        struct eg_sod *sod = NULL;
        const char *reason = NULL;
        int r;

        *ret = (struct eg_pa_result){};
        eg_check_set(&ret->hashes, EG_CHECK_UNDETERMINED, NULL, "not checked");
        eg_check_set(&ret->signer, EG_CHECK_UNDETERMINED, NULL, "not checked");
        eg_check_set(&ret->issuer, EG_CHECK_UNDETERMINED, NULL, "not checked");

        if (!in || !in->sod) {
                eg_check_set(&ret->signature, EG_CHECK_FAILED, EG_REASON_PA_SOD_SIG,
                             "EF.SOD was not read");
                ret->check = ret->signature;
                return;
        }
        r = eg_sod_parse(in->sod, in->sod_len, &sod, &reason);
        if (r < 0) {
                eg_check_set(&ret->signature, EG_CHECK_FAILED, EG_REASON_PA_SOD_SIG, "%s",
                             reason ? reason : "EF.SOD cannot be parsed");
                ret->check = ret->signature;
                return;
        }
        ret->digest_nid = sod->digest_nid;
        ret->dgs_in_sod = sod->dg_mask;

        r = eg_sod_verify_signature(sod, &reason);
        if (r == -ENOKEY) {
                /* Nothing to verify with: not a forgery, but not proven either. */
                eg_check_set(&ret->signature, EG_CHECK_UNDETERMINED, EG_REASON_PA_NO_CSCA, "%s",
                             reason);
                ret->check = ret->signature;
                eg_sod_free(sod);
                return;
        }
        if (r < 0) {
                eg_check_set(&ret->signature, EG_CHECK_FAILED, EG_REASON_PA_SOD_SIG, "%s",
                             reason ? reason : "EF.SOD signature does not verify");
                ret->check = ret->signature;
                eg_sod_free(sod);
                return;
        }
        eg_check_set(&ret->signature, EG_CHECK_SUCCESSFUL, NULL, "EF.SOD signature verified");

        check_hashes(sod, in, ret);
        eg_trust_store_verify_ds(ts, sod->signer, in->at ? in->at : time(NULL), &ret->signer);
        if (in->issuing_state)
                check_issuer(sod, in, ret);
        else
                eg_check_set(&ret->issuer, EG_CHECK_UNDETERMINED, NULL, "DG1 not available");

        verdict(ret);
        eg_sod_free(sod);
}
