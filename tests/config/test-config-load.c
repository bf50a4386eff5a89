/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Configurations that must load, and what they must load into. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config-test-util.h"
#include "egate-build-config.h"
#include "log.h"

static const char *kv_get(const struct eg_config_kv *kv, size_t n, const char *key) {
        for (size_t i = 0; i < n; i++)
                if (streq(kv[i].key, key))
                        return kv[i].value;
        return NULL;
}

static void assert_strv(char *const *l, const char *const *expected) {
        size_t n = 0;

        assert_non_null(l);
        for (; expected[n]; n++) {
                assert_non_null(l[n]);
                assert_string_equal(l[n], expected[n]);
        }
        assert_null(l[n]);
}

static void assert_policy_is_ses(const struct eg_policy *p) {
        assert_int_equal(p->min_age_years, 17);
        assert_int_equal(p->membership_years, 5);
        assert_int_equal(p->conditional_enrolment_months, 6);
        assert_int_equal(p->fingerprint_attempts, 3);
        assert_strv(p->enrolled_fingers, (const char *[]){ "right-index", "left-index", NULL });
        assert_int_equal(p->face_verification, -1);
        assert_int_equal(p->face_attempts, 2);
        assert_int_equal(p->document_attempts, 3);
        assert_int_equal(p->chip_attempts, 2);
        assert_int_equal(p->chip_unreadable, EG_CHIP_FALLBACK_REFER);
        assert_int_equal(p->background_unavailable, EG_BACKEND_FALLBACK_REFER);
        assert_strv(p->document_types, (const char *[]){ "P", NULL });
        assert_strv(p->issuing_states, (const char *[]){ "KOR", "USA", NULL });
        assert_int_equal(p->document_timeout_ms, 20000);
        assert_int_equal(p->chip_timeout_ms, 7000);
        assert_int_equal(p->mantrap_timeout_ms, 30000);
        assert_int_equal(p->fingerprint_timeout_ms, 10000);
        assert_int_equal(p->face_timeout_ms, 10000);
        assert_int_equal(p->exit_timeout_ms, 10000);
        assert_int_equal(p->background_timeout_ms, 5000);
}

static void assert_defaults(const struct eg_config *c) {
        assert_int_equal(c->log_level, -1);
        assert_false(c->mock);
        assert_strv(c->plugin_dirs, (const char *[]){ EGATE_PLUGINSDIR, NULL });
        assert_string_equal(c->state_directory, "/var/lib/egate");
        assert_int_equal(c->operation_timeout_ms, 10000);
        assert_int_equal(c->n_plugins, 0);
        assert_int_equal(c->n_devices, 0);
        assert_int_equal(c->n_lanes, 0);
        assert_int_equal(c->n_policies, 1);
        assert_string_equal(c->policies[0].name, "ses");
        assert_policy_is_ses(&c->policies[0]);
        assert_ptr_equal(eg_config_find_policy(c, "ses"), &c->policies[0]);
}

static void test_empty_string_gives_defaults(void **state) {
        struct eg_config *c = test_load_ok("");

        assert_defaults(c);
        assert_strv(c->files, (const char *[]){ "egated.conf", NULL });
        eg_config_free(c);

        /* Comments, blank lines and an empty [daemon] change nothing. */
        c = test_load_ok("# comment\n; another\n\n   \n[daemon]\n\t# indented comment\n");
        assert_defaults(c);
        eg_config_free(c);
}

/* [registry]: SQLite unless told otherwise; external with its bridge's socket. */
static void test_registry_section(void **state) {
        struct eg_config *c = NULL;

        assert_int_equal(eg_config_load_string("x.conf", "", &c, NULL), 0);
        assert_int_equal(c->registry_backend, EG_REGISTRY_BACKEND_SQLITE);
        assert_null(c->registry_socket);
        eg_config_free(c);

        assert_int_equal(eg_config_load_string("x.conf",
                                               "[registry]\nbackend = external\n"
                                               "socket = /run/egate-registry/registry.sock\n",
                                               &c, NULL),
                         0);
        assert_int_equal(c->registry_backend, EG_REGISTRY_BACKEND_EXTERNAL);
        assert_string_equal(c->registry_socket, "/run/egate-registry/registry.sock");
        eg_config_free(c);

        assert_int_equal(
                eg_config_load_string("x.conf", "[registry]\nbackend = sqlite\n", &c, NULL), 0);
        assert_int_equal(c->registry_backend, EG_REGISTRY_BACKEND_SQLITE);
        eg_config_free(c);
}

