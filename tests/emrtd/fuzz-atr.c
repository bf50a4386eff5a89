/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for the answer-to-reset (atr.c: eg_atr_historical_bytes() and
 * eg_atr_extended_length()).  The whole input is the ATR as a chip reader plugin hands it
 * over in the EG_OP_CHIP_CONNECT result: bytes the card chose, which decide whether the
 * chip session reads in extended-length APDUs.  Besides crashes it traps on broken
 * invariants:
 *   - the answer is 0 or -EBADMSG, and 0 exactly when the ATR's layout holds by
 *     ISO/IEC 7816-3 §8.2 and, where a check byte is due, T0 to TCK exclusive-or to 0
 *     (§8.2.5), as worked out here apart from atr.c;
 *   - the check byte covers every byte from T0 to itself: one bit flipped in any of them
 *     but the format bytes (T0, the TDi, which decide where the others are) is refused;
 *   - the historical bytes are the ones T0 counts (at most 15), right after the interface
 *     bytes, inside the input with the check byte after them where one is due;
 *   - nothing past that structure counts: the ATR cut right after it reads the same, one
 *     byte shorter it is refused;
 *   - "extended length" is true only for a well-formed ATR and then exactly when its card
 *     capabilities (ISO/IEC 7816-4 §8.1.1) say so;
 *   - the input is left as it was.
 * Every call gets a copy of exactly the length it is told, so that ASan catches a read
 * past it.
 *   ./build-fuzz/tests/emrtd/fuzz-atr -max_total_time=60 /tmp/corpus tests/emrtd/seeds/fuzz-atr
 * Without -Dfuzzing the same entry point is built with a main() that replays the files
 * named on the command line and all their prefixes (in the suite).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "emrtd/atr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* T0's low nibble counts the historical bytes (ISO/IEC 7816-3 §8.2.2). */
#define HISTORICAL_MAX 15
/* Real ATRs are at most 33 bytes; longer inputs only slow the search down. */
#define INPUT_MAX 1024

/* The ATR's layout by ISO/IEC 7816-3 §8.2, as this target reads it. */
struct layout {
        size_t historical; /* offset of the first historical byte */
        size_t k; /* how many there are */
        bool tck; /* a check byte follows them */
};

/* What one ATR made of both entry points. */
struct answer {
        int r;
        const uint8_t *h;
        size_t n;
        bool extended;
};

/* false when the interface bytes, the historical bytes or the check byte overrun `len`, or
 * the check byte is wrong.  With `is_format` (len entries), marks T0 and the TDi there. */
static bool layout_of(const uint8_t *atr, size_t len, struct layout *ret, bool *is_format) {
        struct layout l = {};
        size_t format = 1; /* T0, then each TDi: its high nibble says which of TA..TD follow */
        uint8_t x = 0;

        if (len < 2 || (atr[0] != 0x3B && atr[0] != 0x3F))
                return false;
        l.k = atr[1] & 0x0F;
        for (;;) {
                uint8_t y = atr[format] >> 4;
                size_t after = format + 1 + (size_t) __builtin_popcount(y & 0x7);

                if (is_format)
                        is_format[format] = true;
                if (!(y & 0x8)) {
                        l.historical = after;
                        break;
                }
                if (after >= len)
                        return false;
                /* §8.2.5: the check byte is absent only when T=0 is the one protocol
                 * indicated; every TDi names one in its low nibble. */
                l.tck = l.tck || (atr[after] & 0x0F) != 0;
                format = after;
        }
        if (l.historical > len || len - l.historical < l.k + (l.tck ? 1 : 0))
                return false;
        if (l.tck) {
                for (size_t i = 1; i <= l.historical + l.k; i++)
                        x ^= atr[i];
                if (x != 0)
                        return false;
        }
        *ret = l;
        return true;
}

/* Where the third software function table of the card capabilities sits in the historical
 * bytes h[0..n), or 0 when there is none (ISO/IEC 7816-4 §8.1.1).  Category 00 keeps its
 * last three bytes for the status indicator, 80 is compact-TLV to the end, the others hold
 * no compact-TLV objects.  The objects count up to the first that overruns its region;
 * card capabilities of fewer than three bytes have no third table. */
