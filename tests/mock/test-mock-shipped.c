/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The scenarios shipped in plugins/mock/scenarios: they parse, they contain
 * what the README promises, and their MRZs are valid except the one that is
 * wrong on purpose.  The check digits are recomputed here independently of
 * plugins/mock/mrz.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mock-macro.h"
#include "names.h"
#include "scenario.h"

static struct mock_scenario *load(const char *name) {
        char path[512];
        struct mock_scenario *s = NULL;
        _cleanup_(freep) char *error = NULL;
        int r;

        snprintf(path, sizeof(path), "%s/%s", MOCK_SCENARIOS_DIR, name);
        r = mock_scenario_load_file(path, &s, &error);
        if (r < 0)
                fail_msg("%s: %s", path, error ? error : strerror(-r));
        return s;
}

/* ICAO 9303-3 §4.9, written out again on purpose. */
static int digit(const char *s, size_t from, size_t len) {
        static const int weight[] = { 7, 3, 1 };
        int sum = 0;

        for (size_t i = 0; i < len; i++) {
                char c = s[from + i];
                int v = c == '<' ? 0 : (c >= '0' && c <= '9') ? c - '0' : c - 'A' + 10;
                sum += v * weight[i % 3];
        }
        return '0' + sum % 10;
}

/* Every check digit of a TD1/TD2/TD3 MRZ (1-based positions in comments). */
static bool mrz_valid(const struct mock_mrz *m) {
        char composite[64];
        const char *l1 = m->lines[0], *l2 = m->lines[1];
        size_t len = strlen(l1);

        if (m->n_lines == 3) {
                /* TD1: L1 doc no 6-14 / 15; L2 DOB 1-6 / 7, expiry 9-14 / 15;
                 * composite 30 over L1 6-30, L2 1-7, 9-15, 19-29. */
                if (digit(l1, 5, 9) != l1[14] || digit(l2, 0, 6) != l2[6] ||
                    digit(l2, 8, 6) != l2[14])
                        return false;
                snprintf(composite, sizeof(composite), "%.25s%.7s%.7s%.11s", l1 + 5, l2, l2 + 8,
                         l2 + 18);
                return digit(composite, 0, strlen(composite)) == l2[29];
        }

        /* TD2/TD3 line 2: doc no 1-9 / 10, DOB 14-19 / 20, expiry 22-27 / 28;
         * TD3 personal number 29-42 / 43; composite last over 1-10, 14-20, 22-(last-1). */
        if (digit(l2, 0, 9) != l2[9] || digit(l2, 13, 6) != l2[19] || digit(l2, 21, 6) != l2[27])
                return false;
        if (len == 44 && digit(l2, 28, 14) != l2[42])
                return false;
        snprintf(composite, sizeof(composite), "%.10s%.7s%.*s", l2, l2 + 13, (int) len - 22,
                 l2 + 21);
        return digit(composite, 0, strlen(composite)) == l2[len - 1];
}

static void test_specimens(void **state) {
        /* The checker itself, on ICAO's specimens and a broken copy. */
        struct mock_mrz td3 = { .n_lines = 2 }, td1 = { .n_lines = 3 };

        strcpy(td3.lines[0], "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<");
        strcpy(td3.lines[1], "L898902C36UTO7408122F1204159ZE184226B<<<<<10");
        strcpy(td1.lines[0], "I<UTOD231458907<<<<<<<<<<<<<<<");
        strcpy(td1.lines[1], "7408122F1204159UTO<<<<<<<<<<<6");
        strcpy(td1.lines[2], "ERIKSSON<<ANNA<MARIA<<<<<<<<<<");
        assert_true(mrz_valid(&td3));
        assert_true(mrz_valid(&td1));
        td3.lines[1][43] = '1';
        assert_false(mrz_valid(&td3));
        td1.lines[1][0] = '8';
        assert_false(mrz_valid(&td1));
}

static const struct mock_traveller *find(const struct mock_scenario *s, const char *id) {
        const struct mock_traveller *t = mock_scenario_find_traveller(s, id);

        if (!t)
                fail_msg("traveller %s missing", id);
        return t;
}

