/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The mock's scenario parser: valid files, every kind of malformed one with
 * its exact message, and hostile input. */
#include "scenario-test.h"

static void test_minimal_defaults(void **state) {
        struct mock_scenario *s = expect_ok("{'name':'x'," LANE ",'travellers':[" T1 "]}");
        const struct mock_traveller *t = &s->travellers[0];

        assert_string_equal(s->name, "x");
        assert_null(s->description);
        assert_int_equal(s->latency.profile, MOCK_LATENCY_REALISTIC);
        assert_int_equal(s->latency.ms[EG_OP_DOCUMENT_READ_MRZ], 800);
        assert_int_equal(s->latency.ms[EG_OP_DOOR_OPEN], 1200);
        assert_int_equal(s->n_lanes, 1);
        assert_true(s->lanes[0].camera);
        assert_int_equal(strv_length(s->lanes[0].zones), 3);
        assert_string_equal(s->lanes[0].zones[1], "mantrap");
        assert_int_equal(s->lanes[0].entry_fail_mode, EG_DOOR_FAIL_SECURE);
        assert_int_equal(s->lanes[0].exit_fail_mode, EG_DOOR_FAIL_SECURE);

        assert_string_equal(t->id, "t1");
        assert_string_equal(t->label, "t1");
        assert_int_equal(t->mrz.n_lines, 2);
        assert_true(t->mrz_readable);
        assert_true(t->chip.present);
        assert_int_equal(t->chip.behaviour, MOCK_CHIP_OK);
        assert_int_equal(t->chip.access, MOCK_CHIP_ACCESS_BAC);
        assert_false(t->chip.extended_length);
        assert_string_equal(t->chip.dg1_mrz.lines[1], t->mrz.lines[1]);
        assert_int_equal(t->membership.status, MOCK_MEMBERSHIP_NONE);
        assert_string_equal(t->fingerprint.identity, "t1");
        assert_int_equal(t->fingerprint.n_outcomes, 1);
        assert_int_equal(t->fingerprint.outcomes[0], MOCK_FINGER_MATCH);
        assert_int_equal(t->fingerprint.score_match, 72);
        assert_int_equal(t->fingerprint.score_no_match, 8);
        assert_int_equal(t->face.n_outcomes, 1);
        assert_int_equal(t->walk, MOCK_WALK_NORMAL);
        assert_int_equal(t->background, MOCK_BACKGROUND_CLEAR);
        assert_int_equal(t->registry, MOCK_REGISTRY_OK);
        assert_int_equal(t->think_ms, 1500);
        assert_int_equal(t->patience_ms, 60000);
        assert_int_equal(s->n_queues, 0);
        assert_int_equal(s->n_faults, 0);
        mock_scenario_free(s);
}

static void test_full_traveller(void **state) {
        struct mock_scenario *s = expect_ok(
                "{'name':'x','description':'d','latency':{'profile':'zero','door-open':250,"
                "'walk':10},"
                "'lanes':[{'name':'A1','camera':false,'zones':['approach','mantrap','exit',"
                "'queue'],"
                "'exit_door_fail_mode':'safe'}],"
                "'travellers':[{'id':'t1','label':'a member','mrz':" MRZ_TD3 ","
                "'mrz_readable':false,"
                " 'chip':{'present':true,'dg1_mrz':" MRZ_TD1 ",'behaviour':'slow','delay_ms':70},"
                " 'membership':{'status':'active','enrolled':'2024-02-29',"
                "'conditional_approval':'2024-01-10',"
                "   'registered_passport':'X1234567','fingers':['right-index','left-thumb']},"
                " 'fingerprint':{'identity':'fp-1','behaviour':['no-match','poor-quality',"
                "'timeout','match'],"
                "   'score_match':90,'score_no_match':39},"
                " 'face':{'behaviour':['no-face','multi-face','no-match','match']},"
                " 'walk':'forces-exit','think_ms':0,'patience_ms':3600000},"
                " {'id':'t2','mrz':" MRZ_TD2 ",'chip':{'present':false},"
                " 'membership':{'status':'conditional','conditional_approval':'2026-09-14'}}],"
                "'queue':[{'lane':'A1','travellers':['t2','t1','t2'],'interval_ms':0}],"
                "'faults':[{'device':'A1-exit-door','op':'door-open','fault':'delay','delay_ms':5,"
                "  'after':2,'count':0},{'device':'A1-indicator','op':'*','fault':'crash'}]}");
        const struct mock_traveller *t = &s->travellers[0], *t2 = &s->travellers[1];

        assert_string_equal(s->description, "d");
        assert_int_equal(s->latency.profile, MOCK_LATENCY_ZERO);
        assert_int_equal(s->latency.ms[EG_OP_DOOR_OPEN], 250);
        assert_int_equal(s->latency.ms[EG_OP_DOOR_CLOSE], 0);
        assert_int_equal(s->latency.ms[MOCK_TIMING_WALK], 10);
        assert_false(s->lanes[0].camera);
        assert_string_equal(s->lanes[0].zones[3], "queue");
        assert_int_equal(s->lanes[0].exit_fail_mode, EG_DOOR_FAIL_SAFE);
        assert_false(mock_lane_config_has_role(&s->lanes[0], MOCK_ROLE_CAMERA));
        assert_true(mock_scenario_has_device(s, "A1-exit-door", NULL));
        assert_false(mock_scenario_has_device(s, "A1-camera", NULL));

        assert_string_equal(t->label, "a member");
        assert_false(t->mrz_readable);
        assert_int_equal(t->chip.behaviour, MOCK_CHIP_SLOW);
        assert_int_equal(t->chip.delay_ms, 70);
        assert_int_equal(t->chip.dg1_mrz.n_lines, 3);
        assert_int_equal(mock_mrz_format(&t->chip.dg1_mrz), MOCK_MRZ_TD1);
        assert_int_equal(t->membership.status, MOCK_MEMBERSHIP_ACTIVE);
        assert_int_equal(t->membership.enrolled.year, 2024);
        assert_int_equal(t->membership.enrolled.month, 2);
        assert_int_equal(t->membership.enrolled.day, 29);
        assert_true(t->membership.has_conditional_approval);
        assert_int_equal(t->membership.n_fingers, 2);
        assert_int_equal(t->membership.fingers[0], 2);
        assert_int_equal(t->membership.fingers[1], 6);
        assert_string_equal(t->fingerprint.identity, "fp-1");
        assert_int_equal(t->fingerprint.n_outcomes, 4);
        assert_int_equal(t->fingerprint.outcomes[2], MOCK_FINGER_TIMEOUT);
        assert_int_equal(t->fingerprint.score_no_match, 39);
        assert_int_equal(t->face.outcomes[1], MOCK_FACE_MULTI_FACE);
        assert_int_equal(t->walk, MOCK_WALK_FORCES_EXIT);
        assert_int_equal(t->patience_ms, 3600000);

        assert_false(t2->chip.present);
        assert_int_equal(mock_mrz_format(&t2->mrz), MOCK_MRZ_TD2);
        assert_int_equal(t2->membership.status, MOCK_MEMBERSHIP_CONDITIONAL);
        assert_false(t2->membership.has_enrolled);

        assert_int_equal(s->n_queues, 1);
        assert_int_equal(s->queues[0].n_travellers, 3);
        assert_int_equal(s->queues[0].travellers[0], 1);
        assert_int_equal(s->queues[0].travellers[1], 0);
        assert_int_equal(s->queues[0].interval_ms, 0);
        assert_int_equal(s->queues[0].start_ms, 0);

        assert_int_equal(s->n_faults, 2);
        assert_int_equal(s->faults[0].op, EG_OP_DOOR_OPEN);
        assert_int_equal(s->faults[0].fault, MOCK_FAULT_DELAY);
        assert_int_equal(s->faults[0].delay_ms, 5);
        assert_int_equal(s->faults[0].after, 2);
        assert_int_equal(s->faults[0].count, 0);
        assert_int_equal(s->faults[1].op, EG_OP_INVALID);
        assert_int_equal(s->faults[1].fault, MOCK_FAULT_CRASH);
        assert_int_equal(s->faults[1].count, 1);
        mock_scenario_free(s);
}

