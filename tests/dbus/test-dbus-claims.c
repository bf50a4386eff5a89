/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Device claims: who may take a device, who holds it, and that a claim ends with its
 * holder's connection. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <cmocka.h>

#include "dbus-harness.h"
#include "macro.h"

#define SIGNAL_TIMEOUT (5 * USEC_PER_SEC)
#define DOOR_KEY "A1-entry-door"

static void claim_as_root(struct harness *h, sd_bus *bus, sd_bus_error *error, int *ret) {
        _cleanup_free_ char *door = device_path(DOOR_KEY);

        *ret = sd_bus_call_method(bus, EG_NAME, door, EG_IFACE("Device"), "Claim", error, NULL,
                                  NULL);
}

/* A lane in automatic mode owns its devices. */
static void test_claim_busy_in_automatic_mode(void **state) {
        struct harness *h = *state;
        _cleanup_free_ char *door = device_path(DOOR_KEY), *mode = NULL, *holder = NULL;
        struct call_result r = {};

        mode = get_string_property(h->bus, LANE_A1_PATH, EG_IFACE("Lane"), "Mode");
        assert_string_equal(mode, "automatic");
        harness_call_as(h, UID_OPERATOR, door, EG_IFACE("Device"), "Claim", "", &r);
        assert_false(r.ok);
        assert_string_equal(r.error_name, EG_ERROR("Busy"));
        assert_non_null(strstr(r.error_message, "lane A1"));
        assert_non_null(strstr(r.error_message, "automatic"));
        holder = get_string_property(h->bus, door, EG_IFACE("Device"), "ClaimedBy");
        assert_string_equal(holder, "");
        harness_pass(h);
}

static void test_second_claim_names_holder(void **state) {
        struct harness *h = *state;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_free_ char *door = device_path(DOOR_KEY), *holder = NULL;
        struct call_result r = {};
        const char *me = NULL;
        int k;

        set_lane_mode(h, "manual");
        claim_as_root(h, h->bus, &error, &k);
        assert_true(k >= 0);
        assert_true(sd_bus_get_unique_name(h->bus, &me) >= 0);

        harness_call_as(h, UID_OPERATOR, door, EG_IFACE("Device"), "Claim", "", &r);
        assert_false(r.ok);
        assert_string_equal(r.error_name, EG_ERROR("AlreadyClaimed"));
        assert_non_null(strstr(r.error_message, me));

        /* Claiming again from the holder's own connection is refused the same way. */
        sd_bus_error_free(&error);
        claim_as_root(h, h->bus, &error, &k);
        assert_true(k < 0);
        assert_string_equal(error.name, EG_ERROR("AlreadyClaimed"));

        /* Only the holder may Release; the claim stays. */
        harness_call_as(h, UID_OPERATOR, door, EG_IFACE("Device"), "Release", "", &r);
        assert_false(r.ok);
        assert_string_equal(r.error_name, EG_ERROR("NotClaimed"));
        holder = get_string_property(h->bus, door, EG_IFACE("Device"), "ClaimedBy");
        assert_string_equal(holder, me);
        harness_pass(h);
}

struct claim_and_wait {
        bool wait_for_kill;
};

/* Claim the door, tell the parent, then either leave (closing the connection) or stay
 * until killed. */
static void client_claim(struct client *c) {
        struct claim_and_wait *w = c->userdata;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_free_ char *door = device_path(DOOR_KEY);
        const char *me = NULL;
        int r;

        r = sd_bus_call_method(c->bus, EG_NAME, door, EG_IFACE("Device"), "Claim", &error, NULL,
                               NULL);
        call_result_set(c->result, r, &error);
        if (sd_bus_get_unique_name(c->bus, &me) >= 0)
                snprintf(c->result->text, sizeof(c->result->text), "%s", me);
        if (r < 0 || !w->wait_for_kill)
                return;
        (void) write(c->ready_fd, "x", 1);
        for (;;)
                pause();
}

static void check_claim_ends_with_connection(struct harness *h, bool killed) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_free_ char *door = device_path(DOOR_KEY), *holder = NULL;
        struct claim_and_wait w = { .wait_for_kill = killed };
        struct call_result r = {};
        int k;

        set_lane_mode(h, "manual");
        if (killed) {
                struct child c = harness_spawn_as(h, UID_OPERATOR, client_claim, &w);

                assert_true(harness_wait_property(h, door, EG_IFACE("Device"), "ClaimedBy", NULL,
                                                  SIGNAL_TIMEOUT));
                holder = get_string_property(h->bus, door, EG_IFACE("Device"), "ClaimedBy");
                assert_true(holder[0] == ':');
                /* Still held: the root connection cannot take it. */
                claim_as_root(h, h->bus, &error, &k);
                assert_true(k < 0);
                assert_string_equal(error.name, EG_ERROR("AlreadyClaimed"));
                sd_bus_error_free(&error);
                harness_kill(&c);
        } else {
                harness_run_as(h, UID_OPERATOR, client_claim, &w, &r);
                if (!r.ok)
                        fprintf(stderr, "claim: %s: %s\n", r.error_name, r.error_message);
                assert_true(r.ok);
                assert_true(r.text[0] == ':');
        }
        assert_true(harness_wait_property(h, door, EG_IFACE("Device"), "ClaimedBy", "",
                                          SIGNAL_TIMEOUT));
        free(holder);
        holder = get_string_property(h->bus, door, EG_IFACE("Device"), "ClaimedBy");
        assert_string_equal(holder, "");
        assert_true(harness_log_contains(h, "the holder's connection closed"));

        /* Another connection can take it now. */
        claim_as_root(h, h->bus, &error, &k);
        assert_true(k >= 0);
}

