/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Chip Authentication v1, terminal side (ICAO Doc 9303 Part 11 §6.2,
 * TR-03110-1 §3.3): an ephemeral ECDH key against the chip's static key
 * from DG14, new session keys KDF(K, 1/2), and secure messaging restarted
 * with SSC 0.  3DES uses MSE:Set KAT; AES uses MSE:Set AT + GENERAL
 * AUTHENTICATE.  The chip proves it holds the private key by answering
 * correctly under the new keys: the caller sends one more protected command
 * and treats a MAC failure as a clone.
 */
#pragma once

#include <openssl/evp.h>
#include <stddef.h>
#include <stdint.h>

#include "apdu.h"
#include "crypto-util.h"
#include "security-infos.h"
#include "sm.h"

#define EG_CA_PUBLIC_KEY_MAX 133 /* uncompressed point on a 521-bit curve */

struct eg_chip_auth {
        enum eg_cipher cipher;
        long key_id;
        uint8_t oid[16];
        size_t oid_len;
        uint8_t eph_pub[EG_CA_PUBLIC_KEY_MAX];
        size_t eph_pub_len;
        uint8_t k_enc[EG_KEY_MAX];
        uint8_t k_mac[EG_KEY_MAX];
        uint8_t data[2][EG_CA_PUBLIC_KEY_MAX + 32]; /* command data fields */
};

/* Key agreement with the DG14 key.  -EOPNOTSUPP (with *reason) when DG14
 * offers no usable ECDH Chip Authentication. */
int eg_chip_auth_prepare(struct eg_chip_auth *ca, const struct eg_security_infos *si,
                         const char **reason);

/* 1 command for 3DES (MSE:Set KAT), 2 for AES (MSE:Set AT, GENERAL AUTHENTICATE). */
unsigned eg_chip_auth_n_commands(const struct eg_chip_auth *ca);
void eg_chip_auth_command(struct eg_chip_auth *ca, unsigned i, struct eg_capdu *ret);
/* The plain answer to command i: 0, or -EBADMSG with *reason. */
int eg_chip_auth_check_response(const struct eg_chip_auth *ca, unsigned i, const uint8_t *data,
                                size_t len, uint16_t sw, const char **reason);

/* Restart secure messaging under the new keys (SSC 0). */
int eg_chip_auth_session(const struct eg_chip_auth *ca, struct eg_sm *sm);
void eg_chip_auth_clear(struct eg_chip_auth *ca);

/* The shared secret of an ECDH key agreement (the x coordinate), for both
 * sides: `own` with its private key, `peer` public.  Returns its length. */
int eg_ecdh_shared_secret(EVP_PKEY *own, EVP_PKEY *peer, uint8_t *out, size_t cap);
/* The public key of `key` as an uncompressed point; returns its length. */
int eg_ec_public_point(EVP_PKEY *key, uint8_t *out, size_t cap);
/* `pub` (an uncompressed point) as a key on the group of `params`. */
int eg_ec_public_key_from_point(EVP_PKEY *params, const uint8_t *pub, size_t len, EVP_PKEY **ret);