static void test_registry_view(void **state) {
        struct mock_scenario *s =
                expect_ok("{'name':'x','travellers':["
                          "{'id':'a','mrz':" MRZ_TD3 ",'membership':{'status':'active',"
                          "'enrolled':'2023-01-01'}},"
                          "{'id':'b','mrz':" MRZ_TD1 ",'membership':{'status':'expired',"
                          "'enrolled':'2019-01-01',"
                          "  'registered_passport':'OLD1234'}},"
                          "{'id':'c','mrz':" MRZ_TD2 "}]}");
        char buf[MOCK_DOCUMENT_NUMBER_MAX];

        assert_int_equal(mock_traveller_document_number(&s->travellers[0], buf), 0);
        assert_string_equal(buf, "L898902C3");
        assert_int_equal(mock_traveller_document_number(&s->travellers[1], buf), 0);
        assert_string_equal(buf, "D23145890");
        assert_string_equal(mock_traveller_registered_passport(&s->travellers[1], buf), "OLD1234");
        assert_string_equal(mock_traveller_registered_passport(&s->travellers[0], buf),
                            "L898902C3");

        assert_ptr_equal(mock_scenario_find_member(s, "L898902C3"), &s->travellers[0]);
        assert_ptr_equal(mock_scenario_find_member(s, "OLD1234"), &s->travellers[1]);
        assert_null(mock_scenario_find_member(s, "D23145890")); /* b presents an unregistered one */
        assert_null(mock_scenario_find_member(s, "D231458907")); /* c has no membership */
        assert_ptr_equal(mock_scenario_find_traveller(s, "c"), &s->travellers[2]);
        assert_null(mock_scenario_find_traveller(s, "d"));
        mock_scenario_free(s);
}

/* What the daemon's background check and registry answer for a traveller (mock mode). */
static void test_daemon_backends(void **state) {
        struct mock_scenario *s = expect_ok(
                "{'name':'x','travellers':["
                "{'id':'a','mrz':" MRZ_TD3 ",'background':'watchlist-hit','registry':'error'},"
                "{'id':'b','mrz':" MRZ_TD1 ",'background':'lost-stolen','registry':'hang'},"
                "{'id':'c','mrz':" MRZ_TD2 ",'background':'unavailable','registry':'ok'},"
                "{'id':'d','mrz':" MRZ_TD3 ",'background':'clear'}]}");
        uint8_t template[MOCK_TEMPLATE_MAX];

        assert_int_equal(s->travellers[0].background, MOCK_BACKGROUND_WATCHLIST_HIT);
        assert_int_equal(s->travellers[0].registry, MOCK_REGISTRY_ERROR);
        assert_int_equal(s->travellers[1].background, MOCK_BACKGROUND_LOST_STOLEN);
        assert_int_equal(s->travellers[1].registry, MOCK_REGISTRY_HANG);
        assert_int_equal(s->travellers[2].background, MOCK_BACKGROUND_UNAVAILABLE);
        assert_int_equal(s->travellers[2].registry, MOCK_REGISTRY_OK);
        assert_int_equal(s->travellers[3].background, MOCK_BACKGROUND_CLEAR);
        assert_string_equal(mock_background_to_string(MOCK_BACKGROUND_LOST_STOLEN), "lost-stolen");
        assert_string_equal(mock_registry_to_string(MOCK_REGISTRY_HANG), "hang");
        assert_null(mock_registry_to_string(MOCK_REGISTRY_MAX));

        /* The scanner's template: magic, then the fingerprint identity. */
        assert_int_equal(mock_traveller_template(&s->travellers[0], template, sizeof(template)),
                         MOCK_TEMPLATE_MAGIC_LEN + 1);
        assert_memory_equal(template, MOCK_TEMPLATE_MAGIC, MOCK_TEMPLATE_MAGIC_LEN);
        assert_int_equal(template[MOCK_TEMPLATE_MAGIC_LEN], 'a');
        assert_int_equal(mock_traveller_template(&s->travellers[0], template, 8), -ENOBUFS);
        mock_scenario_free(s);

        expect_error(TRAV(",'background':'maybe'"),
                     "travellers[0].background: unknown value 'maybe'; expected clear, "
                     "watchlist-hit, lost-stolen, unavailable");
        expect_error(TRAV(",'registry':'down'"),
                     "travellers[0].registry: unknown value 'down'; expected ok, error, hang");
        expect_error(TRAV(",'background':1"),
                     "travellers[0].background: expected a string, got an integer");
}

