/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * MRZ parser: ICAO specimens, every single-character corruption of them,
 * long document numbers, date windowing, and the date helpers.
 *
 * Test MRZs other than the ICAO specimens were generated with an
 * independent check digit implementation (not the code under test).
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "emrtd/mrz.h"

static const struct eg_date today = { 2026, 11, 27 };

#define TD3_L1 "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<"
#define TD3_L2 "L898902C36UTO7408122F1204159ZE184226B<<<<<10"
#define TD3_OLD_L2 "L898902C<3UTO6908061F9406236ZE184226B<<<<<14"
#define TD1_L1 "I<UTOD231458907<<<<<<<<<<<<<<<"
#define TD1_L2 "7408122F1204159UTO<<<<<<<<<<<6"
#define TD1_L3 "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"
#define TD2_L1 "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<"
#define TD2_L2 "D231458907UTO7408122F1204159<<<<<<<6"

static int parse(const char *text, struct eg_mrz *m, struct eg_mrz_error *e) {
        return eg_mrz_parse(text, &today, m, e);
}

static void assert_date(const struct eg_date *d, int y, int m, int day) {
        assert_int_equal(d->year, y);
        assert_int_equal(d->month, m);
        assert_int_equal(d->day, day);
}

static void assert_error(const char *text, enum eg_mrz_error_code code, unsigned line,
                         unsigned column) {
        struct eg_mrz m;
        struct eg_mrz_error e;

        assert_int_equal(parse(text, &m, &e), -EBADMSG);
        if (e.code != code)
                fail_msg("expected %s, got %s (%s)", eg_mrz_error_code_to_string(code),
                         eg_mrz_error_code_to_string(e.code), e.message);
        assert_int_equal(e.line, line);
        assert_int_equal(e.column, column);
        assert_true(strlen(e.message) > 0);
}

static void test_check_digit(void **state) {
        assert_int_equal(eg_mrz_check_digit("L898902C3", 9), 6);
        assert_int_equal(eg_mrz_check_digit("740812", 6), 2);
        assert_int_equal(eg_mrz_check_digit("120415", 6), 9);
        assert_int_equal(eg_mrz_check_digit("L898902C<", 9), 3);
        assert_int_equal(eg_mrz_check_digit("<<<<<<<<<", 9), 0);
        assert_int_equal(eg_mrz_check_digit("", 0), 0);
        assert_int_equal(eg_mrz_check_digit("AB", 2), (10 * 7 + 11 * 3) % 10);
        assert_int_equal(eg_mrz_check_digit("a", 1), -EINVAL);
        assert_int_equal(eg_mrz_check_digit("1 2", 3), -EINVAL);
        assert_int_equal(eg_mrz_check_digit(NULL, 1), -EINVAL);
}

static void test_td3_specimen(void **state) {
        struct eg_mrz m;
        struct eg_mrz_error e;

        assert_int_equal(parse(TD3_L1 "\n" TD3_L2, &m, &e), 0);
        assert_int_equal(e.code, EG_MRZ_OK);
        assert_int_equal(m.format, EG_MRZ_TD3);
        assert_string_equal(m.document_code, "P");
        assert_string_equal(m.issuing_state, "UTO");
        assert_string_equal(m.document_number, "L898902C3");
        assert_string_equal(m.nationality, "UTO");
        assert_date(&m.birth_date, 1974, 8, 12);
        assert_int_equal(m.sex, 'F');
        assert_date(&m.expiry_date, 2012, 4, 15);
        assert_string_equal(m.optional_data1, "ZE184226B");
        assert_string_equal(m.optional_data2, "");
        assert_string_equal(m.primary_identifier, "ERIKSSON");
        assert_string_equal(m.secondary_identifier, "ANNA MARIA");
        assert_string_equal(m.mrz_information, "L898902C3674081221204159");

        /* The BAC test vector's MRZ information (Doc 9303 Part 11). */
        assert_int_equal(parse(TD3_L1 "\n" TD3_OLD_L2 "\n", &m, &e), 0);
        assert_string_equal(m.document_number, "L898902C");
        assert_date(&m.birth_date, 1969, 8, 6);
        assert_date(&m.expiry_date, 1994, 6, 23);
        assert_string_equal(m.mrz_information, "L898902C<369080619406236");
}

static void test_td1_specimen(void **state) {
        struct eg_mrz m;
        struct eg_mrz_error e;

        assert_int_equal(parse(TD1_L1 "\n" TD1_L2 "\n" TD1_L3, &m, &e), 0);
        assert_int_equal(m.format, EG_MRZ_TD1);
        assert_string_equal(m.document_code, "I");
        assert_string_equal(m.issuing_state, "UTO");
        assert_string_equal(m.document_number, "D23145890");
        assert_string_equal(m.nationality, "UTO");
        assert_date(&m.birth_date, 1974, 8, 12);
        assert_int_equal(m.sex, 'F');
        assert_date(&m.expiry_date, 2012, 4, 15);
        assert_string_equal(m.optional_data1, "");
        assert_string_equal(m.optional_data2, "");
        assert_string_equal(m.primary_identifier, "ERIKSSON");
        assert_string_equal(m.secondary_identifier, "ANNA MARIA");
        assert_string_equal(m.mrz_information, "D23145890774081221204159");
}

static void test_td2_specimen(void **state) {
        struct eg_mrz m;
        struct eg_mrz_error e;

        assert_int_equal(parse(TD2_L1 "\r\n" TD2_L2 "\r\n", &m, &e), 0);
        assert_int_equal(m.format, EG_MRZ_TD2);
        assert_string_equal(m.document_code, "I");
        assert_string_equal(m.document_number, "D23145890");
        assert_date(&m.birth_date, 1974, 8, 12);
        assert_date(&m.expiry_date, 2012, 4, 15);
        assert_string_equal(m.optional_data1, "");
        assert_string_equal(m.primary_identifier, "ERIKSSON");
        assert_string_equal(m.secondary_identifier, "ANNA MARIA");
        assert_string_equal(m.mrz_information, "D23145890774081221204159");
}

