/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The mock plugin through the SDK, on a fake host: the devices it brings up and
 * each class's operations (document reader, its inspection too, chip reader,
 * fingerprint scanner, camera, doors, presence sensor, indicator). */
#include <fcntl.h>

#include "mock-plugin-fixture.h"

static void test_devices(void **state) {
        struct fixture *f = *state;
        struct eg_host *h = f->host;
        static const struct {
                const char *key, *role, *model;
                enum eg_device_class device_class;
        } expected[] = {
                { "A1-document-reader", "document-reader", "Mock Document Reader",
                  EG_CLASS_DOCUMENT_READER },
                { "A1-chip-reader", "chip-reader", "Mock Chip Reader", EG_CLASS_CHIP_READER },
                { "A1-fingerprint-scanner", "fingerprint-scanner", "Mock Fingerprint Scanner",
                  EG_CLASS_FINGERPRINT_SCANNER },
                { "A1-camera", "camera", "Mock Camera", EG_CLASS_CAMERA },
                { "A1-entry-door", "entry-door", "Mock Door", EG_CLASS_DOOR },
                { "A1-exit-door", "exit-door", "Mock Door", EG_CLASS_DOOR },
                { "A1-presence-sensor", "presence-sensor", "Mock Presence Sensor",
                  EG_CLASS_PRESENCE_SENSOR },
                { "A1-indicator", "indicator", "Mock Indicator", EG_CLASS_INDICATOR },
        };

        assert_int_equal(fake_host_n_devices(h, true), ELEMENTSOF(expected));
        for (size_t i = 0; i < ELEMENTSOF(expected); i++) {
                const struct fake_device *d = fake_host_device_at(h, i);

                assert_string_equal(d->key, expected[i].key);
                assert_string_equal(d->serial, expected[i].key);
                assert_string_equal(d->vendor, "egate");
                assert_string_equal(d->model, expected[i].model);
                assert_string_equal(d->lane, "A1");
                assert_string_equal(d->role, expected[i].role);
                assert_int_equal(d->device_class, expected[i].device_class);
                assert_int_equal(d->supported_ops, mock_class_supported_ops(d->device_class));
                assert_int_equal(d->fail_mode, EG_DOOR_FAIL_SECURE);
        }

        /* The state every device reports when it appears. */
        assert_string_equal(fake_host_events_of(h, "A1-entry-door"), "position=1; lock=1");
        assert_string_equal(fake_host_events_of(h, "A1-presence-sensor"),
                            "occupancy approach=0; occupancy mantrap=0; occupancy exit=0");
        assert_string_equal(fake_host_events_of(h, "A1-document-reader"), "");

        /* Descriptor: only what the brief says. */
        assert_string_equal(egate_plugin_descriptor.name, "mock");
        assert_int_equal(egate_plugin_descriptor.flags, EG_PLUGIN_FLAG_TEST_ONLY);
        assert_int_equal(egate_plugin_descriptor.classes, 0xFE);
        assert_int_equal(egate_plugin_descriptor.matches[0].kind, EG_MATCH_CONFIG);
        assert_int_equal(egate_plugin_descriptor.matches[1].kind, EG_MATCH_END);

        /* An op a class does not have. */
        struct eg_op_args a = mock_test_args(EG_OP_DOOR_OPEN);
        assert_int_equal(fake_host_start(h, "A1-camera", &a, NULL), -EOPNOTSUPP);
}

