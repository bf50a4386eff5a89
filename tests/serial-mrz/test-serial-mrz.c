/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The serial-mrz plugin in a real manager, reading from a pseudo-terminal
 * that plays the passport reader: documents, garbage, silence, removal,
 * unplugging, logs and configuration mistakes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>

#include "log.h"
#include "serial-harness.h"
#include "specimens.h"

static int setup(void **state) {
        struct harness *h = calloc(1, sizeof(*h));

        assert_non_null(h);
        harness_init(h);
        *state = h;
        return 0;
}

static int teardown(void **state) {
        struct harness *h = *state;

        harness_done(h);
        free(h);
        return 0;
}

static void expect_document(struct harness *h, const char *device, const char *mrz) {
        struct op_result o;

        harness_read(h, device, 1000, &o);
        assert_int_equal(o.status, 0);
        assert_string_equal(o.text, mrz);
}

static void expect_no_document(struct harness *h, uint32_t timeout_ms) {
        struct op_result o;

        harness_read(h, READER_ID, timeout_ms, &o);
        assert_int_equal(o.status, -ETIMEDOUT);
}

static void test_td3_in_one_go(void **state) {
        struct harness *h = *state;
        struct eg_op_args page = { .size = sizeof(page), .kind = EG_OP_DOCUMENT_CAPTURE_PAGE };

        harness_start(h, NULL);
        assert_int_equal(harness_state(h, READER_ID), EG_DEVICE_ONLINE);
        harness_write_str(h, TD3_L1 "\r\n" TD3_L2 "\r\n");
        assert_true(harness_run_until(h, &h->ev.present, 1, 1000));
        assert_true(eg_device_find(h->manager, READER_ID)->document_present);
        expect_document(h, READER_ID, TD3);
        expect_document(h, READER_ID, TD3); /* still on the reader */
        assert_int_equal(h->ev.present, 1);
        assert_int_equal(h->ev.removed, 0);
        assert_int_equal(eg_operation_start(h->manager, READER_ID, &page, 0, NULL, NULL, NULL),
                         -EOPNOTSUPP);
}

static void test_port_configuration(void **state) {
        struct harness *h = *state;
        struct termios t;
        int exclusive = 0;

        /* Start from a cooked terminal, as a freshly plugged port is, with a stale MRZ that
         * was sent before anybody listened. */
        assert_int_equal(tcgetattr(h->pty.slave, &t), 0);
        t.c_lflag |= ICANON | ECHO | ISIG;
        t.c_iflag |= ICRNL | IXON;
        assert_int_equal(cfsetspeed(&t, B9600), 0);
        assert_int_equal(tcsetattr(h->pty.slave, TCSANOW, &t), 0);
        harness_write_str(h, TD3_L1 "\n" TD3_L2 "\n");

        harness_start(h, "baud = 19200\n");
        assert_int_equal(tcgetattr(h->pty.slave, &t), 0);
        assert_int_equal(t.c_lflag & (ICANON | ECHO | ISIG | IEXTEN), 0);
        assert_int_equal(t.c_iflag & (ICRNL | INLCR | IGNCR | IXON | IXOFF | ISTRIP), 0);
        assert_int_equal(t.c_cflag & CSIZE, CS8);
        assert_int_equal(t.c_cflag & (PARENB | CSTOPB | CRTSCTS), 0);
        assert_int_equal(t.c_cflag & (CLOCAL | CREAD), CLOCAL | CREAD);
        assert_int_equal(cfgetispeed(&t), B19200);
        assert_int_equal(cfgetospeed(&t), B19200);
        assert_int_equal(ioctl(h->pty.slave, TIOCGEXCL, &exclusive), 0);
        assert_true(exclusive);

        harness_run(h, 100);
        assert_int_equal(h->ev.present, 0); /* the stale MRZ was discarded */
        harness_write_str(h, TD3_L1 "\r" TD3_L2 "\r"); /* a CR reaches the plugin as CR */
        assert_true(harness_run_until(h, &h->ev.present, 1, 1000));
        expect_document(h, READER_ID, TD3);
}

