/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <openssl/asn1t.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <string.h>

#include "crypto-util.h"
#include "macro.h"
#include "sod-signer-cache.h"
#include "sod.h"
#include "tlv.h"

#define SET_REASON(r, s)                                                                           \
        do {                                                                                       \
                if (r)                                                                             \
                        *(r) = (s);                                                                \
        } while (0)

#define OID_LDS_SECURITY_OBJECT "2.23.136.1.1.1"

/* LDSSecurityObject ::= SEQUENCE { version, hashAlgorithm, dataGroupHashValues,
 *                                  ldsVersionInfo OPTIONAL } */
typedef struct {
        ASN1_INTEGER *number;
        ASN1_OCTET_STRING *hash;
} EG_DG_HASH;

typedef struct {
        ASN1_PRINTABLESTRING *lds_version;
        ASN1_PRINTABLESTRING *unicode_version;
} EG_LDS_VERSION_INFO;

DEFINE_STACK_OF(EG_DG_HASH)

typedef struct {
        ASN1_INTEGER *version;
        X509_ALGOR *hash_algorithm;
        STACK_OF(EG_DG_HASH) * hashes;
        EG_LDS_VERSION_INFO *version_info;
} EG_LDS_SECURITY_OBJECT;

ASN1_SEQUENCE(EG_DG_HASH) = {
        ASN1_SIMPLE(EG_DG_HASH, number, ASN1_INTEGER),
        ASN1_SIMPLE(EG_DG_HASH, hash, ASN1_OCTET_STRING),
} static_ASN1_SEQUENCE_END(EG_DG_HASH)

ASN1_SEQUENCE(EG_LDS_VERSION_INFO) = {
        ASN1_SIMPLE(EG_LDS_VERSION_INFO, lds_version, ASN1_PRINTABLESTRING),
        ASN1_SIMPLE(EG_LDS_VERSION_INFO, unicode_version, ASN1_PRINTABLESTRING),
} static_ASN1_SEQUENCE_END(EG_LDS_VERSION_INFO)

ASN1_SEQUENCE(EG_LDS_SECURITY_OBJECT) = {
        ASN1_SIMPLE(EG_LDS_SECURITY_OBJECT, version, ASN1_INTEGER),
        ASN1_SIMPLE(EG_LDS_SECURITY_OBJECT, hash_algorithm, X509_ALGOR),
        ASN1_SEQUENCE_OF(EG_LDS_SECURITY_OBJECT, hashes, EG_DG_HASH),
        ASN1_OPT(EG_LDS_SECURITY_OBJECT, version_info, EG_LDS_VERSION_INFO),
} static_ASN1_SEQUENCE_END(EG_LDS_SECURITY_OBJECT)

static bool digest_allowed(int nid) {
        return nid == NID_sha1 || nid == NID_sha224 || nid == NID_sha256 || nid == NID_sha384 ||
               nid == NID_sha512;
}

