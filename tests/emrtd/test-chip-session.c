/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The asynchronous chip read end to end: a manager with the test chip
 * reader plugin (plugins/chip-plugin.c), whose APDUs reach the card
 * emulator in this executable through eg_test_chip_bridge.  Every outcome
 * is checked with its TR-03135 result and reason code: the good reads (BAC,
 * PACE, CA, AA, extended length, large files), a wrong MRZ, tampered and
 * forged data, hostile lengths, a removed chip, a slow chip, bad MACs and
 * cancellation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "card.h"
#include "config.h"
#include "emrtd/apdu.h"
#include "emrtd/chip-session.h"
#include "log.h"
#include "manager.h"
#include "plugins/chip-bridge.h"

/* --- the bridge the plugin calls --- */

static struct eg_test_card *current_card;

static int bridge_connect(const char *key, uint8_t *atr, size_t cap, size_t *ret_len,
                          unsigned *ret_delay_ms) {
        const uint8_t *a;
        size_t n;

        if (!current_card)
                return -ENOMSG;
        eg_test_card_reset(current_card);
        a = eg_test_card_atr(current_card, &n);
        if (n > cap)
                return -ENOBUFS;
        memcpy(atr, a, n);
        *ret_len = n;
        *ret_delay_ms = eg_test_card_faults(current_card)->delay_ms;
        return 0;
}

static int bridge_transmit(const char *key, const uint8_t *capdu, size_t len, uint8_t *rapdu,
                           size_t cap, size_t *ret_len, unsigned *ret_delay_ms) {
        if (!current_card)
                return -ENODEV;
        if (cap < EG_RAPDU_MAX + 64)
                return -ENOBUFS;
        *ret_delay_ms = eg_test_card_faults(current_card)->delay_ms;
        return eg_test_card_transmit(current_card, capdu, len, rapdu, ret_len);
}

__attribute__((visibility("default"))) const struct eg_test_chip_bridge eg_test_chip_bridge = {
        .connect = bridge_connect,
        .transmit = bridge_transmit,
};

/* --- fixture --- */

struct fixture {
        sd_event *event;
        struct eg_manager *manager;
        struct eg_test_pki *pki;
        struct eg_trust_store *trust;
        struct eg_test_passport *passport;
        char mrz_information[40]; /* of the passport in the field */
};

struct outcome {
        unsigned calls;
        struct eg_chip_read_result *result;
};

static uint64_t now_ms(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000u + (uint64_t) ts.tv_nsec / 1000000u;
}

static void run_until(sd_event *e, const unsigned *flag, unsigned ms) {
        uint64_t end = now_ms() + ms;

        while ((!flag || *flag == 0) && now_ms() < end)
                assert_true(sd_event_run(e, 10 * 1000) >= 0);
}

static void on_done(struct eg_chip_read_result *r, void *userdata) {
        struct outcome *o = userdata;

        o->calls++;
        if (o->result)
                eg_chip_read_result_free(o->result);
        o->result = r;
}

static int setup(void **state) {
        static const char config_template[] = "[daemon]\n"
                                              "plugin-dirs = %s\n"
                                              "operation-timeout-ms = 2000\n"
                                              "[device.reader]\n"
                                              "plugin = testchip\n"
                                              "class = chip-reader\n";
        struct fixture *f = calloc(1, sizeof(*f));
        struct eg_config_errors errors = {};
        struct eg_config *c = NULL;
        const char *dir = getenv("EGATE_TEST_PLUGIN_DIR");
        char *text = NULL;

        assert_non_null(f);
        assert_non_null(dir);
        assert_true(asprintf(&text, config_template, dir) > 0);
        if (eg_config_load_string("chip.conf", text, &c, &errors) < 0)
                for (size_t i = 0; i < errors.n; i++)
                        fprintf(stderr, "%s\n", errors.messages[i]);
        assert_int_equal(errors.n, 0);
        eg_config_errors_clear(&errors);
        free(text);
        assert_int_equal(sd_event_new(&f->event), 0);
        assert_int_equal(eg_manager_new(f->event, c, NULL, &f->manager), 0);
        assert_int_equal(eg_manager_start(f->manager), 0);
        assert_non_null(eg_device_find(f->manager, "testchip-reader"));

        assert_int_equal(eg_test_pki_new("KR", &f->pki), 0);
        assert_int_equal(eg_trust_store_new(&f->trust), 0);
        assert_int_equal(eg_trust_store_add_csca(f->trust, f->pki->csca), 0);
        *state = f;
        return 0;
}

