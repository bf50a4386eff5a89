/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The ATR a contactless chip gets, the way PC/SC readers build it (PC/SC
 * part 3 §3.1.3.2.3): 3B 8n 80 01, then for type A the ATS's historical
 * bytes, for type B the ATQB's application data and protocol info and the
 * MBLI of the ATTRIB answer, then the check byte.
 *
 * The chip session reads the card capabilities in the historical bytes to
 * choose extended-length READ BINARY.  libnfc cannot carry that here: a
 * PN53x answers InDataExchange with at most 262 bytes and signals more with
 * the MI bit, and libnfc 1.8 has no support for MI (it aborts the process
 * on it).  So the "extended Lc/Le" bit is cleared: the daemon then reads in
 * short APDUs, whose answers fit in one frame.
 */
#include <string.h>

#include "nfc-plugin.h"

/* ISO/IEC 7816-4 §8.1.1: category 00 ends with three status bytes, 80 is all
 * compact-TLV; the card capabilities are tag 7, their third byte bit 7 is
 * "extended Lc and Le fields". */
static void clear_extended_length(uint8_t *h, size_t n) {
        size_t end = n, pos;

        if (n < 1)
                return;
        if (h[0] == 0x00) {
                if (n < 4)
                        return;
                end = n - 3;
        } else if (h[0] != 0x80)
                return;
        for (pos = 1; pos < end;) {
                uint8_t tag = h[pos] >> 4, len = h[pos] & 0x0F;

                if (len > end - pos - 1)
                        return;
                if (tag == 0x7 && len >= 3) {
                        h[pos + 3] &= (uint8_t) ~0x40;
                        return;
                }
                pos += 1 + (size_t) len;
        }
}

static size_t finish_atr(uint8_t *atr, const uint8_t *hist, size_t k) {
        uint8_t tck = 0;
        size_t n = 0;

        atr[n++] = 0x3B;
        atr[n++] = (uint8_t) (0x80 | k);
        atr[n++] = 0x80; /* TD1: T=0 announced, TD2 follows */
        atr[n++] = 0x01; /* TD2: T=1 */
        memcpy(atr + n, hist, k);
        clear_extended_length(atr + n, k);
        n += k;
        for (size_t i = 1; i < n; i++)
                tck ^= atr[i];
        atr[n++] = tck;
        return n;
}

size_t target_atr(const nfc_target *t, uint8_t *atr, size_t cap) {
        uint8_t hist[15];
        size_t k = 0;

        if (cap < 5 + sizeof(hist))
                return 0;
        if (t->nm.nmt == NMT_ISO14443A) {
                const nfc_iso14443a_info *a = &t->nti.nai;

                /* libnfc keeps the ATS without its length byte: T0 [TA] [TB] [TC] hist. */
                if (a->szAtsLen > 0 && a->szAtsLen <= sizeof(a->abtAts)) {
                        uint8_t t0 = a->abtAts[0];
                        size_t pos = 1 + !!(t0 & 0x10) + !!(t0 & 0x20) + !!(t0 & 0x40);

                        if (pos < a->szAtsLen) {
                                k = a->szAtsLen - pos;
                                if (k > sizeof(hist))
                                        k = sizeof(hist);
                                memcpy(hist, a->abtAts + pos, k);
                        }
                }
        } else if (t->nm.nmt == NMT_ISO14443B) {
                const nfc_iso14443b_info *b = &t->nti.nbi;

                memcpy(hist, b->abtApplicationData, 4);
                memcpy(hist + 4, b->abtProtocolInfo, 3);
                /* libnfc's "CID" is the ATTRIB answer's whole first byte, MBLI (b8-b5)
                 * and CID (b4-b1); PC/SC wants the MBLI there and 0 below it. */
                hist[7] = b->ui8CardIdentifier & 0xF0;
                k = 8;
        }
        return finish_atr(atr, hist, k);
}
