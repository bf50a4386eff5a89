/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The mock plugin through the SDK, on a fake host: presentation attacks.  A fake
 * finger moulded from the traveller's own print and a photo of the traveller held
 * up both pass the comparison; only the device's presentation attack detection
 * (eg_op_result.presentation_attack) tells, and egated must let it win.  These
 * tests pin down that the mock says both: the flag on exactly the scripted
 * attempts, next to the match a real sample would get.
 */
#include <sys/stat.h>

#include "mock-plugin-fixture.h"

/* t01: every fingerprint and face outcome, the attacks first and last (the last entry
 * repeats).  t02: an attack with its own identity and match score. */
static const char pad_scenario[] =
        "{'name':'presentation attack test',"
        " 'latency':{'profile':'zero','finger-verify':30},"
        " 'lanes':[{'name':'A1'}],"
        " 'travellers':["
        "  {'id':'t01','mrz':['" MRZ1_L1 "','" MRZ1_L2 "'],'think_ms':0,"
        "   'fingerprint':{'behaviour':['presentation-attack','match','no-match','poor-quality',"
        "     'presentation-attack']},"
        "   'face':{'behaviour':['presentation-attack','match','no-match','no-face',"
        "     'presentation-attack']}},"
        "  {'id':'t02','mrz':['" MRZ1_L1 "','" MRZ1_L2 "'],"
        "   'fingerprint':{'identity':'fp2','behaviour':['presentation-attack'],"
        "     'score_match':91,'score_no_match':3}}]}";

static int setup_pad(void **state) {
        return setup_with(state, pad_scenario, NULL);
}

static const struct fake_completion *verify(struct eg_host *h, const uint8_t *template,
                                            size_t len) {
        struct eg_op_args a = mock_test_args(EG_OP_FINGER_VERIFY);
        const struct fake_completion *c;
        eg_op_id op;

        a.data = template;
        a.data_len = len;
        a.format = "egate-mock";
        a.timeout_ms = 5000;
        op = mock_test_start(h, "A1-fingerprint-scanner", &a);
        fake_host_run(h, 30);
        c = fake_host_wait(h, op, 5000); /* posted from the worker thread */
        assert_non_null(c);
        assert_true(c->other_thread);
        return c;
}

static const struct fake_completion *capture(struct eg_host *h, enum eg_op_kind kind) {
        return mock_test_op(
                h, kind == EG_OP_CAMERA_CAPTURE ? "A1-camera" : "A1-fingerprint-scanner", kind, 0);
}

static void test_fingerprint_fake_finger(void **state) {
        struct fixture *f = *state;
        struct eg_host *h = f->host;
        const struct fake_completion *c;

        mock_test_command(f->plugin, "place-finger A1 t01",
                          "OK finger of t01 on the scanner of A1");

        /* The capture shows the fake and flags it, and leaves the attempt to the verify. */
        c = capture(h, EG_OP_FINGER_CAPTURE);
        assert_int_equal(c->status, 0);
        assert_true(c->fd >= 0);
        assert_string_equal(c->format, "image/x-portable-graymap");
        assert_true(c->presentation_attack);

        /* An enrolment takes the template as ever: the SDK has the flag only for the
         * capture and the verify. */
        c = capture(h, EG_OP_FINGER_ENROLL);
        assert_int_equal(c->status, 0);
        assert_memory_equal(c->data, template_t01, sizeof(template_t01) - 1);
        assert_false(c->presentation_attack);

        /* The fake compares like the member's own finger: PAD has to win over a match. */
        c = verify(h, template_t01, sizeof(template_t01) - 1);
        assert_int_equal(c->status, 0);
        assert_true(c->match);
        assert_true(c->score == 72.0);
        assert_true(c->threshold == 40.0);
        assert_true(c->presentation_attack);
        assert_true(fake_host_logged(h, "device A1-fingerprint-scanner: verify of traveller t01: "
                                        "score 72, match, presentation attack detected"));

        /* The real finger: the same match, no flag, on the capture either. */
        c = capture(h, EG_OP_FINGER_CAPTURE);
        assert_int_equal(c->status, 0);
        assert_false(c->presentation_attack);
        c = verify(h, template_t01, sizeof(template_t01) - 1);
        assert_int_equal(c->status, 0);
        assert_true(c->match);
        assert_true(c->score == 72.0);
        assert_false(c->presentation_attack);

        /* No match, and a poor scan: no flag either. */
        c = verify(h, template_t01, sizeof(template_t01) - 1);
        assert_int_equal(c->status, 0);
        assert_false(c->match);
        assert_true(c->score == 8.0);
        assert_false(c->presentation_attack);
        c = capture(h, EG_OP_FINGER_CAPTURE);
        assert_int_equal(c->status, -EAGAIN);
        assert_string_equal(c->message, "poor quality");
        assert_false(c->presentation_attack);

        /* The last entry repeats: the fake again. */
        c = verify(h, template_t01, sizeof(template_t01) - 1);
        assert_true(c->match);
        assert_true(c->presentation_attack);

        /* PAD judges the sample, not the comparison: the fake is flagged against somebody
         * else's template too, which it does not match. */
        static const uint8_t other[] = "EGMOCK1\0t02";
        c = verify(h, other, sizeof(other) - 1);
        assert_int_equal(c->status, 0);
        assert_false(c->match);
        assert_true(c->score == 8.0);
        assert_true(c->presentation_attack);

        mock_test_command(f->plugin, "lift-finger A1", "OK finger lifted");
}

