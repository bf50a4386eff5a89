/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Every kind of bad configuration, each with the exact "file:line: reason" it must give. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config-test-util.h"

struct bad_case {
        const char *name;
        const char *text;
        const char *errors[6];
};

/* A lane with one device of each class, for the cross-check cases. */
#define DEVICES                                                                                    \
        "[device.reader]\nplugin = mock\nclass = document-reader\n" /* 1-3 */                      \
        "[device.chip]\nplugin = mock\nclass = chip-reader\n" /* 4-6 */                            \
        "[device.finger]\nplugin = mock\nclass = fingerprint-scanner\n" /* 7-9 */                  \
        "[device.cam]\nplugin = mock\nclass = camera\n" /* 10-12 */                                \
        "[device.door1]\nplugin = mock\nclass = door\n" /* 13-15 */                                \
        "[device.door2]\nplugin = mock\nclass = door\n" /* 16-18 */                                \
        "[device.pir]\nplugin = mock\nclass = presence-sensor\n" /* 19-21 */                       \
        "[device.lamp]\nplugin = mock\nclass = indicator\n" /* 22-24 */

static const struct bad_case bad_cases[] = {
        /* ---- [registry] ---- */
        { "registry-external-without-socket",
          "[registry]\nbackend = external\n",
          { "egated.conf:1: [registry] backend = external needs socket =" } },
        { "registry-socket-without-external",
          "[registry]\nsocket = /run/egate-registry/registry.sock\n",
          { "egated.conf:2: socket is only for backend = external" } },
        { "registry-bad-values",
          "[registry]\nbackend = ldap\nsocket = run/registry.sock\nsockets = /x\n",
          { "egated.conf:2: invalid value 'ldap' for backend: expected sqlite or external",
            "egated.conf:3: socket must be an absolute path, not 'run/registry.sock'",
            "egated.conf:4: unknown key 'sockets' in [registry]" } },
        { "registry-socket-too-long",
          "[registry]\nbackend = external\nsocket = "
          "/run/egate-registry/"
          "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
          "aaaaaaaaaaaaaaaaaaaaaaa.sock\n",
          { "egated.conf:3: socket path "
            "'/run/egate-registry/"
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
            "aaaaaaaaaaaaaaaaaaaaaaaaa.sock' is too long for a Unix socket" } },
        { "background-backend-values",
          "[background]\nbackend = sqlite\n",
          { "egated.conf:2: invalid value 'sqlite' for backend: expected none or external" } },
        { "background-needs-socket",
          "[background]\nbackend = external\nsockets = /run/x.sock\n",
          { "egated.conf:1: [background] backend = external needs socket =",
            "egated.conf:3: unknown key 'sockets' in [background]" } },
        { "background-socket-without-external",
          "[background]\nbackend = none\nsocket = /run/egate-background/background.sock\n",
          { "egated.conf:3: socket is only for backend = external" } },
        { "face-backend-values",
          "[face]\nbackend = vendor-sdk\n",
          { "egated.conf:2: invalid value 'vendor-sdk' for backend: expected none or external" } },
        { "face-external-without-socket",
          "[face]\nbackend = external\n",
          { "egated.conf:1: [face] backend = external needs socket =" } },
        { "face-relative-socket",
          "[face]\nbackend = external\nsocket = run/egate-face/face.sock\nthreshold = 60\n",
          { "egated.conf:1: [face] backend = external needs socket =",
            "egated.conf:3: socket must be an absolute path, not 'run/egate-face/face.sock'",
            "egated.conf:4: unknown key 'threshold' in [face]" } },
        { "face-socket-without-external",
          "[face]\nsocket = /run/egate-face/face.sock\n",
          { "egated.conf:2: socket is only for backend = external" } },
        { "face-socket-too-long",
          "[face]\nbackend = external\nsocket = "
          "/run/egate-face/"
          "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
          "aaaaaaaaaaaaaaaaaaaaa.sock\n",
          { "egated.conf:3: socket path "
            "'/run/egate-face/"
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
            "aaaaaaaaaaaaaaaaaaaaa.sock' is too long for a Unix socket" } },
        { "face-is-no-prefix",
          "[face.vendor]\n",
          { "egated.conf:1: unknown section [face.vendor]" } },
        { "registry-is-no-prefix",
          "[registry.central]\n",
          { "egated.conf:1: unknown section [registry.central]" } },
        /* ---- syntax ---- */
        { "unknown-section",
          "[daemon]\n[foo]\nx = 1\n[daemons]\n",
          { "egated.conf:2: unknown section [foo]", "egated.conf:4: unknown section [daemons]" } },
        { "section-prefix-without-name",
          "[lane]\n[lane.]\n",
          { "egated.conf:1: unknown section [lane]",
            "egated.conf:2: invalid name '' in [lane.]: expected 1 to 63 characters from A-Z, "
            "a-z, 0-9, '_' and '-'" } },
        { "bad-section-names",
          "[device.a b]\n[plugin.x/y]\n[policy.ä]\n",
          { "egated.conf:1: invalid name 'a b' in [device.a b]: expected 1 to 63 characters "
            "from A-Z, a-z, 0-9, '_' and '-'",
            "egated.conf:2: invalid name 'x/y' in [plugin.x/y]: expected 1 to 63 characters "
            "from A-Z, a-z, 0-9, '_' and '-'",
            "egated.conf:3: invalid name '\xc3\xa4' in [policy.\xc3\xa4]: expected 1 to 63 "
            "characters from A-Z, a-z, 0-9, '_' and '-'" } },
        { "name-too-long",
          "[lane.abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-]\n",
          { "egated.conf:1: invalid name "
            "'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-' in "
            "[lane.abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-]: expected 1 "
            "to 63 characters from A-Z, a-z, 0-9, '_' and '-'" } },
        { "section-header-syntax",
          "[daemon\n[]\n[daemon] mock = yes\n[ daemon ] # ok\nmock=1\n",
          { "egated.conf:1: missing ']' in section header", "egated.conf:2: empty section name",
            "egated.conf:3: unexpected text after section header" } },
        { "keys-of-a-bad-section-are-ignored",
          "[bogus]\nmock = maybe\nline without equals\n",
          { "egated.conf:1: unknown section [bogus]",
            "egated.conf:3: expected 'key = value', a [section] or a comment" } },
        { "key-outside-section",
          "mock = yes\n[daemon]\n",
          { "egated.conf:1: key 'mock' is outside of any section" } },
        { "no-equals",
          "[daemon]\nmock\n  just words ; comment\n",
          { "egated.conf:2: expected 'key = value', a [section] or a comment",
            "egated.conf:3: expected 'key = value', a [section] or a comment" } },
        { "indented-line-is-not-a-continuation",
          "[plugin.p]\na = 1\n   b\n",
          { "egated.conf:3: expected 'key = value', a [section] or a comment" } },
        { "empty-and-bad-key-names",
          "[plugin.p]\n= 1\nfoo bar = 2\nkey/x = 3\n",
          { "egated.conf:2: missing key name before '='",
            "egated.conf:3: invalid key name 'foo bar': expected A-Z, a-z, 0-9, '_', '-' and '.'",
            "egated.conf:4: invalid key name 'key/x': expected A-Z, a-z, 0-9, '_', '-' and '.'" } },
        { "duplicate-key",
          "[daemon]\nmock = yes\n\n[plugin.p]\n[daemon]\nmock = no\n",
          { "egated.conf:6: duplicate key 'mock' in [daemon], first set at line 2" } },
        { "duplicate-passthrough-key",
          "[device.d]\nplugin=p\nclass=door\nx=1\nx=1\n",
          { "egated.conf:5: duplicate key 'x' in [device.d], first set at line 4" } },
        { "control-characters",
          "[daemon]\nmock = y\x01s\nstate-directory = /a\rb\n\x7f\n",
          { "egated.conf:2: line contains control characters",
            "egated.conf:3: line contains control characters",
            "egated.conf:4: line contains control characters" } },
        { "line-too-long",
          "[plugin.p]\nk = "
          "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234"
          "5678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
          "0123456789012345678901234567890\nafter = ok\nbroken\n",
          { "egated.conf:2: line is longer than 199 characters",
            "egated.conf:4: expected 'key = value', a [section] or a comment" } },

        /* ---- [daemon] ---- */
        { "daemon-unknown-key",
          "[daemon]\nmocks = yes\nLog-Level = info\n",
          { "egated.conf:2: unknown key 'mocks' in [daemon]",
            "egated.conf:3: unknown key 'Log-Level' in [daemon]" } },
        { "daemon-boolean",
          "[daemon]\nmock = maybe\n",
          { "egated.conf:2: invalid value 'maybe' for mock: expected a boolean" } },
        { "daemon-empty-boolean",
          "[daemon]\nmock =\n",
          { "egated.conf:2: missing value for mock" } },
        { "daemon-log-level",
          "[daemon]\nlog-level = loud\n",
          { "egated.conf:2: invalid value 'loud' for log-level: expected emerg, alert, crit, err, "
            "warning, notice, info or debug" } },
        { "daemon-plugin-dirs",
          "[daemon]\nplugin-dirs = /a:lib/plugins\n[daemon]\n",
          { "egated.conf:2: plugin directory 'lib/plugins' is not an absolute path" } },
        { "daemon-plugin-dirs-empty-item",
          "[daemon]\nplugin-dirs = /a::/b\n",
          { "egated.conf:2: invalid value '/a::/b' for plugin-dirs: empty list item" } },
        { "daemon-plugin-dirs-empty",
          "[daemon]\nplugin-dirs =\n",
          { "egated.conf:2: missing value for plugin-dirs" } },
        { "daemon-state-directory",
          "[daemon]\nstate-directory = var/lib/egate\n",
          { "egated.conf:2: state-directory must be an absolute path, not 'var/lib/egate'" } },
        { "daemon-operation-timeout",
          "[daemon]\noperation-timeout-ms = 99\n",
          { "egated.conf:2: operation-timeout-ms must be between 100 and 600000" } },

        /* ---- numbers ---- */
        { "number-out-of-range",
          "[policy.x]\nmin-age = 130\nfingerprint-attempts = 0\n"
          "face-attempts = 11\nchip-timeout-ms = 600001\n",
          { "egated.conf:2: min-age must be between 0 and 120",
            "egated.conf:3: fingerprint-attempts must be between 1 and 10",
            "egated.conf:4: face-attempts must be between 1 and 10",
            "egated.conf:5: chip-timeout-ms must be between 100 and 600000" } },
        { "number-overflow",
          "[policy.x]\nmin-age = 99999999999999999999\n",
          { "egated.conf:2: min-age must be between 0 and 120" } },
        { "number-syntax",
          "[policy.x]\nmin-age = -1\nmembership-years = +5\nchip-attempts = 0x2\n"
          "face-attempts = 2 tries\ndocument-attempts = 1.5\n",
          { "egated.conf:2: invalid value '-1' for min-age: expected a decimal integer",
            "egated.conf:3: invalid value '+5' for membership-years: expected a decimal integer",
            "egated.conf:4: invalid value '0x2' for chip-attempts: expected a decimal integer",
            "egated.conf:5: invalid value '2 tries' for face-attempts: expected a decimal integer",
            "egated.conf:6: invalid value '1.5' for document-attempts: expected a decimal "
            "integer" } },
        { "number-empty",
          "[policy.x]\nmin-age =\n",
          { "egated.conf:2: missing value for min-age" } },

        /* ---- [policy.*] ---- */
        { "policy-unknown-key",
          "[policy.ses]\nminimum-age = 18\n",
          { "egated.conf:2: unknown key 'minimum-age' in [policy.ses]" } },
        { "policy-choices",
          "[policy.x]\nface-verification = sometimes\nchip-unreadable = ignore\n"
          "background-unavailable =\n",
          { "egated.conf:2: invalid value 'sometimes' for face-verification: expected auto, yes "
            "or no",
            "egated.conf:3: invalid value 'ignore' for chip-unreadable: expected refer or continue",
            "egated.conf:4: missing value for background-unavailable" } },
        { "policy-fingers",
          "[policy.a]\nenrolled-fingers = right-index, left-toe\n"
          "[policy.b]\nenrolled-fingers = left-ring, left-ring\n"
          "[policy.c]\nenrolled-fingers =\n"
          "[policy.d]\nenrolled-fingers = right-index,\n",
          { "egated.conf:2: unknown finger 'left-toe' in enrolled-fingers: expected right- or "
            "left- followed by thumb, index, middle, ring or little",
            "egated.conf:4: 'left-ring' is listed twice in enrolled-fingers",
            "egated.conf:6: missing value for enrolled-fingers",
            "egated.conf:8: invalid value 'right-index,' for enrolled-fingers: empty list "
            "item" } },
        { "policy-document-types",
          "[policy.a]\ndocument-types = P, PPP\n[policy.b]\ndocument-types = p\n"
          "[policy.c]\ndocument-types =\n",
          { "egated.conf:2: invalid document type 'PPP' in document-types: expected 1 or 2 "
            "characters from A-Z and '<'",
            "egated.conf:4: invalid document type 'p' in document-types: expected 1 or 2 "
            "characters from A-Z and '<'",
            "egated.conf:6: missing value for document-types" } },
        { "policy-issuing-states",
          "[policy.a]\nissuing-states = KO\n[policy.b]\nissuing-states = kor\n"
          "[policy.c]\nissuing-states = USA, USA\n",
          { "egated.conf:2: invalid issuing state 'KO' in issuing-states: expected 3 characters "
            "from A-Z and '<'",
            "egated.conf:4: invalid issuing state 'kor' in issuing-states: expected 3 characters "
            "from A-Z and '<'",
            "egated.conf:6: 'USA' is listed twice in issuing-states" } },

        /* ---- [device.*] ---- */
        { "device-missing-plugin-and-class",
          "[device.d]\nserial = 1\n",
          { "egated.conf:1: missing plugin= in [device.d]",
            "egated.conf:1: missing class= in [device.d]" } },
        { "device-bad-class-and-plugin",
          "[device.d]\nplugin = My Plugin\nclass = turnstile\n",
          { "egated.conf:2: invalid plugin name 'My Plugin' for plugin: expected 1 to 63 "
            "characters from A-Z, a-z, 0-9, '_' and '-'",
            "egated.conf:3: invalid value 'turnstile' for class: expected document-reader, "
            "chip-reader, fingerprint-scanner, camera, door, presence-sensor or indicator" } },
        { "device-fail-mode-not-a-door",
          "[device.c]\nplugin = p\nfail-mode = safe\nclass = camera\n",
          { "egated.conf:3: fail-mode is only valid for doors, not for class camera" } },
        { "device-fail-mode-value",
          "[device.d]\nplugin = p\nclass = door\nfail-mode = open\n",
          { "egated.conf:4: invalid value 'open' for fail-mode: expected secure or safe" } },
        { "device-role-value",
          "[device.d]\nplugin = p\nclass = door\nlane = A\nrole = door\n"
          "[lane.A]\n",
          { "egated.conf:5: invalid value 'door' for role: expected document-reader, chip-reader, "
            "fingerprint-scanner, camera, entry-door, exit-door, presence-sensor or indicator" } },
        { "device-lane-without-role",
          "[device.d]\nplugin = p\nclass = door\nlane = A\n[device.e]\nplugin = p\nclass = door\n"
          "role = exit-door\n[lane.A]\n",
          { "egated.conf:4: lane= needs role= in [device.d]",
            "egated.conf:8: role= needs lane= in [device.e]" } },
        { "device-unknown-lane",
          "[device.d]\nplugin = p\nclass = door\nlane = B\nrole = entry-door\n",
          { "egated.conf:4: unknown lane 'B'" } },
        { "device-role-wrong-class",
          "[device.d]\nplugin = p\nclass = camera\nlane = A\nrole = entry-door\n[lane.A]\n",
          { "egated.conf:5: role entry-door needs a device of class door, not camera" } },

        /* ---- [lane.*] ---- */
        { "lane-unknown-key",
          "[lane.A]\npresence-sensor = x\ndoor = y\n",
          { "egated.conf:2: unknown key 'presence-sensor' in [lane.A]",
            "egated.conf:3: unknown key 'door' in [lane.A]" } },
        { "lane-mode",
          "[lane.A]\nmode = emergency\n[lane.B]\nmode = open\n",
          { "egated.conf:2: invalid value 'emergency' for mode: a lane cannot start in emergency "
            "mode; expected automatic, manual or closed",
            "egated.conf:4: invalid value 'open' for mode: expected automatic, manual or "
            "closed" } },
        { "lane-unknown-policy",
          "[lane.A]\npolicy = strict\n[policy.lenient]\n",
          { "egated.conf:2: unknown policy 'strict'" } },
        { "lane-unknown-device",
          DEVICES "[lane.A]\nentry-door = door9\npresence-sensors = pir, pir2\n",
          { "egated.conf:26: unknown device 'door9' for entry-door",
            "egated.conf:27: unknown device 'pir2' for presence-sensors" } },
        { "lane-bad-device-name",
          "[lane.A]\ncamera = cam 1\nindicators = a,,b\n",
          { "egated.conf:2: invalid device name 'cam 1' for camera: expected 1 to 63 characters "
            "from A-Z, a-z, 0-9, '_' and '-'",
            "egated.conf:3: invalid value 'a,,b' for indicators: empty list item" } },
        { "lane-wrong-class",
          DEVICES "[lane.A]\nentry-door = cam\ncamera = door1\nindicators = lamp, pir\n"
                  "document-reader = chip\n",
          { "egated.conf:26: device 'cam' for entry-door is of class camera, expected door",
            "egated.conf:27: device 'door1' for camera is of class door, expected camera",
            "egated.conf:28: device 'pir' for indicators is of class presence-sensor, expected "
            "indicator",
            "egated.conf:29: device 'chip' for document-reader is of class chip-reader, expected "
            "document-reader" } },
        { "device-in-two-roles",
          DEVICES "[lane.A]\nentry-door = door1\nexit-door = door1\n",
          { "egated.conf:27: device 'door1' is already assigned to lane 'A' as entry-door at "
            "egated.conf:26" } },
        { "device-in-two-lanes",
          DEVICES "[lane.A]\nentry-door = door1\n[lane.B]\nexit-door = door2\nentry-door = door1\n",
          { "egated.conf:29: device 'door1' is already assigned to lane 'A' as entry-door at "
            "egated.conf:26" } },
        { "device-listed-twice",
          DEVICES "[lane.A]\npresence-sensors = pir, pir\n",
          { "egated.conf:26: device 'pir' is listed twice in presence-sensors" } },
        { "device-and-lane-disagree",
          DEVICES "[device.door3]\nplugin = mock\nclass = door\nlane = B\nrole = entry-door\n"
                  "[lane.A]\nentry-door = door3\n[lane.B]\n",
          { "egated.conf:29: device 'door3' is already assigned to lane 'A' as entry-door at "
            "egated.conf:31" } },
        { "device-takes-a-filled-role",
          DEVICES "[device.door3]\nplugin = mock\nclass = door\nlane = A\nrole = entry-door\n"
                  "[lane.A]\nentry-door = door1\n",
          { "egated.conf:29: lane 'A' already has entry-door 'door1' at egated.conf:31" } },
        { "two-devices-claim-one-role",
          "[device.a]\nplugin = p\nclass = camera\nlane = L\nrole = camera\n"
          "[device.b]\nplugin = p\nclass = camera\nlane = L\nrole = camera\n[lane.L]\n",
          { "egated.conf:10: lane 'L' already has camera 'a' at egated.conf:5" } },

        /* ---- errors come sorted by line, whichever pass found them ---- */
        { "sorted",
          "[lane.A]\nentry-door = ghost\n[daemon]\nmock = 5\nbad line\n[policy.ses]\nmin-age = x\n",
          { "egated.conf:2: unknown device 'ghost' for entry-door",
            "egated.conf:4: invalid value '5' for mock: expected a boolean",
            "egated.conf:5: expected 'key = value', a [section] or a comment",
            "egated.conf:7: invalid value 'x' for min-age: expected a decimal integer" } },
};