static void test_document_reader(void **state) {
        struct fixture *f = *state;
        struct eg_host *h = f->host;
        const struct fake_completion *c;
        char head[64] = "";

        c = mock_test_op(h, "A1-document-reader", EG_OP_DOCUMENT_READ_MRZ, 50);
        assert_int_equal(c->status, -ENOMSG);
        assert_string_equal(c->message, "no document");

        mock_test_command(f->plugin, "present-document A1 t01",
                          "OK document of t01 on the reader of A1");
        assert_string_equal(fake_host_events_of(h, "A1-document-reader"), "document-present");
        assert_string_equal(fake_host_events_of(h, "A1-chip-reader"), "chip-present");

        struct eg_op_args a = mock_test_args(EG_OP_DOCUMENT_READ_MRZ);
        eg_op_id op = mock_test_start(h, "A1-document-reader", &a);
        fake_host_run(h, 49);
        assert_null(fake_host_completion(h, op));
        c = mock_test_done(h, op, 1);
        assert_int_equal(c->status, 0);
        assert_string_equal(c->text, MRZ1_L1 "\n" MRZ1_L2);

        a = mock_test_args(EG_OP_DOCUMENT_CAPTURE_PAGE);
        a.light = EG_LIGHT_INFRARED;
        c = mock_test_done(h, mock_test_start(h, "A1-document-reader", &a), 0);
        assert_int_equal(c->status, 0);
        assert_string_equal(c->format, "image/x-portable-graymap");
        assert_true(c->fd >= 0);
        assert_int_equal(fcntl(c->fd, F_GET_SEALS),
                         F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE);
        assert_true(read(c->fd, head, 20) == 20);
        assert_memory_equal(head, "P5\n# egate-mock\n240 ", 20);
        assert_true(write(c->fd, "x", 1) < 0); /* sealed */

        /* Removed while being read: gone when the read ends. */
        a = mock_test_args(EG_OP_DOCUMENT_READ_MRZ);
        op = mock_test_start(h, "A1-document-reader", &a);
        mock_test_command(f->plugin, "remove-document A1", "OK document removed");
        c = mock_test_done(h, op, 50);
        assert_int_equal(c->status, -ENOMSG);

        mock_test_command(f->plugin, "present-document A1 t04",
                          "OK document of t04 on the reader of A1");
        c = mock_test_op(h, "A1-document-reader", EG_OP_DOCUMENT_READ_MRZ, 50);
        assert_int_equal(c->status, -EAGAIN);
        assert_string_equal(c->message, "MRZ unreadable");
        /* t04's passport has no chip. */
        assert_string_equal(fake_host_events_of(h, "A1-chip-reader"), "chip-present; chip-removed");
}

/* Two lanes: A1's reader inspects, B1's is an MRZ-only reader.  t01 has the defaults; t02 a
 * model with each verdict; t03 a document no model fits. */
static const char inspect_scenario[] =
        "{'name':'inspect test',"
        " 'latency':{'profile':'zero','document-inspect':40},"
        " 'lanes':[{'name':'A1'},{'name':'B1','document_inspection':false}],"
        " 'travellers':["
        "  {'id':'t01','mrz':['" MRZ1_L1 "','" MRZ1_L2 "']},"
        "  {'id':'t02','mrz':['" MRZ1_L1 "','" MRZ1_L2 "'],"
        "   'document':{'model':'UTO-P-2012','optical':{'uv-dullness':'failed',"
        "     'ir-b900':'undetermined','ir-mrz':'not-made'}}},"
        "  {'id':'t03','mrz':['" MRZ1_L1 "','" MRZ1_L2 "'],'document':{'model':null}}]}";

static int setup_inspect(void **state) {
        return setup_with(state, inspect_scenario, NULL);
}

static const struct fake_completion *inspect(struct eg_host *h, const char *key) {
        return mock_test_op(h, key, EG_OP_DOCUMENT_INSPECT, 40);
}

