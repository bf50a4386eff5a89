/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Machine readable zone (ICAO Doc 9303 Parts 3-6): TD1 (3 x 30), TD2
 * (2 x 36) and TD3 (2 x 44).  Strict: every check digit, every field format
 * and every date is validated, and the first problem is reported with its
 * line and column.  Error messages never quote the MRZ (personal data); they
 * name the field and position only.
 *
 * Two-digit years (see docs/emrtd.md):
 *   birth date:  the latest century that does not put the date after today;
 *   expiry date: the century that puts it in [today - 85 years,
 *                today + 15 years).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "date.h"

enum eg_mrz_format {
        EG_MRZ_FORMAT_INVALID = 0,
        EG_MRZ_TD1, /* 3 x 30, ID cards */
        EG_MRZ_TD2, /* 2 x 36 */
        EG_MRZ_TD3, /* 2 x 44, passports */
};

enum eg_mrz_error_code {
        EG_MRZ_OK = 0,
        EG_MRZ_E_LAYOUT, /* line count / line lengths match no format */
        EG_MRZ_E_CHARSET, /* a character outside A-Z 0-9 '<' */
        EG_MRZ_E_CHECK_DIGIT_DOCUMENT_NUMBER,
        EG_MRZ_E_CHECK_DIGIT_BIRTH,
        EG_MRZ_E_CHECK_DIGIT_EXPIRY,
        EG_MRZ_E_CHECK_DIGIT_OPTIONAL, /* TD3 personal number */
        EG_MRZ_E_CHECK_DIGIT_COMPOSITE,
        EG_MRZ_E_DOCUMENT_CODE, /* not P (TD3) / A, C, I (TD1, TD2) */
        EG_MRZ_E_DOCUMENT_NUMBER, /* empty */
        EG_MRZ_E_COUNTRY, /* issuing state / nationality not letters + fillers */
        EG_MRZ_E_DATE, /* not a calendar date, or expiry before birth */
        EG_MRZ_E_DATE_UNKNOWN, /* date (partly) filled with '<': not supported */
        EG_MRZ_E_SEX, /* not M, F, X or '<' */
        EG_MRZ_E_NAME, /* no primary identifier, or digits in the name */
        _EG_MRZ_E_MAX,
};

struct eg_mrz_error {
        enum eg_mrz_error_code code;
        unsigned line; /* 1-based; 0 when not tied to a position */
        unsigned column; /* 1-based; 0 when not tied to a position */
        char message[160];
};

#define EG_MRZ_DOCUMENT_NUMBER_MAX 22 /* TD1 long number: 9 + 13 */
/* Longest document number + check digit + birth date + CD + expiry + CD. */
#define EG_MRZ_INFORMATION_MAX (EG_MRZ_DOCUMENT_NUMBER_MAX + 1 + 7 + 7)

/* Text fields are NUL-terminated with trailing fillers removed. */
struct eg_mrz {
        enum eg_mrz_format format;
        char document_code[3]; /* "P", "ID", "I", ... */
        char issuing_state[4]; /* "UTO", "D" */
        char document_number[EG_MRZ_DOCUMENT_NUMBER_MAX + 1];
        char nationality[4];
        struct eg_date birth_date;
        char sex; /* 'M', 'F', 'X', or '<' (unspecified) */
        struct eg_date expiry_date;
        /* TD3: personal number (29-42); TD2: 29-35; TD1: line 1 16-30 (after
         * the tail of a long document number). */
        char optional_data1[16];
        char optional_data2[12]; /* TD1 only: line 2 19-29 */
        char primary_identifier[40]; /* surname(s), '<' turned into spaces */
        char secondary_identifier[40]; /* given names, '<' runs turned into one space */
        /* BAC/PACE key seed input (Doc 9303 Part 11): the 9-character
         * document number field as printed (with fillers), or the full long
         * number, then its check digit, birth date YYMMDD + CD, expiry
         * YYMMDD + CD. */
        char mrz_information[EG_MRZ_INFORMATION_MAX + 1];
};

/* Parse an MRZ of lines separated by '\n' ("\r\n" tolerated, at most one
 * trailing line break).  Returns 0; -EBADMSG with *err filled (err may be
 * NULL); or -EINVAL for NULL text/ret or an invalid today. */
int eg_mrz_parse(const char *text, const struct eg_date *today, struct eg_mrz *ret,
                 struct eg_mrz_error *err);

/* Same for the lines concatenated without separators, as stored in DG1
 * (88, 72 or 90 bytes; len is exact, the buffer need not be NUL-terminated). */
int eg_mrz_parse_concatenated(const char *buf, size_t len, const struct eg_date *today,
                              struct eg_mrz *ret, struct eg_mrz_error *err);

/* ICAO check digit (weights 7, 3, 1) of n characters: 0..9, or -EINVAL if a
 * character is outside A-Z 0-9 '<'. */
int eg_mrz_check_digit(const char *s, size_t n);

/* Every field equal (the "printed MRZ matches DG1" check). */
bool eg_mrz_equal_data(const struct eg_mrz *a, const struct eg_mrz *b);

/* Overwrite the personal data in *m. */
void eg_mrz_wipe(struct eg_mrz *m);

const char *eg_mrz_format_to_string(enum eg_mrz_format f);
const char *eg_mrz_error_code_to_string(enum eg_mrz_error_code c);
