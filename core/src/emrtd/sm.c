/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sm.h"
#include "tlv.h"

#define SET_REASON(r, s)                                                                           \
        do {                                                                                       \
                if (r)                                                                             \
                        *(r) = (s);                                                                \
        } while (0)

int eg_sm_init(struct eg_sm *sm, enum eg_cipher c, const uint8_t *k_enc, const uint8_t *k_mac,
               const uint8_t *ssc) {
        size_t kl = eg_cipher_key_size(c), bl = eg_cipher_block_size(c);

        if (!sm || kl == 0 || !k_enc || !k_mac)
                return -EINVAL;
        eg_sm_clear(sm);
        sm->cipher = c;
        memcpy(sm->k_enc, k_enc, kl);
        memcpy(sm->k_mac, k_mac, kl);
        if (ssc)
                memcpy(sm->ssc, ssc, bl);
        return 0;
}

void eg_sm_clear(struct eg_sm *sm) {
        if (sm)
                eg_wipe(sm, sizeof(*sm));
}

bool eg_sm_active(const struct eg_sm *sm) {
        return sm && sm->cipher != EG_CIPHER_NONE;
}

void eg_sm_increment_ssc(struct eg_sm *sm) {
        for (size_t i = eg_cipher_block_size(sm->cipher); i > 0; i--)
                if (++sm->ssc[i - 1] != 0)
                        break;
}

int eg_sm_iv(const struct eg_sm *sm, uint8_t iv[static EG_BLOCK_MAX]) {
        size_t bl = eg_cipher_block_size(sm->cipher);

        if (bl == 0)
                return -EINVAL;
        memset(iv, 0, EG_BLOCK_MAX);
        if (sm->cipher == EG_CIPHER_3DES)
                return 0;
        /* One CBC block under a zero IV is ECB. */
        return eg_cbc_encrypt(sm->cipher, sm->k_enc, NULL, sm->ssc, bl, iv);
}

int eg_sm_mac(const struct eg_sm *sm, const uint8_t *input, size_t len,
              uint8_t out[static EG_MAC_SIZE]) {
        size_t bl = eg_cipher_block_size(sm->cipher), n;
        uint8_t *buf;
        int r;

        if (bl == 0 || (!input && len > 0) || len > SIZE_MAX / 2)
                return -EINVAL;
        buf = malloc(bl + len + bl);
        if (!buf)
                return -ENOMEM;
        memcpy(buf, sm->ssc, bl);
        if (len > 0)
                memcpy(buf + bl, input, len);
        n = eg_pad(buf, bl + len, bl, buf);
        r = eg_mac8(sm->cipher, sm->k_mac, buf, n, out);
        free(buf);
        return r;
}

static size_t do_size(size_t value_len) {
        return 1 +
               (value_len < 0x80      ? 1
                : value_len <= 0xFF   ? 2
                : value_len <= 0xFFFF ? 3
                                      : 4) +
               value_len;
}

size_t eg_sm_response_size(enum eg_cipher c, size_t le) {
        size_t bl = eg_cipher_block_size(c);
        size_t body = 0;

        if (le > 0)
                body += do_size(1 + (le / bl + 1) * bl);
        return body + 4 /* DO99 */ + 2 + EG_MAC_SIZE /* DO8E */ + 2 /* SW */;
}

static int put_do(uint8_t *buf, size_t cap, size_t *pos, uint32_t tag, const uint8_t *prefix,
                  size_t prefix_len, const uint8_t *value, size_t len) {
        uint8_t h[7];
        int n = eg_tlv_encode_header(tag, prefix_len + len, h);

        if (n < 0)
                return n;
        if (*pos + (size_t) n + prefix_len + len > cap)
                return -ENOBUFS;
        memcpy(buf + *pos, h, (size_t) n);
        *pos += (size_t) n;
        if (prefix_len > 0)
                memcpy(buf + *pos, prefix, prefix_len);
        *pos += prefix_len;
        if (len > 0)
                memcpy(buf + *pos, value, len);
        *pos += len;
        return 0;
}

