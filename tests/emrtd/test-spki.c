/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* eg_spki_parse(): the named-curve fast path gives the key d2i_PUBKEY() gives,
 * every other key still parses, and anything but one valid key is refused. */
#include <errno.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <cmocka.h>

#include "emrtd/spki.h"

static size_t der_of(EVP_PKEY *key, uint8_t **ret) {
        unsigned char *der = NULL;
        int n = i2d_PUBKEY(key, &der);

        assert_true(n > 0);
        *ret = der;
        return (size_t) n;
}

static void expect_same_key(const uint8_t *der, size_t len, EVP_PKEY *original) {
        EVP_PKEY *key = NULL;

        assert_int_equal(eg_spki_parse(der, len, &key), 0);
        assert_non_null(key);
        assert_int_equal(EVP_PKEY_eq(key, original), 1);
        EVP_PKEY_free(key);
}

static void test_named_curves(void **state) {
        static const char *const curves[] = { "P-256", "P-384", "brainpoolP256r1",
                                              "brainpoolP384r1" };

        for (size_t i = 0; i < sizeof(curves) / sizeof(curves[0]); i++) {
                EVP_PKEY *key = EVP_EC_gen(curves[i]);
                uint8_t *der;
                size_t len;

                assert_non_null(key);
                len = der_of(key, &der);
                expect_same_key(der, len, key);
                OPENSSL_free(der);
                EVP_PKEY_free(key);
        }
}

/* Explicit domain parameters, as many older chips' DG14 carry them: the slow path. */
static void test_explicit_parameters(void **state) {
        EVP_PKEY *key = EVP_EC_gen("brainpoolP256r1");
        EVP_PKEY *parsed = NULL;
        uint8_t *der;
        size_t len;

        assert_non_null(key);
        assert_int_equal(EVP_PKEY_set_utf8_string_param(key, "encoding", "explicit"), 1);
        len = der_of(key, &der);
        assert_int_equal(eg_spki_parse(der, len, &parsed), 0);
        assert_int_equal(EVP_PKEY_get_base_id(parsed), EVP_PKEY_EC);
        assert_int_equal(EVP_PKEY_eq(parsed, key), 1);
        EVP_PKEY_free(parsed);
        OPENSSL_free(der);
        EVP_PKEY_free(key);
}

static void test_rsa(void **state) {
        EVP_PKEY *key = EVP_RSA_gen(1024);
        uint8_t *der;
        size_t len;

        assert_non_null(key);
        len = der_of(key, &der);
        expect_same_key(der, len, key);
        OPENSSL_free(der);
        EVP_PKEY_free(key);
}

static void test_refused(void **state) {
        EVP_PKEY *key = EVP_EC_gen("P-256"), *parsed = NULL;
        uint8_t *der, *copy;
        size_t len;

        assert_non_null(key);
        len = der_of(key, &der);
        copy = malloc(len + 1);
        assert_non_null(copy);

        /* A trailing byte, a truncation, nothing at all. */
        memcpy(copy, der, len);
        copy[len] = 0;
        assert_int_equal(eg_spki_parse(copy, len + 1, &parsed), -EBADMSG);
        assert_int_equal(eg_spki_parse(der, len - 1, &parsed), -EBADMSG);
        assert_int_equal(eg_spki_parse(der, 0, &parsed), -EBADMSG);
        assert_int_equal(eg_spki_parse(NULL, len, &parsed), -EBADMSG);

        /* A point off the curve: the last byte of Y changed. */
        memcpy(copy, der, len);
        copy[len - 1] ^= 0x01;
        assert_int_equal(eg_spki_parse(copy, len, &parsed), -EBADMSG);

        /* Not a point encoding at all (first octet 0x05). */
        memcpy(copy, der, len);
        copy[len - 65] = 0x05;
        assert_int_equal(eg_spki_parse(copy, len, &parsed), -EBADMSG);
        assert_null(parsed);

        free(copy);
        OPENSSL_free(der);
        EVP_PKEY_free(key);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_named_curves),
                cmocka_unit_test(test_explicit_parameters),
                cmocka_unit_test(test_rsa),
                cmocka_unit_test(test_refused),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