static void test_ses_morning(void **state) {
        struct mock_scenario *s = load("ses-morning.json");
        size_t us = 0, kr = 0;

        assert_int_equal(s->latency.profile, MOCK_LATENCY_REALISTIC);
        assert_int_equal(s->n_lanes, 1);
        assert_string_equal(s->lanes[0].name, "A1");
        assert_true(s->lanes[0].camera);
        assert_true(s->n_travellers >= 12);
        assert_int_equal(s->n_queues, 1);
        assert_int_equal(s->queues[0].n_travellers, s->n_travellers);
        assert_true(s->queues[0].interval_ms > 0);

        for (size_t i = 0; i < s->n_travellers; i++) {
                const struct mock_traveller *t = &s->travellers[i];
                bool deliberate = streq(t->id, "t08-bad-check-digit");

                assert_int_equal(mock_mrz_format(&t->mrz), MOCK_MRZ_TD3);
                if (mrz_valid(&t->mrz) == deliberate)
                        fail_msg("%s: MRZ is %s", t->id, deliberate ? "valid" : "invalid");
                /* Its chip carries the same (so the chip is right and the print wrong). */
                assert_string_equal(t->chip.dg1_mrz.lines[1], t->mrz.lines[1]);
                us += strncmp(t->mrz.lines[0] + 2, "USA", 3) == 0;
                kr += strncmp(t->mrz.lines[0] + 2, "KOR", 3) == 0;
                assert_true(strncmp(t->mrz.lines[1] + 10, t->mrz.lines[0] + 2, 3) == 0);
                /* Queue order is the file's order. */
                assert_int_equal(s->queues[0].travellers[i], i);
        }
        assert_true(us > 0 && kr > 0);

        /* The cases the README lists. */
        assert_int_equal(find(s, "t01-us-member")->membership.status, MOCK_MEMBERSHIP_ACTIVE);
        assert_int_equal(find(s, "t02-kr-member")->membership.status, MOCK_MEMBERSHIP_ACTIVE);
        assert_memory_equal(find(s, "t03-minor")->mrz.lines[1] + 13, "10", 2); /* born 2010 */
        assert_int_equal(find(s, "t04-conditional")->membership.status,
                         MOCK_MEMBERSHIP_CONDITIONAL);
        assert_int_equal(find(s, "t05-suspended")->membership.status, MOCK_MEMBERSHIP_SUSPENDED);
        assert_int_equal(find(s, "t06-expired")->membership.status, MOCK_MEMBERSHIP_EXPIRED);

        const struct mock_traveller *t07 = find(s, "t07-new-passport");
        char doc[MOCK_DOCUMENT_NUMBER_MAX];
        assert_int_equal(mock_traveller_document_number(t07, doc), 0);
        assert_non_null(t07->membership.registered_passport);
        assert_string_not_equal(t07->membership.registered_passport, doc);
        assert_null(mock_scenario_find_member(s, doc));

        assert_int_equal(find(s, "t09-chip-unreadable")->chip.behaviour, MOCK_CHIP_UNREADABLE);
        const struct mock_traveller *t10 = find(s, "t10-finger-retry");
        assert_int_equal(t10->fingerprint.n_outcomes, 2);
        assert_int_equal(t10->fingerprint.outcomes[0], MOCK_FINGER_NO_MATCH);
        assert_int_equal(t10->fingerprint.outcomes[1], MOCK_FINGER_MATCH);
        const struct mock_traveller *t11 = find(s, "t11-finger-fails");
        assert_int_equal(t11->fingerprint.n_outcomes, 3);
        for (size_t i = 0; i < 3; i++)
                assert_int_equal(t11->fingerprint.outcomes[i], MOCK_FINGER_NO_MATCH);
        assert_int_equal(find(s, "t12-tailgater")->walk, MOCK_WALK_TAILGATER);
        assert_int_equal(find(s, "t13-turns-back")->walk, MOCK_WALK_TURNS_BACK);

        /* Every member is found by the registry lookup by the passport they hold. */
        for (size_t i = 0; i < s->n_travellers; i++) {
                const struct mock_traveller *t = &s->travellers[i];

                if (t == t07 || t->membership.status == MOCK_MEMBERSHIP_NONE)
                        continue;
                assert_int_equal(mock_traveller_document_number(t, doc), 0);
                assert_ptr_equal(mock_scenario_find_member(s, doc), t);
        }
        mock_scenario_free(s);
}

static void test_minimal(void **state) {
        struct mock_scenario *s = load("minimal.json");

        assert_int_equal(s->latency.profile, MOCK_LATENCY_ZERO);
        for (unsigned k = 1; k < MOCK_TIMING_MAX; k++)
                assert_int_equal(s->latency.ms[k], 0);
        assert_int_equal(s->n_lanes, 1);
        assert_int_equal(s->n_travellers, 1);
        assert_int_equal(s->n_queues, 0);
        assert_int_equal(s->n_faults, 0);
        assert_true(mrz_valid(&s->travellers[0].mrz));
        mock_scenario_free(s);
}

