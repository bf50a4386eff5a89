/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <openssl/cms.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emrtd/mrz.h"
#include "emrtd/tlv.h"
#include "test-buf.h"
#include "test-passport.h"

/* A hand-made 8x8 grey baseline JPEG: quantisation table of ones, one-symbol
 * DC and AC Huffman tables, one block with DC difference 0 and EOB. */
static const uint8_t tiny_jpeg_head[] = {
        0xFF, 0xD8, /* SOI */
        0xFF, 0xDB, 0x00, 0x43, 0x00, /* DQT, table 0, 64 x 1 follows */
};
static const uint8_t tiny_jpeg_tail[] = {
        0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x00, 0x08, 0x00, 0x08, 0x01, 0x01, 0x11, 0x00, /* SOF0 */
        0xFF, 0xC4, 0x00, 0x14, 0x00, 0x01, 0,    0,    0,    0,    0,    0,    0,    0,
        0,    0,    0,    0,    0,    0,    0,    0x00, 0xFF, 0xC4, 0x00, 0x14, 0x10, 0x01,
        0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,
        0,    0x00, 0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00, /* SOS */
        0x3F, /* '0' DC, '0' EOB, 1s */
        0xFF, 0xD9, /* EOI */
};

uint16_t eg_test_file_fid(unsigned slot) {
        if (slot == EG_TEST_FILE_COM)
                return 0x011E;
        if (slot >= 1 && slot <= 16)
                return (uint16_t) (0x0100 + slot);
        if (slot == EG_TEST_FILE_SOD)
                return 0x011D;
        if (slot == EG_TEST_FILE_CARD_ACCESS)
                return 0x011C;
        return 0;
}

static EVP_PKEY *ec_key(void) {
        EVP_PKEY *k = EVP_EC_gen("P-256");
        if (!k)
                abort();
        return k;
}

static void add_ext(X509 *x, X509 *issuer, int nid, const char *value) {
        X509V3_CTX ctx;
        X509_EXTENSION *e;

        X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
        e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
        if (!e || !X509_add_ext(x, e, -1))
                abort();
        X509_EXTENSION_free(e);
}