/* "The same high score a real match gets" is the traveller's own score_match. */
static void test_fingerprint_fake_finger_scores(void **state) {
        struct fixture *f = *state;
        struct eg_host *h = f->host;
        static const uint8_t fp2[] = "EGMOCK1\0fp2", t02[] = "EGMOCK1\0t02";
        const struct fake_completion *c;

        mock_test_command(f->plugin, "place-finger A1 t02",
                          "OK finger of t02 on the scanner of A1");
        c = verify(h, fp2, sizeof(fp2) - 1);
        assert_int_equal(c->status, 0);
        assert_true(c->match);
        assert_true(c->score == 91.0);
        assert_true(c->threshold == 40.0);
        assert_true(c->presentation_attack);

        /* The template holds the identity, not the traveller id. */
        c = verify(h, t02, sizeof(t02) - 1);
        assert_false(c->match);
        assert_true(c->score == 3.0);
        assert_true(c->presentation_attack);
}

/* The whole frame of a successful CAMERA_CAPTURE (the fake host closes the fd). */
static uint8_t *read_frame(const struct fake_completion *c, size_t *ret_len) {
        struct stat st;
        uint8_t *buf;

        assert_int_equal(c->status, 0);
        assert_true(c->fd >= 0);
        assert_int_equal(fstat(c->fd, &st), 0);
        assert_true(st.st_size > 0);
        buf = malloc((size_t) st.st_size);
        assert_non_null(buf);
        assert_int_equal(pread(c->fd, buf, (size_t) st.st_size, 0), st.st_size);
        *ret_len = (size_t) st.st_size;
        return buf;
}

static void test_camera_photo(void **state) {
        struct fixture *f = *state;
        struct eg_host *h = f->host;
        static const char match_header[] = "P5\n# egate-mock face=match subject=t01\n";
        const struct fake_completion *c;
        _cleanup_(freep) uint8_t *photo = NULL, *face = NULL;
        size_t photo_len, face_len;

        /* t01 walks into the mantrap through the entry door. */
        mock_test_command(f->plugin, "arrive A1 t01", "OK t01 arrives at A1");
        fake_host_run(h, 0);
        assert_int_equal(mock_test_op(h, "A1-entry-door", EG_OP_DOOR_OPEN, 0)->status, 0);
        fake_host_run(h, 0);
        mock_test_command_prefix(f->plugin, "status A1",
                                 "OK lane=A1 phase=in-mantrap traveller=t01 ");

        /* The photo: flagged, and the very frame a match gives, so egated's mock comparator
         * (face=match, the member's subject) would find the member. */
        c = capture(h, EG_OP_CAMERA_CAPTURE);
        assert_true(c->presentation_attack);
        photo = read_frame(c, &photo_len);
        assert_true(photo_len > sizeof(match_header) - 1);
        assert_memory_equal(photo, match_header, sizeof(match_header) - 1);

        c = capture(h, EG_OP_CAMERA_CAPTURE);
        assert_false(c->presentation_attack);
        face = read_frame(c, &face_len);
        assert_int_equal(face_len, photo_len);
        assert_memory_equal(face, photo, photo_len);

        /* No match, no face: no flag. */
        c = capture(h, EG_OP_CAMERA_CAPTURE);
        assert_int_equal(c->status, 0);
        assert_false(c->presentation_attack);
        char head[48] = "";
        assert_int_equal(pread(c->fd, head, 42, 0), 42);
        assert_memory_equal(head, "P5\n# egate-mock face=no-match subject=t01\n", 42);
        c = capture(h, EG_OP_CAMERA_CAPTURE);
        assert_int_equal(c->status, -ENOMSG);
        assert_string_equal(c->message, "no face");
        assert_false(c->presentation_attack);

        /* The last entry repeats: the photo again. */
        c = capture(h, EG_OP_CAMERA_CAPTURE);
        assert_int_equal(c->status, 0);
        assert_true(c->presentation_attack);

        /* A second person gives a frame of two faces, whatever t01 holds up. */
        mock_test_command(f->plugin, "enter A1 mantrap", "OK mantrap=2");
        c = capture(h, EG_OP_CAMERA_CAPTURE);
        assert_int_equal(c->status, 0);
        assert_int_equal(c->faces, 2);
        assert_false(c->presentation_attack);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_fingerprint_fake_finger, setup_pad, teardown),
                cmocka_unit_test_setup_teardown(test_fingerprint_fake_finger_scores, setup_pad,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_camera_photo, setup_pad, teardown),
        };

        return cmocka_run_group_tests_name("mock-plugin-pad", tests, NULL, NULL);
}