static void test_structure_errors(void **state) {
        expect_error("[]", "(top level): expected an object, got an array");
        expect_error("{}", "name: missing (required)");
        expect_error("{'name':5}", "name: expected a string, got an integer");
        expect_error("{'name':''}", "name: must not be empty");
        expect_error("{'name':'x','colour':1}",
                     "colour: unknown key; expected version, name, description, latency, lanes, "
                     "travellers, queue, faults");
        expect_error("{'name':'x','version':2}",
                     "version: format version 2 is not supported; this mock reads version 1");
        expect_error("{'name':'x','lanes':{}}", "lanes: expected an array, got an object");
        expect_error("{'name':'x','lanes':[{'name':'A1'},{'name':'A1'}]}",
                     "lanes[1].name: duplicate lane name 'A1'");
        expect_error("{'name':'x','lanes':[{'name':'A 1'}]}",
                     "lanes[0].name: invalid name: use letters, digits, '-', '_' and '.', "
                     "starting with a letter or digit");
        expect_error("{'name':'x','lanes':[{'name':'A1','zones':['mantrap','mantrap']}]}",
                     "lanes[0].zones[1]: duplicate zone 'mantrap'");
        expect_error("{'name':'x','lanes':[{'name':'A1','zones':[]}]}",
                     "lanes[0].zones: must not be empty");
        expect_error("{'name':'x','lanes':[{'name':'A1','camera':'yes'}]}",
                     "lanes[0].camera: expected a boolean, got a string");
        expect_error("{'name':'x','lanes':[{'name':'A1','exit_door_fail_mode':'open'}]}",
                     "lanes[0].exit_door_fail_mode: unknown value 'open'; expected secure, safe");
        expect_error("{'name':'x','latency':'fast'}",
                     "latency: unknown value 'fast'; expected realistic, zero");
        expect_error("{'name':'x','latency':7}",
                     "latency: expected \"realistic\", \"zero\" or an object of per-operation "
                     "milliseconds");
        expect_error_prefix("{'name':'x','latency':{'teleport':5}}",
                            "latency.teleport: unknown key; expected profile, walk, finger-place "
                            "or "
                            "an operation name (document-read-mrz, ");
        expect_error("{'name':'x','latency':{'door-open':-1}}",
                     "latency.door-open: must not be negative");
        expect_error("{'name':'x','label':'control\\u0001char'}",
                     "label: unknown key; expected version, name, description, latency, lanes, "
                     "travellers, queue, faults");
}

