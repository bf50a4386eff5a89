/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The mock plugin through the SDK, on a fake host: devices, operations,
 * events, faults, unplug/crash and the walking world end to end. */
#include <fcntl.h>
#include <inttypes.h>

#include "mock-test.h"

#define MRZ1_L1 "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<"
#define MRZ1_L2 "L898902C36UTO7408122F1204159ZE184226B<<<<<10"

static const char scenario[] =
        "{'name':'plugin test',"
        " 'latency':{'profile':'zero','door-open':100,'door-close':100,'door-lock':20,"
        "   'door-safe-state':100,'document-read-mrz':50,'finger-verify':30,'walk':10},"
        " 'lanes':[{'name':'A1'}],"
        " 'travellers':["
        "  {'id':'t01','mrz':['" MRZ1_L1 "','" MRZ1_L2 "'],'think_ms':0,"
        "   'membership':{'status':'active','enrolled':'2023-05-01'}},"
        "  {'id':'t02','mrz':['I<UTOD231458907<<<<<<<<<<<<<<<','7408122F1204159UTO<<<<<<<<<<<6',"
        "   'ERIKSSON<<ANNA<MARIA<<<<<<<<<<'],'chip':{'behaviour':'remove-mid-read'}},"
        "  {'id':'t03','mrz':['" MRZ1_L1 "','" MRZ1_L2 "'],"
        "   'chip':{'behaviour':'slow','delay_ms':300},"
        "   'fingerprint':{'identity':'fp3','behaviour':['poor-quality','no-match','match']},"
        "   'face':{'behaviour':['multi-face','no-match','match']}},"
        "  {'id':'t04','mrz':['" MRZ1_L1 "','" MRZ1_L2 "'],'mrz_readable':false,"
        "   'chip':{'present':false}},"
        "  {'id':'t05','mrz':['" MRZ1_L1 "','" MRZ1_L2 "'],'chip':{'behaviour':'unreadable'},"
        "   'fingerprint':{'behaviour':['timeout','match']}}],"
        " 'faults':[{'device':'A1-indicator','op':'indicator-set','fault':'error','after':1}]}";

struct fixture {
        struct eg_host *host;
        struct mock_plugin *plugin;
        const char *config[12];
};

static int setup_with(void **state, const char *json, const char *latency) {
        struct fixture *f = calloc(1, sizeof(*f));
        void *pd = NULL;
        size_t n = 0;

        assert_non_null(f);
        f->config[n++] = "scenario";
        f->config[n++] = strdup(mock_test_write_scenario(json));
        f->config[n++] = "control-socket";
        f->config[n++] = "none";
        if (latency) {
                f->config[n++] = "latency";
                f->config[n++] = latency;
        }
        f->host = fake_host_new(f->config);
        assert_int_equal(fake_host_init(f->host, &pd), 0);
        f->plugin = pd;
        *state = f;
        return 0;
}

static int setup(void **state) {
        return setup_with(state, scenario, NULL);
}

static int teardown(void **state) {
        struct fixture *f = *state;

        fake_host_shutdown(f->host, f->plugin);
        assert_int_equal(fake_host_n_timers(f->host), 0);
        assert_int_equal(fake_host_n_io(f->host), 0);
        assert_int_equal(fake_host_bad_removals(f->host), 0);
        fake_host_free(f->host);
        free((char *) f->config[1]);
        free(f);
        return 0;
}

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

static const uint8_t template_t01[] = "EGMOCK1\0t01";

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

        mock_test_command(f->plugin, "enter A1 mantrap 1", "OK mantrap=2");
        c = mock_test_op(h, "A1-camera", EG_OP_CAMERA_CAPTURE, 0);
        assert_int_equal(c->status, -EAGAIN);
        assert_string_equal(c->message, "multiple faces");
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