static void test_claim_ends_when_holder_exits(void **state) {
        check_claim_ends_with_connection(*state, false);
        harness_pass(*state);
}

static void test_claim_ends_when_holder_killed(void **state) {
        check_claim_ends_with_connection(*state, true);
        harness_pass(*state);
}

static void test_force_release(void **state) {
        struct harness *h = *state;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_free_ char *door = device_path(DOOR_KEY), *holder = NULL;
        struct call_result r = {};
        int k;

        set_lane_mode(h, "manual");
        claim_as_root(h, h->bus, &error, &k);
        assert_true(k >= 0);

        /* Without a reason it is refused and the claim stays. */
        harness_call_as(h, UID_OPERATOR, door, EG_IFACE("Device"), "ForceRelease", "s", &r);
        assert_false(r.ok);
        assert_string_equal(r.error_name, EG_ERROR("InvalidArgument"));

        /* The reason goes to the log, which never holds passport data: a document number or
         * an MRZ filler is refused like an empty reason. */
        harness_call_strings_as(h, UID_OPERATOR, door, EG_IFACE("Device"), "ForceRelease", &r,
                                "traveller L898902C3 stuck in the door", NULL);
        assert_false(r.ok);
        assert_string_equal(r.error_name, EG_ERROR("InvalidArgument"));
        harness_call_strings_as(h, UID_OPERATOR, door, EG_IFACE("Device"), "ForceRelease", &r,
                                "ERIKSSON<<ANNA stuck", NULL);
        assert_false(r.ok);
        assert_string_equal(r.error_name, EG_ERROR("InvalidArgument"));
        assert_false(harness_log_contains(h, "L898902C3"));
        assert_false(harness_log_contains(h, "ERIKSSON"));

        holder = get_string_property(h->bus, door, EG_IFACE("Device"), "ClaimedBy");
        assert_true(holder[0] == ':');

        harness_call_strings_as(h, UID_OPERATOR, door, EG_IFACE("Device"), "ForceRelease", &r,
                                "door jammed, lane handed to maintenance", NULL);
        if (!r.ok)
                fprintf(stderr, "ForceRelease: %s: %s\n", r.error_name, r.error_message);
        assert_true(r.ok);
        assert_true(harness_wait_property(h, door, EG_IFACE("Device"), "ClaimedBy", "",
                                          SIGNAL_TIMEOUT));
        /* Logged with the caller's identity and reason. */
        assert_true(harness_log_contains(h, "force-released by uid 61001"));
        assert_true(harness_log_contains(h, "door jammed, lane handed to maintenance"));

        /* Nothing left to release. */
        harness_call_strings_as(h, UID_OPERATOR, door, EG_IFACE("Device"), "ForceRelease", &r,
                                "again", NULL);
        assert_false(r.ok);
        assert_string_equal(r.error_name, EG_ERROR("NotClaimed"));
        harness_pass(h);
}

/* A claim taken while the lane was manual does not let its holder drive the device once the
 * lane takes travellers again: the lane's pipeline owns the door then. */
static void test_claim_lapses_when_lane_goes_automatic(void **state) {
        struct harness *h = *state;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_free_ char *door = device_path(DOOR_KEY), *holder = NULL, *position = NULL;
        int k;

        set_lane_mode(h, "manual");
        claim_as_root(h, h->bus, &error, &k);
        assert_true(k >= 0);
        set_lane_mode(h, "automatic");

        k = sd_bus_call_method(h->bus, EG_NAME, door, EG_IFACE("Door"), "Open", &error, NULL, NULL);
        if (k >= 0)
                fprintf(stderr, "Door.Open by the claim holder of an automatic lane succeeded\n");
        assert_true(k < 0);
        assert_string_equal(error.name, EG_ERROR("Busy"));
        assert_non_null(strstr(error.message, "lane A1"));
        position = get_string_property(h->bus, door, EG_IFACE("Door"), "Position");
        assert_string_equal(position, "closed");

        /* The claim itself stays: back in manual mode its holder drives the door again. */
        holder = get_string_property(h->bus, door, EG_IFACE("Device"), "ClaimedBy");
        assert_true(holder[0] == ':');
        set_lane_mode(h, "manual");
        sd_bus_error_free(&error);
        k = sd_bus_call_method(h->bus, EG_NAME, door, EG_IFACE("Door"), "Close", &error, NULL,
                               NULL);
        if (k < 0)
                fprintf(stderr, "Door.Close: %s: %s\n", error.name, error.message);
        assert_true(k >= 0);
        harness_pass(h);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_claim_busy_in_automatic_mode, harness_setup,
                                                harness_teardown),
                cmocka_unit_test_setup_teardown(test_second_claim_names_holder, harness_setup,
                                                harness_teardown),
                cmocka_unit_test_setup_teardown(test_claim_ends_when_holder_exits, harness_setup,
                                                harness_teardown),
                cmocka_unit_test_setup_teardown(test_claim_ends_when_holder_killed, harness_setup,
                                                harness_teardown),
                cmocka_unit_test_setup_teardown(test_force_release, harness_setup,
                                                harness_teardown),
                cmocka_unit_test_setup_teardown(test_claim_lapses_when_lane_goes_automatic,
                                                harness_setup, harness_teardown),
        };
        int r = harness_init_process();

        if (r != 0)
                return r;
        return cmocka_run_group_tests(tests, NULL, NULL);
}
