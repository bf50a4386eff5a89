/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The freshness of a trust store's revocation lists.  A CSCA issues a new CRL
 * before its current one's nextUpdate; a gate whose newest CRL of an issuer is
 * past that date no longer knows which Document Signers were revoked since.
 * An older CRL of the same issuer, left in the directory beside its successor,
 * says nothing about freshness: only each issuer's newest one counts.
 */
#include <errno.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ds-verify-cache.h"
#include "macro.h"
#include "trust-store.h"

/* Sorts by issuer, and within an issuer newest (latest lastUpdate) first. */
static int compare_crls(const void *a, const void *b) {
        const X509_CRL *x = *(X509_CRL *const *) a, *y = *(X509_CRL *const *) b;
        int c = X509_NAME_cmp(X509_CRL_get_issuer(x), X509_CRL_get_issuer(y));

        if (c != 0)
                return c;
        return ASN1_TIME_compare(X509_CRL_get0_lastUpdate(y), X509_CRL_get0_lastUpdate(x));
}

static char *issuer_line(const X509_CRL *crl) {
        char *line = X509_NAME_oneline(X509_CRL_get_issuer(crl), NULL, 0);
        char *copy;

        if (!line)
                return NULL;
        /* The caller frees with free(), not OPENSSL_free(). */
        copy = strdup(line);
        OPENSSL_free(line);
        return copy;
}

int eg_trust_store_crl_due(const struct eg_trust_store *ts, time_t *ret_due, char **ret_issuer) {
        STACK_OF(X509_OBJECT) * objects;
        _cleanup_free_ X509_CRL **crls = NULL;
        const X509_CRL *earliest = NULL, *newest = NULL;
        size_t n = 0;
        time_t due = 0;
        int r;

        if (!ts || !ret_due)
                return -EINVAL;
        /* The store is not changed after loading: no lock is needed to walk it. */
        objects = X509_STORE_get0_objects(ts->store);
        crls = calloc((size_t) sk_X509_OBJECT_num(objects) + 1, sizeof(*crls));
        if (!crls)
                return -ENOMEM;
        for (int i = 0; i < sk_X509_OBJECT_num(objects); i++) {
                X509_CRL *crl = X509_OBJECT_get0_X509_CRL(sk_X509_OBJECT_value(objects, i));

                if (crl) /* else a certificate */
                        crls[n++] = crl;
        }
        qsort(crls, n, sizeof(*crls), compare_crls);
        for (size_t i = 0; i < n; i++) {
                const ASN1_TIME *next = X509_CRL_get0_nextUpdate(crls[i]);
                time_t t;

                /* Only the newest of an issuer counts (those issued at the same instant all
                 * do); a CRL without nextUpdate never goes stale. */
                if (!newest ||
                    X509_NAME_cmp(X509_CRL_get_issuer(newest), X509_CRL_get_issuer(crls[i])) != 0)
                        newest = crls[i];
                else if (ASN1_TIME_compare(X509_CRL_get0_lastUpdate(crls[i]),
                                           X509_CRL_get0_lastUpdate(newest)) != 0)
                        continue;
                if (!next)
                        continue;
                /* eg_trust_store_add_crl() refused CRLs whose dates do not read. */
                r = eg_asn1_time_to_seconds(next, &t);
                if (r < 0)
                        return -EBADMSG;
                if (!earliest || t < due) {
                        earliest = crls[i];
                        due = t;
                }
        }
        if (ret_issuer) {
                *ret_issuer = NULL;
                if (earliest && !(*ret_issuer = issuer_line(earliest)))
                        return -ENOMEM;
        }
        *ret_due = due;
        return 0;
}