static void test_faults(void **state) {
        struct fixture *f = *state;
        struct eg_host *h = f->host;
        const struct fake_completion *c;
        struct eg_op_args a;
        eg_op_id op;

        /* Delay, once. */
        mock_test_command(f->plugin, "fault A1-exit-door door-open delay 500",
                          "OK A1-exit-door: delay on door-open, once");
        a = mock_test_args(EG_OP_DOOR_OPEN);
        op = mock_test_start(h, "A1-exit-door", &a);
        fake_host_run(h, 599);
        assert_null(fake_host_completion(h, op));
        assert_int_equal(mock_test_done(h, op, 1)->status, 0);

        /* Error, every time, on any op, after the first one. */
        mock_test_command(f->plugin, "fault A1-camera * error 0",
                          "OK A1-camera: error on *, every time");
        mock_test_command(f->plugin, "clear-faults A1-camera",
                          "OK 1 fault(s) cleared on "
                          "A1-camera");
        mock_test_command(f->plugin, "fault A1-camera * error 0",
                          "OK A1-camera: error on *, every time");
        for (int i = 0; i < 3; i++) {
                c = mock_test_op(h, "A1-camera", EG_OP_CAMERA_CAPTURE, 0);
                assert_int_equal(c->status, -EIO);
                assert_string_equal(c->message, "injected fault");
        }

        /* Hang: only a cancel ends it. */
        mock_test_command(f->plugin, "fault A1-presence-sensor presence-read hang",
                          "OK A1-presence-sensor: hang on presence-read, once");
        a = mock_test_args(EG_OP_PRESENCE_READ);
        op = mock_test_start(h, "A1-presence-sensor", &a);
        fake_host_run(h, 3600000);
        assert_null(fake_host_completion(h, op));
        fake_host_cancel(h, "A1-presence-sensor", op);
        assert_int_equal(mock_test_op(h, "A1-presence-sensor", EG_OP_PRESENCE_READ, 0)->status, 0);

        /* Unplug on the op: the device goes, its op with it; replug brings it back. */
        mock_test_command(f->plugin, "fault A1-exit-door door-close unplug",
                          "OK A1-exit-door: unplug on door-close, once");
        a = mock_test_args(EG_OP_DOOR_CLOSE);
        op = mock_test_start(h, "A1-exit-door", &a);
        fake_host_run(h, 0);
        assert_true(fake_host_device(h, "A1-exit-door")->removed);
        assert_true(fake_host_device(h, "A1-exit-door")->closed);
        fake_host_run(h, 1000);
        assert_null(fake_host_completion(h, op));
        mock_test_command(f->plugin, "unplug A1-exit-door",
                          "ERR A1-exit-door is already "
                          "unplugged");
        mock_test_command(f->plugin, "door A1-exit-door forced", "ERR A1-exit-door is unplugged");
        fake_host_clear_events(h);
        mock_test_command(f->plugin, "replug A1-exit-door", "OK A1-exit-door replugged");
        assert_false(fake_host_device(h, "A1-exit-door")->removed);
        assert_string_equal(fake_host_events_of(h, "A1-exit-door"), "position=2; lock=2");
        mock_test_command(f->plugin, "replug A1-exit-door", "ERR A1-exit-door is plugged in");
        assert_int_equal(mock_test_op(h, "A1-exit-door", EG_OP_DOOR_CLOSE, 100)->status, 0);

        /* Crash: everything in flight hangs, a FAULT event, then the device goes. */
        a = mock_test_args(EG_OP_DOOR_OPEN);
        eg_op_id moving = mock_test_start(h, "A1-exit-door", &a);
        mock_test_command(f->plugin, "fault A1-exit-door door-lock crash",
                          "OK A1-exit-door: crash on door-lock, once");
        fake_host_clear_events(h);
        a = mock_test_args(EG_OP_DOOR_LOCK);
        op = mock_test_start(h, "A1-exit-door", &a);
        assert_string_equal(fake_host_events_of(h, "A1-exit-door"), "fault 'mock crash'");
        assert_false(fake_host_device(h, "A1-exit-door")->removed);
        mock_test_command_prefix(f->plugin, "status A1", "OK lane=A1");
        /* New ops hang as well until it is gone. */
        a = mock_test_args(EG_OP_DOOR_CLOSE);
        eg_op_id late = mock_test_start(h, "A1-exit-door", &a);
        fake_host_run(h, 0);
        assert_true(fake_host_device(h, "A1-exit-door")->removed);
        fake_host_run(h, 10000);
        assert_null(fake_host_completion(h, op));
        assert_null(fake_host_completion(h, moving));
        assert_null(fake_host_completion(h, late));
        mock_test_command(f->plugin, "replug A1-exit-door", "OK A1-exit-door replugged");
        assert_int_equal(mock_test_op(h, "A1-exit-door", EG_OP_DOOR_OPEN, 100)->status, 0);

        /* Live unplug with ops in flight. */
        a = mock_test_args(EG_OP_DOCUMENT_READ_MRZ);
        op = mock_test_start(h, "A1-document-reader", &a);
        mock_test_command(f->plugin, "unplug A1-document-reader",
                          "OK A1-document-reader "
                          "unplugged");
        fake_host_run(h, 1000);
        assert_null(fake_host_completion(h, op));
        assert_int_equal(fake_host_start(h, "A1-document-reader", &a, NULL), -ENODEV);
        /* The world goes on without it; on replug it says what it sees. */
        mock_test_command(f->plugin, "present-document A1 t01",
                          "OK document of t01 on the reader of A1");
        fake_host_clear_events(h);
        mock_test_command(f->plugin, "replug A1-document-reader",
                          "OK A1-document-reader "
                          "replugged");
        assert_string_equal(fake_host_events_of(h, "A1-document-reader"), "document-present");
}