static int teardown(void **state) {
        struct fixture *f = *state;

        eg_test_card_free(current_card);
        current_card = NULL;
        eg_test_passport_free(f->passport);
        eg_manager_free(f->manager);
        sd_event_unref(f->event);
        eg_trust_store_unref(f->trust);
        eg_test_pki_free(f->pki);
        free(f);
        return 0;
}

/* A passport in the reader's field. */
static struct eg_test_passport *insert(struct fixture *f, struct eg_test_passport_options *o,
                                       const struct eg_test_card_faults *faults) {
        o->pki = o->pki ? o->pki : f->pki;
        eg_test_card_free(current_card);
        eg_test_passport_free(f->passport);
        assert_int_equal(eg_test_passport_new(o, &f->passport), 0);
        current_card = eg_test_card_new(f->passport);
        eg_test_card_set_faults(current_card, faults);
        snprintf(f->mrz_information, sizeof(f->mrz_information), "%s",
                 f->passport->mrz_information);
        return f->passport;
}

static struct eg_chip_session_options options(struct fixture *f) {
        return (struct eg_chip_session_options){ .mrz_information = f->mrz_information,
                                                 .prefer_pace = true,
                                                 .trust = f->trust,
                                                 .apdu_timeout_ms = 1000 };
}

static void read_chip(struct fixture *f, const struct eg_chip_session_options *o,
                      struct outcome *out) {
        *out = (struct outcome){};
        assert_int_equal(
                eg_chip_session_start(f->manager, "testchip-reader", o, on_done, out, NULL), 0);
        assert_int_equal(out->calls, 0); /* never from inside start() */
        run_until(f->event, &out->calls, 20000);
        assert_int_equal(out->calls, 1);
        run_until(f->event, NULL, 20);
        assert_int_equal(out->calls, 1);
}

static void assert_check(const struct eg_check *c, enum eg_check_result result, const char *reason,
                         const char *detail_part) {
        bool reason_ok =
                (!c->reason || !reason) ? c->reason == reason : strcmp(c->reason, reason) == 0;

        if (c->result != result || !reason_ok)
                fail_msg("got %s/%s (%s), want %s/%s", eg_check_result_to_string(c->result),
                         c->reason ? c->reason : "-", c->detail, eg_check_result_to_string(result),
                         reason ? reason : "-");
        if (detail_part && !strstr(c->detail, detail_part))
                fail_msg("detail \"%s\" lacks \"%s\"", c->detail, detail_part);
}

static void done_with(struct outcome *out) {
        eg_chip_read_result_free(out->result);
        out->result = NULL;
}

/* --- good reads --- */

static void test_bac_with_active_authentication(void **state) {
        struct fixture *f = *state;
        struct eg_test_passport_options po = { .aa = EG_TEST_AA_EC, .dg11 = true };
        struct eg_test_passport *p = insert(f, &po, NULL);
        struct eg_chip_session_options o = options(f);
        struct outcome out;
        struct eg_chip_read_result *r;

        read_chip(f, &o, &out);
        r = out.result;
        assert_check(&r->access, EG_CHECK_SUCCESSFUL, NULL, "BAC, 3DES");
        assert_check(&r->read, EG_CHECK_SUCCESSFUL, NULL, NULL);
        assert_check(&r->pa.check, EG_CHECK_SUCCESSFUL, NULL, NULL);
        assert_check(&r->authenticity, EG_CHECK_SUCCESSFUL, NULL, "Active Authentication");
        assert_int_equal(r->access_protocol, EG_CHIP_ACCESS_BAC);
        assert_int_equal(r->auth_method, EG_CHIP_AUTH_AA);
        assert_true(r->extended_length);
        for (unsigned dg = 1; dg <= 16; dg++) {
                assert_int_equal(r->dg[dg].len, p->file_len[dg]);
                if (p->file[dg])
                        assert_memory_equal(r->dg[dg].data, p->file[dg], p->file_len[dg]);
        }
        assert_memory_equal(r->sod.data, p->file[EG_TEST_FILE_SOD], r->sod.len);
        assert_memory_equal(r->com.data, p->file[EG_TEST_FILE_COM], r->com.len);
        assert_true(r->have_mrz);
        assert_string_equal(r->mrz.document_number, "M12345678");
        assert_string_equal(r->mrz.issuing_state, "KOR");
        assert_true(r->n_apdus > 10);
        assert_true(r->bytes_sent > 0 && r->bytes_received > r->bytes_sent);
        assert_true(r->timings.total_usec >= r->timings.read_usec);
        assert_true(r->timings.access_usec > 0 && r->timings.read_usec > 0);
        assert_int_equal(r->n_apdus, eg_test_card_n_apdus(current_card));
        done_with(&out);
}

