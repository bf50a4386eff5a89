/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The operation machinery against a real plugin (plugins/ops-plugin.c):
 * every outcome arrives exactly once, from the loop, whatever the plugin does.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "log.h"
#include "manager.h"

struct outcome_log {
        unsigned calls;
        int status;
        char text[64];
        char message[128];
        int64_t value;
        char device[64];
        char model[64];
        bool has_model;
        uint32_t passed, failed, undetermined;
        bool match, presentation_attack;
        uint32_t faces;
};

struct fixture {
        sd_event *event;
        struct eg_manager *manager;
};

static uint64_t now_ms(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000u + (uint64_t) ts.tv_nsec / 1000000u;
}

/* Run the loop until *flag is non-zero or `ms` pass. */
static void run_until(sd_event *e, const unsigned *flag, unsigned ms) {
        uint64_t end = now_ms() + ms;

        while ((!flag || *flag == 0) && now_ms() < end)
                assert_true(sd_event_run(e, 10 * 1000) >= 0);
}

static void on_done(struct eg_manager *m, const char *device_id, eg_op_id op,
                    struct eg_op_outcome *o, void *userdata) {
        struct outcome_log *l = userdata;

        l->calls++;
        l->status = o->status;
        l->value = o->value;
        snprintf(l->text, sizeof(l->text), "%s", o->text ? o->text : "");
        snprintf(l->message, sizeof(l->message), "%s", o->message ? o->message : "");
        snprintf(l->device, sizeof(l->device), "%s", device_id ? device_id : "");
        l->has_model = o->document_model != NULL;
        snprintf(l->model, sizeof(l->model), "%s", o->document_model ? o->document_model : "");
        l->passed = o->optical_passed;
        l->failed = o->optical_failed;
        l->undetermined = o->optical_undetermined;
        l->match = o->match;
        l->presentation_attack = o->presentation_attack;
        l->faces = o->faces;
}

static const char config_template[] =
        "[daemon]\n"
        "plugin-dirs = %s\n"
        "operation-timeout-ms = 300\n"
        "[device.ok]\nplugin = ops\nclass = document-reader\nbehaviour = ok\ndelay-ms = 5\n"
        "[device.hang]\nplugin = ops\nclass = document-reader\nbehaviour = hang\n"
        "[device.refuse]\nplugin = ops\nclass = document-reader\nbehaviour = refuse\n"
        "[device.sync]\nplugin = ops\nclass = document-reader\nbehaviour = sync\n"
        "[device.thread]\nplugin = ops\nclass = document-reader\nbehaviour = thread\n"
        "delay-ms = 20\n"
        "[device.late]\nplugin = ops\nclass = document-reader\nbehaviour = late\n"
        "delay-ms = 250\n"
        "[device.remove]\nplugin = ops\nclass = document-reader\nbehaviour = remove\n"
        "delay-ms = 5\n"
        "[device.fault]\nplugin = ops\nclass = document-reader\nbehaviour = fault\n"
        "delay-ms = 5\n"
        "[device.door]\nplugin = ops\nclass = door\nfail-mode = secure\nbehaviour = ok\n"
        "delay-ms = 5\n"
        "[device.inspect-good]\nplugin = ops\nclass = document-reader\ninspection = good\n"
        "[device.inspect-overlapping]\nplugin = ops\nclass = document-reader\n"
        "inspection = overlapping\n"
        "[device.inspect-unknown]\nplugin = ops\nclass = document-reader\n"
        "inspection = unknown-check\n"
        "[device.inspect-control]\nplugin = ops\nclass = document-reader\n"
        "inspection = control-chars\n"
        "[device.inspect-v1-1]\nplugin = ops\nclass = document-reader\ninspection = v1.1\n"
        "[device.raw-flags]\nplugin = ops\nclass = document-reader\ninspection = raw-flags\n"
        "[device.bad-message]\nplugin = ops\nclass = document-reader\ninspection = bad-message\n";

