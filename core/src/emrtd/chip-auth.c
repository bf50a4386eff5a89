/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <string.h>

#include "chip-auth.h"
#include "tlv.h"

#define SET_REASON(r, s)                                                                           \
        do {                                                                                       \
                if (r)                                                                             \
                        *(r) = (s);                                                                \
        } while (0)

/*
 * The peer's point must be a point of the group's prime order n, or a hostile peer
 * learns our private key modulo small factors (invalid-curve and small-subgroup
 * attacks).  OpenSSL's full check proves it by computing n·Q, a whole scalar
 * multiplication (~40 µs here, per traveller).  On a curve of cofactor 1 the group of
 * points has order n itself, so every point on the curve but infinity already has that
 * order: the quick check (coordinates in range, on the curve, not infinity) proves the
 * same.  Every curve ICAO 9303 allows has cofactor 1; any other gets the full check.
 */
static bool peer_key_valid(EVP_PKEY *peer) {
        EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(peer, NULL);
        BIGNUM *cofactor = NULL;
        bool valid;

        if (!ctx)
                return false;
        if (EVP_PKEY_get_bn_param(peer, OSSL_PKEY_PARAM_EC_COFACTOR, &cofactor) > 0 &&
            BN_is_one(cofactor))
                valid = EVP_PKEY_public_check_quick(ctx) > 0;
        else
                valid = EVP_PKEY_public_check(ctx) > 0;
        BN_free(cofactor);
        EVP_PKEY_CTX_free(ctx);
        return valid;
}

int eg_ecdh_shared_secret(EVP_PKEY *own, EVP_PKEY *peer, uint8_t *out, size_t cap) {
        EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(own, NULL);
        size_t n = cap;
        int ok;

        if (!ctx)
                return -ENOMEM;
        /* Validated above, so OpenSSL is told not to validate it again. */
        ok = peer_key_valid(peer) && EVP_PKEY_derive_init(ctx) > 0 &&
             EVP_PKEY_derive_set_peer_ex(ctx, peer, 0) > 0 && EVP_PKEY_derive(ctx, out, &n) > 0;
        EVP_PKEY_CTX_free(ctx);
        ERR_clear_error();
        return ok ? (int) n : -EBADMSG;
}

int eg_ec_public_key_from_point(EVP_PKEY *params, const uint8_t *pub, size_t len, EVP_PKEY **ret) {
        EVP_PKEY *key = EVP_PKEY_new();

        /* A copy of the domain parameters, then the point: validated by OpenSSL. */
        if (!key || !EVP_PKEY_copy_parameters(key, params) ||
            !EVP_PKEY_set1_encoded_public_key(key, pub, len)) {
                EVP_PKEY_free(key);
                ERR_clear_error();
                return -EBADMSG;
        }
        *ret = key;
        return 0;
}

int eg_ec_public_point(EVP_PKEY *key, uint8_t *out, size_t cap) {
        unsigned char *pub = NULL;
        size_t len = EVP_PKEY_get1_encoded_public_key(key, &pub);

        if (len == 0 || len > cap) {
                OPENSSL_free(pub);
                ERR_clear_error();
                return -EIO;
        }
        memcpy(out, pub, len);
        OPENSSL_free(pub);
        return (int) len;
}

static size_t put(uint8_t *buf, size_t pos, uint32_t tag, const uint8_t *v, size_t len) {
        uint8_t h[7];
        int n = eg_tlv_encode_header(tag, len, h);

        memcpy(buf + pos, h, (size_t) n);
        memcpy(buf + pos + (size_t) n, v, len);
        return pos + (size_t) n + len;
}

static size_t key_id_bytes(long id, uint8_t out[8]) {
        size_t n = 0;
        uint8_t tmp[8];

        do {
                tmp[n++] = (uint8_t) id;
                id >>= 8;
        } while (id > 0 && n < sizeof(tmp));
        for (size_t i = 0; i < n; i++)
                out[i] = tmp[n - 1 - i];
        return n;
}