static void test_long_document_numbers(void **state) {
        struct eg_mrz m;
        struct eg_mrz_error e;

        assert_int_equal(parse("I<UTOD23145890<7349<AB<<<<<<<<\n"
                               "7408122F3004157UTOXY<<<<<<<<<8\n" TD1_L3,
                               &m, &e),
                         0);
        assert_string_equal(m.document_number, "D23145890734");
        assert_string_equal(m.optional_data1, "AB");
        assert_string_equal(m.optional_data2, "XY");
        assert_string_equal(m.mrz_information, "D23145890734974081223004157");

        /* The longest a TD1 can hold: 22 characters. */
        assert_int_equal(parse("I<UTOD23145890<73401234567896<\n"
                               "7408122F3004157UTO<<<<<<<<<<<2\n" TD1_L3,
                               &m, &e),
                         0);
        assert_string_equal(m.document_number, "D231458907340123456789");
        assert_int_equal(strlen(m.document_number), EG_MRZ_DOCUMENT_NUMBER_MAX);
        assert_string_equal(m.mrz_information, "D231458907340123456789674081223004157");
        assert_string_equal(m.optional_data1, "");

        /* Not terminated by a filler: no way to find the check digit. */
        assert_error("I<UTOD23145890<73401234567896X\n"
                     "7408122F3004157UTO<<<<<<<<<<<2\n" TD1_L3,
                     EG_MRZ_E_CHECK_DIGIT_DOCUMENT_NUMBER, 1, 15);
        /* Continuation of only one character (just a check digit). */
        assert_error("I<UTOD23145890<7<<<<<<<<<<<<<<\n"
                     "7408122F3004157UTO<<<<<<<<<<<2\n" TD1_L3,
                     EG_MRZ_E_CHECK_DIGIT_DOCUMENT_NUMBER, 1, 15);
        /* Wrong check digit at the end of the continuation: reported there. */
        assert_error("I<UTOD23145890<7348<AB<<<<<<<<\n"
                     "7408122F3004157UTOXY<<<<<<<<<8\n" TD1_L3,
                     EG_MRZ_E_CHECK_DIGIT_DOCUMENT_NUMBER, 1, 19);
        /* Principal part ending in a filler cannot be a long number. */
        assert_error("I<UTOD2314589<<7349<AB<<<<<<<<\n"
                     "7408122F3004157UTOXY<<<<<<<<<8\n" TD1_L3,
                     EG_MRZ_E_CHECK_DIGIT_DOCUMENT_NUMBER, 1, 15);

        assert_int_equal(parse(TD2_L1 "\n"
                                      "D23145890<UTO7408122F30041571233<<<0",
                               &m, &e),
                         0);
        assert_string_equal(m.document_number, "D23145890123");
        assert_string_equal(m.mrz_information, "D23145890123374081223004157");

        assert_int_equal(parse(TD3_L1 "\n"
                                      "X12345678<UTO7408122M3004157901232<Z9<<<<<37",
                               &m, &e),
                         0);
        assert_string_equal(m.document_number, "X1234567890123");
        assert_string_equal(m.optional_data1, "Z9");
        assert_string_equal(m.mrz_information, "X1234567890123274081223004157");
}

static void test_personal_number_fillers(void **state) {
        struct eg_mrz m;
        struct eg_mrz_error e;

        assert_int_equal(parse(TD3_L1 "\nL898902C36UTO7408122F3004157<<<<<<<<<<<<<<<4", &m, &e), 0);
        assert_string_equal(m.optional_data1, "");
        assert_int_equal(parse(TD3_L1 "\nL898902C36UTO7408122F3004157<<<<<<<<<<<<<<04", &m, &e), 0);
        /* '<' is only a valid check digit for an all-filler field. */
        assert_error(TD3_L1 "\nL898902C36UTO7408122F1204159ZE184226B<<<<<<0",
                     EG_MRZ_E_CHECK_DIGIT_OPTIONAL, 2, 43);
}

