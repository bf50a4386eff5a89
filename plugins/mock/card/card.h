/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * An in-process ISO/IEC 7816-4 eMRTD chip, card side: the LDS application
 * (AID A0 00 00 02 47 10 01) with BAC enforced, secure messaging on every
 * command after it, PACE (Generic Mapping, libeac on the card side),
 * INTERNAL AUTHENTICATE for Active Authentication, Chip Authentication v1,
 * READ BINARY with offsets in short and extended length, and fault knobs
 * for the negative tests.  The mock plugin's chip reader answers with it,
 * and the eMRTD unit tests read it; the chip reader emulators (pcscd/vpcd,
 * PN532) can use it later.  Static library egate-mock-card: it is built even
 * with -Dtests=false, for the mock plugin.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "test-passport.h"

struct eg_test_card_faults {
        unsigned remove_after; /* APDUs answered before the chip "leaves" (-ENODEV); 0 never */
        unsigned delay_ms; /* per APDU, for the transport to apply: a slow chip */
        bool corrupt_response_mac; /* flip a bit in every response DO8E */
        bool bogus_response_length; /* DO87 in responses claims more bytes than follow */
        bool no_bac_enforcement; /* plain SELECT/READ BINARY allowed (like upstream vicc) */
        bool wrong_key_sw_6988; /* a wrong BAC key gets 6988 instead of 6300 */
        unsigned max_read; /* READ BINARY answers at most this many bytes; 0: Le */
        bool short_only; /* extended-length APDUs get 6700 */
        bool aa_wrong_signature; /* INTERNAL AUTHENTICATE signs something else */
        bool ca_wrong_key; /* Chip Authentication with another private key */
        bool plain_error_no_ssc; /* plain error answers do not count in the SSC */
};

struct eg_test_card;

/* The passport must outlive the card. */
struct eg_test_card *eg_test_card_new(const struct eg_test_passport *p);
void eg_test_card_free(struct eg_test_card *c);
void eg_test_card_set_faults(struct eg_test_card *c, const struct eg_test_card_faults *f);
const struct eg_test_card_faults *eg_test_card_faults(const struct eg_test_card *c);

/* ATR (or the PC/SC ATR built from the ATS). */
const uint8_t *eg_test_card_atr(const struct eg_test_card *c, size_t *ret_len);

/* One C-APDU in, one R-APDU (data ‖ SW1 SW2) out.  rapdu must hold
 * EG_RAPDU_MAX + 64 bytes.  Returns 0, or -ENODEV once the chip has been
 * "removed" (fault knob). */
int eg_test_card_transmit(struct eg_test_card *c, const uint8_t *capdu, size_t len, uint8_t *rapdu,
                          size_t *ret_len);

/* Counters for assertions. */
unsigned eg_test_card_n_apdus(const struct eg_test_card *c);
bool eg_test_card_secure_messaging(const struct eg_test_card *c);
/* Back to power-on state (field reset); faults stay. */
void eg_test_card_reset(struct eg_test_card *c);
