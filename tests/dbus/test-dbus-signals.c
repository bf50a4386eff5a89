/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Properties and their PropertiesChanged signals as devices change: door movement, device
 * faults, device events, devices unplugged and plugged in again; a lane's ModeChanged. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <cmocka.h>

#include "dbus-harness.h"
#include "macro.h"

#define SIGNAL_TIMEOUT (5 * USEC_PER_SEC)

static void call_ok(struct harness *h, const char *path, const char *iface, const char *member) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r = sd_bus_call_method(h->bus, EG_NAME, path, iface, member, &error, NULL, NULL);

        if (r < 0)
                fprintf(stderr, "%s.%s on %s: %s: %s\n", iface, member, path, error.name,
                        error.message);
        assert_true(r >= 0);
}

static void expect_property(struct harness *h, const char *path, const char *iface,
                            const char *name, const char *expected) {
        _cleanup_free_ char *v = get_string_property(h->bus, path, iface, name);

        assert_string_equal(v, expected);
}

static void test_door_position_signalled(void **state) {
        struct harness *h = *state;
        _cleanup_free_ char *door = device_path("A1-entry-door");
        const char *me = NULL;

        assert_true(sd_bus_get_unique_name(h->bus, &me) >= 0);
        set_lane_mode(h, "manual");
        assert_true(harness_wait_property(h, LANE_A1_PATH, EG_IFACE("Lane"), "Mode", "manual",
                                          SIGNAL_TIMEOUT));

        call_ok(h, door, EG_IFACE("Device"), "Claim");
        assert_true(harness_wait_property(h, door, EG_IFACE("Device"), "ClaimedBy", me,
                                          SIGNAL_TIMEOUT));
        expect_property(h, door, EG_IFACE("Device"), "ClaimedBy", me);
        expect_property(h, door, EG_IFACE("Door"), "Position", "closed");

        call_ok(h, door, EG_IFACE("Door"), "Open");
        assert_true(harness_wait_property(h, door, EG_IFACE("Door"), "Position", "open",
                                          SIGNAL_TIMEOUT));
        assert_true(harness_wait_property(h, door, EG_IFACE("Door"), "LockState", "unlocked",
                                          SIGNAL_TIMEOUT));
        expect_property(h, door, EG_IFACE("Door"), "Position", "open");

        call_ok(h, door, EG_IFACE("Door"), "Close");
        assert_true(harness_wait_property(h, door, EG_IFACE("Door"), "Position", "closed",
                                          SIGNAL_TIMEOUT));
        call_ok(h, door, EG_IFACE("Door"), "Lock");
        assert_true(harness_wait_property(h, door, EG_IFACE("Door"), "LockState", "locked",
                                          SIGNAL_TIMEOUT));
        expect_property(h, door, EG_IFACE("Door"), "LockState", "locked");

        call_ok(h, door, EG_IFACE("Device"), "Release");
        assert_true(harness_wait_property(h, door, EG_IFACE("Device"), "ClaimedBy", "",
                                          SIGNAL_TIMEOUT));
        harness_pass(h);
}

struct state_change {
        const char *new_state;
        char old[32], reason[256];
};

static bool is_state_change_to(sd_bus_message *m, void *userdata) {
        struct state_change *c = userdata;
        const char *old, *new_state, *reason;

        if (sd_bus_message_read(m, "sss", &old, &new_state, &reason) < 0 ||
            strcmp(new_state, c->new_state) != 0)
                return false;
        snprintf(c->old, sizeof(c->old), "%s", old);
        snprintf(c->reason, sizeof(c->reason), "%s", reason);
        return true;
}

static uint64_t health_counter(sd_bus *bus, const char *path, const char *key) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *name;
        uint64_t value = UINT64_MAX;

        assert_true(sd_bus_get_property(bus, EG_NAME, path, EG_IFACE("Device"), "Health", &error,
                                        &reply, "a{sv}") >= 0);
        assert_true(sd_bus_message_enter_container(reply, 'a', "{sv}") >= 0);
        while (sd_bus_message_enter_container(reply, 'e', "sv") > 0) {
                assert_true(sd_bus_message_read(reply, "s", &name) > 0);
                if (strcmp(name, key) == 0)
                        assert_true(sd_bus_message_read(reply, "v", "t", &value) > 0);
                else
                        assert_true(sd_bus_message_skip(reply, "v") >= 0);
                assert_true(sd_bus_message_exit_container(reply) >= 0);
        }
        return value;
}

