/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* eg_plugin_descriptor_validate(), eg_plugin_name_is_valid(), eg_plugin_state_to_string(). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "loader-test-util.h"
#include "plugin-loader-internal.h"
#include "plugin-loader.h"

#define NAME_RULE "(want 1-31 of a-z, 0-9, '_', '-'; not starting with '-')"

static struct eg_plugin_descriptor valid_descriptor(void) {
        return (struct eg_plugin_descriptor){
                .size = sizeof(struct eg_plugin_descriptor),
                .abi_major = EG_SDK_ABI_MAJOR,
                .abi_minor = EG_SDK_ABI_MINOR,
                .name = "unit",
                .version = "1.0",
                .vendor = "ACME Gates",
                .classes = EG_CLASS_BIT(EG_CLASS_CAMERA),
                .matches = { EG_MATCH_CONFIG_ENTRY },
        };
}

static void assert_valid(const struct eg_plugin_descriptor *d) {
        char *reason = NULL;

        assert_int_equal(eg_plugin_descriptor_validate(d, &reason), 0);
        assert_null(reason);
}

static void assert_refused(const struct eg_plugin_descriptor *d, const char *expected) {
        char *reason = NULL;

        assert_true(eg_plugin_descriptor_validate(d, &reason) < 0);
        assert_non_null(reason);
        assert_string_equal(reason, expected);
        free(reason);
        /* Without a place for the reason it still refuses. */
        assert_true(eg_plugin_descriptor_validate(d, NULL) < 0);
}

static void test_valid(void **state) {
        struct eg_plugin_descriptor d = valid_descriptor();

        (void) state;
        assert_valid(&d);

        /* Every class, every match slot, the longest name. */
        d.classes = 0;
        for (int c = EG_CLASS_DOCUMENT_READER; c < EG_CLASS_MAX_; c++)
                d.classes |= EG_CLASS_BIT(c);
        memset(d.name, 'a', EG_NAME_MAX - 1);
        d.name[EG_NAME_MAX - 1] = '\0';
        for (size_t i = 0; i < EG_MATCH_MAX; i++)
                d.matches[i] = (struct eg_match) EG_MATCH_UDEV_ENTRY("video4linux", "ID_X=1");
        d.matches[3] = (struct eg_match) EG_MATCH_USB_ENTRY(0x0bda, 0);
        d.matches[4] = (struct eg_match) EG_MATCH_UDEV_ENTRY("tty", "");
        d.flags = EG_PLUGIN_FLAG_TEST_ONLY;
        assert_valid(&d);

        /* END ends the list: whatever follows it is not looked at. */
        d = valid_descriptor();
        d.matches[2].kind = 99;
        d.matches[2].subsystem[0] = '\x01';
        assert_valid(&d);

        /* A newer size with an ABI we implement is fine here (read() copes with the size). */
        d = valid_descriptor();
        d.size = sizeof(d) + 64;
        assert_valid(&d);
}

static void test_size(void **state) {
        struct eg_plugin_descriptor d = valid_descriptor();

        (void) state;
        d.size = EG_PLUGIN_DESCRIPTOR_SIZE_1_0 - 1;
        assert_refused(&d, test_expect("descriptor size field is %zu, SDK ABI 1.0 needs "
                                       "at least %zu",
                                       EG_PLUGIN_DESCRIPTOR_SIZE_1_0 - 1,
                                       EG_PLUGIN_DESCRIPTOR_SIZE_1_0));
        d.size = 0;
        assert_refused(&d, test_expect("descriptor size field is 0, SDK ABI 1.0 needs "
                                       "at least %zu",
                                       EG_PLUGIN_DESCRIPTOR_SIZE_1_0));
}

static void test_abi(void **state) {
        struct eg_plugin_descriptor d = valid_descriptor();

        (void) state;
        d.abi_major = EG_SDK_ABI_MAJOR + 1;
        d.abi_minor = 0;
        assert_refused(&d, test_expect("built for SDK ABI %d.0, egated implements %d.%d",
                                       EG_SDK_ABI_MAJOR + 1, EG_SDK_ABI_MAJOR, EG_SDK_ABI_MINOR));

        d.abi_major = EG_SDK_ABI_MAJOR - 1;
        d.abi_minor = 7;
        assert_refused(&d, test_expect("built for SDK ABI %d.7, egated implements %d.%d",
                                       EG_SDK_ABI_MAJOR - 1, EG_SDK_ABI_MAJOR, EG_SDK_ABI_MINOR));

        d.abi_major = EG_SDK_ABI_MAJOR;
        d.abi_minor = EG_SDK_ABI_MINOR + 1;
        assert_refused(&d, test_expect("built for SDK ABI %d.%d, egated implements %d.%d",
                                       EG_SDK_ABI_MAJOR, EG_SDK_ABI_MINOR + 1, EG_SDK_ABI_MAJOR,
                                       EG_SDK_ABI_MINOR));

        /* The ABI is checked before anything whose meaning it decides. */
        strcpy(d.name, "Bad Name");
        d.classes = 0;
        assert_refused(&d, test_expect("built for SDK ABI %d.%d, egated implements %d.%d",
                                       EG_SDK_ABI_MAJOR, EG_SDK_ABI_MINOR + 1, EG_SDK_ABI_MAJOR,
                                       EG_SDK_ABI_MINOR));

        /* Every older minor of our major loads. */
        d = valid_descriptor();
        for (int minor = 0; minor <= EG_SDK_ABI_MINOR; minor++) {
                d.abi_minor = (uint16_t) minor;
                assert_valid(&d);
        }
}

