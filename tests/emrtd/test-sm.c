/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Secure messaging: the ICAO Doc 9303 Part 11 Appendix D.4 exchange byte for
 * byte (3DES), AES against an independent computation with raw OpenSSL
 * calls, extended length, and every malformed response we can think of.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "crypto-test-util.h"
#include "emrtd/sm.h"

#define KS_ENC "979EC13B1CBFE9DCD01AB0FED307EAE5"
#define KS_MAC "F1CB1F1FB5ADF208806B89DC579DC1F8"
#define SSC0 "887022120C06C226"

static void d4_session(struct eg_sm *sm) {
        uint8_t kenc[16], kmac[16], ssc[8];

        hex_to_bytes(KS_ENC, kenc, 16);
        hex_to_bytes(KS_MAC, kmac, 16);
        hex_to_bytes(SSC0, ssc, 8);
        assert_int_equal(eg_sm_init(sm, EG_CIPHER_3DES, kenc, kmac, ssc), 0);
}

static const char *wrap_hex(struct eg_sm *sm, const struct eg_capdu *c) {
        static uint8_t out[EG_CAPDU_MAX];
        size_t n = 0;

        assert_int_equal(eg_sm_wrap(sm, c, out, sizeof(out), &n), 0);
        return bytes_to_hex(out, n);
}

static int unwrap_hex(struct eg_sm *sm, const char *hex, uint8_t *data, size_t cap, size_t *len,
                      uint16_t *sw, const char **reason) {
        uint8_t r[1024];
        size_t n = hex_to_bytes(hex, r, sizeof(r));

        return eg_sm_unwrap(sm, r, n, data, cap, len, sw, reason);
}

static void test_icao_d4(void **state) {
        struct eg_sm sm;
        uint8_t data[256];
        size_t len = 99;
        uint16_t sw = 0;
        const char *reason = NULL;

        d4_session(&sm);

        /* SELECT EF.COM */
        struct eg_capdu select = { .ins = 0xA4,
                                   .p1 = 0x02,
                                   .p2 = 0x0C,
                                   .data = (const uint8_t[]){ 0x01, 0x1E },
                                   .lc = 2 };
        assert_string_equal(wrap_hex(&sm, &select),
                            "0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800");
        assert_string_equal(bytes_to_hex(sm.ssc, 8), "887022120C06C227");
        assert_int_equal(unwrap_hex(&sm, "990290008E08FA855A5D4C50A8ED9000", data, sizeof(data),
                                    &len, &sw, &reason),
                         0);
        assert_int_equal(sw, 0x9000);
        assert_int_equal(len, 0);
        assert_string_equal(bytes_to_hex(sm.ssc, 8), "887022120C06C228");

        /* READ BINARY of the first four bytes */
        struct eg_capdu read4 = { .ins = 0xB0, .le = 4 };
        assert_string_equal(wrap_hex(&sm, &read4), "0CB000000D9701048E08ED6705417E96BA5500");
        assert_int_equal(unwrap_hex(&sm, "8709019FF0EC34F9922651990290008E08AD55CC17140B2DED9000",
                                    data, sizeof(data), &len, &sw, &reason),
                         0);
        assert_int_equal(sw, 0x9000);
        assert_string_equal(bytes_to_hex(data, len), "60145F01");

        /* READ BINARY of the remaining 18 bytes from offset 4 */
        struct eg_capdu read18 = { .ins = 0xB0, .p2 = 0x04, .le = 0x12 };
        assert_string_equal(wrap_hex(&sm, &read18), "0CB000040D9701128E082EA28A70F3C7B53500");
        assert_int_equal(unwrap_hex(&sm,
                                    "871901FB9235F4E4037F2327DCC8964F1F9B8C30F42C8E2FFF224A9902"
                                    "90008E08C8B2787EAEA07D749000",
                                    data, sizeof(data), &len, &sw, &reason),
                         0);
        assert_string_equal(bytes_to_hex(data, len), "04303130365F36063034303030305C026175");
        assert_string_equal(bytes_to_hex(sm.ssc, 8), "887022120C06C22C");
        eg_sm_clear(&sm);
}

