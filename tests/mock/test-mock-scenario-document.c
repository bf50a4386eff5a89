/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The scenario's side of DOCUMENT_INSPECT: a traveller's "document" (the model the reader
 * identifies, the verdict of each optical check), a lane's "document_inspection", and the
 * operation's names and latency. */
#include "scenario-test.h"

#define ALL_CHECKS                                                                                 \
        (EG_OPTICAL_BIT(EG_OPTICAL_UV_DULLNESS) | EG_OPTICAL_BIT(EG_OPTICAL_UV_PATTERNS) |         \
         EG_OPTICAL_BIT(EG_OPTICAL_IR_B900) | EG_OPTICAL_BIT(EG_OPTICAL_IR_MRZ) |                  \
         EG_OPTICAL_BIT(EG_OPTICAL_VISIBLE_PATTERNS))

/* The traveller of TRAV(",'document':" doc), which must load. */
#define DOC(doc) TRAV(",'document':" doc)

static void assert_masks(const struct mock_traveller *t, uint32_t passed, uint32_t failed,
                         uint32_t undetermined) {
        assert_int_equal(t->document.optical_passed, passed);
        assert_int_equal(t->document.optical_failed, failed);
        assert_int_equal(t->document.optical_undetermined, undetermined);
}

static void test_document_defaults(void **state) {
        struct mock_scenario *s;

        /* No "document": the reader identifies the model and every check passes. */
        s = expect_ok("{'name':'x'," LANE ",'travellers':[" T1 "]}");
        assert_string_equal(s->travellers[0].document.model, "MOCK-TD3-2020");
        assert_masks(&s->travellers[0], ALL_CHECKS, 0, 0);
        assert_true(s->lanes[0].document_inspection);
        assert_true(mock_lane_config_role_ops(&s->lanes[0], MOCK_ROLE_DOCUMENT_READER) &
                    EG_OP_BIT(EG_OP_DOCUMENT_INSPECT));
        mock_scenario_free(s);

        /* An empty object and one with only the model say the same. */
        s = expect_ok(DOC("{}"));
        assert_string_equal(s->travellers[0].document.model, MOCK_DOCUMENT_MODEL_DEFAULT);
        assert_masks(&s->travellers[0], ALL_CHECKS, 0, 0);
        mock_scenario_free(s);

        s = expect_ok(DOC("{'model':'KOR-P-2021'}"));
        assert_string_equal(s->travellers[0].document.model, "KOR-P-2021");
        assert_masks(&s->travellers[0], ALL_CHECKS, 0, 0);
        mock_scenario_free(s);

        /* An empty "optical" changes nothing either. */
        s = expect_ok(DOC("{'optical':{}}"));
        assert_string_equal(s->travellers[0].document.model, MOCK_DOCUMENT_MODEL_DEFAULT);
        assert_masks(&s->travellers[0], ALL_CHECKS, 0, 0);
        mock_scenario_free(s);
}

/* A reader that knows no model that fits makes no check unless the scenario names it. */
static void test_document_no_model(void **state) {
        struct mock_scenario *s;

        s = expect_ok(DOC("{'model':null}"));
        assert_null(s->travellers[0].document.model);
        assert_masks(&s->travellers[0], 0, 0, 0);
        mock_scenario_free(s);

        s = expect_ok(DOC("{'model':null,'optical':{'uv-dullness':'failed','ir-mrz':'passed',"
                          "'ir-b900':'not-made'}}"));
        assert_null(s->travellers[0].document.model);
        assert_masks(&s->travellers[0], EG_OPTICAL_BIT(EG_OPTICAL_IR_MRZ),
                     EG_OPTICAL_BIT(EG_OPTICAL_UV_DULLNESS), 0);
        mock_scenario_free(s);
}

