/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The trust store's cache of trusted Document Signers: a verdict is reused
 * for the same DS (one miss, then hits), never outside the times it holds
 * for, never across a change of the store, and never for a failure.  Where
 * the time matters, the cached store is compared with a fresh store holding
 * the same objects: the cache must never change a verdict.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "crypto-test-util.h"
#include "emrtd/pa.h"
#include "emrtd/trust-store.h"

#define DAY 86400

struct fixture {
        struct eg_test_pki *pki;
        struct eg_trust_store *ts;
        time_t now;
};

static int setup(void **state) {
        struct fixture *f = calloc(1, sizeof(*f));

        assert_non_null(f);
        assert_int_equal(eg_test_pki_new("KR", &f->pki), 0);
        assert_int_equal(eg_trust_store_new(&f->ts), 0);
        assert_int_equal(eg_trust_store_add_csca(f->ts, f->pki->csca), 0);
        f->now = time(NULL);
        *state = f;
        return 0;
}

static int teardown(void **state) {
        struct fixture *f = *state;

        eg_trust_store_unref(f->ts);
        eg_test_pki_free(f->pki);
        free(f);
        return 0;
}

static void check(const struct eg_trust_store *ts, X509 *ds, time_t at, enum eg_check_result result,
                  const char *reason, const char *detail, struct eg_check *ret) {
        struct eg_check c;

        eg_trust_store_verify_ds(ts, ds, at, &c);
        if (c.result != result ||
            (reason ? !c.reason || strcmp(c.reason, reason) != 0 : !!c.reason))
                fail_msg("got %s/%s (%s), want %s/%s", eg_check_result_to_string(c.result),
                         c.reason ? c.reason : "-", c.detail, eg_check_result_to_string(result),
                         reason ? reason : "-");
        if (detail && strcmp(c.detail, detail) != 0)
                fail_msg("detail \"%s\", want \"%s\"", c.detail, detail);
        if (ret)
                *ret = c;
}

static void expect_stats(const struct eg_trust_store *ts, uint64_t hits, uint64_t misses) {
        uint64_t h = UINT64_MAX, m = UINT64_MAX;

        eg_trust_store_cache_stats(ts, &h, &m);
        if (h != hits || m != misses)
                fail_msg("%llu hits, %llu misses; want %llu, %llu", (unsigned long long) h,
                         (unsigned long long) m, (unsigned long long) hits,
                         (unsigned long long) misses);
}

static time_t seconds(const ASN1_TIME *t) {
        struct tm tm = {};

        assert_int_equal(ASN1_TIME_to_tm(t, &tm), 1);
        return timegm(&tm);
}

/* A store of its own with these objects, never asked before: the verdict without a cache. */
static void fresh_verdict(X509 *const *cscas, size_t n_csca, X509_CRL *const *crls, size_t n_crl,
                          X509 *ds, time_t at, struct eg_check *ret) {
        struct eg_trust_store *ts;

        assert_int_equal(eg_trust_store_new(&ts), 0);
        for (size_t i = 0; i < n_csca; i++)
                assert_int_equal(eg_trust_store_add_csca(ts, cscas[i]), 0);
        for (size_t i = 0; i < n_crl; i++)
                assert_int_equal(eg_trust_store_add_crl(ts, crls[i]), 0);
        eg_trust_store_verify_ds(ts, ds, at, ret);
        expect_stats(ts, 0, 1);
        eg_trust_store_unref(ts);
}

static void same_verdict(const struct eg_check *a, const struct eg_check *b) {
        assert_int_equal(a->result, b->result);
        if (a->reason || b->reason) {
                assert_non_null(a->reason);
                assert_non_null(b->reason);
                assert_string_equal(a->reason, b->reason);
        }
        assert_string_equal(a->detail, b->detail);
}

/* Re-encoded and parsed again, so that nothing OpenSSL cached at creation survives a
 * change made after it. */
static X509 *reparse_cert(X509 *x) {
        unsigned char *der = NULL;
        const unsigned char *p;
        int n = i2d_X509(x, &der);
        X509 *y;

        assert_true(n > 0);
        p = der;
        y = d2i_X509(NULL, &p, n);
        assert_non_null(y);
        OPENSSL_free(der);
        X509_free(x);
        return y;
}

