/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * eg_bus_error_from_outcome() (core/src/bus/bus.c) on its own: every reply to a failed
 * device operation goes through it, with the plugin's own words as the message.  Whatever
 * a plugin wrote, the error must be one a D-Bus reply can carry.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <setjmp.h>
#include <cmocka.h>

#include "bus/bus-errors.h"
#include "bus/bus.h"
#include "device.h"
#include "operation.h"

static void check(int status, const char *message, const char *want_name,
                  const char *want_message) {
        struct eg_op_outcome o = { .status = status, .message = (char *) message, .fd = -1 };
        sd_bus_error error = SD_BUS_ERROR_NULL;
        int r = eg_bus_error_from_outcome(&error, &o);

        assert_true(r < 0);
        assert_string_equal(error.name, want_name);
        assert_non_null(error.message);
        /* sd-bus refuses to append a string that is not UTF-8: such an error reply would
         * never be sent and the caller would wait for its timeout. */
        assert_true(eg_string_is_safe(error.message, 4096));
        if (want_message)
                assert_string_equal(error.message, want_message);
        sd_bus_error_free(&error);
}

static void test_plugin_words_kept(void **state) {
        check(-EIO, "door is moving", EG_BUS_ERROR_DEVICE_FAILED, "door is moving");
        check(-ETIMEDOUT, "door-open timed out after 500 ms", EG_BUS_ERROR_TIMEOUT,
              "door-open timed out after 500 ms");
        check(-EAGAIN, "poor quality", EG_BUS_ERROR_TRY_AGAIN, "poor quality");
        check(-EPROTO, "über-Fehler", EG_BUS_ERROR_DEVICE_FAILED, "über-Fehler");
}

static void test_no_words(void **state) {
        check(-ENOMSG, NULL, EG_BUS_ERROR_NO_MEDIA, strerror(ENOMSG));
        check(-ENOMSG, "", EG_BUS_ERROR_NO_MEDIA, strerror(ENOMSG));
        check(0, NULL, EG_BUS_ERROR_DEVICE_FAILED, strerror(EIO));
}

/* A plugin's message is only bounded in length by the host: bytes that are not UTF-8 or
 * control characters must not reach the reply. */
static void test_unusable_words_replaced(void **state) {
        check(-EIO, "bad \xff\xfe bytes", EG_BUS_ERROR_DEVICE_FAILED, strerror(EIO));
        check(-ETIMEDOUT, "cut \xc3", EG_BUS_ERROR_TIMEOUT, strerror(ETIMEDOUT));
        check(-EPROTO, "\xc0\xaf", EG_BUS_ERROR_DEVICE_FAILED, strerror(EPROTO));
        check(-EIO, "line\nbreak", EG_BUS_ERROR_DEVICE_FAILED, strerror(EIO));
        check(-EIO, "\x1b[2Jterminal", EG_BUS_ERROR_DEVICE_FAILED, strerror(EIO));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_plugin_words_kept),
                cmocka_unit_test(test_no_words),
                cmocka_unit_test(test_unusable_words_replaced),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
