/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * BAC against the worked example of ICAO Doc 9303 Part 11 Appendix D.2/D.3
 * (specimen MRZ L898902C<3UTO6908061F9406236): every intermediate value
 * byte for byte, then the ways a chip's answer can be wrong.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "crypto-test-util.h"
#include "emrtd/bac.h"
#include "emrtd/mrz.h"
#include "macro.h"

#define MRZ_INFORMATION "L898902C<369080619406236"
#define RND_IC "4608F91988702212"
#define RND_IFD "781723860C06C226"
#define K_IFD "0B795240CB7049B01C19B33E32804F0B"
#define CHIP_ANSWER                                                                                \
        "46B9342A41396CD7386BF5803104D7CEDC122B9132139BAF2EEDC94EE178534F2F2D235D074D7449"

static void test_key_seed_and_keys(void **state) {
        uint8_t seed[16];
        struct eg_bac bac;

        assert_int_equal(eg_bac_key_seed(MRZ_INFORMATION, seed), 0);
        assert_string_equal(bytes_to_hex(seed, 16), "239AB9CB282DAF66231DC5A4DF6BFBAE");

        assert_int_equal(eg_bac_init(&bac, MRZ_INFORMATION), 0);
        assert_string_equal(bytes_to_hex(bac.k_enc, 16), "AB94FDECF2674FDFB9B391F85D7F76F2");
        assert_string_equal(bytes_to_hex(bac.k_mac, 16), "7962D9ECE03D1ACD4C76089DCE131543");
        for (size_t i = 0; i < 16; i++) {
                assert_int_equal(__builtin_popcount(bac.k_enc[i]) % 2, 1);
                assert_int_equal(__builtin_popcount(bac.k_mac[i]) % 2, 1);
        }
        eg_bac_clear(&bac);
}

static void test_mrz_information_from_parser(void **state) {
        /* The parsing layer's MRZ_information is exactly the BAC input. */
        static const char mrz[] = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
                                  "L898902C<3UTO6908061F9406236ZE184226B<<<<<14";
        struct eg_date today = { 1993, 1, 1 };
        struct eg_mrz m;

        assert_int_equal(eg_mrz_parse(mrz, &today, &m, NULL), 0);
        assert_string_equal(m.mrz_information, MRZ_INFORMATION);
        eg_mrz_wipe(&m);
}

static void test_bad_mrz_information(void **state) {
        uint8_t seed[16];

        assert_int_equal(eg_bac_key_seed(NULL, seed), -EINVAL);
        assert_int_equal(eg_bac_key_seed("L898902C<36908061940623", seed), -EINVAL); /* 23 */
        assert_int_equal(eg_bac_key_seed("l898902C<369080619406236", seed), -EINVAL);
        assert_int_equal(eg_bac_key_seed("L898902C 369080619406236", seed), -EINVAL);
}

static void test_mutual_authenticate(void **state) {
        uint8_t rnd_ic[8], rnd_ifd[8], k_ifd[16], data[40], answer[40], apdu[64];
        struct eg_capdu c;
        struct eg_bac bac;
        struct eg_sm sm = {};
        const char *reason = NULL;
        int n;

        hex_to_bytes(RND_IC, rnd_ic, sizeof(rnd_ic));
        hex_to_bytes(RND_IFD, rnd_ifd, sizeof(rnd_ifd));
        hex_to_bytes(K_IFD, k_ifd, sizeof(k_ifd));
        hex_to_bytes(CHIP_ANSWER, answer, sizeof(answer));

        eg_bac_get_challenge_command(&c);
        n = eg_capdu_encode(&c, apdu, sizeof(apdu));
        assert_string_equal(bytes_to_hex(apdu, (size_t) n), "0084000008");

        assert_int_equal(eg_bac_init(&bac, MRZ_INFORMATION), 0);
        assert_int_equal(eg_bac_mutual_auth_data(&bac, rnd_ic, rnd_ifd, k_ifd, data), 0);
        /* E_IFD then M_IFD. */
        assert_string_equal(bytes_to_hex(data, 32), "72C29C2371CC9BDB65B779B8E8D37B29"
                                                    "ECC154AA56A8799FAE2F498F76ED92F2");
        assert_string_equal(bytes_to_hex(data + 32, 8), "5F1448EEA8AD90A7");
        eg_bac_mutual_auth_command(data, &c);
        n = eg_capdu_encode(&c, apdu, sizeof(apdu));
        assert_string_equal(bytes_to_hex(apdu, (size_t) n),
                            "0082000028"
                            "72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F2"
                            "5F1448EEA8AD90A728");

        assert_int_equal(eg_bac_finish(&bac, answer, sizeof(answer), &sm, &reason), 0);
        assert_int_equal(sm.cipher, EG_CIPHER_3DES);
        assert_string_equal(bytes_to_hex(sm.k_enc, 16), "979EC13B1CBFE9DCD01AB0FED307EAE5");
        assert_string_equal(bytes_to_hex(sm.k_mac, 16), "F1CB1F1FB5ADF208806B89DC579DC1F8");
        assert_string_equal(bytes_to_hex(sm.ssc, 8), "887022120C06C226");
        eg_sm_clear(&sm);
        eg_bac_clear(&bac);
}

