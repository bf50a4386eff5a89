/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* egatectl's output: escaping hostile strings, tables, JSON values for people. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "egatectl.h"
#include "output.h"

struct egctl_options arg;

static void assert_escaped(const char *in, const char *want) {
        _cleanup_free_ char *out = escape_control(in);

        assert_non_null(out);
        assert_string_equal(out, want);
}

static void test_escape_control(void **state) {
        /* Terminal attacks: clear screen, move the cursor, set the title. */
        assert_escaped("\033[2J\033[H", "\\x1b[2J\\x1b[H");
        assert_escaped("door\033]0;pwned\007", "door\\x1b]0;pwned\\x07");
        assert_escaped("a\nb\tc\rd", "a\\nb\\tc\\rd");
        assert_escaped("del\177", "del\\x7f");
        /* The C1 CSI (U+009B) does what ESC [ does on many terminals. */
        assert_escaped("x\xc2\x9b"
                       "2J",
                       "x\\u009b2J");
        /* Right-to-left override makes "gpj.exe" look like "exe.jpg". */
        assert_escaped("id\xe2\x80\xae"
                       "gpj",
                       "id\\u202egpj");
        assert_escaped("\xe2\x81\xa6x", "\\u2066x");
        /* Backslashes are doubled, so escapes cannot be forged. */
        assert_escaped("a\\x1b", "a\\\\x1b");
        /* Not UTF-8: each bad byte on its own. */
        assert_escaped("\xff\xfe", "\\xff\\xfe");
        assert_escaped("\xc0\xaf", "\\xc0\\xaf"); /* overlong "/" */
        assert_escaped("\xed\xa0\x80", "\\xed\\xa0\\x80"); /* a surrogate */
        /* Ordinary text passes, non-ASCII included. */
        assert_escaped("mock-A1-entry-door", "mock-A1-entry-door");
        assert_escaped("Übergang 출입문", "Übergang 출입문");
        assert_escaped("", "");
        assert_escaped(NULL, "");
}

static void test_utf8_width(void **state) {
        assert_int_equal(utf8_width(""), 0);
        assert_int_equal(utf8_width("door"), 4);
        assert_int_equal(utf8_width("Übergang"), 8);
        assert_int_equal(utf8_width("출입문"), 3);
}

static char *human(json_object *v) {
        char *s = json_to_human(v);

        json_object_put(v);
        return s;
}

static void test_json_to_human(void **state) {
        _cleanup_(json_object_putp) json_object *obj = json_object_new_object();
        _cleanup_(json_object_putp) json_object *arr = json_object_new_array();
        _cleanup_free_ char *t = human(json_object_new_boolean(true));
        _cleanup_free_ char *f = human(json_object_new_boolean(false));
        _cleanup_free_ char *empty = human(json_object_new_string(""));
        _cleanup_free_ char *hostile = human(json_object_new_string("x\033[31m"));
        _cleanup_free_ char *big = human(json_object_new_uint64(UINT64_MAX));
        _cleanup_free_ char *negative = human(json_object_new_int64(-5));
        _cleanup_free_ char *none = human(json_object_new_array());
        _cleanup_free_ char *a = NULL, *o = NULL;

        assert_string_equal(t, "yes");
        assert_string_equal(f, "no");
        assert_string_equal(empty, "-");
        assert_string_equal(hostile, "x\\x1b[31m");
        assert_string_equal(big, "18446744073709551615");
        assert_string_equal(negative, "-5");
        assert_string_equal(none, "-");

        json_object_array_add(arr, json_object_new_string("alpha"));
        json_object_array_add(arr, json_object_new_string("be\nta"));
        a = json_to_human(arr);
        assert_string_equal(a, "alpha, be\\nta");

        json_object_object_add(obj, "operations", json_object_new_int64(3));
        json_object_object_add(obj, "last-fault", json_object_new_string(""));
        json_object_object_add(obj, "bad\033key", json_object_new_boolean(true));
        o = json_to_human(obj);
        assert_string_equal(o, "operations=3 last-fault=- bad\\x1bkey=yes");
}

static char *print_to_string(const struct table *t, const char *indent) {
        char *text = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&text, &size);

        assert_non_null(f);
        table_print(t, f, indent);
        assert_int_equal(fclose(f), 0);
        return text;
}

static void test_table(void **state) {
        static const char *const headers[] = { "ID", "STATE", "NOTE" };
        static const char *const row1[] = { "mock-A1-entry-door", "online", "" };
        static const char *const row2[] = { "evil\033[2Jdoor", NULL, "Übergang" };
        _cleanup_(table_freep) struct table *t = table_new(headers, 3);
        _cleanup_free_ char *text = NULL;

        assert_non_null(t);
        assert_int_equal(table_rows(t), 0);
        assert_int_equal(table_add_row(t, row1), 0);
        assert_int_equal(table_add_row(t, row2), 0);
        assert_int_equal(table_rows(t), 2);
        table_highlight_states(t, 1);

        /* Not a terminal: no colour; columns aligned on the widest cell, escaped. */
        text = print_to_string(t, "  ");
        assert_string_equal(text, "  ID                  STATE   NOTE\n"
                                  "  mock-A1-entry-door  online  -\n"
                                  "  evil\\x1b[2Jdoor     -       Übergang\n");
        assert_null(strchr(text, '\033'));
}

static void test_table_limits(void **state) {
        static const char *const headers[] = { "A" };

        assert_null(table_new(headers, 0));
        assert_null(table_new(headers, 65));
        assert_null(table_free(NULL));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_escape_control), cmocka_unit_test(test_utf8_width),
                cmocka_unit_test(test_json_to_human),  cmocka_unit_test(test_table),
                cmocka_unit_test(test_table_limits),
        };

        /* Tests run with stdout a pipe, but say so: the expected text has no colour. */
        setenv("NO_COLOR", "1", 1);
        return cmocka_run_group_tests(tests, NULL, NULL);
}