static void test_document_inspect(void **state) {
        struct fixture *f = *state;
        struct eg_host *h = f->host;
        const struct fake_completion *c;
        struct eg_op_args a = mock_test_args(EG_OP_DOCUMENT_INSPECT);
        eg_op_id op;

        assert_true(fake_host_device(h, "A1-document-reader")->supported_ops &
                    EG_OP_BIT(EG_OP_DOCUMENT_INSPECT));

        c = inspect(h, "A1-document-reader");
        assert_int_equal(c->status, -ENOMSG);
        assert_string_equal(c->message, "no document");

        /* The defaults: the model identified, all five checks passed. */
        mock_test_command(f->plugin, "present-document A1 t01",
                          "OK document of t01 on the reader of A1");
        op = mock_test_start(h, "A1-document-reader", &a);
        fake_host_run(h, 39);
        assert_null(fake_host_completion(h, op));
        c = mock_test_done(h, op, 1);
        assert_int_equal(c->status, 0);
        assert_string_equal(c->document_model, "MOCK-TD3-2020");
        assert_int_equal(c->optical_passed, 0x1f);
        assert_int_equal(c->optical_failed, 0);
        assert_int_equal(c->optical_undetermined, 0);
        assert_int_equal(c->fd, -1);
        /* Never personal data in the log: the MRZ is not there, the model may be. */
        assert_false(fake_host_logged(h, MRZ1_L2));
        assert_true(fake_host_logged(h, "device A1-document-reader: document of traveller t01 "
                                        "inspected: model MOCK-TD3-2020, optical checks passed "
                                        "0x1f, failed 0x00, undetermined 0x00"));

        /* Lifted while being inspected: gone when the inspection ends. */
        op = mock_test_start(h, "A1-document-reader", &a);
        mock_test_command(f->plugin, "remove-document A1", "OK document removed");
        c = mock_test_done(h, op, 40);
        assert_int_equal(c->status, -ENOMSG);
        assert_string_equal(c->message, "no document");

        /* Each verdict in its own mask; a check not made is in none. */
        mock_test_command(f->plugin, "present-document A1 t02",
                          "OK document of t02 on the reader of A1");
        c = inspect(h, "A1-document-reader");
        assert_int_equal(c->status, 0);
        assert_string_equal(c->document_model, "UTO-P-2012");
        assert_int_equal(c->optical_passed, EG_OPTICAL_BIT(EG_OPTICAL_UV_PATTERNS) |
                                                    EG_OPTICAL_BIT(EG_OPTICAL_VISIBLE_PATTERNS));
        assert_int_equal(c->optical_failed, EG_OPTICAL_BIT(EG_OPTICAL_UV_DULLNESS));
        assert_int_equal(c->optical_undetermined, EG_OPTICAL_BIT(EG_OPTICAL_IR_B900));
        mock_test_command(f->plugin, "remove-document A1", "OK document removed");

        /* No model fits: no model, no check made. */
        mock_test_command(f->plugin, "present-document A1 t03",
                          "OK document of t03 on the reader of A1");
        c = inspect(h, "A1-document-reader");
        assert_int_equal(c->status, 0);
        assert_null(c->document_model);
        assert_int_equal(c->optical_passed | c->optical_failed | c->optical_undetermined, 0);

        /* Counted per kind for the benchmarks, and open to faults like any operation. */
        mock_test_command(f->plugin, "ops A1-document-reader",
                          "OK A1-document-reader document-inspect=5");
        mock_test_command(f->plugin, "fault A1-document-reader document-inspect error",
                          "OK A1-document-reader: error on document-inspect, once");
        c = inspect(h, "A1-document-reader");
        assert_int_equal(c->status, -EIO);
        assert_string_equal(c->message, "injected fault");
        assert_int_equal(inspect(h, "A1-document-reader")->status, 0);
}

/* An MRZ-only reader does not declare the operation, and refuses it like the daemon would. */
static void test_document_no_inspection(void **state) {
        struct fixture *f = *state;
        struct eg_host *h = f->host;
        const struct fake_device *d = fake_host_device(h, "B1-document-reader");
        struct eg_op_args a = mock_test_args(EG_OP_DOCUMENT_INSPECT);

        assert_non_null(d);
        assert_int_equal(d->supported_ops, EG_OP_BIT(EG_OP_DOCUMENT_READ_MRZ) |
                                                   EG_OP_BIT(EG_OP_DOCUMENT_CAPTURE_PAGE));
        mock_test_command(f->plugin, "present-document B1 t02",
                          "OK document of t02 on the reader of B1");
        assert_int_equal(fake_host_start(h, "B1-document-reader", &a, NULL), -EOPNOTSUPP);
        mock_test_command(f->plugin, "ops B1-document-reader", "OK B1-document-reader");
        mock_test_command(f->plugin, "fault B1-document-reader document-inspect hang",
                          "ERR B1-document-reader does not support document-inspect: its lane "
                          "has document_inspection false");
        /* The rest of the reader is as usual. */
        const struct fake_completion *c =
                mock_test_op(h, "B1-document-reader", EG_OP_DOCUMENT_READ_MRZ, 0);
        assert_int_equal(c->status, 0);
        assert_string_equal(c->text, MRZ1_L1 "\n" MRZ1_L2);

        /* Still the same after a replug. */
        mock_test_command(f->plugin, "unplug B1-document-reader",
                          "OK B1-document-reader unplugged");
        mock_test_command(f->plugin, "replug B1-document-reader",
                          "OK B1-document-reader replugged");
        assert_int_equal(fake_host_start(h, "B1-document-reader", &a, NULL), -EOPNOTSUPP);
        for (size_t i = 0; i < fake_host_n_devices(h, true); i++) {
                d = fake_host_device_at(h, i);
                if (streq(d->key, "B1-document-reader"))
                        assert_false(d->supported_ops & EG_OP_BIT(EG_OP_DOCUMENT_INSPECT));
        }
}

