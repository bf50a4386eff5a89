/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Test passports made on the fly: a throw-away PKI (CSCA -> Document
 * Signer, EC P-256), the LDS files (EF.COM, DG1, DG2 with a tiny JPEG,
 * DG14, DG15, EF.CardAccess) and an EF.SOD signed over their hashes.
 * Nothing is read from disk; knobs produce the broken variants the
 * negative tests need (tampered DG, bad signature, expired or foreign DS).
 * The unit tests use them, and so does the mock plugin's chip reader.
 * Allocation and OpenSSL failures abort(): this builds test data only.
 */
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "emrtd/crypto-util.h"

/* File slots: EF.COM, DG1..DG16, EF.SOD, EF.CardAccess (in the MF). */
enum {
        EG_TEST_FILE_COM = 0,
        EG_TEST_FILE_DG1 = 1, /* DGn is slot n */
        EG_TEST_FILE_SOD = 17,
        EG_TEST_FILE_CARD_ACCESS = 18,
        EG_TEST_FILE_MAX = 19,
};

struct eg_test_pki {
        EVP_PKEY *csca_key;
        X509 *csca;
        EVP_PKEY *ds_key;
        X509 *ds;
        long next_serial;
};

enum eg_test_aa {
        EG_TEST_AA_NONE = 0,
        EG_TEST_AA_EC, /* P-256, ECDSA with SHA-256, ActiveAuthenticationInfo in DG14 */
        EG_TEST_AA_RSA, /* 1024-bit RSA, ISO/IEC 9796-2 scheme 1 with SHA-1 */
};

struct eg_test_passport_options {
        /* The MRZ characters as DG1 stores them (88, 72 or 90 of them: TD3, TD2, TD1), taken
         * as they are (wrong check digits included) instead of the specimen below. */
        const char *mrz;
        size_t mrz_len;
        /* The BAC/PACE key seed the chip was personalised with; NULL: the MRZ's own. */
        const char *mrz_information;
        /* MRZ fields; NULL: a Korean specimen (KOR, M12345678, 800101, M, 350101). */
        const char *issuing_state;
        const char *document_number;
        const char *birth_date; /* YYMMDD */
        const char *expiry_date; /* YYMMDD */
        const struct eg_test_pki *pki; /* required: signs EF.SOD with its DS */
        X509 *ds; /* another DS (with ds_key) instead of pki's */
        EVP_PKEY *ds_key;
        int digest_nid; /* DG hashes; 0: SHA-256 */
        enum eg_test_aa aa;
        bool ca; /* DG14 with ECDH Chip Authentication (P-256) */
        enum eg_cipher ca_cipher; /* 0: 3DES */
        bool pace; /* EF.CardAccess: ECDH-GM, P-256 */
        enum eg_cipher pace_cipher; /* 0: AES-128 */
        bool pace_dh; /* DH-GM with the 2048-bit MODP group instead of ECDH */
        bool dg11;
        size_t dg2_extra; /* extra image bytes: a DG2 that needs many READ BINARYs */
        bool sod_without_certificate;
};

#define EG_TEST_MRZ_MAX 90 /* TD1: 3 x 30 */
#define EG_TEST_MRZ_INFORMATION_MAX 39 /* a long TD1 number needs 9 + 13 + 1 + 7 + 7 */

struct eg_test_passport {
        char mrz[EG_TEST_MRZ_MAX + 1]; /* the lines concatenated */
        size_t mrz_len;
        char mrz_information[EG_TEST_MRZ_INFORMATION_MAX + 1];
        char can[7];
        uint8_t *file[EG_TEST_FILE_MAX];
        size_t file_len[EG_TEST_FILE_MAX];
        EVP_PKEY *aa_key;
        EVP_PKEY *ca_key;
        enum eg_cipher ca_cipher;
        uint8_t atr[16];
        size_t atr_len;
};

/* FID of a slot (0x011E, 0x0101.., 0x011D, 0x011C). */
uint16_t eg_test_file_fid(unsigned slot);

/* country: two letters for C= (anything else: no C=).  The subjects are
 * "CN=<label> CSCA" and "CN=<label> Document Signer"; label NULL: "Test". */
int eg_test_pki_new(const char *country, struct eg_test_pki **ret);
int eg_test_pki_new_named(const char *country, const char *label, struct eg_test_pki **ret);
void eg_test_pki_free(struct eg_test_pki *pki);
/* Another DS under pki's CSCA, valid from now + nb_days to now + na_days. */
int eg_test_pki_issue_ds(struct eg_test_pki *pki, const char *country, long nb_days, long na_days,
                         X509 **ret_cert, EVP_PKEY **ret_key);
/* A CRL by the CSCA, revoking `revoked` (may be NULL), issued a day ago, due in 30 days. */
X509_CRL *eg_test_pki_crl(const struct eg_test_pki *pki, X509 *revoked);
/* The same issued at `last` and due at `next` (0: no nextUpdate), as a parser makes it
 * (OpenSSL tells CRLs apart by the digest it takes when parsing).  NULL on failure. */
X509_CRL *eg_test_pki_crl_dated(const struct eg_test_pki *pki, X509 *revoked, time_t last,
                                time_t next);
/* An ICAO master list of `n` CSCAs, signed by a signer under pki's CSCA. */
int eg_test_pki_master_list(struct eg_test_pki *pki, X509 *const *cscas, size_t n, uint8_t **ret,
                            size_t *ret_len);

int eg_test_passport_new(const struct eg_test_passport_options *o, struct eg_test_passport **ret);
void eg_test_passport_free(struct eg_test_passport *p);
/* The key seed (ICAO 9303-11 §4.3: document number, birth and expiry dates, each
 * with its check digit as printed) from where the layout of `mrz` (88, 72 or 90
 * characters) puts them, long document numbers included.  -EINVAL if the
 * length fits no layout. */
int eg_test_mrz_information(const char *mrz, size_t len,
                            char out[static EG_TEST_MRZ_INFORMATION_MAX + 1]);

/* Replace a file's bytes (copied).  EF.SOD is not re-signed: that is the point. */
void eg_test_passport_set_file(struct eg_test_passport *p, unsigned slot, const uint8_t *data,
                               size_t len);
/* Flip a bit in the EF.SOD signature value (a forged SOD). */
void eg_test_passport_break_sod_signature(struct eg_test_passport *p);

/* Sign the way the chip does for INTERNAL AUTHENTICATE (used by the card). */
int eg_test_aa_sign(EVP_PKEY *key, const uint8_t challenge[8], uint8_t *sig, size_t *sig_len);
