/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <eac/eac.h>
#include <eac/objects.h>
#include <eac/pace.h>
#include <errno.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "pace.h"
#include "tlv.h"

#define SET_REASON(r, s)                                                                           \
        do {                                                                                       \
                if (r)                                                                             \
                        *(r) = (s);                                                                \
        } while (0)

enum step {
        STEP_SET_AT = 0,
        STEP_NONCE,
        STEP_MAP,
        STEP_KEY_AGREEMENT,
        STEP_TOKEN,
        STEP_DONE,
};

struct eg_pace {
        EAC_CTX *ctx;
        PACE_SEC *secret;
        enum eg_pace_password type;
        enum eg_cipher cipher;
        enum step step;
        bool sent; /* the command for `step` went out */
        BUF_MEM *chip_pub;
        uint8_t cmd[600];
        uint8_t inner[590];
};

static pthread_once_t eac_once = PTHREAD_ONCE_INIT;

static void eac_init_once(void) {
        EAC_init();
}

void eg_eac_init(void) {
        (void) pthread_once(&eac_once, eac_init_once);
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
        return EG_CIPHER_NONE; /* Integrated Mapping: not run */
}

/* Choose the first PACEInfo libeac understood whose mapping we run. */
static PACE_CTX *pick(EAC_CTX *ctx) {
        const OPENSSL_STACK *all = (const OPENSSL_STACK *) ctx->pace_ctxs;

        for (int i = 0; all && i < OPENSSL_sk_num(all); i++) {
                PACE_CTX *pc = OPENSSL_sk_value(all, i);
                if (pc && cipher_of(pc->protocol) != EG_CIPHER_NONE)
                        return pc;
        }
        return NULL;
}

static EAC_CTX *context_from(const uint8_t *card_access, size_t len) {
        EAC_CTX *ctx;

        eg_eac_init();
        if (!card_access || len == 0)
                return NULL;
        ctx = EAC_CTX_new();
        if (!ctx)
                return NULL;
        if (!EAC_CTX_init_ef_cardaccess(card_access, len, ctx) || !pick(ctx)) {
                EAC_CTX_clear_free(ctx);
                ERR_clear_error();
                return NULL;
        }
        ctx->tr_version = EAC_TR_VERSION_2_02;
        return ctx;
}

bool eg_pace_supported(const uint8_t *card_access, size_t len) {
        EAC_CTX *ctx = context_from(card_access, len);

        EAC_CTX_clear_free(ctx);
        return ctx != NULL;
}

int eg_pace_new(const uint8_t *card_access, size_t len, enum eg_pace_password type,
                const char *password, struct eg_pace **ret, const char **reason) {
        uint8_t digest[EVP_MAX_MD_SIZE];
        unsigned dn = 0;
        struct eg_pace *p;

        if (!password || !ret || (type != EG_PACE_MRZ && type != EG_PACE_CAN))
                return -EINVAL;
        p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        p->type = type;

        p->ctx = context_from(card_access, len);
        if (!p->ctx) {
                SET_REASON(reason, "EF.CardAccess offers no supported PACE protocol");
                free(p);
                return -EOPNOTSUPP;
        }
        p->ctx->pace_ctx = pick(p->ctx);
        p->cipher = cipher_of(p->ctx->pace_ctx->protocol);

        if (type == EG_PACE_MRZ) {
                /* libeac's own MRZ encoding expects an ID-card MRZ layout; the
                 * password for passports is SHA-1(MRZ_information) (Part 11 §9.7.3). */
                if (!EVP_Digest(password, strlen(password), digest, &dn, EVP_sha1(), NULL)) {
                        eg_pace_free(p);
                        return -EIO;
                }
                p->secret = PACE_SEC_new((const char *) digest, dn, PACE_RAW);
                eg_wipe(digest, sizeof(digest));
        } else
                p->secret = PACE_SEC_new(password, strlen(password), PACE_CAN);
        if (!p->secret) {
                ERR_clear_error();
                eg_pace_free(p);
                SET_REASON(reason, "PACE password not usable");
                return -EINVAL;
        }

        *ret = p;
        return 0;
}