static const struct fake_completion *transmit(struct eg_host *h, const char *hex) {
        uint8_t apdu[64];
        size_t n = 0;
        struct eg_op_args a = mock_test_args(EG_OP_CHIP_TRANSMIT);

        for (const char *p = hex; *p; p += 2) {
                unsigned b;
                if (*p == ' ')
                        p--;
                else {
                        assert_int_equal(sscanf(p, "%2x", &b), 1);
                        apdu[n++] = (uint8_t) b;
                }
        }
        a.data = apdu;
        a.data_len = n;
        return mock_test_done(h, mock_test_start(h, "A1-chip-reader", &a), 0);
}

static void test_chip_reader(void **state) {
        struct fixture *f = *state;
        struct eg_host *h = f->host;
        const struct fake_completion *c;

        /* Every chip (t04 has none) was built at init(), with the PKI of UTO. */
        assert_true(fake_host_logged(h, "mock PKI: 1 CSCA(s) with their document signers, "
                                        "4 passport chip(s) in "));

        c = mock_test_op(h, "A1-chip-reader", EG_OP_CHIP_CONNECT, 0);
        assert_int_equal(c->status, -ENOMSG);
        assert_string_equal(c->message, "no chip");
        c = transmit(h, "00A4040C07A0000002471001");
        assert_int_equal(c->status, -EIO);
        assert_string_equal(c->message, "not connected");

        mock_test_command(f->plugin, "present-document A1 t01",
                          "OK document of t01 on the reader of A1");
        c = mock_test_op(h, "A1-chip-reader", EG_OP_CHIP_CONNECT, 0);
        assert_int_equal(c->status, 0);
        assert_int_equal(c->data_len, 15);
        assert_memory_equal(c->data,
                            "\x3B\x8A\x80\x01"
                            "EGATE-MOCK",
                            14);
        uint8_t tck = 0;
        for (size_t i = 1; i < c->data_len; i++)
                tck ^= c->data[i];
        assert_int_equal(tck, 0); /* TCK makes the XOR of T0..TCK zero */

        /* A real eMRTD (tests/mock/test-mock-chip*.c read it): the application
         * answers in plain, its files only after BAC. */
        c = transmit(h, "00A4040C07A0000002471001");
        assert_int_equal(c->data_len, 2);
        assert_memory_equal(c->data, "\x90\x00", 2);
        c = transmit(h, "00A4020C020101");
        assert_memory_equal(c->data, "\x69\x82", 2);
        c = transmit(h, "00B0810008");
        assert_int_equal(c->data_len, 2);
        assert_memory_equal(c->data, "\x69\x82", 2);
        c = transmit(h, "0084000008"); /* GET CHALLENGE */
        assert_int_equal(c->data_len, 10);
        assert_memory_equal(c->data + 8, "\x90\x00", 2);

        /* The passport goes: the session with it. */
        mock_test_command(f->plugin, "remove-document A1", "OK document removed");
        c = transmit(h, "00B0000008");
        assert_int_equal(c->status, -ENODEV);
        c = mock_test_op(h, "A1-chip-reader", EG_OP_CHIP_DISCONNECT, 0);
        assert_int_equal(c->status, 0);

        /* A chip that is pulled away on the second READ BINARY. */
        mock_test_command(f->plugin, "present-document A1 t02",
                          "OK document of t02 on the reader of A1");
        fake_host_clear_events(h);
        assert_int_equal(mock_test_op(h, "A1-chip-reader", EG_OP_CHIP_CONNECT, 0)->status, 0);
        transmit(h, "00A4040C07A0000002471001");
        transmit(h, "00A4020C020101");
        c = transmit(h, "00B0810004");
        assert_int_equal(c->status, 0);
        assert_memory_equal(c->data, "\x69\x82", 2);
        c = transmit(h, "00B0000420");
        assert_int_equal(c->status, -ENODEV);
        assert_string_equal(fake_host_events_of(h, "A1-chip-reader"), "chip-removed");
        c = transmit(h, "00B0000420");
        assert_int_equal(c->status, -ENODEV);
        c = mock_test_op(h, "A1-chip-reader", EG_OP_CHIP_CONNECT, 0);
        assert_int_equal(c->status, -ENOMSG);
        /* Taking the passport away does not report the chip gone twice. */
        mock_test_command(f->plugin, "remove-document A1", "OK document removed");
        assert_string_equal(fake_host_events_of(h, "A1-chip-reader"), "chip-removed");

        /* Slow and unreadable chips. */
        mock_test_command(f->plugin, "present-document A1 t03",
                          "OK document of t03 on the reader of A1");
        struct eg_op_args a = mock_test_args(EG_OP_CHIP_CONNECT);
        eg_op_id op = mock_test_start(h, "A1-chip-reader", &a);
        fake_host_run(h, 299);
        assert_null(fake_host_completion(h, op));
        assert_int_equal(mock_test_done(h, op, 1)->status, 0);
        mock_test_command(f->plugin, "remove-document A1", "OK document removed");
        mock_test_command(f->plugin, "present-document A1 t05",
                          "OK document of t05 on the reader of A1");
        c = mock_test_op(h, "A1-chip-reader", EG_OP_CHIP_CONNECT, 0);
        assert_int_equal(c->status, -EIO);
        assert_string_equal(c->message, "the chip does not answer");
}