static void test_pace_with_chip_authentication(void **state) {
        struct fixture *f = *state;
        struct eg_test_passport_options po = { .pace = true,
                                               .ca = true,
                                               .ca_cipher = EG_CIPHER_AES128 };
        struct eg_chip_session_options o;
        struct outcome out;

        insert(f, &po, NULL);
        o = options(f);
        read_chip(f, &o, &out);
        assert_check(&out.result->access, EG_CHECK_SUCCESSFUL, NULL, "PACE, AES-128");
        assert_check(&out.result->pa.check, EG_CHECK_SUCCESSFUL, NULL, NULL);
        assert_check(&out.result->authenticity, EG_CHECK_SUCCESSFUL, NULL,
                     "Chip Authentication verified (AES-128)");
        assert_int_equal(out.result->access_protocol, EG_CHIP_ACCESS_PACE);
        assert_int_equal(out.result->auth_method, EG_CHIP_AUTH_CA);
        assert_non_null(out.result->card_access.data);
        done_with(&out);

        /* Without the PACE preference the same chip is read with BAC (3DES CA). */
        po = (struct eg_test_passport_options){ .pace = true, .ca = true };
        insert(f, &po, NULL);
        o = options(f);
        o.prefer_pace = false;
        read_chip(f, &o, &out);
        assert_check(&out.result->access, EG_CHECK_SUCCESSFUL, NULL, "BAC");
        assert_check(&out.result->authenticity, EG_CHECK_SUCCESSFUL, NULL, "(3DES)");
        done_with(&out);

        /* PACE with the CAN. */
        po = (struct eg_test_passport_options){ .pace = true };
        insert(f, &po, NULL);
        o = options(f);
        o.can = f->passport->can;
        read_chip(f, &o, &out);
        assert_check(&out.result->access, EG_CHECK_SUCCESSFUL, NULL, "PACE");
        assert_check(&out.result->authenticity, EG_CHECK_NOT_SUPPORTED,
                     EG_REASON_CHIP_AUTH_UNSUPPORTED, NULL);
        done_with(&out);
}

static void test_large_dg2_short_and_extended(void **state) {
        struct fixture *f = *state;
        struct eg_test_passport_options po = { .dg2_extra = 40000, .aa = EG_TEST_AA_RSA };
        struct eg_test_card_faults short_only = { .short_only = true };
        struct eg_chip_session_options o;
        struct outcome out;
        unsigned extended_apdus;

        /* Extended length (the ATR says so): few, large READ BINARYs. */
        insert(f, &po, NULL);
        o = options(f);
        read_chip(f, &o, &out);
        assert_check(&out.result->read, EG_CHECK_SUCCESSFUL, NULL, NULL);
        assert_check(&out.result->pa.check, EG_CHECK_SUCCESSFUL, NULL, NULL);
        assert_true(out.result->extended_length);
        assert_true(out.result->dg[2].len > 40000);
        extended_apdus = out.result->n_apdus;
        done_with(&out);

        /* The same chip refusing extended APDUs: found out before secure messaging,
         * then 0xDF chunks, with READ BINARY B1 past offset 32767. */
        insert(f, &po, &short_only);
        o = options(f);
        read_chip(f, &o, &out);
        assert_check(&out.result->read, EG_CHECK_SUCCESSFUL, NULL, NULL);
        assert_check(&out.result->pa.check, EG_CHECK_SUCCESSFUL, NULL, NULL);
        assert_false(out.result->extended_length);
        assert_memory_equal(out.result->dg[2].data, f->passport->file[2], f->passport->file_len[2]);
        assert_true(out.result->n_apdus > extended_apdus + 150);
        /* The 128-byte RSA signature comes back in a short protected answer. */
        assert_check(&out.result->authenticity, EG_CHECK_SUCCESSFUL, NULL, NULL);
        done_with(&out);

        /* PACE, AES Chip Authentication, short APDUs only. */
        po = (struct eg_test_passport_options){ .pace = true,
                                                .ca = true,
                                                .ca_cipher = EG_CIPHER_AES256 };
        insert(f, &po, &short_only);
        o = options(f);
        read_chip(f, &o, &out);
        assert_check(&out.result->access, EG_CHECK_SUCCESSFUL, NULL, "PACE");
        assert_check(&out.result->authenticity, EG_CHECK_SUCCESSFUL, NULL, "(AES-256)");
        assert_false(out.result->extended_length);
        done_with(&out);
}