/* pki's CRL (revoking `revoked`, may be NULL) issued at now + last_days, next due at
 * now + next_days. */
static X509_CRL *crl_at(struct fixture *f, X509 *revoked, long last_days, long next_days) {
        X509_CRL *crl = eg_test_pki_crl_dated(f->pki, revoked, f->now + last_days * DAY,
                                              f->now + next_days * DAY);

        assert_non_null(crl);
        return crl;
}

/* The same DS again: one verification, then the remembered verdict, word for word. */
static void test_second_verification_hits(void **state) {
        struct fixture *f = *state;
        struct eg_check first, second;

        expect_stats(f->ts, 0, 0);
        check(f->ts, f->pki->ds, f->now, EG_CHECK_SUCCESSFUL, NULL, "document signer trusted",
              &first);
        expect_stats(f->ts, 0, 1);
        check(f->ts, f->pki->ds, f->now, EG_CHECK_SUCCESSFUL, NULL, NULL, &second);
        expect_stats(f->ts, 1, 1);
        same_verdict(&first, &second);
        /* A while later, and with an equal copy of the certificate (another X509 object
         * from the same DER, as each EF.SOD gives). */
        X509 *copy = X509_dup(f->pki->ds);
        assert_non_null(copy);
        check(f->ts, copy, f->now + 7 * DAY, EG_CHECK_SUCCESSFUL, NULL, "document signer trusted",
              NULL);
        expect_stats(f->ts, 2, 1);
        X509_free(copy);
}

/* Through passive authentication: two passports signed by the same DS. */
static void test_passports_share_verdict(void **state) {
        struct fixture *f = *state;
        struct eg_test_passport_options o = { .pki = f->pki };
        const char *numbers[] = { "M12345678", "M98765432" };

        for (size_t i = 0; i < 2; i++) {
                struct eg_test_passport *p = NULL;
                struct eg_pa_result r;

                o.document_number = numbers[i];
                assert_int_equal(eg_test_passport_new(&o, &p), 0);
                struct eg_pa_input in = { .sod = p->file[EG_TEST_FILE_SOD],
                                          .sod_len = p->file_len[EG_TEST_FILE_SOD],
                                          .issuing_state = "KOR" };
                in.dg[1] = p->file[1];
                in.dg_len[1] = p->file_len[1];
                eg_pa_verify(f->ts, &in, &r);
                assert_int_equal(r.check.result, EG_CHECK_SUCCESSFUL);
                assert_string_equal(r.signer.detail, "document signer trusted");
                expect_stats(f->ts, i, 1);
                eg_test_passport_free(p);
        }
}

/* A cached success says nothing about a time the DS is not valid at. */
static void test_expired_after_cached(void **state) {
        struct fixture *f = *state;
        time_t not_before, not_after;
        X509 *ds;
        EVP_PKEY *key;

        assert_int_equal(eg_test_pki_issue_ds(f->pki, "KR", -10, 20, &ds, &key), 0);
        not_before = seconds(X509_get0_notBefore(ds));
        not_after = seconds(X509_get0_notAfter(ds));

        check(f->ts, ds, f->now, EG_CHECK_SUCCESSFUL, NULL, NULL, NULL);
        check(f->ts, ds, f->now, EG_CHECK_SUCCESSFUL, NULL, NULL, NULL);
        expect_stats(f->ts, 1, 1);

        check(f->ts, ds, not_after + DAY, EG_CHECK_FAILED, EG_REASON_PA_CERT_EXPIRED,
              "certificate outside its validity period: certificate has expired", NULL);
        expect_stats(f->ts, 1, 2);
        /* The edges: valid for notBefore <= t < notAfter, as OpenSSL has it. */
        check(f->ts, ds, not_after - 1, EG_CHECK_SUCCESSFUL, NULL, NULL, NULL);
        expect_stats(f->ts, 2, 2);
        check(f->ts, ds, not_after, EG_CHECK_FAILED, EG_REASON_PA_CERT_EXPIRED, NULL, NULL);
        check(f->ts, ds, not_before - 1, EG_CHECK_FAILED, EG_REASON_PA_CERT_EXPIRED,
              "certificate outside its validity period: certificate is not yet valid", NULL);
        expect_stats(f->ts, 2, 4);
        check(f->ts, ds, not_before, EG_CHECK_SUCCESSFUL, NULL, NULL, NULL);
        expect_stats(f->ts, 3, 4);
        /* Failures were not remembered: the success still is. */
        check(f->ts, ds, f->now, EG_CHECK_SUCCESSFUL, NULL, NULL, NULL);
        expect_stats(f->ts, 4, 4);
        X509_free(ds);
        EVP_PKEY_free(key);
}