static void test_traveller_errors(void **state) {
        expect_error("{'name':'x','travellers':[{'mrz':" MRZ_TD3 "}]}",
                     "travellers[0].id: missing (required)");
        expect_error("{'name':'x','travellers':[" T1 "," T1 "]}",
                     "travellers[1].id: duplicate id 't1' (also travellers[0])");
        expect_error("{'name':'x','travellers':[{'id':'t1'}]}",
                     "travellers[0].mrz: missing (required)");
        expect_error("{'name':'x','travellers':[{'id':'t1','mrz':['P<UTO']}]}",
                     "travellers[0].mrz: expected 2 lines (TD2, TD3) or 3 lines (TD1), got 1");
        expect_error("{'name':'x','travellers':[{'id':'t1','mrz':"
                     "['P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<',"
                     "'L898902C36UTO7408122F1204159ZE184226B<<<<<1']}]}",
                     "travellers[0].mrz[1]: line is 43 characters; TD3 lines have 44");
        expect_error("{'name':'x','travellers':[{'id':'t1','mrz':['P<UTOERIKSSON','X']}]}",
                     "travellers[0].mrz[0]: line is 13 characters; expected 36 (TD2) or 44 (TD3)");
        expect_error("{'name':'x','travellers':[{'id':'t1','mrz':['I<UTO','X','Y']}]}",
                     "travellers[0].mrz[0]: line is 5 characters; TD1 lines have 30");
        expect_error("{'name':'x','travellers':[{'id':'t1','mrz':"
                     "['P<utoERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<',"
                     "'L898902C36UTO7408122F1204159ZE184226B<<<<<10']}]}",
                     "travellers[0].mrz[0]: character 3 is not allowed; an MRZ has only A-Z, 0-9 "
                     "and '<'");
        expect_error("{'name':'x','travellers':[{'id':'t1',"
                     "'mrz':['P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<',5]}]}",
                     "travellers[0].mrz[1]: expected a string, got an integer");
        expect_error(TRAV(",'chip':{'behaviour':'broken'}"),
                     "travellers[0].chip.behaviour: unknown value 'broken'; expected ok, "
                     "unreadable, slow, pa-fail, remove-mid-read, bac-fail, clone, short-only");
        expect_error(TRAV(",'chip':{'present':false,'behaviour':'ok'}"),
                     "travellers[0].chip.behaviour: not allowed when present is false");
        expect_error(TRAV(",'chip':{'delay_ms':5}"),
                     "travellers[0].chip.delay_ms: only valid with behaviour 'slow'");
        expect_error(TRAV(",'chip':{'dg1_mrz':['A']}"),
                     "travellers[0].chip.dg1_mrz: expected 2 lines (TD2, TD3) or 3 lines (TD1), "
                     "got 1");
        expect_error(TRAV(",'chip':{'colour':'red'}"),
                     "travellers[0].chip.colour: unknown key; expected present, dg1_mrz, "
                     "access, extended_length, behaviour, delay_ms");
        expect_error(TRAV(",'think_ms':-5"), "travellers[0].think_ms: must not be negative");
        expect_error(TRAV(",'think_ms':3600001"),
                     "travellers[0].think_ms: 3600001 is too large; the limit is 3600000 (one "
                     "hour)");
        expect_error(TRAV(",'think_ms':1.5"),
                     "travellers[0].think_ms: expected an integer, got a number with a fraction or "
                     "exponent");
        expect_error(TRAV(",'walk':'runs'"),
                     "travellers[0].walk: unknown value 'runs'; expected normal, tailgater, "
                     "turns-back, two-people, slow, forces-exit, exit-intruder");
        expect_error("{'name':'x','travellers':[{'id':'t1','label':'a\\tb','mrz':" MRZ_TD3 "}]}",
                     "travellers[0].label: contains a control character at byte 2");
        expect_error(TRAV(",'fingerprint':{'behaviour':[]}"),
                     "travellers[0].fingerprint.behaviour: must not be empty");
        expect_error(TRAV(",'fingerprint':{'behaviour':['match','smudge']}"),
                     "travellers[0].fingerprint.behaviour[1]: unknown value 'smudge'; expected "
                     "match, no-match, timeout, poor-quality, presentation-attack");
        expect_error(TRAV(",'fingerprint':{'score_match':30}"),
                     "travellers[0].fingerprint.score_match: 30 is below the threshold 40, so a "
                     "match would not match");
        expect_error(TRAV(",'fingerprint':{'score_no_match':40}"),
                     "travellers[0].fingerprint.score_no_match: 40 reaches the threshold 40, so a "
                     "no-match would match");
        expect_error(TRAV(",'fingerprint':{'score_match':101}"),
                     "travellers[0].fingerprint.score_match: 101 is too large; the limit is 100");
        expect_error(TRAV(",'face':{'behaviour':['blink']}"),
                     "travellers[0].face.behaviour[0]: unknown value 'blink'; expected match, "
                     "no-match, no-face, multi-face, presentation-attack");
}

/* A fake finger and a photo held up: one name in both lists, each its own enum value. */
static void test_presentation_attack(void **state) {
        struct mock_scenario *s =
                expect_ok(TRAV(",'fingerprint':{'behaviour':['presentation-attack','match']},"
                               "'face':{'behaviour':['match','presentation-attack']}"));
        const struct mock_traveller *t = &s->travellers[0];

        assert_int_equal(t->fingerprint.n_outcomes, 2);
        assert_int_equal(t->fingerprint.outcomes[0], MOCK_FINGER_PRESENTATION_ATTACK);
        assert_int_equal(t->fingerprint.outcomes[1], MOCK_FINGER_MATCH);
        assert_int_equal(t->face.n_outcomes, 2);
        assert_int_equal(t->face.outcomes[1], MOCK_FACE_PRESENTATION_ATTACK);
        assert_string_equal(mock_finger_outcome_to_string(MOCK_FINGER_PRESENTATION_ATTACK),
                            "presentation-attack");
        assert_string_equal(mock_face_outcome_to_string(MOCK_FACE_PRESENTATION_ATTACK),
                            "presentation-attack");
        mock_scenario_free(s);

        /* The scanner's and the camera's words are not each other's. */
        expect_error(TRAV(",'fingerprint':{'behaviour':['no-face']}"),
                     "travellers[0].fingerprint.behaviour[0]: unknown value 'no-face'; expected "
                     "match, no-match, timeout, poor-quality, presentation-attack");
        expect_error(TRAV(",'face':{'behaviour':['presentation_attack']}"),
                     "travellers[0].face.behaviour[0]: unknown value 'presentation_attack'; "
                     "expected match, no-match, no-face, multi-face, presentation-attack");
}

