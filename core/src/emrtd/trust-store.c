/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/asn1t.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ds-verify-cache.h"
#include "trust-store.h"

#define SET_REASON(r, s)                                                                           \
        do {                                                                                       \
                if (r)                                                                             \
                        *(r) = (s);                                                                \
        } while (0)

#define OID_CSCA_MASTER_LIST "2.23.136.1.1.2"
#define TRUST_FILE_MAX (64u * 1024u * 1024u)

/* CscaMasterList ::= SEQUENCE { version INTEGER, certList SET OF Certificate } */
typedef struct {
        ASN1_INTEGER *version;
        STACK_OF(X509) * certs;
} EG_CSCA_MASTER_LIST;

ASN1_SEQUENCE(EG_CSCA_MASTER_LIST) = {
        ASN1_SIMPLE(EG_CSCA_MASTER_LIST, version, ASN1_INTEGER),
        ASN1_SET_OF(EG_CSCA_MASTER_LIST, certs, X509),
} static_ASN1_SEQUENCE_END(EG_CSCA_MASTER_LIST)

int eg_trust_store_new(struct eg_trust_store **ret) {
        struct eg_trust_store *ts = calloc(1, sizeof(*ts));

        if (!ts)
                return -ENOMEM;
        ts->store = X509_STORE_new();
        if (!ts->store || eg_ds_verify_cache_new(&ts->verified) < 0) {
                X509_STORE_free(ts->store);
                free(ts);
                return -ENOMEM;
        }
        ts->n_ref = 1;
        *ret = ts;
        return 0;
}

struct eg_trust_store *eg_trust_store_ref(struct eg_trust_store *ts) {
        if (ts)
                ts->n_ref++;
        return ts;
}

struct eg_trust_store *eg_trust_store_unref(struct eg_trust_store *ts) {
        if (ts && --ts->n_ref == 0) {
                X509_STORE_free(ts->store);
                eg_ds_verify_cache_free(ts->verified);
                free(ts);
        }
        return NULL;
}

/* Every change to the store goes through these two (the directory loaders and the
 * master list too).  The cached verdicts are dropped after the change, so that a
 * verification running meanwhile is not remembered; and after a failed change too,
 * which costs nothing. */
int eg_trust_store_add_csca(struct eg_trust_store *ts, X509 *csca) {
        int added;

        if (!ts || !csca)
                return -EINVAL;
        added = X509_STORE_add_cert(ts->store, csca);
        eg_ds_verify_cache_store_changed(ts->verified, X509_get0_notBefore(csca),
                                         X509_get0_notAfter(csca));
        if (!added) {
                ERR_clear_error(); /* a duplicate is not an error worth failing for */
                return 0;
        }
        ts->n_csca++;
        return 0;
}

int eg_trust_store_add_crl(struct eg_trust_store *ts, X509_CRL *crl) {
        time_t t;
        int added;

        if (!ts || !crl)
                return -EINVAL;
        /* OpenSSL parses a CRL without reading its dates; one that does not read would fail
         * every verification of its issuer's signers and blind the freshness check. */
        if (eg_asn1_time_to_seconds(X509_CRL_get0_lastUpdate(crl), &t) < 0 ||
            (X509_CRL_get0_nextUpdate(crl) &&
             eg_asn1_time_to_seconds(X509_CRL_get0_nextUpdate(crl), &t) < 0))
                return -EBADMSG;
        added = X509_STORE_add_crl(ts->store, crl);
        eg_ds_verify_cache_store_changed(ts->verified, X509_CRL_get0_lastUpdate(crl),
                                         X509_CRL_get0_nextUpdate(crl));
        if (!added) {
                ERR_clear_error();
                return 0;
        }
        ts->n_crl++;
        return 0;
}

static int read_file_at(int dfd, const char *name, uint8_t **ret, size_t *ret_len) {
        struct stat st;
        uint8_t *buf;
        size_t done = 0;
        int fd, r = 0;

        fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0) {
                r = -errno;
                goto finish;
        }
        if (!S_ISREG(st.st_mode)) {
                r = -EISDIR; /* skipped silently by the caller */
                goto finish;
        }
        if ((uint64_t) st.st_size > TRUST_FILE_MAX) {
                r = -EFBIG;
                goto finish;
        }
        buf = malloc((size_t) st.st_size + 1);
        if (!buf) {
                r = -ENOMEM;
                goto finish;
        }
        while (done < (size_t) st.st_size) {
                ssize_t n = read(fd, buf + done, (size_t) st.st_size - done);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0) {
                        r = n < 0 ? -errno : -EIO;
                        free(buf);
                        goto finish;
                }
                done += (size_t) n;
        }
        *ret = buf;
        *ret_len = done;