/* A CRL added after the DS was found trusted revokes it at once. */
static void test_crl_added_revokes_cached(void **state) {
        struct fixture *f = *state;
        X509_CRL *crl;

        check(f->ts, f->pki->ds, f->now, EG_CHECK_SUCCESSFUL, NULL, NULL, NULL);
        check(f->ts, f->pki->ds, f->now, EG_CHECK_SUCCESSFUL, NULL, NULL, NULL);
        expect_stats(f->ts, 1, 1);

        crl = eg_test_pki_crl(f->pki, f->pki->ds);
        assert_int_equal(eg_trust_store_add_crl(f->ts, crl), 0);
        X509_CRL_free(crl);
        check(f->ts, f->pki->ds, f->now, EG_CHECK_FAILED, EG_REASON_PA_DS_REVOKED, NULL, NULL);
        check(f->ts, f->pki->ds, f->now, EG_CHECK_FAILED, EG_REASON_PA_DS_REVOKED, NULL, NULL);
        expect_stats(f->ts, 1, 3);
}

/* Any change to the store forgets: another CSCA, a directory load, a master list. */
static void test_store_change_forgets(void **state) {
        struct fixture *f = *state;
        struct eg_test_pki *jp;
        uint8_t *ml;
        size_t ml_len;

        check(f->ts, f->pki->ds, f->now, EG_CHECK_SUCCESSFUL, NULL, NULL, NULL);
        check(f->ts, f->pki->ds, f->now, EG_CHECK_SUCCESSFUL, NULL, NULL, NULL);
        expect_stats(f->ts, 1, 1);

        assert_int_equal(eg_test_pki_new("JP", &jp), 0);
        assert_int_equal(eg_trust_store_add_csca(f->ts, jp->csca), 0);
        check(f->ts, f->pki->ds, f->now, EG_CHECK_SUCCESSFUL, NULL, NULL, NULL);
        expect_stats(f->ts, 1, 2);
        check(f->ts, f->pki->ds, f->now, EG_CHECK_SUCCESSFUL, NULL, NULL, NULL);
        expect_stats(f->ts, 2, 2);

        assert_int_equal(eg_test_pki_master_list(jp, &jp->csca, 1, &ml, &ml_len), 0);
        assert_int_equal(eg_trust_store_add_master_list(f->ts, ml, ml_len, false, NULL), 1);
        check(f->ts, f->pki->ds, f->now, EG_CHECK_SUCCESSFUL, NULL, NULL, NULL);
        expect_stats(f->ts, 2, 3);
        OPENSSL_free(ml);
        eg_test_pki_free(jp);
}