static void test_fingerprint_cancel_and_close(void **state) {
        struct fixture *f = *state;
        struct eg_host *h = f->host;
        struct eg_op_args a = mock_test_args(EG_OP_FINGER_VERIFY);

        /* A verify waiting for a finger, then the device is unplugged: nothing
         * completes later, not even from the worker. */
        a.data = template_t01;
        a.data_len = sizeof(template_t01) - 1;
        a.format = "egate-mock";
        eg_op_id op = mock_test_start(h, "A1-fingerprint-scanner", &a);
        mock_test_command(f->plugin, "unplug A1-fingerprint-scanner",
                          "OK A1-fingerprint-scanner unplugged");
        mock_test_command(f->plugin, "place-finger A1 t01",
                          "OK finger of t01 on the scanner of "
                          "A1");
        fake_host_run(h, 1000);
        assert_null(fake_host_wait(h, op, 50));
        mock_test_command(f->plugin, "replug A1-fingerprint-scanner",
                          "OK A1-fingerprint-scanner replugged");
        assert_int_equal(
                fake_host_last_event(h, "A1-fingerprint-scanner", EG_EVENT_FINGER_PRESENT)->type,
                EG_EVENT_FINGER_PRESENT);

        /* Shut down with ops in flight everywhere: the teardown checks that
         * every timer and watch is gone (and ASan that nothing leaks). */
        a.timeout_ms = 0;
        mock_test_start(h, "A1-fingerprint-scanner", &a);
        a = mock_test_args(EG_OP_DOOR_OPEN);
        mock_test_start(h, "A1-entry-door", &a);
        mock_test_command(f->plugin, "arrive A1 t01", "OK t01 arrives at A1");
}

/* A traveller walks through, with this test playing the daemon's pipeline. */
static void test_walk_through_end_to_end(void **state) {
        struct fixture *f = *state;
        struct eg_host *h = f->host;
        const struct fake_completion *c;
        struct eg_op_args a;
        eg_op_id op;

        fake_host_clear_events(h);
        mock_test_command(f->plugin, "arrive A1 t01", "OK t01 arrives at A1");
        mock_test_command(f->plugin, "arrive A1 t02", "ERR lane A1 is busy with t01");
        fake_host_run(h, 0); /* think_ms 0 */
        assert_string_equal(fake_host_events_of(h, "A1-document-reader"), "document-present");

        c = mock_test_op(h, "A1-document-reader", EG_OP_DOCUMENT_READ_MRZ, 50);
        assert_string_equal(c->text, MRZ1_L1 "\n" MRZ1_L2);
        assert_int_equal(mock_test_op(h, "A1-entry-door", EG_OP_DOOR_OPEN, 100)->status, 0);
        fake_host_run(h, 10); /* one step */
        assert_string_equal(fake_host_events_of(h, "A1-presence-sensor"),
                            "occupancy approach=1; occupancy approach=0; occupancy mantrap=1");
        assert_string_equal(fake_host_events_of(h, "A1-document-reader"),
                            "document-present; document-removed");
        assert_int_equal(mock_test_op(h, "A1-entry-door", EG_OP_DOOR_CLOSE, 100)->status, 0);
        assert_int_equal(mock_test_op(h, "A1-entry-door", EG_OP_DOOR_LOCK, 20)->status, 0);

        /* The scanner asks: the finger comes (finger-place is 0 in this profile). */
        a = mock_test_args(EG_OP_FINGER_VERIFY);
        a.data = template_t01;
        a.data_len = sizeof(template_t01) - 1;
        a.format = "egate-mock";
        op = mock_test_start(h, "A1-fingerprint-scanner", &a);
        fake_host_run(h, 30);
        c = fake_host_wait(h, op, 5000);
        assert_non_null(c);
        assert_true(c->match);
        fake_host_run(h, 0);
        assert_string_equal(fake_host_events_of(h, "A1-fingerprint-scanner"),
                            "finger-present; finger-removed");

        c = mock_test_op(h, "A1-camera", EG_OP_CAMERA_CAPTURE, 0);
        assert_int_equal(c->status, 0);
        char head[64] = "";
        assert_true(read(c->fd, head, 42) == 42);
        assert_memory_equal(head, "P5\n# egate-mock face=match subject=t01\n", 39);

        fake_host_clear_events(h);
        assert_int_equal(mock_test_op(h, "A1-exit-door", EG_OP_DOOR_OPEN, 100)->status, 0);
        fake_host_run(h, 20);
        assert_string_equal(fake_host_events_of(h, "A1-presence-sensor"),
                            "occupancy mantrap=0; occupancy exit=1; occupancy exit=0");
        mock_test_command_prefix(f->plugin, "status A1",
                                 "OK lane=A1 phase=idle traveller=- document=- chip=- finger=- "
                                 "zones=approach:0,mantrap:0,exit:0 queue-left=0 emergency=off");
        assert_true(fake_host_logged(h, "A1: t01 has left the lane"));
}