/* --- access and read failures --- */

static void test_wrong_mrz(void **state) {
        struct fixture *f = *state;
        struct eg_test_passport_options po = {};
        struct eg_test_card_faults vicc = { .wrong_key_sw_6988 = true };
        struct eg_chip_session_options o;
        struct outcome out;
        char wrong[40];

        insert(f, &po, NULL);
        snprintf(wrong, sizeof(wrong), "%s", f->passport->mrz_information);
        wrong[0] = wrong[0] == 'X' ? 'Y' : 'X';
        o = options(f);
        o.mrz_information = wrong;
        read_chip(f, &o, &out);
        assert_check(&out.result->access, EG_CHECK_FAILED, EG_REASON_CHIP_ACCESS_FAIL,
                     "BAC refused by the chip (SW 6300)");
        assert_check(&out.result->read, EG_CHECK_ABORTED, NULL, "not reached");
        assert_check(&out.result->pa.check, EG_CHECK_ABORTED, NULL, "not reached");
        assert_null(out.result->dg[1].data);
        done_with(&out);

        insert(f, &po, &vicc);
        read_chip(f, &o, &out);
        assert_check(&out.result->access, EG_CHECK_FAILED, EG_REASON_CHIP_ACCESS_FAIL, "(SW 6988)");
        done_with(&out);

        po.pace = true;
        insert(f, &po, NULL);
        read_chip(f, &o, &out);
        assert_check(&out.result->access, EG_CHECK_FAILED, EG_REASON_CHIP_ACCESS_FAIL,
                     "PACE: chip refused the PACE password (MRZ)");
        done_with(&out);
}

static void test_no_chip_and_no_device(void **state) {
        struct fixture *f = *state;
        struct eg_chip_session_options o = { .mrz_information = "M12345678<580010112350101" };
        struct outcome out = {};

        eg_test_card_free(current_card);
        current_card = NULL;
        read_chip(f, &o, &out);
        assert_check(&out.result->access, EG_CHECK_FAILED, EG_REASON_CHIP_NOT_FOUND,
                     "no chip in the field");
        done_with(&out);
        out = (struct outcome){};

        assert_int_equal(
                eg_chip_session_start(f->manager, "testchip-nothing", &o, on_done, &out, NULL),
                -ENODEV);
        o.mrz_information = NULL;
        assert_int_equal(
                eg_chip_session_start(f->manager, "testchip-reader", &o, on_done, &out, NULL),
                -EINVAL);
        run_until(f->event, NULL, 20);
        assert_int_equal(out.calls, 0);
}

static void test_bad_mac_and_bogus_lengths(void **state) {
        struct fixture *f = *state;
        struct eg_test_passport_options po = {};
        struct eg_test_card_faults bad_mac = { .corrupt_response_mac = true };
        struct eg_test_card_faults bogus = { .bogus_response_length = true };
        struct eg_chip_session_options o;
        struct outcome out;

        insert(f, &po, &bad_mac);
        o = options(f);
        read_chip(f, &o, &out);
        assert_check(&out.result->access, EG_CHECK_SUCCESSFUL, NULL, NULL);
        assert_check(&out.result->read, EG_CHECK_FAILED, EG_REASON_CHIP_READ_FAIL,
                     "SELECT EF: response MAC mismatch");
        done_with(&out);

        insert(f, &po, &bogus);
        read_chip(f, &o, &out);
        assert_check(&out.result->read, EG_CHECK_FAILED, EG_REASON_CHIP_READ_FAIL,
                     "malformed secure messaging data objects");
        done_with(&out);
}

