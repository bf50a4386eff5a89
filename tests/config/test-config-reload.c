/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The keys a reload cannot change are each named when a reload changes them, and only then. */
#include <string.h>

#include "config-test-util.h"

/* A whole configuration; each case changes one part of the running one. */
#define CONFIG(mock, dirs, state, registry_socket, rest)                                           \
        "[daemon]\nmock = " mock "\nplugin-dirs = " dirs "\nstate-directory = " state "\n"         \
        "[registry]\nbackend = external\nsocket = " registry_socket "\n" rest

#define DIRS "/usr/lib/egate/plugins"
#define STATE "/var/lib/egate"
#define REGISTRY "/run/egate-registry/registry.sock"

static const char running_text[] =
        CONFIG("no", DIRS, STATE, REGISTRY, "[policy.ses]\nregistry-timeout-ms = 3000\n");

static size_t changes(const char *next_text,
                      struct eg_config_start_only_change ret[EG_CONFIG_START_ONLY_MAX]) {
        struct eg_config *running = test_load_ok(running_text), *next = test_load_ok(next_text);
        size_t n = eg_config_start_only_changes(running, next, ret);

        eg_config_free(running);
        eg_config_free(next);
        return n;
}

static void test_nothing_start_only_changed(void **state) {
        struct eg_config_start_only_change c[EG_CONFIG_START_ONLY_MAX];

        (void) state;
        assert_int_equal(changes(running_text, c), 0);
        /* Keys that a reload applies are not reported. */
        assert_int_equal(changes(CONFIG("no", DIRS, STATE, REGISTRY,
                                        "[policy.ses]\nregistry-timeout-ms = 5000\n"
                                        "[lane.A1]\npolicy = ses\n"),
                                 c),
                         0);
        assert_int_equal(eg_config_start_only_changes(NULL, NULL, c), 0);
}

static void test_each_start_only_key(void **state) {
        static const struct {
                const char *next, *what;
        } cases[] = {
                { CONFIG("yes", DIRS, STATE, REGISTRY, ""), "[daemon] mock" },
                { CONFIG("no", DIRS ":/opt/egate/plugins", STATE, REGISTRY, ""),
                  "[daemon] plugin-dirs" },
                { CONFIG("no", "/opt/egate/plugins", STATE, REGISTRY, ""), "[daemon] plugin-dirs" },
                { CONFIG("no", DIRS, "/srv/egate", REGISTRY, ""), "[daemon] state-directory" },
                { CONFIG("no", DIRS, STATE, "/run/egate-registry/other.sock", ""), "[registry]" },
                { "[daemon]\nmock = no\nplugin-dirs = " DIRS "\nstate-directory = " STATE "\n",
                  "[registry]" },
                { CONFIG("no", DIRS, STATE, REGISTRY,
                         "[background]\nbackend = external\nsocket = /run/b.sock\n"),
                  "[background]" },
                { CONFIG("no", DIRS, STATE, REGISTRY,
                         "[face]\nbackend = external\nsocket = /run/f.sock\n"),
                  "[face]" },
        };
        struct eg_config_start_only_change c[EG_CONFIG_START_ONLY_MAX];

        (void) state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                assert_int_equal(changes(cases[i].next, c), 1);
                assert_string_equal(c[0].what, cases[i].what);
                assert_non_null(c[0].until_restart);
        }
}

static void test_all_at_once(void **state) {
        struct eg_config_start_only_change c[EG_CONFIG_START_ONLY_MAX];

        (void) state;
        assert_int_equal(changes(CONFIG("yes", "/opt", "/srv", "/run/r.sock",
                                        "[background]\nbackend = external\nsocket = /run/b\n"
                                        "[face]\nbackend = external\nsocket = /run/f\n"),
                                 c),
                         EG_CONFIG_START_ONLY_MAX);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_nothing_start_only_changed),
                cmocka_unit_test(test_each_start_only_key),
                cmocka_unit_test(test_all_at_once),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