/* Document Signers are told apart; more of them than the cache holds turn it over. */
static void test_other_ds_misses(void **state) {
        struct fixture *f = *state;
        X509 *ds[17];
        EVP_PKEY *key[17];

        for (size_t i = 0; i < 17; i++)
                assert_int_equal(eg_test_pki_issue_ds(f->pki, "KR", -1, 365, &ds[i], &key[i]), 0);

        check(f->ts, ds[0], f->now, EG_CHECK_SUCCESSFUL, NULL, NULL, NULL);
        check(f->ts, ds[1], f->now, EG_CHECK_SUCCESSFUL, NULL, NULL, NULL);
        expect_stats(f->ts, 0, 2);
        check(f->ts, ds[0], f->now, EG_CHECK_SUCCESSFUL, NULL, NULL, NULL);
        check(f->ts, ds[1], f->now, EG_CHECK_SUCCESSFUL, NULL, NULL, NULL);
        expect_stats(f->ts, 2, 2);

        /* 16 entries: the 17th DS pushes out the least recently used, ds[0]. */
        for (size_t i = 2; i < 17; i++)
                check(f->ts, ds[i], f->now, EG_CHECK_SUCCESSFUL, NULL, NULL, NULL);
        expect_stats(f->ts, 2, 17);
        check(f->ts, ds[1], f->now, EG_CHECK_SUCCESSFUL, NULL, NULL, NULL);
        check(f->ts, ds[16], f->now, EG_CHECK_SUCCESSFUL, NULL, NULL, NULL);
        expect_stats(f->ts, 4, 17);
        check(f->ts, ds[0], f->now, EG_CHECK_SUCCESSFUL, NULL, NULL, NULL);
        expect_stats(f->ts, 4, 18);
        /* ...which pushed out ds[2], now the least recently used. */
        check(f->ts, ds[3], f->now, EG_CHECK_SUCCESSFUL, NULL, NULL, NULL);
        check(f->ts, ds[2], f->now, EG_CHECK_SUCCESSFUL, NULL, NULL, NULL);
        expect_stats(f->ts, 5, 19);

        for (size_t i = 0; i < 17; i++) {
                X509_free(ds[i]);
                EVP_PKEY_free(key[i]);
        }
}

/* Failed and undetermined verifications are done again each time. */
static void test_failure_not_cached(void **state) {
        struct fixture *f = *state;
        struct eg_test_pki *other, forger = {};
        X509 *forged;
        EVP_PKEY *key;

        /* Names our CSCA and its key identifier, signed with another key. */
        assert_int_equal(eg_test_pki_new("KR", &other), 0);
        forger.csca = f->pki->csca;
        forger.csca_key = other->csca_key;
        forger.next_serial = 99;
        assert_int_equal(eg_test_pki_issue_ds(&forger, "KR", -1, 365, &forged, &key), 0);
        for (unsigned i = 1; i <= 3; i++) {
                check(f->ts, forged, f->now, EG_CHECK_FAILED, EG_REASON_PA_DS_UNTRUSTED, NULL,
                      NULL);
                expect_stats(f->ts, 0, i);
        }
        /* Issued by a CSCA we do not hold. */
        for (unsigned i = 4; i <= 5; i++) {
                check(f->ts, other->ds, f->now, EG_CHECK_UNDETERMINED, EG_REASON_PA_NO_CSCA, NULL,
                      NULL);
                expect_stats(f->ts, 0, i);
        }
        /* A good DS next to them is still remembered. */
        check(f->ts, f->pki->ds, f->now, EG_CHECK_SUCCESSFUL, NULL, NULL, NULL);
        check(f->ts, f->pki->ds, f->now, EG_CHECK_SUCCESSFUL, NULL, NULL, NULL);
        check(f->ts, forged, f->now, EG_CHECK_FAILED, EG_REASON_PA_DS_UNTRUSTED, NULL, NULL);
        expect_stats(f->ts, 1, 7);
        X509_free(forged);
        EVP_PKEY_free(key);
        eg_test_pki_free(other);
}

/* A CRL past its next update is noted in the detail: not taken from a verdict found
 * while it was current. */
static void test_crl_goes_stale(void **state) {
        struct fixture *f = *state;
        X509_CRL *crl = crl_at(f, NULL, -1, 30);
        struct eg_check cached, fresh;

        assert_int_equal(eg_trust_store_add_crl(f->ts, crl), 0);
        check(f->ts, f->pki->ds, f->now, EG_CHECK_SUCCESSFUL, NULL, "document signer trusted",
              NULL);
        check(f->ts, f->pki->ds, f->now + 29 * DAY, EG_CHECK_SUCCESSFUL, NULL,
              "document signer trusted", NULL);
        expect_stats(f->ts, 1, 1);
        check(f->ts, f->pki->ds, f->now + 31 * DAY, EG_CHECK_SUCCESSFUL, NULL,
              "document signer trusted (CRL outside its validity)", &cached);
        expect_stats(f->ts, 1, 2);
        fresh_verdict(&f->pki->csca, 1, &crl, 1, f->pki->ds, f->now + 31 * DAY, &fresh);
        same_verdict(&cached, &fresh);
        /* The stale verdict is remembered with its note. */
        check(f->ts, f->pki->ds, f->now + 32 * DAY, EG_CHECK_SUCCESSFUL, NULL,
              "document signer trusted (CRL outside its validity)", NULL);
        expect_stats(f->ts, 2, 2);
        X509_CRL_free(crl);
}