static void test_byte_by_byte(void **state) {
        struct harness *h = *state;
        const char *s = TD1_L1 "\r" TD1_L2 "\r" TD1_L3 "\r";

        harness_start(h, NULL);
        for (size_t i = 0; s[i]; i++) {
                harness_write(h, s + i, 1);
                harness_run(h, 1); /* the plugin sees the bytes one read at a time */
        }
        assert_true(harness_run_until(h, &h->ev.present, 1, 1000));
        expect_document(h, READER_ID, TD1);
}

static void test_line_endings(void **state) {
        struct harness *h = *state;

        harness_start(h, NULL); /* line-ending = auto */
        harness_write_str(h, TD3_L1 "\r" TD3_L2 "\r");
        assert_true(harness_run_until(h, &h->ev.present, 1, 1000));
        expect_document(h, READER_ID, TD3);
        harness_write_str(h, TD3_L1 "\n" TD3_OLD_L2 "\n");
        assert_true(harness_run_until(h, &h->ev.present, 2, 1000));
        expect_document(h, READER_ID, TD3_OLD);
        harness_write_str(h, TD2_L1 "\r\n" TD2_L2 "\r\n");
        assert_true(harness_run_until(h, &h->ev.present, 3, 1000));
        expect_document(h, READER_ID, TD2);
        /* Each new document took the place of the one before. */
        assert_int_equal(h->ev.removed, 2);
}

static void test_explicit_line_ending(void **state) {
        struct harness *h = *state;

        harness_start(h, "line-ending = lf\n");
        harness_write_str(h, TD3_L1 "\r" TD3_L2 "\r");
        harness_run(h, 100);
        assert_int_equal(h->ev.present, 0);
        harness_write_str(h, "\n" TD3_L1 "\n" TD3_L2 "\n");
        assert_true(harness_run_until(h, &h->ev.present, 1, 1000));
        expect_document(h, READER_ID, TD3);
}

static void test_td1_and_td2(void **state) {
        struct harness *h = *state;

        harness_start(h, NULL);
        harness_write_str(h, TD1_L1 "\r\n" TD1_L2 "\r\n" TD1_L3 "\r\n");
        assert_true(harness_run_until(h, &h->ev.present, 1, 1000));
        expect_document(h, READER_ID, TD1);
        harness_write_str(h, TD2_L1 "\n" TD2_L2 "\n");
        assert_true(harness_run_until(h, &h->ev.present, 2, 1000));
        expect_document(h, READER_ID, TD2);
}

static void test_partial_then_silence(void **state) {
        struct harness *h = *state;

        harness_start(h, "frame-timeout-ms = 100\n");
        harness_write_str(h, TD3_L1 "\n");
        harness_run(h, 250);
        harness_write_str(h, TD3_L2 "\n"); /* too late to complete line 1 */
        harness_run(h, 150);
        assert_int_equal(h->ev.present, 0);
        expect_no_document(h, 300);

        harness_write_str(h, TD3_L1 "\n" TD3_L2 "\n");
        assert_true(harness_run_until(h, &h->ev.present, 1, 1000));
        expect_document(h, READER_ID, TD3);
}

static void test_garbage_then_good(void **state) {
        struct harness *h = *state;
        static char noise[10 * 1024];
        uint32_t seed = 4242;

        harness_start(h, "frame-timeout-ms = 100\n");
        harness_write_str(h, "p<utoeriksson<<anna<maria<<<<<<<<<<<<<<<<<<<\n");
        harness_write_str(h, TD3_L1 "\n"
                                    "L898902C36UTO7408122F1204159ZE184226B<<<<<1\n");
        for (size_t i = 0; i < 4096; i++) {
                seed = seed * 1103515245u + 12345u;
                noise[i] = (char) (seed >> 16);
        }
        harness_write(h, noise, 4096);
        harness_write_str(h, "\n");
        memset(noise, 'A', sizeof(noise));
        harness_write(h, noise, sizeof(noise)); /* 10 KiB without a line end */
        harness_write_str(h, "\r\n");
        harness_run(h, 50);
        assert_int_equal(h->ev.present, 0);

        harness_write_str(h, TD3_L1 "\n" TD3_L2 "\n");
        assert_true(harness_run_until(h, &h->ev.present, 1, 1000));
        expect_document(h, READER_ID, TD3);

        /* Endless junk, then silence: the next document starts clean. */
        memset(noise, 'B', sizeof(noise));
        harness_write(h, noise, sizeof(noise));
        harness_run(h, 250);
        harness_write_str(h, TD3_L1 "\n" TD3_OLD_L2 "\n");
        assert_true(harness_run_until(h, &h->ev.present, 2, 1000));
        expect_document(h, READER_ID, TD3_OLD);
}

