/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Document Signer certificates, parsed once.
 *
 * A Document Signer signs the EF.SOD of every passport its state issues
 * over months, and each EF.SOD carries the DS certificate.  OpenSSL 3.0
 * decodes a certificate's public key through a decoder chain it builds anew
 * on every parse: 120 us of the 130 us d2i_CMS_ContentInfo() takes for an
 * EF.SOD.  So the SignedData's certificates field is cut out before the CMS
 * is parsed, and its certificate is looked up by the SHA-256 of its DER
 * among the ones parsed before.  The X509 used holds exactly the bytes the
 * EF.SOD carried, so nothing a verification sees changes.
 *
 * Anything unusual (no certificates field, more than one certificate, a
 * layout this code does not expect) is left to OpenSSL's own parse of the
 * whole EF.SOD, which gives the verdict.
 */
#include <errno.h>
#include <limits.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "sod-signer-cache.h"
#include "tlv.h"

#define CACHE_SIZE 16 /* Document Signers a gate sees in a day; each entry holds one X509 */

struct cached_signer {
        uint8_t digest[SHA256_DIGEST_LENGTH];
        X509 *cert; /* NULL: a free slot */
        uint64_t last_used;
};

static struct {
        pthread_mutex_t lock;
        struct cached_signer entries[CACHE_SIZE];
        uint64_t clock;
} cache = { .lock = PTHREAD_MUTEX_INITIALIZER };

static pthread_once_t cleanup_once = PTHREAD_ONCE_INIT;

/* As crypto-util.c's cipher table: freed at exit, or when the plugin holding
 * this copy is unloaded (glibc runs a shared object's atexit() handlers then),
 * and before OpenSSL's own cleanup, which was registered earlier. */
static void register_cleanup(void) {
        (void) atexit(eg_sod_signer_cache_clear);
}

static X509 *lookup_or_parse(const uint8_t *der, size_t len) {
        uint8_t digest[SHA256_DIGEST_LENGTH];
        struct cached_signer *slot = NULL;
        const unsigned char *p = der;
        X509 *cert = NULL;

        if (len > LONG_MAX || !EVP_Digest(der, len, digest, NULL, EVP_sha256(), NULL))
                return NULL;

        pthread_mutex_lock(&cache.lock);
        for (size_t i = 0; i < CACHE_SIZE; i++) {
                struct cached_signer *e = &cache.entries[i];

                if (e->cert && memcmp(e->digest, digest, sizeof(digest)) == 0) {
                        e->last_used = ++cache.clock;
                        cert = e->cert;
                        X509_up_ref(cert);
                        break;
                }
        }
        pthread_mutex_unlock(&cache.lock);
        if (cert)
                return cert;

        cert = d2i_X509(NULL, &p, (long) len);
        if (!cert || p != der + len) {
                X509_free(cert);
                return NULL;
        }
        (void) pthread_once(&cleanup_once, register_cleanup);

        pthread_mutex_lock(&cache.lock);
        for (size_t i = 0; i < CACHE_SIZE; i++) {
                struct cached_signer *e = &cache.entries[i];

                if (!slot || !e->cert || (slot->cert && e->last_used < slot->last_used))
                        slot = e;
        }
        X509_free(slot->cert);
        memcpy(slot->digest, digest, sizeof(digest));
        slot->cert = cert;
        slot->last_used = ++cache.clock;
        X509_up_ref(cert); /* one reference for the cache, one for the caller */
        pthread_mutex_unlock(&cache.lock);
        return cert;
}

static size_t put_header(uint8_t *out, uint32_t tag, size_t length) {
        uint8_t header[7];
        int n = eg_tlv_encode_header(tag, length, header);

        if (n <= 0)
                return 0;
        if (out)
                memcpy(out, header, (size_t) n);
        return (size_t) n;
}

/* The one child of a constructed element, which must span its value exactly. */
static int only_child(const struct eg_tlv *parent, uint32_t tag, struct eg_tlv *ret) {
        if (eg_tlv_parse_exact(parent->value, parent->length, ret) < 0 || ret->tag != tag)
                return -EBADMSG;
        return 0;
}

int eg_sod_split_signer(const uint8_t *content_info, size_t len, uint8_t **ret_stripped,
                        size_t *ret_stripped_len, X509 **ret_signer) {
        struct eg_tlv ci, oid, explicit, signed_data, child, certificates = {}, cert;
        size_t offset = 0, certificates_size, inner_len, explicit_len, total, n;
        const uint8_t *certificates_start = NULL;
        uint8_t *out;
        X509 *signer;
        int r;

        /* ContentInfo ::= SEQUENCE { OID, [0] EXPLICIT SignedData } */
        if (eg_tlv_parse_exact(content_info, len, &ci) < 0 || ci.tag != 0x30)
                return -EBADMSG;
        r = eg_tlv_next(ci.value, ci.length, &offset, &oid);
        if (r <= 0 || oid.tag != 0x06)
                return -EBADMSG;
        r = eg_tlv_next(ci.value, ci.length, &offset, &explicit);
        if (r <= 0 || explicit.tag != 0xA0 || offset != ci.length)
                return -EBADMSG;
        if (only_child(&explicit, 0x30, &signed_data) < 0)
                return -EBADMSG;

        /* SignedData's certificates [0] IMPLICIT SET OF Certificate, with exactly one. */
        offset = 0;
        while ((r = eg_tlv_next(signed_data.value, signed_data.length, &offset, &child)) > 0)
                if (child.tag == 0xA0) {
                        if (certificates_start)
                                return -EBADMSG;
                        certificates = child;
                        certificates_start = child.value - child.header_length;
                }
        if (r < 0)
                return -EBADMSG;
        if (!certificates_start)
                return -ENOENT;
        if (eg_tlv_parse_exact(certificates.value, certificates.length, &cert) < 0 ||
            cert.tag != 0x30)
                return -ENOENT; /* none or several: OpenSSL sorts them out */

        signer = lookup_or_parse(certificates.value, certificates.length);
        if (!signer)
                return -EBADMSG;

        /* The same ContentInfo without the certificates field: three lengths change. */
        certificates_size = certificates.header_length + certificates.length;
        inner_len = signed_data.length - certificates_size;
        explicit_len = put_header(NULL, 0x30, inner_len) + inner_len;
        total = oid.header_length + oid.length + put_header(NULL, 0xA0, explicit_len) +
                explicit_len;
        out = malloc(put_header(NULL, 0x30, total) + total);
        if (!out) {
                X509_free(signer);
                return -ENOMEM;
        }
        n = put_header(out, 0x30, total);
        memcpy(out + n, oid.value - oid.header_length, oid.header_length + oid.length);
        n += oid.header_length + oid.length;
        n += put_header(out + n, 0xA0, explicit_len);
        n += put_header(out + n, 0x30, inner_len);
        memcpy(out + n, signed_data.value, (size_t) (certificates_start - signed_data.value));
        n += (size_t) (certificates_start - signed_data.value);
        memcpy(out + n, certificates_start + certificates_size,
               signed_data.length - (size_t) (certificates_start - signed_data.value) -
                       certificates_size);
        n += signed_data.length - (size_t) (certificates_start - signed_data.value) -
             certificates_size;

        *ret_stripped = out;
        *ret_stripped_len = n;
        *ret_signer = signer;
        return 0;
}

void eg_sod_signer_cache_clear(void) {
        pthread_mutex_lock(&cache.lock);
        for (size_t i = 0; i < CACHE_SIZE; i++) {
                X509_free(cache.entries[i].cert);
                cache.entries[i] = (struct cached_signer){};
        }
        pthread_mutex_unlock(&cache.lock);
}