static void test_init_failures(void **state) {
        static const char *const no_scenario[] = { "control-socket", "none", NULL };
        const char *bad[] = { "scenario", NULL, "control-socket", "none", NULL };
        const char *bad_latency[] = { "scenario",       NULL,   "latency", "fast",
                                      "control-socket", "none", NULL };
        struct eg_host *h;
        void *pd = NULL;

        h = fake_host_new(no_scenario);
        assert_int_equal(fake_host_init(h, &pd), -EINVAL);
        assert_true(fake_host_logged(h, "no scenario: set scenario= in [plugin.mock]"));
        fake_host_free(h);

        bad[1] = mock_test_write_scenario("{'name':'x','travellers':[{'id':'t','mrz':[],"
                                          "'chip':{}}]}");
        h = fake_host_new(bad);
        assert_int_equal(fake_host_init(h, &pd), -EINVAL);
        assert_true(fake_host_logged(h, "scenario.json: travellers[0].mrz: expected 2 lines (TD2, "
                                        "TD3) or 3 lines (TD1), got 0"));
        assert_int_equal(fake_host_n_devices(h, true), 0);
        fake_host_free(h);

        bad[1] = "/nonexistent.json";
        h = fake_host_new(bad);
        assert_int_equal(fake_host_init(h, &pd), -EINVAL);
        assert_true(fake_host_logged(h, "scenario /nonexistent.json: cannot open: No such file"));
        fake_host_free(h);

        /* The daemon refuses the fifth device: the four before go again, so the
         * daemon never closes a device the plugin has freed. */
        bad[1] = mock_test_write_scenario(scenario);
        h = fake_host_new(bad);
        fake_host_refuse_device(h, "A1-entry-door");
        assert_int_equal(fake_host_init(h, &pd), -EIO);
        assert_true(fake_host_logged(h, "device A1-entry-door: the daemon refused it"));
        assert_int_equal(fake_host_n_devices(h, true), 4);
        assert_int_equal(fake_host_n_devices(h, false), 0);
        for (size_t i = 0; i < 4; i++)
                assert_true(fake_host_device_at(h, i)->closed);
        assert_int_equal(fake_host_n_timers(h), 0);
        fake_host_free(h);

        bad_latency[1] = mock_test_write_scenario("{'name':'x'}");
        h = fake_host_new(bad_latency);
        assert_int_equal(fake_host_init(h, &pd), -EINVAL);
        assert_true(fake_host_logged(h, "latency=fast: expected realistic or zero"));
        fake_host_free(h);
}