static void test_layout_and_separators(void **state) {
        struct eg_mrz m;
        struct eg_mrz_error e;

        assert_int_equal(parse(TD3_L1 "\r\n" TD3_L2 "\n", &m, &e), 0);
        assert_int_equal(parse(TD3_L1 "\n" TD3_L2 "\r\n", &m, &e), 0);

        assert_error(TD3_L1 "\n" TD3_L2 "\n\n", EG_MRZ_E_LAYOUT, 0, 0);
        assert_error("\n" TD3_L1 "\n" TD3_L2, EG_MRZ_E_LAYOUT, 0, 0);
        assert_error(TD3_L1 "\n\n" TD3_L2, EG_MRZ_E_LAYOUT, 0, 0);
        assert_error(TD3_L1 " \n" TD3_L2, EG_MRZ_E_LAYOUT, 0, 0);
        assert_error(TD3_L1 "\r" TD3_L2, EG_MRZ_E_LAYOUT, 0, 0);
        assert_error(TD3_L1 "\n" TD3_L2 "\r", EG_MRZ_E_LAYOUT, 0, 0);
        assert_error(TD3_L1 TD3_L2, EG_MRZ_E_LAYOUT, 0, 0);
        assert_error(TD3_L1, EG_MRZ_E_LAYOUT, 0, 0);
        assert_error("", EG_MRZ_E_LAYOUT, 0, 0);
        assert_error("\n", EG_MRZ_E_LAYOUT, 0, 0);
        assert_error(TD1_L1 "\n" TD1_L2, EG_MRZ_E_LAYOUT, 0, 0);
        assert_error(TD1_L1 "\n" TD1_L2 "\n" TD1_L3 "\n" TD1_L3, EG_MRZ_E_LAYOUT, 0, 0);
        assert_error(TD3_L1 "\n" TD2_L2, EG_MRZ_E_LAYOUT, 0, 0);

        /* Over-long input is refused without being scanned to its end. */
        char *big = malloc(100001);
        assert_non_null(big);
        memset(big, '<', 100000);
        big[100000] = '\0';
        assert_error(big, EG_MRZ_E_LAYOUT, 0, 0);
        free(big);

        /* The layout message mentions lengths, not content. */
        assert_int_equal(parse(TD3_L1 "\nABC", &m, &e), -EBADMSG);
        assert_non_null(strstr(e.message, "44, 3"));
        assert_null(strstr(e.message, "ABC"));

        /* err may be NULL; bad arguments are -EINVAL. */
        assert_int_equal(eg_mrz_parse("x", &today, &m, NULL), -EBADMSG);
        assert_int_equal(eg_mrz_parse(NULL, &today, &m, &e), -EINVAL);
        assert_int_equal(eg_mrz_parse(TD3_L1 "\n" TD3_L2, NULL, &m, &e), -EINVAL);
        assert_int_equal(eg_mrz_parse(TD3_L1 "\n" TD3_L2, &today, NULL, &e), -EINVAL);
        const struct eg_date bad = { 2026, 2, 30 };
        assert_int_equal(eg_mrz_parse(TD3_L1 "\n" TD3_L2, &bad, &m, &e), -EINVAL);
}

static void test_charset(void **state) {
        assert_error(TD3_L1 "\nL898902c36UTO7408122F1204159ZE184226B<<<<<10", EG_MRZ_E_CHARSET, 2,
                     8);
        assert_error("P<UTOERIKSSON<<ANNA MARIA<<<<<<<<<<<<<<<<<<<\n" TD3_L2, EG_MRZ_E_CHARSET, 1,
                     20);
        assert_error("P<UTOERIKSSON<<ANNA\tMARIA<<<<<<<<<<<<<<<<<<<\n" TD3_L2, EG_MRZ_E_CHARSET, 1,
                     20);
        assert_error("P<UTOERIKSSON<<ANN\xc3\x84MARIA<<<<<<<<<<<<<<<<<<<\n" TD3_L2,
                     EG_MRZ_E_CHARSET, 1, 19);
        assert_error(TD1_L1 "\n" TD1_L2 "\nERIKSSON<<ANNA<MARIA<<<<<<<<<\x7f", EG_MRZ_E_CHARSET, 3,
                     30);
}

static void test_concatenated(void **state) {
        struct eg_mrz m, n;
        struct eg_mrz_error e;
        const char dg1[] = TD3_L1 TD3_L2;

        assert_int_equal(eg_mrz_parse_concatenated(dg1, 88, &today, &m, &e), 0);
        assert_int_equal(parse(TD3_L1 "\n" TD3_L2, &n, &e), 0);
        assert_true(eg_mrz_equal_data(&m, &n));

        assert_int_equal(eg_mrz_parse_concatenated(TD1_L1 TD1_L2 TD1_L3, 90, &today, &m, &e), 0);
        assert_int_equal(m.format, EG_MRZ_TD1);
        assert_int_equal(eg_mrz_parse_concatenated(TD2_L1 TD2_L2, 72, &today, &m, &e), 0);
        assert_int_equal(m.format, EG_MRZ_TD2);

        assert_int_equal(eg_mrz_parse_concatenated(dg1, 87, &today, &m, &e), -EBADMSG);
        assert_int_equal(e.code, EG_MRZ_E_LAYOUT);
        assert_int_equal(eg_mrz_parse_concatenated(NULL, 0, &today, &m, &e), -EINVAL);

        /* Embedded NUL: a charset error at its position, no early stop. */
        char with_nul[88];
        memcpy(with_nul, dg1, 88);
        with_nul[50] = '\0';
        assert_int_equal(eg_mrz_parse_concatenated(with_nul, 88, &today, &m, &e), -EBADMSG);
        assert_int_equal(e.code, EG_MRZ_E_CHARSET);
        assert_int_equal(e.line, 2);
        assert_int_equal(e.column, 7);
}

static void test_check_digit_errors(void **state) {
        struct eg_mrz m;
        struct eg_mrz_error e;

        assert_error(TD3_L1 "\nL898902C37UTO7408122F1204159ZE184226B<<<<<10",
                     EG_MRZ_E_CHECK_DIGIT_DOCUMENT_NUMBER, 2, 10);
        assert_error(TD3_L1 "\nL898902C36UTO7408123F1204159ZE184226B<<<<<10",
                     EG_MRZ_E_CHECK_DIGIT_BIRTH, 2, 20);
        assert_error(TD3_L1 "\nL898902C36UTO7408122F1204153ZE184226B<<<<<10",
                     EG_MRZ_E_CHECK_DIGIT_EXPIRY, 2, 28);
        assert_error(TD3_L1 "\nL898902C36UTO7408122F1204159ZE184226B<<<<<20",
                     EG_MRZ_E_CHECK_DIGIT_OPTIONAL, 2, 43);
        assert_error(TD3_L1 "\nL898902C36UTO7408122F1204159ZE184226B<<<<<11",
                     EG_MRZ_E_CHECK_DIGIT_COMPOSITE, 2, 44);
        assert_error(TD3_L1 "\nL898902C36UTO7408122F1204159ZE184226B<<<<<1<",
                     EG_MRZ_E_CHECK_DIGIT_COMPOSITE, 2, 44);

        /* The message format promised in the header. */
        assert_int_equal(parse(TD3_L1 "\nL898902C36UTO7408122F1204153ZE184226B<<<<<10", &m, &e),
                         -EBADMSG);
        assert_string_equal(e.message, "line 2, column 28: expiry date check digit is 3, "
                                       "expected 9");

        assert_error(TD1_L1 "\n7408122F1204159UTO<<<<<<<<<<<7\n" TD1_L3,
                     EG_MRZ_E_CHECK_DIGIT_COMPOSITE, 2, 30);
        assert_error("I<UTOD231458907<<<<<<<<<<<<<<1\n" TD1_L2 "\n" TD1_L3,
                     EG_MRZ_E_CHECK_DIGIT_COMPOSITE, 2, 30);
        assert_error(TD2_L1 "\nD231458907UTO7408122F1204159<<<<<<<7",
                     EG_MRZ_E_CHECK_DIGIT_COMPOSITE, 2, 36);
}