/* A newer CRL that revokes the DS takes over once it is issued, while the CRL used
 * before is still current: the window is bounded by every CRL of the store. */
static void test_newer_crl_takes_over(void **state) {
        struct fixture *f = *state;
        X509_CRL *crls[2] = { crl_at(f, NULL, -1, 30), crl_at(f, f->pki->ds, 5, 35) };
        struct eg_check cached, fresh;

        for (size_t i = 0; i < 2; i++)
                assert_int_equal(eg_trust_store_add_crl(f->ts, crls[i]), 0);
        check(f->ts, f->pki->ds, f->now, EG_CHECK_SUCCESSFUL, NULL, "document signer trusted",
              NULL);
        check(f->ts, f->pki->ds, f->now + 4 * DAY, EG_CHECK_SUCCESSFUL, NULL, NULL, NULL);
        expect_stats(f->ts, 1, 1);

        fresh_verdict(&f->pki->csca, 1, crls, 2, f->pki->ds, f->now + 6 * DAY, &fresh);
        assert_int_equal(fresh.result, EG_CHECK_FAILED);
        assert_string_equal(fresh.reason, EG_REASON_PA_DS_REVOKED);
        check(f->ts, f->pki->ds, f->now + 6 * DAY, EG_CHECK_FAILED, EG_REASON_PA_DS_REVOKED, NULL,
              &cached);
        same_verdict(&cached, &fresh);
        /* And the earlier verdict still holds at its own time. */
        check(f->ts, f->pki->ds, f->now, EG_CHECK_SUCCESSFUL, NULL, "document signer trusted",
              NULL);
        for (size_t i = 0; i < 2; i++)
                X509_CRL_free(crls[i]);
}

/*
 * A certificate with the CSCA's name and key identifier but another key, valid only
 * from 5 days on (a botched key rollover).  Once it is valid, OpenSSL may pick it as
 * the DS's issuer, and the DS's signature does not verify with it; which of the two
 * it picks depends on their order in the store, so both orders are tried.  In each
 * the cached store must answer as a fresh one, and in one the answer changes while
 * the chain verified first is still valid: the window is bounded by every
 * certificate of the store, not only the chain's.
 */
static void test_issuer_becomes_valid_later(void **state) {
        struct fixture *f = *state;
        X509 *later = X509_dup(f->pki->csca);
        EVP_PKEY *key = EVP_EC_gen("P-256");
        bool changed = false;

        assert_non_null(later);
        assert_non_null(key);
        assert_non_null(X509_gmtime_adj(X509_getm_notBefore(later), 5 * DAY));
        assert_true(X509_set_pubkey(later, key));
        assert_true(X509_sign(later, key, EVP_sha256()) > 0);
        later = reparse_cert(later);

        for (unsigned order = 0; order < 2; order++) {
                X509 *cscas[2] = { order ? f->pki->csca : later, order ? later : f->pki->csca };
                struct eg_trust_store *ts;
                struct eg_check cached, fresh;

                assert_int_equal(eg_trust_store_new(&ts), 0);
                for (size_t i = 0; i < 2; i++)
                        assert_int_equal(eg_trust_store_add_csca(ts, cscas[i]), 0);
                check(ts, f->pki->ds, f->now, EG_CHECK_SUCCESSFUL, NULL, NULL, NULL);
                check(ts, f->pki->ds, f->now + 4 * DAY, EG_CHECK_SUCCESSFUL, NULL, NULL, NULL);
                expect_stats(ts, 1, 1);

                fresh_verdict(cscas, 2, NULL, 0, f->pki->ds, f->now + 6 * DAY, &fresh);
                eg_trust_store_verify_ds(ts, f->pki->ds, f->now + 6 * DAY, &cached);
                same_verdict(&cached, &fresh);
                if (fresh.result != EG_CHECK_SUCCESSFUL) {
                        assert_string_equal(fresh.reason, EG_REASON_PA_DS_UNTRUSTED);
                        changed = true;
                }
                eg_trust_store_unref(ts);
        }
        assert_true(changed);
        X509_free(later);
        EVP_PKEY_free(key);
}

