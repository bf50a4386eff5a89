/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The import format: what it takes, and for each kind of bad input the
 * precise error, which names the place and never quotes the value.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry/registry-json.h"

static const struct eg_date today = { 2026, 3, 1 };

/* A valid member with one field replaced: FIELD_VALUE is spliced in as `"key": value`. */
#define MEMBER_WITH(extra)                                                                         \
        "{\"id\": \"GE-1\", \"status\": \"active\", \"birth_date\": \"1980-01-01\", "              \
        "\"enrolled\": \"2023-01-01\", \"passports\": [{\"issuing_state\": \"USA\", "              \
        "\"document_number\": \"X1\", \"expiry\": \"2030-01-01\"}]" extra "}"

/* Another valid member, GE-2, for documents of two. */
#define OTHER_MEMBER_WITH(extra)                                                                   \
        "{\"id\": \"GE-2\", \"status\": \"active\", \"birth_date\": \"1981-01-01\", "              \
        "\"enrolled\": \"2023-01-01\", \"passports\": [{\"issuing_state\": \"USA\", "              \
        "\"document_number\": \"X2\", \"expiry\": \"2030-01-01\"}]" extra "}"

static int parse_member(const char *json, struct eg_member **ret, char **error) {
        return eg_registry_json_parse_member(json, strlen(json), &today, ret, error);
}

static void test_valid_member(void **state) {
        struct eg_member *m = NULL;
        char *error = NULL;

        assert_int_equal(parse_member(MEMBER_WITH(", \"conditional_approval\": null, "
                                                  "\"fingers\": [{\"position\": 2, \"finger\": "
                                                  "\"right-index\", \"format\": \"egate-mock\", "
                                                  "\"template\": \"QUJD\\nREVG\"}], "
                                                  "\"face\": null"),
                                      &m, &error),
                         0);
        assert_null(error);
        assert_string_equal(m->id, "GE-1");
        assert_int_equal(m->status, EG_MEMBER_ACTIVE);
        assert_false(m->has_conditional_approval);
        assert_int_equal(m->n_fingers, 1);
        assert_int_equal(m->fingers[0].len, 6);
        assert_memory_equal(m->fingers[0].data, "ABCDEF", 6);
        assert_null(m->face);
        eg_member_free(m);
}

struct bad_case {
        const char *json;
        const char *error;
};

