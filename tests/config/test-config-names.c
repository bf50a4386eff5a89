/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The names of lane modes, roles and device classes, both ways. */
#include <errno.h>

#include "config-test-util.h"

static void test_lane_modes(void **state) {
        static const char *const names[] = { "automatic", "manual", "closed", "emergency" };

        for (int m = 0; m < EG_LANE_MODE_MAX_; m++) {
                assert_string_equal(eg_lane_mode_to_string((enum eg_lane_mode) m), names[m]);
                assert_int_equal(eg_lane_mode_from_string(names[m]), m);
        }
        assert_null(eg_lane_mode_to_string(EG_LANE_MODE_MAX_));
        assert_null(eg_lane_mode_to_string((enum eg_lane_mode) - 1));
        assert_int_equal(eg_lane_mode_from_string("Automatic"), -EINVAL);
        assert_int_equal(eg_lane_mode_from_string(""), -EINVAL);
        assert_int_equal(eg_lane_mode_from_string(NULL), -EINVAL);
}

static void test_lane_roles(void **state) {
        static const struct {
                const char *name;
                enum eg_device_class device_class;
        } roles[EG_ROLE_MAX_] = {
                { "document-reader", EG_CLASS_DOCUMENT_READER },
                { "chip-reader", EG_CLASS_CHIP_READER },
                { "fingerprint-scanner", EG_CLASS_FINGERPRINT_SCANNER },
                { "camera", EG_CLASS_CAMERA },
                { "entry-door", EG_CLASS_DOOR },
                { "exit-door", EG_CLASS_DOOR },
                { "presence-sensor", EG_CLASS_PRESENCE_SENSOR },
                { "indicator", EG_CLASS_INDICATOR },
        };

        for (int r = 0; r < EG_ROLE_MAX_; r++) {
                assert_string_equal(eg_lane_role_to_string((enum eg_lane_role) r), roles[r].name);
                assert_int_equal(eg_lane_role_from_string(roles[r].name), r);
                assert_int_equal(eg_lane_role_class((enum eg_lane_role) r), roles[r].device_class);
        }
        assert_null(eg_lane_role_to_string(EG_ROLE_MAX_));
        assert_int_equal(eg_lane_role_class(EG_ROLE_MAX_), EG_CLASS_INVALID);
        assert_int_equal(eg_lane_role_from_string("door"), -EINVAL);
        assert_int_equal(eg_lane_role_from_string("presence-sensors"), -EINVAL);
        assert_int_equal(eg_lane_role_from_string(NULL), -EINVAL);
}

static void test_device_classes(void **state) {
        static const char *const names[EG_CLASS_MAX_] = {
                NULL,   "document-reader", "chip-reader", "fingerprint-scanner", "camera",
                "door", "presence-sensor", "indicator",
        };

        assert_null(eg_device_class_to_string(EG_CLASS_INVALID));
        for (int c = 1; c < EG_CLASS_MAX_; c++) {
                assert_string_equal(eg_device_class_to_string((enum eg_device_class) c), names[c]);
                assert_int_equal(eg_device_class_from_string(names[c]), c);
        }
        assert_null(eg_device_class_to_string(EG_CLASS_MAX_));
        assert_int_equal(eg_device_class_from_string("invalid"), -EINVAL);
        assert_int_equal(eg_device_class_from_string("entry-door"), -EINVAL);
        assert_int_equal(eg_device_class_from_string(""), -EINVAL);
        assert_int_equal(eg_device_class_from_string(NULL), -EINVAL);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_lane_modes),
                cmocka_unit_test(test_lane_roles),
                cmocka_unit_test(test_device_classes),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