/* [background]: nobody unless told; external with its bridge's socket. */
static void test_background_section(void **state) {
        struct eg_config *c = NULL;

        assert_int_equal(eg_config_load_string("x.conf", "", &c, NULL), 0);
        assert_int_equal(c->background_backend, EG_BACKGROUND_BACKEND_NONE);
        assert_null(c->background_socket);
        eg_config_free(c);

        assert_int_equal(eg_config_load_string("x.conf",
                                               "[background]\nbackend = external\n"
                                               "socket = /run/egate-background/background.sock\n",
                                               &c, NULL),
                         0);
        assert_int_equal(c->background_backend, EG_BACKGROUND_BACKEND_EXTERNAL);
        assert_string_equal(c->background_socket, "/run/egate-background/background.sock");
        eg_config_free(c);
}

/* [face]: nobody unless told (mock mode has its own); external with its bridge's socket,
 * and a drop-in may turn it back off. */
static void test_face_section(void **state) {
        struct eg_config *c = NULL;

        assert_int_equal(eg_config_load_string("x.conf", "", &c, NULL), 0);
        assert_int_equal(c->face_backend, EG_FACE_BACKEND_NONE);
        assert_null(c->face_socket);
        eg_config_free(c);

        assert_int_equal(eg_config_load_string("x.conf",
                                               "[face]\nbackend = external\n"
                                               "socket = /run/egate-face/face.sock\n",
                                               &c, NULL),
                         0);
        assert_int_equal(c->face_backend, EG_FACE_BACKEND_EXTERNAL);
        assert_string_equal(c->face_socket, "/run/egate-face/face.sock");
        /* The other bridges are not touched. */
        assert_int_equal(c->background_backend, EG_BACKGROUND_BACKEND_NONE);
        assert_null(c->background_socket);
        eg_config_free(c);

        assert_int_equal(eg_config_load_string("x.conf", "[face]\nbackend = none\n", &c, NULL), 0);
        assert_int_equal(c->face_backend, EG_FACE_BACKEND_NONE);
        eg_config_free(c);
}

static void test_policy_init_ses(void **state) {
        struct eg_policy p = { .name = strdup("mine") };

        eg_policy_init_ses(&p);
        assert_string_equal(p.name, "mine"); /* untouched */
        assert_policy_is_ses(&p);
        eg_policy_done(&p);
        assert_null(p.name);
        assert_null(p.enrolled_fingers);
        eg_policy_done(NULL);
}

/* Every section and every key, with values different from the defaults. */
static const char full_config[] =
        "\xef\xbb\xbf# egated.conf used by test-config-load\n"
        "[daemon]\n"
        "log-level = debug\n"
        "mock = yes\n"
        "plugin-dirs = /usr/lib/egate/plugins:/opt/vendor/plugins, /srv/plugins\n"
        "state-directory = /srv/egate\n"
        "operation-timeout-ms = 15000\n"
        "\n"
        "[plugin.mock]\n"
        "fixtures = /usr/share/egate/fixtures\n"
        "latency-ms = 50 ; an inline comment\n"
        "\n"
        "[device.reader1]\n"
        "plugin = mock\n"
        "class = document-reader\n"
        "serial = MOCK-0001\n"
        "[device.chip1]\n"
        "plugin = mock\n"
        "class = chip-reader\n"
        "[device.finger1]\n"
        "plugin = mock\n"
        "class = fingerprint-scanner\n"
        "[device.cam1]\n"
        "plugin = mock\n"
        "class = camera\n"
        "[device.entry1]\n"
        "plugin = mock\n"
        "class = door\n"
        "fail-mode = secure\n"
        "[device.exit1]\n"
        "plugin = mock\n"
        "class = door\n"
        "lane = A\n"
        "role = exit-door\n"
        "fail-mode = safe\n"
        "[device.pir1]\n"
        "plugin = mock\n"
        "class = presence-sensor\n"
        "[device.pir2]\n"
        "plugin = mock\n"
        "class = presence-sensor\n"
        "lane = A\n"
        "role = presence-sensor\n"
        "zone = mantrap\n"
        "[device.lamp1]\n"
        "plugin = mock\n"
        "class = indicator\n"
        "\n"
        "[lane.A]\n"
        "mode = manual\n"
        "policy = strict\n"
        "document-reader = reader1\n"
        "chip-reader = chip1\n"
        "fingerprint-scanner = finger1\n"
        "camera = cam1\n"
        "entry-door = entry1\n"
        "exit-door = exit1\n"
        "presence-sensors = pir1\n"
        "indicators = lamp1\n"
        "\n"
        "[policy.strict]\n"
        "min-age = 18\n"
        "membership-years = 4\n"
        "conditional-enrolment-months = 3\n"
        "fingerprint-attempts = 2\n"
        "enrolled-fingers = right-thumb, left-little\n"
        "face-verification = yes\n"
        "face-attempts = 1\n"
        "document-attempts = 4\n"
        "chip-attempts = 1\n"
        "chip-unreadable = continue\n"
        "background-unavailable = continue\n"
        "document-types = P, PD, I<\n"
        "issuing-states = KOR, D<<\n"
        "document-timeout-ms = 100\n"
        "chip-timeout-ms = 600000\n"
        "mantrap-timeout-ms = 31000\n"
        "fingerprint-timeout-ms = 11000\n"
        "face-timeout-ms = 12000\n"
        "exit-timeout-ms = 13000\n"
        "background-timeout-ms = 6000\n"
        "[policy.ses]\n"
        "chip-attempts = 3\n";