static void test_document_verdicts(void **state) {
        struct mock_scenario *s;

        /* One of each; the check not named keeps its default. */
        s = expect_ok(DOC("{'optical':{'uv-dullness':'passed','uv-patterns':'failed',"
                          "'ir-b900':'undetermined','ir-mrz':'not-made'}}"));
        assert_masks(&s->travellers[0],
                     EG_OPTICAL_BIT(EG_OPTICAL_UV_DULLNESS) |
                             EG_OPTICAL_BIT(EG_OPTICAL_VISIBLE_PATTERNS),
                     EG_OPTICAL_BIT(EG_OPTICAL_UV_PATTERNS), EG_OPTICAL_BIT(EG_OPTICAL_IR_B900));
        mock_scenario_free(s);

        /* Every check by its name lands on its own bit, with every verdict. */
        for (unsigned check = 0; check < EG_OPTICAL_MAX_; check++)
                for (unsigned v = 0; v < MOCK_OPTICAL_VERDICT_MAX; v++) {
                        char json[512];
                        uint32_t bit = EG_OPTICAL_BIT(check), others = ALL_CHECKS & ~bit;

                        snprintf(json, sizeof(json), DOC("{'optical':{'%s':'%s'}}"),
                                 mock_optical_check_names[check],
                                 mock_optical_verdict_to_string((enum mock_optical_verdict) v));
                        s = expect_ok(json);
                        assert_masks(&s->travellers[0],
                                     others | (v == MOCK_OPTICAL_PASSED ? bit : 0),
                                     v == MOCK_OPTICAL_FAILED ? bit : 0,
                                     v == MOCK_OPTICAL_UNDETERMINED ? bit : 0);
                        mock_scenario_free(s);
                }

        /* All five failed. */
        s = expect_ok(DOC("{'model':'UTO-P-2019','optical':{'uv-dullness':'failed',"
                          "'uv-patterns':'failed','ir-b900':'failed','ir-mrz':'failed',"
                          "'visible-patterns':'failed'}}"));
        assert_string_equal(s->travellers[0].document.model, "UTO-P-2019");
        assert_masks(&s->travellers[0], 0, ALL_CHECKS, 0);
        mock_scenario_free(s);
}

static void test_document_model_limits(void **state) {
        char model[80], json[512];
        struct mock_scenario *s;

        /* Printable ASCII up to 63 bytes, spaces and punctuation included. */
        memset(model, 'M', 63);
        model[63] = '\0';
        snprintf(json, sizeof(json), DOC("{'model':'%s'}"), model);
        s = expect_ok(json);
        assert_string_equal(s->travellers[0].document.model, model);
        mock_scenario_free(s);
        s = expect_ok(DOC("{'model':' D<UTO> ~ 2020 '}"));
        assert_string_equal(s->travellers[0].document.model, " D<UTO> ~ 2020 ");
        mock_scenario_free(s);

        strcat(model, "M");
        snprintf(json, sizeof(json), DOC("{'model':'%s'}"), model);
        expect_error(json, "travellers[0].document.model: is 64 bytes long; the limit is 63");
        expect_error(DOC("{'model':''}"),
                     "travellers[0].document.model: must not be empty; null says no known "
                     "model fits");
        expect_error(DOC("{'model':'Caf\\u00e9-P'}"),
                     "travellers[0].document.model: byte 4 is not printable ASCII; a model name "
                     "has only characters from ' ' to '~'");
        expect_error(DOC("{'model':'KOR\xe2\x80\x94P'}"),
                     "travellers[0].document.model: byte 4 is not printable ASCII; a model name "
                     "has only characters from ' ' to '~'");
        expect_error(DOC("{'model':'KOR\\tP'}"),
                     "travellers[0].document.model: contains a control character at byte 4");
        expect_error(DOC("{'model':'KOR\\u007f'}"),
                     "travellers[0].document.model: contains a control character at byte 4");
        expect_error(DOC("{'model':'KOR\\u0000P'}"),
                     "travellers[0].document.model: contains a NUL character");
}

static void test_document_errors(void **state) {
        expect_error(DOC("'MOCK'"), "travellers[0].document: expected an object, got a string");
        expect_error(DOC("null"), "travellers[0].document: expected an object, got null");
        expect_error(DOC("{'model':'X','uv':'passed'}"),
                     "travellers[0].document.uv: unknown key; expected model, optical");
        expect_error(DOC("{'model':7}"),
                     "travellers[0].document.model: expected a string or null, got an integer");
        expect_error(DOC("{'model':['X']}"),
                     "travellers[0].document.model: expected a string or null, got an array");
        expect_error(DOC("{'optical':'passed'}"),
                     "travellers[0].document.optical: expected an object, got a string");
        expect_error(DOC("{'optical':{'uv':'passed'}}"),
                     "travellers[0].document.optical.uv: unknown key; expected uv-dullness, "
                     "uv-patterns, ir-b900, ir-mrz, visible-patterns");
        /* Exact, like every name. */
        expect_error(DOC("{'optical':{'IR-B900':'passed'}}"),
                     "travellers[0].document.optical.IR-B900: unknown key; expected uv-dullness, "
                     "uv-patterns, ir-b900, ir-mrz, visible-patterns");
        expect_error(DOC("{'optical':{'ir-b900':'ok'}}"),
                     "travellers[0].document.optical.ir-b900: unknown value 'ok'; expected "
                     "passed, failed, undetermined, not-made");
        expect_error(DOC("{'optical':{'ir-mrz':true}}"),
                     "travellers[0].document.optical.ir-mrz: expected a string, got a boolean");
        expect_error(DOC("{'optical':{'ir-mrz':null}}"),
                     "travellers[0].document.optical.ir-mrz: expected a string, got null");
        expect_error(DOC("{'model':null,'optical':{'visible-patterns':'maybe'}}"),
                     "travellers[0].document.optical.visible-patterns: unknown value 'maybe'; "
                     "expected passed, failed, undetermined, not-made");
        /* The traveller's keys name it. */
        expect_error(TRAV(",'documents':{}"),
                     "travellers[0].documents: unknown key; expected id, label, mrz, "
                     "mrz_readable, chip, document, membership, fingerprint, face, walk, "
                     "think_ms, patience_ms, background, registry");
}