int eg_sm_wrap(struct eg_sm *sm, const struct eg_capdu *plain, uint8_t *out, size_t cap,
               size_t *ret_len) {
        size_t bl = eg_cipher_block_size(sm->cipher);
        /* Padded header, DO87/85 (with the padded data), DO97, DO8E. */
        size_t body_cap, pos, dos_start;
        uint8_t *body = NULL, *enc = NULL, iv[EG_BLOCK_MAX], mac[EG_MAC_SIZE];
        struct eg_capdu outer;
        int r;

        if (!eg_sm_active(sm) || !plain || !out || !ret_len)
                return -EINVAL;
        if ((plain->cla & 0x0C) != 0 || plain->lc > EG_APDU_EXT_MAX_DATA ||
            plain->le > EG_APDU_EXT_MAX_LE || (plain->lc > 0 && !plain->data))
                return -EINVAL;

        body_cap = bl + 8 + plain->lc + bl + 8 + 2 + EG_MAC_SIZE;
        body = malloc(body_cap);
        enc = malloc(plain->lc + bl);
        if (!body || !enc) {
                r = -ENOMEM;
                goto finish;
        }

        eg_sm_increment_ssc(sm);

        /* The MAC covers the masked, padded header and then the DOs. */
        body[0] = plain->cla | 0x0C;
        body[1] = plain->ins;
        body[2] = plain->p1;
        body[3] = plain->p2;
        pos = eg_pad(body, 4, bl, body);
        dos_start = pos;

        if (plain->lc > 0) {
                size_t n = eg_pad(plain->data, plain->lc, bl, enc);
                r = eg_sm_iv(sm, iv);
                if (r < 0)
                        goto finish;
                r = eg_cbc_encrypt(sm->cipher, sm->k_enc, iv, enc, n, enc);
                if (r < 0)
                        goto finish;
                /* Odd INS (e.g. READ BINARY B1) carries BER-TLV data: DO85, no padding byte. */
                if (plain->ins & 1)
                        r = put_do(body, body_cap, &pos, 0x85, NULL, 0, enc, n);
                else
                        r = put_do(body, body_cap, &pos, 0x87, (const uint8_t[]){ 0x01 }, 1, enc,
                                   n);
                if (r < 0)
                        goto finish;
        }
        if (plain->le > 0) {
                bool ext_le = plain->extended || plain->le > EG_APDU_SHORT_MAX_LE;
                uint8_t le[2] = { (uint8_t) (plain->le >> 8), (uint8_t) plain->le };
                r = ext_le ? put_do(body, body_cap, &pos, 0x97, NULL, 0, le, 2)
                           : put_do(body, body_cap, &pos, 0x97, NULL, 0, le + 1, 1);
                if (r < 0)
                        goto finish;
        }

        r = eg_sm_mac(sm, body, pos, mac);
        if (r < 0)
                goto finish;
        r = put_do(body, body_cap, &pos, 0x8E, NULL, 0, mac, sizeof(mac));
        if (r < 0)
                goto finish;

        outer = (struct eg_capdu){
                .cla = plain->cla | 0x0C,
                .ins = plain->ins,
                .p1 = plain->p1,
                .p2 = plain->p2,
                .data = body + dos_start,
                .lc = pos - dos_start,
        };
        outer.extended = plain->extended || outer.lc > EG_APDU_SHORT_MAX_DATA ||
                         eg_sm_response_size(sm->cipher, plain->le) > EG_APDU_SHORT_MAX_LE;
        outer.le = outer.extended ? EG_APDU_EXT_MAX_LE : EG_APDU_SHORT_MAX_LE;
        r = eg_capdu_encode(&outer, out, cap);
        if (r < 0)
                goto finish;
        *ret_len = (size_t) r;
        r = 0;

finish:
        if (enc)
                eg_wipe(enc, plain->lc + bl);
        free(enc);
        free(body);
        return r;
}

