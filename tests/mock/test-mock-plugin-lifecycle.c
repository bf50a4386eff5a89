/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The mock plugin through the SDK, on a fake host: faults, unplug/crash and
 * shutdown with ops in flight, init failures, devices declared in the config,
 * and travellers walking through the lane (this test's scenario and the shipped
 * SES morning) end to end. */
#include "mock-plugin-fixture.h"

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

        /* Error once, after two reads went through: the third fails, the fourth passes. */
        mock_test_command(f->plugin, "fault A1-presence-sensor presence-read error 1 2",
                          "OK A1-presence-sensor: error on presence-read, once, after 2");
        for (int i = 0; i < 4; i++)
                assert_int_equal(
                        mock_test_op(h, "A1-presence-sensor", EG_OP_PRESENCE_READ, 0)->status,
                        i == 2 ? -EIO : 0);

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

        assert_true(fake_host_logged(h, ", 16 passport chip(s) in "));
        mock_control_execute(f->plugin, "status", reply, sizeof(reply));
        assert_string_equal(reply, "OK scenario=\"SES morning at lane A1\" latency=zero devices=8 "
                                   "attached=8 clients=0 lanes=1 | A1 phase=idle traveller=- "
                                   "queue-left=16");
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
                                 "OK 16 traveller(s): t01-us-member (accepted member, US "
                                 "passport), t02-kr-member (accepted member, Korean passport), ");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_faults, setup, teardown),
                cmocka_unit_test_setup_teardown(test_fingerprint_cancel_and_close, setup, teardown),
                cmocka_unit_test_setup_teardown(test_walk_through_end_to_end, setup, teardown),
                cmocka_unit_test(test_init_failures),
                cmocka_unit_test_setup_teardown(test_declared_devices, setup, teardown),
                cmocka_unit_test_setup_teardown(test_ses_morning_queue, setup_ses_zero, teardown),
        };

        return cmocka_run_group_tests_name("mock-plugin-lifecycle", tests, NULL, NULL);
}