static void test_declared_devices(void **state) {
        struct fixture *f = *state;
        struct eg_host *h = f->host;
        static const struct eg_property door_props[] = {
                { "fail-mode", "safe" },
                { "latency-ms", "7" },
                { "lane", "B1" },
        };
        static const struct eg_property sensor_props[] = { { "zone", "lobby" } };
        static const struct eg_property bad_props[] = { { "colour", "red" } };
        static const struct eg_property bad_fail[] = { { "fail-mode", "open" } };
        static const struct eg_property bad_latency[] = { { "latency-ms", "7x" } };
        static const struct eg_property zone_on_door[] = { { "zone", "x" } };
        struct eg_device_config c = { .size = sizeof(c),
                                      .name = "door9",
                                      .device_class = EG_CLASS_DOOR,
                                      .properties = door_props,
                                      .n_properties = ELEMENTSOF(door_props) };
        const struct fake_completion *done;
        struct eg_op_args a;

        assert_int_equal(egate_plugin_ops.declare_device(f->plugin, &c), 0);
        const struct fake_device *d = fake_host_device(h, "door9");
        assert_non_null(d);
        assert_int_equal(d->fail_mode, EG_DOOR_FAIL_SAFE);
        assert_null(d->lane);
        assert_null(d->role);
        assert_string_equal(d->model, "Mock Door");
        /* Fail-safe: the safe state is open; latency-ms applies to every op. */
        a = mock_test_args(EG_OP_DOOR_SAFE_STATE);
        eg_op_id op = mock_test_start(h, "door9", &a);
        fake_host_run(h, 6);
        assert_null(fake_host_completion(h, op));
        assert_int_equal(mock_test_done(h, op, 1)->status, 0);
        assert_string_equal(fake_host_events_of(h, "door9"),
                            "position=1; lock=1; lock=2; position=3; position=2");

        assert_int_equal(egate_plugin_ops.declare_device(f->plugin, &c), -EEXIST);
        /* Dropped by the daemon (a reload), then declared again: it comes back. */
        fake_host_drop_device(h, "door9");
        assert_int_equal(fake_host_n_devices(h, false), 8);
        c.n_properties = 0;
        assert_int_equal(egate_plugin_ops.declare_device(f->plugin, &c), 0);
        assert_int_equal(fake_host_device(h, "door9")->fail_mode, EG_DOOR_FAIL_SECURE);
        assert_int_equal(fake_host_n_devices(h, false), 9);
        c.n_properties = ELEMENTSOF(door_props);
        c.name = "A1-camera";
        assert_int_equal(egate_plugin_ops.declare_device(f->plugin, &c), -EEXIST);
        c.name = "A1";
        assert_int_equal(egate_plugin_ops.declare_device(f->plugin, &c), -EEXIST);

        c.name = "x1";
        c.properties = bad_props;
        c.n_properties = 1;
        assert_int_equal(egate_plugin_ops.declare_device(f->plugin, &c), -EINVAL);
        assert_true(fake_host_logged(h, "device x1: unknown property 'colour' for a mock door "
                                        "(known: fail-mode, latency-ms)"));
        c.properties = bad_fail;
        assert_int_equal(egate_plugin_ops.declare_device(f->plugin, &c), -EINVAL);
        assert_true(fake_host_logged(h, "device x1: fail-mode=open: expected secure or safe"));
        c.properties = bad_latency;
        assert_int_equal(egate_plugin_ops.declare_device(f->plugin, &c), -EINVAL);
        c.properties = zone_on_door;
        assert_int_equal(egate_plugin_ops.declare_device(f->plugin, &c), -EINVAL);
        c.name = "bad name";
        c.n_properties = 0;
        assert_int_equal(egate_plugin_ops.declare_device(f->plugin, &c), -EINVAL);
        c.name = "x1";
        c.device_class = 42;
        assert_int_equal(egate_plugin_ops.declare_device(f->plugin, &c), -EINVAL);
        assert_null(fake_host_device(h, "x1"));

        /* A presence sensor with its own zone, driven through its own lane. */
        c = (struct eg_device_config){ .size = sizeof(c),
                                       .name = "sensor2",
                                       .device_class = EG_CLASS_PRESENCE_SENSOR,
                                       .properties = sensor_props,
                                       .n_properties = 1 };
        assert_int_equal(egate_plugin_ops.declare_device(f->plugin, &c), 0);
        assert_string_equal(fake_host_events_of(h, "sensor2"), "occupancy lobby=0");
        mock_test_command(f->plugin, "enter sensor2 lobby 2", "OK lobby=2");
        a = mock_test_args(EG_OP_PRESENCE_READ);
        done = mock_test_done(h, mock_test_start(h, "sensor2", &a), 0);
        assert_int_equal(done->value, 2);

        /* A declared document reader and its own lane. */
        c = (struct eg_device_config){ .size = sizeof(c),
                                       .name = "reader3",
                                       .device_class = EG_CLASS_DOCUMENT_READER };
        assert_int_equal(egate_plugin_ops.declare_device(f->plugin, &c), 0);
        mock_test_command(f->plugin, "present-document reader3 t01",
                          "OK document of t01 on the reader of reader3");
        assert_string_equal(fake_host_events_of(h, "reader3"), "document-present");
        done = mock_test_op(h, "reader3", EG_OP_DOCUMENT_READ_MRZ, 50);
        assert_string_equal(done->text, MRZ1_L1 "\n" MRZ1_L2);
        mock_test_command(f->plugin, "fault reader3 document-read-mrz error",
                          "OK reader3: error on document-read-mrz, once");
        assert_int_equal(mock_test_op(h, "reader3", EG_OP_DOCUMENT_READ_MRZ, 50)->status, -EIO);
}

