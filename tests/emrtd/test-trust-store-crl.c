/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * When a trust store's revocation lists go stale (eg_trust_store_crl_due()): the
 * earliest nextUpdate among each issuer's newest CRL, with that CRL's issuer; and
 * the store's reference count, which lets a reload replace a store that chip
 * sessions still hold.
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

#include "crypto-test-util.h"
#include "emrtd/trust-store.h"

#define DAY 86400

struct fixture {
        struct eg_test_pki *kr, *us;
        struct eg_trust_store *ts;
        time_t now;
};

static int setup(void **state) {
        struct fixture *f = calloc(1, sizeof(*f));

        assert_non_null(f);
        assert_int_equal(eg_test_pki_new_named("KR", "Korea", &f->kr), 0);
        assert_int_equal(eg_test_pki_new_named("US", "United States", &f->us), 0);
        assert_int_equal(eg_trust_store_new(&f->ts), 0);
        assert_int_equal(eg_trust_store_add_csca(f->ts, f->kr->csca), 0);
        assert_int_equal(eg_trust_store_add_csca(f->ts, f->us->csca), 0);
        f->now = time(NULL);
        *state = f;
        return 0;
}

static int teardown(void **state) {
        struct fixture *f = *state;

        eg_trust_store_unref(f->ts);
        eg_test_pki_free(f->kr);
        eg_test_pki_free(f->us);
        free(f);
        return 0;
}

/* pki's CRL issued at now + last_days, due at now + next_days (no nextUpdate if
 * next_days is 0), added to the store. */
static void add_crl(struct fixture *f, struct eg_test_pki *pki, long last_days, long next_days) {
        X509_CRL *crl = eg_test_pki_crl_dated(pki, NULL, f->now + last_days * DAY,
                                              next_days ? f->now + next_days * DAY : 0);

        assert_non_null(crl);
        assert_int_equal(eg_trust_store_add_crl(f->ts, crl), 0);
        X509_CRL_free(crl);
}

static void expect_due(struct fixture *f, long days, const char *issuer_part) {
        char *issuer = (char *) "unchanged";
        time_t due = -1;

        assert_int_equal(eg_trust_store_crl_due(f->ts, &due, &issuer), 0);
        if (!issuer_part) {
                assert_int_equal(due, 0);
                assert_null(issuer);
                return;
        }
        /* ASN1_TIME_adj() keeps whole seconds: the due time is exact. */
        assert_int_equal(due, f->now + days * DAY);
        assert_non_null(issuer);
        if (!strstr(issuer, issuer_part))
                fail_msg("issuer \"%s\" does not name \"%s\"", issuer, issuer_part);
        free(issuer);
}

static void test_no_crl_is_never_due(void **state) {
        expect_due(*state, 0, NULL);
}

static void test_crl_without_next_update_is_never_due(void **state) {
        struct fixture *f = *state;

        add_crl(f, f->kr, -1, 0);
        expect_due(f, 0, NULL);
}

/* The earliest of the issuers' due times, past or future, with its issuer. */
static void test_earliest_issuer_is_due(void **state) {
        struct fixture *f = *state;

        add_crl(f, f->kr, -10, 20);
        add_crl(f, f->us, -10, 5);
        expect_due(f, 5, "C=US");
        add_crl(f, f->kr, -40, -3); /* an older KR CRL, superseded: ignored */
        expect_due(f, 5, "C=US");
}

/* A stale CRL whose successor sits beside it does not make the store stale; the
 * successor's due time counts. */
static void test_newest_crl_of_an_issuer_counts(void **state) {
        struct fixture *f = *state;

        add_crl(f, f->kr, -60, -30);
        expect_due(f, -30, "C=KR");
        add_crl(f, f->kr, -2, 28);
        expect_due(f, 28, "C=KR");
        /* Two older ones issued at the same instant count no more than one. */
        add_crl(f, f->kr, -60, -20);
        expect_due(f, 28, "C=KR");
}

/* CRLs of one issuer issued at the same instant all count: the earliest due wins. */
static void test_same_instant_crls_all_count(void **state) {
        struct fixture *f = *state;

        add_crl(f, f->us, -2, 7);
        add_crl(f, f->us, -2, 5);
        add_crl(f, f->kr, -1, 9);
        expect_due(f, 5, "C=US");
}

/* A CRL whose nextUpdate OpenSSL parses but cannot read as a time (OpenSSL checks dates
 * only when they are used): refused when added, alone and from a directory, so it can
 * neither blind the freshness check nor fail its issuer's signers. */