struct eg_pace *eg_pace_free(struct eg_pace *p) {
        if (!p)
                return NULL;
        EAC_CTX_clear_free(p->ctx);
        PACE_SEC_clear_free(p->secret);
        BUF_MEM_free(p->chip_pub);
        eg_wipe(p, sizeof(*p));
        free(p);
        return NULL;
}

enum eg_cipher eg_pace_cipher(const struct eg_pace *p) {
        return p->cipher;
}

static size_t put(uint8_t *buf, size_t cap, size_t pos, uint32_t tag, const void *v, size_t len) {
        uint8_t h[7];
        int n = eg_tlv_encode_header(tag, len, h);

        if (n < 0 || pos + (size_t) n + len > cap)
                return SIZE_MAX;
        memcpy(buf + pos, h, (size_t) n);
        if (len > 0)
                memcpy(buf + pos + (size_t) n, v, len);
        return pos + (size_t) n + len;
}

/* GENERAL AUTHENTICATE with 7C { tag value }, chained (CLA 10) except the last. */
static int general_authenticate(struct eg_pace *p, uint32_t tag, const void *v, size_t len,
                                bool last, struct eg_capdu *ret) {
        size_t m = tag ? put(p->inner, sizeof(p->inner), 0, tag, v, len) : 0;
        size_t n;

        if (m == SIZE_MAX)
                return -ENOBUFS;
        n = put(p->cmd, sizeof(p->cmd), 0, 0x7C, p->inner, m);
        if (n == SIZE_MAX)
                return -ENOBUFS;
        *ret = (struct eg_capdu){ .cla = last ? 0x00 : 0x10,
                                  .ins = 0x86,
                                  .data = p->cmd,
                                  .lc = n,
                                  .le = EG_APDU_SHORT_MAX_LE };
        return 1;
}

int eg_pace_next_command(struct eg_pace *p, struct eg_capdu *ret, const char **reason) {
        BUF_MEM *b = NULL;
        int r;

        if (p->sent)
                return -EBUSY; /* waiting for the answer */
        switch (p->step) {
        case STEP_SET_AT: {
                ASN1_OBJECT *oid = OBJ_nid2obj(p->ctx->pace_ctx->protocol);
                uint8_t ref = (uint8_t) p->type, id;
                size_t n;

                if (!oid || OBJ_length(oid) == 0)
                        return -EIO;
                n = put(p->cmd, sizeof(p->cmd), 0, 0x80, OBJ_get0_data(oid), OBJ_length(oid));
                n = put(p->cmd, sizeof(p->cmd), n, 0x83, &ref, 1);
                /* The standardized domain parameter id, when EF.CardAccess named one. */
                if (p->ctx->pace_ctx->id >= 0 && p->ctx->pace_ctx->id <= 0xFF) {
                        id = (uint8_t) p->ctx->pace_ctx->id;
                        n = put(p->cmd, sizeof(p->cmd), n, 0x84, &id, 1);
                }
                if (n == SIZE_MAX)
                        return -ENOBUFS;
                *ret = (struct eg_capdu){
                        .ins = 0x22, .p1 = 0xC1, .p2 = 0xA4, .data = p->cmd, .lc = n
                };
                r = 1;
                break;
        }
        case STEP_NONCE:
                r = general_authenticate(p, 0, NULL, 0, false, ret);
                break;
        case STEP_MAP:
                b = PACE_STEP3A_generate_mapping_data(p->ctx);
                if (!b) {
                        SET_REASON(reason, "cannot generate PACE mapping data");
                        r = -EIO;
                        break;
                }
                r = general_authenticate(p, 0x81, b->data, b->length, false, ret);
                break;
        case STEP_KEY_AGREEMENT:
                b = PACE_STEP3B_generate_ephemeral_key(p->ctx);
                if (!b) {
                        SET_REASON(reason, "cannot generate the PACE ephemeral key");
                        r = -EIO;
                        break;
                }
                r = general_authenticate(p, 0x83, b->data, b->length, false, ret);
                break;
        case STEP_TOKEN:
                b = PACE_STEP3D_compute_authentication_token(p->ctx, p->chip_pub);
                if (!b) {
                        SET_REASON(reason, "cannot compute the PACE authentication token");
                        r = -EIO;
                        break;
                }
                r = general_authenticate(p, 0x85, b->data, b->length, true, ret);
                break;
        default:
                return 0;
        }
        BUF_MEM_free(b);
        ERR_clear_error();
        if (r > 0)
                p->sent = true;
        return r;
}

