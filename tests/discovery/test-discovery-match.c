/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What a match means (core/src/discovery/discovery-match.c): the daemon's
 * discovery and the udev rules generator both rely on it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "discovery/discovery-match.h"
#include "macro.h"

#define USB_MATCH(v, p) ((struct eg_match) EG_MATCH_USB_ENTRY(v, p))
#define UDEV_MATCH(s, prop) ((struct eg_match) EG_MATCH_UDEV_ENTRY(s, prop))

static struct eg_match usb_on(uint16_t v, uint16_t p, const char *subsystem) {
        struct eg_match m = USB_MATCH(v, p);

        strcpy(m.subsystem, subsystem);
        return m;
}

static const struct eg_property usb_device_props[] = {
        { "DEVTYPE", "usb_device" },     { "ID_VENDOR_ID", "072f" },
        { "ID_MODEL_ID", "2200" },       { "ID_EGATE_CLASS", "chip-reader" },
        { "ID_EGATE_CLASSX", "camera" },
};

static const struct eg_candidate usb_device = {
        .size = sizeof(struct eg_candidate),
        .subsystem = "usb",
        .syspath = "/sys/devices/pci0000:00/0000:00:14.0/usb1/1-1",
        .usb_vendor = 0x072f,
        .usb_product = 0x2200,
        .properties = usb_device_props,
        .n_properties = ELEMENTSOF(usb_device_props),
        .fd = -1,
};

static void test_parse_usb_id(void **state) {
        uint16_t id = 0;

        (void) state;
        assert_int_equal(eg_parse_usb_id("072f", &id), 0);
        assert_int_equal(id, 0x072f);
        assert_int_equal(eg_parse_usb_id("ABCD", &id), 0);
        assert_int_equal(id, 0xabcd);
        assert_int_equal(eg_parse_usb_id("72f", &id), -EINVAL);
        assert_int_equal(eg_parse_usb_id("072f0", &id), -EINVAL);
        assert_int_equal(eg_parse_usb_id("07 2", &id), -EINVAL);
        assert_int_equal(eg_parse_usb_id("0x72", &id), -EINVAL);
        assert_int_equal(eg_parse_usb_id("", &id), -EINVAL);
        assert_int_equal(eg_parse_usb_id(NULL, &id), -EINVAL);
        assert_int_equal(id, 0xabcd); /* untouched on error */
}

static void test_property_lookup(void **state) {
        (void) state;
        assert_string_equal(eg_candidate_property(&usb_device, "ID_MODEL_ID"), "2200");
        assert_null(eg_candidate_property(&usb_device, "ID_MODEL"));
        assert_null(eg_candidate_property(&usb_device, NULL));
        assert_null(eg_candidate_property(NULL, "ID_MODEL_ID"));
}

static void test_usb_match(void **state) {
        struct eg_match m;
        struct eg_candidate c = usb_device;
        struct eg_property props[] = { { "DEVTYPE", "usb_interface" } };

        (void) state;
        assert_true(eg_match_applies(&USB_MATCH(0x072f, 0x2200), &c));
        assert_false(eg_match_applies(&USB_MATCH(0x072f, 0x2201), &c));
        assert_false(eg_match_applies(&USB_MATCH(0x0730, 0x2200), &c));

        /* Without a subsystem, only the USB device node itself. */
        c.properties = props;
        c.n_properties = 1;
        assert_false(eg_match_applies(&USB_MATCH(0x072f, 0x2200), &c));

        /* With one, a device of that subsystem carrying the USB ids (a USB serial port). */
        c = usb_device;
        c.subsystem = "tty";
        m = usb_on(0x072f, 0x2200, "tty");
        assert_true(eg_match_applies(&m, &c));
        assert_false(eg_match_applies(&USB_MATCH(0x072f, 0x2200), &c));
        c.subsystem = "hidraw";
        assert_false(eg_match_applies(&m, &c));

        /* A device without USB ids never matches a USB entry. */
        c = usb_device;
        c.usb_vendor = c.usb_product = 0;
        assert_false(eg_match_applies(&USB_MATCH(0x072f, 0x0000), &c));
}

static void test_udev_match(void **state) {
        struct eg_candidate c = usb_device;

        (void) state;
        assert_true(eg_match_applies(&UDEV_MATCH("usb", ""), &c));
        assert_true(eg_match_applies(&UDEV_MATCH("usb", "ID_EGATE_CLASS=chip-reader"), &c));
        assert_false(eg_match_applies(&UDEV_MATCH("usb", "ID_EGATE_CLASS=camera"), &c));
        assert_false(eg_match_applies(&UDEV_MATCH("usb", "ID_EGATE_CLASS=chip"), &c));
        /* The key is compared whole: ID_EGATE_CLAS is not ID_EGATE_CLASS. */
        assert_false(eg_match_applies(&UDEV_MATCH("usb", "ID_EGATE_CLAS=chip-reader"), &c));
        assert_false(eg_match_applies(&UDEV_MATCH("usb", "ID_NOT_THERE=1"), &c));
        assert_false(eg_match_applies(&UDEV_MATCH("tty", "ID_EGATE_CLASS=chip-reader"), &c));
        /* Config entries and unknown kinds never match a device. */
        assert_false(eg_match_applies(&(struct eg_match) EG_MATCH_CONFIG_ENTRY, &c));
        assert_false(eg_match_applies(&(struct eg_match){ .kind = 99 }, &c));
        c.subsystem = NULL;
        assert_false(eg_match_applies(&UDEV_MATCH("usb", ""), &c));
}