static void test_bad_case(void **state) {
        const struct bad_case *c = *state;

        print_message("case %s\n", c->name);
        test_assert_load_fails(c->text, c->errors);
}

static void test_too_many_errors(void **state) {
        struct eg_config_errors errors = {};
        struct eg_config *c = NULL;
        char *text = NULL, *p;
        size_t size = 0;
        FILE *f = open_memstream(&text, &size);

        assert_non_null(f);
        fputs("[daemon]\n", f);
        for (int i = 0; i < 500; i++)
                fprintf(f, "junk%d\n", i);
        assert_int_equal(fclose(f), 0);

        assert_int_equal(eg_config_load_string("egated.conf", text, &c, &errors), -EINVAL);
        assert_null(c);
        assert_int_equal(errors.n, EG_CONFIG_MAX_ERRORS);
        /* Parsing stops early, so the errors are the first lines'. */
        assert_string_equal(errors.messages[0],
                            "egated.conf:2: expected 'key = value', a [section] or a comment");
        assert_true(asprintf(&p, "egated.conf:%d: expected 'key = value', a [section] or a comment",
                             EG_CONFIG_MAX_ERRORS) > 0);
        assert_string_equal(errors.messages[EG_CONFIG_MAX_ERRORS - 2], p);
        assert_string_equal(errors.messages[EG_CONFIG_MAX_ERRORS - 1],
                            "egated.conf: too many errors, the rest are not shown");
        free(p);

        /* The errors of the last call are replaced, not appended to. */
        assert_int_equal(eg_config_load_string("egated.conf", "[daemon]\nmock=x\n", &c, &errors),
                         -EINVAL);
        assert_int_equal(errors.n, 1);

        eg_config_errors_clear(&errors);
        assert_int_equal(errors.n, 0);
        assert_null(errors.messages);
        eg_config_errors_clear(NULL);
        free(text);
}

