/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A SubjectPublicKeyInfo from a chip (DG14's Chip Authentication key, DG15's
 * Active Authentication key) as an EVP_PKEY.
 */
#pragma once

#include <openssl/evp.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Parse exactly `len` bytes of DER.  0 and *ret (the caller frees it), or
 * -EBADMSG for anything but one valid public key, -ENOMEM.
 *
 * OpenSSL 3.0's d2i_PUBKEY() builds a decoder chain across the providers on
 * every call, 100 us each on our machines.  An EC key on a named curve (what
 * chips of the last decade carry) goes through EVP_PKEY_fromdata() instead,
 * a fifth of that; the point is still checked to lie on the curve.  Every
 * other key (RSA, explicit curve parameters, DH) takes d2i_PUBKEY().
 */
int eg_spki_parse(const uint8_t *der, size_t len, EVP_PKEY **ret);