static void test_wrong_mrz_refused(void **state) {
        uint8_t rnd_ic[8], rnd_ifd[8], k_ifd[16], data[40], answer[40];
        struct eg_bac bac;
        struct eg_sm sm = {};
        const char *reason = NULL;

        hex_to_bytes(RND_IC, rnd_ic, sizeof(rnd_ic));
        hex_to_bytes(RND_IFD, rnd_ifd, sizeof(rnd_ifd));
        hex_to_bytes(K_IFD, k_ifd, sizeof(k_ifd));
        hex_to_bytes(CHIP_ANSWER, answer, sizeof(answer));

        /* Birth date off by one day: a different K_MAC, so the chip's MAC fails. */
        assert_int_equal(eg_bac_init(&bac, "L898902C<369080719406236"), 0);
        assert_int_equal(eg_bac_mutual_auth_data(&bac, rnd_ic, rnd_ifd, k_ifd, data), 0);
        assert_int_equal(eg_bac_finish(&bac, answer, sizeof(answer), &sm, &reason), -EBADMSG);
        assert_string_equal(reason, "mutual authentication MAC mismatch");
        assert_false(eg_sm_active(&sm));
}

static void test_answer_shapes(void **state) {
        uint8_t rnd_ic[8], rnd_ifd[8], k_ifd[16], data[40], answer[40], forged[40], padded[40],
                r[32];
        struct eg_bac bac;
        struct eg_sm sm = {};
        const char *reason = NULL;

        hex_to_bytes(RND_IC, rnd_ic, sizeof(rnd_ic));
        hex_to_bytes(RND_IFD, rnd_ifd, sizeof(rnd_ifd));
        hex_to_bytes(K_IFD, k_ifd, sizeof(k_ifd));
        hex_to_bytes(CHIP_ANSWER, answer, sizeof(answer));
        assert_int_equal(eg_bac_init(&bac, MRZ_INFORMATION), 0);
        assert_int_equal(eg_bac_mutual_auth_data(&bac, rnd_ic, rnd_ifd, k_ifd, data), 0);

        for (size_t len = 0; len < sizeof(answer); len++) {
                reason = NULL;
                assert_int_equal(eg_bac_finish(&bac, answer, len, &sm, &reason), -EBADMSG);
                assert_string_equal(reason, "mutual authentication answer has the wrong length");
        }
        assert_int_equal(eg_bac_finish(&bac, NULL, 40, &sm, &reason), -EBADMSG);

        /* A flipped cryptogram bit breaks the MAC. */
        memcpy(forged, answer, 40);
        forged[5] ^= 0x01;
        assert_int_equal(eg_bac_finish(&bac, forged, 40, &sm, &reason), -EBADMSG);
        assert_string_equal(reason, "mutual authentication MAC mismatch");

        /* A correctly keyed answer that does not echo RND.IFD (a replay). */
        assert_int_equal(eg_cbc_decrypt(EG_CIPHER_3DES, bac.k_enc, NULL, answer, 32, r), 0);
        r[8] ^= 0xFF;
        assert_int_equal(eg_cbc_encrypt(EG_CIPHER_3DES, bac.k_enc, NULL, r, 32, forged), 0);
        assert_int_equal(
                eg_retail_mac(bac.k_mac, padded, eg_pad(forged, 32, 8, padded), forged + 32), 0);
        assert_int_equal(eg_bac_finish(&bac, forged, 40, &sm, &reason), -EBADMSG);
        assert_string_equal(reason, "mutual authentication nonces do not match");
        assert_false(eg_sm_active(&sm));
}

