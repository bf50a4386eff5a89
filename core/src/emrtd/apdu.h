/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ISO/IEC 7816-4 command and response APDUs: the four cases in short and
 * extended length.  Used by the terminal side (encode) and by the card
 * emulator (parse), so both read the same rules.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EG_APDU_SHORT_MAX_DATA 255u
#define EG_APDU_SHORT_MAX_LE 256u
#define EG_APDU_EXT_MAX_DATA 65535u
#define EG_APDU_EXT_MAX_LE 65536u
/* Header + extended Lc (3) + 65535 data + extended Le (2): the longest C-APDU. */
#define EG_CAPDU_MAX (4u + 3u + EG_APDU_EXT_MAX_DATA + 2u)
#define EG_RAPDU_MAX (EG_APDU_EXT_MAX_LE + 2u)

/* Status words used by the eMRTD protocols. */
#define EG_SW_OK 0x9000u
#define EG_SW_WRONG_LENGTH 0x6700u
#define EG_SW_SM_MISSING 0x6987u
#define EG_SW_SM_INCORRECT 0x6988u
#define EG_SW_SECURITY_NOT_SATISFIED 0x6982u
#define EG_SW_AUTH_FAILED 0x6300u
#define EG_SW_CONDITIONS 0x6985u
#define EG_SW_WRONG_DATA 0x6A80u
#define EG_SW_FILE_NOT_FOUND 0x6A82u
#define EG_SW_WRONG_P1P2 0x6B00u
#define EG_SW_INS_NOT_SUPPORTED 0x6D00u
#define EG_SW_CLA_NOT_SUPPORTED 0x6E00u
#define EG_SW_END_OF_FILE 0x6282u

struct eg_capdu {
        uint8_t cla, ins, p1, p2;
        const uint8_t *data; /* lc bytes, not owned */
        size_t lc;
        uint32_t le; /* bytes expected: 0 = no Le field; 256 / 65536 = "00" / "0000" */
        bool extended; /* force extended length fields (otherwise only when needed) */
};

/* Encode into out (capacity cap).  Returns the length, -EINVAL for
 * impossible field values, -ENOBUFS if cap is too small. */
int eg_capdu_encode(const struct eg_capdu *c, uint8_t *out, size_t cap);

/* Parse a C-APDU (cases 1, 2S/E, 3S/E, 4S/E).  data points into buf.
 * Returns 0 or -EBADMSG. */
int eg_capdu_parse(const uint8_t *buf, size_t len, struct eg_capdu *ret);

/* The status word of an R-APDU; -EBADMSG if shorter than two bytes. */
int eg_rapdu_sw(const uint8_t *buf, size_t len, uint16_t *ret_sw);

/* SW1 6x (but not 60) or 9x, as ISO/IEC 7816-4 §5.6 allows. */
bool eg_sw_is_valid(uint16_t sw);

/* 90xx, 61xx, 62xx, 63xx: "processing completed" (ISO/IEC 7816-4 §5.6); a card
 * protects these under secure messaging and sends the others plain. */
bool eg_sw_is_completed(uint16_t sw);