static int setup(void **state) {
        struct fixture *f = calloc(1, sizeof(*f));
        struct eg_config_errors errors = {};
        struct eg_config *c = NULL;
        char *text = NULL;
        const char *dir = getenv("EGATE_TEST_PLUGIN_DIR");

        assert_non_null(f);
        assert_non_null(dir);
        assert_true(asprintf(&text, config_template, dir) > 0);
        if (eg_config_load_string("ops.conf", text, &c, &errors) < 0)
                for (size_t i = 0; i < errors.n; i++)
                        fprintf(stderr, "%s\n", errors.messages[i]);
        assert_int_equal(errors.n, 0);
        eg_config_errors_clear(&errors);
        free(text);
        assert_non_null(c);

        assert_int_equal(sd_event_new(&f->event), 0);
        assert_int_equal(eg_manager_new(f->event, c, NULL, &f->manager), 0);
        assert_int_equal(eg_manager_start(f->manager), 0);
        *state = f;
        return 0;
}

static int teardown(void **state) {
        struct fixture *f = *state;

        eg_manager_free(f->manager);
        sd_event_unref(f->event);
        free(f);
        return 0;
}

static int start(struct fixture *f, const char *device, enum eg_op_kind kind, uint32_t timeout,
                 struct outcome_log *l, eg_op_id *ret) {
        struct eg_op_args a = { .size = sizeof(a), .kind = kind };

        return eg_operation_start(f->manager, device, &a, timeout, on_done, l, ret);
}

static void test_registry_ids(void **state) {
        struct fixture *f = *state;
        struct eg_device *d = eg_device_find(f->manager, "ops-ok");

        assert_non_null(d);
        assert_string_equal(d->key, "ok");
        assert_int_equal(d->device_class, EG_CLASS_DOCUMENT_READER);
        assert_string_equal(d->vendor, "Test");
        assert_int_equal(d->state, EG_DEVICE_ONLINE);
        assert_ptr_equal(eg_device_find_handle(f->manager, d->handle), d);
        assert_null(eg_device_find(f->manager, "ops-nonexistent"));
        assert_non_null(eg_device_find(f->manager, "ops-door"));
        assert_int_equal(eg_device_find(f->manager, "ops-door")->fail_mode, EG_DOOR_FAIL_SECURE);
}

static void test_ok_is_deferred(void **state) {
        struct fixture *f = *state;
        struct outcome_log l = {};

        assert_int_equal(start(f, "ops-ok", EG_OP_DOCUMENT_READ_MRZ, 0, &l, NULL), 0);
        assert_int_equal(l.calls, 0); /* never from inside start() */
        assert_int_equal(eg_device_find(f->manager, "ops-ok")->state, EG_DEVICE_BUSY);
        run_until(f->event, &l.calls, 1000);
        assert_int_equal(l.calls, 1);
        assert_int_equal(l.status, 0);
        assert_string_equal(l.text, "TEST");
        assert_int_equal(l.value, 42);
        assert_string_equal(l.device, "ops-ok");
        assert_int_equal(eg_device_find(f->manager, "ops-ok")->state, EG_DEVICE_ONLINE);
}

static void test_sync_completion_is_deferred(void **state) {
        struct fixture *f = *state;
        struct outcome_log l = {};

        assert_int_equal(start(f, "ops-sync", EG_OP_DOCUMENT_READ_MRZ, 0, &l, NULL), 0);
        assert_int_equal(l.calls, 0);
        run_until(f->event, &l.calls, 1000);
        assert_int_equal(l.calls, 1);
        assert_int_equal(l.status, 0);
}