/* A door operation that never answers: the daemon's deadline faults the device. */
static void test_hang_faults_device(void **state) {
        struct harness *h = *state;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *signal = NULL;
        _cleanup_free_ char *door = device_path("A1-entry-door"), *reply = NULL, *v = NULL,
                            *last_error = NULL;
        struct state_change change = { .new_state = "faulted" };
        char expected_reason[64];

        set_lane_mode(h, "manual");
        call_ok(h, door, EG_IFACE("Device"), "Claim");
        reply = harness_mock(h, "fault A1-entry-door door-open hang");
        assert_int_equal(health_counter(h->bus, door, "timeouts"), 0);

        assert_true(sd_bus_call_method(h->bus, EG_NAME, door, EG_IFACE("Door"), "Open", &error,
                                       NULL, NULL) < 0);
        assert_string_equal(error.name, EG_ERROR("Timeout"));

        signal = harness_wait_signal(h, door, EG_IFACE("Device"), "StateChanged",
                                     is_state_change_to, &change, SIGNAL_TIMEOUT);
        assert_non_null(signal);
        /* The operation was in flight, so the device was busy when the deadline hit. */
        assert_string_equal(change.old, "busy");
        snprintf(expected_reason, sizeof(expected_reason), "door-open timed out after %d ms",
                 TEST_OPERATION_TIMEOUT_MS);
        assert_string_equal(change.reason, expected_reason);
        assert_true(harness_wait_property(h, door, EG_IFACE("Device"), "State", "faulted",
                                          SIGNAL_TIMEOUT));

        v = get_string_property(h->bus, door, EG_IFACE("Device"), "State");
        assert_string_equal(v, "faulted");
        last_error = get_string_property(h->bus, door, EG_IFACE("Device"), "LastError");
        assert_string_equal(last_error, expected_reason);
        /* The faulted door was sent to its safe state (fail-secure: closed and locked),
         * which answered; the door stays faulted. */
        for (unsigned waited = 0; health_counter(h->bus, door, "operations") < 2 && waited < 2000;
             waited += 10)
                (void) usleep(10 * 1000);
        assert_int_equal(health_counter(h->bus, door, "operations"), 2);
        assert_int_equal(health_counter(h->bus, door, "timeouts"), 1);
        assert_int_equal(health_counter(h->bus, door, "failures"), 1);
        free(v);
        v = get_string_property(h->bus, door, EG_IFACE("Device"), "State");
        assert_string_equal(v, "faulted");
        harness_pass(h);
}

/*
 * Online/busy changes are coalesced: operations that finish within the settle
 * time leave no StateChanged behind, a long one shows busy and back, and
 * every signal's old state is the previous signal's new one.
 */
static void test_busy_announced_coalesced(void **state) {
        struct harness *h = *state;
        _cleanup_free_ char *door = device_path("A1-entry-door"), *reply = NULL;
        struct state_change to_busy = { .new_state = "busy" },
                            to_online = { .new_state = "online" };
        sd_bus_message *m;

        set_lane_mode(h, "manual");
        call_ok(h, door, EG_IFACE("Device"), "Claim");
        harness_drop_signals(h);

        call_ok(h, door, EG_IFACE("Door"), "Open");
        call_ok(h, door, EG_IFACE("Door"), "Close");
        call_ok(h, door, EG_IFACE("Door"), "Lock");
        /* Well past the 100 ms settle point: nothing may come. */
        m = harness_wait_signal(h, door, EG_IFACE("Device"), "StateChanged", NULL, NULL,
                                400 * USEC_PER_MSEC);
        assert_null(m);
        assert_int_equal(health_counter(h->bus, door, "operations"), 3);

        reply = harness_mock(h, "fault A1-entry-door door-open delay 300 1");
        call_ok(h, door, EG_IFACE("Door"), "Open");
        m = harness_wait_signal(h, door, EG_IFACE("Device"), "StateChanged", is_state_change_to,
                                &to_busy, SIGNAL_TIMEOUT);
        assert_non_null(m);
        sd_bus_message_unref(m);
        assert_string_equal(to_busy.old, "online");
        m = harness_wait_signal(h, door, EG_IFACE("Device"), "StateChanged", is_state_change_to,
                                &to_online, SIGNAL_TIMEOUT);
        assert_non_null(m);
        sd_bus_message_unref(m);
        assert_string_equal(to_online.old, "busy");
        expect_property(h, door, EG_IFACE("Device"), "State", "online");
        harness_pass(h);
}