static void test_chip_access(void **state) {
        struct mock_scenario *s;

        /* Both values, with any behaviour; "bac" is what a chip without the key has. */
        s = expect_ok("{'name':'x','travellers':["
                      " {'id':'t1','mrz':" MRZ_TD3 ",'chip':{'access':'pace'}},"
                      " {'id':'t2','mrz':" MRZ_TD3 ",'chip':{'access':'bac'}},"
                      " {'id':'t3','mrz':" MRZ_TD1 ","
                      "  'chip':{'access':'pace','behaviour':'slow','delay_ms':3}},"
                      " {'id':'t4','mrz':" MRZ_TD2 ",'chip':{}}]}");
        assert_int_equal(s->travellers[0].chip.access, MOCK_CHIP_ACCESS_PACE);
        assert_int_equal(s->travellers[0].chip.behaviour, MOCK_CHIP_OK);
        assert_int_equal(s->travellers[1].chip.access, MOCK_CHIP_ACCESS_BAC);
        assert_int_equal(s->travellers[2].chip.access, MOCK_CHIP_ACCESS_PACE);
        assert_int_equal(s->travellers[2].chip.behaviour, MOCK_CHIP_SLOW);
        assert_int_equal(s->travellers[2].chip.delay_ms, 3);
        assert_int_equal(s->travellers[3].chip.access, MOCK_CHIP_ACCESS_BAC);
        mock_scenario_free(s);

        assert_string_equal(mock_chip_access_to_string(MOCK_CHIP_ACCESS_BAC), "bac");
        assert_string_equal(mock_chip_access_to_string(MOCK_CHIP_ACCESS_PACE), "pace");
        assert_null(mock_chip_access_to_string(MOCK_CHIP_ACCESS_MAX));

        expect_error(TRAV(",'chip':{'access':'x'}"),
                     "travellers[0].chip.access: unknown value 'x'; expected bac, pace");
        /* Exact and case-sensitive, like every other value. */
        expect_error(TRAV(",'chip':{'access':'PACE'}"),
                     "travellers[0].chip.access: unknown value 'PACE'; expected bac, pace");
        expect_error(TRAV(",'chip':{'access':'pace-cam'}"),
                     "travellers[0].chip.access: unknown value 'pace-cam'; expected bac, pace");
        expect_error(TRAV(",'chip':{'access':''}"),
                     "travellers[0].chip.access: unknown value ''; expected bac, pace");
        expect_error(TRAV(",'chip':{'access':true}"),
                     "travellers[0].chip.access: expected a string, got a boolean");
        expect_error(TRAV(",'chip':{'access':null}"),
                     "travellers[0].chip.access: expected a string, got null");
        expect_error(TRAV(",'chip':{'present':false,'access':'pace'}"),
                     "travellers[0].chip.access: not allowed when present is false");
}

static void test_chip_extended_length(void **state) {
        struct mock_scenario *s;

        /* A boolean, false by default, with any access and behaviour. */
        s = expect_ok("{'name':'x','travellers':["
                      " {'id':'t1','mrz':" MRZ_TD3 ",'chip':{'extended_length':true}},"
                      " {'id':'t2','mrz':" MRZ_TD3 ",'chip':{'extended_length':false}},"
                      " {'id':'t3','mrz':" MRZ_TD1 ","
                      "  'chip':{'access':'pace','extended_length':true,'behaviour':'clone'}},"
                      " {'id':'t4','mrz':" MRZ_TD2 ",'chip':{'access':'pace'}},"
                      " {'id':'t5','mrz':" MRZ_TD3 ","
                      "  'chip':{'extended_length':true,'behaviour':'short-only'}},"
                      " {'id':'t6','mrz':" MRZ_TD3 "}]}");
        assert_true(s->travellers[0].chip.extended_length);
        assert_int_equal(s->travellers[0].chip.access, MOCK_CHIP_ACCESS_BAC);
        assert_int_equal(s->travellers[0].chip.behaviour, MOCK_CHIP_OK);
        assert_false(s->travellers[1].chip.extended_length);
        assert_true(s->travellers[2].chip.extended_length);
        assert_int_equal(s->travellers[2].chip.access, MOCK_CHIP_ACCESS_PACE);
        assert_int_equal(s->travellers[2].chip.behaviour, MOCK_CHIP_CLONE);
        assert_false(s->travellers[3].chip.extended_length);
        assert_true(s->travellers[4].chip.extended_length);
        assert_int_equal(s->travellers[4].chip.behaviour, MOCK_CHIP_SHORT_ONLY);
        assert_false(s->travellers[5].chip.extended_length);
        mock_scenario_free(s);

        assert_string_equal(mock_chip_behaviour_to_string(MOCK_CHIP_SHORT_ONLY), "short-only");
        assert_null(mock_chip_behaviour_to_string(MOCK_CHIP_BEHAVIOUR_MAX));

        expect_error(TRAV(",'chip':{'extended_length':'true'}"),
                     "travellers[0].chip.extended_length: expected a boolean, got a string");
        expect_error(TRAV(",'chip':{'extended_length':1}"),
                     "travellers[0].chip.extended_length: expected a boolean, got an integer");
        expect_error(TRAV(",'chip':{'extended_length':0}"),
                     "travellers[0].chip.extended_length: expected a boolean, got an integer");
        expect_error(TRAV(",'chip':{'extended_length':null}"),
                     "travellers[0].chip.extended_length: expected a boolean, got null");
        expect_error(TRAV(",'chip':{'extended_length':[true]}"),
                     "travellers[0].chip.extended_length: expected a boolean, got an array");
        expect_error(TRAV(",'chip':{'extended_length':{}}"),
                     "travellers[0].chip.extended_length: expected a boolean, got an object");
        expect_error(TRAV(",'chip':{'present':false,'extended_length':false}"),
                     "travellers[0].chip.extended_length: not allowed when present is false");
        /* Keys are exact. */
        expect_error(TRAV(",'chip':{'extended-length':true}"),
                     "travellers[0].chip.extended-length: unknown key; expected present, dg1_mrz, "
                     "access, extended_length, behaviour, delay_ms");
        /* A chip whose ATR promises no extended length never gets an APDU to refuse. */
        expect_error(TRAV(",'chip':{'behaviour':'short-only'}"),
                     "travellers[0].chip.behaviour: 'short-only' is only valid with "
                     "extended_length true");
        expect_error(TRAV(",'chip':{'extended_length':false,'behaviour':'short-only'}"),
                     "travellers[0].chip.behaviour: 'short-only' is only valid with "
                     "extended_length true");
}