static void test_pending_read_completes(void **state) {
        struct harness *h = *state;
        struct op_result o;

        harness_start(h, NULL);
        assert_int_equal(harness_read_start(h, READER_ID, 3000, &o), 0);
        harness_run(h, 50);
        assert_int_equal(o.calls, 0);
        harness_write_str(h, TD3_L1 "\r\n" TD3_L2 "\r\n");
        assert_true(harness_run_until(h, &o.calls, 1, 1000));
        assert_int_equal(o.status, 0);
        assert_string_equal(o.text, TD3);
        assert_int_equal(h->ev.present, 1);
}

static void test_read_times_out(void **state) {
        struct harness *h = *state;
        struct op_result o;
        uint64_t t0;

        harness_start(h, NULL);
        t0 = harness_now_ms();
        harness_read(h, READER_ID, 300, &o);
        assert_int_equal(o.status, -ETIMEDOUT);
        assert_true(harness_now_ms() - t0 >= 250);
        assert_true(harness_now_ms() - t0 < 1000);
        assert_non_null(strstr(o.message, "no document presented"));
        /* Nobody presenting a passport is not a broken reader. */
        assert_int_equal(harness_state(h, READER_ID), EG_DEVICE_ONLINE);

        harness_write_str(h, TD3_L1 "\r\n" TD3_L2 "\r\n");
        assert_true(harness_run_until(h, &h->ev.present, 1, 1000));
        expect_document(h, READER_ID, TD3);
}

static void test_document_hold(void **state) {
        struct harness *h = *state;
        uint64_t t0;

        harness_start(h, "document-hold-ms = 200\n");
        harness_write_str(h, TD3_L1 "\n" TD3_L2 "\n");
        assert_true(harness_run_until(h, &h->ev.present, 1, 1000));
        harness_run(h, 100);
        /* Read again while it lies there: the same document, held longer. */
        harness_write_str(h, TD3_L1 "\n" TD3_L2 "\n");
        t0 = harness_now_ms();
        harness_run(h, 150);
        assert_int_equal(h->ev.present, 1);
        assert_int_equal(h->ev.removed, 0);
        assert_true(harness_run_until(h, &h->ev.removed, 1, 1000));
        assert_true(harness_now_ms() - t0 >= 190);
        assert_false(eg_device_find(h->manager, READER_ID)->document_present);
        expect_no_document(h, 200);
}

static void test_removal_marker(void **state) {
        struct harness *h = *state;

        harness_start(h, "removal-marker = #OUT\n");
        harness_write_str(h, TD3_L1 "\n" TD3_L2 "\n");
        assert_true(harness_run_until(h, &h->ev.present, 1, 1000));
        harness_write_str(h, "#OUT\r\n");
        assert_true(harness_run_until(h, &h->ev.removed, 1, 1000));
        expect_no_document(h, 200);
}

static void test_stx_etx(void **state) {
        struct harness *h = *state;

        harness_start(h, "framing = stx-etx\n");
        harness_write_str(h, TD3_L1 "\r" TD3_L2 "\r");
        harness_run(h, 100);
        assert_int_equal(h->ev.present, 0);
        harness_write_str(h, "\x02" TD3_L1 "\r" TD3_L2 "\r\x03\x7f"); /* and a checksum */
        assert_true(harness_run_until(h, &h->ev.present, 1, 1000));
        expect_document(h, READER_ID, TD3);
}

