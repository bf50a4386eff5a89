/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/provider.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <string.h>

#include "crypto-util.h"
#include "macro.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(EVP_CIPHER_CTX *, EVP_CIPHER_CTX_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(EVP_CIPHER *, EVP_CIPHER_free)

const char *eg_cipher_to_string(enum eg_cipher c) {
        switch (c) {
        case EG_CIPHER_3DES:
                return "3DES";
        case EG_CIPHER_AES128:
                return "AES-128";
        case EG_CIPHER_AES192:
                return "AES-192";
        case EG_CIPHER_AES256:
                return "AES-256";
        default:
                return "none";
        }
}

size_t eg_cipher_key_size(enum eg_cipher c) {
        switch (c) {
        case EG_CIPHER_3DES:
        case EG_CIPHER_AES128:
                return 16;
        case EG_CIPHER_AES192:
                return 24;
        case EG_CIPHER_AES256:
                return 32;
        default:
                return 0;
        }
}

size_t eg_cipher_block_size(enum eg_cipher c) {
        switch (c) {
        case EG_CIPHER_3DES:
                return 8;
        case EG_CIPHER_AES128:
        case EG_CIPHER_AES192:
        case EG_CIPHER_AES256:
                return 16;
        default:
                return 0;
        }
}

static const char *const cbc_cipher_names[] = {
        [EG_CIPHER_3DES] = "DES-EDE-CBC", /* 2-key */
        [EG_CIPHER_AES128] = "AES-128-CBC",
        [EG_CIPHER_AES192] = "AES-192-CBC",
        [EG_CIPHER_AES256] = "AES-256-CBC",
};

static const char *cbc_cipher_name(enum eg_cipher c) {
        if ((size_t) c >= ELEMENTSOF(cbc_cipher_names))
                return NULL;
        return cbc_cipher_names[c];
}

/*
 * Every cipher is fetched once per process: handing EVP_des_ede_cbc() and
 * friends to EVP_CipherInit_ex() makes OpenSSL 3 look the algorithm up in the
 * provider method store on each call, and the retail MAC runs on every APDU.
 * Fetched EVP_CIPHERs are immutable and reference counted, so one table
 * serves all threads, until exit (or the unloading of the plugin that holds
 * this copy of it).
 */
static struct {
        EVP_CIPHER *cbc[ELEMENTSOF(cbc_cipher_names)]; /* default library context */
        /* Single DES-CBC for the retail MAC, from a private library context
         * holding the legacy provider; NULL when that provider is missing. */
        OSSL_LIB_CTX *legacy_ctx;
        OSSL_PROVIDER *legacy, *dflt; /* loaded into legacy_ctx */
        EVP_CIPHER *des_cbc;
} ciphers;

static pthread_once_t ciphers_once = PTHREAD_ONCE_INIT;

static EVP_CIPHER *fetch_single_des(OSSL_LIB_CTX **ret_ctx, OSSL_PROVIDER **ret_legacy,
                                    OSSL_PROVIDER **ret_dflt) {
        OSSL_PROVIDER *legacy, *dflt;
        OSSL_LIB_CTX *ctx;
        EVP_CIPHER *des = NULL;

        /* A library context of our own, so that the legacy algorithms (single
         * DES, RC4, MD4, ...) never become fetchable by the rest of the
         * process.  A new context reads no openssl.cnf.  "default" goes next
         * to "legacy" as OpenSSL's documentation asks: an explicitly loaded
         * provider stops the default one from being loaded implicitly. */
        ctx = OSSL_LIB_CTX_new();
        if (!ctx)
                return NULL;
        dflt = OSSL_PROVIDER_load(ctx, "default");
        legacy = OSSL_PROVIDER_load(ctx, "legacy");
        if (legacy)
                des = EVP_CIPHER_fetch(ctx, "DES-CBC", NULL);
        if (!des) {
                if (legacy)
                        (void) OSSL_PROVIDER_unload(legacy);
                if (dflt)
                        (void) OSSL_PROVIDER_unload(dflt);
                OSSL_LIB_CTX_free(ctx);
                return NULL;
        }

        *ret_ctx = ctx;
        *ret_legacy = legacy;
        *ret_dflt = dflt;
        return des;
}