static void test_membership_errors(void **state) {
#define M(x) TRAV(",'membership':" x "")
        expect_error(M("{}"), "travellers[0].membership.status: missing (required)");
        expect_error(M("{'status':'gold'}"),
                     "travellers[0].membership.status: unknown value 'gold'; expected active, "
                     "conditional, suspended, revoked, expired, none");
        expect_error(M("{'status':'none','enrolled':'2023-01-01'}"),
                     "travellers[0].membership.enrolled: not allowed when status is none");
        expect_error(M("{'status':'active'}"),
                     "travellers[0].membership.enrolled: missing (required for status active)");
        expect_error(M("{'status':'conditional'}"),
                     "travellers[0].membership.conditional_approval: missing (required for "
                     "status conditional)");
        expect_error(M("{'status':'active','enrolled':'2023-02-29'}"),
                     "travellers[0].membership.enrolled: not a valid ISO 8601 calendar date "
                     "(YYYY-MM-DD, years 1900-2199)");
        expect_error(M("{'status':'active','enrolled':'2023-5-01'}"),
                     "travellers[0].membership.enrolled: not a valid ISO 8601 calendar date "
                     "(YYYY-MM-DD, years 1900-2199)");
        expect_error(M("{'status':'active','enrolled':'2023-13-01'}"),
                     "travellers[0].membership.enrolled: not a valid ISO 8601 calendar date "
                     "(YYYY-MM-DD, years 1900-2199)");
        expect_error(M("{'status':'active','enrolled':'20230501'}"),
                     "travellers[0].membership.enrolled: not a valid ISO 8601 calendar date "
                     "(YYYY-MM-DD, years 1900-2199)");
        expect_error(M("{'status':'active','enrolled':'2023-04-31'}"),
                     "travellers[0].membership.enrolled: not a valid ISO 8601 calendar date "
                     "(YYYY-MM-DD, years 1900-2199)");
        expect_error(M("{'status':'active','enrolled':20230501}"),
                     "travellers[0].membership.enrolled: expected a string, got an integer");
        expect_error(M("{'status':'active','enrolled':'2023-01-01',"
                       "'conditional_approval':'2023-06-01'}"),
                     "travellers[0].membership.enrolled: is before conditional_approval");
        expect_error(M("{'status':'active','enrolled':'2023-01-01',"
                       "'registered_passport':'m12-34'}"),
                     "travellers[0].membership.registered_passport: character 1 is not allowed; a "
                     "document number has only A-Z and 0-9");
        expect_error(M("{'status':'active','enrolled':'2023-01-01','fingers':['right-index',"
                       "'right-index']}"),
                     "travellers[0].membership.fingers[1]: duplicate finger 'right-index'");
        expect_error(M("{'status':'active','enrolled':'2023-01-01','fingers':['tail']}"),
                     "travellers[0].membership.fingers[0]: unknown value 'tail'; expected "
                     "right-thumb, right-index, right-middle, right-ring, right-little, "
                     "left-thumb, left-index, left-middle, left-ring, left-little");
#undef M
        /* Leap day in a leap year is fine; 1900 is not a leap year, 2000 is. */
        mock_scenario_free(expect_ok("{'name':'x','travellers':[{'id':'t1','mrz':" MRZ_TD3
                                     ",'membership':{'status':'revoked',"
                                     "'enrolled':'2000-02-29'}}]}"));
        expect_error("{'name':'x','travellers':[{'id':'t1','mrz':" MRZ_TD3
                     ",'membership':{'status':'revoked','enrolled':'1900-02-29'}}]}",
                     "travellers[0].membership.enrolled: not a valid ISO 8601 calendar date "
                     "(YYYY-MM-DD, years 1900-2199)");
}

static void test_queue_and_fault_errors(void **state) {
        expect_error("{'name':'x'," LANE ",'travellers':[" T1 "],'queue':{'lane':'Z9',"
                     "'travellers':[]}}",
                     "queue.lane: unknown lane 'Z9'");
        expect_error("{'name':'x'," LANE ",'travellers':[" T1 "],'queue':{'lane':'A1',"
                     "'travellers':['t1','nobody']}}",
                     "queue.travellers[1]: unknown traveller 'nobody'");
        expect_error("{'name':'x'," LANE ",'travellers':[" T1 "],'queue':{'lane':'A1'}}",
                     "queue.travellers: missing (required)");
        expect_error("{'name':'x'," LANE ",'queue':[{'lane':'A1','travellers':[]},{'lane':'A1',"
                     "'travellers':[]}]}",
                     "queue[1].lane: lane 'A1' already has a queue");
        expect_error("{'name':'x'," LANE ",'queue':{'lane':'A1','travellers':[],"
                     "'interval_ms':7200000}}",
                     "queue.interval_ms: 7200000 is too large; the limit is 3600000 (one hour)");
        expect_error("{'name':'x'," LANE ",'queue':'A1'}",
                     "queue: expected an object or an array of objects");
        expect_error("{'name':'x'," LANE ",'faults':[{'device':'A1-teleporter','op':'*',"
                     "'fault':'error'}]}",
                     "faults[0].device: unknown device 'A1-teleporter'; scenario devices are named "
                     "<lane>-<role>, e.g. A1-exit-door");
        expect_error("{'name':'x','lanes':[{'name':'A1','camera':false}],"
                     "'faults':[{'device':'A1-camera','op':'*','fault':'error'}]}",
                     "faults[0].device: unknown device 'A1-camera'; scenario devices are named "
                     "<lane>-<role>, e.g. A1-exit-door");
        expect_error("{'name':'x'," LANE ",'faults':[{'device':'A1-camera','op':'door-open',"
                     "'fault':'error'}]}",
                     "faults[0].op: operation 'door-open' does not apply to a camera");
        expect_error_prefix("{'name':'x'," LANE ",'faults':[{'device':'A1-camera','op':'explode',"
                            "'fault':'error'}]}",
                            "faults[0].op: unknown operation 'explode'; expected * or one of "
                            "document-read-mrz, ");
        expect_error("{'name':'x'," LANE ",'faults':[{'device':'A1-camera','op':'*',"
                     "'fault':'melt'}]}",
                     "faults[0].fault: unknown value 'melt'; expected error, delay, hang, unplug, "
                     "crash");
        expect_error("{'name':'x'," LANE ",'faults':[{'device':'A1-camera','op':'*',"
                     "'fault':'delay'}]}",
                     "faults[0].delay_ms: missing (required)");
        expect_error("{'name':'x'," LANE ",'faults':[{'device':'A1-camera','op':'*',"
                     "'fault':'error','delay_ms':5}]}",
                     "faults[0].delay_ms: only valid with fault 'delay'");
        expect_error("{'name':'x'," LANE ",'faults':[{'device':'A1-camera','op':'*',"
                     "'fault':'error','count':-1}]}",
                     "faults[0].count: must not be negative");
        expect_error("{'name':'x'," LANE ",'faults':[{'device':'A1-camera','op':'*',"
                     "'fault':'error','after':1000001}]}",
                     "faults[0].after: 1000001 is too large; the limit is 1000000");
}