static int parse_security_object(struct eg_sod *sod, const ASN1_OCTET_STRING *content,
                                 const char **reason) {
        const unsigned char *p = ASN1_STRING_get0_data(content);
        long len = ASN1_STRING_length(content);
        EG_LDS_SECURITY_OBJECT *so;
        const EVP_MD *md;
        int r = -EBADMSG, n;

        so = (EG_LDS_SECURITY_OBJECT *) ASN1_item_d2i(NULL, &p, len,
                                                      ASN1_ITEM_rptr(EG_LDS_SECURITY_OBJECT));
        if (!so) {
                SET_REASON(reason, "malformed LDSSecurityObject");
                return -EBADMSG;
        }
        if (p != ASN1_STRING_get0_data(content) + len) {
                SET_REASON(reason, "trailing bytes after the LDSSecurityObject");
                goto finish;
        }
        int64_t version = -1;
        if (!ASN1_INTEGER_get_int64(&version, so->version) || version < 0 || version > 1) {
                SET_REASON(reason, "unsupported LDSSecurityObject version");
                goto finish;
        }
        sod->version = (long) version;

        sod->digest_nid = OBJ_obj2nid(so->hash_algorithm->algorithm);
        if (!digest_allowed(sod->digest_nid)) {
                SET_REASON(reason, "unsupported data group hash algorithm");
                goto finish;
        }
        md = EVP_get_digestbynid(sod->digest_nid);
        if (!md) {
                SET_REASON(reason, "unsupported data group hash algorithm");
                goto finish;
        }
        sod->hash_len = (size_t) EVP_MD_get_size(md);

        n = sk_EG_DG_HASH_num(so->hashes);
        if (n < 1 || n > EG_DG_MAX) {
                SET_REASON(reason, "bad number of data group hashes");
                goto finish;
        }
        for (int i = 0; i < n; i++) {
                const EG_DG_HASH *h = sk_EG_DG_HASH_value(so->hashes, i);
                int64_t dg = 0;

                if (!ASN1_INTEGER_get_int64(&dg, h->number) || dg < 1 || dg > EG_DG_MAX) {
                        SET_REASON(reason, "data group number out of range");
                        goto finish;
                }
                if (sod->dg_mask & (UINT32_C(1) << dg)) {
                        SET_REASON(reason, "duplicate data group hash");
                        goto finish;
                }
                if ((size_t) ASN1_STRING_length(h->hash) != sod->hash_len) {
                        SET_REASON(reason, "data group hash has the wrong length");
                        goto finish;
                }
                memcpy(sod->hash[dg], ASN1_STRING_get0_data(h->hash), sod->hash_len);
                sod->dg_mask |= UINT32_C(1) << dg;
        }
        r = 0;

finish:
        ASN1_item_free((ASN1_VALUE *) so, ASN1_ITEM_rptr(EG_LDS_SECURITY_OBJECT));
        return r;
}

static bool signer_matches(CMS_ContentInfo *cms, X509 *cert) {
        STACK_OF(CMS_SignerInfo) *infos = CMS_get0_SignerInfos(cms);

        return infos && sk_CMS_SignerInfo_num(infos) == 1 &&
               CMS_SignerInfo_cert_cmp(sk_CMS_SignerInfo_value(infos, 0), cert) == 0;
}

static X509 *find_signer(CMS_ContentInfo *cms) {
        STACK_OF(CMS_SignerInfo) *infos = CMS_get0_SignerInfos(cms);
        STACK_OF(X509) * certs;
        X509 *found = NULL;

        if (!infos || sk_CMS_SignerInfo_num(infos) != 1)
                return NULL;
        certs = CMS_get1_certs(cms);
        for (int i = 0; certs && i < sk_X509_num(certs); i++)
                if (CMS_SignerInfo_cert_cmp(sk_CMS_SignerInfo_value(infos, 0),
                                            sk_X509_value(certs, i)) == 0) {
                        found = sk_X509_value(certs, i);
                        X509_up_ref(found);
                        break;
                }
        sk_X509_pop_free(certs, X509_free);
        return found;
}

/* The CMS without its certificate, which comes from the signer cache; false: no shortcut. */
static bool parse_without_certificate(struct eg_sod *sod, const uint8_t *content_info, size_t len) {
        _cleanup_free_ uint8_t *stripped = NULL;
        const unsigned char *p;
        size_t stripped_len;
        X509 *signer;

        if (eg_sod_split_signer(content_info, len, &stripped, &stripped_len, &signer) < 0)
                return false;
        p = stripped;
        sod->cms = d2i_CMS_ContentInfo(NULL, &p, (long) stripped_len);
        if (!sod->cms || p != stripped + stripped_len) {
                CMS_ContentInfo_free(TAKE_PTR(sod->cms));
                X509_free(signer);
                ERR_clear_error();
                return false;
        }
        sod->signer = signer;
        return true;
}