static void test_plain_error_passthrough(void **state) {
        struct eg_sm sm;
        uint8_t data[16];
        size_t len = 99;
        uint16_t sw = 0;
        const char *reason = NULL;

        d4_session(&sm);
        assert_int_equal(unwrap_hex(&sm, "6A82", data, sizeof(data), &len, &sw, &reason), 0);
        assert_int_equal(sw, 0x6A82);
        assert_int_equal(len, 0);
        assert_int_equal(unwrap_hex(&sm, "6988", data, sizeof(data), &len, &sw, &reason), 0);
        assert_int_equal(sw, 0x6988);
        /* 9000 without any DO cannot be authentic. */
        assert_int_equal(unwrap_hex(&sm, "9000", data, sizeof(data), &len, &sw, &reason), -EBADMSG);
        assert_string_equal(reason, "unprotected 9000 response");
        assert_int_equal(unwrap_hex(&sm, "90", data, sizeof(data), &len, &sw, &reason), -EBADMSG);
        assert_string_equal(reason, "response shorter than a status word");
        assert_int_equal(unwrap_hex(&sm, "0000", data, sizeof(data), &len, &sw, &reason), -EBADMSG);
        assert_string_equal(reason, "invalid status word");
}

static void expect_unwrap_error(const char *hex, const char *want_reason) {
        struct eg_sm sm;
        uint8_t data[256];
        size_t len = 0;
        uint16_t sw = 0;
        const char *reason = NULL;

        d4_session(&sm);
        eg_sm_increment_ssc(&sm); /* as after wrapping SELECT EF.COM */
        assert_int_equal(unwrap_hex(&sm, hex, data, sizeof(data), &len, &sw, &reason), -EBADMSG);
        assert_non_null(reason);
        assert_string_equal(reason, want_reason);
}

static void test_bad_responses(void **state) {
        /* The genuine answer to SELECT EF.COM with one MAC bit flipped. */
        expect_unwrap_error("990290008E08FA855A5D4C50A8EC9000", "response MAC mismatch");
        /* Status changed under the MAC. */
        expect_unwrap_error("990269828E08FA855A5D4C50A8ED9000", "response MAC mismatch");
        expect_unwrap_error("990290009000", "response MAC missing");
        expect_unwrap_error("990290008E07FA855A5D4C50A89000", "response MAC missing");
        /* Bogus lengths: DO claims more than there is. */
        expect_unwrap_error("99FF90008E08FA855A5D4C50A8ED9000",
                            "malformed secure messaging data objects");
        expect_unwrap_error("878401000000019000", "malformed secure messaging data objects");
        expect_unwrap_error("8E08FA855A5D4C50A8ED990290009000", "data after the response MAC");
        expect_unwrap_error("5F0102990290008E08FA855A5D4C50A8ED9000",
                            "unknown secure messaging data object");
        expect_unwrap_error("00", "response shorter than a status word");
}

static void test_truncations_never_crash(void **state) {
        static const char *full = "871901FB9235F4E4037F2327DCC8964F1F9B8C30F42C8E2FFF224A99029000"
                                  "8E08C8B2787EAEA07D749000";
        uint8_t r[128], data[64];
        size_t n = hex_to_bytes(full, r, sizeof(r));

        /* Every prefix, and every single-byte corruption, must fail cleanly. */
        for (size_t cut = 0; cut < n; cut++) {
                struct eg_sm sm;
                size_t len;
                uint16_t sw;
                const char *reason = NULL;
                uint8_t *copy = malloc(cut ? cut : 1); /* exact size: ASan sees overreads */

                d4_session(&sm);
                memcpy(copy, r, cut);
                int ret = eg_sm_unwrap(&sm, copy, cut, data, sizeof(data), &len, &sw, &reason);
                /* Every prefix fails; "87 19" is no valid status word either. */
                assert_int_equal(ret, -EBADMSG);
                free(copy);
        }
        for (size_t i = 0; i + 2 < n; i++) {
                struct eg_sm sm;
                size_t len;
                uint16_t sw;
                uint8_t copy[128];

                d4_session(&sm);
                for (int k = 0; k < 5; k++)
                        eg_sm_increment_ssc(&sm);
                memcpy(copy, r, n);
                copy[i] ^= 0x40;
                assert_true(eg_sm_unwrap(&sm, copy, n, data, sizeof(data), &len, &sw, NULL) < 0);
        }
}