static void test_thread_completion(void **state) {
        struct fixture *f = *state;
        struct outcome_log l[8] = {};

        for (int i = 0; i < 8; i++)
                assert_int_equal(start(f, "ops-thread", EG_OP_DOCUMENT_READ_MRZ, 0, &l[i], NULL),
                                 0);
        for (int i = 0; i < 8; i++) {
                run_until(f->event, &l[i].calls, 2000);
                assert_int_equal(l[i].calls, 1);
                assert_int_equal(l[i].status, 0);
                assert_string_equal(l[i].text, "TEST");
        }
}

static void test_deadline_faults_device(void **state) {
        struct fixture *f = *state;
        struct outcome_log l = {};
        struct eg_device *d;
        uint64_t t0 = now_ms();

        assert_int_equal(start(f, "ops-hang", EG_OP_DOCUMENT_READ_MRZ, 100, &l, NULL), 0);
        run_until(f->event, &l.calls, 2000);
        assert_int_equal(l.calls, 1);
        assert_int_equal(l.status, -ETIMEDOUT);
        assert_true(now_ms() - t0 >= 100);
        assert_non_null(strstr(l.message, "timed out after 100 ms"));
        d = eg_device_find(f->manager, "ops-hang");
        assert_int_equal(d->state, EG_DEVICE_FAULTED);
        assert_non_null(strstr(d->last_error, "document-read-mrz timed out"));
}

static void test_default_deadline(void **state) {
        struct fixture *f = *state;
        struct outcome_log l = {};
        uint64_t t0 = now_ms();

        assert_int_equal(start(f, "ops-hang", EG_OP_DOCUMENT_READ_MRZ, 0, &l, NULL), 0);
        run_until(f->event, &l.calls, 3000);
        assert_int_equal(l.status, -ETIMEDOUT);
        assert_true(now_ms() - t0 >= 300); /* operation-timeout-ms = 300 */
        assert_non_null(strstr(l.message, "after 300 ms"));
}

static void test_late_answer_dropped(void **state) {
        struct fixture *f = *state;
        struct outcome_log l = {};

        assert_int_equal(start(f, "ops-late", EG_OP_DOCUMENT_READ_MRZ, 100, &l, NULL), 0);
        run_until(f->event, &l.calls, 2000);
        assert_int_equal(l.status, -ETIMEDOUT);
        /* The plugin answers at 250 ms: nobody may hear it a second time. */
        run_until(f->event, NULL, 400);
        assert_int_equal(l.calls, 1);
}

static void test_cancel(void **state) {
        struct fixture *f = *state;
        struct outcome_log l = {};
        eg_op_id id = 0;

        assert_int_equal(start(f, "ops-hang", EG_OP_DOCUMENT_READ_MRZ, 5000, &l, &id), 0);
        assert_true(id > 0);
        assert_int_equal(eg_operation_cancel(f->manager, id), 0);
        assert_int_equal(l.calls, 0); /* delivered from the loop, not from cancel() */
        assert_int_equal(eg_operation_cancel(f->manager, id), -ENOENT);
        run_until(f->event, &l.calls, 1000);
        assert_int_equal(l.calls, 1);
        assert_int_equal(l.status, -ECANCELED);
        run_until(f->event, NULL, 50);
        assert_int_equal(l.calls, 1);
}

/* Every operation of one device, and only of that one, ends cancelled, each once. */
static void test_cancel_device(void **state) {
        struct fixture *f = *state;
        struct outcome_log a = {}, b = {}, other = {};

        assert_int_equal(start(f, "ops-hang", EG_OP_DOCUMENT_READ_MRZ, 5000, &a, NULL), 0);
        assert_int_equal(start(f, "ops-hang", EG_OP_DOCUMENT_READ_MRZ, 5000, &b, NULL), 0);
        assert_int_equal(start(f, "ops-ok", EG_OP_DOCUMENT_READ_MRZ, 5000, &other, NULL), 0);
        eg_operations_cancel_device(f->manager, eg_device_find(f->manager, "ops-hang"),
                                    "superseded");
        assert_int_equal(a.calls + b.calls, 0); /* delivered from the loop */
        assert_int_equal(eg_device_find(f->manager, "ops-hang")->n_in_flight, 0);
        run_until(f->event, &b.calls, 1000);
        run_until(f->event, &other.calls, 1000);
        assert_int_equal(a.calls, 1);
        assert_int_equal(a.status, -ECANCELED);
        assert_string_equal(a.message, "superseded");
        assert_int_equal(b.calls, 1);
        assert_int_equal(b.status, -ECANCELED);
        assert_int_equal(other.calls, 1);
        assert_int_equal(other.status, 0);
        run_until(f->event, NULL, 50);
        assert_int_equal(a.calls + b.calls, 2);
}

