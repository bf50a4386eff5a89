/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Who may call what: with the shipped policy the bus refuses callers outside
 * the egate groups; with a permissive copy of the policy the calls reach
 * egated, which must refuse them itself (and log it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <cmocka.h>

#include "dbus-harness.h"
#include "macro.h"

#define SIGNAL_TIMEOUT (5 * USEC_PER_SEC)

struct read_call {
        const char *path, *iface, *member, *signature;
        const char *args[2];
};

/* The reads egate-monitor gets. */
static const struct read_call reads[] = {
        { EG_ROOT_PATH,
          "org.freedesktop.DBus.Properties",
          "Get",
          "ss",
          { EG_IFACE("Manager"), "Version" } },
        { EG_ROOT_PATH, "org.freedesktop.DBus.Properties", "GetAll", "s", { EG_IFACE("Manager") } },
        { LANE_A1_PATH, "org.freedesktop.DBus.Properties", "GetAll", "s", { EG_IFACE("Lane") } },
        { EG_ROOT_PATH, "org.freedesktop.DBus.ObjectManager", "GetManagedObjects", "", {} },
        /* AUDIT: whether the trail is writable, not what is in it. */
        { EG_ROOT_PATH "/Audit",
          "org.freedesktop.DBus.Properties",
          "Get",
          "ss",
          { EG_IFACE("Audit"), "Writable" } },
};
/* What anyone may call as far as egated is concerned. */
static const struct read_call public_calls[] = {
        { EG_ROOT_PATH, "org.freedesktop.DBus.Peer", "Ping", "", {} },
        { EG_ROOT_PATH, "org.freedesktop.DBus.Introspectable", "Introspect", "", {} },
};

static void call_read_as(struct harness *h, uid_t uid, const struct read_call *c,
                         struct call_result *r) {
        if (c->args[1])
                harness_call_strings_as(h, uid, c->path, c->iface, c->member, r, c->args[0],
                                        c->args[1], NULL);
        else if (c->args[0])
                harness_call_strings_as(h, uid, c->path, c->iface, c->member, r, c->args[0], NULL);
        else
                harness_call_strings_as(h, uid, c->path, c->iface, c->member, r, NULL);
}

static void expect(const struct call_result *r, const char *what, const char *error_name) {
        bool good = error_name ? !r->ok && strcmp(r->error_name, error_name) == 0 : r->ok;

        if (!good)
                fprintf(stderr, "%s: expected %s, got %s %s\n", what,
                        error_name ? error_name : "success", r->ok ? "success" : r->error_name,
                        r->ok ? "" : r->error_message);
        assert_true(good);
}

/* Every method of the contract, called by uid with default arguments, must end in
 * error_name (NULL: reach egated and not be refused for permission). */
static void call_every_method(struct harness *h, uid_t uid, const char *error_name) {
        struct contract_member *members = NULL;
        size_t n = contract_members(&members);

        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *path = contract_object_for(members[i].iface), *what = NULL;
                struct call_result r = {};

                assert_true(asprintf(&what, "uid %u: %s.%s", (unsigned) uid, members[i].iface,
                                     members[i].member) > 0);
                harness_call_as(h, uid, path, members[i].iface, members[i].member,
                                members[i].in_signature, &r);
                if (error_name) {
                        expect(&r, what, error_name);
                        continue;
                }
                /* Reached egated: success or one of its documented errors, never a refusal. */
                if (!r.ok && (strncmp(r.error_name, EG_ERROR(""), strlen(EG_ERROR(""))) != 0 ||
                              strcmp(r.error_name, EG_ERROR("PermissionDenied")) == 0)) {
                        fprintf(stderr, "%s: %s %s\n", what, r.error_name, r.error_message);
                        fail();
                }
        }
        free(members);
}

/* ---- the shipped policy ---- */

static void test_outsider_refused_by_bus(void **state) {
        struct harness *h = *state;
        struct call_result r = {};

        call_every_method(h, UID_NONE, BUS_ACCESS_DENIED);
        for (size_t i = 0; i < ELEMENTSOF(reads); i++) {
                call_read_as(h, UID_NONE, &reads[i], &r);
                expect(&r, reads[i].member, BUS_ACCESS_DENIED);
        }
        for (size_t i = 0; i < ELEMENTSOF(public_calls); i++) {
                call_read_as(h, UID_NONE, &public_calls[i], &r);
                expect(&r, public_calls[i].member, BUS_ACCESS_DENIED);
        }
        /* The bus stopped them all: none reached egated. */
        assert_false(harness_log_contains(h, "for uid 61003"));
        harness_pass(h);
}

