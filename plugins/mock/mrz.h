/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Just enough of ICAO Doc 9303 Part 3-5 for the mock: the three MRZ layouts,
 * the character set, the check digit and where the document number sits.
 * The mock never judges an MRZ (a deliberately wrong check digit is a test
 * case); the daemon does.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define MOCK_MRZ_MAX_LINES 3
#define MOCK_MRZ_MAX_LINE 44
#define MOCK_DOCUMENT_NUMBER_MAX 10 /* the 9-character field, NUL included */

enum mock_mrz_format {
        MOCK_MRZ_INVALID = 0,
        MOCK_MRZ_TD1, /* 3 x 30: ID cards */
        MOCK_MRZ_TD2, /* 2 x 36 */
        MOCK_MRZ_TD3, /* 2 x 44: passports */
};

struct mock_mrz {
        unsigned n_lines; /* 0: none */
        char lines[MOCK_MRZ_MAX_LINES][MOCK_MRZ_MAX_LINE + 1];
};

bool mock_mrz_char_is_valid(char c);
/* Line length of the layout with `n_lines` lines whose first line is
 * `first_length` characters long; 0 if no layout fits. */
size_t mock_mrz_expected_length(size_t n_lines, size_t first_length);
enum mock_mrz_format mock_mrz_format(const struct mock_mrz *m);
const char *mock_mrz_format_to_string(enum mock_mrz_format f);

/* ICAO 9303-3 §4.9: weights 7, 3, 1; '<' = 0, A-Z = 10..35.  -EINVAL on a
 * character outside the MRZ set. */
int mock_mrz_check_digit(const char *s, size_t len);

/* The document number field without its '<' filler.  -EINVAL if the MRZ has
 * no layout or the field is empty. */
int mock_mrz_document_number(const struct mock_mrz *m, char buf[static MOCK_DOCUMENT_NUMBER_MAX]);

/* Lines joined with '\n', no trailing newline.  Returns the length, or
 * -ENOBUFS if it does not fit into `size` bytes (NUL included). */
int mock_mrz_join(const struct mock_mrz *m, char *buf, size_t size);

/* The characters of every line concatenated, as stored in DG1 (5F1F). */
size_t mock_mrz_concat(const struct mock_mrz *m, char *buf, size_t size);
