/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The fixture of the plugin-level tests (test-mock-plugin-*.c): the mock booted
 * through its SDK entry points on a fake host, from a scenario with lane A1, five
 * travellers (t01 well-behaved, the others with an unreadable MRZ, a missing, slow,
 * pulled or mute chip, a difficult finger or face) and one injected indicator fault.
 */
#pragma once

#include <inttypes.h> /* for mock-test.h */
#include <stdint.h>

#include "mock-test.h"

#define MRZ1_L1 "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<"
#define MRZ1_L2 "L898902C36UTO7408122F1204159ZE184226B<<<<<10"

/* The scenario (single quotes for double ones, see mock_test_write_scenario()). */
extern const char scenario[];

/* t01's fingerprint template, as the mock's scanner makes it. */
extern const uint8_t template_t01[12];

struct fixture {
        struct eg_host *host;
        struct mock_plugin *plugin;
        const char *config[12];
};

/* cmocka fixtures: the mock booted on `json` (with the latency profile `latency`
 * unless NULL), or on `scenario`; teardown shuts it down and checks that no timer,
 * watch or unknown removal is left. */
int setup_with(void **state, const char *json, const char *latency);
int setup(void **state);
int teardown(void **state);
