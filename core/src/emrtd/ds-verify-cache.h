/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Document Signer certificates a trust store has already found trusted, so
 * that the same DS is not verified again for every passport it signed
 * (ds-verify-cache.c says when a verdict may be reused).  One per trust
 * store; every function may be called from any thread.
 */
#pragma once

#include <openssl/sha.h>
#include <openssl/x509.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

struct eg_ds_verify_cache;

/* What a successful verification says in its detail besides "trusted". */
struct eg_ds_verify_notes {
        bool crl_missing;
        bool crl_stale;
};

/* The times [from, until) over which a verified chain's certificates are all valid. */
struct eg_ds_window {
        time_t from;
        time_t until;
};

/* An ASN.1 time (UTCTime or GeneralizedTime) in whole seconds since the epoch, fractions
 * dropped; -EINVAL for NULL or a string OpenSSL cannot read (it parses certificates and
 * CRLs without checking their dates). */
int eg_asn1_time_to_seconds(const ASN1_TIME *t, time_t *ret);

int eg_ds_verify_cache_new(struct eg_ds_verify_cache **ret);
struct eg_ds_verify_cache *eg_ds_verify_cache_free(struct eg_ds_verify_cache *c);

/*
 * The store has changed (call it after the change): every verdict is
 * forgotten.  from and until are the certificate's notBefore and notAfter,
 * or the CRL's lastUpdate and nextUpdate (until NULL: none).
 */
void eg_ds_verify_cache_store_changed(struct eg_ds_verify_cache *c, const ASN1_TIME *from,
                                      const ASN1_TIME *until);

/* The validity window of a chain that verified at `at`; -EINVAL if a time does not convert. */
int eg_ds_window_of_chain(STACK_OF(X509) * chain, time_t at, struct eg_ds_window *ret);

/*
 * A DS (SHA-256 of its DER) found trusted at a time in the window of a
 * cached verification: true with its notes.  On a miss, *ret_generation is
 * to be handed to eg_ds_verify_cache_put() after the verification.
 */
bool eg_ds_verify_cache_get(struct eg_ds_verify_cache *c,
                            const uint8_t digest[static SHA256_DIGEST_LENGTH], time_t at,
                            struct eg_ds_verify_notes *ret_notes, uint64_t *ret_generation);

/* Remember a successful verification at `at` (X509_V_OK only), unless the
 * store changed since the eg_ds_verify_cache_get() that gave `generation`. */
void eg_ds_verify_cache_put(struct eg_ds_verify_cache *c, uint64_t generation,
                            const uint8_t digest[static SHA256_DIGEST_LENGTH], time_t at,
                            const struct eg_ds_window *chain,
                            const struct eg_ds_verify_notes *notes);

void eg_ds_verify_cache_stats(struct eg_ds_verify_cache *c, uint64_t *ret_hits,
                              uint64_t *ret_misses);
