/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "apdu.h"

int eg_capdu_encode(const struct eg_capdu *c, uint8_t *out, size_t cap) {
        bool ext;
        size_t n = 0, need;

        if (!c || !out || (c->lc > 0 && !c->data))
                return -EINVAL;
        if (c->lc > EG_APDU_EXT_MAX_DATA || c->le > EG_APDU_EXT_MAX_LE)
                return -EINVAL;

        ext = c->extended || c->lc > EG_APDU_SHORT_MAX_DATA || c->le > EG_APDU_SHORT_MAX_LE;
        need = 4 + (c->lc > 0 ? (ext ? 3 : 1) + c->lc : 0) +
               (c->le > 0 ? (ext ? (c->lc > 0 ? 2 : 3) : 1) : 0);
        if (need > cap)
                return -ENOBUFS;

        out[n++] = c->cla;
        out[n++] = c->ins;
        out[n++] = c->p1;
        out[n++] = c->p2;
        if (c->lc > 0) {
                if (ext) {
                        out[n++] = 0x00;
                        out[n++] = (uint8_t) (c->lc >> 8);
                }
                out[n++] = (uint8_t) c->lc;
                memcpy(out + n, c->data, c->lc);
                n += c->lc;
        }
        if (c->le > 0) {
                /* 256 and 65536 wrap to the all-zero encoding. */
                if (ext) {
                        if (c->lc == 0)
                                out[n++] = 0x00;
                        out[n++] = (uint8_t) (c->le >> 8);
                }
                out[n++] = (uint8_t) c->le;
        }
        return (int) n;
}

static uint32_t decode_le(uint32_t v, bool ext) {
        if (v == 0)
                return ext ? EG_APDU_EXT_MAX_LE : EG_APDU_SHORT_MAX_LE;
        return v;
}

int eg_capdu_parse(const uint8_t *buf, size_t len, struct eg_capdu *ret) {
        struct eg_capdu c = {};
        size_t body;

        if (!buf || !ret || len < 4)
                return -EBADMSG;

        c.cla = buf[0];
        c.ins = buf[1];
        c.p1 = buf[2];
        c.p2 = buf[3];
        body = len - 4;
        buf += 4;

        if (body == 0) { /* case 1 */
                *ret = c;
                return 0;
        }
        if (body == 1) { /* case 2S */
                c.le = decode_le(buf[0], false);
                *ret = c;
                return 0;
        }
        if (buf[0] != 0x00) { /* short Lc: case 3S or 4S */
                size_t lc = buf[0];
                if (body == 1 + lc)
                        ;
                else if (body == 2 + lc)
                        c.le = decode_le(buf[1 + lc], false);
                else
                        return -EBADMSG;
                c.lc = lc;
                c.data = buf + 1;
                *ret = c;
                return 0;
        }

        /* Extended: a 00 byte then two length bytes. */
        c.extended = true;
        if (body == 3) { /* case 2E */
                c.le = decode_le(((uint32_t) buf[1] << 8) | buf[2], true);
                *ret = c;
                return 0;
        }
        if (body < 3)
                return -EBADMSG;
        size_t lc = ((size_t) buf[1] << 8) | buf[2];
        if (lc == 0)
                return -EBADMSG;
        if (body == 3 + lc)
                ;
        else if (body == 5 + lc)
                c.le = decode_le(((uint32_t) buf[3 + lc] << 8) | buf[4 + lc], true);
        else
                return -EBADMSG;
        c.lc = lc;
        c.data = buf + 3;
        *ret = c;
        return 0;
}

int eg_rapdu_sw(const uint8_t *buf, size_t len, uint16_t *ret_sw) {
        if (!buf || len < 2)
                return -EBADMSG;
        *ret_sw = (uint16_t) ((buf[len - 2] << 8) | buf[len - 1]);
        return 0;
}

bool eg_sw_is_valid(uint16_t sw) {
        uint8_t sw1 = sw >> 8;

        return ((sw1 & 0xF0) == 0x60 && sw1 != 0x60) || (sw1 & 0xF0) == 0x90;
}

bool eg_sw_is_completed(uint16_t sw) {
        uint8_t sw1 = sw >> 8;

        return sw1 == 0x90 || sw1 == 0x61 || sw1 == 0x62 || sw1 == 0x63;
}
