/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The plain ISO/IEC 7816-4 file server behind the mock chip reader. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "apdu-files.h"
#include "mock-macro.h"

static const char *const td3[] = {
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
        "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
};

static struct mock_mrz mrz_td3(void) {
        struct mock_mrz m = { .n_lines = 2 };

        strcpy(m.lines[0], td3[0]);
        strcpy(m.lines[1], td3[1]);
        return m;
}

/* Send `hex` (spaces allowed); returns the status word, the data in *data. */
static unsigned transmit(struct mock_apdu_server *s, const char *hex, uint8_t *data,
                         size_t *data_len) {
        uint8_t capdu[300], rapdu[MOCK_RAPDU_MAX];
        size_t n = 0, len;

        for (const char *p = hex; *p;) {
                unsigned b;

                if (*p == ' ') {
                        p++;
                        continue;
                }
                assert_int_equal(sscanf(p, "%2x", &b), 1);
                capdu[n++] = (uint8_t) b;
                p += 2;
        }
        len = mock_apdu_process(s, capdu, n, rapdu);
        assert_true(len >= 2 && len <= MOCK_RAPDU_MAX);
        if (data) {
                memcpy(data, rapdu, len - 2);
                *data_len = len - 2;
        } else
                assert_int_equal(len, 2);
        return (unsigned) rapdu[len - 2] << 8 | rapdu[len - 1];
}

static void select_lds(struct mock_apdu_server *s) {
        assert_int_equal(transmit(s, "00 A4 04 0C 07 A0 00 00 02 47 10 01", NULL, NULL), 0x9000);
}

static void test_read_dg1(void **state) {
        struct mock_apdu_server s;
        struct mock_mrz m = mrz_td3();
        uint8_t data[300], dg1[300];
        size_t len, total = 0;

        assert_int_equal(mock_apdu_server_init(&s, &m), 0);
        select_lds(&s);
        assert_int_equal(transmit(&s, "00 A4 02 0C 02 01 01", NULL, NULL), 0x9000);

        /* Read the header, then the rest in small chunks, like a terminal does. */
        assert_int_equal(transmit(&s, "00 B0 00 00 04", data, &len), 0x9000);
        assert_int_equal(len, 4);
        /* 61 5B 5F1F 58: 88 MRZ characters in 5F1F, 91 bytes in 61. */
        assert_int_equal(data[0], 0x61);
        assert_int_equal(data[1], 0x5B);
        assert_int_equal(data[2], 0x5F);
        assert_int_equal(data[3], 0x1F);
        memcpy(dg1, data, len);
        total = len;
        while (total < 93) {
                char cmd[32];
                snprintf(cmd, sizeof(cmd), "00 B0 %02zX %02zX 20", total >> 8, total & 0xFF);
                unsigned sw = transmit(&s, cmd, data, &len);
                assert_true(sw == 0x9000 || sw == 0x6282);
                memcpy(dg1 + total, data, len);
                total += len;
                if (sw == 0x6282)
                        break;
        }
        assert_int_equal(total, 93);
        assert_int_equal(dg1[4], 0x58);
        assert_memory_equal(dg1 + 5, td3[0], 44);
        assert_memory_equal(dg1 + 5 + 44, td3[1], 44);

        /* Beyond the end. */
        assert_int_equal(transmit(&s, "00 B0 00 5D 01", NULL, NULL), 0x6B00);
        assert_int_equal(transmit(&s, "00 B0 7F FF 01", NULL, NULL), 0x6B00);
        /* Le larger than what is left: the rest and 6282. */
        assert_int_equal(transmit(&s, "00 B0 00 5A 10", data, &len), 0x6282);
        assert_int_equal(len, 3);
        /* Le = 00 means 256. */
        assert_int_equal(transmit(&s, "00 B0 00 00 00", data, &len), 0x6282);
        assert_int_equal(len, 93);
        /* Extended Le. */
        assert_int_equal(transmit(&s, "00 B0 00 00 00 00 05", data, &len), 0x9000);
        assert_int_equal(len, 5);
}

