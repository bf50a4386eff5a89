/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The nfc plugin's ATR for a selected chip (plugins/nfc/nfc-atr.c: target_atr()) against
 * the form PC/SC part 3 §3.1.3.2.3 gives it, for the cases the PN532 emulator of test-nfc
 * cannot show: a type B chip, and the extended-length capability cleared.  The fuzz target
 * (fuzz-nfc-atr.c) checks the same rules on any target.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "nfc-plugin.h"

/* Room for any ATR the plugin writes, as CHIP_CONNECT gives it. */
static uint8_t atr[CHIP_RESPONSE_MAX];

static void test_type_b_mbli(void **state) {
        nfc_target t;
        /* ATQB application data and protocol info, then the high nibble of the ATTRIB
         * answer's first byte (MBLI), its low nibble (the CID) left out, and TCK. */
        static const uint8_t want[] = { 0x3B, 0x88, 0x80, 0x01, 0x00, 0x00, 0x00,
                                        0x00, 0x81, 0x91, 0xE1, 0x70, 0x88 };

        memset(&t, 0, sizeof(t));
        t.nm.nmt = NMT_ISO14443B;
        t.nm.nbr = NBR_106;
        memcpy(t.nti.nbi.abtApplicationData, "\x00\x00\x00\x00", 4);
        memcpy(t.nti.nbi.abtProtocolInfo, "\x81\x91\xE1", 3);
        t.nti.nbi.ui8CardIdentifier = 0x73; /* MBLI 7, CID 3: libnfc keeps the whole byte */

        assert_int_equal(target_atr(&t, atr, sizeof(atr)), sizeof(want));
        assert_memory_equal(atr, want, sizeof(want));
}

static void test_type_a_extended_cleared(void **state) {
        nfc_target t;
        /* ATS T0 TA TB TC, then card capabilities whose third table says "extended Lc and
         * Le" (C0): the plugin cannot carry such answers, so the ATR says 80. */
        static const uint8_t ats[] = { 0x78, 0x77, 0xB1, 0x02, 0x80, 0x73, 0xF8, 0x21, 0xC0 };
        static const uint8_t want[] = {
                0x3B, 0x85, 0x80, 0x01, 0x80, 0x73, 0xF8, 0x21, 0x80, 0xAE
        };

        memset(&t, 0, sizeof(t));
        t.nm.nmt = NMT_ISO14443A;
        t.nm.nbr = NBR_106;
        t.nti.nai.szAtsLen = sizeof(ats);
        memcpy(t.nti.nai.abtAts, ats, sizeof(ats));

        assert_int_equal(target_atr(&t, atr, sizeof(atr)), sizeof(want));
        assert_memory_equal(atr, want, sizeof(want));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_type_b_mbli),
                cmocka_unit_test(test_type_a_extended_cleared),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