static void test_disconnect_and_reconnect(void **state) {
        struct harness *h = *state;
        struct op_result o;

        harness_start(h, "reconnect-ms = 100\n");
        harness_write_str(h, TD3_L1 "\n" TD3_L2 "\n");
        assert_true(harness_run_until(h, &h->ev.present, 1, 1000));

        /* Unplugged with a document on it: fault, and the document is forgotten. */
        harness_unplug(h);
        assert_true(harness_run_until(h, &h->ev.fault, 1, 1000));
        assert_string_equal(h->ev.fault_message, "serial port disconnected");
        assert_int_equal(h->ev.removed, 1);
        assert_int_equal(harness_state(h, READER_ID), EG_DEVICE_FAULTED);
        harness_read(h, READER_ID, 1000, &o);
        assert_int_equal(o.status, -ENODEV);
        assert_string_equal(o.message, "reader disconnected");
        assert_non_null(eg_device_find(h->manager, READER_ID)); /* still registered */

        harness_plug(h);
        assert_true(harness_run_until(h, &h->ev.recovered, 1, 1000));
        assert_int_equal(harness_state(h, READER_ID), EG_DEVICE_ONLINE);

        /* Unplugged while a read waits. */
        assert_int_equal(harness_read_start(h, READER_ID, 3000, &o), 0);
        harness_run(h, 20);
        harness_unplug(h);
        assert_true(harness_run_until(h, &o.calls, 1, 1000));
        /* Not there, which the lane takes for a device fault: no second read. */
        assert_int_equal(o.status, -ENODEV);
        assert_string_equal(o.message, "reader disconnected");
        assert_int_equal(h->ev.fault, 2);
        assert_int_equal(harness_state(h, READER_ID), EG_DEVICE_FAULTED);

        harness_run(h, 250); /* a few failed attempts while it is away */
        harness_plug(h);
        assert_true(harness_run_until(h, &h->ev.recovered, 2, 1000));
        harness_write_str(h, TD3_L1 "\n" TD3_L2 "\n");
        assert_true(harness_run_until(h, &h->ev.present, 2, 1000));
        expect_document(h, READER_ID, TD3);
}

static void test_port_absent_at_start(void **state) {
        struct harness *h = *state;
        struct op_result o;

        harness_unplug(h);
        harness_start(h, "reconnect-ms = 100\n");
        assert_non_null(eg_device_find(h->manager, READER_ID));
        assert_true(harness_run_until(h, &h->ev.fault, 1, 1000));
        assert_string_equal(h->ev.fault_message, "serial port not available");
        assert_int_equal(harness_state(h, READER_ID), EG_DEVICE_FAULTED);
        harness_read(h, READER_ID, 1000, &o);
        assert_int_equal(o.status, -ENODEV);

        harness_plug(h);
        assert_true(harness_run_until(h, &h->ev.recovered, 1, 1000));
        harness_write_str(h, TD3_L1 "\n" TD3_L2 "\n");
        assert_true(harness_run_until(h, &h->ev.present, 1, 1000));
        expect_document(h, READER_ID, TD3);
}

static void test_no_personal_data_in_logs(void **state) {
        struct harness *h = *state;
        int level = log_get_max_level();
        char *log;

        log_set_max_level(LOG_DEBUG);
        log_capture_start();
        harness_start(h, "frame-timeout-ms = 100\n");
        harness_write_str(h, TD3_L1 "\n" TD3_L2 "\n");
        assert_true(harness_run_until(h, &h->ev.present, 1, 1000));
        expect_document(h, READER_ID, TD3);
        harness_write_str(h, TD3_L1 "\n"
                                    "L898902C36UTO7408122F1204159ZE184226B<<<<<1\n");
        harness_write_str(h, TD1_L1 "\n");
        harness_run(h, 200); /* dropped by the frame timeout */
        harness_write_str(h, TD1_L1 "\n" TD1_L2 "\n" TD1_L3 "\n");
        assert_true(harness_run_until(h, &h->ev.present, 2, 1000));
        expect_document(h, READER_ID, TD1);
        harness_unplug(h);
        assert_true(harness_run_until(h, &h->ev.fault, 1, 1000));
        log = log_capture_stop();
        log_set_max_level(level);

        /* The capture works and the plugin did talk about all of it... */
        assert_non_null(strstr(log, "document read (2 lines of 44 characters)"));
        assert_non_null(strstr(log, "document read (3 lines of 30 characters)"));
        assert_non_null(strstr(log, "no MRZ"));
        assert_non_null(strstr(log, "incomplete MRZ"));
        assert_non_null(strstr(log, "disconnected"));
        /* ...without a single piece of the traveller's data. */
        assert_null(strstr(log, SPECIMEN_DOC_NUMBER));
        assert_null(strstr(log, SPECIMEN_TD1_DOC_NUMBER));
        assert_null(strstr(log, SPECIMEN_NAME));
        assert_null(strstr(log, SPECIMEN_BIRTH));
        free(log);
}