static void test_syntax_errors(void **state) {
        expect_error("", "JSON syntax error at line 1, column 1: unexpected end of input");
        expect_error("{'name':", "JSON syntax error at line 1, column 9: unexpected end of input");
        expect_error_prefix("{'name':'x',}", "JSON syntax error at line 1, column ");
        expect_error_prefix("{'name':'x'}\n  garbage", "JSON syntax error at line 2, column 3");
        expect_error_prefix("{'name':'x'}{}", "JSON syntax error at line 1, column 13");
        expect_error_prefix("{\n'name':\n'x' /* comment */}", "JSON syntax error at line 3");
        expect_error_prefix("{'name':'x','lanes':[{'name':'A1'}]]}", "JSON syntax error at line 1");
        /* Invalid UTF-8 in a string. */
        expect_error_prefix("{'name':'\xff\xfe'}", "JSON syntax error at line 1");
}

static void test_hostile_numbers(void **state) {
        expect_error(TRAV(",'think_ms':99999999999999999999"),
                     "travellers[0].think_ms: 9223372036854775807 is too large; the limit is "
                     "3600000 (one hour)");
        expect_error(TRAV(",'think_ms':-99999999999999999999"),
                     "travellers[0].think_ms: must not be negative");
        expect_error(TRAV(",'think_ms':1e400"),
                     "travellers[0].think_ms: expected an integer, got a number with a fraction or "
                     "exponent");
        expect_error("{'name':'x','version':4294967296}",
                     "version: 4294967296 is too large; the limit is 4294967295");
}

static void test_deep_nesting(void **state) {
        size_t depth = 100000;
        _cleanup_(freep) char *text = malloc(2 * depth + 1);
        struct mock_scenario *s = NULL;
        _cleanup_(freep) char *error = NULL;

        assert_non_null(text);
        memset(text, '[', depth);
        memset(text + depth, ']', depth);
        text[2 * depth] = '\0';
        assert_int_equal(mock_scenario_load_buffer(text, 2 * depth, &s, &error), -EINVAL);
        assert_null(s);
        assert_string_equal(error, "JSON syntax error at line 1, column 17: nesting too deep");

        free(error);
        error = NULL;
        /* Deep inside an otherwise valid document too. */
        expect_error("{'name':'x',"
                     "'description':{'a':{'b':{'c':{'d':{'e':{'f':{'g':{'h':{'i':{'j':{'k':{'l':"
                     "{'m':{'n':{'o':{'p':1}}}}}}}}}}}}}}}}}",
                     "JSON syntax error at line 1, column 102: nesting too deep");
}

static void test_binary_input(void **state) {
        uint8_t buf[4096];
        unsigned seed = 0x5eed;

        /* Random bytes, with and without a plausible start: an error, never a crash. */
        for (int round = 0; round < 500; round++) {
                struct mock_scenario *s = NULL;
                char *error = NULL;
                size_t len = (size_t) (rand_r(&seed) % sizeof(buf));

                for (size_t i = 0; i < len; i++)
                        buf[i] = (uint8_t) rand_r(&seed);
                if (round % 2 && len > 0)
                        buf[0] = '{';
                assert_true(mock_scenario_load_buffer(buf, len, &s, &error) < 0);
                assert_null(s);
                assert_non_null(error);
                free(error);
        }

        /* A NUL inside an otherwise fine document. */
        static const char nul[] = "{\"name\":\"x\"\0}";
        struct mock_scenario *s = NULL;
        _cleanup_(freep) char *error = NULL;
        assert_true(mock_scenario_load_buffer(nul, sizeof(nul) - 1, &s, &error) < 0);
        assert_null(s);
        assert_non_null(error);

        /* A NUL inside a string value. */
        static const char nul2[] = "{\"name\":\"x\\u0000y\"}";
        free(error);
        error = NULL;
        assert_true(mock_scenario_load_buffer(nul2, sizeof(nul2) - 1, &s, &error) < 0);
        assert_string_equal(error, "name: contains a NUL character");
}

