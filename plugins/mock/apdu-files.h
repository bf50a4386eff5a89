/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A tiny plain ISO/IEC 7816-4 file server standing in for an eMRTD chip
 * without access control: the LDS1 application (AID A0 00 00 02 47 10 01)
 * with EF.COM (011E) and DG1 (0101, the MRZ as ICAO 9303-10 encodes it).
 *
 * BAC/PACE secure messaging comes later and will wrap this: it stays a
 * separate, pure module that only maps a C-APDU to an R-APDU.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mrz.h"

#define MOCK_APDU_FILES 2
#define MOCK_APDU_FILE_MAX 128
/* The largest R-APDU: 256 data bytes and SW1 SW2. */
#define MOCK_RAPDU_MAX 258

struct mock_apdu_file {
        uint16_t fid;
        uint8_t sfi; /* short EF identifier */
        uint8_t data[MOCK_APDU_FILE_MAX];
        size_t len;
};

struct mock_apdu_server {
        struct mock_apdu_file files[MOCK_APDU_FILES];
        bool application_selected;
        int current; /* index into files, -1: no EF selected */
};

/* A fresh chip (nothing selected) whose DG1 carries `dg1_mrz`. */
int mock_apdu_server_init(struct mock_apdu_server *s, const struct mock_mrz *dg1_mrz);
/* Back to the state after power-up (a new connection). */
void mock_apdu_server_reset(struct mock_apdu_server *s);

/* Answer one C-APDU (short or extended form).  Malformed commands get a
 * status word (6700, 6E00, 6D00, ...), never an error.  `rapdu` must hold
 * MOCK_RAPDU_MAX bytes; returns the R-APDU length (at least 2). */
size_t mock_apdu_process(struct mock_apdu_server *s, const uint8_t *capdu, size_t len,
                         uint8_t rapdu[static MOCK_RAPDU_MAX]);

/* BER-TLV: tag (one or two bytes), definite length, value.  Returns the
 * encoded size, or 0 if it does not fit into `size`. */
size_t mock_ber_tlv(uint8_t *buf, size_t size, uint16_t tag, const uint8_t *value, size_t len);