static void test_hostile_file_lengths(void **state) {
        struct fixture *f = *state;
        struct eg_test_passport_options po = {};
        struct eg_chip_session_options o;
        struct outcome out;
        uint8_t dg[300];

        /* Truncated: DG1's header claims 20 bytes more than the file has. */
        insert(f, &po, NULL);
        memcpy(dg, f->passport->file[1], f->passport->file_len[1]);
        dg[1] += 20;
        eg_test_passport_set_file(f->passport, 1, dg, f->passport->file_len[1]);
        o = options(f);
        read_chip(f, &o, &out);
        assert_check(&out.result->read, EG_CHECK_FAILED, EG_REASON_CHIP_READ_FAIL,
                     "DG1: shorter than its length header");
        done_with(&out);

        /* Oversized: DG2 claims 16 MiB - 1. */
        insert(f, &po, NULL);
        static const uint8_t huge[] = { 0x75, 0x83, 0xFF, 0xFF, 0xFF, 0x7F, 0x61, 0x00 };
        eg_test_passport_set_file(f->passport, 2, huge, sizeof(huge));
        read_chip(f, &o, &out);
        assert_check(&out.result->read, EG_CHECK_FAILED, EG_REASON_CHIP_READ_FAIL,
                     "DG2: larger than 1048576 bytes");
        done_with(&out);

        /* Bogus: an indefinite length, and a header that never ends. */
        insert(f, &po, NULL);
        static const uint8_t indefinite[] = { 0x61, 0x80, 0x5F, 0x1F, 0x00, 0x00 };
        eg_test_passport_set_file(f->passport, 1, indefinite, sizeof(indefinite));
        read_chip(f, &o, &out);
        assert_check(&out.result->read, EG_CHECK_FAILED, EG_REASON_CHIP_READ_FAIL,
                     "DG1: malformed length header");
        done_with(&out);

        /* EF.SOD missing altogether. */
        insert(f, &po, NULL);
        eg_test_passport_set_file(f->passport, EG_TEST_FILE_SOD, NULL, 0);
        read_chip(f, &o, &out);
        assert_check(&out.result->read, EG_CHECK_FAILED, EG_REASON_CHIP_DG_MISSING,
                     "EF.SOD not found");
        done_with(&out);
}

/* --- verification failures --- */

static void test_tampered_and_forged(void **state) {
        struct fixture *f = *state;
        struct eg_test_passport_options po = { .aa = EG_TEST_AA_RSA };
        struct eg_chip_session_options o;
        struct outcome out;
        uint8_t dg2[512];

        /* A DG2 byte changed after signing. */
        insert(f, &po, NULL);
        memcpy(dg2, f->passport->file[2], f->passport->file_len[2]);
        dg2[f->passport->file_len[2] - 3] ^= 0x01;
        eg_test_passport_set_file(f->passport, 2, dg2, f->passport->file_len[2]);
        o = options(f);
        read_chip(f, &o, &out);
        assert_check(&out.result->read, EG_CHECK_SUCCESSFUL, NULL, NULL);
        assert_check(&out.result->pa.check, EG_CHECK_FAILED, EG_REASON_PA_DG_HASH,
                     "DG2 does not match");
        /* DG15 itself verified: AA still tells whether the chip is genuine. */
        assert_check(&out.result->authenticity, EG_CHECK_SUCCESSFUL, NULL, NULL);
        done_with(&out);

        /* A forged EF.SOD: nothing it lists is proven, so AA proves nothing either. */
        insert(f, &po, NULL);
        eg_test_passport_break_sod_signature(f->passport);
        read_chip(f, &o, &out);
        assert_check(&out.result->pa.check, EG_CHECK_FAILED, EG_REASON_PA_SOD_SIG, NULL);
        assert_check(&out.result->authenticity, EG_CHECK_UNDETERMINED, NULL, "DG15 not verified");
        done_with(&out);
}

