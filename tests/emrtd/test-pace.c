/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * PACE end to end: the terminal (core/src/emrtd/pace.c) against the card
 * emulator, which runs OpenPACE's card-side functions.  MRZ and CAN
 * passwords, AES and 3DES, a wrong password, a broken EF.CardAccess; and
 * our AES secure messaging checked against libeac's own SM primitives.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <eac/eac.h>
#include <eac/pace.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "crypto-test-util.h"
#include "emrtd/pace.h"

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

static struct eg_test_passport *passport(struct fixture *f, enum eg_cipher c) {
        struct eg_test_passport_options o = { .pki = f->pki, .pace = true, .pace_cipher = c };
        struct eg_test_passport *p = NULL;

        assert_int_equal(eg_test_passport_new(&o, &p), 0);
        return p;
}

/* Read EF.CardAccess from the master file without authentication. */
static void read_card_access(struct eg_test_card *card, uint8_t **ret, size_t *len) {
        assert_int_equal(test_read_file(card, NULL, 0x011C, 0xDF, ret, len), 0);
}

/* Run PACE; returns the first error of the protocol, 0 with *sm set up. */
static int run_pace(struct eg_test_card *card, enum eg_pace_password type, const char *password,
                    struct eg_sm *sm, const char **reason) {
        struct eg_pace *p = NULL;
        uint8_t *ca = NULL, data[512];
        size_t ca_len = 0, len;
        uint16_t sw;
        struct eg_capdu c;
        int r;

        read_card_access(card, &ca, &ca_len);
        r = eg_pace_new(ca, ca_len, type, password, &p, reason);
        free(ca);
        if (r < 0)
                return r;
        while ((r = eg_pace_next_command(p, &c, reason)) > 0) {
                r = test_exchange(card, NULL, &c, data, sizeof(data), &len, &sw);
                if (r < 0)
                        break;
                r = eg_pace_handle_response(p, data, len, sw, reason);
                if (r < 0)
                        break;
        }
        if (r == 0)
                r = eg_pace_session(p, sm);
        eg_pace_free(p);
        return r;
}

static void select_and_read_dg1(struct eg_test_card *card, struct eg_sm *sm,
                                const struct eg_test_passport *pp) {
        static const uint8_t aid[] = { 0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01 };
        struct eg_capdu c = { .ins = 0xA4, .p1 = 0x04, .p2 = 0x0C, .data = aid, .lc = 7 };
        uint8_t buf[16], *dg1 = NULL;
        size_t len, dg1_len = 0;
        uint16_t sw;

        /* After PACE the application is selected under secure messaging. */
        assert_int_equal(test_exchange(card, sm, &c, buf, sizeof(buf), &len, &sw), 0);
        assert_int_equal(sw, 0x9000);
        assert_int_equal(test_read_file(card, sm, 0x0101, 0xDF, &dg1, &dg1_len), 0);
        assert_int_equal(dg1_len, pp->file_len[1]);
        assert_memory_equal(dg1, pp->file[1], dg1_len);
        free(dg1);
}

static void test_pace_mrz_aes(void **state) {
        struct fixture *f = *state;
        struct eg_test_passport *pp = passport(f, EG_CIPHER_AES128);
        struct eg_test_card *card = eg_test_card_new(pp);
        struct eg_sm sm = {};
        const char *reason = NULL;

        assert_int_equal(run_pace(card, EG_PACE_MRZ, pp->mrz_information, &sm, &reason), 0);
        assert_int_equal(sm.cipher, EG_CIPHER_AES128);
        assert_true(eg_test_card_secure_messaging(card));
        select_and_read_dg1(card, &sm, pp);
        eg_sm_clear(&sm);
        eg_test_card_free(card);
        eg_test_passport_free(pp);
}

static void test_pace_can_and_other_ciphers(void **state) {
        struct fixture *f = *state;
        const enum eg_cipher ciphers[] = { EG_CIPHER_3DES, EG_CIPHER_AES192, EG_CIPHER_AES256 };

        for (size_t i = 0; i < sizeof(ciphers) / sizeof(ciphers[0]); i++) {
                struct eg_test_passport *pp = passport(f, ciphers[i]);
                struct eg_test_card *card = eg_test_card_new(pp);
                struct eg_sm sm = {};

                assert_int_equal(run_pace(card, EG_PACE_CAN, pp->can, &sm, NULL), 0);
                assert_int_equal(sm.cipher, ciphers[i]);
                select_and_read_dg1(card, &sm, pp);
                eg_sm_clear(&sm);
                eg_test_card_free(card);
                eg_test_passport_free(pp);
        }
}