/* Checks one Lane PropertiesChanged: State and CurrentTransaction each moved if named. */
static void check_lane_change(sd_bus_message *m, char *last_state, char *last_transaction,
                              size_t size) {
        const char *iface, *name, *value;

        assert_true(sd_bus_message_rewind(m, true) >= 0);
        assert_true(sd_bus_message_read(m, "s", &iface) > 0);
        if (strcmp(iface, EG_IFACE("Lane")) != 0)
                return;
        assert_true(sd_bus_message_enter_container(m, 'a', "{sv}") >= 0);
        while (sd_bus_message_enter_container(m, 'e', "sv") > 0) {
                char *last = NULL;

                assert_true(sd_bus_message_read(m, "s", &name) > 0);
                if (strcmp(name, "State") == 0)
                        last = last_state;
                else if (strcmp(name, "CurrentTransaction") == 0)
                        last = last_transaction;
                if (last) {
                        assert_true(sd_bus_message_read(m, "v", "s", &value) > 0);
                        if (strcmp(last, value) == 0)
                                fail_msg("Lane.%s announced again as \"%s\"", name, value);
                        snprintf(last, size, "%s", value);
                } else
                        assert_true(sd_bus_message_skip(m, "v") >= 0);
                assert_true(sd_bus_message_exit_container(m) >= 0);
        }
        assert_true(sd_bus_message_exit_container(m) >= 0);
}

/* Through a whole transaction the lane announces a property only when its value moved. */
static void test_lane_announces_changes_only(void **state) {
        struct harness *h = *state;
        _cleanup_free_ char *reply = NULL;
        char last_state[64] = "", last_transaction[128] = "";
        size_t first, lane_changes = 0;
        sd_bus_message *m;

        harness_drop_signals(h);
        first = h->n_signals;
        reply = harness_mock(h, "arrive A1 t01");
        m = harness_wait_signal(h, LANE_A1_PATH, EG_IFACE("Lane"), "TransactionFinished", NULL,
                                NULL, 6 * SIGNAL_TIMEOUT);
        assert_non_null(m);
        sd_bus_message_unref(m);
        assert_true(harness_wait_property(h, LANE_A1_PATH, EG_IFACE("Lane"), "State", "idle",
                                          6 * SIGNAL_TIMEOUT));

        for (size_t i = first; i < h->n_signals; i++) {
                m = h->signals[i];
                if (!sd_bus_message_is_signal(m, "org.freedesktop.DBus.Properties",
                                              "PropertiesChanged") ||
                    strcmp(sd_bus_message_get_path(m), LANE_A1_PATH) != 0)
                        continue;
                lane_changes++;
                check_lane_change(m, last_state, last_transaction, sizeof(last_state));
        }
        /* At least: reading, ..., back to idle, and the transaction's id set and cleared. */
        assert_true(lane_changes >= 3);
        assert_string_equal(last_state, "idle");
        harness_pass(h);
}

static void set_mode(struct harness *h, const char *mode, const char *reason) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r = sd_bus_call_method(h->bus, EG_NAME, LANE_A1_PATH, EG_IFACE("Lane"), "SetMode",
                                   &error, NULL, "ss", mode, reason);

        if (r < 0)
                fprintf(stderr, "SetMode %s: %s: %s\n", mode, error.name, error.message);
        assert_true(r >= 0);
}

static bool is_mode_changed_to(sd_bus_message *m, void *userdata) {
        const char *mode, *reason, *who;

        return sd_bus_message_read(m, "sss", &mode, &reason, &who) > 0 &&
               strcmp(mode, userdata) == 0;
}

/* The audit trail's lane events for an operator's mode change with this reason (an operator
 * event's detail). */
static unsigned mode_events(struct harness *h, const char *reason) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *lane, *kind, *action, *transaction, *code, *who, *detail;
        unsigned n = 0;
        uint64_t time;

        assert_true(sd_bus_call_method(h->bus, EG_NAME, EG_ROOT_PATH "/Audit", EG_IFACE("Audit"),
                                       "ListEvents", &error, &reply, "ttus", UINT64_C(0),
                                       UINT64_C(0), 0, "") >= 0);
        assert_true(sd_bus_message_enter_container(reply, 'a', "(tsssssss)") >= 0);
        while (sd_bus_message_read(reply, "(tsssssss)", &time, &lane, &kind, &action, &transaction,
                                   &code, &who, &detail) > 0)
                if (strcmp(kind, "operator") == 0 && strcmp(action, "mode") == 0 &&
                    strcmp(detail, reason) == 0)
                        n++;
        return n;
}

/* Records are written by the trail's worker, in the order they came. */
static void wait_mode_event(struct harness *h, const char *reason) {
        for (unsigned waited = 0; mode_events(h, reason) == 0 && waited < 5000; waited += 20)
                (void) usleep(20 * 1000);
        assert_int_equal(mode_events(h, reason), 1);
}