static eg_op_id start_verify(struct eg_host *h, const uint8_t *template, size_t len,
                             const char *format) {
        struct eg_op_args a = mock_test_args(EG_OP_FINGER_VERIFY);

        a.data = template;
        a.data_len = len;
        a.format = format;
        a.timeout_ms = 5000;
        return mock_test_start(h, "A1-fingerprint-scanner", &a);
}

static void test_fingerprint(void **state) {
        struct fixture *f = *state;
        struct eg_host *h = f->host;
        const struct fake_completion *c;
        struct eg_op_args a;
        eg_op_id op;

        /* Nobody there: waits for a finger until its timeout. */
        a = mock_test_args(EG_OP_FINGER_CAPTURE);
        a.timeout_ms = 400;
        op = mock_test_start(h, "A1-fingerprint-scanner", &a);
        fake_host_run(h, 399);
        assert_null(fake_host_completion(h, op));
        c = mock_test_done(h, op, 1);
        assert_int_equal(c->status, -ETIMEDOUT);

        /* Enrol waits, then the finger arrives. */
        a = mock_test_args(EG_OP_FINGER_ENROLL);
        op = mock_test_start(h, "A1-fingerprint-scanner", &a);
        fake_host_run(h, 1000);
        assert_null(fake_host_completion(h, op));
        mock_test_command(f->plugin, "place-finger A1 t01",
                          "OK finger of t01 on the scanner of "
                          "A1");
        c = mock_test_done(h, op, 0);
        assert_int_equal(c->status, 0);
        assert_string_equal(c->format, "egate-mock");
        assert_int_equal(c->data_len, sizeof(template_t01) - 1);
        assert_memory_equal(c->data, template_t01, sizeof(template_t01) - 1);

        /* Verify: posted from the worker thread. */
        op = start_verify(h, template_t01, sizeof(template_t01) - 1, "egate-mock");
        fake_host_run(h, 29);
        assert_null(fake_host_completion(h, op));
        fake_host_run(h, 1);
        c = fake_host_wait(h, op, 5000);
        assert_non_null(c);
        assert_int_equal(c->status, 0);
        assert_true(c->match);
        assert_true(c->other_thread);
        assert_true(c->score == 72.0);
        assert_true(c->threshold == 40.0);
        assert_false(c->presentation_attack); /* test-mock-plugin-pad.c has the fakes */

        /* Somebody else's template. */
        static const uint8_t other[] = "EGMOCK1\0t02";
        op = start_verify(h, other, sizeof(other) - 1, "egate-mock");
        fake_host_run(h, 30);
        c = fake_host_wait(h, op, 5000);
        assert_false(c->match);
        assert_true(c->score == 8.0);

        /* Templates it cannot read. */
        op = start_verify(h, template_t01, sizeof(template_t01) - 1, "iso-19794-2");
        c = mock_test_done(h, op, 30);
        assert_int_equal(c->status, -EOPNOTSUPP);
        op = start_verify(h, (const uint8_t *) "EGMOCK2", 7, "egate-mock");
        c = mock_test_done(h, op, 30);
        assert_int_equal(c->status, -EINVAL);
        op = start_verify(h, NULL, 0, "egate-mock");
        c = mock_test_done(h, op, 30);
        assert_int_equal(c->status, -EINVAL);

        mock_test_command(f->plugin, "lift-finger A1", "OK finger lifted");
        assert_string_equal(fake_host_events_of(h, "A1-fingerprint-scanner"),
                            "finger-present; finger-removed");

        /* t03: poor quality, no match, match (and the last one repeats). */
        static const uint8_t fp3[] = "EGMOCK1\0fp3";
        mock_test_command(f->plugin, "place-finger A1 t03",
                          "OK finger of t03 on the scanner of "
                          "A1");
        op = start_verify(h, fp3, sizeof(fp3) - 1, "egate-mock");
        c = mock_test_done(h, op, 30);
        assert_int_equal(c->status, -EAGAIN);
        assert_string_equal(c->message, "poor quality");
        op = start_verify(h, fp3, sizeof(fp3) - 1, "egate-mock");
        fake_host_run(h, 30);
        assert_false(fake_host_wait(h, op, 5000)->match);
        op = start_verify(h, fp3, sizeof(fp3) - 1, "egate-mock");
        fake_host_run(h, 30);
        assert_true(fake_host_wait(h, op, 5000)->match);
        op = start_verify(h, fp3, sizeof(fp3) - 1, "egate-mock");
        fake_host_run(h, 30);
        assert_true(fake_host_wait(h, op, 5000)->match);
        mock_test_command(f->plugin, "lift-finger A1", "OK finger lifted");

        /* t05: the first attempt never completes; the daemon cancels it. */
        static const uint8_t t05[] = "EGMOCK1\0t05";
        mock_test_command(f->plugin, "place-finger A1 t05",
                          "OK finger of t05 on the scanner of "
                          "A1");
        a = mock_test_args(EG_OP_FINGER_CAPTURE);
        op = mock_test_start(h, "A1-fingerprint-scanner", &a);
        fake_host_run(h, 60000);
        assert_null(fake_host_completion(h, op));
        fake_host_cancel(h, "A1-fingerprint-scanner", op);
        op = start_verify(h, t05, sizeof(t05) - 1, "egate-mock");
        fake_host_run(h, 30);
        assert_true(fake_host_wait(h, op, 5000)->match);

        /* A capture image. */
        c = mock_test_op(h, "A1-fingerprint-scanner", EG_OP_FINGER_CAPTURE, 0);
        assert_int_equal(c->status, 0);
        assert_true(c->fd >= 0);
        char head[40] = "";
        assert_true(read(c->fd, head, 33) == 33);
        assert_memory_equal(head, "P5\n# egate-mock finger subject=t05", 33);
        assert_false(c->presentation_attack);
}

