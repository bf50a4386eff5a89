/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target: secure messaging responses, exactly what a hostile chip
 * controls after BAC or PACE.  The first byte picks the session (3DES with
 * the ICAO Part 11 keys, or AES-128) and the output room; the rest is the
 * R-APDU.  A second pass checks the BAC answer parser on the same bytes.
 * Traps when a success reports more data than the room, or a status word
 * from nowhere.
 */
#include <stdint.h>
#include <string.h>

#include "emrtd/bac.h"
#include "emrtd/sm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t kenc[16] = { 0x97, 0x9E, 0xC1, 0x3B, 0x1C, 0xBF, 0xE9, 0xDC,
                                  0xD0, 0x1A, 0xB0, 0xFE, 0xD3, 0x07, 0xEA, 0xE5 };
static const uint8_t kmac[16] = { 0xF1, 0xCB, 0x1F, 0x1F, 0xB5, 0xAD, 0xF2, 0x08,
                                  0x80, 0x6B, 0x89, 0xDC, 0x57, 0x9D, 0xC1, 0xF8 };
static const uint8_t ssc[8] = { 0x88, 0x70, 0x22, 0x12, 0x0C, 0x06, 0xC2, 0x27 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static uint8_t out[EG_RAPDU_MAX];
        struct eg_sm sm;
        struct eg_bac bac = {};
        size_t len = SIZE_MAX, cap;
        uint16_t sw = 0;
        const char *reason = NULL;
        int r;

        if (size < 1)
                return 0;
        cap = (data[0] & 0x80) ? sizeof(out) : (data[0] & 0x3F);
        if (eg_sm_init(&sm, (data[0] & 0x40) ? EG_CIPHER_AES128 : EG_CIPHER_3DES, kenc, kmac,
                       (data[0] & 0x40) ? NULL : ssc) < 0)
                __builtin_trap();

        r = eg_sm_unwrap(&sm, data + 1, size - 1, out, cap, &len, &sw, &reason);
        if (r == 0 && (len > cap || len > size || sw == 0))
                __builtin_trap();
        if (r < 0 && !reason)
                __builtin_trap();

        /* The BAC answer: 40 bytes or refused, never read past. */
        memcpy(bac.k_enc, kenc, 16);
        memcpy(bac.k_mac, kmac, 16);
        (void) eg_bac_finish(&bac, data + 1, size - 1, &sm, &reason);
        eg_sm_clear(&sm);
        return 0;
}