static void test_unreadable_date_refused(void **state) {
        struct fixture *f = *state;
        ASN1_TIME *last = ASN1_TIME_adj(NULL, f->now, -1, 0);
        ASN1_TIME *bad = ASN1_STRING_type_new(V_ASN1_UTCTIME);
        X509_CRL *crl = X509_CRL_new(), *parsed;
        struct eg_trust_load_report report = {};
        char dir[] = "/tmp/egate-bad-crl-XXXXXX", path[64], cmd[96];
        unsigned char *der = NULL;
        const unsigned char *p;
        time_t due = -1;
        FILE *out;
        int n;

        assert_true(last && bad && crl);
        assert_true(ASN1_STRING_set(bad, "99999999999999Z", -1));
        assert_true(X509_CRL_set_version(crl, 1));
        assert_true(X509_CRL_set_issuer_name(crl, X509_get_subject_name(f->kr->csca)));
        assert_true(X509_CRL_set1_lastUpdate(crl, last) && X509_CRL_set1_nextUpdate(crl, bad));
        assert_true(X509_CRL_sign(crl, f->kr->csca_key, EVP_sha256()) > 0);
        n = i2d_X509_CRL(crl, &der);
        assert_true(n > 0);
        p = der;
        parsed = d2i_X509_CRL(NULL, &p, n);
        assert_non_null(parsed); /* OpenSSL takes it */

        assert_int_equal(eg_trust_store_add_crl(f->ts, parsed), -EBADMSG);
        assert_int_equal(f->ts->n_crl, 0);
        assert_int_equal(eg_trust_store_crl_due(f->ts, &due, NULL), 0);
        assert_int_equal(due, 0);

        assert_non_null(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/bad.der", dir);
        out = fopen(path, "we");
        assert_non_null(out);
        assert_int_equal(fwrite(der, 1, (size_t) n, out), (size_t) n);
        assert_int_equal(fclose(out), 0);
        assert_int_equal(eg_trust_store_load_crl_dir(f->ts, dir, &report), 0);
        assert_int_equal(report.n_loaded, 0);
        assert_int_equal(report.n_failed, 1);
        assert_string_equal(report.first_failure, "bad.der: a CRL whose dates cannot be read");
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        assert_int_equal(system(cmd), 0);

        OPENSSL_free(der);
        X509_CRL_free(parsed);
        X509_CRL_free(crl);
        ASN1_TIME_free(last);
        ASN1_TIME_free(bad);
}

static void test_arguments(void **state) {
        struct fixture *f = *state;
        time_t due;

        assert_int_equal(eg_trust_store_crl_due(NULL, &due, NULL), -EINVAL);
        assert_int_equal(eg_trust_store_crl_due(f->ts, NULL, NULL), -EINVAL);
        /* The issuer is optional. */
        add_crl(f, f->kr, -1, 9);
        assert_int_equal(eg_trust_store_crl_due(f->ts, &due, NULL), 0);
        assert_int_equal(due, f->now + 9 * DAY);
}

/* A store lives while a reference is held: a session keeps verifying with it after the
 * manager let it go. */
static void test_reference_keeps_the_store(void **state) {
        struct fixture *f = *state;
        struct eg_trust_store *held = eg_trust_store_ref(f->ts);
        struct eg_check c;

        assert_ptr_equal(held, f->ts);
        assert_null(eg_trust_store_unref(f->ts));
        f->ts = NULL;
        eg_trust_store_verify_ds(held, f->kr->ds, time(NULL), &c);
        assert_int_equal(c.result, EG_CHECK_SUCCESSFUL);
        assert_null(eg_trust_store_unref(held));
        assert_null(eg_trust_store_ref(NULL));
        assert_null(eg_trust_store_unref(NULL));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_no_crl_is_never_due, setup, teardown),
                cmocka_unit_test_setup_teardown(test_crl_without_next_update_is_never_due, setup,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_earliest_issuer_is_due, setup, teardown),
                cmocka_unit_test_setup_teardown(test_newest_crl_of_an_issuer_counts, setup,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_same_instant_crls_all_count, setup, teardown),
                cmocka_unit_test_setup_teardown(test_unreadable_date_refused, setup, teardown),
                cmocka_unit_test_setup_teardown(test_arguments, setup, teardown),
                cmocka_unit_test_setup_teardown(test_reference_keeps_the_store, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