static void test_output_buffer_too_small(void **state) {
        struct eg_sm sm;
        uint8_t data[3];
        size_t len;
        uint16_t sw;
        const char *reason = NULL;

        d4_session(&sm);
        for (int k = 0; k < 3; k++)
                eg_sm_increment_ssc(&sm); /* to ...C229, as before READ BINARY 4 */
        assert_int_equal(unwrap_hex(&sm, "8709019FF0EC34F9922651990290008E08AD55CC17140B2DED9000",
                                    data, sizeof(data), &len, &sw, &reason),
                         -ENOBUFS);
        assert_string_equal(reason, "response data larger than expected");
}

/* --- AES, computed independently with raw OpenSSL --- */

static void raw_aes(const EVP_CIPHER *cipher, const uint8_t *key, const uint8_t *iv,
                    const uint8_t *in, size_t len, uint8_t *out, int enc) {
        EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
        int n1 = 0, n2 = 0;

        assert_true(EVP_CipherInit_ex(ctx, cipher, NULL, key, iv, enc));
        EVP_CIPHER_CTX_set_padding(ctx, 0);
        assert_true(EVP_CipherUpdate(ctx, out, &n1, in, (int) len));
        assert_true(EVP_CipherFinal_ex(ctx, out + n1, &n2));
        assert_int_equal(n1 + n2, (int) len);
        EVP_CIPHER_CTX_free(ctx);
}

static void raw_cmac(const uint8_t *key, const uint8_t *in, size_t len, uint8_t out[16]) {
        EVP_MAC *mac = EVP_MAC_fetch(NULL, "CMAC", NULL);
        EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(mac);
        OSSL_PARAM p[] = { OSSL_PARAM_utf8_string(OSSL_MAC_PARAM_CIPHER, "AES-128-CBC", 0),
                           OSSL_PARAM_END };
        size_t n = 0;

        assert_true(EVP_MAC_init(ctx, key, 16, p));
        assert_true(EVP_MAC_update(ctx, in, len));
        assert_true(EVP_MAC_final(ctx, out, &n, 16));
        EVP_MAC_CTX_free(ctx);
        EVP_MAC_free(mac);
}

