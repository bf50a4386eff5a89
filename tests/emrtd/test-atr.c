/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The answer-to-reset (atr.c): its check byte (ISO/IEC 7816-3 §8.2.5), due whenever a TDi
 * names a protocol other than T=0, and what that means for "extended length".  The fuzz
 * target (fuzz-atr.c) checks the layout rules on any input; these are the cases by name.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "emrtd/atr.h"

/* PC/SC's contactless form (3B 8k 80 01, T=1 so TCK due), category 80 compact-TLV: card
 * capabilities 73 F8 21 C0 ("extended Lc and Le"), status 82 90 00, TCK 3A. */
static const uint8_t extended[] = { 0x3B, 0x8A, 0x80, 0x01, 0x80, 0x31, 0xF8, 0x73,
                                    0xF8, 0x21, 0xC0, 0x82, 0x90, 0x00, 0x3A };

/* A contact card speaking T=0 alone: no TCK (it must be absent), five historical bytes. */
static const uint8_t t0_only[] = { 0x3B, 0x65, 0x00, 0x00, 0x80, 0x31, 0x80, 0x65, 0xB0 };

/* T=0 and T=15 (global interface bytes): TCK due although T=0 is the only transmission
 * protocol; category 80 card capabilities saying "extended". */
static const uint8_t t0_t15[] = { 0x3B, 0x95, 0x96, 0x80, 0x1F, 0xC3,
                                  0x80, 0x73, 0x00, 0x00, 0x40, 0xEC };

static void assert_refused(const uint8_t *atr, size_t len) {
        const uint8_t *h = NULL;
        size_t n = SIZE_MAX;

        assert_int_equal(eg_atr_historical_bytes(atr, len, &h, &n), -EBADMSG);
        /* Nothing is handed out of a refused ATR. */
        assert_null(h);
        assert_int_equal(n, SIZE_MAX);
        assert_false(eg_atr_extended_length(atr, len));
}

/* Accepted: k historical bytes from atr[at], and "extended length" or not. */
static void assert_read(const uint8_t *atr, size_t len, size_t at, size_t k, bool ext) {
        const uint8_t *h;
        size_t n;

        assert_int_equal(eg_atr_historical_bytes(atr, len, &h, &n), 0);
        assert_ptr_equal(h, atr + at);
        assert_int_equal(n, k);
        assert_int_equal(eg_atr_extended_length(atr, len), ext);
}

static void test_good_tck(void **state) {
        assert_read(extended, sizeof(extended), 4, 10, true);
        assert_read(t0_t15, sizeof(t0_t15), 6, 5, true);
}

static void test_wrong_tck(void **state) {
        uint8_t atr[sizeof(extended)];

        /* One bit off in the check byte itself, in a historical byte other than the
         * capability, in the capability's "extended" bit, and in TD2's protocol bits
         * (T=1 becomes T=3, still a TCK due): each is refused, so short APDUs. */
        static const struct {
                size_t at;
                uint8_t bit;
        } flips[] = { { 14, 0x01 }, { 12, 0x10 }, { 10, 0x40 }, { 3, 0x02 } };

        for (size_t i = 0; i < sizeof(flips) / sizeof(flips[0]); i++) {
                memcpy(atr, extended, sizeof(atr));
                atr[flips[i].at] ^= flips[i].bit;
                assert_refused(atr, sizeof(atr));
        }

        memcpy(atr, t0_t15, sizeof(t0_t15));
        atr[sizeof(t0_t15) - 1] ^= 0x80;
        assert_refused(atr, sizeof(t0_t15));
}

static void test_t0_without_tck(void **state) {
        uint8_t padded[sizeof(t0_only) + 1];

        assert_read(t0_only, sizeof(t0_only), 4, 5, false);

        /* A byte after it is no TCK (none is due) and whatever it is changes nothing. */
        memcpy(padded, t0_only, sizeof(t0_only));
        padded[sizeof(t0_only)] = 0xA5;
        assert_read(padded, sizeof(padded), 4, 5, false);
}

static void test_t1_missing_tck(void **state) {
        uint8_t atr[sizeof(extended)];

        /* The historical bytes all there, the check byte T=1 calls for not. */
        assert_refused(extended, sizeof(extended) - 1);

        /* A stray byte where the check byte belongs is taken for it, and is wrong. */
        memcpy(atr, extended, sizeof(atr));
        atr[sizeof(atr) - 1] = 0x00;
        assert_refused(atr, sizeof(atr));
}

static void test_bytes_after_tck(void **state) {
        /* Past TCK the ATR is over: a reader's trailing bytes are neither read nor counted
         * in the check, whatever they are. */
        uint8_t atr[sizeof(extended) + 3];

        memcpy(atr, extended, sizeof(extended));
        memcpy(atr + sizeof(extended), "\x01\x02\x04", 3);
        assert_read(atr, sizeof(atr), 4, 10, true);

        /* Nor do they make a wrong check byte right. */
        atr[sizeof(extended) - 1] ^= 0x01;
        atr[sizeof(extended)] ^= 0x01;
        assert_refused(atr, sizeof(atr));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_good_tck),        cmocka_unit_test(test_wrong_tck),
                cmocka_unit_test(test_t0_without_tck),  cmocka_unit_test(test_t1_missing_tck),
                cmocka_unit_test(test_bytes_after_tck),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