int eg_chip_auth_prepare(struct eg_chip_auth *ca, const struct eg_security_infos *si,
                         const char **reason) {
        EVP_PKEY_CTX *gen = NULL;
        EVP_PKEY *eph = NULL;
        uint8_t secret[EG_CA_PUBLIC_KEY_MAX];
        int n, r;

        eg_chip_auth_clear(ca);
        if (!si || !si->has_ca_info) {
                SET_REASON(reason, "DG14 offers no Chip Authentication");
                return -EOPNOTSUPP;
        }
        if (!si->ca_ecdh || si->ca_version != 1 || si->ca_cipher == EG_CIPHER_NONE) {
                SET_REASON(reason, "Chip Authentication variant not supported");
                return -EOPNOTSUPP;
        }
        if (!si->ca_public_key) {
                SET_REASON(reason, "DG14 has no usable Chip Authentication public key");
                return -EOPNOTSUPP;
        }
        ca->cipher = si->ca_cipher;
        ca->key_id = si->ca_key_id;
        memcpy(ca->oid, si->ca_oid, si->ca_oid_len);
        ca->oid_len = si->ca_oid_len;

        gen = EVP_PKEY_CTX_new(si->ca_public_key, NULL);
        if (!gen || EVP_PKEY_keygen_init(gen) <= 0 || EVP_PKEY_keygen(gen, &eph) <= 0) {
                SET_REASON(reason, "cannot generate an ephemeral key on the chip's curve");
                r = -EIO;
                goto finish;
        }
        r = eg_ec_public_point(eph, ca->eph_pub, sizeof(ca->eph_pub));
        if (r < 0)
                goto finish;
        ca->eph_pub_len = (size_t) r;

        n = eg_ecdh_shared_secret(eph, si->ca_public_key, secret, sizeof(secret));
        if (n < 0) {
                SET_REASON(reason, "ECDH with the chip's public key failed");
                r = n;
                goto finish;
        }
        r = eg_kdf(ca->cipher, secret, (size_t) n, EG_KDF_ENC, ca->k_enc);
        if (r >= 0)
                r = eg_kdf(ca->cipher, secret, (size_t) n, EG_KDF_MAC, ca->k_mac);
        eg_wipe(secret, sizeof(secret));

finish:
        EVP_PKEY_free(eph); /* the private half is not needed again */
        EVP_PKEY_CTX_free(gen);
        ERR_clear_error();
        if (r < 0)
                eg_chip_auth_clear(ca);
        return r;
}

unsigned eg_chip_auth_n_commands(const struct eg_chip_auth *ca) {
        return ca->cipher == EG_CIPHER_3DES ? 1 : 2;
}

void eg_chip_auth_command(struct eg_chip_auth *ca, unsigned i, struct eg_capdu *ret) {
        uint8_t id[8], inner[EG_CA_PUBLIC_KEY_MAX + 8];
        size_t n = 0, idn = key_id_bytes(ca->key_id, id);

        if (ca->cipher == EG_CIPHER_3DES) {
                /* MSE:Set KAT: 91 ephemeral public key, 84 key reference. */
                n = put(ca->data[0], 0, 0x91, ca->eph_pub, ca->eph_pub_len);
                if (ca->key_id >= 0)
                        n = put(ca->data[0], n, 0x84, id, idn);
                *ret = (struct eg_capdu){
                        .ins = 0x22, .p1 = 0x41, .p2 = 0xA6, .data = ca->data[0], .lc = n
                };
        } else if (i == 0) {
                /* MSE:Set AT for internal authentication: 80 protocol, 84 key reference. */
                n = put(ca->data[0], 0, 0x80, ca->oid, ca->oid_len);
                if (ca->key_id >= 0)
                        n = put(ca->data[0], n, 0x84, id, idn);
                *ret = (struct eg_capdu){
                        .ins = 0x22, .p1 = 0x41, .p2 = 0xA4, .data = ca->data[0], .lc = n
                };
        } else {
                /* GENERAL AUTHENTICATE: 7C { 80 ephemeral public key }. */
                size_t m = put(inner, 0, 0x80, ca->eph_pub, ca->eph_pub_len);
                n = put(ca->data[1], 0, 0x7C, inner, m);
                /* The answer is 7C 00: a small Le keeps the protected answer short. */
                *ret = (struct eg_capdu){ .ins = 0x86, .data = ca->data[1], .lc = n, .le = 16 };
        }
}

int eg_chip_auth_check_response(const struct eg_chip_auth *ca, unsigned i, const uint8_t *data,
                                size_t len, uint16_t sw, const char **reason) {
        struct eg_tlv t;

        if (sw != EG_SW_OK) {
                SET_REASON(reason, "chip refused Chip Authentication");
                return -EBADMSG;
        }
        if (ca->cipher != EG_CIPHER_3DES && i == 1 &&
            (eg_tlv_parse(data, len, &t) < 0 || t.tag != 0x7C ||
             t.header_length + t.length != len)) {
                SET_REASON(reason, "malformed GENERAL AUTHENTICATE answer");
                return -EBADMSG;
        }
        return 0;
}

int eg_chip_auth_session(const struct eg_chip_auth *ca, struct eg_sm *sm) {
        return eg_sm_init(sm, ca->cipher, ca->k_enc, ca->k_mac, NULL);
}

void eg_chip_auth_clear(struct eg_chip_auth *ca) {
        if (ca)
                eg_wipe(ca, sizeof(*ca));
}
