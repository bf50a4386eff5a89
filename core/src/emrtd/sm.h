/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Secure messaging, terminal side (ICAO Doc 9303 Part 11 §9.8): protect a
 * command APDU, verify and decrypt a response.
 *
 * 3DES (after BAC, or PACE/CA with 3DES): 8-byte SSC, 3DES-CBC with a zero
 * IV, retail MAC.  AES (PACE, CA): 16-byte SSC, AES-CBC with IV =
 * E(K_Enc, SSC), AES-CMAC truncated to 8 bytes.  The SSC is incremented
 * before every command and before every response.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "apdu.h"
#include "crypto-util.h"

struct eg_sm {
        enum eg_cipher cipher; /* EG_CIPHER_NONE: no secure messaging */
        uint8_t k_enc[EG_KEY_MAX];
        uint8_t k_mac[EG_KEY_MAX];
        uint8_t ssc[EG_BLOCK_MAX]; /* eg_cipher_block_size() bytes, big-endian */
};

/* ssc: block-size bytes, or NULL for zero (PACE, CA). */
int eg_sm_init(struct eg_sm *sm, enum eg_cipher c, const uint8_t *k_enc, const uint8_t *k_mac,
               const uint8_t *ssc);
void eg_sm_clear(struct eg_sm *sm);
bool eg_sm_active(const struct eg_sm *sm);
void eg_sm_increment_ssc(struct eg_sm *sm);

/* The IV for the current SSC: zero for 3DES, E(K_Enc, SSC) for AES. */
int eg_sm_iv(const struct eg_sm *sm, uint8_t iv[static EG_BLOCK_MAX]);
/* MAC over pad(SSC ‖ input) with the current SSC. */
int eg_sm_mac(const struct eg_sm *sm, const uint8_t *input, size_t len,
              uint8_t out[static EG_MAC_SIZE]);

/* Protect `plain` (its CLA must not already indicate SM) into out.  The
 * outer APDU uses extended length when the plain one does, or when the
 * protected command or the expected protected response would not fit a
 * short APDU.  Increments the SSC. */
int eg_sm_wrap(struct eg_sm *sm, const struct eg_capdu *plain, uint8_t *out, size_t cap,
               size_t *ret_len);

/*
 * Verify and decrypt a response.  Increments the SSC.  On success the
 * plain data goes to out (capacity cap) and the status word (from DO99) to
 * *ret_sw.  A bare status word other than 9000 (cards send errors without
 * SM) is passed through with no data.  Errors, with *reason set:
 *   -EBADMSG  malformed data objects, missing DO8E/DO99, bad padding, or
 *             "response MAC mismatch"
 *   -ENOBUFS  the data does not fit in cap
 */
int eg_sm_unwrap(struct eg_sm *sm, const uint8_t *rapdu, size_t len, uint8_t *out, size_t cap,
                 size_t *ret_data_len, uint16_t *ret_sw, const char **reason);

/* The protected response size for `le` plain bytes (DO87 + DO99 + DO8E + SW). */
size_t eg_sm_response_size(enum eg_cipher c, size_t le);