/* SetMode to the mode the lane is in succeeds and changes nothing: no ModeChanged and no
 * lane event in the audit trail, which both tell of changes; egated's log keeps the request. */
static void test_set_mode_unchanged_is_quiet(void **state) {
        struct harness *h = *state;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        _cleanup_free_ char *mode = NULL;

        set_mode(h, "manual", "test: to manual");
        m = harness_wait_signal(h, LANE_A1_PATH, EG_IFACE("Lane"), "ModeChanged",
                                is_mode_changed_to, (void *) "manual", SIGNAL_TIMEOUT);
        assert_non_null(m);
        wait_mode_event(h, "test: to manual");

        set_mode(h, "manual", "test: manual again");
        /* A change after it: what the no-op would have sent comes before this. */
        set_mode(h, "closed", "test: to closed");
        sd_bus_message_unref(m);
        m = harness_wait_signal(h, LANE_A1_PATH, EG_IFACE("Lane"), "ModeChanged",
                                is_mode_changed_to, (void *) "closed", SIGNAL_TIMEOUT);
        assert_non_null(m);
        wait_mode_event(h, "test: to closed");

        sd_bus_message_unref(m);
        m = harness_wait_signal(h, LANE_A1_PATH, EG_IFACE("Lane"), "ModeChanged",
                                is_mode_changed_to, (void *) "manual", 0);
        assert_null(m);
        assert_int_equal(mode_events(h, "test: manual again"), 0);
        assert_true(harness_log_contains(h, "test: manual again"));
        mode = get_string_property(h->bus, LANE_A1_PATH, EG_IFACE("Lane"), "Mode");
        assert_string_equal(mode, "closed");
        harness_pass(h);
}

static bool is_occupancy(sd_bus_message *m, void *userdata) {
        const char *zone;
        int64_t count;

        return sd_bus_message_read(m, "sx", &zone, &count) > 0 && strcmp(zone, "approach") == 0 &&
               count == 2;
}

/* Device events reach the bus as the class interface's signals and properties. */
static void test_device_events_signalled(void **state) {
        struct harness *h = *state;
        _cleanup_free_ char *door = device_path("A1-exit-door"),
                            *reader = device_path("A1-document-reader"),
                            *sensor = device_path("A1-presence-sensor"), *reply = NULL;
        sd_bus_message *m;

        free(harness_mock(h, "door A1-exit-door forced"));
        m = harness_wait_signal(h, door, EG_IFACE("Door"), "ForcedOpen", NULL, NULL,
                                SIGNAL_TIMEOUT);
        assert_non_null(m);
        sd_bus_message_unref(m);
        assert_true(
                harness_wait_property(h, door, EG_IFACE("Door"), "Forced", NULL, SIGNAL_TIMEOUT));
        assert_true(get_bool_property(h->bus, door, EG_IFACE("Door"), "Forced"));
        free(harness_mock(h, "door A1-exit-door closed"));
        assert_true(harness_wait_property(h, door, EG_IFACE("Door"), "Position", "closed",
                                          SIGNAL_TIMEOUT));
        assert_false(get_bool_property(h->bus, door, EG_IFACE("Door"), "Forced"));

        assert_false(
                get_bool_property(h->bus, reader, EG_IFACE("DocumentReader"), "DocumentPresent"));
        free(harness_mock(h, "present-document A1 t01"));
        m = harness_wait_signal(h, reader, EG_IFACE("DocumentReader"), "DocumentPlaced", NULL, NULL,
                                SIGNAL_TIMEOUT);
        assert_non_null(m);
        sd_bus_message_unref(m);
        assert_true(
                get_bool_property(h->bus, reader, EG_IFACE("DocumentReader"), "DocumentPresent"));
        free(harness_mock(h, "remove-document A1"));
        m = harness_wait_signal(h, reader, EG_IFACE("DocumentReader"), "DocumentRemoved", NULL,
                                NULL, SIGNAL_TIMEOUT);
        assert_non_null(m);
        sd_bus_message_unref(m);
        assert_false(
                get_bool_property(h->bus, reader, EG_IFACE("DocumentReader"), "DocumentPresent"));

        reply = harness_mock(h, "enter A1 approach 2");
        m = harness_wait_signal(h, sensor, EG_IFACE("PresenceSensor"), "OccupancyChanged",
                                is_occupancy, NULL, SIGNAL_TIMEOUT);
        assert_non_null(m);
        sd_bus_message_unref(m);
        assert_true(harness_wait_property(h, sensor, EG_IFACE("PresenceSensor"), "Zones", NULL,
                                          SIGNAL_TIMEOUT));
        harness_pass(h);
}