static void test_lane_document_inspection(void **state) {
        struct mock_scenario *s;
        uint32_t reader = mock_class_supported_ops(EG_CLASS_DOCUMENT_READER);

        s = expect_ok("{'name':'x','lanes':[{'name':'A1','document_inspection':false},"
                      "{'name':'B1','document_inspection':true},{'name':'C1'}]}");
        assert_false(s->lanes[0].document_inspection);
        assert_true(s->lanes[1].document_inspection);
        assert_true(s->lanes[2].document_inspection);
        /* An MRZ-only reader: the rest of its class's operations, nothing else changes. */
        assert_int_equal(mock_lane_config_role_ops(&s->lanes[0], MOCK_ROLE_DOCUMENT_READER),
                         reader & ~EG_OP_BIT(EG_OP_DOCUMENT_INSPECT));
        assert_int_equal(mock_lane_config_role_ops(&s->lanes[1], MOCK_ROLE_DOCUMENT_READER),
                         reader);
        assert_int_equal(mock_lane_config_role_ops(&s->lanes[0], MOCK_ROLE_CHIP_READER),
                         mock_class_supported_ops(EG_CLASS_CHIP_READER));
        assert_int_equal(mock_lane_config_role_ops(&s->lanes[0], MOCK_ROLE_MAX), 0);
        mock_scenario_free(s);

        expect_error("{'name':'x','lanes':[{'name':'A1','document_inspection':'no'}]}",
                     "lanes[0].document_inspection: expected a boolean, got a string");
        expect_error("{'name':'x','lanes':[{'name':'A1','document-inspection':false}]}",
                     "lanes[0].document-inspection: unknown key; expected name, camera, zones, "
                     "entry_door_fail_mode, exit_door_fail_mode, document_inspection, "
                     "door_commands");

        /* How the doors take a second command: superseding by default. */
        s = expect_ok("{'name':'x','lanes':[{'name':'A1'},{'name':'B1','door_commands':"
                      "'one-at-a-time'},{'name':'C1','door_commands':'supersede'}]}");
        assert_false(s->lanes[0].doors_one_command_at_a_time);
        assert_true(s->lanes[1].doors_one_command_at_a_time);
        assert_false(s->lanes[2].doors_one_command_at_a_time);
        mock_scenario_free(s);
        expect_error("{'name':'x','lanes':[{'name':'A1','door_commands':'queue'}]}",
                     "lanes[0].door_commands: unknown value 'queue'; expected supersede, "
                     "one-at-a-time");

        /* A fault rule for the operation: only where the reader can inspect. */
        s = expect_ok("{'name':'x','lanes':[{'name':'A1'},{'name':'B1','document_inspection':"
                      "false}],'faults':[{'device':'A1-document-reader','op':'document-inspect',"
                      "'fault':'hang'},{'device':'B1-document-reader','op':'*','fault':'error'}]}");
        assert_int_equal(s->faults[0].op, EG_OP_DOCUMENT_INSPECT);
        assert_int_equal(s->faults[0].fault, MOCK_FAULT_HANG);
        assert_int_equal(s->faults[1].op, EG_OP_INVALID);
        mock_scenario_free(s);
        expect_error("{'name':'x','lanes':[{'name':'A1','document_inspection':false}],"
                     "'faults':[{'device':'A1-document-reader','op':'document-inspect',"
                     "'fault':'error'}]}",
                     "faults[0].op: operation 'document-inspect' is not supported by "
                     "A1-document-reader: lane A1 has document_inspection false");
        expect_error("{'name':'x'," LANE ",'faults':[{'device':'A1-chip-reader',"
                     "'op':'document-inspect','fault':'error'}]}",
                     "faults[0].op: operation 'document-inspect' does not apply to a "
                     "chip-reader");
}

