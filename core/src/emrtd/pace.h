/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * PACE, terminal side (ICAO Doc 9303 Part 11 §4.4, TR-03110-2), with
 * OpenPACE (libeac) doing the protocol mathematics: EF.CardAccess is parsed
 * by libeac, then MSE:Set AT and the four GENERAL AUTHENTICATE steps
 * (encrypted nonce, mapping, key agreement, mutual authentication tokens)
 * run one APDU at a time so that the same code drives a chip synchronously
 * (tests) or through the asynchronous chip session.  Generic Mapping with
 * ECDH or DH; 3DES or AES session keys.
 *
 * The password is MRZ_information (K = SHA-1 of it) or the CAN.  Nothing
 * here logs.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "apdu.h"
#include "crypto-util.h"
#include "sm.h"

enum eg_pace_password {
        EG_PACE_MRZ = 1, /* password reference 01 */
        EG_PACE_CAN = 2, /* password reference 02 */
};

struct eg_pace;

/* Make libeac's object identifiers known to OpenSSL (idempotent, thread-safe). */
void eg_eac_init(void);

/* Whether EF.CardAccess offers a PACE variant we run (Generic Mapping). */
bool eg_pace_supported(const uint8_t *card_access, size_t len);

/* Set up from EF.CardAccess (as read; a SET OF SecurityInfo).
 * -EOPNOTSUPP if it offers no usable PACEInfo, -EINVAL for a bad password. */
int eg_pace_new(const uint8_t *card_access, size_t len, enum eg_pace_password type,
                const char *password, struct eg_pace **ret, const char **reason);
struct eg_pace *eg_pace_free(struct eg_pace *p);

/* The next command (valid until the next call), or 0 when PACE is done
 * (then eg_pace_session() gives the keys).  Returns 1 with *ret filled. */
int eg_pace_next_command(struct eg_pace *p, struct eg_capdu *ret, const char **reason);
/* The chip's plain answer to the last command.  -EACCES when the chip
 * refuses the password (63xx, or its token does not verify), -EBADMSG for a
 * malformed answer. */
int eg_pace_handle_response(struct eg_pace *p, const uint8_t *data, size_t len, uint16_t sw,
                            const char **reason);

/* After success: secure messaging with the negotiated cipher, SSC 0. */
int eg_pace_session(const struct eg_pace *p, struct eg_sm *sm);
enum eg_cipher eg_pace_cipher(const struct eg_pace *p);