static size_t third_table_at(const uint8_t *h, size_t n) {
        size_t region, at = 1;

        if (n >= 1 && h[0] == 0x80)
                region = n;
        else if (n >= 4 && h[0] == 0x00)
                region = n - 3;
        else
                return 0;
        while (at < region) {
                size_t l = h[at] & 0x0F;

                if (l >= region - at)
                        return 0;
                if ((h[at] >> 4) == 0x7 && l >= 3)
                        return at + 3;
                at += 1 + l;
        }
        return 0;
}

/* Both entry points on an exact copy of atr[0..len); the copy is the caller's to free. */
static struct answer ask(const uint8_t *atr, size_t len, uint8_t **ret_copy) {
        struct answer a = { .n = SIZE_MAX };
        uint8_t *copy = malloc(len ? len : 1);

        if (!copy)
                abort(); /* out of memory for at most INPUT_MAX bytes: nothing left to test */
        memcpy(copy, atr, len);
        a.r = eg_atr_historical_bytes(copy, len, &a.h, &a.n);
        a.extended = eg_atr_extended_length(copy, len);
        if (memcmp(copy, atr, len) != 0)
                __builtin_trap();
        *ret_copy = copy;
        return a;
}

/* The answer for atr[0..len) against the layout; true (with *ret and *ret_extended) when
 * it parsed. */
static bool judge(const uint8_t *atr, size_t len, struct layout *ret, bool *ret_extended) {
        struct layout l;
        uint8_t *copy;
        struct answer a = ask(atr, len, &copy);
        bool well_formed = layout_of(atr, len, &l, NULL);
        size_t offset, third;

        if (a.r != 0 && a.r != -EBADMSG)
                __builtin_trap();
        if ((a.r == 0) != well_formed)
                __builtin_trap();
        if (a.r < 0) {
                /* A refused ATR says nothing, least of all "extended", and leaves the
                 * caller's variables alone. */
                if (a.extended || a.h || a.n != SIZE_MAX)
                        __builtin_trap();
                free(copy);
                return false;
        }
        if (!a.h || a.h < copy + 2 || a.h > copy + len)
                __builtin_trap();
        offset = (size_t) (a.h - copy);
        if (offset != l.historical || a.n != l.k || a.n > HISTORICAL_MAX ||
            len - offset < a.n + (l.tck ? 1 : 0))
                __builtin_trap();
        third = third_table_at(a.h, a.n);
        if (a.extended != (third != 0 && (a.h[third] & 0x40) != 0))
                __builtin_trap();
        free(copy);
        *ret = l;
        *ret_extended = a.extended;
        return true;
}

/* An ATR whose check byte is due, with one bit flipped in each byte T0 to TCK that is no
 * format byte (so the layout stays, and only the check byte can catch it), is refused. */
static void check_flips(const uint8_t *atr, size_t end) {
        bool is_format[INPUT_MAX] = {};
        struct layout l;
        uint8_t *copy = malloc(end);

        if (!copy)
                abort();
        if (!layout_of(atr, end, &l, is_format))
                __builtin_trap();
        memcpy(copy, atr, end);
        for (size_t i = 2; i < end; i++) {
                const uint8_t *h = NULL;
                size_t n = SIZE_MAX;

                if (is_format[i])
                        continue;
                copy[i] ^= (uint8_t) (1u << (i % 8));
                if (eg_atr_historical_bytes(copy, end, &h, &n) != -EBADMSG || h || n != SIZE_MAX ||
                    eg_atr_extended_length(copy, end))
                        __builtin_trap();
                copy[i] = atr[i];
        }
        free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct layout l, again;
        bool extended, extended_again;
        size_t end;

        if (size > INPUT_MAX)
                return 0;
        if (!judge(data, size, &l, &extended))
                return 0;

        /* The structure ends after the historical bytes and the check byte: what follows
         * (a reader's padding, junk) changes nothing, and every byte up to there is needed. */
        end = l.historical + l.k + (l.tck ? 1 : 0);
        if (!judge(data, end, &again, &extended_again) || again.historical != l.historical ||
            again.k != l.k || again.tck != l.tck || extended_again != extended)
                __builtin_trap();
        if (judge(data, end - 1, &again, &extended_again))
                __builtin_trap();
        if (l.tck)
                check_flips(data, end);
        return 0;
}