finish:
        close(fd);
        return r;
}

static bool looks_like_pem(const uint8_t *buf, size_t len) {
        static const char marker[] = "-----BEGIN ";
        return memmem(buf, len, marker, sizeof(marker) - 1) != NULL;
}

/* Load the certificates (crl=false) or CRLs in one file; returns how many. */
static int load_objects(struct eg_trust_store *ts, const uint8_t *buf, size_t len, bool crl) {
        int n = 0, r, refused = 0;

        if (len > INT32_MAX)
                return -EFBIG;
        if (looks_like_pem(buf, len)) {
                BIO *bio = BIO_new_mem_buf(buf, (int) len);
                if (!bio)
                        return -ENOMEM;
                for (;;) {
                        if (crl) {
                                X509_CRL *c = PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL);
                                if (!c)
                                        break;
                                r = eg_trust_store_add_crl(ts, c);
                                X509_CRL_free(c);
                                if (r < 0) {
                                        refused = r;
                                        continue;
                                }
                        } else {
                                X509 *c = PEM_read_bio_X509(bio, NULL, NULL, NULL);
                                if (!c)
                                        break;
                                (void) eg_trust_store_add_csca(ts, c);
                                X509_free(c);
                        }
                        n++;
                }
                BIO_free(bio);
        } else {
                const unsigned char *p = buf;
                if (crl) {
                        X509_CRL *c = d2i_X509_CRL(NULL, &p, (long) len);
                        if (c && p == buf + len) {
                                r = eg_trust_store_add_crl(ts, c);
                                if (r < 0)
                                        refused = r;
                                else
                                        n = 1;
                        }
                        X509_CRL_free(c);
                } else {
                        X509 *c = d2i_X509(NULL, &p, (long) len);
                        if (c && p == buf + len) {
                                (void) eg_trust_store_add_csca(ts, c);
                                n = 1;
                        }
                        X509_free(c);
                }
        }
        ERR_clear_error();
        /* A file whose every CRL was refused says why; one with some usable ones loads those. */
        return n == 0 && refused < 0 ? refused : n;
}

static int load_dir(struct eg_trust_store *ts, const char *dir, bool crl,
                    struct eg_trust_load_report *report) {
        struct eg_trust_load_report local = {};
        struct dirent *de;
        DIR *d;

        if (!ts || !dir)
                return -EINVAL;
        if (!report)
                report = &local;
        *report = (struct eg_trust_load_report){};

        d = opendir(dir);
        if (!d)
                return -errno;
        while ((de = readdir(d))) {
                uint8_t *buf = NULL;
                size_t len = 0;
                int r;

                if (de->d_name[0] == '.')
                        continue;
                r = read_file_at(dirfd(d), de->d_name, &buf, &len);
                if (r == -EISDIR)
                        continue;
                if (r >= 0) {
                        r = load_objects(ts, buf, len, crl);
                        free(buf);
                }
                if (r > 0) {
                        report->n_loaded += (unsigned) r;
                        continue;
                }
                if (report->n_failed++ == 0)
                        snprintf(report->first_failure, sizeof(report->first_failure), "%.200s: %s",
                                 de->d_name,
                                 r == 0          ? (crl ? "no CRL in it" : "no certificate in it")
                                 : r == -EBADMSG ? "a CRL whose dates cannot be read"
                                                 : strerror(-r));
        }
        closedir(d);
        return 0;
}

int eg_trust_store_load_csca_dir(struct eg_trust_store *ts, const char *dir,
                                 struct eg_trust_load_report *report) {
        return load_dir(ts, dir, false, report);
}

int eg_trust_store_load_crl_dir(struct eg_trust_store *ts, const char *dir,
                                struct eg_trust_load_report *report) {
        return load_dir(ts, dir, true, report);
}

