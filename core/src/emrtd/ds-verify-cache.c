/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Successful Document Signer verifications, reused.
 *
 * A Document Signer signs the EF.SOD of thousands of passports, and
 * verifying its certificate against the CSCAs (chain building and an ECDSA
 * verification in X509_verify_cert()) costs about 65 us each time.  A
 * verdict is reused only where a new verification could not differ:
 *
 *  - The same certificate: the key is the SHA-256 of its DER.
 *
 *  - The same store: any change to it forgets every verdict (a new CRL may
 *    revoke a DS, a new CSCA may become its issuer).  A verification that
 *    began before a change is not remembered after it (the generation).
 *
 *  - The same outcome of every comparison with the check time t.
 *    X509_verify_cert() depends on t only through comparisons "t >= T" with
 *    the notBefore and notAfter of the DS and of the store's certificates,
 *    and the lastUpdate and nextUpdate of the store's CRLs.  Not only those
 *    of the chain and of the CRL it used: among CSCAs with the issuer's name
 *    the first one valid at t is picked, and among CRLs the newest valid at
 *    t, so a CSCA or CRL that becomes valid later can change the verdict
 *    while the chain and its CRL are still valid.  So every instant T of the
 *    store is recorded as its objects are added, and a verdict found at
 *    `at` is reused from the last instant at or before `at` up to the first
 *    one after it: there every comparison comes out as at `at`, and the
 *    verification would take the same path to the same verdict and notes.
 *    The verified chain's validity bounds the window as well (its
 *    certificates are the DS's and the store's, so this only guards the
 *    argument).
 *
 *  - Only X509_V_OK: failed and undetermined verifications are done again
 *    each time, and cost what they did.
 *
 * Times are converted to whole seconds; a time with a fraction of a second
 * (RFC 5280 forbids it, OpenSSL 3.0 rejects it) is recorded both rounded
 * down and rounded up, which can only narrow a window.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "ds-verify-cache.h"

#define CACHE_SIZE 16 /* Document Signers in use at once, as in sod-signer-cache.c */

struct verified_signer {
        uint8_t digest[SHA256_DIGEST_LENGTH];
        struct eg_ds_window window;
        struct eg_ds_verify_notes notes;
        uint64_t last_used; /* 0: a free slot */
};

struct eg_ds_verify_cache {
        pthread_mutex_t lock; /* guards everything below */
        struct verified_signer entries[CACHE_SIZE];
        uint64_t clock;
        uint64_t generation; /* counts changes of the store */
        time_t *instants; /* of the store's certificates and CRLs, unordered */
        size_t n_instants;
        size_t n_allocated;
        bool disabled; /* an instant of the store is unknown: nothing is reused */
        uint64_t hits;
        uint64_t misses;
};

int eg_ds_verify_cache_new(struct eg_ds_verify_cache **ret) {
        struct eg_ds_verify_cache *c = calloc(1, sizeof(*c));

        if (!c)
                return -ENOMEM;
        if (pthread_mutex_init(&c->lock, NULL) != 0) {
                free(c);
                return -ENOMEM;
        }
        *ret = c;
        return 0;
}

struct eg_ds_verify_cache *eg_ds_verify_cache_free(struct eg_ds_verify_cache *c) {
        if (c) {
                pthread_mutex_destroy(&c->lock);
                free(c->instants);
                free(c);
        }
        return NULL;
}

int eg_asn1_time_to_seconds(const ASN1_TIME *t, time_t *ret) {
        struct tm tm = {};
        time_t s;

        /* ASN1_TIME_to_tm() would take NULL for the current time. */
        if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
                return -EINVAL;
        s = timegm(&tm);
        if (s == (time_t) -1)
                return -EINVAL;
        *ret = s;
        return 0;
}

/* t in seconds since the epoch, rounded down and rounded up (see above). */
static int to_seconds(const ASN1_TIME *t, time_t *ret_down, time_t *ret_up) {
        time_t s;

        if (eg_asn1_time_to_seconds(t, &s) < 0)
                return -EINVAL;
        *ret_down = s;
        *ret_up = memchr(ASN1_STRING_get0_data(t), '.', (size_t) ASN1_STRING_length(t)) ? s + 1 : s;
        return 0;
}

static int record_instant(struct eg_ds_verify_cache *c, const ASN1_TIME *t) {
        time_t down, up;

        if (to_seconds(t, &down, &up) < 0)
                return -EINVAL;
        if (c->n_instants + 2 > c->n_allocated) {
                size_t n = c->n_allocated ? c->n_allocated * 2 : 64;
                time_t *p = reallocarray(c->instants, n, sizeof(*p));

                if (!p)
                        return -ENOMEM;
                c->instants = p;
                c->n_allocated = n;
        }
        c->instants[c->n_instants++] = down;
        if (up != down)
                c->instants[c->n_instants++] = up;
        return 0;
}