static int setup_ses_zero(void **state) {
        char *json = NULL;
        size_t size = 0;
        FILE *in = fopen(MOCK_SCENARIOS_DIR "/ses-morning.json", "re");
        int r;

        assert_non_null(in);
        FILE *out = open_memstream(&json, &size);
        for (int ch; (ch = fgetc(in)) != EOF;)
                fputc(ch, out);
        fclose(in);
        fclose(out);
        r = setup_with(state, json, "zero");
        free(json);
        return r;
}

/* The shipped morning, with the zero profile: the queue starts after
 * start_ms and walks people in order, each after a clear lane. */
static void test_ses_morning_queue(void **state) {
        struct fixture *f = *state;
        struct eg_host *h = f->host;
        char reply[4096];

        assert_true(fake_host_logged(h, ", 14 passport chip(s) in "));
        mock_control_execute(f->plugin, "status", reply, sizeof(reply));
        assert_string_equal(reply, "OK scenario=\"SES morning at lane A1\" latency=zero devices=8 "
                                   "attached=8 clients=0 lanes=1 | A1 phase=idle traveller=- "
                                   "queue-left=14");
        fake_host_run(h, 2999);
        assert_int_equal(fake_host_count_events(h, "A1-document-reader", EG_EVENT_DOCUMENT_PRESENT),
                         0);
        fake_host_run(h, 1);
        assert_int_equal(fake_host_count_events(h, "A1-document-reader", EG_EVENT_DOCUMENT_PRESENT),
                         1);
        mock_test_command_prefix(f->plugin, "status A1",
                                 "OK lane=A1 phase=at-reader traveller=t01-us-member "
                                 "document=t01-us-member chip=present");

        /* Red at the reader: t01 gives up, and after the interval t02 comes. */
        struct eg_op_args a = mock_test_args(EG_OP_INDICATOR_SET);
        a.colour = EG_COLOUR_RED;
        mock_test_done(h, mock_test_start(h, "A1-indicator", &a), 0);
        fake_host_run(h, 0);
        mock_test_command_prefix(f->plugin, "status A1", "OK lane=A1 phase=idle");
        fake_host_run(h, 3999);
        mock_test_command_prefix(f->plugin, "status A1", "OK lane=A1 phase=idle");
        fake_host_run(h, 1);
        mock_test_command_prefix(f->plugin, "status A1",
                                 "OK lane=A1 phase=at-reader traveller=t02-kr-member ");
        mock_test_command_prefix(f->plugin, "list-travellers",
                                 "OK 14 traveller(s): t01-us-member (accepted member, US "
                                 "passport), t02-kr-member (accepted member, Korean passport), ");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_devices, setup, teardown),
                cmocka_unit_test_setup_teardown(test_document_reader, setup, teardown),
                cmocka_unit_test_setup_teardown(test_chip_reader, setup, teardown),
                cmocka_unit_test_setup_teardown(test_fingerprint, setup, teardown),
                cmocka_unit_test_setup_teardown(test_camera, setup, teardown),
                cmocka_unit_test_setup_teardown(test_doors, setup, teardown),
                cmocka_unit_test_setup_teardown(test_presence_and_indicator, setup, teardown),
                cmocka_unit_test_setup_teardown(test_faults, setup, teardown),
                cmocka_unit_test_setup_teardown(test_fingerprint_cancel_and_close, setup, teardown),
                cmocka_unit_test_setup_teardown(test_walk_through_end_to_end, setup, teardown),
                cmocka_unit_test(test_init_failures),
                cmocka_unit_test_setup_teardown(test_declared_devices, setup, teardown),
                cmocka_unit_test_setup_teardown(test_ses_morning_queue, setup_ses_zero, teardown),
        };

        return cmocka_run_group_tests_name("mock-plugin", tests, NULL, NULL);
}