static void test_too_big(void **state) {
        size_t size = 5u * 1024 * 1024;
        _cleanup_(freep) char *text = malloc(size);
        char path[] = "/tmp/test-mock-scenario-XXXXXX";
        struct mock_scenario *s = NULL;
        char *error = NULL;
        int fd;

        assert_non_null(text);
        /* Valid JSON: a long description. */
        memset(text, ' ', size);
        memcpy(text, "{\"name\":\"x\",\"description\":\"", 28);
        memset(text + 28, 'a', size - 40);
        memcpy(text + size - 12, "\"}", 2);

        assert_int_equal(mock_scenario_load_buffer(text, size, &s, &error), -EFBIG);
        assert_string_equal(error, "scenario is 5242880 bytes; the limit is 4194304 (4 MiB)");
        free(error);

        fd = mkstemp(path);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, text, size), (ssize_t) size);
        close(fd);
        assert_int_equal(mock_scenario_load_file(path, &s, &error), -EFBIG);
        assert_null(s);
        assert_string_equal(error, "file is larger than the limit of 4194304 bytes (4 MiB)");
        free(error);
        unlink(path);

        assert_int_equal(mock_scenario_load_file("/nonexistent/scenario.jso"
                                                 "n",
                                                 &s, &error),
                         -ENOENT);
        assert_string_equal(error, "cannot open: No such file or directory");
        free(error);
        assert_int_equal(mock_scenario_load_file("/tmp", &s, &error), -EINVAL);
        assert_string_equal(error, "not a regular file");
        free(error);
}

static void test_limits(void **state) {
        /* A string at the limit passes, one byte more does not. */
        char json[1024], id[40], many[2048];

        memset(id, 'a', 31);
        id[31] = '\0';
        snprintf(json, sizeof(json),
                 "{'name':'x','travellers':[{'id':'%s',"
                 "'mrz':" MRZ_TD3 "}]}",
                 id);
        mock_scenario_free(expect_ok(json));
        strcat(id, "b");
        snprintf(json, sizeof(json),
                 "{'name':'x','travellers':[{'id':'%s',"
                 "'mrz':" MRZ_TD3 "}]}",
                 id);
        expect_error(json, "travellers[0].id: is 32 bytes long; the limit is 31");

        /* 64 lanes pass, 65 do not. */
        strcpy(many, "{'name':'x','lanes':[");
        for (unsigned i = 0; i < 65; i++)
                snprintf(many + strlen(many), sizeof(many) - strlen(many), "%s{'name':'L%u'}",
                         i ? "," : "", i);
        strcat(many, "]}");
        expect_error(many, "lanes: has 65 entries; the limit is 64");
        *strrchr(many, ',') = 0;
        strcat(many, "]}");
        mock_scenario_free(expect_ok(many));
}

static void test_names(void **state) {
        /* The hand-written list in error messages matches the table. */
        char list[512] = "";

        for (unsigned k = EG_OP_INVALID + 1; k < EG_OP_MAX_; k++) {
                if (k > EG_OP_INVALID + 1)
                        strcat(list, ", ");
                strcat(list, mock_op_to_string((enum eg_op_kind) k));
                assert_int_equal(mock_op_from_string(mock_op_to_string((enum eg_op_kind) k)), k);
        }
        assert_string_equal(list, mock_op_names_joined());
        assert_int_equal(mock_op_from_string("door-opens"), EG_OP_INVALID);
        assert_int_equal(mock_class_supported_ops(EG_CLASS_DOOR),
                         EG_OP_BIT(EG_OP_DOOR_OPEN) | EG_OP_BIT(EG_OP_DOOR_CLOSE) |
                                 EG_OP_BIT(EG_OP_DOOR_LOCK) | EG_OP_BIT(EG_OP_DOOR_SAFE_STATE));
        assert_int_equal(mock_timing_from_string("walk"), MOCK_TIMING_WALK);
        assert_int_equal(mock_timing_from_string("finger-place"), MOCK_TIMING_FINGER_PLACE);
        assert_int_equal(mock_timing_from_string("chip-transmit"), EG_OP_CHIP_TRANSMIT);
        assert_int_equal(mock_timing_from_string("nap"), -EINVAL);
}

static void test_mrz_helpers(void **state) {
        struct mock_mrz m = { .n_lines = 2 };
        char buf[200];

        assert_int_equal(mock_mrz_check_digit("L898902C3", 9), 6);
        assert_int_equal(mock_mrz_check_digit("740812", 6), 2);
        assert_int_equal(mock_mrz_check_digit("L898902C<", 9), 3);
        assert_int_equal(mock_mrz_check_digit("ab", 2), -EINVAL);

        strcpy(m.lines[0], "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<");
        strcpy(m.lines[1], "L898902C36UTO7408122F1204159ZE184226B<<<<<10");
        assert_int_equal(mock_mrz_format(&m), MOCK_MRZ_TD3);
        assert_int_equal(mock_mrz_join(&m, buf, sizeof(buf)), 89);
        assert_int_equal(buf[44], '\n');
        assert_int_equal(mock_mrz_join(&m, buf, 89), -ENOBUFS);
        assert_int_equal(mock_mrz_concat(&m, buf, sizeof(buf)), 88);
        m.lines[1][43] = '\0';
        assert_int_equal(mock_mrz_format(&m), MOCK_MRZ_INVALID);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_minimal_defaults),
                cmocka_unit_test(test_full_traveller),
                cmocka_unit_test(test_registry_view),
                cmocka_unit_test(test_daemon_backends),
                cmocka_unit_test(test_structure_errors),
                cmocka_unit_test(test_traveller_errors),
                cmocka_unit_test(test_presentation_attack),
                cmocka_unit_test(test_chip_access),
                cmocka_unit_test(test_chip_extended_length),
                cmocka_unit_test(test_membership_errors),
                cmocka_unit_test(test_queue_and_fault_errors),
                cmocka_unit_test(test_syntax_errors),
                cmocka_unit_test(test_hostile_numbers),
                cmocka_unit_test(test_deep_nesting),
                cmocka_unit_test(test_binary_input),
                cmocka_unit_test(test_too_big),
                cmocka_unit_test(test_limits),
                cmocka_unit_test(test_names),
                cmocka_unit_test(test_mrz_helpers),
        };

        return cmocka_run_group_tests_name("mock-scenario", tests, NULL, NULL);
}
