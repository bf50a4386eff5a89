/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Secure messaging on the card side: check and decrypt a protected
 * command, protect an answer.  Written separately from core/src/emrtd/sm.c
 * (it shares only the primitives the ICAO vectors pin down) so that the two
 * directions test each other.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "card-internal.h"
#include "emrtd/tlv.h"

int card_sm_unwrap_command(struct eg_test_card *c, const struct eg_capdu *wire, uint8_t *buf,
                           struct eg_capdu *ret) {
        struct eg_sm *sm = &c->sm;
        size_t bl = eg_cipher_block_size(sm->cipher), offset = 0, mac_len = 0, n;
        struct eg_tlv t, d87 = {}, d97 = {}, d8e = {};
        uint8_t *mac_input, mac[EG_MAC_SIZE], iv[EG_BLOCK_MAX];
        bool h87 = false, h97 = false, h8e = false;
        int r;

        eg_sm_increment_ssc(sm);
        while ((r = eg_tlv_next(wire->data, wire->lc, &offset, &t)) > 0) {
                if (h8e)
                        return -EBADMSG;
                if ((t.tag == 0x87 || t.tag == 0x85) && !h87 && !h97) {
                        d87 = t;
                        h87 = true;
                } else if (t.tag == 0x97 && !h97) {
                        d97 = t;
                        h97 = true;
                } else if (t.tag == 0x8E && t.length == EG_MAC_SIZE) {
                        d8e = t;
                        h8e = true;
                        mac_len = offset - t.header_length - t.length;
                } else
                        return -EBADMSG;
        }
        if (r < 0 || !h8e)
                return -EBADMSG;

        /* MAC over pad(masked header) ‖ the data objects before DO8E. */
        mac_input = malloc(bl + mac_len + 1);
        if (!mac_input)
                return -ENOMEM;
        mac_input[0] = wire->cla;
        mac_input[1] = wire->ins;
        mac_input[2] = wire->p1;
        mac_input[3] = wire->p2;
        n = eg_pad(mac_input, 4, bl, mac_input);
        memcpy(mac_input + n, wire->data, mac_len);
        r = eg_sm_mac(sm, mac_input, n + mac_len, mac);
        free(mac_input);
        if (r < 0 || !eg_memeq(mac, d8e.value, EG_MAC_SIZE))
                return -EBADMSG;

        *ret = (struct eg_capdu){ .cla = wire->cla & ~0x0C,
                                  .ins = wire->ins,
                                  .p1 = wire->p1,
                                  .p2 = wire->p2,
                                  .extended = wire->extended };
        if (h97) {
                if (d97.length == 1)
                        ret->le = d97.value[0] ? d97.value[0] : 256;
                else if (d97.length == 2)
                        ret->le = (d97.value[0] << 8 | d97.value[1]) ?: 65536;
                else
                        return -EBADMSG;
        }
        if (h87) {
                const uint8_t *ct = d87.value;
                size_t ct_len = d87.length;
                if (d87.tag == 0x87) {
                        if (ct_len < 1 || ct[0] != 0x01)
                                return -EBADMSG;
                        ct++;
                        ct_len--;
                }
                if (ct_len == 0 || ct_len % bl != 0 || eg_sm_iv(sm, iv) < 0 ||
                    eg_cbc_decrypt(sm->cipher, sm->k_enc, iv, ct, ct_len, buf) < 0 ||
                    eg_unpad(buf, ct_len, &n) < 0)
                        return -EBADMSG;
                ret->data = buf;
                ret->lc = n;
        }
        return 0;
}

int card_sm_wrap_response(struct eg_test_card *c, const struct card_response *r, uint8_t *out,
                          size_t cap, size_t *ret_len) {
        struct eg_sm *sm = &c->sm;
        size_t bl = eg_cipher_block_size(sm->cipher), pos = 0, n;
        uint8_t iv[EG_BLOCK_MAX], mac[EG_MAC_SIZE], h[7], *enc;
        int hn;

        if (!eg_sw_is_completed(r->sw)) {
                /* Errors go back unprotected, as real chips do. */
                if (!c->faults.plain_error_no_ssc)
                        eg_sm_increment_ssc(sm);
                out[0] = (uint8_t) (r->sw >> 8);
                out[1] = (uint8_t) r->sw;
                *ret_len = 2;
                return 0;
        }
        eg_sm_increment_ssc(sm);

        if (r->len > 0) {
                enc = malloc(r->len + bl);
                if (!enc)
                        return -ENOMEM;
                n = eg_pad(r->data, r->len, bl, enc);
                if (eg_sm_iv(sm, iv) < 0 ||
                    eg_cbc_encrypt(sm->cipher, sm->k_enc, iv, enc, n, enc) < 0) {
                        free(enc);
                        return -EIO;
                }
                hn = eg_tlv_encode_header(r->odd ? 0x85 : 0x87, n + (r->odd ? 0 : 1), h);
                if (c->faults.bogus_response_length)
                        h[hn - 1] += 0x7F; /* claims more than follows (or garbles the length) */
                memcpy(out + pos, h, (size_t) hn);
                pos += (size_t) hn;
                if (!r->odd)
                        out[pos++] = 0x01;
                memcpy(out + pos, enc, n);
                pos += n;
                free(enc);
        }
        out[pos++] = 0x99;
        out[pos++] = 0x02;
        out[pos++] = (uint8_t) (r->sw >> 8);
        out[pos++] = (uint8_t) r->sw;
        if (eg_sm_mac(sm, out, pos, mac) < 0)
                return -EIO;
        if (c->faults.corrupt_response_mac)
                mac[3] ^= 0x10;
        out[pos++] = 0x8E;
        out[pos++] = EG_MAC_SIZE;
        memcpy(out + pos, mac, EG_MAC_SIZE);
        pos += EG_MAC_SIZE;
        out[pos++] = (uint8_t) (r->sw >> 8);
        out[pos++] = (uint8_t) r->sw;
        if (pos > cap)
                return -ENOBUFS;
        *ret_len = pos;
        return 0;
}
