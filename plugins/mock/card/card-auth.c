/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The card side of BAC, Active Authentication and Chip Authentication v1. */
#include <errno.h>
#include <openssl/err.h>
#include <string.h>

#include "card-internal.h"
#include "emrtd/bac.h"
#include "emrtd/chip-auth.h"
#include "emrtd/tlv.h"

void card_get_challenge(struct eg_test_card *c, const struct eg_capdu *cmd,
                        struct card_response *r) {
        if (cmd->le != 8 || cmd->lc != 0) {
                card_status(r, EG_SW_WRONG_LENGTH);
                return;
        }
        if (eg_random_bytes(c->rnd_ic, 8) < 0) {
                card_status(r, 0x6F00);
                return;
        }
        c->have_challenge = true;
        memcpy(r->data, c->rnd_ic, 8);
        r->len = 8;
        r->sw = EG_SW_OK;
}

void card_mutual_authenticate(struct eg_test_card *c, const struct eg_capdu *cmd,
                              struct card_response *r) {
        struct eg_bac keys; /* only k_enc/k_mac: the document's BAC keys */
        uint8_t padded[40], mac[8], s[32], answer[32], k_icc[16], seed[16], ke[EG_KEY_MAX],
                km[EG_KEY_MAX], ssc[8];
        uint16_t wrong = c->faults.wrong_key_sw_6988 ? EG_SW_SM_INCORRECT : EG_SW_AUTH_FAILED;

        if (!c->have_challenge) {
                card_status(r, EG_SW_CONDITIONS);
                return;
        }
        c->have_challenge = false;
        if (cmd->lc != EG_BAC_MUTUAL_AUTH_LEN) {
                card_status(r, EG_SW_WRONG_LENGTH);
                return;
        }
        if (eg_bac_init(&keys, c->passport->mrz_information) < 0) {
                card_status(r, 0x6F00);
                return;
        }
        if (eg_retail_mac(keys.k_mac, padded, eg_pad(cmd->data, 32, 8, padded), mac) < 0 ||
            !eg_memeq(mac, cmd->data + 32, 8)) {
                eg_bac_clear(&keys);
                card_status(r, wrong);
                return;
        }
        /* S = RND.IFD ‖ RND.IC ‖ K.IFD: our challenge must come back. */
        if (eg_cbc_decrypt(EG_CIPHER_3DES, keys.k_enc, NULL, cmd->data, 32, s) < 0 ||
            !eg_memeq(s + 8, c->rnd_ic, 8) || eg_random_bytes(k_icc, 16) < 0) {
                eg_bac_clear(&keys);
                card_status(r, wrong);
                return;
        }

        memcpy(answer, c->rnd_ic, 8);
        memcpy(answer + 8, s, 8);
        memcpy(answer + 16, k_icc, 16);
        eg_cbc_encrypt(EG_CIPHER_3DES, keys.k_enc, NULL, answer, 32, r->data);
        eg_retail_mac(keys.k_mac, padded, eg_pad(r->data, 32, 8, padded), r->data + 32);
        r->len = 40;
        r->sw = EG_SW_OK;

        for (int i = 0; i < 16; i++)
                seed[i] = s[16 + i] ^ k_icc[i];
        eg_kdf(EG_CIPHER_3DES, seed, 16, EG_KDF_ENC, ke);
        eg_kdf(EG_CIPHER_3DES, seed, 16, EG_KDF_MAC, km);
        memcpy(ssc, c->rnd_ic + 4, 4);
        memcpy(ssc + 4, s + 4, 4);
        eg_sm_init(&c->sm, EG_CIPHER_3DES, ke, km, ssc);
        c->auth = CARD_AUTH_BAC;
        eg_bac_clear(&keys);
        eg_wipe(seed, sizeof(seed));
}