struct signal_watch {
        bool seen;
};

/* Anyone may receive egated's signals. */
static void client_wait_mode_changed(struct client *c) {
        _cleanup_(sd_bus_slot_unrefp) sd_bus_slot *slot = NULL;
        int r;

        r = sd_bus_match_signal(c->bus, &slot, EG_NAME, LANE_A1_PATH, EG_IFACE("Lane"),
                                "ModeChanged", NULL, NULL);
        if (r < 0) {
                call_result_set(c->result, r, NULL);
                return;
        }
        (void) write(c->ready_fd, "x", 1);
        for (int i = 0; i < 100; i++) {
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
                const char *mode, *reason, *who;

                r = sd_bus_process(c->bus, &m);
                if (r < 0)
                        break;
                if (m && sd_bus_message_is_signal(m, EG_IFACE("Lane"), "ModeChanged") &&
                    sd_bus_message_read(m, "sss", &mode, &reason, &who) > 0) {
                        snprintf(c->result->text, sizeof(c->result->text), "%s/%s", mode, reason);
                        c->result->ok = true;
                        return;
                }
                if (r == 0)
                        (void) sd_bus_wait(c->bus, 100 * USEC_PER_MSEC);
        }
        snprintf(c->result->error_name, sizeof(c->result->error_name), "(no signal)");
}

static void test_outsider_receives_signals(void **state) {
        struct harness *h = *state;
        struct child c = harness_spawn_as(h, UID_NONE, client_wait_mode_changed, NULL);
        struct call_result r = {};

        set_lane_mode(h, "closed");
        harness_collect(&c, &r);
        expect(&r, "ModeChanged for uid 61003", NULL);
        assert_string_equal(r.text, "closed/test harness");
        harness_pass(h);
}

static void test_monitor_reads_only(void **state) {
        struct harness *h = *state;
        _cleanup_free_ char *door = device_path("A1-entry-door");
        struct call_result r = {};

        for (size_t i = 0; i < ELEMENTSOF(reads); i++) {
                call_read_as(h, UID_MONITOR, &reads[i], &r);
                expect(&r, reads[i].member, NULL);
        }
        for (size_t i = 0; i < ELEMENTSOF(public_calls); i++) {
                call_read_as(h, UID_MONITOR, &public_calls[i], &r);
                expect(&r, public_calls[i].member, NULL);
        }
        call_every_method(h, UID_MONITOR, BUS_ACCESS_DENIED);
        harness_call_as(h, UID_MONITOR, door, "org.freedesktop.DBus.Properties", "Set", "ssv", &r);
        expect(&r, "Set", BUS_ACCESS_DENIED);
        harness_pass(h);
}

/* An operator's session: take the lane out of automatic mode, claim the door, open it. */
static void client_operate_door(struct client *c) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_free_ char *door = device_path("A1-entry-door");
        int r;

        r = sd_bus_call_method(c->bus, EG_NAME, LANE_A1_PATH, EG_IFACE("Lane"), "SetMode", &error,
                               NULL, "ss", "manual", "operator test");
        if (r >= 0)
                r = sd_bus_call_method(c->bus, EG_NAME, door, EG_IFACE("Device"), "Claim", &error,
                                       NULL, NULL);
        if (r >= 0)
                r = sd_bus_call_method(c->bus, EG_NAME, door, EG_IFACE("Door"), "Open", &error,
                                       NULL, NULL);
        if (r >= 0)
                r = sd_bus_call_method(c->bus, EG_NAME, door, EG_IFACE("Door"), "Close", &error,
                                       NULL, NULL);
        call_result_set(c->result, r, &error);
}

static void test_operator_calls_everything(void **state) {
        struct harness *h = *state;
        struct call_result r = {};

        for (size_t i = 0; i < ELEMENTSOF(reads); i++) {
                call_read_as(h, UID_OPERATOR, &reads[i], &r);
                expect(&r, reads[i].member, NULL);
        }
        for (size_t i = 0; i < ELEMENTSOF(public_calls); i++) {
                call_read_as(h, UID_OPERATOR, &public_calls[i], &r);
                expect(&r, public_calls[i].member, NULL);
        }
        harness_run_as(h, UID_OPERATOR, client_operate_door, NULL, &r);
        expect(&r, "operator opens the door", NULL);
        assert_true(harness_log_contains(h, "operator test (by uid 61001"));
        call_every_method(h, UID_OPERATOR, NULL);
        assert_true(harness_egated_alive(h));
        harness_pass(h);
}