static void test_semantic_errors(void **state) {
        /* Generated with valid check digits, so only the field check fires. */
        assert_error(TD3_L1 "\nL898902C36UTO7408<<7F3004157<<<<<<<<<<<<<<04", EG_MRZ_E_DATE_UNKNOWN,
                     2, 18);
        assert_error(TD3_L1 "\nL898902C36UTO0102292F3004157<<<<<<<<<<<<<<02", EG_MRZ_E_DATE, 2, 14);
        assert_error(TD3_L1 "\nL898902C36UTO2001012F1901012<<<<<<<<<<<<<<00", EG_MRZ_E_DATE, 2, 22);
        assert_error("V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
                     "L898902C36UTO7408122F3004157<<<<<<<<<<<<<<04",
                     EG_MRZ_E_DOCUMENT_CODE, 1, 1);
        assert_error("I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n" TD3_L2,
                     EG_MRZ_E_DOCUMENT_CODE, 1, 1);
        assert_error("P<UTOD231458907<<<<<<<<<<<<<<<\n" TD1_L2 "\n" TD1_L3, EG_MRZ_E_DOCUMENT_CODE,
                     1, 1);
        assert_error("V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\n" TD2_L2, EG_MRZ_E_DOCUMENT_CODE, 1, 1);
        assert_error("P1UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n" TD3_L2,
                     EG_MRZ_E_DOCUMENT_CODE, 1, 2);
        assert_error("P<U<OERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n" TD3_L2, EG_MRZ_E_COUNTRY, 1,
                     5);
        assert_error("P<<TOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n" TD3_L2, EG_MRZ_E_COUNTRY, 1,
                     3);
        assert_error(TD3_L1 "\nL898902C36U1O7408122F1204159ZE184226B<<<<<10", EG_MRZ_E_COUNTRY, 2,
                     12);
        assert_error(TD3_L1 "\nL898902C36UTO7408122Q1204159ZE184226B<<<<<10", EG_MRZ_E_SEX, 2, 21);
        assert_error("P<UTO<ERIKSSON<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n" TD3_L2, EG_MRZ_E_NAME, 1, 6);
        assert_error("P<UTOERIKSSON<<ANNA<MAR1A<<<<<<<<<<<<<<<<<<<\n" TD3_L2, EG_MRZ_E_NAME, 1, 24);
        assert_error(TD3_L1 "\n<<<<<<<<<0UTO7408122F3004157<<<<<<<<<<<<<<06",
                     EG_MRZ_E_DOCUMENT_NUMBER, 2, 1);
        assert_error(TD1_L1 "\n" TD1_L2 "\n<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<", EG_MRZ_E_NAME, 3, 1);
}

static void test_names(void **state) {
        struct eg_mrz m;
        struct eg_mrz_error e;

        assert_int_equal(parse("P<D<<VAN<DER<BERG<<JAN<<PETER<<<<<<<<<<<<<<<\n"
                               "C01X00T478D<<7408122M3004157<<<<<<<<<<<<<<00",
                               &m, &e),
                         0);
        assert_string_equal(m.issuing_state, "D");
        assert_string_equal(m.nationality, "D");
        assert_string_equal(m.primary_identifier, "VAN DER BERG");
        assert_string_equal(m.secondary_identifier, "JAN PETER");
        assert_int_equal(m.sex, 'M');

        /* Truncated name without any "<<": all of it is the primary identifier. */
        assert_int_equal(parse("P<UTOABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJKLM\n"
                               "L898902C36UTO7408122F3004157<<<<<<<<<<<<<<04",
                               &m, &e),
                         0);
        assert_string_equal(m.primary_identifier, "ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJKLM");
        assert_string_equal(m.secondary_identifier, "");

        /* Only a primary identifier. */
        assert_int_equal(parse(TD1_L1 "\n" TD1_L2 "\nERIKSSON<<<<<<<<<<<<<<<<<<<<<<", &m, &e), 0);
        assert_string_equal(m.primary_identifier, "ERIKSSON");
        assert_string_equal(m.secondary_identifier, "");

        /* Fillers right after the separator are not a leading space. */
        assert_int_equal(parse(TD1_L1 "\n" TD1_L2 "\nERIKSSON<<<<ANNA<<MARIA<<<<<<<", &m, &e), 0);
        assert_string_equal(m.secondary_identifier, "ANNA MARIA");

        /* A name filling the line to the last column. */
        assert_int_equal(parse(TD1_L1 "\n" TD1_L2 "\nERIKSSON<<ANNA<<<MARIAABCDEFGH", &m, &e), 0);
        assert_string_equal(m.secondary_identifier, "ANNA MARIAABCDEFGH");
}