static void test_aes_against_raw_openssl(void **state) {
        uint8_t kenc[16], kmac[16], ssc[16] = {}, iv[16], zero[16] = {};
        uint8_t out[512], expect[512], tmp[512], full_mac[16];
        struct eg_sm sm;
        size_t n = 0, e = 0;

        for (int i = 0; i < 16; i++) {
                kenc[i] = (uint8_t) (0x10 + i);
                kmac[i] = (uint8_t) (0xA0 + i);
        }
        assert_int_equal(eg_sm_init(&sm, EG_CIPHER_AES128, kenc, kmac, NULL), 0);

        /* SELECT EF.DG1 (00 A4 02 0C 02 0101), SSC 0 -> 1. */
        struct eg_capdu select = { .ins = 0xA4,
                                   .p1 = 0x02,
                                   .p2 = 0x0C,
                                   .data = (const uint8_t[]){ 0x01, 0x01 },
                                   .lc = 2 };
        assert_int_equal(eg_sm_wrap(&sm, &select, out, sizeof(out), &n), 0);

        ssc[15] = 1;
        raw_aes(EVP_aes_128_ecb(), kenc, NULL, ssc, 16, iv, 1);
        uint8_t pdata[16] = { 0x01, 0x01, 0x80 };
        uint8_t ct[16];
        raw_aes(EVP_aes_128_cbc(), kenc, iv, pdata, 16, ct, 1);
        /* MAC input: SSC ‖ padded header ‖ DO87, padded to 16. */
        uint8_t do87[19] = { 0x87, 0x11, 0x01 };
        memcpy(do87 + 3, ct, 16);
        memcpy(tmp, ssc, 16);
        memcpy(tmp + 16, (const uint8_t[]){ 0x0C, 0xA4, 0x02, 0x0C, 0x80 }, 5);
        memset(tmp + 21, 0, 11);
        memcpy(tmp + 32, do87, 19);
        tmp[51] = 0x80;
        memset(tmp + 52, 0, 12);
        raw_cmac(kmac, tmp, 64, full_mac);

        memcpy(expect, (const uint8_t[]){ 0x0C, 0xA4, 0x02, 0x0C, 19 + 10 }, 5);
        e = 5;
        memcpy(expect + e, do87, 19);
        e += 19;
        expect[e++] = 0x8E;
        expect[e++] = 0x08;
        memcpy(expect + e, full_mac, 8);
        e += 8;
        expect[e++] = 0x00;
        assert_string_equal(bytes_to_hex(out, n), bytes_to_hex(expect, e));

        /* The chip's answer: DO87 with 5 data bytes, DO99 9000, DO8E; SSC 2. */
        uint8_t answer_plain[16] = { 'h', 'e', 'l', 'l', 'o', 0x80 };
        ssc[15] = 2;
        raw_aes(EVP_aes_128_ecb(), kenc, NULL, ssc, 16, iv, 1);
        raw_aes(EVP_aes_128_cbc(), kenc, iv, answer_plain, 16, ct, 1);
        uint8_t resp[64];
        size_t rn = 0;
        resp[rn++] = 0x87;
        resp[rn++] = 0x11;
        resp[rn++] = 0x01;
        memcpy(resp + rn, ct, 16);
        rn += 16;
        memcpy(resp + rn, (const uint8_t[]){ 0x99, 0x02, 0x90, 0x00 }, 4);
        rn += 4;
        memcpy(tmp, ssc, 16);
        memcpy(tmp + 16, resp, rn);
        tmp[16 + rn] = 0x80;
        memset(tmp + 17 + rn, 0, 48 - 17 - rn);
        raw_cmac(kmac, tmp, 48, full_mac);
        resp[rn++] = 0x8E;
        resp[rn++] = 0x08;
        memcpy(resp + rn, full_mac, 8);
        rn += 8;
        resp[rn++] = 0x90;
        resp[rn++] = 0x00;

        uint8_t data[32];
        size_t len = 0;
        uint16_t sw = 0;
        const char *reason = NULL;
        assert_int_equal(eg_sm_unwrap(&sm, resp, rn, data, sizeof(data), &len, &sw, &reason), 0);
        assert_int_equal(sw, 0x9000);
        assert_int_equal(len, 5);
        assert_memory_equal(data, "hello", 5);
        (void) zero;
        eg_sm_clear(&sm);
}