static void ciphers_free(void) {
        for (size_t i = 0; i < ELEMENTSOF(ciphers.cbc); i++)
                EVP_CIPHER_free(ciphers.cbc[i]);
        EVP_CIPHER_free(ciphers.des_cbc);
        if (ciphers.legacy)
                (void) OSSL_PROVIDER_unload(ciphers.legacy);
        if (ciphers.dflt)
                (void) OSSL_PROVIDER_unload(ciphers.dflt);
        OSSL_LIB_CTX_free(ciphers.legacy_ctx);
        ciphers = (typeof(ciphers)){};
}

static void ciphers_init_once(void) {
        /* Everything here has a fallback, so a failed load or fetch must not
         * leave errors on the calling thread's queue for someone else's
         * ERR_get_error() to find. */
        (void) ERR_set_mark();
        for (size_t i = 0; i < ELEMENTSOF(cbc_cipher_names); i++)
                if (cbc_cipher_names[i])
                        ciphers.cbc[i] = EVP_CIPHER_fetch(NULL, cbc_cipher_names[i], NULL);
        ciphers.des_cbc = fetch_single_des(&ciphers.legacy_ctx, &ciphers.legacy, &ciphers.dflt);
        (void) ERR_pop_to_mark();
        /*
         * This file is also linked into plugins (the mock's card emulator),
         * which egated unloads while it runs: their copy of the table must go
         * with them.  glibc runs a shared object's atexit() handlers when it
         * is unloaded, and the main program's at exit, in reverse order of
         * registration: OpenSSL registered its own cleanup during the fetches
         * above, so ours runs while OpenSSL is still there.
         */
        (void) atexit(ciphers_free);
}

static void ciphers_init(void) {
        (void) pthread_once(&ciphers_once, ciphers_init_once);
}

/* The CBC cipher for a known c.  Should the one-time fetch have failed, it is
 * fetched again for this call only (into *fetched, which the caller frees),
 * so a transient failure is not remembered and an unavailable algorithm
 * still fails in EVP_CipherInit_ex() with -EIO, as before the table. */
static const EVP_CIPHER *cbc_cipher(enum eg_cipher c, EVP_CIPHER **fetched) {
        ciphers_init();
        if (ciphers.cbc[c])
                return ciphers.cbc[c];
        *fetched = EVP_CIPHER_fetch(NULL, cbc_cipher_names[c], NULL);
        return *fetched;
}

void eg_des_fix_parity(uint8_t *key, size_t len) {
        for (size_t i = 0; i < len; i++) {
                uint8_t b = key[i] & 0xFE;
                /* Odd parity over all eight bits: set bit 0 if the other seven have even weight. */
                key[i] = b | (uint8_t) (__builtin_popcount(b) % 2 == 0);
        }
}

int eg_kdf(enum eg_cipher c, const uint8_t *secret, size_t secret_len, uint32_t counter,
           uint8_t out[static EG_KEY_MAX]) {
        uint8_t ctr[4] = { counter >> 24, counter >> 16, counter >> 8, counter };
        uint8_t digest[EVP_MAX_MD_SIZE];
        unsigned digest_len = 0;
        size_t key_len = eg_cipher_key_size(c);
        const EVP_MD *md =
                (c == EG_CIPHER_AES192 || c == EG_CIPHER_AES256) ? EVP_sha256() : EVP_sha1();
        EVP_MD_CTX *ctx;
        int ok;

        if (key_len == 0 || (!secret && secret_len > 0))
                return -EINVAL;

        ctx = EVP_MD_CTX_new();
        if (!ctx)
                return -ENOMEM;
        ok = EVP_DigestInit_ex(ctx, md, NULL) && EVP_DigestUpdate(ctx, secret, secret_len) &&
             EVP_DigestUpdate(ctx, ctr, sizeof(ctr)) &&
             EVP_DigestFinal_ex(ctx, digest, &digest_len);
        EVP_MD_CTX_free(ctx);
        if (!ok || digest_len < key_len)
                return -EIO;

        memcpy(out, digest, key_len);
        eg_wipe(digest, sizeof(digest));
        if (c == EG_CIPHER_3DES)
                eg_des_fix_parity(out, key_len);
        return 0;
}

