/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Symmetric primitives of ICAO Doc 9303 Part 11 (BAC, PACE, CA and secure
 * messaging), every one through OpenSSL 3 EVP: 2-key 3DES-CBC, AES-CBC,
 * the ISO/IEC 9797-1 MAC algorithm 3 ("retail MAC"), AES-CMAC, ISO/IEC
 * 9797-1 padding method 2 and the key derivation function of §9.7.1.
 *
 * Functions return 0 or a negative errno; they never log (keys pass
 * through here).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum eg_cipher {
        EG_CIPHER_NONE = 0,
        EG_CIPHER_3DES, /* 2-key 3DES-CBC + retail MAC (BAC, PACE/CA with 3DES) */
        EG_CIPHER_AES128, /* AES-CBC + AES-CMAC (PACE, CA) */
        EG_CIPHER_AES192,
        EG_CIPHER_AES256,
};

#define EG_KEY_MAX 32
#define EG_BLOCK_MAX 16
#define EG_MAC_SIZE 8

/* KDF counters (ICAO 9303-11 §9.7.1). */
#define EG_KDF_ENC 1u
#define EG_KDF_MAC 2u
#define EG_KDF_PI 3u

const char *eg_cipher_to_string(enum eg_cipher c); /* "3DES", "AES-128", ... */
size_t eg_cipher_key_size(enum eg_cipher c); /* 16, 16, 24, 32; 0 if unknown */
size_t eg_cipher_block_size(enum eg_cipher c); /* 8 or 16; 0 if unknown */

/* Set the DES parity bit of every byte (odd parity). */
void eg_des_fix_parity(uint8_t *key, size_t len);

/* K = KDF(secret, counter): SHA-1 for 3DES (parity adjusted) and AES-128,
 * SHA-256 for AES-192/256.  out receives eg_cipher_key_size(c) bytes. */
int eg_kdf(enum eg_cipher c, const uint8_t *secret, size_t secret_len, uint32_t counter,
           uint8_t out[static EG_KEY_MAX]);

/* CBC without padding; len must be a multiple of the block size.  iv may be
 * NULL for an all-zero IV.  in and out may be the same buffer. */
int eg_cbc_encrypt(enum eg_cipher c, const uint8_t *key, const uint8_t *iv, const uint8_t *in,
                   size_t len, uint8_t *out);
int eg_cbc_decrypt(enum eg_cipher c, const uint8_t *key, const uint8_t *iv, const uint8_t *in,
                   size_t len, uint8_t *out);

/* ISO/IEC 9797-1 MAC algorithm 3 with DES (K = Ka ‖ Kb), over data already
 * padded to 8 bytes.  The single-DES part comes from OpenSSL's legacy
 * provider, loaded into a private library context (never the process-wide
 * one); without it, it runs as DES-EDE with Ka ‖ Ka. */
int eg_retail_mac(const uint8_t key[static 16], const uint8_t *data, size_t len,
                  uint8_t out[static EG_MAC_SIZE]);
/* Internal, for tests only: eg_retail_mac() as computed when the legacy
 * provider is missing (DES-EDE with Ka ‖ Ka), and whether eg_retail_mac()
 * really runs single DES from the legacy provider in this process. */
int eg_retail_mac_fallback(const uint8_t key[static 16], const uint8_t *data, size_t len,
                           uint8_t out[static EG_MAC_SIZE]);
bool eg_retail_mac_uses_single_des(void);

/* AES-CMAC truncated to 8 bytes (TR-03110 / ICAO 9303-11 §9.8.6.2). */
int eg_aes_cmac8(const uint8_t *key, size_t key_len, const uint8_t *data, size_t len,
                 uint8_t out[static EG_MAC_SIZE]);

/* The SM/authentication MAC for cipher c over already padded data. */
int eg_mac8(enum eg_cipher c, const uint8_t *key, const uint8_t *data, size_t len,
            uint8_t out[static EG_MAC_SIZE]);

/* ISO/IEC 9797-1 padding method 2: 0x80 then zeros up to a multiple of
 * `block`.  out must hold len + block bytes; returns the padded length. */
size_t eg_pad(const uint8_t *in, size_t len, size_t block, uint8_t *out);
/* The length without the padding, or -EBADMSG if it is not method 2. */
int eg_unpad(const uint8_t *buf, size_t len, size_t *ret_len);

/* Constant-time comparison. */
bool eg_memeq(const void *a, const void *b, size_t len);
void eg_wipe(void *p, size_t len);
int eg_random_bytes(uint8_t *buf, size_t len);
