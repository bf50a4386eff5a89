/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <limits.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

#include "active-auth.h"
#include "crypto-util.h"
#include "spki.h"
#include "tlv.h"

#define SET_REASON(r, s)                                                                           \
        do {                                                                                       \
                if (r)                                                                             \
                        *(r) = (s);                                                                \
        } while (0)

void eg_aa_command(const uint8_t challenge[static EG_AA_CHALLENGE_LEN], size_t expected,
                   struct eg_capdu *ret) {
        if (expected == 0 || expected > EG_APDU_EXT_MAX_LE)
                expected = EG_APDU_SHORT_MAX_LE;
        *ret = (struct eg_capdu){ .cla = 0x00,
                                  .ins = 0x88,
                                  .data = challenge,
                                  .lc = EG_AA_CHALLENGE_LEN,
                                  .le = (uint32_t) expected };
}

static EVP_PKEY *dg15_key(const uint8_t *dg15, size_t dg15_len, const char **reason) {
        EVP_PKEY *key;
        struct eg_tlv t;

        if (!dg15 || eg_tlv_parse(dg15, dg15_len, &t) < 0 || t.tag != 0x6F ||
            t.header_length + t.length != dg15_len || t.length > LONG_MAX) {
                SET_REASON(reason, "DG15 is not one tag 6F object");
                return NULL;
        }
        if (eg_spki_parse(t.value, t.length, &key) < 0) {
                SET_REASON(reason, "DG15 does not hold a public key");
                return NULL;
        }
        return key;
}

int eg_aa_signature_length(const uint8_t *dg15, size_t dg15_len) {
        EVP_PKEY *key = dg15_key(dg15, dg15_len, NULL);
        int n = -EBADMSG;

        if (!key)
                return -EBADMSG;
        if (EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA)
                n = EVP_PKEY_get_size(key);
        else if (EVP_PKEY_get_base_id(key) == EVP_PKEY_EC)
                n = 2 * ((EVP_PKEY_get_bits(key) + 7) / 8);
        EVP_PKEY_free(key);
        return n > 0 ? n : -EBADMSG;
}

/* ISO/IEC 10118-3 hash identifiers in a two-byte trailer (xx CC). */
static const EVP_MD *trailer_digest(uint8_t id) {
        switch (id) {
        case 0x33:
                return EVP_sha1();
        case 0x34:
                return EVP_sha256();
        case 0x35:
                return EVP_sha512();
        case 0x36:
                return EVP_sha384();
        case 0x38:
                return EVP_sha224();
        default:
                return NULL;
        }
}

static int verify_rsa(EVP_PKEY *key, const uint8_t *challenge, const uint8_t *sig, size_t sig_len,
                      const char **reason) {
        size_t k = (size_t) EVP_PKEY_get_size(key), f_len = k, t, h, m1_len;
        uint8_t *f = NULL, digest[EVP_MAX_MD_SIZE];
        const EVP_MD *md;
        EVP_PKEY_CTX *ctx;
        EVP_MD_CTX *mctx = NULL;
        unsigned dn = 0;
        int r = -EBADMSG;

        if (sig_len != k) {
                SET_REASON(reason, "signature length differs from the modulus length");
                return -EBADMSG;
        }
        f = malloc(k);
        ctx = EVP_PKEY_CTX_new(key, NULL);
        if (!f || !ctx) {
                r = -ENOMEM;
                goto finish;
        }
        /* The raw RSA public operation: ISO 9796-2 does its own formatting. */
        if (EVP_PKEY_verify_recover_init(ctx) <= 0 ||
            EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING) <= 0 ||
            EVP_PKEY_verify_recover(ctx, f, &f_len, sig, sig_len) <= 0 || f_len != k) {
                SET_REASON(reason, "signature does not verify");
                goto finish;
        }

        if (f[k - 1] == 0xBC) {
                md = EVP_sha1();
                t = 1;
        } else if (f[k - 1] == 0xCC && k >= 2 && (md = trailer_digest(f[k - 2]))) {
                t = 2;
        } else {
                SET_REASON(reason, "signature does not verify");
                goto finish;
        }
        h = (size_t) EVP_MD_get_size(md);
        /* Header 6A: '01', partial recovery, message fills the space up to the hash. */
        if (f[0] != 0x6A || k < 1 + h + t + 1) {
                SET_REASON(reason, "signature does not verify");
                goto finish;
        }
        m1_len = k - 1 - h - t;

        mctx = EVP_MD_CTX_new();
        if (!mctx || !EVP_DigestInit_ex(mctx, md, NULL) || !EVP_DigestUpdate(mctx, f + 1, m1_len) ||
            !EVP_DigestUpdate(mctx, challenge, EG_AA_CHALLENGE_LEN) ||
            !EVP_DigestFinal_ex(mctx, digest, &dn) || dn != h) {
                r = -EIO;
                goto finish;
        }
        if (!eg_memeq(digest, f + 1 + m1_len, h)) {
                SET_REASON(reason, "signature does not verify");
                goto finish;
        }
        r = 0;