static void test_descriptor_matches(void **state) {
        struct eg_plugin_descriptor d = {
                .matches = { EG_MATCH_CONFIG_ENTRY, EG_MATCH_USB_ENTRY(0x076b, 0x5421) },
        };

        (void) state;
        assert_false(eg_descriptor_matches(&d, &usb_device));
        d.matches[2] = (struct eg_match) EG_MATCH_USB_ENTRY(0x072f, 0x2200);
        assert_true(eg_descriptor_matches(&d, &usb_device));
        /* Entries after the END marker do not count. */
        d.matches[1].kind = EG_MATCH_END;
        assert_false(eg_descriptor_matches(&d, &usb_device));
}

static void test_overlap(void **state) {
        struct eg_match tty = usb_on(0x072f, 0x2200, "tty");
        struct eg_match usb_explicit = usb_on(0x072f, 0x2200, "usb");

        (void) state;
        assert_true(eg_matches_overlap(&USB_MATCH(0x072f, 0x2200), &USB_MATCH(0x072f, 0x2200)));
        assert_false(eg_matches_overlap(&USB_MATCH(0x072f, 0x2200), &USB_MATCH(0x072f, 0x2201)));
        assert_false(eg_matches_overlap(&USB_MATCH(0x072f, 0x2200), &tty));
        assert_true(eg_matches_overlap(&USB_MATCH(0x072f, 0x2200), &usb_explicit));

        assert_true(eg_matches_overlap(&UDEV_MATCH("video4linux", "ID_EGATE_CLASS=camera"),
                                       &UDEV_MATCH("video4linux", "ID_EGATE_CLASS=camera")));
        assert_false(eg_matches_overlap(&UDEV_MATCH("video4linux", "ID_EGATE_CLASS=camera"),
                                        &UDEV_MATCH("video4linux", "ID_EGATE_CLASS=door")));
        assert_false(eg_matches_overlap(&UDEV_MATCH("gpio", "ID_EGATE_CLASS=door"),
                                        &UDEV_MATCH("video4linux", "ID_EGATE_CLASS=door")));
        /* A whole subsystem overlaps everything in it. */
        assert_true(eg_matches_overlap(&UDEV_MATCH("hidraw", ""),
                                       &UDEV_MATCH("hidraw", "ID_EGATE_CLASS=door")));

        /* udev entries that select a USB entry's devices. */
        assert_true(eg_matches_overlap(&UDEV_MATCH("usb", ""), &USB_MATCH(0x072f, 0x2200)));
        assert_true(eg_matches_overlap(&USB_MATCH(0x072f, 0x2200),
                                       &UDEV_MATCH("usb", "ID_VENDOR_ID=072f")));
        assert_true(eg_matches_overlap(&UDEV_MATCH("tty", "ID_MODEL_ID=2200"), &tty));
        assert_false(eg_matches_overlap(&UDEV_MATCH("usb", "ID_VENDOR_ID=0730"),
                                        &USB_MATCH(0x072f, 0x2200)));
        assert_false(eg_matches_overlap(&UDEV_MATCH("usb", "ID_EGATE_CLASS=camera"),
                                        &USB_MATCH(0x072f, 0x2200)));
        assert_false(eg_matches_overlap(&UDEV_MATCH("tty", ""), &USB_MATCH(0x072f, 0x2200)));

        assert_false(eg_matches_overlap(&(struct eg_match) EG_MATCH_CONFIG_ENTRY,
                                        &(struct eg_match) EG_MATCH_CONFIG_ENTRY));
}

static void test_describe(void **state) {
        char buf[160];
        struct eg_match tty = usb_on(0x072f, 0x2200, "tty");

        (void) state;
        eg_match_describe(&USB_MATCH(0x072f, 0x2200), buf, sizeof(buf));
        assert_string_equal(buf, "usb 072f:2200");
        eg_match_describe(&tty, buf, sizeof(buf));
        assert_string_equal(buf, "usb 072f:2200 on tty");
        eg_match_describe(&UDEV_MATCH("video4linux", "ID_EGATE_CLASS=camera"), buf, sizeof(buf));
        assert_string_equal(buf, "udev video4linux ID_EGATE_CLASS=camera");
        eg_match_describe(&UDEV_MATCH("hidraw", ""), buf, sizeof(buf));
        assert_string_equal(buf, "udev hidraw");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse_usb_id),       cmocka_unit_test(test_property_lookup),
                cmocka_unit_test(test_usb_match),          cmocka_unit_test(test_udev_match),
                cmocka_unit_test(test_descriptor_matches), cmocka_unit_test(test_overlap),
                cmocka_unit_test(test_describe),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
