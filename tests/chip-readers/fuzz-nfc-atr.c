/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for the nfc plugin's ATR (plugins/nfc/nfc-atr.c: target_atr()), built
 * from what the chip answered its selection: a type A chip's ATS, a type B chip's ATQB and
 * ATTRIB answer.  The input fills libnfc's nfc_target, over bytes that are not the chip's:
 *   byte 0       cap, the room for the ATR (exactly that much is allocated)
 *   byte 1       the modulation type, modulo NMT_END_ENUM + 1 (0 is none of libnfc's)
 *   type A:      byte 2 szAtsLen, 255 standing for SIZE_MAX (what libnfc 1.8 makes of an
 *                ATS whose length byte is 0); from byte 3 the ATS (libnfc's, without TL)
 *   type B:      bytes 2-5 application data, 6-8 protocol info, 9 the ATTRIB answer's
 *                first byte (MBLI | CID)
 * Besides crashes it traps on broken invariants:
 *   - nothing is written past cap, nothing at all when the ATR is refused (0), and the
 *     length returned is the ATR's;
 *   - the ATR is PC/SC part 3's 3B 8k 80 01 <historical bytes> TCK, its check byte right
 *     (T=1 is announced, so one is due), and atr.c reads the same historical bytes back,
 *     and refuses the ATR with its check byte one bit off (ISO/IEC 7816-3 §8.2.5);
 *   - the historical bytes are PC/SC's: for type A those of the ATS, from its real extent
 *     only (past szAtsLen the ATS is poisoned for ASan) and at most 15; for type B the
 *     application data, the protocol info and the MBLI in the high nibble; none otherwise;
 *   - of those, only the extended-length capability is changed, cleared, so that atr.c
 *     never reads "extended" in the plugin's ATR;
 *   - the target is left as it was.
 *   ./build-fuzz/tests/chip-readers/fuzz-nfc-atr -max_total_time=60 \
 *       /tmp/corpus tests/chip-readers/seeds/fuzz-nfc-atr
 * Without -Dfuzzing the same entry point is built with a main() that replays the files
 * named on the command line and all their prefixes (in the suite).
 */
#include <errno.h>
#include <sanitizer/asan_interface.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "emrtd/atr.h"
#include "nfc-plugin.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The longest ATR: TS T0 TD1 TD2, 15 historical bytes, TCK. */
#define ATR_MAX (4 + 15 + 1)
/* Fills for what is not the chip's: the rest of the target, and the ATR's room before the
 * plugin writes it. */
#define STALE 0xA5
#define UNWRITTEN 0x5A

static nfc_target *target_from(const uint8_t *data, size_t size) {
        nfc_target *t = malloc(sizeof(*t));

        if (!t)
                return NULL;
        memset(t, STALE, sizeof(*t));
        t->nm.nmt = (nfc_modulation_type) (data[1] % (NMT_END_ENUM + 1));
        t->nm.nbr = NBR_106;
        data += 2;
        size -= 2;
        if (t->nm.nmt == NMT_ISO14443A) {
                nfc_iso14443a_info *a = &t->nti.nai;
                size_t n = size > 1 ? size - 1 : 0;

                a->szAtsLen = size < 1 ? 0 : data[0] == 0xFF ? SIZE_MAX : data[0];
                memcpy(a->abtAts, data + 1, n < sizeof(a->abtAts) ? n : sizeof(a->abtAts));
        } else if (t->nm.nmt == NMT_ISO14443B) {
                nfc_iso14443b_info *b = &t->nti.nbi;
                uint8_t fields[4 + 3 + 1] = {};

                memcpy(fields, data, size < sizeof(fields) ? size : sizeof(fields));
                memcpy(b->abtApplicationData, fields, 4);
                memcpy(b->abtProtocolInfo, fields + 4, 3);
                b->ui8CardIdentifier = fields[7];
        }
        return t;
}

/* How much of the ATS the chip sent: past it are bytes of earlier selections. */
static size_t ats_extent(const nfc_iso14443a_info *a) {
        return a->szAtsLen <= sizeof(a->abtAts) ? a->szAtsLen : 0;
}

/* The historical bytes PC/SC part 3 §3.1.3.2.3 puts in the ATR, into hist[15]. */
static size_t pcsc_historical(const nfc_target *t, uint8_t *hist) {
        if (t->nm.nmt == NMT_ISO14443A) {
                const nfc_iso14443a_info *a = &t->nti.nai;
                size_t extent = ats_extent(a), start, k;

                if (extent == 0)
                        return 0;
                /* ISO/IEC 14443-4 §5.2: T0, then TA(1) TB(1) TC(1) as its b5 b6 b7 say. */
                start = 1 + (size_t) __builtin_popcount(a->abtAts[0] & 0x70);
                if (start >= extent)
                        return 0;
                k = extent - start < 15 ? extent - start : 15;
                memcpy(hist, a->abtAts + start, k);
                return k;
        }
        if (t->nm.nmt == NMT_ISO14443B) {
                const nfc_iso14443b_info *b = &t->nti.nbi;

                memcpy(hist, b->abtApplicationData, 4);
                memcpy(hist + 4, b->abtProtocolInfo, 3);
                /* The ATTRIB answer's MBLI in the high nibble, the low one 0 (RFU). */
                hist[7] = b->ui8CardIdentifier & 0xF0;
                return 8;
        }
        return 0;
}

/* XOR of atr[1..len): 0 over an ATR with its right check byte (ISO/IEC 7816-3 §8.2.5). */
static uint8_t xor_from_t0(const uint8_t *atr, size_t len) {
        uint8_t x = 0;

        for (size_t i = 1; i < len; i++)
                x ^= atr[i];
        return x;
}

/* The historical bytes written against PC/SC's: equal, but for the b7 of the card
 * capabilities' third table when (and only when) they said "extended length". */
static void check_historical(const uint8_t *atr, size_t len, const uint8_t *hist, size_t k) {
        uint8_t *source = malloc(len);
        size_t changed = 0, at = 0;
        bool extended;

        if (!source)
                return;
        memcpy(source, atr, 4);
        memcpy(source + 4, hist, k);
        source[len - 1] = xor_from_t0(source, len - 1);
        extended = eg_atr_extended_length(source, len);
        free(source);
        for (size_t i = 0; i < k; i++)
                if (atr[4 + i] != hist[i]) {
                        changed++;
                        at = i;
                }
        if (changed != (extended ? 1 : 0))
                __builtin_trap();
        if (changed && ((hist[at] & 0x40) == 0 || atr[4 + at] != (uint8_t) (hist[at] & ~0x40)))
                __builtin_trap();
}

/* atr.c believes nothing of the plugin's ATR once its check byte is off by one bit. */
static void check_tck_guards(const uint8_t *atr, size_t len) {
        uint8_t *corrupt = malloc(len);
        const uint8_t *h;
        size_t n;

        if (!corrupt)
                return;
        memcpy(corrupt, atr, len);
        corrupt[len - 1] ^= (uint8_t) (1u << (len % 8));
        if (eg_atr_historical_bytes(corrupt, len, &h, &n) != -EBADMSG)
                __builtin_trap();
        free(corrupt);
}

static void check_atr(const uint8_t *atr, size_t len, const nfc_target *t) {
        uint8_t hist[15];
        size_t k = pcsc_historical(t, hist), n;
        const uint8_t *h;

        if (len != 4 + k + 1 || atr[0] != 0x3B || atr[1] != (0x80 | k) || atr[2] != 0x80 ||
            atr[3] != 0x01 || xor_from_t0(atr, len) != 0)
                __builtin_trap();
        if (eg_atr_historical_bytes(atr, len, &h, &n) != 0 || h != atr + 4 || n != k)
                __builtin_trap();
        if (eg_atr_extended_length(atr, len))
                __builtin_trap();
        check_tck_guards(atr, len);
        check_historical(atr, len, hist, k);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        nfc_target *t, *before;
        uint8_t *atr;
        size_t cap, len, extent = 0;

        if (size < 2 || size > 2 + 1 + sizeof(t->nti.nai.abtAts))
                return 0;
        cap = data[0];
        t = target_from(data, size);
        before = malloc(sizeof(*before));
        atr = malloc(cap ? cap : 1);
        if (!t || !before || !atr) {
                free(t);
                free(before);
                free(atr);
                return 0;
        }
        memcpy(before, t, sizeof(*t));
        memset(atr, UNWRITTEN, cap);
        if (t->nm.nmt == NMT_ISO14443A)
                extent = ats_extent(&t->nti.nai);
        ASAN_POISON_MEMORY_REGION(t->nti.nai.abtAts + extent, sizeof(t->nti.nai.abtAts) - extent);

        len = target_atr(t, atr, cap);

        ASAN_UNPOISON_MEMORY_REGION(t->nti.nai.abtAts, sizeof(t->nti.nai.abtAts));
        if (memcmp(before, t, sizeof(*t)) != 0 || len > cap)
                __builtin_trap();
        /* Refused only for want of room for the longest ATR, and then untouched. */
        if (len == 0 && cap >= ATR_MAX)
                __builtin_trap();
        for (size_t i = len; i < cap; i++)
                if (atr[i] != UNWRITTEN)
                        __builtin_trap();
        if (len > 0)
                check_atr(atr, len, t);
        free(t);
        free(before);
        free(atr);
        return 0;
}