static void test_pki_outcomes(void **state) {
        struct fixture *f = *state;
        struct eg_test_passport_options po = {};
        struct eg_chip_session_options o;
        struct outcome out;
        X509 *ds;
        EVP_PKEY *key;

        /* No CSCA for this issuer. */
        insert(f, &po, NULL);
        o = options(f);
        o.trust = NULL;
        read_chip(f, &o, &out);
        assert_check(&out.result->pa.check, EG_CHECK_UNDETERMINED, EG_REASON_PA_NO_CSCA, NULL);
        done_with(&out);

        /* Expired DS. */
        assert_int_equal(eg_test_pki_issue_ds(f->pki, "KR", -500, -1, &ds, &key), 0);
        po.ds = ds;
        po.ds_key = key;
        insert(f, &po, NULL);
        o = options(f);
        read_chip(f, &o, &out);
        assert_check(&out.result->pa.check, EG_CHECK_FAILED, EG_REASON_PA_CERT_EXPIRED, NULL);
        done_with(&out);
        X509_free(ds);
        EVP_PKEY_free(key);

        /* DG1 says Japan, the DS is Korean. */
        po = (struct eg_test_passport_options){ .issuing_state = "JPN" };
        insert(f, &po, NULL);
        o = options(f);
        read_chip(f, &o, &out);
        assert_check(&out.result->pa.check, EG_CHECK_FAILED, EG_REASON_PA_ISSUER_MISMATCH, NULL);
        done_with(&out);

        /* Revoked DS. */
        X509_CRL *crl = eg_test_pki_crl(f->pki, f->pki->ds);
        assert_int_equal(eg_trust_store_add_crl(f->trust, crl), 0);
        X509_CRL_free(crl);
        po = (struct eg_test_passport_options){};
        insert(f, &po, NULL);
        o = options(f);
        read_chip(f, &o, &out);
        assert_check(&out.result->pa.check, EG_CHECK_FAILED, EG_REASON_PA_DS_REVOKED, NULL);
        done_with(&out);
}

static void test_clones(void **state) {
        struct fixture *f = *state;
        struct eg_test_passport_options po = { .ca = true };
        struct eg_test_card_faults ca_clone = { .ca_wrong_key = true };
        struct eg_test_card_faults aa_clone = { .aa_wrong_signature = true };
        struct eg_chip_session_options o;
        struct outcome out;

        insert(f, &po, &ca_clone);
        o = options(f);
        read_chip(f, &o, &out);
        assert_check(&out.result->pa.check, EG_CHECK_SUCCESSFUL, NULL, NULL);
        assert_check(&out.result->authenticity, EG_CHECK_FAILED, EG_REASON_CHIP_CLONE_SUSPECT,
                     "Chip Authentication");
        done_with(&out);

        po = (struct eg_test_passport_options){ .aa = EG_TEST_AA_EC };
        insert(f, &po, &aa_clone);
        read_chip(f, &o, &out);
        assert_check(&out.result->authenticity, EG_CHECK_FAILED, EG_REASON_CHIP_CLONE_SUSPECT,
                     "Active Authentication: signature does not verify");
        done_with(&out);
}

/* --- the chip goes, is slow, or the caller gives up --- */

static void test_chip_removed_mid_read(void **state) {
        struct fixture *f = *state;
        struct eg_test_passport_options po = {};
        struct eg_test_card_faults leaves = { .remove_after = 7 };
        struct eg_chip_session_options o;
        struct outcome out;

        insert(f, &po, &leaves);
        o = options(f);
        read_chip(f, &o, &out);
        assert_check(&out.result->access, EG_CHECK_SUCCESSFUL, NULL, NULL);
        assert_check(&out.result->read, EG_CHECK_ABORTED, EG_REASON_CHIP_READ_FAIL,
                     "chip removed during");
        assert_true(out.result->chip_removed);
        assert_int_equal(out.result->n_apdus, 8);
        done_with(&out);

        /* Removed during BAC (after SELECT EF.CardAccess, SELECT, GET CHALLENGE). */
        leaves.remove_after = 3;
        insert(f, &po, &leaves);
        read_chip(f, &o, &out);
        assert_check(&out.result->access, EG_CHECK_ABORTED, EG_REASON_CHIP_NOT_FOUND,
                     "chip removed during MUTUAL AUTHENTICATE");
        done_with(&out);
}