/* The value of the single tag `want` inside the 7C dynamic authentication data. */
static int inner_value(const uint8_t *data, size_t len, uint32_t want, struct eg_tlv *ret) {
        struct eg_tlv outer;

        if (eg_tlv_parse(data, len, &outer) < 0 || outer.tag != 0x7C ||
            outer.header_length + outer.length != len)
                return -EBADMSG;
        if (eg_tlv_find(outer.value, outer.length, want, ret) < 0 || ret->length == 0)
                return -EBADMSG;
        return 0;
}

int eg_pace_handle_response(struct eg_pace *p, const uint8_t *data, size_t len, uint16_t sw,
                            const char **reason) {
        static const uint32_t tags[] = { [STEP_NONCE] = 0x80,
                                         [STEP_MAP] = 0x82,
                                         [STEP_KEY_AGREEMENT] = 0x84,
                                         [STEP_TOKEN] = 0x86 };
        BUF_MEM *b = NULL;
        struct eg_tlv v;
        int r = 0;

        if (!p->sent || p->step >= STEP_DONE)
                return -EINVAL;
        p->sent = false;

        if (sw != EG_SW_OK) {
                /* 63Cx counts remaining tries; 6300 and 6982 on a wrong password. */
                if ((sw >> 8) == 0x63 || sw == EG_SW_SECURITY_NOT_SATISFIED) {
                        SET_REASON(reason, "chip refused the PACE password");
                        return -EACCES;
                }
                SET_REASON(reason, p->step == STEP_SET_AT ? "chip refused MSE:Set AT for PACE"
                                                          : "chip refused a PACE step");
                return -EBADMSG;
        }
        if (p->step == STEP_SET_AT) {
                p->step++;
                return 0;
        }

        if (inner_value(data, len, tags[p->step], &v) < 0) {
                SET_REASON(reason, "malformed GENERAL AUTHENTICATE answer");
                return -EBADMSG;
        }
        b = BUF_MEM_new();
        if (!b || BUF_MEM_grow(b, v.length) != v.length) {
                BUF_MEM_free(b);
                return -ENOMEM;
        }
        memcpy(b->data, v.value, v.length);

        switch (p->step) {
        case STEP_NONCE:
                if (!PACE_STEP2_dec_nonce(p->ctx, p->secret, b)) {
                        SET_REASON(reason, "cannot decrypt the PACE nonce");
                        r = -EBADMSG;
                }
                break;
        case STEP_MAP:
                if (!PACE_STEP3A_map_generator(p->ctx, b)) {
                        SET_REASON(reason, "chip's PACE mapping data is invalid");
                        r = -EBADMSG;
                }
                break;
        case STEP_KEY_AGREEMENT:
                if (!PACE_STEP3B_compute_shared_secret(p->ctx, b) ||
                    !PACE_STEP3C_derive_keys(p->ctx)) {
                        SET_REASON(reason, "chip's PACE ephemeral key is invalid");
                        r = -EBADMSG;
                        break;
                }
                BUF_MEM_free(p->chip_pub);
                p->chip_pub = b;
                b = NULL;
                break;
        case STEP_TOKEN:
                if (PACE_STEP3D_verify_authentication_token(p->ctx, b) != 1) {
                        SET_REASON(reason, "chip's PACE authentication token does not verify");
                        r = -EACCES;
                }
                break;
        default:
                r = -EINVAL;
        }
        BUF_MEM_free(b);
        ERR_clear_error();
        if (r < 0)
                return r;
        p->step++;
        return 0;
}

int eg_pace_session(const struct eg_pace *p, struct eg_sm *sm) {
        const KA_CTX *ka = p->ctx->pace_ctx->ka_ctx;
        size_t kl = eg_cipher_key_size(p->cipher);

        if (p->step != STEP_DONE || !ka->k_enc || !ka->k_mac || ka->k_enc->length != kl ||
            ka->k_mac->length != kl)
                return -EINVAL;
        return eg_sm_init(sm, p->cipher, (const uint8_t *) ka->k_enc->data,
                          (const uint8_t *) ka->k_mac->data, NULL);
}