static int verify_cb(int ok, X509_STORE_CTX *ctx) {
        struct eg_ds_verify_notes *notes = X509_STORE_CTX_get_app_data(ctx);

        if (ok)
                return 1;
        switch (X509_STORE_CTX_get_error(ctx)) {
        case X509_V_ERR_UNABLE_TO_GET_CRL:
                if (notes)
                        notes->crl_missing = true;
                return 1;
        case X509_V_ERR_CRL_HAS_EXPIRED:
        case X509_V_ERR_CRL_NOT_YET_VALID:
                if (notes)
                        notes->crl_stale = true;
                return 1;
        default:
                return 0;
        }
}

/* window (may be NULL): on X509_V_OK, the validity of the chain found, else empty. */
static int verify_chain(X509_STORE *store, X509 *cert, time_t at, bool crl_check,
                        struct eg_ds_verify_notes *notes, struct eg_ds_window *window) {
        X509_STORE_CTX *ctx = X509_STORE_CTX_new();
        X509_VERIFY_PARAM *param;
        int ok, err;

        if (window)
                *window = (struct eg_ds_window){};
        if (!ctx)
                return -ENOMEM;
        if (!X509_STORE_CTX_init(ctx, store, cert, NULL)) {
                X509_STORE_CTX_free(ctx);
                return -ENOMEM;
        }
        param = X509_STORE_CTX_get0_param(ctx);
        X509_VERIFY_PARAM_set_time(param, at);
        /* CSCA link certificates are anchors too, not only self-signed roots. */
        X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_PARTIAL_CHAIN |
                                                   (crl_check ? X509_V_FLAG_CRL_CHECK : 0));
        X509_STORE_CTX_set_app_data(ctx, notes);
        X509_STORE_CTX_set_verify_cb(ctx, verify_cb);
        ok = X509_verify_cert(ctx);
        err = X509_STORE_CTX_get_error(ctx);
        /* The chain lives as long as ctx; failing to read its window only costs the reuse. */
        if (ok == 1 && window)
                (void) eg_ds_window_of_chain(X509_STORE_CTX_get0_chain(ctx), at, window);
        X509_STORE_CTX_free(ctx);
        ERR_clear_error();
        if (ok == 1)
                return X509_V_OK;
        return err == X509_V_OK ? X509_V_ERR_UNSPECIFIED : err;
}

static void set_trusted(struct eg_check *ret, const struct eg_ds_verify_notes *notes) {
        eg_check_set(ret, EG_CHECK_SUCCESSFUL, NULL, "document signer trusted%s",
                     notes->crl_stale     ? " (CRL outside its validity)"
                     : notes->crl_missing ? " (no CRL for its CSCA)"
                                          : "");
}

void eg_trust_store_verify_ds(const struct eg_trust_store *ts, X509 *ds, time_t at,
                              struct eg_check *ret) {
        uint8_t digest[SHA256_DIGEST_LENGTH];
        unsigned digest_len = 0;
        struct eg_ds_verify_notes notes = {};
        struct eg_ds_window window;
        uint64_t generation = 0;
        bool keyed;
        int err;

        if (!ts || ts->n_csca == 0) {
                eg_check_set(ret, EG_CHECK_UNDETERMINED, EG_REASON_PA_NO_CSCA,
                             "no CSCA certificates configured");
                return;
        }
        if (!ds) {
                eg_check_set(ret, EG_CHECK_UNDETERMINED, EG_REASON_PA_NO_CSCA,
                             "no document signer certificate to verify");
                return;
        }

        /* 4 us (most of it re-encoding the certificate), against 65 us for a verification. */
        keyed = X509_digest(ds, EVP_sha256(), digest, &digest_len) == 1 &&
                digest_len == sizeof(digest);
        if (!keyed)
                ERR_clear_error(); /* then verified each time, and not remembered */
        if (keyed && eg_ds_verify_cache_get(ts->verified, digest, at, &notes, &generation)) {
                set_trusted(ret, &notes);
                return;
        }

        err = verify_chain(ts->store, ds, at, ts->n_crl > 0, &notes, &window);
        switch (err) {
        case X509_V_OK:
                if (keyed)
                        eg_ds_verify_cache_put(ts->verified, generation, digest, at, &window,
                                               &notes);
                set_trusted(ret, &notes);
                return;
        case -ENOMEM:
                eg_check_set(ret, EG_CHECK_UNDETERMINED, EG_REASON_PA_NO_CSCA, "out of memory");
                return;
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
                eg_check_set(ret, EG_CHECK_UNDETERMINED, EG_REASON_PA_NO_CSCA,
                             "no CSCA certificate for the document signer's issuer");
                return;
        case X509_V_ERR_CERT_HAS_EXPIRED:
        case X509_V_ERR_CERT_NOT_YET_VALID:
                eg_check_set(ret, EG_CHECK_FAILED, EG_REASON_PA_CERT_EXPIRED,
                             "certificate outside its validity period: %s",
                             X509_verify_cert_error_string(err));
                return;
        case X509_V_ERR_CERT_REVOKED:
                eg_check_set(ret, EG_CHECK_FAILED, EG_REASON_PA_DS_REVOKED,
                             "document signer certificate revoked by its CSCA's CRL");
                return;
        default:
                eg_check_set(ret, EG_CHECK_FAILED, EG_REASON_PA_DS_UNTRUSTED,
                             "document signer certificate not trusted: %s",
                             X509_verify_cert_error_string(err));
                return;
        }
}