static void test_inspect_names_and_latency(void **state) {
        struct mock_latency l;

        assert_string_equal(mock_op_to_string(EG_OP_DOCUMENT_INSPECT), "document-inspect");
        assert_int_equal(mock_op_from_string("document-inspect"), EG_OP_DOCUMENT_INSPECT);
        assert_int_equal(mock_op_class(EG_OP_DOCUMENT_INSPECT), EG_CLASS_DOCUMENT_READER);
        assert_int_equal(mock_class_supported_ops(EG_CLASS_DOCUMENT_READER),
                         EG_OP_BIT(EG_OP_DOCUMENT_READ_MRZ) |
                                 EG_OP_BIT(EG_OP_DOCUMENT_CAPTURE_PAGE) |
                                 EG_OP_BIT(EG_OP_DOCUMENT_INSPECT));
        /* Every kind has a name: a gap would be a NULL where a string is expected. */
        for (unsigned k = EG_OP_INVALID + 1; k < EG_OP_MAX_; k++)
                assert_non_null(mock_op_to_string((enum eg_op_kind) k));
        assert_null(mock_op_to_string(EG_OP_MAX_));

        /* The walking timings come after the last operation kind, wherever that is. */
        assert_int_equal(mock_timing_from_string("document-inspect"), EG_OP_DOCUMENT_INSPECT);
        assert_int_equal(MOCK_TIMING_WALK, EG_OP_MAX_);
        assert_string_equal(mock_timing_to_string(MOCK_TIMING_WALK), "walk");
        assert_string_equal(mock_timing_to_string(MOCK_TIMING_FINGER_PLACE), "finger-place");
        mock_latency_init(&l, MOCK_LATENCY_REALISTIC);
        assert_int_equal(mock_latency_ms(&l, EG_OP_DOCUMENT_INSPECT), 600);
        assert_int_equal(mock_latency_ms(&l, MOCK_TIMING_WALK), 1500);
        assert_int_equal(mock_latency_ms(&l, MOCK_TIMING_FINGER_PLACE), 400);
        mock_latency_init(&l, MOCK_LATENCY_ZERO);
        assert_int_equal(mock_latency_ms(&l, EG_OP_DOCUMENT_INSPECT), 0);

        /* A scenario may set it like any other. */
        struct mock_scenario *s =
                expect_ok("{'name':'x','latency':{'profile':'zero','document-inspect':1500}}");
        assert_int_equal(s->latency.ms[EG_OP_DOCUMENT_INSPECT], 1500);
        assert_int_equal(s->latency.ms[EG_OP_DOCUMENT_READ_MRZ], 0);
        mock_scenario_free(s);

        /* The optical checks, by their ABI numbers, and the verdicts. */
        assert_string_equal(mock_optical_check_names[EG_OPTICAL_UV_DULLNESS], "uv-dullness");
        assert_string_equal(mock_optical_check_names[EG_OPTICAL_UV_PATTERNS], "uv-patterns");
        assert_string_equal(mock_optical_check_names[EG_OPTICAL_IR_B900], "ir-b900");
        assert_string_equal(mock_optical_check_names[EG_OPTICAL_IR_MRZ], "ir-mrz");
        assert_string_equal(mock_optical_check_names[EG_OPTICAL_VISIBLE_PATTERNS],
                            "visible-patterns");
        assert_null(mock_optical_check_names[EG_OPTICAL_MAX_]);
        assert_string_equal(mock_optical_verdict_to_string(MOCK_OPTICAL_NOT_MADE), "not-made");
        assert_null(mock_optical_verdict_to_string(MOCK_OPTICAL_VERDICT_MAX));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_document_defaults),
                cmocka_unit_test(test_document_no_model),
                cmocka_unit_test(test_document_verdicts),
                cmocka_unit_test(test_document_model_limits),
                cmocka_unit_test(test_document_errors),
                cmocka_unit_test(test_lane_document_inspection),
                cmocka_unit_test(test_inspect_names_and_latency),
        };

        return cmocka_run_group_tests_name("mock-scenario-document", tests, NULL, NULL);
}