static void test_retail_mac_and_parity(void **state) {
        uint8_t key[16], k[EG_KEY_MAX], mac[8], data[16];

        /* D.3: M_IFD over E_IFD with K_MAC (covered above); D.4: CC for SELECT EF.COM. */
        hex_to_bytes("F1CB1F1FB5ADF208806B89DC579DC1F8", key, sizeof(key));
        uint8_t n[32];
        size_t len = hex_to_bytes("887022120C06C2270CA4020C800000008709016375432908C044F6800000"
                                  "0000",
                                  n, sizeof(n));
        assert_int_equal(eg_retail_mac(key, n, len, mac), 0);
        assert_string_equal(bytes_to_hex(mac, 8), "BF8B92D635FF24F8");

        assert_int_equal(eg_retail_mac(key, n, 0, mac), -EINVAL);
        assert_int_equal(eg_retail_mac(key, n, 7, mac), -EINVAL);

        /* Session key derivation from K_seed = K.IFD ⊕ K.ICC (D.3). */
        hex_to_bytes("0036D272F5C350ACAC50C3F572D23600", data, sizeof(data));
        assert_int_equal(eg_kdf(EG_CIPHER_3DES, data, 16, EG_KDF_ENC, k), 0);
        assert_string_equal(bytes_to_hex(k, 16), "979EC13B1CBFE9DCD01AB0FED307EAE5");
        assert_int_equal(eg_kdf(EG_CIPHER_3DES, data, 16, EG_KDF_MAC, k), 0);
        assert_string_equal(bytes_to_hex(k, 16), "F1CB1F1FB5ADF208806B89DC579DC1F8");
        assert_int_equal(eg_kdf(EG_CIPHER_NONE, data, 16, EG_KDF_MAC, k), -EINVAL);

        uint8_t p[2] = { 0x00, 0xFF };
        eg_des_fix_parity(p, 2);
        assert_int_equal(p[0], 0x01);
        assert_int_equal(p[1], 0xFE);
}

/* Whether single DES was fetchable from OpenSSL's default library context
 * before anything here ran (an openssl.cnf may activate the legacy provider
 * process-wide; then there is nothing to check). */
static bool des_visible_before;

/* eg_retail_mac() loads the legacy provider into a private library context:
 * single DES must not become visible to the rest of the process. */
static void test_retail_mac_legacy_stays_private(void **state) {
        uint8_t key[16] = {}, data[16] = {}, mac[8];
        EVP_CIPHER *des;

        assert_int_equal(eg_retail_mac(key, data, sizeof(data), mac), 0);
        if (des_visible_before) {
                print_message("DES-CBC already in the default library context, not checked\n");
                return;
        }
        des = EVP_CIPHER_fetch(NULL, "DES-CBC", NULL);
        assert_null(des);
        EVP_CIPHER_free(des);
}

/* The MACs of the worked BAC example, ICAO Doc 9303-11 Appendix D.3: M_IFD
 * over E_IFD and M_IC over E_IC, both padded, with K_MAC from the MRZ. */
