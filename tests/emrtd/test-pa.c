/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Passive authentication against passports made in the test: the good
 * case, then each way it must fail, each with its TR-03135 result and the
 * pipeline's reason code.  Trust anchors from memory, from directories of
 * PEM/DER files, and from an ICAO master list.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <ftw.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto-test-util.h"
#include "emrtd/pa.h"
#include "emrtd/sod-signer-cache.h"
#include "emrtd/tlv.h"
#include <sys/stat.h>

static bool streq_ptr_(const char *a, const char *b) {
        return (!a || !b) ? a == b : strcmp(a, b) == 0;
}

struct fixture {
        struct eg_test_pki *pki;
        struct eg_trust_store *ts;
};

static int setup(void **state) {
        struct fixture *f = calloc(1, sizeof(*f));

        assert_int_equal(eg_test_pki_new("KR", &f->pki), 0);
        assert_int_equal(eg_trust_store_new(&f->ts), 0);
        assert_int_equal(eg_trust_store_add_csca(f->ts, f->pki->csca), 0);
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

static struct eg_test_passport *make(struct eg_test_passport_options *o) {
        struct eg_test_passport *p = NULL;

        assert_int_equal(eg_test_passport_new(o, &p), 0);
        return p;
}

/* PA over DG1, DG2, DG14, DG15 as "read" from the passport. */
static void verify(const struct eg_trust_store *ts, const struct eg_test_passport *p,
                   const char *state, struct eg_pa_result *ret) {
        struct eg_pa_input in = { .sod = p->file[EG_TEST_FILE_SOD],
                                  .sod_len = p->file_len[EG_TEST_FILE_SOD],
                                  .issuing_state = state };

        for (unsigned dg = 1; dg <= 16; dg++) {
                in.dg[dg] = p->file[dg];
                in.dg_len[dg] = p->file_len[dg];
        }
        eg_pa_verify(ts, &in, ret);
}

static void expect(const struct eg_pa_result *r, enum eg_check_result result, const char *reason,
                   const char *detail_part) {
        if (r->check.result != result || !streq_ptr_(r->check.reason, reason))
                fail_msg("got %s/%s (%s), want %s/%s", eg_check_result_to_string(r->check.result),
                         r->check.reason ? r->check.reason : "-", r->check.detail,
                         eg_check_result_to_string(result), reason ? reason : "-");
        if (detail_part && !strstr(r->check.detail, detail_part))
                fail_msg("detail \"%s\" lacks \"%s\"", r->check.detail, detail_part);
}

static void test_good_passport(void **state) {
        struct fixture *f = *state;
        struct eg_test_passport_options o = { .pki = f->pki, .aa = EG_TEST_AA_EC, .ca = true };
        struct eg_test_passport *p = make(&o);
        struct eg_pa_result r;

        verify(f->ts, p, "KOR", &r);
        expect(&r, EG_CHECK_SUCCESSFUL, NULL, "passed");
        assert_int_equal(r.signature.result, EG_CHECK_SUCCESSFUL);
        assert_int_equal(r.signer.result, EG_CHECK_SUCCESSFUL);
        assert_int_equal(r.hashes.result, EG_CHECK_SUCCESSFUL);
        assert_int_equal(r.issuer.result, EG_CHECK_SUCCESSFUL);
        assert_int_equal(r.digest_nid, NID_sha256);
        uint32_t want = (1u << 1) | (1u << 2) | (1u << 14) | (1u << 15);
        assert_int_equal(r.dgs_in_sod, want);
        assert_int_equal(r.dgs_verified, want);
        assert_int_equal(r.dgs_mismatch, 0);
        assert_string_equal(r.ds_country, "KR");
        eg_test_passport_free(p);
}

static void test_other_digests(void **state) {
        struct fixture *f = *state;
        const int nids[] = { NID_sha1, NID_sha224, NID_sha384, NID_sha512 };

        for (size_t i = 0; i < sizeof(nids) / sizeof(nids[0]); i++) {
                struct eg_test_passport_options o = { .pki = f->pki, .digest_nid = nids[i] };
                struct eg_test_passport *p = make(&o);
                struct eg_pa_result r;

                verify(f->ts, p, "KOR", &r);
                expect(&r, EG_CHECK_SUCCESSFUL, NULL, NULL);
                assert_int_equal(r.digest_nid, nids[i]);
                eg_test_passport_free(p);
        }
}

static void test_tampered_dg(void **state) {
        struct fixture *f = *state;
        struct eg_test_passport_options o = { .pki = f->pki };
        struct eg_test_passport *p = make(&o);
        struct eg_pa_result r;
        uint8_t dg1[128];
        size_t n = p->file_len[1];

        /* One MRZ character changed after signing (birth date in DG1). */
        memcpy(dg1, p->file[1], n);
        dg1[5 + 44 + 14] ^= 0x01;
        eg_test_passport_set_file(p, 1, dg1, n);
        verify(f->ts, p, "KOR", &r);
        expect(&r, EG_CHECK_FAILED, EG_REASON_PA_DG_HASH, "DG1 does not match");
        assert_int_equal(r.dgs_mismatch, 1u << 1);
        assert_int_equal(r.dgs_verified, 1u << 2);
        /* The rest still verified. */
        assert_int_equal(r.signature.result, EG_CHECK_SUCCESSFUL);
        assert_int_equal(r.signer.result, EG_CHECK_SUCCESSFUL);

        /* A DG the SOD does not list. */
        eg_test_passport_free(p);
        p = make(&o);
        eg_test_passport_set_file(p, 11, (const uint8_t[]){ 0x6B, 0x00 }, 2);
        verify(f->ts, p, "KOR", &r);
        expect(&r, EG_CHECK_FAILED, EG_REASON_PA_DG_HASH, "DG11 was read but EF.SOD has no hash");
        eg_test_passport_free(p);
}

static void test_bad_signature(void **state) {
        struct fixture *f = *state;
        struct eg_test_passport_options o = { .pki = f->pki };
        struct eg_test_passport *p = make(&o);
        struct eg_pa_result r;

        eg_test_passport_break_sod_signature(p);
        verify(f->ts, p, "KOR", &r);
        expect(&r, EG_CHECK_FAILED, EG_REASON_PA_SOD_SIG, "signature does not verify");
        eg_test_passport_free(p);
}

static void test_unknown_csca(void **state) {
        struct fixture *f = *state;
        struct eg_test_pki *other;
        struct eg_trust_store *ts;
        struct eg_test_passport_options o = { .pki = f->pki };
        struct eg_test_passport *p = make(&o);
        struct eg_pa_result r;

        /* Only Japan's CSCA is trusted. */
        assert_int_equal(eg_test_pki_new("JP", &other), 0);
        assert_int_equal(eg_trust_store_new(&ts), 0);
        assert_int_equal(eg_trust_store_add_csca(ts, other->csca), 0);
        verify(ts, p, "KOR", &r);
        expect(&r, EG_CHECK_UNDETERMINED, EG_REASON_PA_NO_CSCA, "no CSCA certificate");
        /* Hashes and signature still checked. */
        assert_int_equal(r.hashes.result, EG_CHECK_SUCCESSFUL);

        /* No trust anchors at all. */
        eg_trust_store_unref(ts);
        assert_int_equal(eg_trust_store_new(&ts), 0);
        verify(ts, p, "KOR", &r);
        expect(&r, EG_CHECK_UNDETERMINED, EG_REASON_PA_NO_CSCA, "no CSCA certificates");
        verify(NULL, p, "KOR", &r);
        expect(&r, EG_CHECK_UNDETERMINED, EG_REASON_PA_NO_CSCA, NULL);
        eg_trust_store_unref(ts);
        eg_test_pki_free(other);
        eg_test_passport_free(p);
}

static void test_forged_ds(void **state) {
        struct fixture *f = *state;
        struct eg_test_pki *other, forger = {};
        struct eg_test_passport_options o = {};
        struct eg_test_passport *p;
        struct eg_pa_result r;
        X509 *ds;
        EVP_PKEY *key;

        /* Another CSCA with the same name ("KR", "Test CSCA"): its key identifier matches
         * none we hold, as after a CSCA key rollover we have not loaded yet. */
        assert_int_equal(eg_test_pki_new("KR", &other), 0);
        o.pki = other;
        p = make(&o);
        verify(f->ts, p, "KOR", &r);
        expect(&r, EG_CHECK_UNDETERMINED, EG_REASON_PA_NO_CSCA, NULL);
        eg_test_passport_free(p);

        /* A DS naming our CSCA and its key identifier, signed with another key. */
        forger.csca = f->pki->csca;
        forger.csca_key = other->csca_key;
        forger.next_serial = 99;
        assert_int_equal(eg_test_pki_issue_ds(&forger, "KR", -1, 365, &ds, &key), 0);
        o = (struct eg_test_passport_options){ .pki = f->pki, .ds = ds, .ds_key = key };
        p = make(&o);
        verify(f->ts, p, "KOR", &r);
        expect(&r, EG_CHECK_FAILED, EG_REASON_PA_DS_UNTRUSTED, "signature failure");
        eg_test_passport_free(p);
        X509_free(ds);
        EVP_PKEY_free(key);
        eg_test_pki_free(other);
}

static void test_expired_and_future_ds(void **state) {
        struct fixture *f = *state;
        struct eg_test_passport_options o = { .pki = f->pki };
        struct eg_test_passport *p;
        struct eg_pa_result r;
        X509 *ds;
        EVP_PKEY *key;

        assert_int_equal(eg_test_pki_issue_ds(f->pki, "KR", -400, -10, &ds, &key), 0);
        o.ds = ds;
        o.ds_key = key;
        p = make(&o);
        verify(f->ts, p, "KOR", &r);
        expect(&r, EG_CHECK_FAILED, EG_REASON_PA_CERT_EXPIRED, "certificate has expired");
        /* Checked at a time inside its validity, it passes. */
        struct eg_pa_input in = { .sod = p->file[EG_TEST_FILE_SOD],
                                  .sod_len = p->file_len[EG_TEST_FILE_SOD],
                                  .at = time(NULL) - 30 * 86400 };
        in.dg[1] = p->file[1];
        in.dg_len[1] = p->file_len[1];
        eg_pa_verify(f->ts, &in, &r);
        expect(&r, EG_CHECK_SUCCESSFUL, NULL, NULL);
        eg_test_passport_free(p);
        X509_free(ds);
        EVP_PKEY_free(key);

        assert_int_equal(eg_test_pki_issue_ds(f->pki, "KR", 10, 400, &ds, &key), 0);
        o.ds = ds;
        o.ds_key = key;
        p = make(&o);
        verify(f->ts, p, "KOR", &r);
        expect(&r, EG_CHECK_FAILED, EG_REASON_PA_CERT_EXPIRED, "not yet valid");
        eg_test_passport_free(p);
        X509_free(ds);
        EVP_PKEY_free(key);
}

static void test_revoked_ds(void **state) {
        struct fixture *f = *state;
        struct eg_test_passport_options o = { .pki = f->pki };
        struct eg_test_passport *p = make(&o);
        struct eg_trust_store *ts;
        struct eg_pa_result r;
        X509_CRL *crl;

        /* A CRL that revokes someone else: still trusted. */
        crl = eg_test_pki_crl(f->pki, f->pki->csca);
        assert_int_equal(eg_trust_store_add_crl(f->ts, crl), 0);
        X509_CRL_free(crl);
        verify(f->ts, p, "KOR", &r);
        expect(&r, EG_CHECK_SUCCESSFUL, NULL, NULL);

        assert_int_equal(eg_trust_store_new(&ts), 0);
        assert_int_equal(eg_trust_store_add_csca(ts, f->pki->csca), 0);
        crl = eg_test_pki_crl(f->pki, f->pki->ds);
        assert_int_equal(eg_trust_store_add_crl(ts, crl), 0);
        X509_CRL_free(crl);
        verify(ts, p, "KOR", &r);
        expect(&r, EG_CHECK_FAILED, EG_REASON_PA_DS_REVOKED, "revoked");
        eg_trust_store_unref(ts);
        eg_test_passport_free(p);
}

static void test_issuer_mismatch(void **state) {
        struct fixture *f = *state;
        struct eg_test_passport_options o = { .pki = f->pki, .issuing_state = "JPN" };
        struct eg_test_passport *p = make(&o);
        struct eg_pa_result r;

        verify(f->ts, p, "JPN", &r);
        expect(&r, EG_CHECK_FAILED, EG_REASON_PA_ISSUER_MISMATCH, "(JP) differs");
        assert_int_equal(r.hashes.result, EG_CHECK_SUCCESSFUL);
        /* ICAO's own codes map too; unknown ones do not decide. */
        verify(f->ts, p, "D<<", &r);
        expect(&r, EG_CHECK_FAILED, EG_REASON_PA_ISSUER_MISMATCH, "(DE)");
        verify(f->ts, p, "XOM", &r);
        expect(&r, EG_CHECK_SUCCESSFUL, NULL, NULL);
        assert_int_equal(r.issuer.result, EG_CHECK_UNDETERMINED);
        eg_test_passport_free(p);
}

static void test_sod_shapes(void **state) {
        struct fixture *f = *state;
        struct eg_test_passport_options o = { .pki = f->pki };
        struct eg_test_passport *p = make(&o);
        struct eg_pa_result r;
        const uint8_t *sod = p->file[EG_TEST_FILE_SOD];
        size_t n = p->file_len[EG_TEST_FILE_SOD];

        /* Every truncation is refused without a crash (exact-size copies for ASan). */
        for (size_t cut = 0; cut < n; cut += (cut < 64 ? 1 : 37)) {
                uint8_t *copy = malloc(cut ? cut : 1);
                struct eg_sod *s = NULL;
                memcpy(copy, sod, cut);
                assert_int_equal(eg_sod_parse(copy, cut, &s, NULL), -EBADMSG);
                free(copy);
        }
        struct eg_pa_input in = { .sod = sod, .sod_len = n - 1 };
        eg_pa_verify(f->ts, &in, &r);
        expect(&r, EG_CHECK_FAILED, EG_REASON_PA_SOD_SIG, "tag 77");
        in = (struct eg_pa_input){};
        eg_pa_verify(f->ts, &in, &r);
        expect(&r, EG_CHECK_FAILED, EG_REASON_PA_SOD_SIG, "not read");
        /* A CMS that is not an LDSSecurityObject: a master list. */
        uint8_t *ml;
        size_t ml_len;
        assert_int_equal(eg_test_pki_master_list(f->pki, &f->pki->csca, 1, &ml, &ml_len), 0);
        uint8_t *wrapped = malloc(ml_len + 8);
        uint8_t h[7];
        int hn = eg_tlv_encode_header(0x77, ml_len, h);
        memcpy(wrapped, h, (size_t) hn);
        memcpy(wrapped + hn, ml, ml_len);
        struct eg_sod *s = NULL;
        const char *reason = NULL;
        assert_int_equal(eg_sod_parse(wrapped, (size_t) hn + ml_len, &s, &reason), -EBADMSG);
        assert_string_equal(reason, "EF.SOD content is not an LDSSecurityObject");
        free(wrapped);
        OPENSSL_free(ml);
        eg_test_passport_free(p);

        /* No DS certificate in the SOD: cannot be verified, not proven false. */
        o.sod_without_certificate = true;
        p = make(&o);
        verify(f->ts, p, "KOR", &r);
        expect(&r, EG_CHECK_UNDETERMINED, EG_REASON_PA_NO_CSCA, "no document signer");
        eg_test_passport_free(p);
}

/* The ContentInfo inside an EF.SOD's tag 77. */
static void sod_content(const struct eg_test_passport *p, const uint8_t **ret, size_t *ret_len) {
        struct eg_tlv t;

        assert_int_equal(
                eg_tlv_parse_exact(p->file[EG_TEST_FILE_SOD], p->file_len[EG_TEST_FILE_SOD], &t),
                0);
        *ret = t.value;
        *ret_len = t.length;
}

/* The DS certificate is parsed once and shared; the EF.SOD without it still verifies,
 * and a certificate with other bytes (a forger's) is never taken for the cached one. */
static void test_signer_parsed_once(void **state) {
        struct fixture *f = *state;
        struct eg_test_passport_options o = { .pki = f->pki };
        struct eg_test_passport *p1, *p2;
        struct eg_sod *s1 = NULL, *s2 = NULL;
        uint8_t *stripped = NULL, *ds_der = NULL;
        const uint8_t *content;
        size_t content_len, stripped_len;
        X509 *signer = NULL, *again = NULL;
        struct eg_pa_result r;
        int ds_len;

        eg_sod_signer_cache_clear();
        p1 = make(&o);
        o.document_number = "M98765432";
        p2 = make(&o);

        sod_content(p1, &content, &content_len);
        assert_int_equal(
                eg_sod_split_signer(content, content_len, &stripped, &stripped_len, &signer), 0);
        ds_len = i2d_X509(f->pki->ds, &ds_der);
        assert_true(ds_len > 0);
        /* Exactly the certificates field gone: the certificate and its [0] header (4 bytes). */
        assert_int_equal(content_len - stripped_len, (size_t) ds_len + 4);
        assert_int_equal(X509_cmp(signer, f->pki->ds), 0);
        free(stripped);

        sod_content(p2, &content, &content_len);
        assert_int_equal(
                eg_sod_split_signer(content, content_len, &stripped, &stripped_len, &again), 0);
        assert_ptr_equal(again, signer); /* the same object, not parsed again */
        free(stripped);
        X509_free(again);
        X509_free(signer);

        assert_int_equal(
                eg_sod_parse(p1->file[EG_TEST_FILE_SOD], p1->file_len[EG_TEST_FILE_SOD], &s1, NULL),
                0);
        assert_int_equal(
                eg_sod_parse(p2->file[EG_TEST_FILE_SOD], p2->file_len[EG_TEST_FILE_SOD], &s2, NULL),
                0);
        assert_ptr_equal(s1->signer, s2->signer);
        assert_int_equal(eg_sod_verify_signature(s1, NULL), 0);
        assert_int_equal(eg_sod_verify_signature(s2, NULL), 0);
        eg_sod_free(s1);
        eg_sod_free(s2);
        verify(f->ts, p2, "KOR", &r);
        expect(&r, EG_CHECK_SUCCESSFUL, NULL, "passed");

        /* Without a certificate there is nothing to split: the whole EF.SOD is parsed. */
        eg_test_passport_free(p2);
        o.sod_without_certificate = true;
        p2 = make(&o);
        sod_content(p2, &content, &content_len);
        assert_int_equal(
                eg_sod_split_signer(content, content_len, &stripped, &stripped_len, &again),
                -ENOENT);
        /* Garbage, and a ContentInfo cut short. */
        assert_int_equal(eg_sod_split_signer((const uint8_t *) "\x30\x03\x02\x01\x01", 5, &stripped,
                                             &stripped_len, &again),
                         -EBADMSG);
        sod_content(p1, &content, &content_len);
        assert_int_equal(
                eg_sod_split_signer(content, content_len - 1, &stripped, &stripped_len, &again),
                -EBADMSG);

        OPENSSL_free(ds_der);
        eg_test_passport_free(p1);
        eg_test_passport_free(p2);
}

/* More Document Signers than the cache holds: older ones are dropped, all still verify. */
static void test_signer_cache_turns_over(void **state) {
        struct fixture *f = *state;

        for (unsigned round = 0; round < 2; round++)
                for (unsigned i = 0; i < 20; i++) {
                        struct eg_test_passport_options o = { .pki = f->pki };
                        struct eg_test_passport *p;
                        struct eg_pa_result r;
                        X509 *ds;
                        EVP_PKEY *key;

                        assert_int_equal(eg_test_pki_issue_ds(f->pki, "KR", -1, 365, &ds, &key), 0);
                        o.ds = ds;
                        o.ds_key = key;
                        p = make(&o);
                        verify(f->ts, p, "KOR", &r);
                        expect(&r, EG_CHECK_SUCCESSFUL, NULL, "passed");
                        eg_test_passport_free(p);
                        X509_free(ds);
                        EVP_PKEY_free(key);
                }
}

static void test_master_list(void **state) {
        struct fixture *f = *state;
        struct eg_test_pki *jp;
        struct eg_trust_store *ts;
        struct eg_test_passport_options o = { .pki = f->pki };
        struct eg_test_passport *p = make(&o);
        struct eg_pa_result r;
        const char *reason = NULL;
        uint8_t *ml;
        size_t ml_len;

        assert_int_equal(eg_test_pki_new("JP", &jp), 0);
        X509 *cscas[] = { f->pki->csca, jp->csca };
        assert_int_equal(eg_test_pki_master_list(f->pki, cscas, 2, &ml, &ml_len), 0);

        assert_int_equal(eg_trust_store_new(&ts), 0);
        /* The signer's CSCA is in the list, but nothing is trusted yet. */
        assert_int_equal(eg_trust_store_add_master_list(ts, ml, ml_len, true, &reason),
                         -EKEYREJECTED);
        assert_string_equal(reason, "master list signer does not chain to a CSCA");
        assert_int_equal(ts->n_csca, 0);
        assert_int_equal(eg_trust_store_add_master_list(ts, ml, ml_len, false, &reason), 2);
        verify(ts, p, "KOR", &r);
        expect(&r, EG_CHECK_SUCCESSFUL, NULL, NULL);

        /* Tampered list: the signature no longer verifies. */
        ml[ml_len / 2] ^= 0x01;
        assert_true(eg_trust_store_add_master_list(ts, ml, ml_len, false, &reason) < 0);
        assert_int_equal(eg_trust_store_add_master_list(ts, ml, 10, false, &reason), -EBADMSG);
        OPENSSL_free(ml);
        eg_trust_store_unref(ts);
        eg_test_pki_free(jp);
        eg_test_passport_free(p);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        return remove(path);
}

static void write_file(const char *dir, const char *name, const void *data, size_t len) {
        char path[512];
        FILE *fp;

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        fp = fopen(path, "we");
        assert_non_null(fp);
        assert_int_equal(fwrite(data, 1, len, fp), len);
        fclose(fp);
}

static void test_directories(void **state) {
        struct fixture *f = *state;
        char tmpl[] = "/tmp/egate-pa-XXXXXX", csca_dir[300], crl_dir[300];
        struct eg_trust_load_report rep;
        struct eg_trust_store *ts;
        struct eg_test_pki *jp;
        struct eg_test_passport_options o = { .pki = f->pki };
        struct eg_test_passport *p = make(&o);
        struct eg_pa_result r;
        unsigned char *der = NULL;
        BIO *bio;
        BUF_MEM *mem;
        int n;

        assert_non_null(mkdtemp(tmpl));
        snprintf(csca_dir, sizeof(csca_dir), "%s/csca", tmpl);
        snprintf(crl_dir, sizeof(crl_dir), "%s/crl", tmpl);
        assert_int_equal(mkdir(csca_dir, 0700), 0);
        assert_int_equal(mkdir(crl_dir, 0700), 0);

        /* Korea's CSCA as DER, Japan's as PEM (two in one file), and junk. */
        assert_int_equal(eg_test_pki_new("JP", &jp), 0);
        n = i2d_X509(f->pki->csca, &der);
        write_file(csca_dir, "kr.der", der, (size_t) n);
        OPENSSL_free(der);
        bio = BIO_new(BIO_s_mem());
        PEM_write_bio_X509(bio, jp->csca);
        PEM_write_bio_X509(bio, jp->ds);
        BIO_get_mem_ptr(bio, &mem);
        write_file(csca_dir, "jp.pem", mem->data, mem->length);
        BIO_free(bio);
        write_file(csca_dir, "notes.txt", "not a certificate", 17);

        assert_int_equal(eg_trust_store_new(&ts), 0);
        assert_int_equal(eg_trust_store_load_csca_dir(ts, csca_dir, &rep), 0);
        assert_int_equal(rep.n_loaded, 3);
        assert_int_equal(rep.n_failed, 1);
        assert_string_equal(rep.first_failure, "notes.txt: no certificate in it");
        verify(ts, p, "KOR", &r);
        expect(&r, EG_CHECK_SUCCESSFUL, NULL, NULL);

        /* A PEM CRL from the directory revokes the DS. */
        X509_CRL *crl = eg_test_pki_crl(f->pki, f->pki->ds);
        bio = BIO_new(BIO_s_mem());
        PEM_write_bio_X509_CRL(bio, crl);
        BIO_get_mem_ptr(bio, &mem);
        write_file(crl_dir, "kr.crl", mem->data, mem->length);
        BIO_free(bio);
        X509_CRL_free(crl);
        assert_int_equal(eg_trust_store_load_crl_dir(ts, crl_dir, &rep), 0);
        assert_int_equal(rep.n_loaded, 1);
        verify(ts, p, "KOR", &r);
        expect(&r, EG_CHECK_FAILED, EG_REASON_PA_DS_REVOKED, NULL);

        assert_int_equal(eg_trust_store_load_csca_dir(ts, "/nonexistent-egate", &rep), -ENOENT);
        eg_trust_store_unref(ts);
        eg_test_pki_free(jp);
        eg_test_passport_free(p);
        assert_int_equal(nftw(tmpl, remove_entry, 8, FTW_DEPTH | FTW_PHYS), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_good_passport, setup, teardown),
                cmocka_unit_test_setup_teardown(test_other_digests, setup, teardown),
                cmocka_unit_test_setup_teardown(test_tampered_dg, setup, teardown),
                cmocka_unit_test_setup_teardown(test_bad_signature, setup, teardown),
                cmocka_unit_test_setup_teardown(test_unknown_csca, setup, teardown),
                cmocka_unit_test_setup_teardown(test_forged_ds, setup, teardown),
                cmocka_unit_test_setup_teardown(test_expired_and_future_ds, setup, teardown),
                cmocka_unit_test_setup_teardown(test_revoked_ds, setup, teardown),
                cmocka_unit_test_setup_teardown(test_issuer_mismatch, setup, teardown),
                cmocka_unit_test_setup_teardown(test_sod_shapes, setup, teardown),
                cmocka_unit_test_setup_teardown(test_signer_parsed_once, setup, teardown),
                cmocka_unit_test_setup_teardown(test_signer_cache_turns_over, setup, teardown),
                cmocka_unit_test_setup_teardown(test_master_list, setup, teardown),
                cmocka_unit_test_setup_teardown(test_directories, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
