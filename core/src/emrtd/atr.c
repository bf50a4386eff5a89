/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include "atr.h"

int eg_atr_historical_bytes(const uint8_t *atr, size_t len, const uint8_t **ret, size_t *ret_len) {
        size_t pos = 2, k;
        uint8_t y;
        bool tck = false;

        if (!atr || len < 2 || (atr[0] != 0x3B && atr[0] != 0x3F))
                return -EBADMSG;
        y = atr[1] >> 4;
        k = atr[1] & 0x0F;
        /* Interface bytes: TAi, TBi, TCi present per bits of Y; TDi chains on. */
        for (;;) {
                bool td = y & 0x8;
                pos += (size_t) ((y & 1) + ((y >> 1) & 1) + ((y >> 2) & 1));
                if (!td)
                        break;
                if (pos >= len)
                        return -EBADMSG;
                /* A protocol other than T=0 means a check byte at the end. */
                if ((atr[pos] & 0x0F) != 0)
                        tck = true;
                y = atr[pos] >> 4;
                pos++;
        }
        if (pos > len || len - pos < k + (tck ? 1 : 0))
                return -EBADMSG;
        /* §8.2.5: T0 to TCK exclusive-or to 0.  A wrong check byte means the answer was
         * corrupted on the way or comes from a card that does not keep the standard, so
         * none of it is believed, least of all an "extended length" in the historical
         * bytes: refused, the chip is read in short APDUs, which every chip takes. */
        if (tck) {
                uint8_t x = 0;

                for (size_t i = 1; i <= pos + k; i++)
                        x ^= atr[i];
                if (x != 0)
                        return -EBADMSG;
        }
        /* Whatever follows TCK (or the historical bytes when no TCK is due) is not part of
         * the ATR: its own structure says where it ends, as it does for the terminal that
         * receives it, and TCK covers nothing after.  A reader may hand on such bytes (a
         * card that keeps sending after its answer, a driver that returns more of its
         * receive buffer than the ATR); nothing here reads them, so they are tolerated,
         * not refused. */
        *ret = atr + pos;
        *ret_len = k;
        return 0;
}

bool eg_atr_extended_length(const uint8_t *atr, size_t len) {
        const uint8_t *h;
        size_t n, pos;

        if (eg_atr_historical_bytes(atr, len, &h, &n) < 0 || n < 1)
                return false;
        /* Category 00 ends with three status bytes; 80 is all compact-TLV. */
        if (h[0] == 0x00) {
                if (n < 4)
                        return false;
                n -= 3;
        } else if (h[0] != 0x80)
                return false;

        for (pos = 1; pos < n;) {
                uint8_t tag = h[pos] >> 4, l = h[pos] & 0x0F;
                if (l > n - pos - 1)
                        return false;
                if (tag == 0x7 && l >= 3)
                        return (h[pos + 3] & 0x40) != 0;
                pos += 1 + l;
        }
        return false;
}