int eg_trust_store_add_master_list(struct eg_trust_store *ts, const uint8_t *buf, size_t len,
                                   bool signer_trusted_only, const char **reason) {
        CMS_ContentInfo *cms = NULL;
        ASN1_OBJECT *expected = NULL;
        ASN1_OCTET_STRING **content;
        EG_CSCA_MASTER_LIST *ml = NULL;
        STACK_OF(X509) *signers = NULL;
        X509_STORE *own = NULL;
        const unsigned char *p = buf;
        int r = -EBADMSG, n = 0;

        if (!ts || !buf || len == 0 || len > TRUST_FILE_MAX)
                return -EINVAL;

        cms = d2i_CMS_ContentInfo(NULL, &p, (long) len);
        if (!cms || p != buf + len || OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed) {
                SET_REASON(reason, "master list is not one CMS SignedData");
                goto finish;
        }
        expected = OBJ_txt2obj(OID_CSCA_MASTER_LIST, 1);
        if (!expected || OBJ_cmp(CMS_get0_eContentType(cms), expected) != 0) {
                SET_REASON(reason, "content is not a CSCA master list");
                goto finish;
        }
        content = CMS_get0_content(cms);
        if (!content || !*content) {
                SET_REASON(reason, "master list has no content");
                goto finish;
        }
        p = ASN1_STRING_get0_data(*content);
        ml = (EG_CSCA_MASTER_LIST *) ASN1_item_d2i(NULL, &p, ASN1_STRING_length(*content),
                                                   ASN1_ITEM_rptr(EG_CSCA_MASTER_LIST));
        if (!ml || sk_X509_num(ml->certs) <= 0) {
                SET_REASON(reason, "malformed CscaMasterList");
                goto finish;
        }

        if (CMS_verify(cms, NULL, NULL, NULL, NULL, CMS_NO_SIGNER_CERT_VERIFY | CMS_BINARY) != 1) {
                SET_REASON(reason, "master list signature does not verify");
                goto finish;
        }
        signers = CMS_get0_signers(cms);
        if (!signers || sk_X509_num(signers) != 1) {
                SET_REASON(reason, "master list needs exactly one signer");
                goto finish;
        }

        if (!signer_trusted_only) {
                own = X509_STORE_new();
                if (!own) {
                        r = -ENOMEM;
                        goto finish;
                }
                for (int i = 0; i < sk_X509_num(ml->certs); i++)
                        (void) X509_STORE_add_cert(own, sk_X509_value(ml->certs, i));
                ERR_clear_error();
        }
        if (verify_chain(own ? own : ts->store, sk_X509_value(signers, 0), time(NULL), false, NULL,
                         NULL) != X509_V_OK) {
                SET_REASON(reason, "master list signer does not chain to a CSCA");
                r = -EKEYREJECTED;
                goto finish;
        }

        for (int i = 0; i < sk_X509_num(ml->certs); i++)
                if (eg_trust_store_add_csca(ts, sk_X509_value(ml->certs, i)) >= 0)
                        n++;
        r = n;

finish:
        sk_X509_free(signers);
        X509_STORE_free(own);
        ASN1_item_free((ASN1_VALUE *) ml, ASN1_ITEM_rptr(EG_CSCA_MASTER_LIST));
        ASN1_OBJECT_free(expected);
        CMS_ContentInfo_free(cms);
        ERR_clear_error();
        return r;
}

void eg_trust_store_cache_stats(const struct eg_trust_store *ts, uint64_t *ret_hits,
                                uint64_t *ret_misses) {
        eg_ds_verify_cache_stats(ts->verified, ret_hits, ret_misses);
}