finish:
        EVP_MD_CTX_free(mctx);
        EVP_PKEY_CTX_free(ctx);
        if (f)
                eg_wipe(f, k);
        free(f);
        return r;
}

static int verify_ecdsa(EVP_PKEY *key, int digest_nid, const uint8_t *challenge, const uint8_t *sig,
                        size_t sig_len, const char **reason) {
        static const int any[] = { NID_sha256, NID_sha1, NID_sha384, NID_sha512, NID_sha224 };
        ECDSA_SIG *es = NULL;
        BIGNUM *br = NULL, *bs = NULL;
        unsigned char *der = NULL;
        int der_len, r = -EBADMSG;

        if (sig_len == 0 || sig_len % 2 != 0 || sig_len > 2 * 66) {
                SET_REASON(reason, "ECDSA signature is not r ‖ s");
                return -EBADMSG;
        }
        es = ECDSA_SIG_new();
        br = BN_bin2bn(sig, (int) (sig_len / 2), NULL);
        bs = BN_bin2bn(sig + sig_len / 2, (int) (sig_len / 2), NULL);
        if (!es || !br || !bs || !ECDSA_SIG_set0(es, br, bs)) {
                BN_free(br);
                BN_free(bs);
                r = -ENOMEM;
                goto finish;
        }
        der_len = i2d_ECDSA_SIG(es, &der);
        if (der_len <= 0) {
                r = -ENOMEM;
                goto finish;
        }

        for (size_t i = 0; i < (digest_nid == NID_undef ? sizeof(any) / sizeof(any[0]) : 1); i++) {
                const EVP_MD *md =
                        EVP_get_digestbynid(digest_nid == NID_undef ? any[i] : digest_nid);
                EVP_MD_CTX *mctx = EVP_MD_CTX_new();
                int ok;

                if (!md || !mctx) {
                        EVP_MD_CTX_free(mctx);
                        continue;
                }
                ok = EVP_DigestVerifyInit(mctx, NULL, md, NULL, key) == 1 &&
                     EVP_DigestVerify(mctx, der, (size_t) der_len, challenge,
                                      EG_AA_CHALLENGE_LEN) == 1;
                EVP_MD_CTX_free(mctx);
                if (ok) {
                        r = 0;
                        goto finish;
                }
        }
        SET_REASON(reason, "signature does not verify");

finish:
        OPENSSL_free(der);
        ECDSA_SIG_free(es);
        return r;
}

int eg_aa_verify(const uint8_t *dg15, size_t dg15_len, int digest_nid,
                 const uint8_t challenge[static EG_AA_CHALLENGE_LEN], const uint8_t *sig,
                 size_t sig_len, const char **reason) {
        EVP_PKEY *key;
        int r;

        key = dg15_key(dg15, dg15_len, reason);
        if (!key)
                return -EBADMSG;
        if (!sig || sig_len == 0) {
                EVP_PKEY_free(key);
                SET_REASON(reason, "empty signature");
                return -EBADMSG;
        }

        switch (EVP_PKEY_get_base_id(key)) {
        case EVP_PKEY_RSA:
                r = verify_rsa(key, challenge, sig, sig_len, reason);
                break;
        case EVP_PKEY_EC:
                r = verify_ecdsa(key, digest_nid, challenge, sig, sig_len, reason);
                break;
        default:
                SET_REASON(reason, "unsupported Active Authentication key type");
                r = -EOPNOTSUPP;
        }
        EVP_PKEY_free(key);
        ERR_clear_error();
        return r;
}
