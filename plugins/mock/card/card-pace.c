/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * PACE on the card side, with OpenPACE's card (PICC) functions: encrypt a
 * nonce, map, agree, check the terminal's token and answer with ours.
 */
#include <eac/objects.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <string.h>

#include "card-internal.h"
#include "emrtd/pace.h"
#include "emrtd/tlv.h"

void card_pace_reset(struct eg_test_card *c) {
        EAC_CTX_clear_free(c->pace);
        PACE_SEC_clear_free(c->pace_secret);
        BUF_MEM_free(c->pace_terminal_pub);
        c->pace = NULL;
        c->pace_secret = NULL;
        c->pace_terminal_pub = NULL;
        c->pace_step = 0;
}

static enum eg_cipher cipher_of(int nid) {
        if (nid == NID_id_PACE_ECDH_GM_3DES_CBC_CBC || nid == NID_id_PACE_DH_GM_3DES_CBC_CBC)
                return EG_CIPHER_3DES;
        if (nid == NID_id_PACE_ECDH_GM_AES_CBC_CMAC_128 ||
            nid == NID_id_PACE_DH_GM_AES_CBC_CMAC_128)
                return EG_CIPHER_AES128;
        if (nid == NID_id_PACE_ECDH_GM_AES_CBC_CMAC_192 ||
            nid == NID_id_PACE_DH_GM_AES_CBC_CMAC_192)
                return EG_CIPHER_AES192;
        if (nid == NID_id_PACE_ECDH_GM_AES_CBC_CMAC_256 ||
            nid == NID_id_PACE_DH_GM_AES_CBC_CMAC_256)
                return EG_CIPHER_AES256;
        return EG_CIPHER_NONE;
}

void card_pace_set_at(struct eg_test_card *c, const struct eg_capdu *cmd, struct card_response *r) {
        const struct eg_test_passport *p = c->passport;
        const uint8_t *ca = p->file[EG_TEST_FILE_CARD_ACCESS];
        struct eg_tlv oid, ref;
        uint8_t digest[EVP_MAX_MD_SIZE];
        unsigned dn = 0;

        card_pace_reset(c);
        eg_eac_init();
        if (!ca) {
                card_status(r, EG_SW_INS_NOT_SUPPORTED);
                return;
        }
        if (eg_tlv_find(cmd->data, cmd->lc, 0x80, &oid) < 0 ||
            eg_tlv_find(cmd->data, cmd->lc, 0x83, &ref) < 0 || ref.length != 1) {
                card_status(r, EG_SW_WRONG_DATA);
                return;
        }
        c->pace = EAC_CTX_new();
        if (!c->pace ||
            !EAC_CTX_init_ef_cardaccess(ca, p->file_len[EG_TEST_FILE_CARD_ACCESS], c->pace) ||
            !c->pace->pace_ctx) {
                card_pace_reset(c);
                card_status(r, 0x6F00);
                return;
        }
        c->pace->tr_version = EAC_TR_VERSION_2_02;
        ASN1_OBJECT *mine = OBJ_nid2obj(c->pace->pace_ctx->protocol);
        if (!mine || OBJ_length(mine) != oid.length ||
            memcmp(OBJ_get0_data(mine), oid.value, oid.length) != 0) {
                card_pace_reset(c);
                card_status(r, EG_SW_WRONG_DATA);
                return;
        }

        if (ref.value[0] == 0x01) {
                EVP_Digest(p->mrz_information, strlen(p->mrz_information), digest, &dn, EVP_sha1(),
                           NULL);
                c->pace_secret = PACE_SEC_new((const char *) digest, dn, PACE_RAW);
        } else if (ref.value[0] == 0x02)
                c->pace_secret = PACE_SEC_new(p->can, strlen(p->can), PACE_CAN);
        if (!c->pace_secret) {
                card_pace_reset(c);
                card_status(r, EG_SW_WRONG_DATA);
                return;
        }
        c->pace_step = 1;
        ERR_clear_error();
        card_status(r, EG_SW_OK);
}

