/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <openssl/evp.h>
#include <string.h>

#include "bac.h"

static bool mrz_char(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '<';
}

int eg_bac_key_seed(const char *mrz_information, uint8_t ret[static 16]) {
        uint8_t digest[EVP_MAX_MD_SIZE];
        unsigned n = 0;
        size_t len;

        if (!mrz_information)
                return -EINVAL;
        len = strlen(mrz_information);
        /* 9 + 1 + 7 + 7 at least; longer only for TD1 long document numbers. */
        if (len < 24 || len > 64)
                return -EINVAL;
        for (size_t i = 0; i < len; i++)
                if (!mrz_char(mrz_information[i]))
                        return -EINVAL;

        if (!EVP_Digest(mrz_information, len, digest, &n, EVP_sha1(), NULL) || n < 16)
                return -EIO;
        memcpy(ret, digest, 16);
        eg_wipe(digest, sizeof(digest));
        return 0;
}

int eg_bac_init(struct eg_bac *bac, const char *mrz_information) {
        uint8_t seed[16], k[EG_KEY_MAX];
        int r;

        if (!bac)
                return -EINVAL;
        eg_bac_clear(bac);
        r = eg_bac_key_seed(mrz_information, seed);
        if (r < 0)
                return r;
        r = eg_kdf(EG_CIPHER_3DES, seed, sizeof(seed), EG_KDF_ENC, k);
        if (r >= 0) {
                memcpy(bac->k_enc, k, 16);
                r = eg_kdf(EG_CIPHER_3DES, seed, sizeof(seed), EG_KDF_MAC, k);
        }
        if (r >= 0)
                memcpy(bac->k_mac, k, 16);
        eg_wipe(seed, sizeof(seed));
        eg_wipe(k, sizeof(k));
        return r;
}

void eg_bac_get_challenge_command(struct eg_capdu *ret) {
        *ret = (struct eg_capdu){ .cla = 0x00, .ins = 0x84, .le = 8 };
}

void eg_bac_mutual_auth_command(const uint8_t data[static EG_BAC_MUTUAL_AUTH_LEN],
                                struct eg_capdu *ret) {
        /* Le 0x28: the chip answers with the same 40-byte structure. */
        *ret = (struct eg_capdu){ .cla = 0x00,
                                  .ins = 0x82,
                                  .data = data,
                                  .lc = EG_BAC_MUTUAL_AUTH_LEN,
                                  .le = EG_BAC_MUTUAL_AUTH_LEN };
}

int eg_bac_mutual_auth_data(struct eg_bac *bac, const uint8_t rnd_ic[static 8],
                            const uint8_t *rnd_ifd, const uint8_t *k_ifd,
                            uint8_t out[static EG_BAC_MUTUAL_AUTH_LEN]) {
        uint8_t s[32], padded[40];
        size_t n;
        int r;

        memcpy(bac->rnd_ic, rnd_ic, 8);
        if (rnd_ifd)
                memcpy(bac->rnd_ifd, rnd_ifd, 8);
        else if ((r = eg_random_bytes(bac->rnd_ifd, 8)) < 0)
                return r;
        if (k_ifd)
                memcpy(bac->k_ifd, k_ifd, 16);
        else if ((r = eg_random_bytes(bac->k_ifd, 16)) < 0)
                return r;

        memcpy(s, bac->rnd_ifd, 8);
        memcpy(s + 8, bac->rnd_ic, 8);
        memcpy(s + 16, bac->k_ifd, 16);
        r = eg_cbc_encrypt(EG_CIPHER_3DES, bac->k_enc, NULL, s, sizeof(s), out);
        eg_wipe(s, sizeof(s));
        if (r < 0)
                return r;

        n = eg_pad(out, 32, 8, padded);
        r = eg_retail_mac(bac->k_mac, padded, n, out + 32);
        return r;
}

int eg_bac_finish(struct eg_bac *bac, const uint8_t *resp, size_t len, struct eg_sm *ret_sm,
                  const char **reason) {
        uint8_t padded[40], mac[EG_MAC_SIZE], r_ic[32], seed[16], k_enc[EG_KEY_MAX],
                k_mac[EG_KEY_MAX], ssc[8];
        size_t n;
        int r;

        if (!resp || len != EG_BAC_MUTUAL_AUTH_LEN) {
                if (reason)
                        *reason = "mutual authentication answer has the wrong length";
                return -EBADMSG;
        }

        n = eg_pad(resp, 32, 8, padded);
        r = eg_retail_mac(bac->k_mac, padded, n, mac);
        if (r < 0)
                return r;
        if (!eg_memeq(mac, resp + 32, EG_MAC_SIZE)) {
                if (reason)
                        *reason = "mutual authentication MAC mismatch";
                return -EBADMSG;
        }

        r = eg_cbc_decrypt(EG_CIPHER_3DES, bac->k_enc, NULL, resp, 32, r_ic);
        if (r < 0)
                return r;
        /* R = RND.IC ‖ RND.IFD ‖ K.ICC: both nonces must be echoed. */
        if (!eg_memeq(r_ic, bac->rnd_ic, 8) || !eg_memeq(r_ic + 8, bac->rnd_ifd, 8)) {
                eg_wipe(r_ic, sizeof(r_ic));
                if (reason)
                        *reason = "mutual authentication nonces do not match";
                return -EBADMSG;
        }

        for (size_t i = 0; i < 16; i++)
                seed[i] = bac->k_ifd[i] ^ r_ic[16 + i];
        r = eg_kdf(EG_CIPHER_3DES, seed, 16, EG_KDF_ENC, k_enc);
        if (r >= 0)
                r = eg_kdf(EG_CIPHER_3DES, seed, 16, EG_KDF_MAC, k_mac);
        memcpy(ssc, bac->rnd_ic + 4, 4);
        memcpy(ssc + 4, bac->rnd_ifd + 4, 4);
        if (r >= 0)
                r = eg_sm_init(ret_sm, EG_CIPHER_3DES, k_enc, k_mac, ssc);

        eg_wipe(r_ic, sizeof(r_ic));
        eg_wipe(seed, sizeof(seed));
        eg_wipe(k_enc, sizeof(k_enc));
        eg_wipe(k_mac, sizeof(k_mac));
        return r;
}

void eg_bac_clear(struct eg_bac *bac) {
        if (bac)
                eg_wipe(bac, sizeof(*bac));
}