int eg_sm_unwrap(struct eg_sm *sm, const uint8_t *rapdu, size_t len, uint8_t *out, size_t cap,
                 size_t *ret_data_len, uint16_t *ret_sw, const char **reason) {
        size_t bl = eg_cipher_block_size(sm->cipher), body_len, offset = 0, mac_input_len = 0;
        struct eg_tlv t, d87 = {}, d99 = {}, d8e = {};
        bool have87 = false, have99 = false, have8e = false, odd = false;
        uint8_t mac[EG_MAC_SIZE], iv[EG_BLOCK_MAX], *plain = NULL;
        uint16_t sw;
        int r;

        if (!eg_sm_active(sm) || !ret_data_len || !ret_sw || (cap > 0 && !out)) {
                SET_REASON(reason, "secure messaging not established");
                return -EINVAL;
        }
        if (eg_rapdu_sw(rapdu, len, &sw) < 0) {
                SET_REASON(reason, "response shorter than a status word");
                return -EBADMSG;
        }

        eg_sm_increment_ssc(sm);
        body_len = len - 2;

        if (body_len == 0) {
                if (!eg_sw_is_valid(sw)) {
                        SET_REASON(reason, "invalid status word");
                        return -EBADMSG;
                }
                if (sw == EG_SW_OK) {
                        SET_REASON(reason, "unprotected 9000 response");
                        return -EBADMSG;
                }
                *ret_sw = sw;
                *ret_data_len = 0;
                return 0;
        }

        /* Bounds first: every DO must lie inside the body, DO8E last. */
        for (;;) {
                r = eg_tlv_next(rapdu, body_len, &offset, &t);
                if (r == 0)
                        break;
                if (r < 0) {
                        SET_REASON(reason, "malformed secure messaging data objects");
                        return -EBADMSG;
                }
                if (have8e) {
                        SET_REASON(reason, "data after the response MAC");
                        return -EBADMSG;
                }
                switch (t.tag) {
                case 0x85:
                case 0x87:
                        if (have87 || have99) {
                                SET_REASON(reason, "unexpected cryptogram data object");
                                return -EBADMSG;
                        }
                        d87 = t;
                        have87 = true;
                        odd = t.tag == 0x85;
                        break;
                case 0x99:
                        if (have99) {
                                SET_REASON(reason, "duplicate status data object");
                                return -EBADMSG;
                        }
                        d99 = t;
                        have99 = true;
                        break;
                case 0x8E:
                        d8e = t;
                        have8e = true;
                        mac_input_len = offset - t.header_length - t.length;
                        break;
                default:
                        SET_REASON(reason, "unknown secure messaging data object");
                        return -EBADMSG;
                }
        }
        if (!have8e || d8e.length != EG_MAC_SIZE) {
                SET_REASON(reason, "response MAC missing");
                return -EBADMSG;
        }

        r = eg_sm_mac(sm, rapdu, mac_input_len, mac);
        if (r < 0) {
                SET_REASON(reason, "cannot compute the response MAC");
                return r;
        }
        if (!eg_memeq(mac, d8e.value, EG_MAC_SIZE)) {
                SET_REASON(reason, "response MAC mismatch");
                return -EBADMSG;
        }

        /* Authentic from here on; still check the shapes. */
        if (!have99 || d99.length != 2) {
                SET_REASON(reason, "response status data object missing");
                return -EBADMSG;
        }
        sw = (uint16_t) ((d99.value[0] << 8) | d99.value[1]);
        if (!eg_sw_is_valid(sw)) {
                SET_REASON(reason, "invalid status word");
                return -EBADMSG;
        }

        *ret_data_len = 0;
        if (have87) {
                const uint8_t *ct = d87.value;
                size_t ct_len = d87.length, n;

                if (!odd) {
                        if (ct_len < 1 || ct[0] != 0x01) {
                                SET_REASON(reason, "unsupported padding indicator");
                                return -EBADMSG;
                        }
                        ct++;
                        ct_len--;
                }
                if (ct_len == 0 || ct_len % bl != 0) {
                        SET_REASON(reason, "cryptogram is not whole cipher blocks");
                        return -EBADMSG;
                }
                plain = malloc(ct_len);
                if (!plain)
                        return -ENOMEM;
                r = eg_sm_iv(sm, iv);
                if (r >= 0)
                        r = eg_cbc_decrypt(sm->cipher, sm->k_enc, iv, ct, ct_len, plain);
                if (r < 0) {
                        free(plain);
                        SET_REASON(reason, "cannot decrypt the response");
                        return r;
                }
                if (eg_unpad(plain, ct_len, &n) < 0) {
                        eg_wipe(plain, ct_len);
                        free(plain);
                        SET_REASON(reason, "bad padding in the decrypted response");
                        return -EBADMSG;
                }
                if (n > cap) {
                        eg_wipe(plain, ct_len);
                        free(plain);
                        SET_REASON(reason, "response data larger than expected");
                        return -ENOBUFS;
                }
                if (n > 0)
                        memcpy(out, plain, n);
                eg_wipe(plain, ct_len);
                free(plain);
                *ret_data_len = n;
        }
        *ret_sw = sw;
        return 0;
}