static void test_name(void **state) {
        struct eg_plugin_descriptor d = valid_descriptor();

        (void) state;
        memset(d.name, 'a', sizeof(d.name));
        assert_refused(&d, "descriptor name is not NUL-terminated");

        d.name[0] = '\0';
        assert_refused(&d, "descriptor name \"\" is invalid " NAME_RULE);

        strcpy(d.name, "Bad Name");
        assert_refused(&d, "descriptor name \"Bad Name\" is invalid " NAME_RULE);

        strcpy(d.name, "-dash");
        assert_refused(&d, "descriptor name \"-dash\" is invalid " NAME_RULE);

        strcpy(d.name, "acme.door");
        assert_refused(&d, "descriptor name \"acme.door\" is invalid " NAME_RULE);

        /* Control characters and quotes never reach a log line raw. */
        strcpy(d.name, "\x1b[31mred\"\\");
        assert_refused(&d, "descriptor name \"\\x1b[31mred\\x22\\x5c\" is invalid " NAME_RULE);

        strcpy(d.name, "caf\xc3\xa9");
        assert_refused(&d, "descriptor name \"caf\\xc3\\xa9\" is invalid " NAME_RULE);
}

static void test_name_is_valid(void **state) {
        char longest[EG_NAME_MAX], too_long[EG_NAME_MAX + 1];

        (void) state;
        memset(longest, 'z', sizeof(longest) - 1);
        longest[sizeof(longest) - 1] = '\0';
        memset(too_long, 'z', sizeof(too_long) - 1);
        too_long[sizeof(too_long) - 1] = '\0';

        assert_true(eg_plugin_name_is_valid("a"));
        assert_true(eg_plugin_name_is_valid("acme-door_2"));
        assert_true(eg_plugin_name_is_valid("0day"));
        assert_true(eg_plugin_name_is_valid("_x"));
        assert_true(eg_plugin_name_is_valid("x-"));
        assert_true(eg_plugin_name_is_valid(longest));

        assert_false(eg_plugin_name_is_valid(NULL));
        assert_false(eg_plugin_name_is_valid(""));
        assert_false(eg_plugin_name_is_valid("-x"));
        assert_false(eg_plugin_name_is_valid("Acme"));
        assert_false(eg_plugin_name_is_valid("a b"));
        assert_false(eg_plugin_name_is_valid("a/b"));
        assert_false(eg_plugin_name_is_valid("a.so"));
        assert_false(eg_plugin_name_is_valid("a\n"));
        assert_false(eg_plugin_name_is_valid(too_long));
}

static void test_text(void **state) {
        struct eg_plugin_descriptor d = valid_descriptor();

        (void) state;
        d.version[0] = '\0';
        assert_refused(&d, "descriptor version is empty");

        memset(d.version, '1', sizeof(d.version));
        assert_refused(&d, "descriptor version is not NUL-terminated");

        strcpy(d.version, "1.0\n");
        assert_refused(&d, "descriptor version contains a non-printable character (byte 3)");

        strcpy(d.version, "1.0~beta 2");
        assert_valid(&d);

        d.vendor[0] = '\0';
        assert_refused(&d, "descriptor vendor is empty");

        memset(d.vendor, 'V', sizeof(d.vendor));
        assert_refused(&d, "descriptor vendor is not NUL-terminated");

        strcpy(d.vendor, "\xff"
                         "ACME");
        assert_refused(&d, "descriptor vendor contains a non-printable character (byte 0)");

        strcpy(d.vendor, "ACME\x7f");
        assert_refused(&d, "descriptor vendor contains a non-printable character (byte 4)");
}

static void test_classes_and_flags(void **state) {
        struct eg_plugin_descriptor d = valid_descriptor();

        (void) state;
        d.classes = 0;
        assert_refused(&d, "descriptor declares no device class");

        d.classes = EG_CLASS_BIT(EG_CLASS_INVALID);
        assert_refused(&d, "descriptor declares unknown device class bits 0x1");

        d.classes = EG_CLASS_BIT(EG_CLASS_DOOR) | EG_CLASS_BIT(EG_CLASS_MAX_);
        assert_refused(&d, "descriptor declares unknown device class bits 0x100");

        d.classes = EG_CLASS_BIT(EG_CLASS_DOOR) | UINT32_C(0x80000000);
        assert_refused(&d, "descriptor declares unknown device class bits 0x80000000");

        d = valid_descriptor();
        d.flags = UINT32_C(1) << 1;
        assert_refused(&d, "descriptor has unknown flag bits 0x2");

        d.flags = EG_PLUGIN_FLAG_TEST_ONLY | (UINT32_C(1) << 31);
        assert_refused(&d, "descriptor has unknown flag bits 0x80000000");
}