static void test_extended_length(void **state) {
        struct eg_sm sm;
        uint8_t out[EG_CAPDU_MAX];
        size_t n = 0;
        struct eg_capdu parsed;

        d4_session(&sm);
        /* READ BINARY of 1000 bytes: DO97 is two bytes, the outer APDU extended. */
        struct eg_capdu read = { .ins = 0xB0, .le = 1000 };
        assert_int_equal(eg_sm_wrap(&sm, &read, out, sizeof(out), &n), 0);
        assert_int_equal(eg_capdu_parse(out, n, &parsed), 0);
        assert_true(parsed.extended);
        assert_int_equal(parsed.le, 65536);
        assert_int_equal(parsed.cla, 0x0C);
        assert_string_equal(bytes_to_hex(parsed.data, 4), "970203E8");
        assert_int_equal(parsed.lc, 4 + 10);

        /* 0xDF chunks fit a short APDU and a short answer. */
        struct eg_capdu chunk = { .ins = 0xB0, .le = 0xDF };
        assert_int_equal(eg_sm_wrap(&sm, &chunk, out, sizeof(out), &n), 0);
        assert_int_equal(eg_capdu_parse(out, n, &parsed), 0);
        assert_false(parsed.extended);
        assert_true(eg_sm_response_size(EG_CIPHER_3DES, 0xDF) <= 256);
        assert_true(eg_sm_response_size(EG_CIPHER_3DES, 0xF0) > 256);

        /* A command with 300 data bytes needs an extended Lc. */
        uint8_t big[300] = {};
        struct eg_capdu update = { .ins = 0xD6, .data = big, .lc = sizeof(big) };
        assert_int_equal(eg_sm_wrap(&sm, &update, out, sizeof(out), &n), 0);
        assert_int_equal(eg_capdu_parse(out, n, &parsed), 0);
        assert_true(parsed.extended);
        assert_int_equal(parsed.data[0], 0x87);
        assert_int_equal(parsed.data[1], 0x82); /* 1 + 304 bytes */

        /* Refused inputs. */
        struct eg_capdu already = { .cla = 0x0C, .ins = 0xB0, .le = 4 };
        assert_int_equal(eg_sm_wrap(&sm, &already, out, sizeof(out), &n), -EINVAL);
        assert_int_equal(eg_sm_wrap(&sm, &read, out, 10, &n), -ENOBUFS);
        struct eg_sm none = {};
        assert_int_equal(eg_sm_wrap(&none, &read, out, sizeof(out), &n), -EINVAL);
        eg_sm_clear(&sm);
}

static void test_apdu_codec(void **state) {
        uint8_t buf[16];
        struct eg_capdu c;

        /* Case 2S with Le 00 = 256. */
        assert_int_equal(eg_capdu_parse((const uint8_t[]){ 0, 0xB0, 0, 0, 0 }, 5, &c), 0);
        assert_int_equal(c.le, 256);
        /* Case 2E with 0000 = 65536. */
        assert_int_equal(eg_capdu_parse((const uint8_t[]){ 0, 0xB0, 0, 0, 0, 0, 0 }, 7, &c), 0);
        assert_int_equal(c.le, 65536);
        assert_true(c.extended);
        /* Case 4S. */
        assert_int_equal(eg_capdu_parse((const uint8_t[]){ 0, 0xA4, 4, 0, 2, 1, 2, 0 }, 8, &c), 0);
        assert_int_equal(c.lc, 2);
        assert_int_equal(c.le, 256);
        /* Lc longer than the data, extended Lc of zero, three stray bytes. */
        assert_int_equal(eg_capdu_parse((const uint8_t[]){ 0, 0xA4, 4, 0, 5, 1, 2 }, 7, &c),
                         -EBADMSG);
        assert_int_equal(eg_capdu_parse((const uint8_t[]){ 0, 0xA4, 4, 0, 0, 0, 0, 1 }, 8, &c),
                         -EBADMSG);
        assert_int_equal(eg_capdu_parse((const uint8_t[]){ 0, 0xA4, 4 }, 3, &c), -EBADMSG);

        struct eg_capdu e = { .ins = 0xB0, .le = 256 };
        assert_int_equal(eg_capdu_encode(&e, buf, sizeof(buf)), 5);
        assert_int_equal(buf[4], 0x00);
        e.le = 65536;
        assert_int_equal(eg_capdu_encode(&e, buf, sizeof(buf)), 7);
        assert_string_equal(bytes_to_hex(buf, 7), "00B00000000000");
        e.le = 65537;
        assert_int_equal(eg_capdu_encode(&e, buf, sizeof(buf)), -EINVAL);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_icao_d4),
                cmocka_unit_test(test_plain_error_passthrough),
                cmocka_unit_test(test_bad_responses),
                cmocka_unit_test(test_truncations_never_crash),
                cmocka_unit_test(test_output_buffer_too_small),
                cmocka_unit_test(test_aes_against_raw_openssl),
                cmocka_unit_test(test_extended_length),
                cmocka_unit_test(test_apdu_codec),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
