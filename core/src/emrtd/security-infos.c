/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <limits.h>
#include <openssl/asn1t.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <string.h>

#include "macro.h"
#include "security-infos.h"
#include "spki.h"
#include "tlv.h"

#define SET_REASON(r, s)                                                                           \
        do {                                                                                       \
                if (r)                                                                             \
                        *(r) = (s);                                                                \
        } while (0)

#define OID_CA_DH "0.4.0.127.0.7.2.2.3.1."
#define OID_CA_ECDH "0.4.0.127.0.7.2.2.3.2."
#define OID_PK_ECDH "0.4.0.127.0.7.2.2.1.2"
#define OID_AA_INFO "2.23.136.1.1.5"
#define OID_ECDSA_PLAIN "0.4.0.127.0.7.1.1.4.1."

/* SecurityInfo ::= SEQUENCE { protocol OID, requiredData ANY, optionalData ANY OPTIONAL } */
typedef struct {
        ASN1_OBJECT *protocol;
        ASN1_TYPE *required;
        ASN1_TYPE *optional;
} EG_SECURITY_INFO;

DEFINE_STACK_OF(EG_SECURITY_INFO)
typedef STACK_OF(EG_SECURITY_INFO) EG_SECURITY_INFOS;

ASN1_SEQUENCE(EG_SECURITY_INFO) = {
        ASN1_SIMPLE(EG_SECURITY_INFO, protocol, ASN1_OBJECT),
        ASN1_SIMPLE(EG_SECURITY_INFO, required, ASN1_ANY),
        ASN1_OPT(EG_SECURITY_INFO, optional, ASN1_ANY),
} static_ASN1_SEQUENCE_END(EG_SECURITY_INFO)

ASN1_ITEM_TEMPLATE(EG_SECURITY_INFOS) =
        ASN1_EX_TEMPLATE_TYPE(ASN1_TFLG_SET_OF, 0, SecurityInfos, EG_SECURITY_INFO)
static_ASN1_ITEM_TEMPLATE_END(EG_SECURITY_INFOS)

static bool oid_text(const ASN1_OBJECT *o, char *buf, size_t size) {
        int n = OBJ_obj2txt(buf, (int) size, o, 1);
        return n > 0 && (size_t) n < size;
}

static bool has_prefix(const char *s, const char *prefix) {
        return strncmp(s, prefix, strlen(prefix)) == 0;
}

static long integer_or(const ASN1_TYPE *t, long fallback) {
        int64_t v;

        if (!t || t->type != V_ASN1_INTEGER || !ASN1_INTEGER_get_int64(&v, t->value.integer) ||
            v < 0 || v > LONG_MAX)
                return fallback;
        return (long) v;
}

static enum eg_cipher ca_cipher(const char *oid, const char *prefix) {
        switch (oid[strlen(prefix)]) {
        case '1':
                return EG_CIPHER_3DES;
        case '2':
                return EG_CIPHER_AES128;
        case '3':
                return EG_CIPHER_AES192;
        case '4':
                return EG_CIPHER_AES256;
        default:
                return EG_CIPHER_NONE;
        }
}

static int aa_digest(const ASN1_TYPE *t) {
        static const int plain[] = { NID_sha1, NID_sha224, NID_sha256, NID_sha384, NID_sha512 };
        char oid[80];
        int nid, md = NID_undef;

        if (!t || t->type != V_ASN1_OBJECT || !oid_text(t->value.object, oid, sizeof(oid)))
                return NID_undef;
        if (has_prefix(oid, OID_ECDSA_PLAIN) && strlen(oid) == strlen(OID_ECDSA_PLAIN) + 1) {
                unsigned i = (unsigned) (oid[strlen(OID_ECDSA_PLAIN)] - '1');
                return i < 5 ? plain[i] : NID_undef;
        }
        /* X9.62 ecdsa-with-SHAxxx and friends. */
        nid = OBJ_obj2nid(t->value.object);
        if (nid != NID_undef && OBJ_find_sigid_algs(nid, &md, NULL))
                return md;
        return NID_undef;
}

struct pk_candidate {
        EVP_PKEY *key;
        long key_id;
};