static void test_windowing(void **state) {
        struct eg_mrz m;
        struct eg_mrz_error e;

        /* Birth: "261127" on 2026-11-27 is today; one day later is 1926.
         * Expiry window [1941-11-27, 2041-11-27): "411126" is 2041. */
        assert_int_equal(parse(TD3_L1 "\nL898902C36UTO2611273X4111261<<<<<<<<<<<<<<08", &m, &e), 0);
        assert_date(&m.birth_date, 2026, 11, 27);
        assert_date(&m.expiry_date, 2041, 11, 26);
        assert_int_equal(m.sex, 'X');

        /* "411127" is the exclusive upper bound, so 1941 — the inclusive lower
         * bound; the birth date is 1926-11-28. */
        assert_int_equal(parse(TD3_L1 "\nL898902C36UTO2611284<4111272<<<<<<<<<<<<<<02", &m, &e), 0);
        assert_date(&m.birth_date, 1926, 11, 28);
        assert_date(&m.expiry_date, 1941, 11, 27);
        assert_int_equal(m.sex, '<');

        /* "411128" would be 1941-11-28 (inside) rather than 2041 (outside). */
        assert_int_equal(parse(TD3_L1 "\nL898902C36UTO3001019M4111283<<<<<<<<<<<<<<00", &m, &e), 0);
        assert_date(&m.expiry_date, 1941, 11, 28);
        assert_date(&m.birth_date, 1930, 1, 1);

        /* Leap day in 2000 (divisible by 400). */
        assert_int_equal(parse(TD3_L1 "\nL898902C36UTO0002299F3004157<<<<<<<<<<<<<<02", &m, &e), 0);
        assert_date(&m.birth_date, 2000, 2, 29);

        /* Around a century boundary: on 2000-01-01, "991231" is 1999 and
         * "000101" is today. */
        const struct eg_date y2k = { 2000, 1, 1 };
        assert_int_equal(
                eg_mrz_parse(TD3_L1 "\nL898902C36UTO9912315F1004153<<<<<<<<<<<<<<02", &y2k, &m, &e),
                0);
        assert_date(&m.birth_date, 1999, 12, 31);
        assert_date(&m.expiry_date, 2010, 4, 15);
        assert_int_equal(
                eg_mrz_parse(TD3_L1 "\nL898902C36UTO0001018F1004153<<<<<<<<<<<<<<02", &y2k, &m, &e),
                0);
        assert_date(&m.birth_date, 2000, 1, 1);
        /* Window on 2000-01-01 is [1915-01-01, 2015-01-01): "150101" is 1915,
         * which is before the 2000 birth date. */
        assert_int_equal(
                eg_mrz_parse(TD3_L1 "\nL898902C36UTO0001018F1501010<<<<<<<<<<<<<<02", &y2k, &m, &e),
                -EBADMSG);
        assert_int_equal(e.code, EG_MRZ_E_DATE);
        assert_int_equal(
                eg_mrz_parse(TD3_L1 "\nL898902C36UTO9001011F1412314<<<<<<<<<<<<<<00", &y2k, &m, &e),
                0);
        assert_date(&m.expiry_date, 2014, 12, 31);
}

static void test_date_helpers(void **state) {
        struct eg_date d, r;

        assert_true(eg_date_is_leap_year(2000));
        assert_false(eg_date_is_leap_year(1900));
        assert_true(eg_date_is_leap_year(2024));
        assert_false(eg_date_is_leap_year(2026));
        assert_int_equal(eg_date_days_in_month(2024, 2), 29);
        assert_int_equal(eg_date_days_in_month(2026, 2), 28);
        assert_int_equal(eg_date_days_in_month(2026, 13), 0);
        assert_int_equal(eg_date_days_in_month(2026, 0), 0);

        assert_int_equal(eg_date_parse_iso("2026-11-27", &d), 0);
        assert_date(&d, 2026, 11, 27);
        assert_int_equal(eg_date_parse_iso("2024-02-29", &d), 0);
        const char *bad[] = { "2026-02-29",  "2026-1-01",  "20261127",   "2026-11-27 ",
                              " 2026-11-27", "2026/11/27", "2026-13-01", "2026-00-10",
                              "2026-01-00",  "0000-01-01", "2026-11-2x", "",
                              "+026-11-27",  "2026-11-271" };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                assert_int_equal(eg_date_parse_iso(bad[i], &d), -EINVAL);
        assert_int_equal(eg_date_parse_iso(NULL, &d), -EINVAL);

        char buf[11];
        assert_int_equal(eg_date_format_iso(&(struct eg_date){ 987, 3, 4 }, buf), 0);
        assert_string_equal(buf, "0987-03-04");
        assert_int_equal(eg_date_format_iso(&(struct eg_date){ 2026, 2, 29 }, buf), -EINVAL);

        assert_true(eg_date_compare(&(struct eg_date){ 2026, 1, 1 },
                                    &(struct eg_date){ 2025, 12, 31 }) > 0);
        assert_true(eg_date_compare(&(struct eg_date){ 2026, 1, 1 },
                                    &(struct eg_date){ 2026, 1, 2 }) < 0);
        assert_int_equal(eg_date_compare(&today, &today), 0);

        assert_int_equal(eg_date_add_years(&(struct eg_date){ 2024, 2, 29 }, 1, &r), 0);
        assert_date(&r, 2025, 2, 28);
        assert_int_equal(eg_date_add_years(&(struct eg_date){ 2024, 2, 29 }, 4, &r), 0);
        assert_date(&r, 2028, 2, 29);
        assert_int_equal(eg_date_add_years(&today, -85, &r), 0);
        assert_date(&r, 1941, 11, 27);
        assert_int_equal(eg_date_add_years(&today, 8000, &r), -ERANGE);
        assert_int_equal(eg_date_add_years(&today, -2026, &r), -ERANGE);
        assert_int_equal(eg_date_add_years(&(struct eg_date){ 2026, 2, 29 }, 1, &r), -EINVAL);

        assert_int_equal(eg_date_add_months(&(struct eg_date){ 2026, 1, 31 }, 1, &r), 0);
        assert_date(&r, 2026, 2, 28);
        assert_int_equal(eg_date_add_months(&(struct eg_date){ 2026, 3, 31 }, -1, &r), 0);
        assert_date(&r, 2026, 2, 28);
        assert_int_equal(eg_date_add_months(&(struct eg_date){ 2026, 11, 30 }, 3, &r), 0);
        assert_date(&r, 2027, 2, 28);
        assert_int_equal(eg_date_add_months(&(struct eg_date){ 2026, 1, 15 }, -13, &r), 0);
        assert_date(&r, 2024, 12, 15);
        assert_int_equal(eg_date_add_months(&(struct eg_date){ 2026, 1, 15 }, -12, &r), 0);
        assert_date(&r, 2025, 1, 15);
        assert_int_equal(eg_date_add_months(&today, INT32_MAX, &r), -ERANGE);
        assert_int_equal(eg_date_add_months(&today, INT32_MIN, &r), -ERANGE);
        assert_int_equal(eg_date_add_months(&(struct eg_date){ 1, 1, 1 }, -1, &r), -ERANGE);
}