static void test_pace_dh(void **state) {
        struct fixture *f = *state;
        struct eg_test_passport_options o = { .pki = f->pki, .pace = true, .pace_dh = true };
        struct eg_test_passport *pp = NULL;
        struct eg_test_card *card;
        struct eg_sm sm = {};

        assert_int_equal(eg_test_passport_new(&o, &pp), 0);
        card = eg_test_card_new(pp);
        assert_int_equal(run_pace(card, EG_PACE_MRZ, pp->mrz_information, &sm, NULL), 0);
        assert_int_equal(sm.cipher, EG_CIPHER_AES128);
        select_and_read_dg1(card, &sm, pp);
        eg_sm_clear(&sm);
        eg_test_card_free(card);
        eg_test_passport_free(pp);
}

static void test_pace_wrong_password(void **state) {
        struct fixture *f = *state;
        struct eg_test_passport *pp = passport(f, EG_CIPHER_AES128);
        struct eg_test_card *card = eg_test_card_new(pp);
        struct eg_sm sm = {};
        const char *reason = NULL;
        char wrong[40];

        /* One digit of the birth date off: the nonce decrypts to garbage, the tokens differ. */
        snprintf(wrong, sizeof(wrong), "%s", pp->mrz_information);
        wrong[12] = wrong[12] == '9' ? '8' : '9';
        assert_int_equal(run_pace(card, EG_PACE_MRZ, wrong, &sm, &reason), -EACCES);
        assert_string_equal(reason, "chip refused the PACE password");
        assert_false(eg_sm_active(&sm));
        assert_false(eg_test_card_secure_messaging(card));

        assert_int_equal(run_pace(card, EG_PACE_CAN, "654321", &sm, &reason), -EACCES);
        eg_test_card_free(card);
        eg_test_passport_free(pp);
}

static void test_card_access_refused(void **state) {
        static const uint8_t garbage[] = { 0x31, 0x03, 0x02, 0x01, 0x01 };
        /* A PACEInfo with Integrated Mapping only: libeac parses it, we do not run it. */
        static const uint8_t im_only[] = { 0x31, 0x12, 0x30, 0x10, 0x06, 0x0A, 0x04, 0x00,
                                           0x7F, 0x00, 0x07, 0x02, 0x02, 0x04, 0x04, 0x02,
                                           0x02, 0x01, 0x02, 0x02, 0x01, 0x0D };
        struct eg_pace *p = NULL;
        const char *reason = NULL;

        assert_false(eg_pace_supported(garbage, sizeof(garbage)));
        assert_int_equal(eg_pace_new(garbage, sizeof(garbage), EG_PACE_CAN, "123456", &p, &reason),
                         -EOPNOTSUPP);
        assert_string_equal(reason, "EF.CardAccess offers no supported PACE protocol");
        assert_false(eg_pace_supported(im_only, sizeof(im_only)));
        assert_false(eg_pace_supported(NULL, 0));
        for (size_t n = 0; n < sizeof(im_only); n++)
                assert_false(eg_pace_supported(im_only, n));
}

static void test_protocol_order_enforced(void **state) {
        struct fixture *f = *state;
        struct eg_test_passport *pp = passport(f, EG_CIPHER_AES128);
        struct eg_pace *p = NULL;
        struct eg_capdu c;
        const char *reason = NULL;

        assert_int_equal(eg_pace_new(pp->file[EG_TEST_FILE_CARD_ACCESS],
                                     pp->file_len[EG_TEST_FILE_CARD_ACCESS], EG_PACE_MRZ,
                                     pp->mrz_information, &p, &reason),
                         0);
        assert_int_equal(eg_pace_next_command(p, &c, &reason), 1);
        /* MSE:Set AT: 80 protocol OID, 83 01 (MRZ), 84 0C (P-256). */
        assert_int_equal(c.ins, 0x22);
        assert_int_equal(c.p1, 0xC1);
        assert_int_equal(c.p2, 0xA4);
        assert_string_equal(bytes_to_hex(c.data, c.lc), "800A04007F0007020204020283010184010C");
        assert_int_equal(eg_pace_next_command(p, &c, &reason), -EBUSY);
        assert_int_equal(eg_pace_handle_response(p, NULL, 0, 0x6A80, &reason), -EBADMSG);
        assert_string_equal(reason, "chip refused MSE:Set AT for PACE");
        eg_pace_free(p);

        /* A malformed answer to the nonce step. */
        assert_int_equal(eg_pace_new(pp->file[EG_TEST_FILE_CARD_ACCESS],
                                     pp->file_len[EG_TEST_FILE_CARD_ACCESS], EG_PACE_MRZ,
                                     pp->mrz_information, &p, &reason),
                         0);
        assert_int_equal(eg_pace_next_command(p, &c, &reason), 1);
        assert_int_equal(eg_pace_handle_response(p, NULL, 0, 0x9000, &reason), 0);
        assert_int_equal(eg_pace_next_command(p, &c, &reason), 1);
        assert_int_equal(c.cla, 0x10);
        assert_string_equal(bytes_to_hex(c.data, c.lc), "7C00");
        static const uint8_t bad[] = { 0x7C, 0x05, 0x80, 0x10, 0x01 };
        assert_int_equal(eg_pace_handle_response(p, bad, sizeof(bad), 0x9000, &reason), -EBADMSG);
        assert_string_equal(reason, "malformed GENERAL AUTHENTICATE answer");
        eg_pace_free(p);
        eg_test_passport_free(pp);
}

