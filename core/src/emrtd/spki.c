/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <limits.h>
#include <openssl/asn1t.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "spki.h"

/* SubjectPublicKeyInfo with the key left as bits: no decoder runs while parsing. */
typedef struct {
        X509_ALGOR *algorithm;
        ASN1_BIT_STRING *public_key;
} EG_SPKI;

ASN1_SEQUENCE(EG_SPKI) = {
        ASN1_SIMPLE(EG_SPKI, algorithm, X509_ALGOR),
        ASN1_SIMPLE(EG_SPKI, public_key, ASN1_BIT_STRING),
} static_ASN1_SEQUENCE_END(EG_SPKI)

/* 1 and *ret when the key is EC on a named curve; 0 when another path must try. */
static int named_curve_key(const EG_SPKI *spki, EVP_PKEY **ret) {
        const ASN1_OBJECT *algorithm;
        const void *parameter;
        const char *curve;
        int parameter_type, curve_nid;
        EVP_PKEY_CTX *ctx;
        EVP_PKEY *key = NULL;
        OSSL_PARAM params[3];
        int ok;

        X509_ALGOR_get0(&algorithm, &parameter_type, &parameter, spki->algorithm);
        if (OBJ_obj2nid(algorithm) != NID_X9_62_id_ecPublicKey || parameter_type != V_ASN1_OBJECT)
                return 0;
        curve_nid = OBJ_obj2nid(parameter);
        curve = curve_nid != NID_undef ? OBJ_nid2sn(curve_nid) : NULL;
        if (!curve)
                return 0;
        /* Unused bits in the key's BIT STRING mean it is no encoded point. */
        if ((spki->public_key->flags & 0x07) != 0 || ASN1_STRING_length(spki->public_key) <= 0)
                return 0;

        ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
        if (!ctx)
                return 0;
        params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *) curve, 0);
        params[1] = OSSL_PARAM_construct_octet_string(
                OSSL_PKEY_PARAM_PUB_KEY, (void *) ASN1_STRING_get0_data(spki->public_key),
                (size_t) ASN1_STRING_length(spki->public_key));
        params[2] = OSSL_PARAM_construct_end();
        ok = EVP_PKEY_fromdata_init(ctx) > 0 &&
             EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) > 0;
        EVP_PKEY_CTX_free(ctx);
        if (!ok) {
                EVP_PKEY_free(key);
                return 0; /* an unknown curve or a bad point: d2i_PUBKEY() gives the verdict */
        }
        *ret = key;
        return 1;
}

int eg_spki_parse(const uint8_t *der, size_t len, EVP_PKEY **ret) {
        const unsigned char *p = der;
        EG_SPKI *spki;
        EVP_PKEY *key = NULL;
        int r;

        if (!der || !ret || len == 0 || len > LONG_MAX)
                return -EBADMSG;
        spki = (EG_SPKI *) ASN1_item_d2i(NULL, &p, (long) len, ASN1_ITEM_rptr(EG_SPKI));
        if (!spki || p != der + len) {
                ASN1_item_free((ASN1_VALUE *) spki, ASN1_ITEM_rptr(EG_SPKI));
                ERR_clear_error();
                return -EBADMSG;
        }
        r = named_curve_key(spki, &key);
        ASN1_item_free((ASN1_VALUE *) spki, ASN1_ITEM_rptr(EG_SPKI));
        if (r == 0) {
                p = der;
                key = d2i_PUBKEY(NULL, &p, (long) len);
                if (!key || p != der + len) {
                        EVP_PKEY_free(key);
                        ERR_clear_error();
                        return -EBADMSG;
                }
        }
        ERR_clear_error();
        *ret = key;
        return 0;
}