void card_internal_authenticate(struct eg_test_card *c, const struct eg_capdu *cmd,
                                struct card_response *r) {
        uint8_t challenge[8];
        size_t n = sizeof(r->data);

        if (!c->passport->aa_key) {
                card_status(r, EG_SW_INS_NOT_SUPPORTED);
                return;
        }
        if (c->auth == CARD_AUTH_NONE) {
                card_status(r, EG_SW_SECURITY_NOT_SATISFIED);
                return;
        }
        if (cmd->lc != 8) {
                card_status(r, EG_SW_WRONG_LENGTH);
                return;
        }
        memcpy(challenge, cmd->data, 8);
        if (c->faults.aa_wrong_signature)
                challenge[0] ^= 0xFF;
        if (eg_test_aa_sign(c->passport->aa_key, challenge, r->data, &n) < 0) {
                card_status(r, 0x6F00);
                return;
        }
        r->len = n;
        r->sw = EG_SW_OK;
}

/* Agree on new keys from the terminal's ephemeral key; switch after this answer. */
static void ca_agree(struct eg_test_card *c, const uint8_t *pub, size_t len,
                     struct card_response *r) {
        EVP_PKEY *own = c->passport->ca_key, *peer = NULL, *other = NULL;
        uint8_t secret[EG_CA_PUBLIC_KEY_MAX], ke[EG_KEY_MAX], km[EG_KEY_MAX];
        int n;

        if (!own) {
                card_status(r, EG_SW_INS_NOT_SUPPORTED);
                return;
        }
        if (c->auth == CARD_AUTH_NONE || !eg_sm_active(&c->sm)) {
                card_status(r, EG_SW_SECURITY_NOT_SATISFIED);
                return;
        }
        if (c->faults.ca_wrong_key) {
                other = EVP_EC_gen("P-256");
                own = other;
        }
        if (eg_ec_public_key_from_point(own, pub, len, &peer) < 0) {
                EVP_PKEY_free(other);
                card_status(r, EG_SW_WRONG_DATA);
                return;
        }
        n = eg_ecdh_shared_secret(own, peer, secret, sizeof(secret));
        EVP_PKEY_free(peer);
        EVP_PKEY_free(other);
        if (n < 0 || eg_kdf(c->passport->ca_cipher, secret, (size_t) n, EG_KDF_ENC, ke) < 0 ||
            eg_kdf(c->passport->ca_cipher, secret, (size_t) n, EG_KDF_MAC, km) < 0) {
                card_status(r, EG_SW_WRONG_DATA);
                return;
        }
        eg_sm_init(&c->next_sm, c->passport->ca_cipher, ke, km, NULL);
        c->rekey_pending = true;
        eg_wipe(secret, sizeof(secret));
        card_status(r, EG_SW_OK);
}

void card_ca_set_kat(struct eg_test_card *c, const struct eg_capdu *cmd, struct card_response *r) {
        struct eg_tlv pub;

        if (c->passport->ca_cipher != EG_CIPHER_3DES) {
                card_status(r, EG_SW_CONDITIONS);
                return;
        }
        if (eg_tlv_find(cmd->data, cmd->lc, 0x91, &pub) < 0) {
                card_status(r, EG_SW_WRONG_DATA);
                return;
        }
        ca_agree(c, pub.value, pub.length, r);
}

void card_ca_set_at(struct eg_test_card *c, const struct eg_capdu *cmd, struct card_response *r) {
        struct eg_tlv oid;

        if (!c->passport->ca_key || c->passport->ca_cipher == EG_CIPHER_3DES ||
            eg_tlv_find(cmd->data, cmd->lc, 0x80, &oid) < 0) {
                card_status(r, EG_SW_WRONG_DATA);
                return;
        }
        c->ca_set_at = true;
        card_status(r, EG_SW_OK);
}

void card_ca_general_authenticate(struct eg_test_card *c, const struct eg_capdu *cmd,
                                  struct card_response *r) {
        struct eg_tlv outer, pub;

        if (!c->ca_set_at) {
                card_status(r, EG_SW_CONDITIONS);
                return;
        }
        c->ca_set_at = false;
        if (eg_tlv_parse(cmd->data, cmd->lc, &outer) < 0 || outer.tag != 0x7C ||
            eg_tlv_find(outer.value, outer.length, 0x80, &pub) < 0) {
                card_status(r, EG_SW_WRONG_DATA);
                return;
        }
        ca_agree(c, pub.value, pub.length, r);
        if (r->sw == EG_SW_OK) {
                r->data[0] = 0x7C;
                r->data[1] = 0x00;
                r->len = 2;
        }
}
