/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Trust anchors for passive authentication: Country Signing CA (CSCA)
 * certificates from a directory or an ICAO master list, and CRLs.  The
 * Document Signer certificate from EF.SOD is verified against them at a
 * given time, and the outcome mapped to the pipeline's reason codes.
 */
#pragma once

#include <openssl/x509.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "check-result.h"

struct eg_ds_verify_cache;

struct eg_trust_store {
        unsigned n_ref; /* the loop thread's references: a reload swaps stores under sessions */
        X509_STORE *store;
        unsigned n_csca;
        unsigned n_crl;
        /* DS certificates found trusted (ds-verify-cache.c): filled in through the const
         * store eg_trust_store_verify_ds() is given, emptied by every change to the store. */
        struct eg_ds_verify_cache *verified;
};

/* What a directory load did, for the caller to log. */
struct eg_trust_load_report {
        unsigned n_loaded;
        unsigned n_failed;
        char first_failure[256]; /* "FILE: why" */
};

/* A new store with one reference.  References are taken and dropped on one thread (the
 * loop's); verifications may run on any. */
int eg_trust_store_new(struct eg_trust_store **ret);
struct eg_trust_store *eg_trust_store_ref(struct eg_trust_store *ts);
struct eg_trust_store *eg_trust_store_unref(struct eg_trust_store *ts);

int eg_trust_store_add_csca(struct eg_trust_store *ts, X509 *csca);
/* -EBADMSG for a CRL whose lastUpdate or nextUpdate does not read as a time. */
int eg_trust_store_add_crl(struct eg_trust_store *ts, X509_CRL *crl);

/* Every regular file in dir: PEM (one or more objects) or DER.  Files that
 * do not parse, or hold only refused CRLs, are counted in the report; -errno only if
 * dir cannot be read. */
int eg_trust_store_load_csca_dir(struct eg_trust_store *ts, const char *dir,
                                 struct eg_trust_load_report *report);
int eg_trust_store_load_crl_dir(struct eg_trust_store *ts, const char *dir,
                                struct eg_trust_load_report *report);

/*
 * An ICAO CSCA master list (Doc 9303 Part 12 §9): CMS SignedData with
 * content type id-icao-cscaMasterList holding a SET OF Certificate.  The
 * signature must verify with the embedded master list signer certificate,
 * and that certificate must chain to a CSCA: one already in the store if
 * signer_trusted_only, else one in the list itself (the file's integrity
 * then rests on how it was obtained).  Returns the number of CSCAs added,
 * or -EBADMSG / -EKEYREJECTED with *reason.
 */
int eg_trust_store_add_master_list(struct eg_trust_store *ts, const uint8_t *buf, size_t len,
                                   bool signer_trusted_only, const char **reason);

/*
 * Verify a Document Signer certificate at time `at`.  Result in *ret:
 *   successful                          chains to a CSCA, valid, not revoked
 *   undetermined  U_PA_NO_CSCA          no CSCA for its issuer
 *   failed        E_PA_CERT_EXPIRED     DS or CSCA outside its validity at `at`
 *   failed        E_PA_DS_REVOKED       listed on its CSCA's CRL
 *   failed        E_PA_DS_UNTRUSTED     bad signature, not a CA, ...
 * A CSCA without a CRL, or a stale CRL, is noted in the detail but does not
 * fail the check (freshness of the PKI lists is the lane's E_PKI_STALE).
 *
 * A success is remembered and given again for the same DS (by the SHA-256 of
 * its DER) at times when a new verification could not differ, until the
 * store changes.  Safe to call from several threads at once.
 */
void eg_trust_store_verify_ds(const struct eg_trust_store *ts, X509 *ds, time_t at,
                              struct eg_check *ret);

/*
 * When the store's revocation lists go stale: of each issuer's newest CRL (the
 * latest lastUpdate), the earliest nextUpdate.  *ret_due is 0 when no CRL in the
 * store has a nextUpdate.  *ret_issuer (may be NULL) gets that CRL's issuer on one
 * line, or NULL.  -ENOMEM, or -EBADMSG for a CRL date OpenSSL cannot convert.
 */
int eg_trust_store_crl_due(const struct eg_trust_store *ts, time_t *ret_due, char **ret_issuer);

/* How many eg_trust_store_verify_ds() calls reused a verdict, and how many
 * verified (tests, benchmarks). */
void eg_trust_store_cache_stats(const struct eg_trust_store *ts, uint64_t *ret_hits,
                                uint64_t *ret_misses);