static void test_age(void **state) {
        /* 16 years and 364 days, then the 17th birthday. */
        assert_int_equal(eg_date_age_years(&(struct eg_date){ 2009, 11, 28 }, &today), 16);
        assert_int_equal(eg_date_age_years(&(struct eg_date){ 2009, 11, 27 }, &today), 17);
        assert_int_equal(eg_date_age_years(&(struct eg_date){ 2009, 12, 1 }, &today), 16);
        assert_int_equal(eg_date_age_years(&today, &today), 0);
        assert_int_equal(eg_date_age_years(&(struct eg_date){ 2026, 11, 28 }, &today), -ERANGE);
        assert_int_equal(eg_date_age_years(&(struct eg_date){ 2026, 2, 29 }, &today), -EINVAL);

        /* Born on a leap day: birthday is 1 March in non-leap years. */
        const struct eg_date leap = { 2008, 2, 29 };
        assert_int_equal(eg_date_age_years(&leap, &(struct eg_date){ 2026, 2, 28 }), 17);
        assert_int_equal(eg_date_age_years(&leap, &(struct eg_date){ 2026, 3, 1 }), 18);
        assert_int_equal(eg_date_age_years(&leap, &(struct eg_date){ 2028, 2, 28 }), 19);
        assert_int_equal(eg_date_age_years(&leap, &(struct eg_date){ 2028, 2, 29 }), 20);
        assert_int_equal(eg_date_age_years(&leap, &(struct eg_date){ 2100, 2, 28 }), 91);
        assert_int_equal(eg_date_age_years(&leap, &(struct eg_date){ 2100, 3, 1 }), 92);
}

static void test_equal_data(void **state) {
        struct eg_mrz a, b;
        struct eg_mrz_error e;

        assert_int_equal(parse(TD3_L1 "\n" TD3_L2, &a, &e), 0);
        assert_int_equal(parse(TD3_L1 "\r\n" TD3_L2 "\n", &b, &e), 0);
        assert_true(eg_mrz_equal_data(&a, &b));

#define CHANGED(stmt)                                                                              \
        do {                                                                                       \
                struct eg_mrz c = a;                                                               \
                stmt;                                                                              \
                assert_false(eg_mrz_equal_data(&a, &c));                                           \
        } while (0)

        CHANGED(c.format = EG_MRZ_TD1);
        CHANGED(c.document_code[1] = 'X');
        CHANGED(c.issuing_state[0] = 'D');
        CHANGED(c.document_number[0] = 'X');
        CHANGED(c.nationality[2] = 'A');
        CHANGED(c.birth_date.day++);
        CHANGED(c.sex = 'M');
        CHANGED(c.expiry_date.year++);
        CHANGED(c.optional_data1[0] = 'Y');
        CHANGED(c.optional_data2[0] = 'Y');
        CHANGED(c.primary_identifier[0] = 'Y');
        CHANGED(c.secondary_identifier[0] = 'Y');
        CHANGED(c.mrz_information[0] = 'Y');
        assert_false(eg_mrz_equal_data(&a, NULL));

        eg_mrz_wipe(&b);
        assert_string_equal(b.document_number, "");
        assert_int_equal(b.birth_date.year, 0);
}

/* --- Every single-character corruption of the specimens --- */

enum group {
        G_NONE, /* positions whose change only matters semantically */
        G_NUMBER,
        G_BIRTH,
        G_EXPIRY,
        G_OPTIONAL, /* TD3 personal number: own check digit */
        G_COMPOSITE_ONLY,
        G_CD_NUMBER,
        G_CD_BIRTH,
        G_CD_EXPIRY,
        G_CD_OPTIONAL,
        G_CD_COMPOSITE,
};

enum what {
        W_CODE,
        W_STATE,
        W_NAME,
        W_NUMBER,
        W_NATIONALITY,
        W_BIRTH,
        W_SEX,
        W_EXPIRY,
        W_OPTIONAL1,
        W_OPTIONAL2,
        W_CHECK
};

struct span {
        int pos, len;
        enum group group;
        enum what what;
};

