/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "apdu-files.h"

#include <errno.h>
#include <string.h>

#define SW_OK 0x9000
#define SW_END_OF_FILE 0x6282       /* fewer bytes than Le before the end */
#define SW_WRONG_LENGTH 0x6700
#define SW_SM_NOT_SUPPORTED 0x6882
#define SW_CHAINING_NOT_SUPPORTED 0x6884
#define SW_NO_CURRENT_EF 0x6986
#define SW_NOT_FOUND 0x6A82
#define SW_WRONG_P1P2 0x6A86
#define SW_WRONG_OFFSET 0x6B00
#define SW_INS_NOT_SUPPORTED 0x6D00
#define SW_CLA_NOT_SUPPORTED 0x6E00

#define INS_SELECT 0xA4
#define INS_READ_BINARY 0xB0

static const uint8_t lds1_aid[] = { 0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01 };

enum {
        FILE_EF_COM = 0,
        FILE_DG1 = 1,
};

size_t mock_ber_tlv(uint8_t *buf, size_t size, uint16_t tag, const uint8_t *value, size_t len) {
        size_t n = 0;

        if (len > 0xFFFF)
                return 0;
        if (size < (tag > 0xFF ? 2u : 1u) + 3u + len)
                return 0;
        if (tag > 0xFF)
                buf[n++] = (uint8_t) (tag >> 8);
        buf[n++] = (uint8_t) tag;
        if (len < 0x80)
                buf[n++] = (uint8_t) len;
        else if (len <= 0xFF) {
                buf[n++] = 0x81;
                buf[n++] = (uint8_t) len;
        } else {
                buf[n++] = 0x82;
                buf[n++] = (uint8_t) (len >> 8);
                buf[n++] = (uint8_t) len;
        }
        if (len > 0)
                memcpy(buf + n, value, len);
        return n + len;
}

int mock_apdu_server_init(struct mock_apdu_server *s, const struct mock_mrz *dg1_mrz) {
        /* EF.COM: LDS version 1.7, Unicode 4.0.0, and the list of DGs: DG1 only. */
        static const uint8_t com_body[] = {
                0x5F, 0x01, 0x04, '0', '1', '0', '7',
                0x5F, 0x36, 0x06, '0', '4', '0', '0', '0', '0',
                0x5C, 0x01, 0x61,
        };
        uint8_t mrz[3 * MOCK_MRZ_MAX_LINE], inner[MOCK_APDU_FILE_MAX];
        size_t mrz_len, inner_len;

        *s = (struct mock_apdu_server) { .current = -1 };

        s->files[FILE_EF_COM].fid = 0x011E;
        s->files[FILE_EF_COM].sfi = 0x1E;
        s->files[FILE_EF_COM].len = mock_ber_tlv(s->files[FILE_EF_COM].data, MOCK_APDU_FILE_MAX,
                                                 0x60, com_body, sizeof(com_body));

        mrz_len = mock_mrz_concat(dg1_mrz, (char *) mrz, sizeof(mrz));
        inner_len = mock_ber_tlv(inner, sizeof(inner), 0x5F1F, mrz, mrz_len);
        s->files[FILE_DG1].fid = 0x0101;
        s->files[FILE_DG1].sfi = 0x01;
        s->files[FILE_DG1].len = mock_ber_tlv(s->files[FILE_DG1].data, MOCK_APDU_FILE_MAX, 0x61,
                                              inner, inner_len);

        if (s->files[FILE_EF_COM].len == 0 || inner_len == 0 || s->files[FILE_DG1].len == 0)
                return -ENOBUFS;
        return 0;
}

void mock_apdu_server_reset(struct mock_apdu_server *s) {
        s->application_selected = false;
        s->current = -1;
}

static size_t sw(uint8_t *r, size_t n, uint16_t status) {
        r[n] = (uint8_t) (status >> 8);
        r[n + 1] = (uint8_t) status;
        return n + 2;
}

struct capdu {
        uint8_t cla, ins, p1, p2;
        const uint8_t *data;
        size_t lc;
        size_t le; /* 0: no Le field; else Ne (256 / 65536 for a zero Le) */
};

/* ISO/IEC 7816-3 §12.1: cases 1, 2S/E, 3S/E, 4S/E.  false: malformed. */
static bool parse_capdu(const uint8_t *b, size_t len, struct capdu *c) {
        *c = (struct capdu) { .cla = b[0], .ins = b[1], .p1 = b[2], .p2 = b[3] };

        if (len == 4)
                return true;
        if (len == 5) {
                c->le = b[4] ? b[4] : 256;
                return true;
        }
        if (b[4] != 0) { /* short Lc */
                c->lc = b[4];
                c->data = b + 5;
                if (len == 5 + c->lc)
                        return true;
                if (len == 6 + c->lc) {
                        c->le = b[5 + c->lc] ? b[5 + c->lc] : 256;
                        return true;
                }
                return false;
        }
        if (len < 7) /* an extended length needs three bytes */
                return false;
        if (len == 7) { /* extended Le only */
                size_t le = (size_t) b[5] << 8 | b[6];
                c->le = le ? le : 65536;
                return true;
        }
        c->lc = (size_t) b[5] << 8 | b[6];
        c->data = b + 7;
        if (c->lc == 0)
                return false;
        if (len == 7 + c->lc)
                return true;
        if (len == 9 + c->lc) {
                size_t le = (size_t) b[7 + c->lc] << 8 | b[8 + c->lc];
                c->le = le ? le : 65536;
                return true;
        }
        return false;
}