static void assert_full_config(const struct eg_config *c) {
        const struct eg_config_device *d;
        const struct eg_config_lane *l;
        const struct eg_policy *p;
        const struct eg_config_plugin *pl;

        assert_int_equal(c->log_level, LOG_DEBUG);
        assert_true(c->mock);
        assert_strv(c->plugin_dirs,
                    (const char *[]){ "/usr/lib/egate/plugins", "/opt/vendor/plugins",
                                      "/srv/plugins", NULL });
        assert_string_equal(c->state_directory, "/srv/egate");
        assert_int_equal(c->operation_timeout_ms, 15000);

        assert_int_equal(c->n_plugins, 1);
        pl = eg_config_find_plugin(c, "mock");
        assert_non_null(pl);
        assert_int_equal(pl->n_options, 2);
        assert_string_equal(kv_get(pl->options, pl->n_options, "fixtures"),
                            "/usr/share/egate/fixtures");
        assert_string_equal(kv_get(pl->options, pl->n_options, "latency-ms"), "50");
        assert_int_equal(pl->options[1].origin.line, 11);
        assert_null(eg_config_find_plugin(c, "other"));

        assert_int_equal(c->n_devices, 9);
        d = eg_config_find_device(c, "reader1");
        assert_non_null(d);
        assert_string_equal(d->plugin, "mock");
        assert_int_equal(d->device_class, EG_CLASS_DOCUMENT_READER);
        assert_string_equal(d->lane, "A"); /* placed by the lane, learnt by the device */
        assert_string_equal(d->role, "document-reader");
        assert_false(d->has_fail_mode);
        assert_int_equal(d->n_properties, 1);
        assert_string_equal(d->properties[0].key, "serial");
        assert_string_equal(d->properties[0].value, "MOCK-0001");
        assert_string_equal(d->origin.file, "egated.conf");
        assert_int_equal(d->origin.line, 13);

        d = eg_config_find_device(c, "entry1");
        assert_int_equal(d->device_class, EG_CLASS_DOOR);
        assert_true(d->has_fail_mode);
        assert_int_equal(d->fail_mode, EG_DOOR_FAIL_SECURE);
        assert_string_equal(d->role, "entry-door");
        d = eg_config_find_device(c, "exit1");
        assert_true(d->has_fail_mode);
        assert_int_equal(d->fail_mode, EG_DOOR_FAIL_SAFE);
        assert_string_equal(d->lane, "A");
        assert_string_equal(d->role, "exit-door");
        assert_int_equal(d->n_properties, 0);
        d = eg_config_find_device(c, "pir2");
        assert_string_equal(d->role, "presence-sensor");
        assert_string_equal(kv_get(d->properties, d->n_properties, "zone"), "mantrap");
        assert_null(eg_config_find_device(c, "nope"));

        assert_int_equal(c->n_lanes, 1);
        l = eg_config_find_lane(c, "A");
        assert_non_null(l);
        assert_int_equal(l->mode, EG_LANE_MODE_MANUAL);
        assert_string_equal(l->policy, "strict");
        assert_string_equal(l->roles[EG_ROLE_DOCUMENT_READER], "reader1");
        assert_string_equal(l->roles[EG_ROLE_CHIP_READER], "chip1");
        assert_string_equal(l->roles[EG_ROLE_FINGERPRINT_SCANNER], "finger1");
        assert_string_equal(l->roles[EG_ROLE_CAMERA], "cam1");
        assert_string_equal(l->roles[EG_ROLE_ENTRY_DOOR], "entry1");
        assert_string_equal(l->roles[EG_ROLE_EXIT_DOOR], "exit1");
        assert_null(l->roles[EG_ROLE_PRESENCE_SENSOR]);
        assert_null(l->roles[EG_ROLE_INDICATOR]);
        /* pir1 from the lane, pir2 from its own section. */
        assert_strv(l->presence_sensors, (const char *[]){ "pir1", "pir2", NULL });
        assert_strv(l->indicators, (const char *[]){ "lamp1", NULL });
        assert_int_equal(l->origin.line, 49);

        assert_int_equal(c->n_policies, 2);
        p = eg_config_find_policy(c, "ses");
        assert_ptr_equal(p, &c->policies[0]);
        assert_int_equal(p->chip_attempts, 3);
        assert_int_equal(p->min_age_years, 17);

        p = eg_config_find_policy(c, "strict");
        assert_non_null(p);
        assert_int_equal(p->min_age_years, 18);
        assert_int_equal(p->membership_years, 4);
        assert_int_equal(p->conditional_enrolment_months, 3);
        assert_int_equal(p->fingerprint_attempts, 2);
        assert_strv(p->enrolled_fingers, (const char *[]){ "right-thumb", "left-little", NULL });
        assert_int_equal(p->face_verification, 1);
        assert_int_equal(p->face_attempts, 1);
        assert_int_equal(p->document_attempts, 4);
        assert_int_equal(p->chip_attempts, 1);
        assert_int_equal(p->chip_unreadable, EG_CHIP_FALLBACK_CONTINUE);
        assert_int_equal(p->background_unavailable, EG_BACKEND_FALLBACK_CONTINUE);
        assert_strv(p->document_types, (const char *[]){ "P", "PD", "I<", NULL });
        assert_strv(p->issuing_states, (const char *[]){ "KOR", "D<<", NULL });
        assert_int_equal(p->document_timeout_ms, 100);
        assert_int_equal(p->chip_timeout_ms, 600000);
        assert_int_equal(p->mantrap_timeout_ms, 31000);
        assert_int_equal(p->fingerprint_timeout_ms, 11000);
        assert_int_equal(p->face_timeout_ms, 12000);
        assert_int_equal(p->exit_timeout_ms, 13000);
        assert_int_equal(p->background_timeout_ms, 6000);
        assert_string_equal(p->origin.file, "egated.conf");
        assert_int_equal(p->origin.line, 61);
}