/* ---- a permissive policy: egated's own checks ---- */

static void test_daemon_refuses_outsider(void **state) {
        struct harness *h = *state;
        struct call_result r = {};

        call_every_method(h, UID_NONE, EG_ERROR("PermissionDenied"));
        for (size_t i = 0; i < ELEMENTSOF(reads); i++) {
                call_read_as(h, UID_NONE, &reads[i], &r);
                expect(&r, reads[i].member, EG_ERROR("PermissionDenied"));
        }
        for (size_t i = 0; i < ELEMENTSOF(public_calls); i++) {
                call_read_as(h, UID_NONE, &public_calls[i], &r);
                expect(&r, public_calls[i].member, NULL);
        }
        assert_true(harness_log_contains(h, "refused org.egate.EGate1.Door.Open on "
                                            "/org/egate/EGate1/Device/mock_2dA1_2dentry_2ddoor "
                                            "for uid 61003: needs egate-operator"));
        assert_true(harness_log_contains(h, "refused org.freedesktop.DBus.Properties.Get on "
                                            "/org/egate/EGate1 for uid 61003: needs "
                                            "egate-monitor or egate-operator"));
        /* AUDIT: lane events tell who did what when, as records do. */
        assert_true(harness_log_contains(h, "refused org.egate.EGate1.Audit.ListEvents on "
                                            "/org/egate/EGate1/Audit for uid 61003: needs "
                                            "egate-operator"));
        assert_true(harness_log_contains(h, "refused org.egate.EGate1.Audit.ExportEvents on "
                                            "/org/egate/EGate1/Audit for uid 61003: needs "
                                            "egate-operator"));
        harness_pass(h);
}

static void test_daemon_refuses_monitor_methods(void **state) {
        struct harness *h = *state;
        _cleanup_free_ char *door = device_path("A1-entry-door");
        struct call_result r = {};

        for (size_t i = 0; i < ELEMENTSOF(reads); i++) {
                call_read_as(h, UID_MONITOR, &reads[i], &r);
                expect(&r, reads[i].member, NULL);
        }
        call_every_method(h, UID_MONITOR, EG_ERROR("PermissionDenied"));
        harness_call_as(h, UID_MONITOR, door, "org.freedesktop.DBus.Properties", "Set", "ssv", &r);
        expect(&r, "Set", EG_ERROR("PermissionDenied"));
        assert_true(harness_log_contains(h, "refused org.egate.EGate1.Lane.SetMode on "
                                            "/org/egate/EGate1/Lane/A1 for uid 61002"));
        assert_true(harness_log_contains(h, "refused org.egate.EGate1.Audit.ListEvents on "
                                            "/org/egate/EGate1/Audit for uid 61002"));
        assert_true(harness_log_contains(h, "refused org.egate.EGate1.Audit.ExportEvents on "
                                            "/org/egate/EGate1/Audit for uid 61002"));
        harness_pass(h);
}

static void test_daemon_lets_operator_through(void **state) {
        struct harness *h = *state;

        call_every_method(h, UID_OPERATOR, NULL);
        assert_false(harness_log_contains(h, "for uid 61001: needs"));
        harness_pass(h);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_outsider_refused_by_bus, harness_setup,
                                                harness_teardown),
                cmocka_unit_test_setup_teardown(test_outsider_receives_signals, harness_setup,
                                                harness_teardown),
                cmocka_unit_test_setup_teardown(test_monitor_reads_only, harness_setup,
                                                harness_teardown),
                cmocka_unit_test_setup_teardown(test_operator_calls_everything, harness_setup,
                                                harness_teardown),
                cmocka_unit_test_setup_teardown(test_daemon_refuses_outsider,
                                                harness_setup_permissive, harness_teardown),
                cmocka_unit_test_setup_teardown(test_daemon_refuses_monitor_methods,
                                                harness_setup_permissive, harness_teardown),
                cmocka_unit_test_setup_teardown(test_daemon_lets_operator_through,
                                                harness_setup_permissive, harness_teardown),
        };
        int r = harness_init_process();

        if (r != 0)
                return r;
        return cmocka_run_group_tests(tests, NULL, NULL);
}
