/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Active Authentication (ICAO Doc 9303 Part 11 §6.1): the chip signs a
 * terminal challenge with the private key behind DG15, proving it is not a
 * copy.  RSA signatures use ISO/IEC 9796-2 digital signature scheme 1
 * (partial message recovery, SHA-1 with trailer BC or an explicit hash
 * identifier); ECDSA signatures are plain r ‖ s (BSI TR-03111).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "apdu.h"

#define EG_AA_CHALLENGE_LEN 8

/* INTERNAL AUTHENTICATE with the challenge.  expected: the signature length
 * (eg_aa_signature_length()), so that a protected answer stays short when it
 * can; 0 asks for up to 256 bytes. */
void eg_aa_command(const uint8_t challenge[static EG_AA_CHALLENGE_LEN], size_t expected,
                   struct eg_capdu *ret);

/* The signature length DG15's key gives (RSA: the modulus, ECDSA: r ‖ s), or
 * -EBADMSG if DG15 holds no usable key. */
int eg_aa_signature_length(const uint8_t *dg15, size_t dg15_len);

/*
 * Verify the chip's answer.  dg15: as read (tag 6F around a
 * SubjectPublicKeyInfo).  digest_nid: for ECDSA, the hash named by DG14's
 * ActiveAuthenticationInfo, or NID_undef to accept any of SHA-1/-224/-256/
 * -384/-512 (some chips omit the info).  Returns 0 when the signature is
 * valid; -EBADMSG ("signature does not verify", malformed DG15 or
 * signature) or -EOPNOTSUPP (key type) with *reason.
 */
int eg_aa_verify(const uint8_t *dg15, size_t dg15_len, int digest_nid,
                 const uint8_t challenge[static EG_AA_CHALLENGE_LEN], const uint8_t *sig,
                 size_t sig_len, const char **reason);