static void test_full_config(void **state) {
        struct eg_config *c = test_load_ok(full_config);

        assert_full_config(c);
        eg_config_free(c);
}

static void test_full_config_crlf(void **state) {
        char *crlf = calloc(2, sizeof(full_config));
        size_t n = 0;

        assert_non_null(crlf);
        for (const char *s = full_config; *s; s++) {
                if (*s == '\n')
                        crlf[n++] = '\r';
                crlf[n++] = *s;
        }
        struct eg_config *c = test_load_ok(crlf);
        assert_full_config(c);
        eg_config_free(c);
        free(crlf);
}

static void test_value_syntax(void **state) {
        struct eg_config *c;

        /* Booleans in every spelling; ':' as separator; blanks around values. */
        static const char *const yes[] = { "yes", "true", "on", "1", "YES", "True" };
        static const char *const no[] = { "no", "false", "off", "0", "No", "OFF" };
        for (size_t i = 0; i < ELEMENTSOF(yes); i++) {
                char text[64];

                snprintf(text, sizeof(text), "[daemon]\nmock = %s\n", yes[i]);
                c = test_load_ok(text);
                assert_true(c->mock);
                eg_config_free(c);

                snprintf(text, sizeof(text), "[daemon]\n  mock:\t%s  \n", no[i]);
                c = test_load_ok(text);
                assert_false(c->mock);
                eg_config_free(c);
        }

        /* Log levels by name, alias and number. */
        c = test_load_ok("[daemon]\nlog-level = warning\n");
        assert_int_equal(c->log_level, LOG_WARNING);
        eg_config_free(c);
        c = test_load_ok("[daemon]\nlog-level = 3\n");
        assert_int_equal(c->log_level, LOG_ERR);
        eg_config_free(c);

        /* Numbers at both ends of their ranges, with leading zeros. */
        c = test_load_ok("[policy.ses]\nmin-age = 0\nmembership-years = 20\n"
                         "fingerprint-attempts = 010\nconditional-enrolment-months = 24\n"
                         "face-verification = no\n");
        assert_int_equal(c->policies[0].min_age_years, 0);
        assert_int_equal(c->policies[0].membership_years, 20);
        assert_int_equal(c->policies[0].fingerprint_attempts, 10);
        assert_int_equal(c->policies[0].conditional_enrolment_months, 24);
        assert_int_equal(c->policies[0].face_verification, 0);
        eg_config_free(c);

        /* An empty issuing-states list means any state. */
        c = test_load_ok("[policy.ses]\nissuing-states =\nface-verification = auto\n");
        assert_strv(c->policies[0].issuing_states, (const char *[]){ NULL });
        assert_int_equal(c->policies[0].face_verification, -1);
        eg_config_free(c);

        /* The same section twice in one file merges; names may be 63 characters long. */
        c = test_load_ok("[plugin.p]\na = 1\n[daemon]\n[plugin.p]\nb.c = 2\n"
                         "[lane.abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                         "0123456789_]\n");
        assert_int_equal(c->plugins[0].n_options, 2);
        assert_string_equal(c->plugins[0].options[1].key, "b.c");
        assert_non_null(eg_config_find_lane(
                c, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"));
        eg_config_free(c);

        /* A line of exactly 199 characters still fits libinih's buffer. */
        char line[256];
        snprintf(line, sizeof(line), "[plugin.p]\nkey = %0*d\n", 199 - 6, 7);
        c = test_load_ok(line);
        assert_int_equal(strlen(c->plugins[0].options[0].value), 199 - 6);
        eg_config_free(c);

        /* Values are verbatim: ';' without a blank before it is not a comment. */
        c = test_load_ok("[plugin.p]\nurl = http://x/a;b\nempty =\n");
        assert_string_equal(c->plugins[0].options[0].value, "http://x/a;b");
        assert_string_equal(c->plugins[0].options[1].value, "");
        eg_config_free(c);
}

static void test_dropins(void **state) {
        char *dir = test_mkdtemp(), *main_path;
        struct eg_config_errors errors = {};
        struct eg_config *c = NULL;
        const char *none[] = { NULL };

        main_path = test_write_file(dir, "main.conf", full_config);
        /* Applied in name order, whatever the order of creation. */
        free(test_write_file(dir, "egated.conf.d/20-later.conf",
                             "[daemon]\nlog-level = err\n[policy.strict]\nmin-age = 21\n"
                             "[lane.B]\nentry-door = doorB\n"));
        free(test_write_file(dir, "egated.conf.d/10-first.conf",
                             "[daemon]\nlog-level = notice\nmock = no\n"
                             "[lane.A]\ncamera =\nmode = closed\n"
                             "[device.doorB]\nplugin = vendor\nclass = door\n"
                             "[device.cam1]\nplugin = other\n"));
        /* Not drop-ins: other suffixes, hidden files, the bare suffix. */
        free(test_write_file(dir, "egated.conf.d/README", "garbage\n"));
        free(test_write_file(dir, "egated.conf.d/30-x.conf.disabled", "garbage\n"));
        free(test_write_file(dir, "egated.conf.d/.hidden.conf", "garbage\n"));
        free(test_write_file(dir, "egated.conf.d/.conf", "garbage\n"));

        assert_int_equal(eg_config_load(main_path, &c, &errors), 0);
        test_assert_errors(&errors, none);
        assert_non_null(c);

        assert_int_equal(strv_length(c->files), 3);
        assert_string_equal(c->files[0], main_path);
        assert_non_null(strstr(c->files[1], "/egated.conf.d/10-first.conf"));
        assert_non_null(strstr(c->files[2], "/egated.conf.d/20-later.conf"));

        assert_int_equal(c->log_level, LOG_ERR); /* the last file wins */
        assert_false(c->mock);
        assert_string_equal(c->state_directory, "/srv/egate"); /* untouched keys stay */
        assert_int_equal(eg_config_find_policy(c, "strict")->min_age_years, 21);
        assert_int_equal(eg_config_find_policy(c, "strict")->membership_years, 4);

        const struct eg_config_lane *a = eg_config_find_lane(c, "A");
        assert_int_equal(a->mode, EG_LANE_MODE_CLOSED);
        assert_null(a->roles[EG_ROLE_CAMERA]); /* taken out by the drop-in */
        assert_null(eg_config_find_device(c, "cam1")->lane);
        assert_string_equal(eg_config_find_device(c, "cam1")->plugin, "other");
        assert_string_equal(a->roles[EG_ROLE_ENTRY_DOOR], "entry1");

        const struct eg_config_lane *b = eg_config_find_lane(c, "B");
        assert_non_null(b);
        assert_string_equal(b->roles[EG_ROLE_ENTRY_DOOR], "doorB");
        assert_string_equal(b->policy, "ses");
        assert_int_equal(b->mode, EG_LANE_MODE_AUTOMATIC);
        assert_non_null(strstr(b->origin.file, "20-later.conf"));
        assert_int_equal(b->origin.line, 5);

        /* Where the overriding value came from. */
        const struct eg_config_device *door = eg_config_find_device(c, "doorB");
        assert_non_null(strstr(door->origin.file, "10-first.conf"));
        assert_int_equal(door->origin.line, 7);

        eg_config_free(c);
        free(main_path);
        test_rmdir_rf(dir);
        free(dir);
}

static void test_dropin_errors_name_their_file(void **state) {
        char *dir = test_mkdtemp(), *main_path, *dropin, *expected[3];
        struct eg_config_errors errors = {};
        struct eg_config *c = NULL;

        main_path = test_write_file(dir, "egated.conf", "[daemon]\nmock = yes\n");
        dropin = test_write_file(dir, "egated.conf.d/50-bad.conf", "[daemon]\n\nmock = perhaps\n");

        assert_int_equal(eg_config_load(main_path, &c, &errors), -EINVAL);
        assert_null(c);
        assert_true(asprintf(&expected[0],
                             "%s:3: invalid value 'perhaps' for mock: "
                             "expected a boolean",
                             dropin) > 0);
        expected[1] = NULL;
        test_assert_errors(&errors, (const char *const *) expected);

        /* A duplicate within one file is an error even though drop-ins may override. */
        free(test_write_file(dir, "egated.conf.d/50-bad.conf",
                             "[daemon]\nmock = no\n[daemon]\nmock = yes\n"));
        free(expected[0]);
        assert_true(asprintf(&expected[0],
                             "%s:4: duplicate key 'mock' in [daemon], first set at line 2",
                             dropin) > 0);
        assert_int_equal(eg_config_load(main_path, &c, &errors), -EINVAL);
        test_assert_errors(&errors, (const char *const *) expected);

        eg_config_errors_clear(&errors);
        free(expected[0]);
        free(dropin);
        free(main_path);
        test_rmdir_rf(dir);
        free(dir);
}

static void test_missing_files(void **state) {
        char *dir = test_mkdtemp(), *path, *expected[2] = {};
        struct eg_config_errors errors = {};
        struct eg_config *c = NULL;

        /* A file named explicitly must exist... */
        assert_true(asprintf(&path, "%s/nope.conf", dir) > 0);
        free(test_write_file(dir, "egated.conf.d/10-ignored.conf", "[daemon]\n"));
        assert_int_equal(eg_config_load(path, &c, &errors), -ENOENT);
        assert_null(c);
        assert_true(asprintf(&expected[0], "%s: No such file or directory", path) > 0);
        test_assert_errors(&errors, (const char *const *) expected);
        free(expected[0]);
        free(path);

        /* ...and be a file. */
        assert_true(asprintf(&path, "%s/egated.conf.d", dir) > 0);
        assert_int_equal(eg_config_load(path, &c, &errors), -EISDIR);
        assert_true(asprintf(&expected[0], "%s: Is a directory", path) > 0);
        test_assert_errors(&errors, (const char *const *) expected);
        free(expected[0]);
        free(path);

        /* An unreadable drop-in directory is reported, not skipped. */
        if (geteuid() != 0) {
                char *conf = test_write_file(dir, "egated.conf", "");

                assert_true(asprintf(&path, "%s/egated.conf.d", dir) > 0);
                assert_int_equal(chmod(path, 0), 0);
                assert_int_equal(eg_config_load(conf, &c, &errors), -EACCES);
                assert_true(asprintf(&expected[0], "%s: Permission denied", path) > 0);
                test_assert_errors(&errors, (const char *const *) expected);
                assert_int_equal(chmod(path, 0755), 0);
                free(expected[0]);
                free(path);
                free(conf);
        }

        eg_config_errors_clear(&errors);
        test_rmdir_rf(dir);
        free(dir);
}

static void test_default_file(void **state) {
        struct eg_config_errors errors = {};
        struct eg_config *c = NULL;
        const char *none[] = { NULL };

        if (access(EG_DEFAULT_CONFIG_FILE, F_OK) >= 0 ||
            access("/etc/egate/egated.conf.d", F_OK) >= 0)
                skip(); /* this machine has a real configuration */

        /* No default file: the built-in defaults, and no error. */
        assert_int_equal(eg_config_load(NULL, &c, &errors), 0);
        test_assert_errors(&errors, none);
        assert_defaults(c);
        assert_int_equal(strv_length(c->files), 0);
        eg_config_free(c);
}

static void test_validate_only_and_log_errors(void **state) {
        char *out;

        /* No `ret`: just check.  No `errors`: they are logged instead. */
        assert_int_equal(eg_config_load_string("x.conf", "[daemon]\nmock = yes\n", NULL, NULL), 0);

        log_setup(EG_LOG_TARGET_STDERR);
        test_stderr_begin();
        assert_int_equal(eg_config_load_string("x.conf", "[daemon]\nmock = 2\n", NULL, NULL),
                         -EINVAL);
        out = test_stderr_end();
        assert_string_equal(out, "egated: config: x.conf:2: invalid value '2' for mock: "
                                 "expected a boolean\n");
        free(out);
}

/* The shipped sample: valid as it is (everything commented out) and with every setting
 * uncommented, which must give the documented defaults plus the example sections. */
static void test_sample_config(void **state) {
        const char *root = getenv("EGATE_SOURCE_ROOT");
        char *path, *dir, *uncommented;
        struct eg_config_errors errors = {};
        struct eg_config *c = NULL;
        const char *none[] = { NULL };
        FILE *in;
        char line[512];
        size_t n = 0;

        if (!root)
                skip();
        assert_true(asprintf(&path, "%s/systemd/egated.conf", root) > 0);

        assert_int_equal(eg_config_load(path, &c, &errors), 0);
        test_assert_errors(&errors, none);
        assert_defaults(c);
        eg_config_free(c);

        /* "#key = value" and "#[section]" lines are settings; "# text" lines are prose. */
        uncommented = calloc(1, 256 * 1024);
        assert_non_null(uncommented);
        in = fopen(path, "re");
        assert_non_null(in);
        while (fgets(line, sizeof(line), in)) {
                const char *s = line;

                if (s[0] == '#' && s[1] != ' ' && s[1] != '\n' && s[1] != '#')
                        s++;
                n += (size_t) snprintf(uncommented + n, 256 * 1024 - n, "%s", s);
        }
        fclose(in);

        dir = test_mkdtemp();
        free(path);
        path = test_write_file(dir, "egated.conf", uncommented);
        assert_int_equal(eg_config_load(path, &c, &errors), 0);
        test_assert_errors(&errors, none);

        assert_int_equal(c->log_level, LOG_INFO);
        assert_false(c->mock);
        assert_string_equal(c->state_directory, "/var/lib/egate");
        assert_int_equal(c->operation_timeout_ms, 10000);
        assert_policy_is_ses(eg_config_find_policy(c, "ses"));
        assert_true(c->n_devices > 0);
        assert_true(c->n_lanes > 0);
        eg_config_free(c);

        free(uncommented);
        free(path);
        test_rmdir_rf(dir);
        free(dir);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_empty_string_gives_defaults),
                cmocka_unit_test(test_policy_init_ses),
                cmocka_unit_test(test_registry_section),
                cmocka_unit_test(test_background_section),
                cmocka_unit_test(test_face_section),
                cmocka_unit_test(test_full_config),
                cmocka_unit_test(test_full_config_crlf),
                cmocka_unit_test(test_value_syntax),
                cmocka_unit_test(test_dropins),
                cmocka_unit_test(test_dropin_errors_name_their_file),
                cmocka_unit_test(test_missing_files),
                cmocka_unit_test(test_default_file),
                cmocka_unit_test(test_validate_only_and_log_errors),
                cmocka_unit_test(test_sample_config),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