struct worker {
        const struct eg_trust_store *ts;
        X509 *good[2];
        X509 *bad;
        time_t at;
        unsigned wrong;
};

#define N_THREADS 8
#define N_ROUNDS 200

static void *work(void *userdata) {
        struct worker *w = userdata;

        for (unsigned i = 0; i < N_ROUNDS; i++) {
                struct eg_check c;

                eg_trust_store_verify_ds(w->ts, w->good[i % 2], w->at, &c);
                if (c.result != EG_CHECK_SUCCESSFUL)
                        w->wrong++;
                eg_trust_store_verify_ds(w->ts, w->bad, w->at, &c);
                if (c.result != EG_CHECK_FAILED)
                        w->wrong++;
        }
        return NULL;
}

/* Several threads on one store: every verdict right, every call counted. */
static void test_threads(void **state) {
        struct fixture *f = *state;
        struct eg_test_pki *other, forger = {};
        struct worker w[N_THREADS];
        pthread_t t[N_THREADS];
        EVP_PKEY *keys[2];
        X509 *good, *bad;
        uint64_t hits, misses;

        assert_int_equal(eg_test_pki_new("KR", &other), 0);
        forger.csca = f->pki->csca;
        forger.csca_key = other->csca_key;
        assert_int_equal(eg_test_pki_issue_ds(f->pki, "KR", -1, 365, &good, &keys[0]), 0);
        assert_int_equal(eg_test_pki_issue_ds(&forger, "KR", -1, 365, &bad, &keys[1]), 0);
        for (size_t i = 0; i < N_THREADS; i++) {
                w[i] = (struct worker){
                        .ts = f->ts, .good = { f->pki->ds, good }, .bad = bad, .at = f->now
                };
                assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
        }
        for (size_t i = 0; i < N_THREADS; i++) {
                assert_int_equal(pthread_join(t[i], NULL), 0);
                assert_int_equal(w[i].wrong, 0);
        }
        eg_trust_store_cache_stats(f->ts, &hits, &misses);
        assert_int_equal(hits + misses, 2 * N_THREADS * N_ROUNDS);
        /* Every failing call verified; each good DS at least once, at most once a thread. */
        assert_true(misses >= N_THREADS * N_ROUNDS + 2);
        assert_true(misses <= N_THREADS * N_ROUNDS + 2 * N_THREADS);
        X509_free(good);
        X509_free(bad);
        EVP_PKEY_free(keys[0]);
        EVP_PKEY_free(keys[1]);
        eg_test_pki_free(other);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_second_verification_hits, setup, teardown),
                cmocka_unit_test_setup_teardown(test_passports_share_verdict, setup, teardown),
                cmocka_unit_test_setup_teardown(test_expired_after_cached, setup, teardown),
                cmocka_unit_test_setup_teardown(test_crl_added_revokes_cached, setup, teardown),
                cmocka_unit_test_setup_teardown(test_store_change_forgets, setup, teardown),
                cmocka_unit_test_setup_teardown(test_other_ds_misses, setup, teardown),
                cmocka_unit_test_setup_teardown(test_failure_not_cached, setup, teardown),
                cmocka_unit_test_setup_teardown(test_crl_goes_stale, setup, teardown),
                cmocka_unit_test_setup_teardown(test_newer_crl_takes_over, setup, teardown),
                cmocka_unit_test_setup_teardown(test_issuer_becomes_valid_later, setup, teardown),
                cmocka_unit_test_setup_teardown(test_threads, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