static void answer(struct card_response *r, uint32_t tag, BUF_MEM *b) {
        uint8_t h[7], oh[7];
        int hn = eg_tlv_encode_header(tag, b->length, h);
        int on = eg_tlv_encode_header(0x7C, (size_t) hn + b->length, oh);

        memcpy(r->data, oh, (size_t) on);
        memcpy(r->data + on, h, (size_t) hn);
        memcpy(r->data + on + hn, b->data, b->length);
        r->len = (size_t) on + (size_t) hn + b->length;
        r->sw = EG_SW_OK;
}

void card_pace_general_authenticate(struct eg_test_card *c, const struct eg_capdu *cmd,
                                    struct card_response *r) {
        static const uint32_t want[] = { 0, 0, 0x81, 0x83, 0x85 };
        struct eg_tlv outer, in = {};
        BUF_MEM *b = NULL, *out = NULL;
        bool last = !(cmd->cla & 0x10);

        if (c->pace_step < 1 || c->pace_step > 4 || last != (c->pace_step == 4)) {
                card_pace_reset(c);
                card_status(r, EG_SW_CONDITIONS);
                return;
        }
        if (eg_tlv_parse(cmd->data, cmd->lc, &outer) < 0 || outer.tag != 0x7C ||
            (c->pace_step > 1 &&
             eg_tlv_find(outer.value, outer.length, want[c->pace_step], &in) < 0)) {
                card_pace_reset(c);
                card_status(r, EG_SW_WRONG_DATA);
                return;
        }
        if (c->pace_step > 1) {
                b = BUF_MEM_new();
                if (!b || BUF_MEM_grow(b, in.length) != in.length) {
                        BUF_MEM_free(b);
                        card_status(r, 0x6F00);
                        return;
                }
                memcpy(b->data, in.value, in.length);
        }

        switch (c->pace_step) {
        case 1:
                out = PACE_STEP1_enc_nonce(c->pace, c->pace_secret);
                if (out)
                        answer(r, 0x80, out);
                break;
        case 2:
                out = PACE_STEP3A_generate_mapping_data(c->pace);
                if (out && PACE_STEP3A_map_generator(c->pace, b))
                        answer(r, 0x82, out);
                else {
                        BUF_MEM_free(out);
                        out = NULL;
                }
                break;
        case 3:
                out = PACE_STEP3B_generate_ephemeral_key(c->pace);
                if (out && PACE_STEP3B_compute_shared_secret(c->pace, b) &&
                    PACE_STEP3C_derive_keys(c->pace)) {
                        answer(r, 0x84, out);
                        c->pace_terminal_pub = b;
                        b = NULL;
                } else {
                        BUF_MEM_free(out);
                        out = NULL;
                }
                break;
        case 4:
                /* A wrong password shows here: the terminal's token does not verify. */
                if (PACE_STEP3D_verify_authentication_token(c->pace, b) != 1) {
                        BUF_MEM_free(b);
                        card_pace_reset(c);
                        ERR_clear_error();
                        card_status(r, EG_SW_AUTH_FAILED);
                        return;
                }
                out = PACE_STEP3D_compute_authentication_token(c->pace, c->pace_terminal_pub);
                if (out) {
                        const KA_CTX *ka = c->pace->pace_ctx->ka_ctx;
                        answer(r, 0x86, out);
                        eg_sm_init(&c->sm, cipher_of(c->pace->pace_ctx->protocol),
                                   (const uint8_t *) ka->k_enc->data,
                                   (const uint8_t *) ka->k_mac->data, NULL);
                        c->auth = CARD_AUTH_PACE;
                }
                break;
        }
        BUF_MEM_free(b);
        ERR_clear_error();
        if (!out) {
                card_pace_reset(c);
                card_status(r, EG_SW_WRONG_DATA);
                return;
        }
        BUF_MEM_free(out);
        if (c->pace_step == 4)
                card_pace_reset(c);
        else
                c->pace_step++;
}
