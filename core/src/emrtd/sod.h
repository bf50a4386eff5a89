/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * EF.SOD (ICAO Doc 9303 Part 10 §4.6.2, Part 12): tag 77 around a CMS
 * SignedData whose eContent (type 2.23.136.1.1.1) is an LDSSecurityObject,
 * the list of data group hashes.  Parsed with OpenSSL's CMS and an ASN.1
 * template; the signature is checked with the embedded Document Signer
 * certificate (trust in that certificate is trust-store.h's business).
 */
#pragma once

#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stddef.h>
#include <stdint.h>

#define EG_DG_MAX 16

struct eg_sod {
        CMS_ContentInfo *cms;
        X509 *signer; /* the DS certificate from the SignedData, or NULL */
        int digest_nid; /* hash algorithm of the DG hashes */
        long version; /* LDSSecurityObject version: 0 (V0) or 1 (V1, LDS 1.8) */
        uint32_t dg_mask; /* bit n: DG n has a hash */
        uint8_t hash[EG_DG_MAX + 1][EVP_MAX_MD_SIZE];
        size_t hash_len; /* EVP_MD_get_size() of digest_nid */
};

/* Parse EF.SOD as read from the chip (tag 77 included).  Everything in it
 * is hostile until verified.  -EBADMSG with *reason on malformed data. */
int eg_sod_parse(const uint8_t *ef_sod, size_t len, struct eg_sod **ret, const char **reason);
struct eg_sod *eg_sod_free(struct eg_sod *sod);

/* Verify the CMS signature (and the signed messageDigest) with the
 * embedded DS certificate.  -ENOKEY if the SOD carries no signer
 * certificate, -EBADMSG if the signature does not verify. */
int eg_sod_verify_signature(const struct eg_sod *sod, const char **reason);

/* Compare a data group's bytes (as read, tag included) with its hash:
 * 0 match, -EBADMSG mismatch, -ENOENT no hash for that DG. */
int eg_sod_check_dg(const struct eg_sod *sod, unsigned dg, const uint8_t *data, size_t len);