static void test_camera(void **state) {
        struct fixture *f = *state;
        struct eg_host *h = f->host;
        const struct fake_completion *c;
        char buf[64] = "";

        c = mock_test_op(h, "A1-camera", EG_OP_CAMERA_CAPTURE, 0);
        assert_int_equal(c->status, -ENOMSG);
        assert_string_equal(c->message, "no face");

        mock_test_command(f->plugin, "enter A1 mantrap", "OK mantrap=1");
        c = mock_test_op(h, "A1-camera", EG_OP_CAMERA_CAPTURE, 0);
        assert_int_equal(c->status, 0);
        assert_string_equal(c->format, "image/x-portable-graymap");
        assert_true(read(c->fd, buf, 30) == 30);
        assert_memory_equal(buf, "P5\n# egate-mock face=unknown\n", 29);
        assert_false(c->presentation_attack); /* no scenario scripts a stranger's attack */

        assert_int_equal(c->faces, 1);

        /* Two people: a frame of no one in particular that says two faces (SDK 1.2). */
        mock_test_command(f->plugin, "enter A1 mantrap 1", "OK mantrap=2");
        c = mock_test_op(h, "A1-camera", EG_OP_CAMERA_CAPTURE, 0);
        assert_int_equal(c->status, 0);
        assert_int_equal(c->faces, 2);
        assert_true(read(c->fd, buf, 30) == 30);
        assert_memory_equal(buf, "P5\n# egate-mock face=several\n", 29);
        mock_test_command(f->plugin, "leave A1 mantrap 2", "OK mantrap=0");
}