static bool safe_state_in_flight(struct eg_manager *m, struct eg_device *d) {
        struct eg_operation *o;

        EG_LIST_FOREACH (operations, o, m->operations)
                if (o->device == d && o->kind == EG_OP_DOOR_SAFE_STATE)
                        return true;
        return false;
}

/* A door that faults goes to its safe state, from the loop, and stays faulted. */
static void test_faulted_door_goes_safe(void **state) {
        struct fixture *f = *state;
        struct eg_device *door = eg_device_find(f->manager, "ops-door");
        struct eg_device *reader = eg_device_find(f->manager, "ops-ok");
        struct outcome_log open = {};

        assert_int_equal(start(f, "ops-door", EG_OP_DOOR_OPEN, 5000, &open, NULL), 0);
        eg_device_fault(door, "motor stalled");
        assert_false(safe_state_in_flight(f->manager, door)); /* not from inside the fault */
        assert_true(sd_event_run(f->event, 0) >= 0);
        assert_true(safe_state_in_flight(f->manager, door));
        run_until(f->event, &open.calls, 1000);
        /* The open failed with the door: not -ECANCELED, which its caller would take for its
         * own newer command and go on waiting for an exit that never opens. */
        assert_int_equal(open.status, -EIO);
        assert_string_equal(open.message, "the door faulted: superseded by its safe state");
        run_until(f->event, NULL, 100);
        assert_false(safe_state_in_flight(f->manager, door));
        assert_int_equal(door->state, EG_DEVICE_FAULTED); /* until a probe says otherwise */

        /* A fault again while faulted sends nothing more; other classes have no safe state. */
        eg_device_fault(door, "still stalled");
        eg_device_fault(reader, "lamp broken");
        run_until(f->event, NULL, 20);
        assert_false(safe_state_in_flight(f->manager, door));
        assert_null(f->manager->operations);
}

static void test_refused_and_unsupported(void **state) {
        struct fixture *f = *state;
        struct outcome_log l = {};

        assert_int_equal(start(f, "ops-refuse", EG_OP_DOCUMENT_READ_MRZ, 0, &l, NULL), -EBUSY);
        assert_int_equal(start(f, "ops-ok", EG_OP_DOOR_OPEN, 0, &l, NULL), -EOPNOTSUPP);
        assert_int_equal(start(f, "ops-ok", (enum eg_op_kind) 999, 0, &l, NULL), -EOPNOTSUPP);
        assert_int_equal(start(f, "ops-missing", EG_OP_DOCUMENT_READ_MRZ, 0, &l, NULL), -ENODEV);
        run_until(f->event, NULL, 50);
        assert_int_equal(l.calls, 0);
        assert_int_equal(eg_device_find(f->manager, "ops-refuse")->state, EG_DEVICE_ONLINE);
}