static X509 *make_cert(EVP_PKEY *key, const char *country, const char *cn, X509 *issuer,
                       EVP_PKEY *issuer_key, long nb_days, long na_days, bool ca, long serial) {
        X509 *x = X509_new();
        X509_NAME *name;

        if (!x || !X509_set_version(x, 2) || !ASN1_INTEGER_set(X509_get_serialNumber(x), serial))
                abort();
        X509_gmtime_adj(X509_getm_notBefore(x), nb_days * 86400);
        X509_gmtime_adj(X509_getm_notAfter(x), na_days * 86400);
        name = X509_get_subject_name(x);
        /* C= is PrintableString SIZE(2): a state without an alpha-2 code goes without. */
        if (country && strlen(country) == 2 &&
            !X509_NAME_add_entry_by_txt(name, "C", MBSTRING_ASC, (const unsigned char *) country,
                                        -1, -1, 0))
                abort();
        if (!X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *) cn, -1,
                                        -1, 0))
                abort();
        X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name);
        X509_set_pubkey(x, key);
        add_ext(x, issuer, NID_basic_constraints, ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
        add_ext(x, issuer, NID_key_usage,
                ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
        add_ext(x, issuer, NID_subject_key_identifier, "hash");
        if (issuer)
                add_ext(x, issuer, NID_authority_key_identifier, "keyid");
        if (!X509_sign(x, issuer_key ? issuer_key : key, EVP_sha256()))
                abort();
        return x;
}

int eg_test_pki_new_named(const char *country, const char *label, struct eg_test_pki **ret) {
        struct eg_test_pki *pki = calloc(1, sizeof(*pki));
        char cn[128];

        if (!pki)
                return -ENOMEM;
        label = label ? label : "Test";
        pki->csca_key = ec_key();
        (void) snprintf(cn, sizeof(cn), "%s CSCA", label);
        pki->csca = make_cert(pki->csca_key, country, cn, NULL, NULL, -365, 3650, true, 1);
        pki->ds_key = ec_key();
        (void) snprintf(cn, sizeof(cn), "%s Document Signer", label);
        pki->ds =
                make_cert(pki->ds_key, country, cn, pki->csca, pki->csca_key, -30, 3650, false, 2);
        pki->next_serial = 3;
        *ret = pki;
        return 0;
}

int eg_test_pki_new(const char *country, struct eg_test_pki **ret) {
        return eg_test_pki_new_named(country, NULL, ret);
}

void eg_test_pki_free(struct eg_test_pki *pki) {
        if (!pki)
                return;
        EVP_PKEY_free(pki->csca_key);
        X509_free(pki->csca);
        EVP_PKEY_free(pki->ds_key);
        X509_free(pki->ds);
        free(pki);
}

int eg_test_pki_issue_ds(struct eg_test_pki *pki, const char *country, long nb_days, long na_days,
                         X509 **ret_cert, EVP_PKEY **ret_key) {
        EVP_PKEY *k = ec_key();

        *ret_cert = make_cert(k, country, "Test Document Signer", pki->csca, pki->csca_key, nb_days,
                              na_days, false, pki->next_serial++);
        *ret_key = k;
        return 0;
}

X509_CRL *eg_test_pki_crl_dated(const struct eg_test_pki *pki, X509 *revoked, time_t last,
                                time_t next) {
        X509_CRL *crl = X509_CRL_new(), *parsed = NULL;
        ASN1_TIME *t_last = ASN1_TIME_set(NULL, last), *t_next = ASN1_TIME_set(NULL, next);
        unsigned char *der = NULL;
        const unsigned char *p;
        int n;

        if (!crl || !t_last || !t_next || !X509_CRL_set_version(crl, 1) ||
            !X509_CRL_set_issuer_name(crl, X509_get_subject_name(pki->csca)) ||
            !X509_CRL_set1_lastUpdate(crl, t_last) ||
            (next != 0 && !X509_CRL_set1_nextUpdate(crl, t_next)))
                goto finish;
        if (revoked) {
                X509_REVOKED *r = X509_REVOKED_new();

                if (!r || !X509_REVOKED_set_serialNumber(r, X509_get_serialNumber(revoked)) ||
                    !X509_REVOKED_set_revocationDate(r, t_last) || !X509_CRL_add0_revoked(crl, r)) {
                        X509_REVOKED_free(r);
                        goto finish;
                }
        }
        X509_CRL_sort(crl);
        if (!X509_CRL_sign(crl, pki->csca_key, EVP_sha256()))
                goto finish;
        n = i2d_X509_CRL(crl, &der);
        if (n <= 0)
                goto finish;
        p = der;
        parsed = d2i_X509_CRL(NULL, &p, n);
finish:
        OPENSSL_free(der);
        ASN1_TIME_free(t_last);
        ASN1_TIME_free(t_next);
        X509_CRL_free(crl);
        return parsed;
}

X509_CRL *eg_test_pki_crl(const struct eg_test_pki *pki, X509 *revoked) {
        time_t now = time(NULL);
        X509_CRL *crl = eg_test_pki_crl_dated(pki, revoked, now - 86400, now + 30 * 86400);

        if (!crl)
                abort();
        return crl;
}

/* CMS SignedData over `content` with eContentType `oid`, DER-encoded. */
static uint8_t *cms_sign(const uint8_t *content, size_t len, const char *oid, X509 *signer,
                         EVP_PKEY *key, bool with_cert, size_t *ret_len) {
        BIO *in = BIO_new_mem_buf(content, (int) len);
        CMS_ContentInfo *cms;
        unsigned char *der = NULL;
        int n;
        unsigned flags = CMS_BINARY | CMS_PARTIAL | (with_cert ? 0 : CMS_NOCERTS);

        ASN1_OBJECT *type = OBJ_txt2obj(oid, 1);

        cms = CMS_sign(NULL, NULL, NULL, NULL, flags);
        if (!in || !cms || !type || !CMS_set1_eContentType(cms, type) ||
            !CMS_add1_signer(cms, signer, key, EVP_sha256(), flags) ||
            !CMS_final(cms, in, NULL, CMS_BINARY))
                abort();
        n = i2d_CMS_ContentInfo(cms, &der);
        if (n <= 0)
                abort();
        CMS_ContentInfo_free(cms);
        ASN1_OBJECT_free(type);
        BIO_free(in);
        *ret_len = (size_t) n;
        return der;
}

int eg_test_pki_master_list(struct eg_test_pki *pki, X509 *const *cscas, size_t n, uint8_t **ret,
                            size_t *ret_len) {
        struct test_buf set = {}, seq = {}, content = {};
        EVP_PKEY *k = ec_key();
        X509 *signer = make_cert(k, "KR", "Test Master List Signer", pki->csca, pki->csca_key, -1,
                                 365, false, pki->next_serial++);

        for (size_t i = 0; i < n; i++) {
                unsigned char *der = NULL;
                int l = i2d_X509(cscas[i], &der);
                if (l <= 0)
                        abort();
                test_buf_append(&set, der, (size_t) l);
                OPENSSL_free(der);
        }
        test_buf_int(&seq, 0);
        test_buf_wrap(&seq, 0x31, &set);
        test_buf_wrap(&content, 0x30, &seq);
        *ret = cms_sign(content.data, content.len, "2.23.136.1.1.2", signer, k, true, ret_len);
        test_buf_free(&set);
        test_buf_free(&seq);
        test_buf_free(&content);
        X509_free(signer);
        EVP_PKEY_free(k);
        return 0;
}

/* Where a layout keeps the fields of the key seed, in the concatenated lines. */
struct mrz_layout {
        size_t length;
        size_t number, number_cd, optional, optional_len, birth, expiry;
};

static const struct mrz_layout mrz_layouts[] = {
        { .length = 88,
          .number = 44,
          .number_cd = 53,
          .optional = 72,
          .optional_len = 14,
          .birth = 57,
          .expiry = 65 },
        { .length = 72,
          .number = 36,
          .number_cd = 45,
          .optional = 64,
          .optional_len = 7,
          .birth = 49,
          .expiry = 57 },
        { .length = 90,
          .number = 5,
          .number_cd = 14,
          .optional = 15,
          .optional_len = 15,
          .birth = 30,
          .expiry = 38 },
};

int eg_test_mrz_information(const char *mrz, size_t len,
                            char out[static EG_TEST_MRZ_INFORMATION_MAX + 1]) {
        const struct mrz_layout *l = NULL;
        char *o = out;

        for (size_t i = 0; i < sizeof(mrz_layouts) / sizeof(mrz_layouts[0]); i++)
                if (mrz_layouts[i].length == len)
                        l = &mrz_layouts[i];
        if (!mrz || !l)
                return -EINVAL;

        o = mempcpy(o, mrz + l->number, 9);
        if (mrz[l->number_cd] == '<' && l->optional_len > 0 && mrz[l->optional] != '<') {
                /* A long number: it goes on in the optional data, its check digit last. */
                size_t n = 0;

                while (n < l->optional_len && mrz[l->optional + n] != '<')
                        n++;
                o = mempcpy(o, mrz + l->optional, n);
        } else
                *o++ = mrz[l->number_cd];
        o = mempcpy(o, mrz + l->birth, 7);
        o = mempcpy(o, mrz + l->expiry, 7);
        *o = '\0';
        return 0;
}

static void fill(char *out, const char *s, size_t width) {
        size_t n = strlen(s);

        memset(out, '<', width);
        memcpy(out, s, n < width ? n : width);
}

static char digit(const char *s, size_t n) {
        int d = eg_mrz_check_digit(s, n);
        if (d < 0)
                abort();
        return (char) ('0' + d);
}

static void build_specimen_mrz(struct eg_test_passport *p,
                               const struct eg_test_passport_options *o) {
        const char *state = o->issuing_state ? o->issuing_state : "KOR";
        char *l1 = p->mrz, *l2 = p->mrz + 44, composite[40];

        fill(l1, "P<", 2);
        fill(l1 + 2, state, 3);
        fill(l1 + 5, "HONG<<GILDONG", 39);
        fill(l2, o->document_number ? o->document_number : "M12345678", 9);
        l2[9] = digit(l2, 9);
        fill(l2 + 10, state, 3);
        fill(l2 + 13, o->birth_date ? o->birth_date : "800101", 6);
        l2[19] = digit(l2 + 13, 6);
        l2[20] = 'M';
        fill(l2 + 21, o->expiry_date ? o->expiry_date : "350101", 6);
        l2[27] = digit(l2 + 21, 6);
        fill(l2 + 28, "", 14);
        l2[42] = '<';
        memcpy(composite, l2, 10);
        memcpy(composite + 10, l2 + 13, 7);
        memcpy(composite + 17, l2 + 21, 22);
        l2[43] = digit(composite, 39);
        p->mrz[88] = '\0';
        p->mrz_len = 88;
}

static int build_mrz(struct eg_test_passport *p, const struct eg_test_passport_options *o) {
        if (o->mrz) {
                if (o->mrz_len > EG_TEST_MRZ_MAX)
                        return -EINVAL;
                memcpy(p->mrz, o->mrz, o->mrz_len);
                p->mrz[o->mrz_len] = '\0';
                p->mrz_len = o->mrz_len;
        } else
                build_specimen_mrz(p, o);

        if (o->mrz_information) {
                if (strlen(o->mrz_information) > EG_TEST_MRZ_INFORMATION_MAX)
                        return -EINVAL;
                strcpy(p->mrz_information, o->mrz_information);
        } else if (eg_test_mrz_information(p->mrz, p->mrz_len, p->mrz_information) < 0)
                return -EINVAL;
        memcpy(p->can, "123456", 7);
        return 0;
}

static void set_file(struct eg_test_passport *p, unsigned slot, struct test_buf *b) {
        free(p->file[slot]);
        p->file[slot] = test_buf_steal(b, &p->file_len[slot]);
}

static void build_dg2(struct eg_test_passport *p, size_t extra) {
        struct test_buf img = {}, rec = {}, bht = {}, bit = {}, group = {}, dg = {};
        uint8_t q[64];
        size_t block;

        /* The JPEG, with `extra` bytes in a COM segment chain before EOI's predecessor. */
        memset(q, 1, sizeof(q));
        test_buf_append(&img, tiny_jpeg_head, sizeof(tiny_jpeg_head));
        test_buf_append(&img, q, sizeof(q));
        while (extra > 0) {
                size_t n = extra > 60000 ? 60000 : extra;
                test_buf_append(&img,
                                (const uint8_t[]){ 0xFF, 0xFE, (uint8_t) ((n + 2) >> 8),
                                                   (uint8_t) (n + 2) },
                                4);
                for (size_t i = 0; i < n; i++)
                        test_buf_byte(&img, (uint8_t) ('a' + i % 26));
                extra -= n;
        }
        test_buf_append(&img, tiny_jpeg_tail, sizeof(tiny_jpeg_tail));

        /* ISO/IEC 19794-5:2005 record: header, facial information, image information. */
        block = 20 + 12 + img.len;
        test_buf_append(&rec,
                        "FAC\0"
                        "010\0",
                        8);
        uint32_t total = (uint32_t) (14 + block);
        test_buf_append(&rec,
                        (const uint8_t[]){ total >> 24, total >> 16, total >> 8, total, 0, 1 }, 6);
        test_buf_append(&rec, (const uint8_t[]){ block >> 24, block >> 16, block >> 8, block }, 4);
        static const uint8_t facial[16] = {}; /* points, gender, eyes, hair, mask, pose: unset */
        test_buf_append(&rec, facial, sizeof(facial));
        test_buf_append(&rec,
                        (const uint8_t[]){ 0x01, 0x00, 0x00, 0x08, 0x00, 0x08, 0x01, 0x02, 0x00,
                                           0x00, 0x00, 0x00 },
                        12);
        test_buf_append(&rec, img.data, img.len);

        test_buf_tlv(&bht, 0x80, (const uint8_t[]){ 0x01, 0x01 }, 2);
        test_buf_tlv(&bht, 0x81, (const uint8_t[]){ 0x02 }, 1);
        test_buf_tlv(&bht, 0x87, (const uint8_t[]){ 0x01, 0x01 }, 2);
        test_buf_tlv(&bht, 0x88, (const uint8_t[]){ 0x00, 0x08 }, 2);
        test_buf_wrap(&bit, 0xA1, &bht);
        test_buf_wrap(&bit, 0x5F2E, &rec);
        test_buf_int(&group, 1);
        test_buf_wrap(&group, 0x7F60, &bit);
        struct test_buf group_t = {};
        test_buf_wrap(&group_t, 0x7F61, &group);
        test_buf_wrap(&dg, 0x75, &group_t);
        set_file(p, 2, &dg);
        test_buf_free(&img);
        test_buf_free(&rec);
        test_buf_free(&bht);
        test_buf_free(&bit);
        test_buf_free(&group);
        test_buf_free(&group_t);
}

static void spki(struct test_buf *b, EVP_PKEY *key) {
        unsigned char *der = NULL;
        int n = i2d_PUBKEY(key, &der);

        if (n <= 0)
                abort();
        test_buf_append(b, der, (size_t) n);
        OPENSSL_free(der);
}

static const char *ca_oid(enum eg_cipher c) {
        switch (c) {
        case EG_CIPHER_AES128:
                return "0.4.0.127.0.7.2.2.3.2.2";
        case EG_CIPHER_AES192:
                return "0.4.0.127.0.7.2.2.3.2.3";
        case EG_CIPHER_AES256:
                return "0.4.0.127.0.7.2.2.3.2.4";
        default:
                return "0.4.0.127.0.7.2.2.3.2.1";
        }
}

static const char *pace_oid(const struct eg_test_passport_options *o) {
        /* id-PACE-{DH,ECDH}-GM-{3DES-CBC-CBC,AES-CBC-CMAC-128,-192,-256} */
        static const char *const oids[2][4] = {
                { "0.4.0.127.0.7.2.2.4.2.1", "0.4.0.127.0.7.2.2.4.2.2", "0.4.0.127.0.7.2.2.4.2.3",
                  "0.4.0.127.0.7.2.2.4.2.4" },
                { "0.4.0.127.0.7.2.2.4.1.1", "0.4.0.127.0.7.2.2.4.1.2", "0.4.0.127.0.7.2.2.4.1.3",
                  "0.4.0.127.0.7.2.2.4.1.4" },
        };
        unsigned i = o->pace_cipher == EG_CIPHER_3DES     ? 0
                     : o->pace_cipher == EG_CIPHER_AES192 ? 2
                     : o->pace_cipher == EG_CIPHER_AES256 ? 3
                                                          : 1;
        return oids[o->pace_dh ? 1 : 0][i];
}

static void build_dg14(struct eg_test_passport *p, const struct eg_test_passport_options *o) {
        struct test_buf set = {}, item = {}, dg = {};

        if (o->ca) {
                test_buf_oid(&item, ca_oid(p->ca_cipher));
                test_buf_int(&item, 1);
                test_buf_wrap(&set, 0x30, &item);
                test_buf_free(&item);
                test_buf_oid(&item, "0.4.0.127.0.7.2.2.1.2"); /* id-PK-ECDH */
                spki(&item, p->ca_key);
                test_buf_wrap(&set, 0x30, &item);
                test_buf_free(&item);
        }
        if (o->aa == EG_TEST_AA_EC) {
                test_buf_oid(&item, "2.23.136.1.1.5");
                test_buf_int(&item, 1);
                test_buf_oid(&item, "0.4.0.127.0.7.1.1.4.1.3"); /* ecdsa-plain-SHA256 */
                test_buf_wrap(&set, 0x30, &item);
                test_buf_free(&item);
        }
        if (o->pace) {
                test_buf_oid(&item, pace_oid(o));
                test_buf_int(&item, 2);
                test_buf_int(&item, o->pace_dh ? 2 : 12);
                test_buf_wrap(&set, 0x30, &item);
                test_buf_free(&item);
        }
        struct test_buf wrapped = {};
        test_buf_wrap(&wrapped, 0x31, &set);
        test_buf_wrap(&dg, 0x6E, &wrapped);
        set_file(p, 14, &dg);
        test_buf_free(&set);
        test_buf_free(&wrapped);
}

static void build_card_access(struct eg_test_passport *p,
                              const struct eg_test_passport_options *o) {
        struct test_buf info = {}, set = {};

        /* PACEInfo: protocol, version 2, parameterId 12 (NIST P-256) or 2 (2048-bit MODP
         * with a 256-bit subgroup). */
        test_buf_oid(&info, pace_oid(o));
        test_buf_int(&info, 2);
        test_buf_int(&info, o->pace_dh ? 2 : 12);
        test_buf_wrap(&set, 0x30, &info);
        struct test_buf file = {};
        test_buf_wrap(&file, 0x31, &set);
        set_file(p, EG_TEST_FILE_CARD_ACCESS, &file);
        test_buf_free(&info);
        test_buf_free(&set);
}

static void build_com(struct eg_test_passport *p) {
        static const uint8_t tags[17] = { 0,    0x61, 0x75, 0x63, 0x76, 0x65, 0x66, 0x67, 0x68,
                                          0x69, 0x6A, 0x6B, 0x6C, 0x6D, 0x6E, 0x6F, 0x70 };
        struct test_buf in = {}, list = {}, com = {};

        for (unsigned dg = 1; dg <= 16; dg++)
                if (p->file[dg])
                        test_buf_byte(&list, tags[dg]);
        test_buf_tlv(&in, 0x5F01, "0107", 4);
        test_buf_tlv(&in, 0x5F36, "040000", 6);
        test_buf_wrap(&in, 0x5C, &list);
        test_buf_wrap(&com, 0x60, &in);
        set_file(p, EG_TEST_FILE_COM, &com);
        test_buf_free(&in);
        test_buf_free(&list);
}

static void build_sod(struct eg_test_passport *p, const struct eg_test_passport_options *o) {
        int nid = o->digest_nid ? o->digest_nid : NID_sha256;
        const EVP_MD *md = EVP_get_digestbynid(nid);
        struct test_buf alg = {}, hashes = {}, so = {}, seq = {}, sod = {};
        X509 *ds = o->ds ? o->ds : o->pki->ds;
        EVP_PKEY *ds_key = o->ds ? o->ds_key : o->pki->ds_key;
        char oid[64];
        uint8_t *cms;
        size_t cms_len;

        if (!md || OBJ_obj2txt(oid, sizeof(oid), OBJ_nid2obj(nid), 1) <= 0)
                abort();
        test_buf_oid(&alg, oid);
        for (unsigned dg = 1; dg <= 16; dg++) {
                struct test_buf item = {};
                uint8_t digest[EVP_MAX_MD_SIZE];
                unsigned dn = 0;

                if (!p->file[dg])
                        continue;
                if (!EVP_Digest(p->file[dg], p->file_len[dg], digest, &dn, md, NULL))
                        abort();
                test_buf_int(&item, (long) dg);
                test_buf_tlv(&item, 0x04, digest, dn);
                test_buf_wrap(&hashes, 0x30, &item);
                test_buf_free(&item);
        }
        test_buf_int(&so, 0);
        test_buf_wrap(&so, 0x30, &alg);
        test_buf_wrap(&so, 0x30, &hashes);
        test_buf_wrap(&seq, 0x30, &so);

        cms = cms_sign(seq.data, seq.len, "2.23.136.1.1.1", ds, ds_key, !o->sod_without_certificate,
                       &cms_len);
        test_buf_tlv(&sod, 0x77, cms, cms_len);
        OPENSSL_free(cms);
        set_file(p, EG_TEST_FILE_SOD, &sod);
        test_buf_free(&alg);
        test_buf_free(&hashes);
        test_buf_free(&so);
        test_buf_free(&seq);
}

static void build_atr(struct eg_test_passport *p) {
        /* Contactless PC/SC form: 3B 8n 80 01, historical bytes 80 73 00 00 40
         * (card capabilities: extended Lc/Le), TCK. */
        static const uint8_t atr[] = { 0x3B, 0x85, 0x80, 0x01, 0x80, 0x73, 0x00, 0x00, 0x40 };
        uint8_t tck = 0;

        memcpy(p->atr, atr, sizeof(atr));
        for (size_t i = 1; i < sizeof(atr); i++)
                tck ^= atr[i];
        p->atr[sizeof(atr)] = tck;
        p->atr_len = sizeof(atr) + 1;
}

int eg_test_passport_new(const struct eg_test_passport_options *o, struct eg_test_passport **ret) {
        struct eg_test_passport *p;
        struct test_buf b = {}, in = {};

        if (!o || !o->pki || (o->ds && !o->ds_key))
                return -EINVAL;
        p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        if (build_mrz(p, o) < 0) {
                free(p);
                return -EINVAL;
        }
        p->ca_cipher = o->ca_cipher ? o->ca_cipher : EG_CIPHER_3DES;

        test_buf_tlv(&in, 0x5F1F, p->mrz, p->mrz_len);
        test_buf_wrap(&b, 0x61, &in);
        set_file(p, 1, &b);
        test_buf_free(&in);

        build_dg2(p, o->dg2_extra);

        if (o->dg11) {
                test_buf_tlv(&in, 0x5C, (const uint8_t[]){ 0x5F, 0x0E }, 2);
                test_buf_tlv(&in, 0x5F0E, "HONG<<GILDONG", 13);
                test_buf_wrap(&b, 0x6B, &in);
                set_file(p, 11, &b);
                test_buf_free(&in);
        }

        if (o->aa == EG_TEST_AA_EC)
                p->aa_key = ec_key();
        else if (o->aa == EG_TEST_AA_RSA) {
                p->aa_key = EVP_RSA_gen(1024);
                if (!p->aa_key)
                        abort();
        }
        if (p->aa_key) {
                spki(&in, p->aa_key);
                test_buf_wrap(&b, 0x6F, &in);
                set_file(p, 15, &b);
                test_buf_free(&in);
        }
        if (o->ca)
                p->ca_key = ec_key();
        if (o->ca || o->aa == EG_TEST_AA_EC || o->pace)
                build_dg14(p, o);
        if (o->pace)
                build_card_access(p, o);

        build_com(p);
        build_sod(p, o);
        build_atr(p);
        *ret = p;
        return 0;
}

void eg_test_passport_free(struct eg_test_passport *p) {
        if (!p)
                return;
        for (unsigned i = 0; i < EG_TEST_FILE_MAX; i++)
                free(p->file[i]);
        EVP_PKEY_free(p->aa_key);
        EVP_PKEY_free(p->ca_key);
        free(p);
}

void eg_test_passport_set_file(struct eg_test_passport *p, unsigned slot, const uint8_t *data,
                               size_t len) {
        struct test_buf b = {};

        if (slot >= EG_TEST_FILE_MAX)
                abort();
        if (!data) {
                free(p->file[slot]);
                p->file[slot] = NULL;
                p->file_len[slot] = 0;
                return;
        }
        test_buf_append(&b, data, len);
        set_file(p, slot, &b);
}

void eg_test_passport_break_sod_signature(struct eg_test_passport *p) {
        const uint8_t *v = p->file[EG_TEST_FILE_SOD];
        struct eg_tlv t;
        CMS_ContentInfo *cms;
        CMS_SignerInfo *si;
        ASN1_OCTET_STRING *sig;
        unsigned char *der = NULL;
        struct test_buf b = {};
        int n;

        if (eg_tlv_parse(v, p->file_len[EG_TEST_FILE_SOD], &t) < 0)
                abort();
        v = t.value;
        cms = d2i_CMS_ContentInfo(NULL, &v, (long) t.length);
        if (!cms)
                abort();
        si = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), 0);
        sig = CMS_SignerInfo_get0_signature(si);
        /* A byte inside r of the ECDSA DER value. */
        ((unsigned char *) ASN1_STRING_get0_data(sig))[8] ^= 0x01;
        n = i2d_CMS_ContentInfo(cms, &der);
        if (n <= 0)
                abort();
        test_buf_tlv(&b, 0x77, der, (size_t) n);
        set_file(p, EG_TEST_FILE_SOD, &b);
        OPENSSL_free(der);
        CMS_ContentInfo_free(cms);
}