static void test_null_name_and_text(void **state) {
        struct eg_config_errors errors = {};
        struct eg_config *c = NULL;

        assert_int_equal(eg_config_load_string(NULL, "[x]\n", &c, &errors), -EINVAL);
        assert_int_equal(errors.n, 1);
        assert_string_equal(errors.messages[0], "<string>:1: unknown section [x]");
        eg_config_errors_clear(&errors);

        assert_int_equal(eg_config_load_string("n", NULL, &c, &errors), 0);
        assert_non_null(c);
        eg_config_free(c);
        assert_null(eg_config_free(NULL));
}

int main(void) {
        struct CMUnitTest tests[ELEMENTSOF(bad_cases) + 2];

        for (size_t i = 0; i < ELEMENTSOF(bad_cases); i++)
                tests[i] = (struct CMUnitTest){
                        .name = bad_cases[i].name,
                        .test_func = test_bad_case,
                        .initial_state = (void *) &bad_cases[i],
                };
        tests[ELEMENTSOF(bad_cases)] = (struct CMUnitTest) cmocka_unit_test(test_too_many_errors);
        tests[ELEMENTSOF(bad_cases) + 1] =
                (struct CMUnitTest) cmocka_unit_test(test_null_name_and_text);

        return cmocka_run_group_tests(tests, NULL, NULL);
}