static int find_file(const struct mock_apdu_server *s, uint16_t fid) {
        for (int i = 0; i < MOCK_APDU_FILES; i++)
                if (s->files[i].fid == fid)
                        return i;
        return -1;
}

static int find_sfi(const struct mock_apdu_server *s, uint8_t sfi) {
        for (int i = 0; i < MOCK_APDU_FILES; i++)
                if (s->files[i].sfi == sfi)
                        return i;
        return -1;
}

static uint16_t do_select(struct mock_apdu_server *s, const struct capdu *c) {
        switch (c->p1) {
        case 0x00: /* MF */
                if (c->lc != 0 && !(c->lc == 2 && c->data[0] == 0x3F && c->data[1] == 0x00))
                        return SW_NOT_FOUND;
                mock_apdu_server_reset(s);
                return SW_OK;

        case 0x02: { /* EF under the current DF */
                int i;

                if ((c->p2 & 0x0C) != 0x0C) /* we never return FCI/FCP */
                        return SW_WRONG_P1P2;
                if (c->lc != 2)
                        return SW_WRONG_LENGTH;
                if (!s->application_selected)
                        return SW_NOT_FOUND;
                i = find_file(s, (uint16_t) (c->data[0] << 8 | c->data[1]));
                if (i < 0)
                        return SW_NOT_FOUND;
                s->current = i;
                return SW_OK;
        }

        case 0x04: /* DF name (AID) */
                if (c->lc == 0)
                        return SW_WRONG_LENGTH;
                if (c->lc != sizeof(lds1_aid) || memcmp(c->data, lds1_aid, sizeof(lds1_aid)) != 0)
                        return SW_NOT_FOUND;
                s->application_selected = true;
                s->current = -1;
                return SW_OK;

        default:
                return SW_WRONG_P1P2;
        }
}

static size_t do_read_binary(struct mock_apdu_server *s, const struct capdu *c, uint8_t *r) {
        const struct mock_apdu_file *f;
        size_t offset, n;

        if (c->lc != 0 || c->le == 0)
                return sw(r, 0, SW_WRONG_LENGTH);

        if (c->p1 & 0x80) { /* P1 = 100xxxxx: short EF identifier, P2 = offset */
                int i;

                if (c->p1 & 0x60)
                        return sw(r, 0, SW_WRONG_P1P2);
                i = s->application_selected ? find_sfi(s, c->p1 & 0x1F) : -1;
                if (i < 0)
                        return sw(r, 0, SW_NOT_FOUND);
                s->current = i;
                offset = c->p2;
        } else {
                if (s->current < 0)
                        return sw(r, 0, SW_NO_CURRENT_EF);
                offset = (size_t) c->p1 << 8 | c->p2;
        }

        f = &s->files[s->current];
        if (offset >= f->len)
                return sw(r, 0, SW_WRONG_OFFSET);
        n = f->len - offset;
        if (n > c->le)
                n = c->le;
        if (n > MOCK_RAPDU_MAX - 2)
                n = MOCK_RAPDU_MAX - 2;
        memcpy(r, f->data + offset, n);
        return sw(r, n, n < c->le ? SW_END_OF_FILE : SW_OK);
}

size_t mock_apdu_process(struct mock_apdu_server *s, const uint8_t *capdu, size_t len,
                         uint8_t rapdu[static MOCK_RAPDU_MAX]) {
        struct capdu c;

        if (!capdu || len < 4 || !parse_capdu(capdu, len, &c))
                return sw(rapdu, 0, SW_WRONG_LENGTH);

        /* Only the interindustry class, plain, unchained, basic channel. */
        if (c.cla & 0x80)
                return sw(rapdu, 0, SW_CLA_NOT_SUPPORTED);
        if (c.cla & 0x0C)
                return sw(rapdu, 0, SW_SM_NOT_SUPPORTED);
        if (c.cla & 0x10)
                return sw(rapdu, 0, SW_CHAINING_NOT_SUPPORTED);
        if (c.cla != 0x00)
                return sw(rapdu, 0, SW_CLA_NOT_SUPPORTED);

        switch (c.ins) {
        case INS_SELECT:
                return sw(rapdu, 0, do_select(s, &c));
        case INS_READ_BINARY:
                return do_read_binary(s, &c, rapdu);
        default:
                return sw(rapdu, 0, SW_INS_NOT_SUPPORTED);
        }
}