int eg_sod_parse(const uint8_t *ef_sod, size_t len, struct eg_sod **ret, const char **reason) {
        struct eg_tlv t;
        struct eg_sod *sod;
        const unsigned char *p;
        ASN1_OBJECT *expected = NULL;
        ASN1_OCTET_STRING **content;
        bool certificate_cut;
        int r = -EBADMSG;

        if (!ret)
                return -EINVAL;
        if (!ef_sod || eg_tlv_parse(ef_sod, len, &t) < 0 || t.tag != 0x77 ||
            t.header_length + t.length != len) {
                SET_REASON(reason, "EF.SOD is not one tag 77 object");
                return -EBADMSG;
        }
        if (t.length > LONG_MAX)
                return -EBADMSG;

        sod = calloc(1, sizeof(*sod));
        if (!sod)
                return -ENOMEM;

        certificate_cut = parse_without_certificate(sod, t.value, t.length);
        if (!certificate_cut) {
                p = t.value;
                sod->cms = d2i_CMS_ContentInfo(NULL, &p, (long) t.length);
                if (!sod->cms || p != t.value + t.length) {
                        SET_REASON(reason, "EF.SOD does not hold one CMS ContentInfo");
                        goto finish;
                }
        }
        if (OBJ_obj2nid(CMS_get0_type(sod->cms)) != NID_pkcs7_signed) {
                SET_REASON(reason, "EF.SOD is not CMS SignedData");
                goto finish;
        }
        expected = OBJ_txt2obj(OID_LDS_SECURITY_OBJECT, 1);
        if (!expected) {
                r = -ENOMEM;
                goto finish;
        }
        if (OBJ_cmp(CMS_get0_eContentType(sod->cms), expected) != 0) {
                SET_REASON(reason, "EF.SOD content is not an LDSSecurityObject");
                goto finish;
        }
        content = CMS_get0_content(sod->cms);
        if (!content || !*content) {
                SET_REASON(reason, "EF.SOD has no encapsulated content");
                goto finish;
        }
        r = parse_security_object(sod, *content, reason);
        if (r < 0)
                goto finish;

        if (!certificate_cut)
                sod->signer = find_signer(sod->cms);
        else if (!signer_matches(sod->cms, sod->signer)) {
                /* Not the signer's certificate: as if the EF.SOD carried none. */
                X509_free(sod->signer);
                sod->signer = NULL;
        }
        *ret = sod;
        sod = NULL;
        r = 0;

finish:
        ASN1_OBJECT_free(expected);
        eg_sod_free(sod);
        ERR_clear_error();
        return r;
}

struct eg_sod *eg_sod_free(struct eg_sod *sod) {
        if (!sod)
                return NULL;
        CMS_ContentInfo_free(sod->cms);
        X509_free(sod->signer);
        free(sod);
        return NULL;
}

int eg_sod_verify_signature(const struct eg_sod *sod, const char **reason) {
        STACK_OF(X509) * signer;
        int ok;

        if (!sod->signer) {
                SET_REASON(reason, "EF.SOD carries no document signer certificate");
                return -ENOKEY;
        }
        /* The signer may have been cut out of the CMS (sod-signer-cache.c): hand it
         * over.  The DS chain is checked separately against the CSCA store, so
         * that "untrusted" and "bad signature" stay distinct results. */
        signer = sk_X509_new_null();
        if (!signer || !sk_X509_push(signer, sod->signer)) {
                sk_X509_free(signer);
                return -ENOMEM;
        }
        ok = CMS_verify(sod->cms, signer, NULL, NULL, NULL, CMS_NO_SIGNER_CERT_VERIFY | CMS_BINARY);
        sk_X509_free(signer);
        ERR_clear_error();
        if (ok != 1) {
                SET_REASON(reason, "EF.SOD signature does not verify");
                return -EBADMSG;
        }
        return 0;
}

int eg_sod_check_dg(const struct eg_sod *sod, unsigned dg, const uint8_t *data, size_t len) {
        uint8_t digest[EVP_MAX_MD_SIZE];
        unsigned n = 0;

        if (dg < 1 || dg > EG_DG_MAX || !(sod->dg_mask & (UINT32_C(1) << dg)))
                return -ENOENT;
        if (!data ||
            !EVP_Digest(data, len, digest, &n, EVP_get_digestbynid(sod->digest_nid), NULL) ||
            n != sod->hash_len)
                return -EIO;
        return eg_memeq(digest, sod->hash[dg], n) ? 0 : -EBADMSG;
}