int eg_security_infos_parse_dg14(const uint8_t *dg14, size_t len, struct eg_security_infos *ret,
                                 const char **reason) {
        struct pk_candidate keys[8] = {};
        unsigned n_keys = 0;
        EG_SECURITY_INFOS *infos;
        const unsigned char *p;
        struct eg_tlv t;
        int r = -EBADMSG;

        if (!ret)
                return -EINVAL;
        *ret = (struct eg_security_infos){ .ca_key_id = -1, .aa_digest_nid = NID_undef };
        if (!dg14 || eg_tlv_parse(dg14, len, &t) < 0 || t.tag != 0x6E ||
            t.header_length + t.length != len || t.length > LONG_MAX) {
                SET_REASON(reason, "DG14 is not one tag 6E object");
                return -EBADMSG;
        }

        p = t.value;
        infos = (EG_SECURITY_INFOS *) ASN1_item_d2i(NULL, &p, (long) t.length,
                                                    ASN1_ITEM_rptr(EG_SECURITY_INFOS));
        if (!infos || p != t.value + t.length) {
                SET_REASON(reason, "DG14 is not a SET OF SecurityInfo");
                goto finish;
        }

        for (int i = 0; i < sk_EG_SECURITY_INFO_num(infos); i++) {
                const EG_SECURITY_INFO *si = sk_EG_SECURITY_INFO_value(infos, i);
                char oid[80];

                ret->n_infos++;
                if (!oid_text(si->protocol, oid, sizeof(oid)))
                        continue;

                if ((has_prefix(oid, OID_CA_ECDH) || has_prefix(oid, OID_CA_DH)) &&
                    !ret->has_ca_info) {
                        bool ecdh = has_prefix(oid, OID_CA_ECDH);
                        int der_len = (int) OBJ_length(si->protocol);

                        ret->ca_version = integer_or(si->required, -1);
                        if (ret->ca_version < 0 || der_len <= 0 ||
                            (size_t) der_len > sizeof(ret->ca_oid))
                                continue;
                        ret->has_ca_info = true;
                        ret->ca_ecdh = ecdh;
                        ret->ca_cipher = ca_cipher(oid, ecdh ? OID_CA_ECDH : OID_CA_DH);
                        ret->ca_key_id = integer_or(si->optional, -1);
                        memcpy(ret->ca_oid, OBJ_get0_data(si->protocol), (size_t) der_len);
                        ret->ca_oid_len = (size_t) der_len;
                } else if (strcmp(oid, OID_PK_ECDH) == 0 && n_keys < ELEMENTSOF(keys)) {
                        /* requiredData is the SubjectPublicKeyInfo SEQUENCE itself. */
                        EVP_PKEY *key;

                        if (si->required->type != V_ASN1_SEQUENCE)
                                continue;
                        const ASN1_STRING *spki = si->required->value.sequence;

                        if (eg_spki_parse(ASN1_STRING_get0_data(spki),
                                          (size_t) ASN1_STRING_length(spki), &key) < 0)
                                continue;
                        if (EVP_PKEY_get_base_id(key) != EVP_PKEY_EC) {
                                EVP_PKEY_free(key);
                                continue;
                        }
                        keys[n_keys++] = (struct pk_candidate){ key, integer_or(si->optional, -1) };
                } else if (strcmp(oid, OID_AA_INFO) == 0) {
                        ret->has_aa_info = true;
                        ret->aa_digest_nid = aa_digest(si->optional);
                }
        }

        /* The public key for the CA protocol: the one with its keyId, else the first. */
        for (unsigned i = 0; i < n_keys && ret->has_ca_info; i++)
                if (ret->ca_key_id < 0 || keys[i].key_id < 0 || keys[i].key_id == ret->ca_key_id) {
                        ret->ca_public_key = TAKE_PTR(keys[i].key);
                        if (ret->ca_key_id < 0)
                                ret->ca_key_id = keys[i].key_id;
                        break;
                }
        r = 0;

finish:
        for (unsigned i = 0; i < n_keys; i++)
                EVP_PKEY_free(keys[i].key);
        ASN1_item_free((ASN1_VALUE *) infos, ASN1_ITEM_rptr(EG_SECURITY_INFOS));
        ERR_clear_error();
        return r;
}

void eg_security_infos_done(struct eg_security_infos *si) {
        if (!si)
                return;
        EVP_PKEY_free(si->ca_public_key);
        si->ca_public_key = NULL;
}