static void test_slow_chip(void **state) {
        struct fixture *f = *state;
        struct eg_test_passport_options po = { .dg2_extra = 3000 };
        struct eg_test_card_faults slow = { .delay_ms = 150 };
        struct eg_test_card_faults sluggish = { .delay_ms = 10, .short_only = true };
        struct eg_chip_session_options o;
        struct outcome out;
        uint64_t t0;

        /* Each APDU slower than its deadline. */
        insert(f, &po, &slow);
        o = options(f);
        o.apdu_timeout_ms = 100;
        t0 = now_ms();
        read_chip(f, &o, &out);
        assert_check(&out.result->access, EG_CHECK_ABORTED, EG_REASON_CHIP_TIMEOUT,
                     "no answer to CHIP_CONNECT within 100 ms");
        assert_true(now_ms() - t0 < 2000);
        done_with(&out);

        /* Every APDU in time, but DG2 as a whole too slow for its bound. */
        insert(f, &po, &sluggish);
        o = options(f);
        o.file_timeout_ms = 80;
        read_chip(f, &o, &out);
        assert_check(&out.result->access, EG_CHECK_SUCCESSFUL, NULL, NULL);
        assert_check(&out.result->read, EG_CHECK_ABORTED, EG_REASON_CHIP_TIMEOUT,
                     "reading DG2 took longer than 80 ms");
        done_with(&out);

        /* And the whole read bounded. */
        insert(f, &po, &sluggish);
        o = options(f);
        o.total_timeout_ms = 150;
        t0 = now_ms();
        read_chip(f, &o, &out);
        assert_check(&out.result->read, EG_CHECK_ABORTED, EG_REASON_CHIP_TIMEOUT,
                     "chip read took longer than 150 ms");
        assert_true(now_ms() - t0 < 1000);
        done_with(&out);
}

static void test_cancel(void **state) {
        struct fixture *f = *state;
        struct eg_test_passport_options po = {};
        struct eg_test_card_faults slow = { .delay_ms = 20 };
        struct eg_chip_session_options o;
        struct eg_chip_session *s = NULL;
        struct outcome out = {};

        insert(f, &po, &slow);
        o = options(f);
        assert_int_equal(
                eg_chip_session_start(f->manager, "testchip-reader", &o, on_done, &out, &s), 0);
        run_until(f->event, NULL, 70); /* a few APDUs in */
        assert_int_equal(out.calls, 0);
        eg_chip_session_cancel(s);
        assert_int_equal(out.calls, 0); /* from the loop, not from cancel() */
        run_until(f->event, &out.calls, 2000);
        assert_int_equal(out.calls, 1);
        assert_true(out.result->cancelled);
        assert_check(&out.result->access, EG_CHECK_ABORTED, NULL, "cancelled during");
        run_until(f->event, NULL, 100);
        assert_int_equal(out.calls, 1);
        done_with(&out);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_bac_with_active_authentication, setup,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_pace_with_chip_authentication, setup,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_large_dg2_short_and_extended, setup, teardown),
                cmocka_unit_test_setup_teardown(test_wrong_mrz, setup, teardown),
                cmocka_unit_test_setup_teardown(test_no_chip_and_no_device, setup, teardown),
                cmocka_unit_test_setup_teardown(test_bad_mac_and_bogus_lengths, setup, teardown),
                cmocka_unit_test_setup_teardown(test_hostile_file_lengths, setup, teardown),
                cmocka_unit_test_setup_teardown(test_tampered_and_forged, setup, teardown),
                cmocka_unit_test_setup_teardown(test_pki_outcomes, setup, teardown),
                cmocka_unit_test_setup_teardown(test_clones, setup, teardown),
                cmocka_unit_test_setup_teardown(test_chip_removed_mid_read, setup, teardown),
                cmocka_unit_test_setup_teardown(test_slow_chip, setup, teardown),
                cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
        };

        log_set_max_level(getenv("EGATE_TEST_DEBUG") ? LOG_DEBUG : LOG_WARNING);
        return cmocka_run_group_tests(tests, NULL, NULL);
}
