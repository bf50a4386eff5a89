/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * DG14 SecurityInfos (ICAO Doc 9303 Part 11 §9.2): what the chip offers
 * for Chip Authentication (ChipAuthenticationInfo, ...PublicKeyInfo) and
 * which signature algorithm its Active Authentication uses
 * (ActiveAuthenticationInfo).  Parsed with OpenSSL ASN.1 templates; every
 * unknown SecurityInfo is skipped, as the standard asks.
 */
#pragma once

#include <openssl/evp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto-util.h"

struct eg_security_infos {
        /* Chip Authentication v1: ChipAuthenticationInfo with ECDH and the
         * matching id-PK-ECDH public key (by keyId when given). */
        bool has_ca_info;
        bool ca_ecdh; /* id-CA-ECDH-* (DH is not supported) */
        enum eg_cipher ca_cipher;
        long ca_version;
        long ca_key_id; /* -1 if absent */
        uint8_t ca_oid[16]; /* DER value bytes of the protocol OID (MSE:Set AT) */
        size_t ca_oid_len;
        EVP_PKEY *ca_public_key; /* NULL if no usable public key */

        /* Active Authentication. */
        bool has_aa_info;
        int aa_digest_nid; /* NID_undef if none */

        unsigned n_infos; /* SecurityInfo elements seen */
};

/* dg14: as read, tag 6E included.  -EBADMSG with *reason if it is not
 * a SET OF SecurityInfo. */
int eg_security_infos_parse_dg14(const uint8_t *dg14, size_t len, struct eg_security_infos *ret,
                                 const char **reason);
void eg_security_infos_done(struct eg_security_infos *si);