static void test_doors(void **state) {
        struct fixture *f = *state;
        struct eg_host *h = f->host;
        const struct fake_completion *c;
        struct eg_op_args a;
        eg_op_id op, op2;

        fake_host_clear_events(h);
        a = mock_test_args(EG_OP_DOOR_OPEN);
        op = mock_test_start(h, "A1-entry-door", &a);
        assert_string_equal(fake_host_events_of(h, "A1-entry-door"), "lock=2; position=3");
        fake_host_run(h, 99);
        assert_null(fake_host_completion(h, op));
        c = mock_test_done(h, op, 1);
        assert_int_equal(c->status, 0);
        assert_string_equal(fake_host_events_of(h, "A1-entry-door"),
                            "lock=2; position=3; position=2");
        /* Already open: done at once. */
        assert_int_equal(mock_test_op(h, "A1-entry-door", EG_OP_DOOR_OPEN, 0)->status, 0);

        c = mock_test_op(h, "A1-entry-door", EG_OP_DOOR_LOCK, 20);
        assert_int_equal(c->status, -EIO);
        assert_string_equal(c->message, "door is not closed");

        /* Close, and change one's mind half way: the newer command wins. */
        fake_host_clear_events(h);
        a = mock_test_args(EG_OP_DOOR_CLOSE);
        op = mock_test_start(h, "A1-entry-door", &a);
        fake_host_run(h, 50);
        a = mock_test_args(EG_OP_DOOR_OPEN);
        op2 = mock_test_start(h, "A1-entry-door", &a);
        c = fake_host_completion(h, op);
        assert_non_null(c);
        assert_int_equal(c->status, -ECANCELED);
        c = mock_test_op(h, "A1-entry-door", EG_OP_DOOR_LOCK, 0);
        assert_int_equal(c->status, -EIO);
        assert_string_equal(c->message, "door is moving");
        assert_int_equal(mock_test_done(h, op2, 100)->status, 0);
        assert_string_equal(fake_host_events_of(h, "A1-entry-door"), "position=3; position=2");

        /* Safe state of a fail-secure door: closed and locked. */
        fake_host_clear_events(h);
        a = mock_test_args(EG_OP_DOOR_SAFE_STATE);
        op = mock_test_start(h, "A1-entry-door", &a);
        fake_host_run(h, 100);
        assert_null(fake_host_completion(h, op));
        assert_int_equal(mock_test_done(h, op, 20)->status, 0);
        assert_string_equal(fake_host_events_of(h, "A1-entry-door"),
                            "position=3; position=1; lock=1");

        /* Cancelled movement: no completion, the door stops where it is. */
        a = mock_test_args(EG_OP_DOOR_OPEN);
        op = mock_test_start(h, "A1-exit-door", &a);
        fake_host_cancel(h, "A1-exit-door", op);
        fake_host_run(h, 1000);
        assert_null(fake_host_completion(h, op));
        mock_test_command_prefix(f->plugin, "status A1", "OK lane=A1 phase=idle");
        char reply[4096];
        mock_control_execute(f->plugin, "status A1", reply, sizeof(reply));
        assert_non_null(strstr(reply, " A1-exit-door=moving/unlocked "));
        assert_non_null(strstr(reply, " A1-entry-door=closed/locked "));

        /* Forced by hand; emergency. */
        fake_host_clear_events(h);
        mock_test_command(f->plugin, "door A1-entry-door forced", "OK A1-entry-door open/locked");
        mock_test_command(f->plugin, "door A1-entry-door closed", "OK A1-entry-door closed/locked");
        mock_test_command(f->plugin, "door A1-entry-door open", "OK A1-entry-door open/unlocked");
        assert_string_equal(fake_host_events_of(h, "A1-entry-door"),
                            "forced; position=2; position=1; lock=2; position=2");
        mock_test_command(f->plugin, "emergency A1 on", "OK emergency on on A1");
        assert_string_equal(fake_host_events_of(h, "A1-exit-door"), "emergency=1");
}

