/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto-test-util.h"
#include "emrtd/bac.h"
#include "emrtd/tlv.h"
#include <errno.h>

static int nibble(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        c = (char) toupper((unsigned char) c);
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

size_t hex_to_bytes(const char *hex, uint8_t *out, size_t cap) {
        size_t n = 0;
        int hi = -1;

        for (const char *p = hex; *p; p++) {
                if (isspace((unsigned char) *p))
                        continue;
                int v = nibble(*p);
                if (v < 0)
                        abort();
                if (hi < 0)
                        hi = v;
                else {
                        if (n >= cap)
                                abort();
                        out[n++] = (uint8_t) (hi << 4 | v);
                        hi = -1;
                }
        }
        if (hi >= 0)
                abort();
        return n;
}

const char *bytes_to_hex(const uint8_t *buf, size_t len) {
        static char ring[4][2 * 4096 + 1];
        static unsigned slot;
        char *s = ring[slot++ % 4];

        if (len > 4096)
                len = 4096;
        for (size_t i = 0; i < len; i++)
                sprintf(s + 2 * i, "%02X", buf[i]);
        s[2 * len] = '\0';
        return s;
}

int test_exchange(struct eg_test_card *card, struct eg_sm *sm, const struct eg_capdu *cmd,
                  uint8_t *data, size_t cap, size_t *ret_len, uint16_t *ret_sw) {
        static uint8_t wire[EG_CAPDU_MAX], resp[EG_RAPDU_MAX + 64];
        size_t n = 0, rn = 0;
        int r;

        if (sm && eg_sm_active(sm)) {
                r = eg_sm_wrap(sm, cmd, wire, sizeof(wire), &n);
                if (r < 0)
                        return r;
        } else {
                r = eg_capdu_encode(cmd, wire, sizeof(wire));
                if (r < 0)
                        return r;
                n = (size_t) r;
        }
        r = eg_test_card_transmit(card, wire, n, resp, &rn);
        if (r < 0)
                return r;
        if (sm && eg_sm_active(sm))
                return eg_sm_unwrap(sm, resp, rn, data, cap, ret_len, ret_sw, NULL);
        if (rn < 2 || rn - 2 > cap)
                return -EBADMSG;
        memcpy(data, resp, rn - 2);
        *ret_len = rn - 2;
        *ret_sw = (uint16_t) (resp[rn - 2] << 8 | resp[rn - 1]);
        return 0;
}

int test_select_and_bac(struct eg_test_card *card, const char *mrz_information, struct eg_sm *sm) {
        static const uint8_t aid[] = { 0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01 };
        struct eg_capdu c = { .ins = 0xA4, .p1 = 0x04, .p2 = 0x0C, .data = aid, .lc = 7 };
        uint8_t buf[64], data[40];
        size_t len;
        uint16_t sw;
        struct eg_bac bac;
        int r;

        eg_sm_clear(sm);
        if (test_exchange(card, NULL, &c, buf, sizeof(buf), &len, &sw) < 0 || sw != 0x9000)
                return -EIO;
        eg_bac_get_challenge_command(&c);
        if (test_exchange(card, NULL, &c, buf, sizeof(buf), &len, &sw) < 0 || sw != 0x9000 ||
            len != 8)
                return -EIO;
        if (eg_bac_init(&bac, mrz_information) < 0 ||
            eg_bac_mutual_auth_data(&bac, buf, NULL, NULL, data) < 0)
                return -EINVAL;
        eg_bac_mutual_auth_command(data, &c);
        if (test_exchange(card, NULL, &c, buf, sizeof(buf), &len, &sw) < 0)
                return -EIO;
        if (sw != 0x9000)
                return -EACCES;
        r = eg_bac_finish(&bac, buf, len, sm, NULL);
        eg_bac_clear(&bac);
        return r;
}

int test_read_file(struct eg_test_card *card, struct eg_sm *sm, uint16_t fid, size_t chunk,
                   uint8_t **ret, size_t *ret_len) {
        uint8_t id[2] = { (uint8_t) (fid >> 8), (uint8_t) fid }, *out = NULL;
        struct eg_capdu c = { .ins = 0xA4, .p1 = 0x02, .p2 = 0x0C, .data = id, .lc = 2 };
        static uint8_t buf[65536];
        size_t len, total = 0, have = 0;
        uint16_t sw;
        struct eg_tlv t;
        int r;

        r = test_exchange(card, sm, &c, buf, sizeof(buf), &len, &sw);
        if (r < 0)
                return r;
        if (sw != 0x9000)
                return -ENOENT;
        for (;;) {
                size_t want = total ? (total - have < chunk ? total - have : chunk) : 4;
                struct eg_capdu rb = { .ins = 0xB0,
                                       .p1 = (uint8_t) (have >> 8),
                                       .p2 = (uint8_t) have,
                                       .le = (uint32_t) want };
                r = test_exchange(card, sm, &rb, buf, sizeof(buf), &len, &sw);
                if (r < 0) {
                        free(out);
                        return r;
                }
                if ((sw != 0x9000 && sw != 0x6282) || len == 0) {
                        free(out);
                        return -EIO;
                }
                if (!out) {
                        /* The TLV header tells the file size. */
                        if (eg_tlv_parse(buf, len, &t) == 0 || len >= 4) {
                                uint8_t hdr[8] = {};
                                memcpy(hdr, buf, len < 8 ? len : 8);
                                size_t l = 0, hl = 0;
                                if (hdr[1] < 0x80) {
                                        l = hdr[1];
                                        hl = 2;
                                } else if (hdr[1] == 0x81) {
                                        l = hdr[2];
                                        hl = 3;
                                } else if (hdr[1] == 0x82) {
                                        l = (size_t) hdr[2] << 8 | hdr[3];
                                        hl = 4;
                                } else {
                                        return -EBADMSG;
                                }
                                total = hl + l;
                        }
                        out = malloc(total);
                        if (!out)
                                return -ENOMEM;
                }
                if (len > total - have)
                        len = total - have;
                memcpy(out + have, buf, len);
                have += len;
                if (have >= total)
                        break;
        }
        *ret = out;
        *ret_len = total;
        return 0;
}