static const struct bad_case bad_members[] = {
        { "", "empty document" },
        { "{", "not valid JSON: the document ends early" },
        { "[1, 2]x", NULL /* a JSON error at a byte */ },
        { "{} {}", "not valid JSON at byte 3: unexpected character" },
        { "[]", "member: not an object" },
        { "{\"id\": \"GE-1\"}", "member.status: missing" },
        { MEMBER_WITH(", \"nmae\": \"x\""), "member.nmae: unknown field (expected one of the "
                                            "fields in docs/registry.md)" },
        { MEMBER_WITH(", \"\\u001b[2J\": 1"), "member.(a field with an unusual name): unknown "
                                              "field (expected one of the fields in "
                                              "docs/registry.md)" },
        { "{\"id\": 7, \"status\": \"active\"}", "member.id: not a string" },
        { "{\"id\": \"GE 1\", \"status\": \"active\"}",
          "member.id: 1 to 39 letters, digits, '.', '_' or '-'" },
        { "{\"id\": \"GE-1\", \"status\": \"gold\"}",
          "member.status: not one of conditional, active, suspended, revoked, expired" },
        { "{\"id\": \"GE-1\", \"status\": \"active\", \"birth_date\": \"1980-02-30\"}",
          "member.birth_date: not a date (YYYY-MM-DD)" },
        { "{\"id\": \"GE-1\", \"status\": \"active\", \"birth_date\": \"2027-01-01\"}",
          "member.birth_date: in the future" },
        { "{\"id\": \"GE-1\", \"status\": \"active\", \"birth_date\": \"1980-01-01\"}",
          "member.enrolled: missing (required unless the status is conditional)" },
        { "{\"id\": \"GE-1\", \"status\": \"conditional\", \"birth_date\": \"1980-01-01\"}",
          "member.conditional_approval: missing (required for the status conditional)" },
        { "{\"id\": \"GE-1\", \"status\": \"active\", \"birth_date\": \"1980-01-01\", "
          "\"enrolled\": \"2023-01-01\", \"conditional_approval\": \"2023-02-01\"}",
          "member.conditional_approval: later than enrolled" },
        { "{\"id\": \"GE-1\", \"status\": \"active\", \"birth_date\": \"1980-01-01\", "
          "\"enrolled\": \"1979-01-01\"}",
          "member.enrolled: before birth_date" },
        { "{\"id\": \"GE-1\", \"status\": \"active\", \"birth_date\": \"1980-01-01\", "
          "\"enrolled\": \"2023-01-01\"}",
          "member.passports: missing" },
        { "{\"id\": \"GE-1\", \"status\": \"active\", \"birth_date\": \"1980-01-01\", "
          "\"enrolled\": \"2023-01-01\", \"passports\": []}",
          "member.passports: at least one passport is needed (lookups go by passport)" },
        { "{\"id\": \"GE-1\", \"status\": \"active\", \"birth_date\": \"1980-01-01\", "
          "\"enrolled\": \"2023-01-01\", \"passports\": {}}",
          "member.passports: not a list" },
        { "{\"id\": \"GE-1\", \"status\": \"active\", \"birth_date\": \"1980-01-01\", "
          "\"enrolled\": \"2023-01-01\", \"passports\": [{\"issuing_state\": \"usa\", "
          "\"document_number\": \"X1\", \"expiry\": \"2030-01-01\"}]}",
          "member.passports[0].issuing_state: not an ICAO 9303 code (1 to 3 letters A-Z, '<' "
          "filling, e.g. \"USA\" or \"D<<\")" },
        { "{\"id\": \"GE-1\", \"status\": \"active\", \"birth_date\": \"1980-01-01\", "
          "\"enrolled\": \"2023-01-01\", \"passports\": [{\"issuing_state\": \"USA\", "
          "\"document_number\": \"X1<<\", \"expiry\": \"2030-01-01\"}]}",
          "member.passports[0].document_number: 1 to 22 letters A-Z and digits (no '<' "
          "fillers)" },
        { "{\"id\": \"GE-1\", \"status\": \"active\", \"birth_date\": \"1980-01-01\", "
          "\"enrolled\": \"2023-01-01\", \"passports\": [{\"issuing_state\": \"USA\", "
          "\"document_number\": \"X1\", \"expiry\": \"30-01-2030\"}]}",
          "member.passports[0].expiry: not a date (YYYY-MM-DD)" },
        { "{\"id\": \"GE-1\", \"status\": \"active\", \"birth_date\": \"1980-01-01\", "
          "\"enrolled\": \"2023-01-01\", \"passports\": [{\"issuing_state\": \"USA\", "
          "\"document_number\": \"X1\", \"expiry\": \"2030-01-01\"}, {\"issuing_state\": "
          "\"USA\", \"document_number\": \"X1\", \"expiry\": \"2031-01-01\"}]}",
          "member.passports[1]: the same passport as member.passports[0]" },
        { MEMBER_WITH(", \"fingers\": [{\"format\": \"egate-mock\", \"template\": \"QUJD\"}]"),
          "member.fingers[0]: give the finger's position (1-10) or finger name" },
        { MEMBER_WITH(", \"fingers\": [{\"position\": 0, \"format\": \"m\", \"template\": "
                      "\"QUJD\"}]"),
          "member.fingers[0].position: 1 (right thumb) to 10 (left little), ISO/IEC 19794-2" },
        { MEMBER_WITH(", \"fingers\": [{\"position\": 1.5, \"format\": \"m\", \"template\": "
                      "\"QUJD\"}]"),
          "member.fingers[0].position: not a whole number" },
        { MEMBER_WITH(", \"fingers\": [{\"finger\": \"pinky\", \"format\": \"m\", \"template\": "
                      "\"QUJD\"}]"),
          "member.fingers[0].finger: not a finger name (right-thumb, right-index, "
          "right-middle, right-ring, right-little, left-thumb, ... left-little)" },
        { MEMBER_WITH(", \"fingers\": [{\"position\": 1, \"finger\": \"left-thumb\", "
                      "\"format\": \"m\", \"template\": \"QUJD\"}]"),
          "member.fingers[0].finger: names another finger than position" },
        { MEMBER_WITH(", \"fingers\": [{\"position\": 1, \"format\": \"a b\", \"template\": "
                      "\"QUJD\"}]"),
          "member.fingers[0].format: 1 to 64 letters, digits, '.', '_', '-' or '+'" },
        { MEMBER_WITH(", \"fingers\": [{\"position\": 1, \"format\": \"m\", \"template\": "
                      "\"Q!JD\"}]"),
          "member.fingers[0].template: not base64" },
        { MEMBER_WITH(", \"fingers\": [{\"position\": 1, \"format\": \"m\", \"template\": \"\"}]"),
          "member.fingers[0].template: empty" },
        { MEMBER_WITH(", \"fingers\": [{\"position\": 1, \"format\": \"m\", \"template\": "
                      "\"QUJD\"}, {\"finger\": \"right-thumb\", \"format\": \"m\", "
                      "\"template\": \"QUJD\"}]"),
          "member.fingers[1]: the same finger and format as member.fingers[0]" },
        { MEMBER_WITH(", \"face\": {\"mime\": \"text/html\", \"image\": \"QUJD\"}"),
          "member.face.mime: not an image type (e.g. image/jpeg, image/png)" },
        { MEMBER_WITH(", \"face\": {\"mime\": \"image/png\"}"), "member.face.image: missing" },
        { MEMBER_WITH(", \"face\": [1]"), "member.face: not an object" },
        { MEMBER_WITH(", \"face\": {\"mime\": \"image/png\", \"image\": \"QUJD\", \"x\": 1}"),
          "member.face.x: unknown field (expected one of the fields in docs/registry.md)" },
        { "{\"id\": \"GE\\u0000-1\", \"status\": \"active\"}", "member.id: contains a NUL "
                                                               "character" },
};