static void test_bad_config(void **state) {
        static const struct {
                const char *class_name;
                const char *body; /* NULL device line: the harness adds device=<link> */
                bool add_device;
                const char *message;
        } cases[] = {
                { "document-reader", "baud = 12345\n", true, "invalid value '12345' for baud" },
                { "document-reader", "baud = fast\n", true, "invalid value 'fast' for baud" },
                { "document-reader", "parity = even\n", true, "unknown property 'parity'" },
                { "document-reader", "line-ending = cr-lf\n", true,
                  "invalid value 'cr-lf' for line-ending" },
                { "document-reader", "framing = etx\n", true, "invalid value 'etx' for framing" },
                { "document-reader", "frame-timeout-ms = 0\n", true,
                  "invalid value '0' for frame-timeout-ms" },
                { "document-reader", "reconnect-ms = soon\n", true,
                  "invalid value 'soon' for reconnect-ms" },
                { "document-reader", "document-hold-ms = -5\n", true,
                  "invalid value '-5' for document-hold-ms" },
                { "document-reader", "removal-marker = two words\n", true,
                  "invalid removal-marker" },
                { "document-reader", "device = /dev/null\n", false, "not a serial port" },
                { "document-reader", "device = ttyACM0\n", false, "not an absolute path" },
                { "document-reader", "baud = 9600\n", false, "device= is required" },
                { "door", "", true, "drives document readers only" },
        };
        struct harness *h = *state;

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                char *log, *body = NULL;

                if (i > 0) {
                        harness_done(h);
                        harness_init(h);
                }
                if (cases[i].add_device)
                        assert_true(asprintf(&body, "device = %s\n%s", h->link, cases[i].body) > 0);
                log_capture_start();
                harness_start_section(h, cases[i].class_name, body ? body : cases[i].body);
                log = log_capture_stop();
                free(body);
                if (!strstr(log, cases[i].message))
                        fail_msg("case %zu: '%s' not in the log:\n%s", i, cases[i].message, log);
                assert_null(eg_device_find(h->manager, READER_ID));
                free(log);
        }

        /* And every key with a good value is taken. */
        harness_done(h);
        harness_init(h);
        harness_start(h, "baud = 115200\nline-ending = crlf\nframing = lines\n"
                         "frame-timeout-ms = 50\nreconnect-ms = 100\ndocument-hold-ms = 500\n"
                         "removal-marker = #OUT\n");
        assert_int_equal(harness_state(h, READER_ID), EG_DEVICE_ONLINE);
}

static int probe(struct harness *h, const char *subsystem, const char *devnode,
                 const struct eg_property *props, size_t n) {
        struct eg_plugin *p = eg_plugin_find(h->manager, "serial-mrz");
        struct eg_candidate c = { .size = sizeof(c),
                                  .subsystem = subsystem,
                                  .devnode = devnode,
                                  .properties = props,
                                  .n_properties = n,
                                  .fd = -1 };

        assert_non_null(p);
        assert_non_null(p->module.ops.probe);
        return p->module.ops.probe(p->plugin_data, &c);
}