static void test_matches(void **state) {
        struct eg_plugin_descriptor d = valid_descriptor();

        (void) state;
        d.matches[0].kind = EG_MATCH_END;
        assert_refused(&d, "descriptor has no matches");

        d = valid_descriptor();
        d.matches[1].kind = 7;
        assert_refused(&d, "matches[1] has unknown kind 7");

        d = valid_descriptor();
        d.matches[0] = (struct eg_match) EG_MATCH_UDEV_ENTRY("", "");
        assert_refused(&d, "matches[0] (udev) has no subsystem");

        d.matches[0] = (struct eg_match) EG_MATCH_UDEV_ENTRY("tty", "NOEQUALS");
        assert_refused(&d, "matches[0] (udev) property \"NOEQUALS\" is not KEY=VALUE");

        d.matches[0] = (struct eg_match) EG_MATCH_UDEV_ENTRY("tty", "=value");
        assert_refused(&d, "matches[0] (udev) property \"=value\" is not KEY=VALUE");

        d.matches[0] = (struct eg_match) EG_MATCH_UDEV_ENTRY("tty", "KEY=");
        assert_valid(&d);

        memset(d.matches[0].subsystem, 's', sizeof(d.matches[0].subsystem));
        assert_refused(&d, "matches[0].subsystem is not NUL-terminated");

        d = valid_descriptor();
        d.matches[1] = (struct eg_match) EG_MATCH_CONFIG_ENTRY;
        d.matches[2] = (struct eg_match) EG_MATCH_UDEV_ENTRY("tty", "\tK=V");
        assert_refused(&d, "matches[2].property contains a non-printable character (byte 0)");

        d.matches[2] = (struct eg_match) EG_MATCH_USB_ENTRY(0, 0x1234);
        assert_refused(&d, "matches[2] (usb) has vendor id 0000");

        /* Config matches carry nothing else, but their text must still be sound. */
        d.matches[2] = (struct eg_match) EG_MATCH_CONFIG_ENTRY;
        memset(d.matches[2].property, 'p', sizeof(d.matches[2].property));
        assert_refused(&d, "matches[2].property is not NUL-terminated");
}

static void test_no_descriptor(void **state) {
        (void) state;
        assert_refused(NULL, "no descriptor");
}

static void test_state_to_string(void **state) {
        (void) state;
        assert_string_equal(eg_plugin_state_to_string(EG_PLUGIN_REFUSED), "refused");
        assert_string_equal(eg_plugin_state_to_string(EG_PLUGIN_LOADED), "loaded");
        assert_string_equal(eg_plugin_state_to_string(EG_PLUGIN_ACTIVE), "active");
        assert_string_equal(eg_plugin_state_to_string(EG_PLUGIN_FAILED), "failed");
        assert_string_equal(eg_plugin_state_to_string(EG_PLUGIN_STOPPED), "stopped");
        assert_null(eg_plugin_state_to_string(EG_PLUGIN_STOPPED + 1));
        assert_null(eg_plugin_state_to_string((enum eg_plugin_state) - 1));
}

static void test_sizes_1_0(void **state) {
        (void) state;
        /* Frozen forever: SDK 1.0's layout.  If these fail, the SDK changed an existing member. */
        assert_int_equal(EG_PLUGIN_DESCRIPTOR_SIZE_1_0, 1232);
        assert_int_equal(EG_PLUGIN_OPS_SIZE_1_0, __SIZEOF_POINTER__ == 8 ? 40 : 20);
        assert_true(sizeof(struct eg_plugin_descriptor) >= EG_PLUGIN_DESCRIPTOR_SIZE_1_0);
        assert_true(sizeof(struct eg_plugin_ops) >= EG_PLUGIN_OPS_SIZE_1_0);
}

static int group_teardown(void **state) {
        (void) state;
        test_expect_free_all();
        return 0;
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_valid),
                cmocka_unit_test(test_size),
                cmocka_unit_test(test_abi),
                cmocka_unit_test(test_name),
                cmocka_unit_test(test_name_is_valid),
                cmocka_unit_test(test_text),
                cmocka_unit_test(test_classes_and_flags),
                cmocka_unit_test(test_matches),
                cmocka_unit_test(test_no_descriptor),
                cmocka_unit_test(test_state_to_string),
                cmocka_unit_test(test_sizes_1_0),
        };

        return cmocka_run_group_tests_name("plugin-descriptor", tests, NULL, group_teardown);
}