int eg_test_aa_sign(EVP_PKEY *key, const uint8_t challenge[8], uint8_t *sig, size_t *sig_len) {
        if (EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA) {
                /* ISO/IEC 9796-2 scheme 1: 6A, M1, SHA-1(M1 ‖ challenge), BC; raw RSA. */
                size_t k = (size_t) EVP_PKEY_get_size(key), m1 = k - 22, n = *sig_len;
                uint8_t f[512];
                EVP_MD_CTX *md = EVP_MD_CTX_new();
                EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(key, NULL);
                unsigned dn = 0;

                if (k > sizeof(f) || *sig_len < k || !md || !ctx)
                        abort();
                f[0] = 0x6A;
                if (eg_random_bytes(f + 1, m1) < 0 || !EVP_DigestInit_ex(md, EVP_sha1(), NULL) ||
                    !EVP_DigestUpdate(md, f + 1, m1) || !EVP_DigestUpdate(md, challenge, 8) ||
                    !EVP_DigestFinal_ex(md, f + 1 + m1, &dn))
                        abort();
                f[k - 1] = 0xBC;
                if (EVP_PKEY_sign_init(ctx) <= 0 ||
                    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING) <= 0 ||
                    EVP_PKEY_sign(ctx, sig, &n, f, k) <= 0)
                        abort();
                EVP_MD_CTX_free(md);
                EVP_PKEY_CTX_free(ctx);
                *sig_len = n;
                return 0;
        }

        /* ECDSA with SHA-256, plain r ‖ s. */
        EVP_MD_CTX *md = EVP_MD_CTX_new();
        unsigned char der[160];
        const unsigned char *q = der;
        size_t der_len = sizeof(der), half = (size_t) (EVP_PKEY_get_bits(key) + 7) / 8;
        ECDSA_SIG *es;

        if (!md || EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) != 1 ||
            EVP_DigestSign(md, der, &der_len, challenge, 8) != 1 || *sig_len < 2 * half)
                abort();
        es = d2i_ECDSA_SIG(NULL, &q, (long) der_len);
        if (!es || BN_bn2binpad(ECDSA_SIG_get0_r(es), sig, (int) half) < 0 ||
            BN_bn2binpad(ECDSA_SIG_get0_s(es), sig + half, (int) half) < 0)
                abort();
        ECDSA_SIG_free(es);
        EVP_MD_CTX_free(md);
        *sig_len = 2 * half;
        return 0;
}