static void test_probe(void **state) {
        struct harness *h = *state;
        const struct eg_property good[] = {
                { "ID_EGATE_CLASS", "document-reader" }, { "ID_SERIAL_SHORT", "MRZ 0042/x" },
                { "ID_EGATE_BAUD", "115200" },           { "ID_EGATE_LANE", "A1" },
                { "ID_EGATE_ROLE", "document-reader" },
        };
        const struct eg_property bad_baud[] = {
                { "ID_EGATE_CLASS", "document-reader" },
                { "ID_SERIAL_SHORT", "X1" },
                { "ID_EGATE_BAUD", "12345" },
        };
        const struct eg_property by_path[] = {
                { "ID_EGATE_CLASS", "document-reader" },
                { "ID_PATH", "pci-0000:00:14.0-usb-0:2:1.0" },
        };
        const struct eg_property nameless[] = { { "ID_EGATE_CLASS", "document-reader" } };
        const struct eg_property camera[] = { { "ID_EGATE_CLASS", "camera" },
                                              { "ID_SERIAL_SHORT", "X2" } };
        struct eg_device *d;

        harness_start_no_device(h);
        assert_int_equal(probe(h, "tty", h->pty.path, camera, 2), -ENODEV);
        assert_int_equal(probe(h, "usb", h->pty.path, good, 5), -ENODEV);
        assert_int_equal(probe(h, "tty", NULL, good, 5), -ENODEV);
        assert_int_equal(probe(h, "tty", h->pty.path, bad_baud, 3), -EINVAL);
        assert_null(eg_device_find(h->manager, "serial-mrz-X1"));
        assert_int_equal(probe(h, "tty", h->pty.path, nameless, 1), -EINVAL);

        assert_int_equal(probe(h, "tty", h->pty.path, good, 5), 0);
        d = eg_device_find(h->manager, "serial-mrz-MRZ_0042_x");
        assert_non_null(d);
        assert_string_equal(d->serial, "MRZ 0042/x");
        assert_string_equal(d->lane_hint, "A1");
        assert_string_equal(d->role_hint, "document-reader");
        assert_int_equal(d->state, EG_DEVICE_ONLINE);
        harness_write_str(h, TD3_L1 "\n" TD3_L2 "\n");
        assert_true(harness_run_until(h, &h->other.present, 1, 1000));
        expect_document(h, "serial-mrz-MRZ_0042_x", TD3);

        /* No serial number: named after the port; not plugged in yet: waits for it. */
        assert_int_equal(probe(h, "tty", "/dev/egate-test-no-such-tty", by_path, 2), 0);
        d = eg_device_find(h->manager, "serial-mrz-pci-0000:00:14.0-usb-0:2:1.0");
        assert_non_null(d);
        assert_true(harness_run_until(h, &h->other.fault, 1, 1000));
        assert_int_equal(d->state, EG_DEVICE_FAULTED);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_td3_in_one_go, setup, teardown),
                cmocka_unit_test_setup_teardown(test_port_configuration, setup, teardown),
                cmocka_unit_test_setup_teardown(test_byte_by_byte, setup, teardown),
                cmocka_unit_test_setup_teardown(test_line_endings, setup, teardown),
                cmocka_unit_test_setup_teardown(test_explicit_line_ending, setup, teardown),
                cmocka_unit_test_setup_teardown(test_td1_and_td2, setup, teardown),
                cmocka_unit_test_setup_teardown(test_partial_then_silence, setup, teardown),
                cmocka_unit_test_setup_teardown(test_garbage_then_good, setup, teardown),
                cmocka_unit_test_setup_teardown(test_pending_read_completes, setup, teardown),
                cmocka_unit_test_setup_teardown(test_read_times_out, setup, teardown),
                cmocka_unit_test_setup_teardown(test_document_hold, setup, teardown),
                cmocka_unit_test_setup_teardown(test_removal_marker, setup, teardown),
                cmocka_unit_test_setup_teardown(test_stx_etx, setup, teardown),
                cmocka_unit_test_setup_teardown(test_disconnect_and_reconnect, setup, teardown),
                cmocka_unit_test_setup_teardown(test_port_absent_at_start, setup, teardown),
                cmocka_unit_test_setup_teardown(test_no_personal_data_in_logs, setup, teardown),
                cmocka_unit_test_setup_teardown(test_bad_config, setup, teardown),
                cmocka_unit_test_setup_teardown(test_probe, setup, teardown),
        };

        log_setup(EG_LOG_TARGET_STDERR);
        log_set_max_level(getenv("EGATE_TEST_DEBUG") ? LOG_DEBUG : LOG_WARNING);
        return cmocka_run_group_tests(tests, NULL, NULL);
}