static void test_ef_com_and_sfi(void **state) {
        struct mock_apdu_server s;
        struct mock_mrz m = mrz_td3();
        static const uint8_t com[] = { 0x60, 0x13, 0x5F, 0x01, 0x04, '0', '1', '0', '7', 0x5F,
                                       0x36, 0x06, '0', '4', '0', '0', '0', '0', 0x5C, 0x01,
                                       0x61 };
        uint8_t data[300];
        size_t len;

        assert_int_equal(mock_apdu_server_init(&s, &m), 0);
        /* Nothing before the application is selected. */
        assert_int_equal(transmit(&s, "00 A4 02 0C 02 01 1E", NULL, NULL), 0x6A82);
        assert_int_equal(transmit(&s, "00 B0 9E 00 00", NULL, NULL), 0x6A82);
        assert_int_equal(transmit(&s, "00 B0 00 00 10", NULL, NULL), 0x6986);

        select_lds(&s);
        assert_int_equal(transmit(&s, "00 A4 02 0C 02 01 1E", NULL, NULL), 0x9000);
        assert_int_equal(transmit(&s, "00 B0 00 00 00", data, &len), 0x6282);
        assert_int_equal(len, sizeof(com));
        assert_memory_equal(data, com, sizeof(com));

        /* Short EF identifier 01 (DG1) selects and reads in one go. */
        assert_int_equal(transmit(&s, "00 B0 81 00 02", data, &len), 0x9000);
        assert_int_equal(data[0], 0x61);
        /* ... and stays selected. */
        assert_int_equal(transmit(&s, "00 B0 00 02 02", data, &len), 0x9000);
        assert_int_equal(data[0], 0x5F);
        assert_int_equal(transmit(&s, "00 B0 9E 00 01", data, &len), 0x9000);
        assert_int_equal(data[0], 0x60);
        assert_int_equal(transmit(&s, "00 B0 82 00 01", NULL, NULL), 0x6A82); /* no DG2 */
        assert_int_equal(transmit(&s, "00 B0 E1 00 01", NULL, NULL), 0x6A86);

        /* Unknown files and AIDs. */
        assert_int_equal(transmit(&s, "00 A4 02 0C 02 01 02", NULL, NULL), 0x6A82);
        assert_int_equal(transmit(&s, "00 A4 04 0C 07 A0 00 00 02 47 10 02", NULL, NULL), 0x6A82);
        assert_int_equal(transmit(&s, "00 A4 04 0C 06 A0 00 00 02 47 10", NULL, NULL), 0x6A82);
        /* Selecting the MF leaves the application. */
        assert_int_equal(transmit(&s, "00 A4 00 0C 02 3F 00", NULL, NULL), 0x9000);
        assert_int_equal(transmit(&s, "00 A4 02 0C 02 01 01", NULL, NULL), 0x6A82);
        assert_int_equal(transmit(&s, "00 A4 00 0C", NULL, NULL), 0x9000);
        assert_int_equal(transmit(&s, "00 A4 00 0C 02 3F 01", NULL, NULL), 0x6A82);

        mock_apdu_server_reset(&s);
        assert_int_equal(transmit(&s, "00 B0 00 00 10", NULL, NULL), 0x6986);
}

static void test_td1_dg1(void **state) {
        struct mock_apdu_server s;
        struct mock_mrz m = { .n_lines = 3 };
        uint8_t data[300];
        size_t len;

        strcpy(m.lines[0], "I<UTOD231458907<<<<<<<<<<<<<<<");
        strcpy(m.lines[1], "7408122F1204159UTO<<<<<<<<<<<6");
        strcpy(m.lines[2], "ERIKSSON<<ANNA<MARIA<<<<<<<<<<");
        assert_int_equal(mock_apdu_server_init(&s, &m), 0);
        select_lds(&s);
        assert_int_equal(transmit(&s, "00 B0 81 00 00", data, &len), 0x6282);
        assert_int_equal(len, 95);
        assert_int_equal(data[1], 0x5D);
        assert_int_equal(data[4], 90);
        assert_memory_equal(data + 5 + 60, m.lines[2], 30);
}

