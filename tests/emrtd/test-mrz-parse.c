/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * MRZ parser: the ICAO specimens (TD3, TD1, TD2), long document numbers,
 * layouts and separators, the character set, DG1's concatenated form, the
 * field checks, names, comparing and wiping, and the error strings.
 * Check digits are in test-mrz-check-digits.c, dates in test-mrz-dates.c.
 */

#include "mrz-test.h"

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

static void test_error_strings(void **state) {
        for (int c = 0; c < _EG_MRZ_E_MAX; c++)
                assert_string_not_equal(eg_mrz_error_code_to_string(c), "unknown");
        assert_string_equal(eg_mrz_error_code_to_string(_EG_MRZ_E_MAX), "unknown");
        assert_string_equal(eg_mrz_format_to_string(EG_MRZ_TD2), "TD2");
        assert_string_equal(eg_mrz_format_to_string(EG_MRZ_FORMAT_INVALID), "invalid");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_td3_specimen),
                cmocka_unit_test(test_td1_specimen),
                cmocka_unit_test(test_td2_specimen),
                cmocka_unit_test(test_long_document_numbers),
                cmocka_unit_test(test_personal_number_fillers),
                cmocka_unit_test(test_layout_and_separators),
                cmocka_unit_test(test_charset),
                cmocka_unit_test(test_concatenated),
                cmocka_unit_test(test_semantic_errors),
                cmocka_unit_test(test_names),
                cmocka_unit_test(test_equal_data),
                cmocka_unit_test(test_error_strings),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