static int cbc(enum eg_cipher c, bool encrypt, const uint8_t *key, const uint8_t *iv,
               const uint8_t *in, size_t len, uint8_t *out) {
        static const uint8_t zero_iv[EG_BLOCK_MAX] = {};
        _cleanup_(EVP_CIPHER_CTX_freep) EVP_CIPHER_CTX *ctx = NULL;
        _cleanup_(EVP_CIPHER_freep) EVP_CIPHER *fetched = NULL;
        size_t block = eg_cipher_block_size(c);
        const EVP_CIPHER *cipher;
        int n1 = 0, n2 = 0;

        if (!cbc_cipher_name(c) || !key || (len > 0 && (!in || !out)))
                return -EINVAL;
        if (len % block != 0 || len > INT32_MAX)
                return -EINVAL;
        if (len == 0)
                return 0;

        cipher = cbc_cipher(c, &fetched);
        ctx = EVP_CIPHER_CTX_new();
        if (!ctx)
                return -ENOMEM;
        /* A NULL cipher (fetch failed) makes EVP_CipherInit_ex() fail. */
        if (!EVP_CipherInit_ex(ctx, cipher, NULL, key, iv ? iv : zero_iv, encrypt ? 1 : 0) ||
            !EVP_CIPHER_CTX_set_padding(ctx, 0) ||
            !EVP_CipherUpdate(ctx, out, &n1, in, (int) len) ||
            !EVP_CipherFinal_ex(ctx, out + n1, &n2) || (size_t) (n1 + n2) != len)
                return -EIO;
        return 0;
}

int eg_cbc_encrypt(enum eg_cipher c, const uint8_t *key, const uint8_t *iv, const uint8_t *in,
                   size_t len, uint8_t *out) {
        return cbc(c, true, key, iv, in, len, out);
}

int eg_cbc_decrypt(enum eg_cipher c, const uint8_t *key, const uint8_t *iv, const uint8_t *in,
                   size_t len, uint8_t *out) {
        return cbc(c, false, key, iv, in, len, out);
}

/* CBC-encrypts data (a multiple of 8 bytes, not empty) under a zero IV and
 * keeps only the last cipher block, the CBC-MAC chaining value.  The
 * ciphertext goes through a small buffer in chunks: a 15 KB DG2 needs no
 * heap copy. */
static int cbc_mac_chain(const EVP_CIPHER *cipher, const uint8_t *key, const uint8_t *data,
                         size_t len, uint8_t h[static 8]) {
        static const uint8_t zero_iv[8] = {};
        _cleanup_(EVP_CIPHER_CTX_freep) EVP_CIPHER_CTX *ctx = NULL;
        uint8_t buf[512];
        int n = 0, r = 0;

        ctx = EVP_CIPHER_CTX_new();
        if (!ctx)
                return -ENOMEM;
        /* A NULL cipher (fetch failed) makes EVP_EncryptInit_ex() fail. */
        if (!EVP_EncryptInit_ex(ctx, cipher, NULL, key, zero_iv) ||
            !EVP_CIPHER_CTX_set_padding(ctx, 0))
                return -EIO;

        /* The context carries the chaining value from one chunk to the next;
         * without padding, whole blocks in means as many bytes out. */
        for (size_t off = 0; off < len;) {
                size_t chunk = len - off < sizeof(buf) ? len - off : sizeof(buf);

                if (!EVP_EncryptUpdate(ctx, buf, &n, data + off, (int) chunk) ||
                    (size_t) n != chunk) {
                        r = -EIO;
                        break;
                }
                off += chunk;
        }
        if (r == 0)
                memcpy(h, buf + n - 8, 8);
        eg_wipe(buf, sizeof(buf));
        return r;
}

static int retail_mac(const uint8_t key[static 16], const uint8_t *data, size_t len,
                      uint8_t out[static EG_MAC_SIZE], bool single_des) {
        /*
         * MAC algorithm 3: single-DES CBC-MAC under Ka, then the last block
         * additionally decrypted under Kb and encrypted under Ka, i.e. the
         * last block E_Ka(D_Kb(E_Ka(x ⊕ H))) is exactly 2-key 3DES-CBC with
         * IV H.  Single DES lives only in OpenSSL 3's legacy provider; without
         * it the CBC part runs as DES-EDE with Ka ‖ Ka (E_Ka D_Ka E_Ka = E_Ka),
         * at three times the DES work.
         */
        _cleanup_(EVP_CIPHER_freep) EVP_CIPHER *fetched = NULL;
        uint8_t ka2[16], h[8] = {};
        size_t head;
        int r;

        if (!data || len == 0 || len % 8 != 0)
                return -EINVAL;

        head = len - 8;
        /* The limit eg_cbc_encrypt() put on the CBC part when it got it whole. */
        if (head > INT32_MAX)
                return -EINVAL;
        if (head > 0) {
                ciphers_init();
                if (single_des && ciphers.des_cbc)
                        r = cbc_mac_chain(ciphers.des_cbc, key, data, head, h);
                else {
                        memcpy(ka2, key, 8);
                        memcpy(ka2 + 8, key, 8);
                        r = cbc_mac_chain(cbc_cipher(EG_CIPHER_3DES, &fetched), ka2, data, head, h);
                        eg_wipe(ka2, sizeof(ka2));
                }
                if (r < 0)
                        return r;
        }

        return eg_cbc_encrypt(EG_CIPHER_3DES, key, h, data + head, 8, out);
}