struct interfaces_event {
        const char *path;
        bool has_device, has_camera;
};

static bool names_camera(sd_bus_message *m, void *userdata) {
        struct interfaces_event *e = userdata;
        const char *path, *iface;
        bool added = strcmp(sd_bus_message_get_member(m), "InterfacesAdded") == 0;

        if (sd_bus_message_read(m, "o", &path) < 0 || strcmp(path, e->path) != 0)
                return false;
        if (sd_bus_message_enter_container(m, 'a', added ? "{sa{sv}}" : "s") < 0)
                return false;
        for (;;) {
                if (added && sd_bus_message_enter_container(m, 'e', "sa{sv}") <= 0)
                        break;
                if (sd_bus_message_read(m, "s", &iface) <= 0)
                        break;
                e->has_device |= strcmp(iface, EG_IFACE("Device")) == 0;
                e->has_camera |= strcmp(iface, EG_IFACE("Camera")) == 0;
                if (added &&
                    (sd_bus_message_skip(m, "a{sv}") < 0 || sd_bus_message_exit_container(m) < 0))
                        return false;
        }
        return true;
}

static void test_unplug_replug(void **state) {
        struct harness *h = *state;
        _cleanup_free_ char *camera = device_path("A1-camera"), *v = NULL, *reason = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        struct interfaces_event removed = { .path = camera }, added = { .path = camera };
        sd_bus_message *m;
        char *value = NULL;

        free(harness_mock(h, "unplug A1-camera"));
        m = harness_wait_signal(h, EG_ROOT_PATH, "org.freedesktop.DBus.ObjectManager",
                                "InterfacesRemoved", names_camera, &removed, SIGNAL_TIMEOUT);
        assert_non_null(m);
        sd_bus_message_unref(m);
        assert_true(removed.has_device && removed.has_camera);
        assert_true(harness_wait_property(h, EG_ROOT_PATH, EG_IFACE("Manager"), "Devices", NULL,
                                          SIGNAL_TIMEOUT));
        assert_true(sd_bus_get_property_string(h->bus, EG_NAME, camera, EG_IFACE("Device"), "State",
                                               &error, &value) < 0);
        assert_string_equal(error.name, "org.freedesktop.DBus.Error.UnknownObject");
        /* The lane needs its camera. */
        assert_false(get_bool_property(h->bus, LANE_A1_PATH, EG_IFACE("Lane"), "Ready"));
        reason = get_string_property(h->bus, LANE_A1_PATH, EG_IFACE("Lane"), "NotReadyReason");
        assert_non_null(strstr(reason, "mock-A1-camera"));

        harness_drop_signals(h);
        free(harness_mock(h, "replug A1-camera"));
        m = harness_wait_signal(h, EG_ROOT_PATH, "org.freedesktop.DBus.ObjectManager",
                                "InterfacesAdded", names_camera, &added, SIGNAL_TIMEOUT);
        assert_non_null(m);
        sd_bus_message_unref(m);
        assert_true(added.has_device && added.has_camera);
        v = get_string_property(h->bus, camera, EG_IFACE("Device"), "State");
        assert_string_equal(v, "online");
        assert_true(harness_wait_property(h, LANE_A1_PATH, EG_IFACE("Lane"), "Ready", NULL,
                                          SIGNAL_TIMEOUT));
        assert_true(get_bool_property(h->bus, LANE_A1_PATH, EG_IFACE("Lane"), "Ready"));
        harness_pass(h);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_door_position_signalled, harness_setup,
                                                harness_teardown),
                cmocka_unit_test_setup_teardown(test_hang_faults_device, harness_setup,
                                                harness_teardown),
                cmocka_unit_test_setup_teardown(test_busy_announced_coalesced, harness_setup,
                                                harness_teardown),
                cmocka_unit_test_setup_teardown(test_lane_announces_changes_only, harness_setup,
                                                harness_teardown),
                cmocka_unit_test_setup_teardown(test_set_mode_unchanged_is_quiet, harness_setup,
                                                harness_teardown),
                cmocka_unit_test_setup_teardown(test_device_events_signalled, harness_setup,
                                                harness_teardown),
                cmocka_unit_test_setup_teardown(test_unplug_replug, harness_setup,
                                                harness_teardown),
        };
        int r = harness_init_process();

        if (r != 0)
                return r;
        return cmocka_run_group_tests(tests, NULL, NULL);
}