/* Our AES SM against libeac's EAC_encrypt/EAC_authenticate with the same keys. */
static void test_sm_matches_libeac(void **state) {
        struct fixture *f = *state;
        struct eg_test_passport *pp = passport(f, EG_CIPHER_AES128);
        const uint8_t *ca = pp->file[EG_TEST_FILE_CARD_ACCESS];
        size_t ca_len = pp->file_len[EG_TEST_FILE_CARD_ACCESS];
        EAC_CTX *picc, *pcd;
        PACE_SEC *sec = PACE_SEC_new("123456", 6, PACE_CAN);
        BUF_MEM *nonce, *m1, *m2, *k1, *k2;
        struct eg_sm sm;
        uint8_t data[32] = "0123456789abcdef0123", iv[16], ct[32], mac[8], padded[48];

        eg_eac_init();
        picc = EAC_CTX_new();
        pcd = EAC_CTX_new();
        assert_true(EAC_CTX_init_ef_cardaccess(ca, ca_len, picc));
        assert_true(EAC_CTX_init_ef_cardaccess(ca, ca_len, pcd));
        nonce = PACE_STEP1_enc_nonce(picc, sec);
        assert_true(PACE_STEP2_dec_nonce(pcd, sec, nonce));
        m1 = PACE_STEP3A_generate_mapping_data(pcd);
        m2 = PACE_STEP3A_generate_mapping_data(picc);
        assert_true(PACE_STEP3A_map_generator(pcd, m2) && PACE_STEP3A_map_generator(picc, m1));
        k1 = PACE_STEP3B_generate_ephemeral_key(pcd);
        k2 = PACE_STEP3B_generate_ephemeral_key(picc);
        assert_true(PACE_STEP3B_compute_shared_secret(pcd, k2));
        assert_true(PACE_STEP3C_derive_keys(pcd));
        assert_true(EAC_CTX_set_encryption_ctx(pcd, EAC_ID_PACE));

        const KA_CTX *ka = pcd->key_ctx;
        assert_int_equal(eg_sm_init(&sm, EG_CIPHER_AES128, (const uint8_t *) ka->k_enc->data,
                                    (const uint8_t *) ka->k_mac->data, NULL),
                         0);
        for (unsigned step = 1; step <= 3; step++) {
                BUF_MEM in = { .length = 32, .data = (char *) padded, .max = 32 };
                BUF_MEM *enc, *auth;
                size_t n = eg_pad(data, 20, 16, padded);

                assert_int_equal(n, 32);
                assert_true(EAC_increment_ssc(pcd));
                eg_sm_increment_ssc(&sm);
                enc = EAC_encrypt(pcd, &in);
                assert_non_null(enc);
                assert_int_equal(eg_sm_iv(&sm, iv), 0);
                assert_int_equal(eg_cbc_encrypt(EG_CIPHER_AES128, sm.k_enc, iv, padded, 32, ct), 0);
                assert_int_equal(enc->length, 32);
                assert_memory_equal(enc->data, ct, 32);

                /* libeac MACs SSC ‖ data with data already padded; we pad SSC ‖ data
                 * ourselves, which is the same bytes since the SSC is one block. */
                auth = EAC_authenticate(pcd, &in);
                assert_non_null(auth);
                assert_int_equal(eg_sm_mac(&sm, data, 20, mac), 0);
                assert_int_equal(auth->length, 8);
                assert_memory_equal(auth->data, mac, 8);
                BUF_MEM_free(enc);
                BUF_MEM_free(auth);
        }
        eg_sm_clear(&sm);
        BUF_MEM_free(nonce);
        BUF_MEM_free(m1);
        BUF_MEM_free(m2);
        BUF_MEM_free(k1);
        BUF_MEM_free(k2);
        PACE_SEC_clear_free(sec);
        EAC_CTX_clear_free(picc);
        EAC_CTX_clear_free(pcd);
        eg_test_passport_free(pp);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_pace_mrz_aes, setup, teardown),
                cmocka_unit_test_setup_teardown(test_pace_can_and_other_ciphers, setup, teardown),
                cmocka_unit_test_setup_teardown(test_pace_dh, setup, teardown),
                cmocka_unit_test_setup_teardown(test_pace_wrong_password, setup, teardown),
                cmocka_unit_test(test_card_access_refused),
                cmocka_unit_test_setup_teardown(test_protocol_order_enforced, setup, teardown),
                cmocka_unit_test_setup_teardown(test_sm_matches_libeac, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