static void test_inspection_copied(void **state) {
        struct fixture *f = *state;
        struct outcome_log l = {};

        assert_int_equal(start(f, "ops-inspect-good", EG_OP_DOCUMENT_INSPECT, 0, &l, NULL), 0);
        run_until(f->event, &l.calls, 1000);
        assert_int_equal(l.calls, 1);
        assert_int_equal(l.status, 0);
        assert_string_equal(l.model, "TEST-MODEL");
        assert_int_equal(l.passed, EG_OPTICAL_BIT(EG_OPTICAL_UV_DULLNESS) |
                                           EG_OPTICAL_BIT(EG_OPTICAL_IR_B900));
        assert_int_equal(l.failed, EG_OPTICAL_BIT(EG_OPTICAL_IR_MRZ));
        assert_int_equal(l.undetermined, EG_OPTICAL_BIT(EG_OPTICAL_VISIBLE_PATTERNS));
}

/* A plugin built against SDK 1.1 sends the older, shorter result: the new members read as
 * absent, whatever lies in its memory beyond its size. */
static void test_inspection_from_an_older_plugin(void **state) {
        struct fixture *f = *state;
        struct outcome_log l = {};

        assert_int_equal(start(f, "ops-inspect-v1-1", EG_OP_DOCUMENT_INSPECT, 0, &l, NULL), 0);
        run_until(f->event, &l.calls, 1000);
        assert_int_equal(l.status, 0);
        assert_false(l.has_model);
        assert_int_equal(l.passed | l.failed | l.undetermined, 0);
}

/* A bool holding 2 is true, and reading it is defined (UBSan runs this in the sanitizer build). */
static void test_raw_flags_read_as_true(void **state) {
        struct fixture *f = *state;
        struct outcome_log l = {};

        assert_int_equal(start(f, "ops-raw-flags", EG_OP_DOCUMENT_INSPECT, 0, &l, NULL), 0);
        run_until(f->event, &l.calls, 1000);
        assert_int_equal(l.status, 0);
        assert_true(l.match);
        assert_true(l.presentation_attack);
        assert_int_equal(l.faces, 3);
}

/* A verdict in two masks, an unknown check or a model with control characters never reaches
 * the pipeline: the completion is refused, so the reader is faulted at its deadline. */
/* A failure's message that is not printable text is dropped; the answer itself counts (it
 * does not wait for the deadline and fault the device). */
static void test_unprintable_message_dropped(void **state) {
        struct fixture *f = *state;
        struct outcome_log l = {};

        assert_int_equal(start(f, "ops-bad-message", EG_OP_DOCUMENT_INSPECT, 0, &l, NULL), 0);
        run_until(f->event, &l.calls, 2000);
        assert_int_equal(l.calls, 1);
        assert_int_equal(l.status, -EIO);
        assert_string_equal(l.message, "");
        assert_int_equal(eg_device_find(f->manager, "ops-bad-message")->state, EG_DEVICE_ONLINE);
}

static void test_hostile_inspection_refused(void **state) {
        static const char *const devices[] = { "ops-inspect-overlapping", "ops-inspect-unknown",
                                               "ops-inspect-control" };
        struct fixture *f = *state;

        for (size_t i = 0; i < ELEMENTSOF(devices); i++) {
                struct outcome_log l = {};

                assert_int_equal(start(f, devices[i], EG_OP_DOCUMENT_INSPECT, 0, &l, NULL), 0);
                run_until(f->event, &l.calls, 2000);
                assert_int_equal(l.calls, 1);
                assert_int_equal(l.status, -ETIMEDOUT);
                assert_false(l.has_model);
                assert_int_equal(eg_device_find(f->manager, devices[i])->state, EG_DEVICE_FAULTED);
        }
}

static void test_removal_fails_in_flight(void **state) {
        struct fixture *f = *state;
        struct outcome_log l = {};

        assert_int_equal(start(f, "ops-remove", EG_OP_DOCUMENT_READ_MRZ, 5000, &l, NULL), 0);
        run_until(f->event, &l.calls, 1000);
        assert_int_equal(l.calls, 1);
        assert_int_equal(l.status, -ENODEV);
        assert_null(eg_device_find(f->manager, "ops-remove"));
}