static void test_bad_members(void **state) {
        for (size_t i = 0; i < ELEMENTSOF(bad_members); i++) {
                struct eg_member *m = NULL;
                char *error = NULL;
                int r = parse_member(bad_members[i].json, &m, &error);

                if (r != -EINVAL || !error ||
                    (bad_members[i].error && strcmp(error, bad_members[i].error) != 0))
                        fprintf(stderr, "case %zu: %d, \"%s\"\n  expected \"%s\"\n", i, r,
                                error ? error : "(none)",
                                bad_members[i].error ? bad_members[i].error : "(any)");
                assert_int_equal(r, -EINVAL);
                assert_null(m);
                assert_non_null(error);
                if (bad_members[i].error)
                        assert_string_equal(error, bad_members[i].error);
                else
                        assert_non_null(strstr(error, "not valid JSON at byte "));
                free(error);
        }
}

static void test_errors_never_quote_values(void **state) {
        /* A passport number in the wrong place must not come back in the error. */
        static const char *const inputs[] = {
                MEMBER_WITH(", \"enrolled\": \"L898902C3\""),
                "{\"id\": \"L898902C3 \", \"status\": \"active\"}",
                "{\"id\": \"GE-1\", \"status\": \"L898902C3\"}",
                MEMBER_WITH(", \"L898902C3\": 1"),
        };

        for (size_t i = 0; i < ELEMENTSOF(inputs); i++) {
                struct eg_member *m = NULL;
                char *error = NULL;

                assert_int_equal(parse_member(inputs[i], &m, &error), -EINVAL);
                assert_non_null(error);
                /* A plain field name is quoted (it names the place), but nothing else. */
                if (i == 3)
                        assert_string_equal(error, "member.L898902C3: unknown field (expected "
                                                   "one of the fields in docs/registry.md)");
                else
                        assert_null(strstr(error, "L898902C3"));
                free(error);
        }
}

