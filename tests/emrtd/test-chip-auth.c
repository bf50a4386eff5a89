/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Chip authenticity against the card emulator: Active Authentication (RSA
 * ISO/IEC 9796-2 and ECDSA) and Chip Authentication v1 (3DES with MSE:Set
 * KAT, AES with MSE:Set AT + GENERAL AUTHENTICATE), and the clones: wrong
 * signatures, a chip without the CA private key.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <openssl/objects.h>
#include <stdlib.h>
#include <string.h>

#include "crypto-test-util.h"
#include "emrtd/active-auth.h"
#include "emrtd/chip-auth.h"
#include "emrtd/security-infos.h"

struct fixture {
        struct eg_test_pki *pki;
};

static int setup(void **state) {
        struct fixture *f = calloc(1, sizeof(*f));

        assert_int_equal(eg_test_pki_new("KR", &f->pki), 0);
        *state = f;
        return 0;
}

static int teardown(void **state) {
        struct fixture *f = *state;

        eg_test_pki_free(f->pki);
        free(f);
        return 0;
}

/* BAC, then INTERNAL AUTHENTICATE; returns eg_aa_verify()'s verdict. */
static int run_aa(const struct eg_test_passport *p, const struct eg_test_card_faults *faults,
                  const char **reason) {
        struct eg_test_card *card = eg_test_card_new(p);
        struct eg_security_infos si = { .aa_digest_nid = NID_undef };
        uint8_t challenge[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, sig[512];
        struct eg_sm sm;
        struct eg_capdu c;
        size_t len;
        uint16_t sw;
        int r;

        eg_test_card_set_faults(card, faults);
        assert_int_equal(test_select_and_bac(card, p->mrz_information, &sm), 0);
        if (p->file[14])
                assert_int_equal(
                        eg_security_infos_parse_dg14(p->file[14], p->file_len[14], &si, NULL), 0);
        assert_true(eg_aa_signature_length(p->file[15], p->file_len[15]) > 0);
        eg_aa_command(challenge, (size_t) eg_aa_signature_length(p->file[15], p->file_len[15]), &c);
        assert_int_equal(c.le,
                         p->aa_key && EVP_PKEY_get_base_id(p->aa_key) == EVP_PKEY_RSA ? 128 : 64);
        assert_int_equal(test_exchange(card, &sm, &c, sig, sizeof(sig), &len, &sw), 0);
        assert_int_equal(sw, 0x9000);
        r = eg_aa_verify(p->file[15], p->file_len[15], si.aa_digest_nid, challenge, sig, len,
                         reason);
        eg_security_infos_done(&si);
        eg_sm_clear(&sm);
        eg_test_card_free(card);
        return r;
}

static void test_active_authentication(void **state) {
        struct fixture *f = *state;
        const enum eg_test_aa kinds[] = { EG_TEST_AA_EC, EG_TEST_AA_RSA };

        for (size_t i = 0; i < 2; i++) {
                struct eg_test_passport_options o = { .pki = f->pki, .aa = kinds[i] };
                struct eg_test_card_faults clone = { .aa_wrong_signature = true };
                struct eg_test_passport *p = NULL;
                const char *reason = NULL;

                assert_int_equal(eg_test_passport_new(&o, &p), 0);
                assert_int_equal(run_aa(p, NULL, &reason), 0);
                assert_int_equal(run_aa(p, &clone, &reason), -EBADMSG);
                assert_string_equal(reason, "signature does not verify");
                eg_test_passport_free(p);
        }
}

static void test_aa_hostile_inputs(void **state) {
        struct fixture *f = *state;
        struct eg_test_passport_options o = { .pki = f->pki, .aa = EG_TEST_AA_RSA };
        struct eg_test_passport *p = NULL;
        uint8_t challenge[8] = { 9 }, sig[512];
        size_t n = sizeof(sig);
        const char *reason = NULL;

        assert_int_equal(eg_test_passport_new(&o, &p), 0);
        assert_int_equal(eg_test_aa_sign(p->aa_key, challenge, sig, &n), 0);
        assert_int_equal(
                eg_aa_verify(p->file[15], p->file_len[15], NID_undef, challenge, sig, n, &reason),
                0);
        /* Wrong length, another challenge, a flipped bit, garbage DG15. */
        assert_int_equal(eg_aa_verify(p->file[15], p->file_len[15], NID_undef, challenge, sig,
                                      n - 1, &reason),
                         -EBADMSG);
        assert_string_equal(reason, "signature length differs from the modulus length");
        challenge[7] ^= 1;
        assert_int_equal(
                eg_aa_verify(p->file[15], p->file_len[15], NID_undef, challenge, sig, n, &reason),
                -EBADMSG);
        challenge[7] ^= 1;
        sig[n / 2] ^= 0x20;
        assert_int_equal(
                eg_aa_verify(p->file[15], p->file_len[15], NID_undef, challenge, sig, n, &reason),
                -EBADMSG);
        for (size_t cut = 0; cut < p->file_len[15]; cut++) {
                uint8_t *copy = malloc(cut ? cut : 1);
                memcpy(copy, p->file[15], cut);
                assert_int_equal(eg_aa_verify(copy, cut, NID_undef, challenge, sig, n, &reason),
                                 -EBADMSG);
                free(copy);
        }
        assert_int_equal(
                eg_aa_verify(p->file[15], p->file_len[15], NID_undef, challenge, NULL, 0, &reason),
                -EBADMSG);
        eg_test_passport_free(p);

        /* ECDSA signatures must be r ‖ s of even length. */
        o.aa = EG_TEST_AA_EC;
        assert_int_equal(eg_test_passport_new(&o, &p), 0);
        n = sizeof(sig);
        assert_int_equal(eg_test_aa_sign(p->aa_key, challenge, sig, &n), 0);
        assert_int_equal(n, 64);
        assert_int_equal(
                eg_aa_verify(p->file[15], p->file_len[15], NID_sha256, challenge, sig, n, NULL), 0);
        /* Declared with another hash: refused. */
        assert_int_equal(
                eg_aa_verify(p->file[15], p->file_len[15], NID_sha384, challenge, sig, n, NULL),
                -EBADMSG);
        assert_int_equal(
                eg_aa_verify(p->file[15], p->file_len[15], NID_undef, challenge, sig, 63, &reason),
                -EBADMSG);
        assert_string_equal(reason, "ECDSA signature is not r ‖ s");
        eg_test_passport_free(p);
}

/* BAC, then CA; then one protected READ BINARY under the new keys. */
static int run_ca(const struct eg_test_passport *p, const struct eg_test_card_faults *faults,
                  const char **reason) {
        struct eg_test_card *card = eg_test_card_new(p);
        struct eg_security_infos si;
        struct eg_chip_auth ca;
        uint8_t buf[256];
        struct eg_sm sm;
        struct eg_capdu c;
        size_t len;
        uint16_t sw;
        int r;

        eg_test_card_set_faults(card, faults);
        assert_int_equal(test_select_and_bac(card, p->mrz_information, &sm), 0);
        assert_int_equal(eg_security_infos_parse_dg14(p->file[14], p->file_len[14], &si, NULL), 0);
        assert_int_equal(eg_chip_auth_prepare(&ca, &si, reason), 0);
        for (unsigned i = 0; i < eg_chip_auth_n_commands(&ca); i++) {
                eg_chip_auth_command(&ca, i, &c);
                assert_int_equal(test_exchange(card, &sm, &c, buf, sizeof(buf), &len, &sw), 0);
                assert_int_equal(eg_chip_auth_check_response(&ca, i, buf, len, sw, reason), 0);
        }
        assert_int_equal(eg_chip_auth_session(&ca, &sm), 0);
        assert_int_equal(sm.cipher, p->ca_cipher);

        /* The proof: the chip answers under keys only the private key could make. */
        struct eg_capdu read = { .ins = 0xB0, .p1 = 0x81, .le = 4 }; /* DG1 by short EF id */
        r = test_exchange(card, &sm, &read, buf, sizeof(buf), &len, &sw);
        if (r == 0 && sw == 0x6988)
                r = -EACCES; /* the chip could not check our MAC: its keys differ */
        else if (r == 0 && (sw != 0x9000 || len != 4 || memcmp(buf, p->file[1], 4) != 0))
                r = -EIO;
        eg_chip_auth_clear(&ca);
        eg_security_infos_done(&si);
        eg_sm_clear(&sm);
        eg_test_card_free(card);
        return r;
}

static void test_chip_authentication(void **state) {
        struct fixture *f = *state;
        const enum eg_cipher ciphers[] = { EG_CIPHER_3DES, EG_CIPHER_AES128, EG_CIPHER_AES256 };

        for (size_t i = 0; i < sizeof(ciphers) / sizeof(ciphers[0]); i++) {
                struct eg_test_passport_options o = { .pki = f->pki,
                                                      .ca = true,
                                                      .ca_cipher = ciphers[i] };
                struct eg_test_card_faults clone = { .ca_wrong_key = true };
                struct eg_test_passport *p = NULL;
                const char *reason = NULL;

                assert_int_equal(eg_test_passport_new(&o, &p), 0);
                assert_int_equal(run_ca(p, NULL, &reason), 0);
                /* A clone without the private key derives other keys: it refuses our
                 * next command in plain (6988). */
                assert_int_equal(run_ca(p, &clone, &reason), -EACCES);
                eg_test_passport_free(p);
        }
}

static EVP_PKEY *ec_key_on(const char *curve) {
        EVP_PKEY *key = EVP_EC_gen(curve);

        assert_non_null(key);
        return key;
}

/* Both sides agree on the secret; a peer point outside the group of prime order is
 * refused, also on a curve where it is on the curve (cofactor above 1). */
static void test_ecdh_peer_keys(void **state) {
        uint8_t a[EG_CA_PUBLIC_KEY_MAX], b[EG_CA_PUBLIC_KEY_MAX];
        EVP_PKEY *own, *peer, *hostile = NULL;
        int na, nb;

        (void) state;
        /* P-256, cofactor 1: the quick check suffices. */
        own = ec_key_on("P-256");
        peer = ec_key_on("P-256");
        na = eg_ecdh_shared_secret(own, peer, a, sizeof(a));
        nb = eg_ecdh_shared_secret(peer, own, b, sizeof(b));
        assert_int_equal(na, 32);
        assert_int_equal(nb, na);
        assert_memory_equal(a, b, (size_t) na);
        EVP_PKEY_free(own);
        EVP_PKEY_free(peer);

        /* K-163 (sect163k1: y² + xy = x³ + x² + 1), cofactor 2: (0, 1) is on the curve
         * and of order 2.  Only the full check (n·Q) tells; a secret derived with it
         * would leak our private key's parity. */
        own = ec_key_on("sect163k1");
        peer = ec_key_on("sect163k1");
        na = eg_ecdh_shared_secret(own, peer, a, sizeof(a));
        assert_int_equal(na, 21);
        assert_int_equal(eg_ecdh_shared_secret(peer, own, b, sizeof(b)), na);
        assert_memory_equal(a, b, (size_t) na);

        uint8_t order_two[1 + 2 * 21] = { 0x04 };
        order_two[sizeof(order_two) - 1] = 0x01;
        assert_int_equal(eg_ec_public_key_from_point(own, order_two, sizeof(order_two), &hostile),
                         0);
        assert_int_equal(eg_ecdh_shared_secret(own, hostile, a, sizeof(a)), -EBADMSG);
        EVP_PKEY_free(hostile);
        EVP_PKEY_free(own);
        EVP_PKEY_free(peer);
}

static void test_security_infos(void **state) {
        struct fixture *f = *state;
        struct eg_test_passport_options o = { .pki = f->pki,
                                              .ca = true,
                                              .aa = EG_TEST_AA_EC,
                                              .ca_cipher = EG_CIPHER_AES128,
                                              .pace = true };
        struct eg_test_passport *p = NULL;
        struct eg_security_infos si;
        struct eg_chip_auth ca;
        const char *reason = NULL;

        assert_int_equal(eg_test_passport_new(&o, &p), 0);
        assert_int_equal(eg_security_infos_parse_dg14(p->file[14], p->file_len[14], &si, &reason),
                         0);
        assert_int_equal(si.n_infos, 4);
        assert_true(si.has_ca_info);
        assert_true(si.ca_ecdh);
        assert_int_equal(si.ca_cipher, EG_CIPHER_AES128);
        assert_int_equal(si.ca_version, 1);
        assert_non_null(si.ca_public_key);
        assert_true(si.has_aa_info);
        assert_int_equal(si.aa_digest_nid, NID_sha256);
        eg_security_infos_done(&si);

        /* Truncated DG14s are refused, never read past. */
        for (size_t cut = 0; cut < p->file_len[14]; cut++) {
                uint8_t *copy = malloc(cut ? cut : 1);
                memcpy(copy, p->file[14], cut);
                assert_int_equal(eg_security_infos_parse_dg14(copy, cut, &si, &reason), -EBADMSG);
                eg_security_infos_done(&si);
                free(copy);
        }
        /* No CA on offer: not supported. */
        struct eg_security_infos none = {};
        assert_int_equal(eg_chip_auth_prepare(&ca, &none, &reason), -EOPNOTSUPP);
        assert_string_equal(reason, "DG14 offers no Chip Authentication");
        eg_test_passport_free(p);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_active_authentication, setup, teardown),
                cmocka_unit_test_setup_teardown(test_aa_hostile_inputs, setup, teardown),
                cmocka_unit_test_setup_teardown(test_chip_authentication, setup, teardown),
                cmocka_unit_test_setup_teardown(test_security_infos, setup, teardown),
                cmocka_unit_test(test_ecdh_peer_keys),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
