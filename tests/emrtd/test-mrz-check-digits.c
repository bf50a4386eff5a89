/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * MRZ parser: check digits, the errors they raise, and every single-character
 * corruption of the specimens checked against the expected error.
 */

#include "mrz-test.h"

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

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_check_digit),     cmocka_unit_test(test_check_digit_errors),
                cmocka_unit_test(test_corruptions_td3), cmocka_unit_test(test_corruptions_td2),
                cmocka_unit_test(test_corruptions_td1),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