static void test_import_document(void **state) {
        struct eg_member_list l = {};
        char *error = NULL;
        const char *doc = "{\"members\": [" MEMBER_WITH("") ", " OTHER_MEMBER_WITH("") "]}";

        assert_int_equal(eg_registry_json_parse_import(doc, strlen(doc), &today, &l, &error), 0);
        assert_int_equal(l.n, 2);
        eg_member_list_done(&l);

        static const struct bad_case bad[] = {
                { "[]", "the document must be an object {\"members\": [...]}" },
                { "{}", "members: missing" },
                { "{\"members\": []}", "members: the list is empty: nothing to import" },
                { "{\"members\": 3}", "members: not a list" },
                { "{\"members\": [" MEMBER_WITH("") "], \"version\": 1}",
                  "version: unknown field (expected one of the fields in docs/registry.md)" },
                { "{\"members\": [" MEMBER_WITH("") ", 5]}", "members[1]: not an object" },
                { "{\"members\": [" MEMBER_WITH("") ", " MEMBER_WITH(
                          "") ", "
                              "{\"id\": \"GE-4\", \"status\": \"active\", \"birth_date\": "
                              "\"1980-01-01\", "
                              "\"enrolled\": \"2023-01-01\", \"passports\": [{\"issuing_state\": "
                              "\"USA\", "
                              "\"document_number\": \"X1\", \"expiry\": \"2030-02-30\"}]}]}",
                  "members[2].passports[0].expiry: not a date (YYYY-MM-DD)" },
                /* One id twice: not "already exists", which would name a member the
                 * registry does not have. */
                { "{\"members\": [" MEMBER_WITH("") ", " MEMBER_WITH(", \"fingers\": []") "]}",
                  "members[1].id: the same id as members[0]" },
                /* Nesting past the documented depth. */
                { "{\"members\": [[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]}", NULL },
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                int r = eg_registry_json_parse_import(bad[i].json, strlen(bad[i].json), &today, &l,
                                                      &error);

                if (r != -EINVAL || !error || (bad[i].error && strcmp(error, bad[i].error)))
                        fprintf(stderr, "case %zu: %d \"%s\"\n", i, r, error ? error : "");
                assert_int_equal(r, -EINVAL);
                assert_int_equal(l.n, 0);
                if (bad[i].error)
                        assert_string_equal(error, bad[i].error);
                free(error);
                error = NULL;
        }
}

/* json-c keeps the last of a repeated key; the format takes each field once. */
static void test_repeated_fields(void **state) {
        static const char *const repeated[] = {
                /* What a reviewer reads first is not what would be stored. */
                "{\"id\": \"GE-1\", \"status\": \"revoked\", \"birth_date\": \"1980-01-01\", "
                "\"enrolled\": \"2023-01-01\", \"status\": \"active\", \"passports\": "
                "[{\"issuing_state\": \"USA\", \"document_number\": \"X1\", \"expiry\": "
                "\"2030-01-01\"}]}",
                /* The same key spelt with an escape, or in json-c's single quotes. */
                MEMBER_WITH(", \"\\u0073tatus\": \"revoked\""),
                MEMBER_WITH(", 'status': \"revoked\""),
                /* Deeper: a passport's expiry twice. */
                "{\"id\": \"GE-1\", \"status\": \"active\", \"birth_date\": \"1980-01-01\", "
                "\"enrolled\": \"2023-01-01\", \"passports\": [{\"issuing_state\": \"USA\", "
                "\"document_number\": \"X1\", \"expiry\": \"2020-01-01\", \"expiry\": "
                "\"2030-01-01\"}]}",
                MEMBER_WITH(", \"fingers\": [], \"fingers\": []"),
        };
        struct eg_member_list l = {};
        const char *doc =
                "{\"members\": [" MEMBER_WITH("") "], \"members\": [" MEMBER_WITH("") "]}";
        /* The same names in sibling objects, and a value equal to a key, are fine. */
        const char *siblings = "{\"members\": [" MEMBER_WITH(
                ", \"face\": null") ", " OTHER_MEMBER_WITH(", \"conditional_approval\": null") "]}";

        for (size_t i = 0; i < ELEMENTSOF(repeated); i++) {
                struct eg_member *m = NULL;
                char *error = NULL;

                assert_int_equal(parse_member(repeated[i], &m, &error), -EINVAL);
                assert_null(m);
                assert_non_null(error);
                if (!strstr(error, "a field given twice in one object at byte "))
                        fprintf(stderr, "case %zu: \"%s\"\n", i, error);
                assert_non_null(strstr(error, "a field given twice in one object at byte "));
                free(error);
        }
        {
                char *error = NULL;

                assert_int_equal(
                        eg_registry_json_parse_import(doc, strlen(doc), &today, &l, &error),
                        -EINVAL);
                assert_non_null(strstr(error, "a field given twice"));
                free(error);
                error = NULL;
                assert_int_equal(eg_registry_json_parse_import(siblings, strlen(siblings), &today,
                                                               &l, &error),
                                 0);
                assert_int_equal(l.n, 2);
                eg_member_list_done(&l);
        }
}