static void test_garbage(void **state) {
        struct mock_apdu_server s;
        struct mock_mrz m = mrz_td3();
        uint8_t capdu[16] = { 0 }, rapdu[MOCK_RAPDU_MAX];

        assert_int_equal(mock_apdu_server_init(&s, &m), 0);

        /* Too short for a header. */
        for (size_t len = 0; len < 4; len++) {
                assert_int_equal(mock_apdu_process(&s, capdu, len, rapdu), 2);
                assert_int_equal(rapdu[0], 0x67);
                assert_int_equal(rapdu[1], 0x00);
        }
        assert_int_equal(mock_apdu_process(&s, NULL, 0, rapdu), 2);
        assert_int_equal(rapdu[0], 0x67);

        /* Lc that does not match the body. */
        assert_int_equal(transmit(&s, "00 A4 04 0C 08 A0 00 00 02 47 10 01", NULL, NULL), 0x6700);
        assert_int_equal(transmit(&s, "00 A4 04 0C 05 A0 00 00 02 47 10 01", NULL, NULL), 0x6700);
        assert_int_equal(transmit(&s, "00 A4 04 0C 07 A0 00 00 02 47 10 01 00 00", NULL, NULL),
                         0x6700);
        /* A zero where a short Lc would be announces an extended length: it
         * needs two more bytes. */
        assert_int_equal(transmit(&s, "00 A4 04 0C 00 01", NULL, NULL), 0x6700);
        /* Extended: zero Lc, mismatching length. */
        assert_int_equal(transmit(&s, "00 A4 04 0C 00 00 00 A0", NULL, NULL), 0x6700);
        assert_int_equal(transmit(&s, "00 A4 04 0C 00 00 07 A0 00", NULL, NULL), 0x6700);
        /* Extended Lc that matches works. */
        assert_int_equal(transmit(&s, "00 A4 04 0C 00 00 07 A0 00 00 02 47 10 01", NULL, NULL),
                         0x9000);
        /* SELECT without data, with a wrong FID length, with FCI requested. */
        assert_int_equal(transmit(&s, "00 A4 04 0C", NULL, NULL), 0x6700);
        assert_int_equal(transmit(&s, "00 A4 02 0C 01 01", NULL, NULL), 0x6700);
        assert_int_equal(transmit(&s, "00 A4 02 00 02 01 01", NULL, NULL), 0x6A86);
        assert_int_equal(transmit(&s, "00 A4 08 0C 02 01 01", NULL, NULL), 0x6A86);
        /* READ BINARY without Le, or with a body. */
        assert_int_equal(transmit(&s, "00 A4 02 0C 02 01 01", NULL, NULL), 0x9000);
        assert_int_equal(transmit(&s, "00 B0 00 00", NULL, NULL), 0x6700);
        assert_int_equal(transmit(&s, "00 B0 00 00 01 00 10", NULL, NULL), 0x6700);
        /* Unknown instructions, classes, secure messaging, chaining. */
        assert_int_equal(transmit(&s, "00 84 00 00 08", NULL, NULL), 0x6D00);
        assert_int_equal(transmit(&s, "00 B1 00 00 10", NULL, NULL), 0x6D00);
        assert_int_equal(transmit(&s, "00 00 00 00", NULL, NULL), 0x6D00);
        assert_int_equal(transmit(&s, "0C B0 00 00 10", NULL, NULL), 0x6882);
        assert_int_equal(transmit(&s, "10 B0 00 00 10", NULL, NULL), 0x6884);
        assert_int_equal(transmit(&s, "80 B0 00 00 10", NULL, NULL), 0x6E00);
        assert_int_equal(transmit(&s, "FF FF FF FF", NULL, NULL), 0x6E00);

        /* Every short byte pattern of length 4..6: never more than a status word
         * except for a successful read, never out of bounds (ASan watches). */
        for (unsigned a = 0; a < 256; a++)
                for (size_t len = 4; len <= 6; len++) {
                        uint8_t cmd[6] = { 0x00, (uint8_t) a, (uint8_t) (a * 7), (uint8_t) (a * 13),
                                           (uint8_t) a, (uint8_t) (255 - a) };
                        size_t n = mock_apdu_process(&s, cmd, len, rapdu);
                        assert_true(n >= 2 && n <= MOCK_RAPDU_MAX);
                }
}

static void test_ber_tlv(void **state) {
        uint8_t buf[400], value[300] = { 0 };

        assert_int_equal(mock_ber_tlv(buf, sizeof(buf), 0x61, value, 0x7F), 2 + 0x7F);
        assert_int_equal(buf[1], 0x7F);
        assert_int_equal(mock_ber_tlv(buf, sizeof(buf), 0x61, value, 0x80), 3 + 0x80);
        assert_int_equal(buf[1], 0x81);
        assert_int_equal(buf[2], 0x80);
        assert_int_equal(mock_ber_tlv(buf, sizeof(buf), 0x5F1F, value, 0x100), 5 + 0x100);
        assert_int_equal(buf[0], 0x5F);
        assert_int_equal(buf[1], 0x1F);
        assert_int_equal(buf[2], 0x82);
        assert_int_equal(buf[3], 0x01);
        assert_int_equal(buf[4], 0x00);
        assert_int_equal(mock_ber_tlv(buf, 10, 0x61, value, 20), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_read_dg1),
                cmocka_unit_test(test_ef_com_and_sfi),
                cmocka_unit_test(test_td1_dg1),
                cmocka_unit_test(test_garbage),
                cmocka_unit_test(test_ber_tlv),
        };

        return cmocka_run_group_tests_name("mock-apdu", tests, NULL, NULL);
}