static void test_all_devices(void **state) {
        struct mock_scenario *s = load("all-devices.json");
        uint32_t classes = 0;

        assert_int_equal(s->latency.profile, MOCK_LATENCY_ZERO);
        assert_int_equal(s->n_lanes, 1);
        assert_int_equal(s->n_queues, 0);
        for (int role = 0; role < MOCK_ROLE_MAX; role++)
                if (mock_lane_config_has_role(&s->lanes[0], role))
                        classes |= EG_CLASS_BIT(mock_role_class((enum mock_role) role));
        assert_int_equal(classes, 0xFE); /* all seven */
        for (size_t i = 0; i < s->n_travellers; i++)
                if (!mrz_valid(&s->travellers[i].mrz))
                        fail_msg("%s: MRZ is invalid", s->travellers[i].id);
        mock_scenario_free(s);
}

static void test_document_inspection(void **state) {
        struct mock_scenario *s = load("document-inspection.json");
        const uint32_t all = EG_OPTICAL_BIT(EG_OPTICAL_MAX_) - 1;
        static const struct {
                const char *id, *model;
                uint32_t passed, failed, undetermined;
        } expected[] = {
                { "t01-genuine", "UTO-P-2019", all, 0, 0 },
                { "t02-bright-paper", "UTO-P-2019", all & ~EG_OPTICAL_BIT(EG_OPTICAL_UV_DULLNESS),
                  EG_OPTICAL_BIT(EG_OPTICAL_UV_DULLNESS), 0 },
                { "t03-worn", "UTO-P-2012",
                  EG_OPTICAL_BIT(EG_OPTICAL_UV_DULLNESS) | EG_OPTICAL_BIT(EG_OPTICAL_UV_PATTERNS) |
                          EG_OPTICAL_BIT(EG_OPTICAL_IR_MRZ),
                  0,
                  EG_OPTICAL_BIT(EG_OPTICAL_IR_B900) |
                          EG_OPTICAL_BIT(EG_OPTICAL_VISIBLE_PATTERNS) },
                { "t04-unknown-model", NULL,
                  EG_OPTICAL_BIT(EG_OPTICAL_UV_DULLNESS) | EG_OPTICAL_BIT(EG_OPTICAL_IR_MRZ), 0,
                  0 },
                { "t05-counterfeit", "UTO-P-2019",
                  EG_OPTICAL_BIT(EG_OPTICAL_UV_DULLNESS) |
                          EG_OPTICAL_BIT(EG_OPTICAL_VISIBLE_PATTERNS),
                  EG_OPTICAL_BIT(EG_OPTICAL_UV_PATTERNS) | EG_OPTICAL_BIT(EG_OPTICAL_IR_B900), 0 },
        };

        assert_int_equal(s->latency.profile, MOCK_LATENCY_ZERO);
        assert_int_equal(s->n_lanes, 2);
        assert_true(mock_scenario_find_lane(s, "A1")->document_inspection);
        assert_false(mock_scenario_find_lane(s, "B1")->document_inspection);
        assert_int_equal(s->n_travellers, ELEMENTSOF(expected));
        for (size_t i = 0; i < ELEMENTSOF(expected); i++) {
                const struct mock_traveller *t = find(s, expected[i].id);
                char doc[MOCK_DOCUMENT_NUMBER_MAX];

                if (!mrz_valid(&t->mrz))
                        fail_msg("%s: MRZ is invalid", t->id);
                if (!streq_ptr(t->document.model, expected[i].model))
                        fail_msg("%s: model %s", t->id, strempty(t->document.model));
                assert_int_equal(t->document.optical_passed, expected[i].passed);
                assert_int_equal(t->document.optical_failed, expected[i].failed);
                assert_int_equal(t->document.optical_undetermined, expected[i].undetermined);
                /* Members with passports of their own: the registry finds each. */
                assert_int_equal(mock_traveller_document_number(t, doc), 0);
                assert_ptr_equal(mock_scenario_find_member(s, doc), t);
        }
        mock_scenario_free(s);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_specimens),
                cmocka_unit_test(test_ses_morning),
                cmocka_unit_test(test_minimal),
                cmocka_unit_test(test_all_devices),
                cmocka_unit_test(test_document_inspection),
        };

        return cmocka_run_group_tests_name("mock-shipped", tests, NULL, NULL);
}