static void test_retail_mac_icao_example(void **state) {
        static const struct {
                const char *data, *mac;
        } vectors[] = {
                { "72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F2",
                  "5F1448EEA8AD90A7" },
                { "46B9342A41396CD7386BF5803104D7CEDC122B9132139BAF2EEDC94EE178534F",
                  "2F2D235D074D7449" },
        };
        uint8_t key[16], data[32], padded[40], mac[8];
        size_t n;

        hex_to_bytes("7962D9ECE03D1ACD4C76089DCE131543", key, sizeof(key));
        for (size_t i = 0; i < ELEMENTSOF(vectors); i++) {
                n = eg_pad(data, hex_to_bytes(vectors[i].data, data, sizeof(data)), 8, padded);
                assert_int_equal(n, 40);
                assert_int_equal(eg_retail_mac(key, padded, n, mac), 0);
                assert_string_equal(bytes_to_hex(mac, 8), vectors[i].mac);
                assert_int_equal(eg_retail_mac_fallback(key, padded, n, mac), 0);
                assert_string_equal(bytes_to_hex(mac, 8), vectors[i].mac);
        }
}

/* MAC algorithm 3 spelled out with the 2-key 3DES-CBC primitive, the way
 * eg_retail_mac() computed it before it used single DES: CBC over all but the
 * last block under Ka ‖ Ka, then the last block under Ka ‖ Kb with IV H. */
static void reference_retail_mac(const uint8_t key[static 16], const uint8_t *data, size_t len,
                                 uint8_t out[static 8]) {
        uint8_t ka2[16], h[8] = {}, *tmp;
        size_t head = len - 8;

        if (head > 0) {
                tmp = malloc(head);
                assert_non_null(tmp);
                memcpy(ka2, key, 8);
                memcpy(ka2 + 8, key, 8);
                assert_int_equal(eg_cbc_encrypt(EG_CIPHER_3DES, ka2, NULL, data, head, tmp), 0);
                memcpy(h, tmp + head - 8, 8);
                free(tmp);
        }
        assert_int_equal(eg_cbc_encrypt(EG_CIPHER_3DES, key, h, data + head, 8, out), 0);
}

/* Single DES from the legacy provider and the DES-EDE (Ka ‖ Ka) fallback give
 * the same MAC, whole chunks of the CBC part or not (a 15 KB DG2 included). */
static void test_retail_mac_single_des_matches_fallback(void **state) {
        static const size_t lens[] = { 8, 16, 24, 512, 520, 1032, 15000 };
        static uint8_t data[15000];
        uint8_t key[16], mac[8], fallback[8], reference[8];

        if (!eg_retail_mac_uses_single_des())
                print_message("legacy provider unavailable, both sides are the fallback\n");

        hex_to_bytes("F1CB1F1FB5ADF208806B89DC579DC1F8", key, sizeof(key));
        for (size_t i = 0; i < sizeof(data); i++)
                data[i] = (uint8_t) (i * 151 + 17);

        for (size_t i = 0; i < ELEMENTSOF(lens); i++) {
                assert_int_equal(eg_retail_mac(key, data, lens[i], mac), 0);
                assert_int_equal(eg_retail_mac_fallback(key, data, lens[i], fallback), 0);
                reference_retail_mac(key, data, lens[i], reference);
                assert_memory_equal(mac, fallback, 8);
                assert_memory_equal(mac, reference, 8);
        }

        /* Both reject what is not whole blocks. */
        assert_int_equal(eg_retail_mac_fallback(key, data, 0, mac), -EINVAL);
        assert_int_equal(eg_retail_mac_fallback(key, data, 15, mac), -EINVAL);
        assert_int_equal(eg_retail_mac_fallback(key, NULL, 8, mac), -EINVAL);
        assert_int_equal(eg_retail_mac(key, NULL, 8, mac), -EINVAL);
}

int main(void) {
        EVP_CIPHER *des = EVP_CIPHER_fetch(NULL, "DES-CBC", NULL);

        des_visible_before = des != NULL;
        EVP_CIPHER_free(des);

        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_retail_mac_legacy_stays_private),
                cmocka_unit_test(test_key_seed_and_keys),
                cmocka_unit_test(test_mrz_information_from_parser),
                cmocka_unit_test(test_bad_mrz_information),
                cmocka_unit_test(test_mutual_authenticate),
                cmocka_unit_test(test_wrong_mrz_refused),
                cmocka_unit_test(test_answer_shapes),
                cmocka_unit_test(test_retail_mac_and_parity),
                cmocka_unit_test(test_retail_mac_icao_example),
                cmocka_unit_test(test_retail_mac_single_des_matches_fallback),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