static void test_fault_event(void **state) {
        struct fixture *f = *state;
        struct outcome_log l = {};
        struct eg_device *d;

        assert_int_equal(start(f, "ops-fault", EG_OP_DOCUMENT_READ_MRZ, 200, &l, NULL), 0);
        run_until(f->event, NULL, 60); /* the plugin reports the fault after 5 ms */
        d = eg_device_find(f->manager, "ops-fault");
        assert_non_null(d);
        assert_int_equal(d->state, EG_DEVICE_FAULTED);
        assert_string_equal(d->last_error, "sensor cable cut");
        assert_int_equal(l.calls, 0);
        /* The operation it abandoned still ends, by its deadline. */
        run_until(f->event, &l.calls, 1000);
        assert_int_equal(l.status, -ETIMEDOUT);
}

static void on_state(struct eg_device *d, enum eg_device_state old, const char *reason,
                     void *userdata) {
        if (streq(d->id, "ops-door") && d->state == EG_DEVICE_BUSY)
                (*(unsigned *) userdata)++;
}

static void on_shutdown(struct eg_manager *m, void *userdata) {
        (*(unsigned *) userdata)++;
}

static void test_shutdown_makes_doors_safe(void **state) {
        struct fixture *f = *state;
        struct outcome_log l = {};
        unsigned done = 0, door_busy = 0;
        struct eg_manager_listener listener = { .device_state_changed = on_state,
                                                .userdata = &door_busy };

        assert_int_equal(eg_manager_add_listener(f->manager, &listener), 0);
        assert_int_equal(start(f, "ops-hang", EG_OP_DOCUMENT_READ_MRZ, 5000, &l, NULL), 0);
        eg_manager_shutdown(f->manager, on_shutdown, &done);
        run_until(f->event, &done, 3000);
        assert_int_equal(done, 1);
        assert_int_equal(door_busy, 1); /* the door ran its safe-state command */
        assert_int_equal(l.status, -ECANCELED);
        /* Only the safe-state command may start while stopping. */
        assert_int_equal(start(f, "ops-ok", EG_OP_DOCUMENT_READ_MRZ, 0, &l, NULL), -ENODEV);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_registry_ids, setup, teardown),
                cmocka_unit_test_setup_teardown(test_ok_is_deferred, setup, teardown),
                cmocka_unit_test_setup_teardown(test_sync_completion_is_deferred, setup, teardown),
                cmocka_unit_test_setup_teardown(test_thread_completion, setup, teardown),
                cmocka_unit_test_setup_teardown(test_deadline_faults_device, setup, teardown),
                cmocka_unit_test_setup_teardown(test_default_deadline, setup, teardown),
                cmocka_unit_test_setup_teardown(test_late_answer_dropped, setup, teardown),
                cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
                cmocka_unit_test_setup_teardown(test_cancel_device, setup, teardown),
                cmocka_unit_test_setup_teardown(test_faulted_door_goes_safe, setup, teardown),
                cmocka_unit_test_setup_teardown(test_refused_and_unsupported, setup, teardown),
                cmocka_unit_test_setup_teardown(test_inspection_copied, setup, teardown),
                cmocka_unit_test_setup_teardown(test_inspection_from_an_older_plugin, setup,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_hostile_inspection_refused, setup, teardown),
                cmocka_unit_test_setup_teardown(test_unprintable_message_dropped, setup, teardown),
                cmocka_unit_test_setup_teardown(test_raw_flags_read_as_true, setup, teardown),
                cmocka_unit_test_setup_teardown(test_removal_fails_in_flight, setup, teardown),
                cmocka_unit_test_setup_teardown(test_fault_event, setup, teardown),
                cmocka_unit_test_setup_teardown(test_shutdown_makes_doors_safe, setup, teardown),
        };

        log_set_max_level(getenv("EGATE_TEST_DEBUG") ? LOG_DEBUG : LOG_WARNING);
        return cmocka_run_group_tests(tests, NULL, NULL);
}