/* Written from Doc 9303 independently of the parser's tables. */
static const struct span spans_td3[] = {
        { 0, 2, G_NONE, W_CODE },          { 2, 3, G_NONE, W_STATE },
        { 5, 39, G_NONE, W_NAME },         { 44, 9, G_NUMBER, W_NUMBER },
        { 53, 1, G_CD_NUMBER, W_CHECK },   { 54, 3, G_NONE, W_NATIONALITY },
        { 57, 6, G_BIRTH, W_BIRTH },       { 63, 1, G_CD_BIRTH, W_CHECK },
        { 64, 1, G_NONE, W_SEX },          { 65, 6, G_EXPIRY, W_EXPIRY },
        { 71, 1, G_CD_EXPIRY, W_CHECK },   { 72, 14, G_OPTIONAL, W_OPTIONAL1 },
        { 86, 1, G_CD_OPTIONAL, W_CHECK }, { 87, 1, G_CD_COMPOSITE, W_CHECK },
};

static const struct span spans_td2[] = {
        { 0, 2, G_NONE, W_CODE },           { 2, 3, G_NONE, W_STATE },
        { 5, 31, G_NONE, W_NAME },          { 36, 9, G_NUMBER, W_NUMBER },
        { 45, 1, G_CD_NUMBER, W_CHECK },    { 46, 3, G_NONE, W_NATIONALITY },
        { 49, 6, G_BIRTH, W_BIRTH },        { 55, 1, G_CD_BIRTH, W_CHECK },
        { 56, 1, G_NONE, W_SEX },           { 57, 6, G_EXPIRY, W_EXPIRY },
        { 63, 1, G_CD_EXPIRY, W_CHECK },    { 64, 7, G_COMPOSITE_ONLY, W_OPTIONAL1 },
        { 71, 1, G_CD_COMPOSITE, W_CHECK },
};

static const struct span spans_td1[] = {
        { 0, 2, G_NONE, W_CODE },
        { 2, 3, G_NONE, W_STATE },
        { 5, 9, G_NUMBER, W_NUMBER },
        { 14, 1, G_CD_NUMBER, W_CHECK },
        { 15, 15, G_COMPOSITE_ONLY, W_OPTIONAL1 },
        { 30, 6, G_BIRTH, W_BIRTH },
        { 36, 1, G_CD_BIRTH, W_CHECK },
        { 37, 1, G_NONE, W_SEX },
        { 38, 6, G_EXPIRY, W_EXPIRY },
        { 44, 1, G_CD_EXPIRY, W_CHECK },
        { 45, 3, G_NONE, W_NATIONALITY },
        { 48, 11, G_COMPOSITE_ONLY, W_OPTIONAL2 },
        { 59, 1, G_CD_COMPOSITE, W_CHECK },
        { 60, 30, G_NONE, W_NAME },
};

static int value(char c) {
        return c == '<' ? 0 : c <= '9' ? c - '0' : c - 'A' + 10;
}

static enum eg_mrz_error_code cd_error_for(enum group g) {
        switch (g) {
        case G_NUMBER:
        case G_CD_NUMBER:
                return EG_MRZ_E_CHECK_DIGIT_DOCUMENT_NUMBER;
        case G_BIRTH:
        case G_CD_BIRTH:
                return EG_MRZ_E_CHECK_DIGIT_BIRTH;
        case G_EXPIRY:
        case G_CD_EXPIRY:
                return EG_MRZ_E_CHECK_DIGIT_EXPIRY;
        case G_OPTIONAL:
        case G_CD_OPTIONAL:
                return EG_MRZ_E_CHECK_DIGIT_OPTIONAL;
        case G_COMPOSITE_ONLY:
        case G_CD_COMPOSITE:
                return EG_MRZ_E_CHECK_DIGIT_COMPOSITE;
        default:
                return EG_MRZ_OK;
        }
}

static enum eg_mrz_error_code semantic_error_for(enum what w, char c) {
        switch (w) {
        case W_CODE:
                return EG_MRZ_E_DOCUMENT_CODE;
        case W_STATE:
        case W_NATIONALITY:
                return EG_MRZ_E_COUNTRY;
        case W_NAME:
                return EG_MRZ_E_NAME;
        case W_BIRTH:
        case W_EXPIRY:
                return c == '<' ? EG_MRZ_E_DATE_UNKNOWN : EG_MRZ_E_DATE;
        case W_SEX:
                return EG_MRZ_E_SEX;
        default:
                return EG_MRZ_OK; /* any character is valid there */
        }
}

/* On success, only the corrupted field (and what derives from it) may differ. */
static void assert_same_except(const struct eg_mrz *a, const struct eg_mrz *b, enum what w) {
        assert_int_equal(a->format, b->format);
        if (w != W_CODE)
                assert_string_equal(a->document_code, b->document_code);
        if (w != W_STATE)
                assert_string_equal(a->issuing_state, b->issuing_state);
        if (w != W_NUMBER) {
                assert_string_equal(a->document_number, b->document_number);
                assert_string_equal(a->mrz_information, b->mrz_information);
        }
        if (w != W_NATIONALITY)
                assert_string_equal(a->nationality, b->nationality);
        if (w != W_SEX)
                assert_int_equal(a->sex, b->sex);
        assert_int_equal(eg_date_compare(&a->birth_date, &b->birth_date), 0);
        assert_int_equal(eg_date_compare(&a->expiry_date, &b->expiry_date), 0);
        if (w != W_OPTIONAL1)
                assert_string_equal(a->optional_data1, b->optional_data1);
        if (w != W_OPTIONAL2)
                assert_string_equal(a->optional_data2, b->optional_data2);
        if (w != W_NAME) {
                assert_string_equal(a->primary_identifier, b->primary_identifier);
                assert_string_equal(a->secondary_identifier, b->secondary_identifier);
        }
}

/* The message must not quote the MRZ: no run of 4 input characters that
 * contains a letter may appear in it. */
static void assert_message_clean(const char *msg, const char *mrz, size_t len) {
        for (size_t i = 0; i + 4 <= len; i++) {
                char window[5];
                bool letter = false;

                memcpy(window, mrz + i, 4);
                window[4] = '\0';
                for (size_t j = 0; j < 4; j++)
                        letter = letter || (window[j] >= 'A' && window[j] <= 'Z');
                if (letter && strstr(msg, window))
                        fail_msg("message quotes MRZ text at offset %zu: %s", i, msg);
        }
}