void eg_ds_verify_cache_store_changed(struct eg_ds_verify_cache *c, const ASN1_TIME *from,
                                      const ASN1_TIME *until) {
        pthread_mutex_lock(&c->lock);
        c->generation++;
        memset(c->entries, 0, sizeof(c->entries));
        /* Without every instant no window can be trusted, for this store's lifetime (it
         * only ever grows). */
        if (!c->disabled &&
            (record_instant(c, from) < 0 || (until && record_instant(c, until) < 0)))
                c->disabled = true;
        pthread_mutex_unlock(&c->lock);
}

int eg_ds_window_of_chain(STACK_OF(X509) * chain, time_t at, struct eg_ds_window *ret) {
        struct eg_ds_window w = {};
        int n = sk_X509_num(chain);

        if (n <= 0)
                return -EINVAL;
        for (int i = 0; i < n; i++) {
                X509 *x = sk_X509_value(chain, i);
                time_t nb_down, nb_up, na_down, na_up;

                if (to_seconds(X509_get0_notBefore(x), &nb_down, &nb_up) < 0 ||
                    to_seconds(X509_get0_notAfter(x), &na_down, &na_up) < 0)
                        return -EINVAL;
                /* Valid for notBefore <= t < notAfter: surely from notBefore rounded up
                 * to notAfter rounded down. */
                if (i == 0 || nb_up > w.from)
                        w.from = nb_up;
                if (i == 0 || na_down < w.until)
                        w.until = na_down;
        }
        if (at < w.from || at >= w.until)
                return -ERANGE; /* it did verify at `at`: a time this code reads otherwise */
        *ret = w;
        return 0;
}

bool eg_ds_verify_cache_get(struct eg_ds_verify_cache *c,
                            const uint8_t digest[static SHA256_DIGEST_LENGTH], time_t at,
                            struct eg_ds_verify_notes *ret_notes, uint64_t *ret_generation) {
        bool hit = false;

        pthread_mutex_lock(&c->lock);
        for (size_t i = 0; i < CACHE_SIZE; i++) {
                struct verified_signer *e = &c->entries[i];

                if (e->last_used != 0 && memcmp(e->digest, digest, SHA256_DIGEST_LENGTH) == 0 &&
                    at >= e->window.from && at < e->window.until) {
                        e->last_used = ++c->clock;
                        *ret_notes = e->notes;
                        hit = true;
                        break;
                }
        }
        if (hit)
                c->hits++;
        else
                c->misses++;
        *ret_generation = c->generation;
        pthread_mutex_unlock(&c->lock);
        return hit;
}

void eg_ds_verify_cache_put(struct eg_ds_verify_cache *c, uint64_t generation,
                            const uint8_t digest[static SHA256_DIGEST_LENGTH], time_t at,
                            const struct eg_ds_window *chain,
                            const struct eg_ds_verify_notes *notes) {
        struct eg_ds_window w = *chain;
        struct verified_signer *slot = NULL;

        pthread_mutex_lock(&c->lock);
        if (c->disabled || generation != c->generation)
                goto finish;
        for (size_t i = 0; i < c->n_instants; i++) {
                time_t t = c->instants[i];

                if (t <= at) {
                        if (t > w.from)
                                w.from = t;
                } else if (t < w.until)
                        w.until = t;
        }
        if (at < w.from || at >= w.until)
                goto finish; /* an empty chain window: nothing known */

        /* This DS's slot (its window has passed), else a free one, else the least
         * recently used. */
        for (size_t i = 0; i < CACHE_SIZE; i++) {
                struct verified_signer *e = &c->entries[i];

                if (e->last_used != 0 && memcmp(e->digest, digest, SHA256_DIGEST_LENGTH) == 0) {
                        slot = e;
                        break;
                }
                if (!slot || e->last_used < slot->last_used)
                        slot = e;
        }
        memcpy(slot->digest, digest, SHA256_DIGEST_LENGTH);
        slot->window = w;
        slot->notes = *notes;
        slot->last_used = ++c->clock;
finish:
        pthread_mutex_unlock(&c->lock);
}

void eg_ds_verify_cache_stats(struct eg_ds_verify_cache *c, uint64_t *ret_hits,
                              uint64_t *ret_misses) {
        pthread_mutex_lock(&c->lock);
        if (ret_hits)
                *ret_hits = c->hits;
        if (ret_misses)
                *ret_misses = c->misses;
        pthread_mutex_unlock(&c->lock);
}