static void test_size_limits(void **state) {
        struct eg_member_list l = {};
        struct eg_member *m = NULL;
        char *error = NULL, *big;
        size_t n = EG_REGISTRY_IMPORT_MAX + 1;

        big = malloc(n);
        assert_non_null(big);
        memset(big, ' ', n);
        assert_int_equal(eg_registry_json_parse_import(big, n, &today, &l, &error), -EMSGSIZE);
        assert_int_equal(eg_registry_json_parse_member(big, EG_REGISTRY_MEMBER_JSON_MAX + 1, &today,
                                                       &m, &error),
                         -EMSGSIZE);
        free(big);
        free(error);
}

static void test_names_and_checks(void **state) {
        char s[4];

        assert_int_equal(eg_finger_position_from_string("right-thumb"), 1);
        assert_int_equal(eg_finger_position_from_string("left-little"), 10);
        assert_int_equal(eg_finger_position_from_string("any"), -EINVAL);
        assert_string_equal(eg_finger_position_to_string(7), "left-index");
        assert_null(eg_finger_position_to_string(0));
        assert_null(eg_finger_position_to_string(11));
        assert_int_equal(eg_member_status_from_string("revoked"), EG_MEMBER_REVOKED);
        assert_int_equal(eg_member_status_from_string("Revoked"), -EINVAL);
        assert_string_equal(eg_member_status_to_string(EG_MEMBER_CONDITIONAL), "conditional");
        assert_null(eg_member_status_to_string(EG_MEMBER_STATUS_MAX_));
        assert_int_equal(eg_issuing_state_normalize("D", s), 0);
        assert_string_equal(s, "D<<");
        assert_int_equal(eg_issuing_state_normalize("UTO", s), 0);
        assert_int_equal(eg_issuing_state_normalize("<<<", s), -EINVAL);
        assert_int_equal(eg_issuing_state_normalize("USAX", s), -EINVAL);
        assert_int_equal(eg_issuing_state_normalize("", s), -EINVAL);
        assert_true(eg_document_number_is_valid("1234567890123456789012"));
        assert_false(eg_document_number_is_valid("12345678901234567890123"));
        assert_true(eg_member_id_is_valid("GE-100001"));
        assert_false(eg_member_id_is_valid("GE/1"));
        assert_false(eg_member_id_is_valid("1234567890123456789012345678901234567890"));
}

static void test_member_dup_and_free(void **state) {
        struct eg_member *m = NULL, *c;
        char *error = NULL;

        assert_int_equal(parse_member(MEMBER_WITH(", \"fingers\": [{\"position\": 2, "
                                                  "\"format\": \"m\", \"template\": \"QUJD\"}], "
                                                  "\"face\": {\"mime\": \"image/png\", "
                                                  "\"image\": \"REVG\"}"),
                                      &m, &error),
                         0);
        c = eg_member_dup(m);
        assert_non_null(c);
        assert_true(c->passports != m->passports);
        assert_string_equal(c->passports[0].document_number, "X1");
        assert_true(c->fingers[0].data != m->fingers[0].data);
        assert_memory_equal(c->fingers[0].data, "ABC", 3);
        assert_memory_equal(c->face, "DEF", 3);
        assert_string_equal(c->face_mime, "image/png");
        eg_member_free(m);
        eg_member_free(c);
        eg_member_free(NULL);
        assert_null(eg_member_dup(NULL));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_valid_member),
                cmocka_unit_test(test_bad_members),
                cmocka_unit_test(test_errors_never_quote_values),
                cmocka_unit_test(test_import_document),
                cmocka_unit_test(test_repeated_fields),
                cmocka_unit_test(test_size_limits),
                cmocka_unit_test(test_names_and_checks),
                cmocka_unit_test(test_member_dup_and_free),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