static void test_presence_and_indicator(void **state) {
        struct fixture *f = *state;
        struct eg_host *h = f->host;
        const struct fake_completion *c;
        struct eg_op_args a;

        mock_test_command(f->plugin, "enter A1 approach 3", "OK approach=3");
        assert_string_equal(fake_host_last_event(h, "A1-presence-sensor", EG_EVENT_OCCUPANCY)->zone,
                            "approach");
        a = mock_test_args(EG_OP_PRESENCE_READ);
        a.zone = "approach";
        c = mock_test_done(h, mock_test_start(h, "A1-presence-sensor", &a), 0);
        assert_int_equal(c->status, 0);
        assert_int_equal(c->value, 3);
        a.zone = NULL; /* its own zone: the mantrap */
        c = mock_test_done(h, mock_test_start(h, "A1-presence-sensor", &a), 0);
        assert_int_equal(c->value, 0);
        a.zone = "lobby";
        c = mock_test_done(h, mock_test_start(h, "A1-presence-sensor", &a), 0);
        assert_int_equal(c->status, -EINVAL);

        a = mock_test_args(EG_OP_INDICATOR_SET);
        a.colour = EG_COLOUR_GREEN;
        a.pattern = EG_PATTERN_SLOW_FLASH;
        a.message_id = 12;
        a.language = "ko";
        assert_int_equal(mock_test_done(h, mock_test_start(h, "A1-indicator", &a), 0)->status, 0);
        char reply[4096];
        mock_control_execute(f->plugin, "status A1", reply, sizeof(reply));
        assert_non_null(strstr(reply, " A1-indicator=green/slow-flash/message=12/ko,faults=1"));
        /* The scenario's fault: the second INDICATOR_SET fails, once. */
        c = mock_test_done(h, mock_test_start(h, "A1-indicator", &a), 0);
        assert_int_equal(c->status, -EIO);
        assert_string_equal(c->message, "injected fault");
        assert_int_equal(mock_test_done(h, mock_test_start(h, "A1-indicator", &a), 0)->status, 0);
        a.colour = 9;
        assert_int_equal(mock_test_done(h, mock_test_start(h, "A1-indicator", &a), 0)->status,
                         -EINVAL);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_devices, setup, teardown),
                cmocka_unit_test_setup_teardown(test_document_reader, setup, teardown),
                cmocka_unit_test_setup_teardown(test_document_inspect, setup_inspect, teardown),
                cmocka_unit_test_setup_teardown(test_document_no_inspection, setup_inspect,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_chip_reader, setup, teardown),
                cmocka_unit_test_setup_teardown(test_fingerprint, setup, teardown),
                cmocka_unit_test_setup_teardown(test_camera, setup, teardown),
                cmocka_unit_test_setup_teardown(test_doors, setup, teardown),
                cmocka_unit_test_setup_teardown(test_presence_and_indicator, setup, teardown),
        };

        return cmocka_run_group_tests_name("mock-plugin-devices", tests, NULL, NULL);
}