static void corrupt_all(const char *const *lines, size_t n_lines, size_t width,
                        const struct span *spans, size_t n_spans) {
        static const char charset[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<";
        char flat[90], text[100];
        struct eg_mrz orig, m;
        struct eg_mrz_error e;
        size_t total = n_lines * width, checked = 0;

        for (size_t l = 0; l < n_lines; l++)
                memcpy(flat + l * width, lines[l], width);
        assert_int_equal(eg_mrz_parse_concatenated(flat, total, &today, &orig, &e), 0);

        for (size_t s = 0; s < n_spans; s++)
                for (int pos = spans[s].pos; pos < spans[s].pos + spans[s].len; pos++)
                        for (const char *c = charset; *c; c++) {
                                char o = flat[pos];
                                if (*c == o)
                                        continue;

                                flat[pos] = *c;
                                size_t t = 0;
                                for (size_t l = 0; l < n_lines; l++) {
                                        memcpy(text + t, flat + l * width, width);
                                        t += width;
                                        text[t++] = '\n';
                                }
                                text[t - 1] = '\0';

                                int r = parse(text, &m, &e);
                                const struct span *sp = &spans[s];
                                bool cd_pos = sp->group >= G_CD_NUMBER;
                                bool cd_changes = value(*c) % 10 != value(o) % 10;
                                enum eg_mrz_error_code expect = EG_MRZ_OK;

                                if (cd_pos || (sp->group != G_NONE && cd_changes))
                                        expect = cd_error_for(sp->group);

                                if (expect != EG_MRZ_OK) {
                                        if (r != -EBADMSG || e.code != expect)
                                                fail_msg("offset %d '%c'->'%c': expected %s, "
                                                         "got r=%d %s (%s)",
                                                         pos, o, *c,
                                                         eg_mrz_error_code_to_string(expect), r,
                                                         eg_mrz_error_code_to_string(e.code),
                                                         e.message);
                                } else if (r == 0) {
                                        assert_int_equal(e.code, EG_MRZ_OK);
                                        assert_same_except(&orig, &m, sp->what);
                                } else {
                                        enum eg_mrz_error_code sem =
                                                semantic_error_for(sp->what, *c);
                                        if (r != -EBADMSG || e.code != sem || sem == EG_MRZ_OK)
                                                fail_msg("offset %d '%c'->'%c': got r=%d %s "
                                                         "(%s)",
                                                         pos, o, *c, r,
                                                         eg_mrz_error_code_to_string(e.code),
                                                         e.message);
                                        /* The reported position is inside the field. */
                                        unsigned at =
                                                (e.line - 1) * (unsigned) width + (e.column - 1);
                                        assert_true(at >= (unsigned) sp->pos &&
                                                    at < (unsigned) (sp->pos + sp->len));
                                }
                                if (r < 0) {
                                        assert_true(e.line >= 1 && e.line <= n_lines);
                                        assert_true(e.column >= 1 && e.column <= width);
                                        assert_message_clean(e.message, flat, total);
                                }
                                flat[pos] = o;
                                checked++;
                        }

        assert_int_equal(checked, total * 36);
}

static void test_corruptions_td3(void **state) {
        const char *a[] = { TD3_L1, TD3_L2 };
        const char *b[] = { TD3_L1, TD3_OLD_L2 };
        corrupt_all(a, 2, 44, spans_td3, sizeof(spans_td3) / sizeof(spans_td3[0]));
        corrupt_all(b, 2, 44, spans_td3, sizeof(spans_td3) / sizeof(spans_td3[0]));
}

static void test_corruptions_td2(void **state) {
        const char *a[] = { TD2_L1, TD2_L2 };
        corrupt_all(a, 2, 36, spans_td2, sizeof(spans_td2) / sizeof(spans_td2[0]));
}

static void test_corruptions_td1(void **state) {
        const char *a[] = { TD1_L1, TD1_L2, TD1_L3 };
        corrupt_all(a, 3, 30, spans_td1, sizeof(spans_td1) / sizeof(spans_td1[0]));
}

static void test_error_strings(void **state) {
        for (int c = 0; c < _EG_MRZ_E_MAX; c++)
                assert_string_not_equal(eg_mrz_error_code_to_string(c), "unknown");
        assert_string_equal(eg_mrz_error_code_to_string(_EG_MRZ_E_MAX), "unknown");
        assert_string_equal(eg_mrz_format_to_string(EG_MRZ_TD2), "TD2");
        assert_string_equal(eg_mrz_format_to_string(EG_MRZ_FORMAT_INVALID), "invalid");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_check_digit),
                cmocka_unit_test(test_td3_specimen),
                cmocka_unit_test(test_td1_specimen),
                cmocka_unit_test(test_td2_specimen),
                cmocka_unit_test(test_long_document_numbers),
                cmocka_unit_test(test_personal_number_fillers),
                cmocka_unit_test(test_layout_and_separators),
                cmocka_unit_test(test_charset),
                cmocka_unit_test(test_concatenated),
                cmocka_unit_test(test_check_digit_errors),
                cmocka_unit_test(test_semantic_errors),
                cmocka_unit_test(test_names),
                cmocka_unit_test(test_windowing),
                cmocka_unit_test(test_date_helpers),
                cmocka_unit_test(test_age),
                cmocka_unit_test(test_equal_data),
                cmocka_unit_test(test_corruptions_td3),
                cmocka_unit_test(test_corruptions_td2),
                cmocka_unit_test(test_corruptions_td1),
                cmocka_unit_test(test_error_strings),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