int eg_retail_mac(const uint8_t key[static 16], const uint8_t *data, size_t len,
                  uint8_t out[static EG_MAC_SIZE]) {
        return retail_mac(key, data, len, out, true);
}

int eg_retail_mac_fallback(const uint8_t key[static 16], const uint8_t *data, size_t len,
                           uint8_t out[static EG_MAC_SIZE]) {
        return retail_mac(key, data, len, out, false);
}

bool eg_retail_mac_uses_single_des(void) {
        ciphers_init();
        return ciphers.des_cbc != NULL;
}

int eg_aes_cmac8(const uint8_t *key, size_t key_len, const uint8_t *data, size_t len,
                 uint8_t out[static EG_MAC_SIZE]) {
        const char *name = key_len == 16   ? "AES-128-CBC"
                           : key_len == 24 ? "AES-192-CBC"
                           : key_len == 32 ? "AES-256-CBC"
                                           : NULL;
        uint8_t full[EVP_MAX_MD_SIZE];
        size_t full_len = 0;
        EVP_MAC *mac;
        EVP_MAC_CTX *ctx = NULL;
        OSSL_PARAM params[2];
        int ok;

        if (!name || !key || (!data && len > 0))
                return -EINVAL;

        mac = EVP_MAC_fetch(NULL, "CMAC", NULL);
        if (!mac)
                return -EIO;
        ctx = EVP_MAC_CTX_new(mac);
        params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, (char *) name, 0);
        params[1] = OSSL_PARAM_construct_end();
        ok = ctx && EVP_MAC_init(ctx, key, key_len, params) && EVP_MAC_update(ctx, data, len) &&
             EVP_MAC_final(ctx, full, &full_len, sizeof(full));
        EVP_MAC_CTX_free(ctx);
        EVP_MAC_free(mac);
        if (!ok || full_len < EG_MAC_SIZE)
                return -EIO;

        memcpy(out, full, EG_MAC_SIZE);
        return 0;
}

int eg_mac8(enum eg_cipher c, const uint8_t *key, const uint8_t *data, size_t len,
            uint8_t out[static EG_MAC_SIZE]) {
        if (c == EG_CIPHER_3DES)
                return eg_retail_mac(key, data, len, out);
        if (eg_cipher_block_size(c) == 16)
                return eg_aes_cmac8(key, eg_cipher_key_size(c), data, len, out);
        return -EINVAL;
}

size_t eg_pad(const uint8_t *in, size_t len, size_t block, uint8_t *out) {
        size_t padded = (len / block + 1) * block;

        if (len > 0 && in != out)
                memmove(out, in, len);
        out[len] = 0x80;
        memset(out + len + 1, 0, padded - len - 1);
        return padded;
}

int eg_unpad(const uint8_t *buf, size_t len, size_t *ret_len) {
        size_t i = len;

        while (i > 0 && buf[i - 1] == 0x00)
                i--;
        if (i == 0 || buf[i - 1] != 0x80)
                return -EBADMSG;
        *ret_len = i - 1;
        return 0;
}

bool eg_memeq(const void *a, const void *b, size_t len) {
        return CRYPTO_memcmp(a, b, len) == 0;
}

void eg_wipe(void *p, size_t len) {
        if (p && len > 0)
                OPENSSL_cleanse(p, len);
}

int eg_random_bytes(uint8_t *buf, size_t len) {
        if (len > INT32_MAX)
                return -EINVAL;
        return RAND_bytes(buf, (int) len) == 1 ? 0 : -EIO;
}
