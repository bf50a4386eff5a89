/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Strict BER-TLV: forms we accept, forms we refuse, and bounds. */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "emrtd/tlv.h"

static void test_short_form(void **state) {
        const uint8_t buf[] = { 0x02, 0x01, 0x2A };
        struct eg_tlv t;

        assert_int_equal(eg_tlv_parse(buf, sizeof(buf), &t), 0);
        assert_int_equal(t.tag, 0x02);
        assert_false(t.constructed);
        assert_int_equal(t.length, 1);
        assert_int_equal(t.header_length, 2);
        assert_ptr_equal(t.value, buf + 2);
        assert_int_equal(t.value[0], 0x2A);
}

static void test_zero_length(void **state) {
        const uint8_t buf[] = { 0x04, 0x00 };
        struct eg_tlv t;

        assert_int_equal(eg_tlv_parse(buf, sizeof(buf), &t), 0);
        assert_int_equal(t.length, 0);
        assert_int_equal(t.header_length, 2);
}

static void test_long_forms(void **state) {
        uint8_t buf[70000] = {};
        struct eg_tlv t;

        buf[0] = 0x04;
        buf[1] = 0x81;
        buf[2] = 0x80;
        assert_int_equal(eg_tlv_parse(buf, 3 + 0x80, &t), 0);
        assert_int_equal(t.length, 0x80);
        assert_int_equal(t.header_length, 3);

        buf[1] = 0x82;
        buf[2] = 0x01;
        buf[3] = 0x00;
        assert_int_equal(eg_tlv_parse(buf, 4 + 0x100, &t), 0);
        assert_int_equal(t.length, 0x100);
        assert_int_equal(t.header_length, 4);

        buf[1] = 0x83;
        buf[2] = 0x01;
        buf[3] = 0x00;
        buf[4] = 0x01;
        assert_int_equal(eg_tlv_parse(buf, 5 + 0x10001, &t), 0);
        assert_int_equal(t.length, 0x10001);
        assert_int_equal(t.header_length, 5);

        buf[1] = 0x84;
        buf[2] = 0x00;
        buf[3] = 0x00;
        buf[4] = 0x00;
        buf[5] = 0x05;
        assert_int_equal(eg_tlv_parse(buf, 6 + 5, &t), 0);
        assert_int_equal(t.length, 5);
        assert_int_equal(t.header_length, 6);

        /* Non-minimal but valid BER: 81 05 */
        const uint8_t nm[] = { 0x04, 0x81, 0x05, 1, 2, 3, 4, 5 };
        assert_int_equal(eg_tlv_parse(nm, sizeof(nm), &t), 0);
        assert_int_equal(t.length, 5);
}

static void test_multibyte_tags(void **state) {
        struct eg_tlv t;

        const uint8_t two[] = { 0x5F, 0x1F, 0x01, 'X' };
        assert_int_equal(eg_tlv_parse(two, sizeof(two), &t), 0);
        assert_int_equal(t.tag, 0x5F1F);
        assert_false(t.constructed);
        assert_int_equal(t.header_length, 3);

        const uint8_t low[] = { 0x5F, 0x01, 0x00 }; /* ICAO's LDS version tag */
        assert_int_equal(eg_tlv_parse(low, sizeof(low), &t), 0);
        assert_int_equal(t.tag, 0x5F01);

        const uint8_t cons[] = { 0x7F, 0x61, 0x00 };
        assert_int_equal(eg_tlv_parse(cons, sizeof(cons), &t), 0);
        assert_int_equal(t.tag, 0x7F61);
        assert_true(t.constructed);

        const uint8_t three[] = { 0x5F, 0x81, 0x01, 0x00 };
        assert_int_equal(eg_tlv_parse(three, sizeof(three), &t), 0);
        assert_int_equal(t.tag, 0x5F8101);
        assert_int_equal(t.header_length, 4);

        /* Four tag bytes: refused. */
        const uint8_t four[] = { 0x5F, 0x81, 0x81, 0x01, 0x00 };
        assert_int_equal(eg_tlv_parse(four, sizeof(four), &t), -EBADMSG);

        /* Leading zero group in the tag number: refused. */
        const uint8_t lead[] = { 0x5F, 0x80, 0x01, 0x00 };
        assert_int_equal(eg_tlv_parse(lead, sizeof(lead), &t), -EBADMSG);

        /* Padding bytes are not tags. */
        const uint8_t pad0[] = { 0x00, 0x00 };
        const uint8_t padf[] = { 0xFF, 0x00 };
        assert_int_equal(eg_tlv_parse(pad0, sizeof(pad0), &t), -EBADMSG);
        assert_int_equal(eg_tlv_parse(padf, sizeof(padf), &t), -EBADMSG);
}

static void test_truncated(void **state) {
        struct eg_tlv t;

        assert_int_equal(eg_tlv_parse((const uint8_t *) "", 0, &t), -EBADMSG);

        const uint8_t tag_only[] = { 0x04 };
        assert_int_equal(eg_tlv_parse(tag_only, sizeof(tag_only), &t), -EBADMSG);

        const uint8_t tag_cut[] = { 0x5F };
        assert_int_equal(eg_tlv_parse(tag_cut, sizeof(tag_cut), &t), -EBADMSG);

        const uint8_t tag3_cut[] = { 0x5F, 0x81 };
        assert_int_equal(eg_tlv_parse(tag3_cut, sizeof(tag3_cut), &t), -EBADMSG);

        const uint8_t len_cut[] = { 0x04, 0x82, 0x01 };
        assert_int_equal(eg_tlv_parse(len_cut, sizeof(len_cut), &t), -EBADMSG);

        const uint8_t val_cut[] = { 0x04, 0x03, 0x01, 0x02 };
        assert_int_equal(eg_tlv_parse(val_cut, sizeof(val_cut), &t), -EBADMSG);
        assert_int_equal(eg_tlv_parse(val_cut, sizeof(val_cut) + 1 - 1, &t), -EBADMSG);

        /* Every proper prefix of a valid element is refused. */
        const uint8_t ok[] = { 0x7F, 0x61, 0x82, 0x00, 0x03, 0x02, 0x01, 0x01 };
        for (size_t n = 0; n < sizeof(ok); n++)
                assert_int_equal(eg_tlv_parse(ok, n, &t), -EBADMSG);
        assert_int_equal(eg_tlv_parse(ok, sizeof(ok), &t), 0);
}

static void test_refused_lengths(void **state) {
        struct eg_tlv t;

        const uint8_t indefinite[] = { 0x30, 0x80, 0x00, 0x00 };
        assert_int_equal(eg_tlv_parse(indefinite, sizeof(indefinite), &t), -EBADMSG);

        const uint8_t five[] = { 0x04, 0x85, 0, 0, 0, 0, 1, 0xAA };
        assert_int_equal(eg_tlv_parse(five, sizeof(five), &t), -EBADMSG);

        const uint8_t big[] = { 0x04, 0xFF, 0, 0 };
        assert_int_equal(eg_tlv_parse(big, sizeof(big), &t), -EBADMSG);

        const uint8_t overflow[] = { 0x04, 0x84, 0xFF, 0xFF, 0xFF, 0xFF, 0x00 };
        assert_int_equal(eg_tlv_parse(overflow, sizeof(overflow), &t), -EBADMSG);

        const uint8_t almost[] = { 0x04, 0x84, 0xFF, 0xFF, 0xFF, 0xF9, 0x00 };
        assert_int_equal(eg_tlv_parse(almost, sizeof(almost), &t), -EBADMSG);
}

static void test_next_and_nesting(void **state) {
        /* 7F61 { 02 01 02, 7F60 { A1 00 }, 7F60 { A1 01 AA } } */
        const uint8_t buf[] = { 0x7F, 0x61, 0x0E, 0x02, 0x01, 0x02, 0x7F, 0x60, 0x02,
                                0xA1, 0x00, 0x7F, 0x60, 0x03, 0xA1, 0x01, 0xAA };
        struct eg_tlv outer, t, inner;
        size_t off = 0;

        assert_int_equal(eg_tlv_parse(buf, sizeof(buf), &outer), 0);
        assert_true(outer.constructed);
        assert_int_equal(outer.length, sizeof(buf) - 3);

        assert_int_equal(eg_tlv_next(outer.value, outer.length, &off, &t), 1);
        assert_int_equal(t.tag, 0x02);
        assert_int_equal(t.value[0], 0x02);
        assert_int_equal(off, 3);

        assert_int_equal(eg_tlv_next(outer.value, outer.length, &off, &t), 1);
        assert_int_equal(t.tag, 0x7F60);
        assert_int_equal(eg_tlv_parse(t.value, t.length, &inner), 0);
        assert_int_equal(inner.tag, 0xA1);
        assert_int_equal(inner.length, 0);

        assert_int_equal(eg_tlv_next(outer.value, outer.length, &off, &t), 1);
        assert_int_equal(t.tag, 0x7F60);
        assert_int_equal(eg_tlv_find(t.value, t.length, 0xA1, &inner), 0);
        assert_int_equal(inner.length, 1);
        assert_int_equal(inner.value[0], 0xAA);

        assert_int_equal(eg_tlv_next(outer.value, outer.length, &off, &t), 0);
        assert_int_equal(off, outer.length);
        assert_int_equal(eg_tlv_next(outer.value, outer.length, &off, &t), 0);

        off = outer.length + 1;
        assert_int_equal(eg_tlv_next(outer.value, outer.length, &off, &t), -EBADMSG);

        /* An element whose value runs past its parent is refused. */
        const uint8_t bad[] = { 0x02, 0x01, 0x02, 0x04, 0x05, 0x00 };
        off = 0;
        assert_int_equal(eg_tlv_next(bad, sizeof(bad), &off, &t), 1);
        assert_int_equal(eg_tlv_next(bad, sizeof(bad), &off, &t), -EBADMSG);
}

static void test_find(void **state) {
        const uint8_t buf[] = { 0x5F, 0x01, 0x01, 'A', 0x5C, 0x02, 0x61, 0x75, 0x5C, 0x00 };
        struct eg_tlv t;

        assert_int_equal(eg_tlv_find(buf, sizeof(buf), 0x5C, &t), 0);
        assert_int_equal(t.length, 2); /* the first one */
        assert_int_equal(eg_tlv_find(buf, sizeof(buf), 0x5F01, &t), 0);
        assert_int_equal(t.value[0], 'A');
        assert_int_equal(eg_tlv_find(buf, sizeof(buf), 0x5F36, &t), -ENOENT);
        assert_int_equal(eg_tlv_find(NULL, 0, 0x5F36, &t), -ENOENT);

        /* Malformed data after the match still fails the container. */
        const uint8_t tail[] = { 0x5C, 0x00, 0x04, 0x09 };
        assert_int_equal(eg_tlv_find(tail, sizeof(tail), 0x5C, &t), -EBADMSG);
}

static void test_parse_exact(void **state) {
        const uint8_t buf[] = { 0x04, 0x01, 0xAA, 0x00 };
        struct eg_tlv t;

        assert_int_equal(eg_tlv_parse_exact(buf, 3, &t), 0);
        assert_int_equal(eg_tlv_parse_exact(buf, 4, &t), -EBADMSG);
        assert_int_equal(eg_tlv_parse_exact(buf, 2, &t), -EBADMSG);
}

static void roundtrip(uint32_t tag, size_t length, int expect_size) {
        uint8_t hdr[7];
        struct eg_tlv t;

        int n = eg_tlv_encode_header(tag, length, hdr);
        assert_int_equal(n, expect_size);

        /* Parse the header alone with a fake buffer long enough. */
        size_t total = (size_t) n + length;
        uint8_t *buf = calloc(1, total ? total : 1);
        assert_non_null(buf);
        memcpy(buf, hdr, (size_t) n);
        assert_int_equal(eg_tlv_parse_exact(buf, total, &t), 0);
        assert_int_equal(t.tag, tag);
        assert_int_equal(t.length, length);
        assert_int_equal(t.header_length, (size_t) n);
        free(buf);
}

static void test_encode_roundtrip(void **state) {
        roundtrip(0x02, 0, 2);
        roundtrip(0x04, 0x7F, 2);
        roundtrip(0x04, 0x80, 3);
        roundtrip(0x04, 0xFF, 3);
        roundtrip(0x04, 0x100, 4);
        roundtrip(0x04, 0xFFFF, 4);
        roundtrip(0x04, 0x10000, 5);
        roundtrip(0x5F1F, 44, 3);
        roundtrip(0x7F61, 0x1234, 5);
        roundtrip(0x5F8101, 0x10000, 7);
        roundtrip(0x75, 0x1000000, 6);
}

static void test_encode_refused(void **state) {
        uint8_t hdr[7];

        assert_int_equal(eg_tlv_encode_header(0, 1, hdr), -EINVAL);
        assert_int_equal(eg_tlv_encode_header(0x5F, 1, hdr), -EINVAL); /* incomplete */
        assert_int_equal(eg_tlv_encode_header(0x6101, 1, hdr), -EINVAL); /* not multi-byte */
        assert_int_equal(eg_tlv_encode_header(0x5F81, 1, hdr), -EINVAL); /* continues */
        assert_int_equal(eg_tlv_encode_header(0x5F80, 1, hdr), -EINVAL); /* leading zero */
        assert_int_equal(eg_tlv_encode_header(0xFF, 1, hdr), -EINVAL);
        assert_int_equal(eg_tlv_encode_header(0x1000000, 1, hdr), -EINVAL);
        /* 3-byte tag + 4-byte length = 8 bytes: over the 7-byte promise. */
        assert_int_equal(eg_tlv_encode_header(0x5F8101, 0x1000000, hdr), -EINVAL);
#if SIZE_MAX > UINT32_MAX
        assert_int_equal(eg_tlv_encode_header(0x04, (size_t) UINT32_MAX + 1, hdr), -EINVAL);
#endif
}

static void test_parse_tag_and_header(void **state) {
        uint32_t tag;
        size_t n, header, length;

        assert_int_equal(eg_tlv_parse_tag((const uint8_t[]){ 0x5F, 0x0E, 0x5F }, 3, &tag, &n), 0);
        assert_int_equal(tag, 0x5F0E);
        assert_int_equal(n, 2);
        assert_int_equal(eg_tlv_parse_tag((const uint8_t[]){ 0x5F }, 1, &tag, &n), -EBADMSG);
        assert_int_equal(eg_tlv_parse_tag((const uint8_t[]){ 0x00 }, 1, &tag, &n), -EBADMSG);
        assert_int_equal(eg_tlv_parse_tag(NULL, 0, &tag, &n), -EBADMSG);

        /* A reader learns the file size from the first bytes only. */
        const uint8_t first[] = { 0x75, 0x82, 0x5A, 0x10, 0x7F, 0x61 };
        assert_int_equal(eg_tlv_parse_header(first, sizeof(first), &tag, &header, &length), 0);
        assert_int_equal(tag, 0x75);
        assert_int_equal(header, 4);
        assert_int_equal(length, 0x5A10);
        assert_int_equal(eg_tlv_parse_header(first, 3, &tag, &header, &length), -EBADMSG);
        assert_int_equal(eg_tlv_parse_header(first, 4, &tag, &header, &length), 0);

        const uint8_t huge[] = { 0x75, 0x84, 0xFF, 0xFF, 0xFF, 0xFF };
        assert_int_equal(eg_tlv_parse_header(huge, sizeof(huge), &tag, &header, &length), 0);
        assert_int_equal(length, 0xFFFFFFFFu);
        const uint8_t indefinite[] = { 0x75, 0x80 };
        assert_int_equal(eg_tlv_parse_header(indefinite, 2, &tag, &header, &length), -EBADMSG);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_short_form),
                cmocka_unit_test(test_zero_length),
                cmocka_unit_test(test_long_forms),
                cmocka_unit_test(test_multibyte_tags),
                cmocka_unit_test(test_truncated),
                cmocka_unit_test(test_refused_lengths),
                cmocka_unit_test(test_next_and_nesting),
                cmocka_unit_test(test_find),
                cmocka_unit_test(test_parse_exact),
                cmocka_unit_test(test_encode_roundtrip),
                cmocka_unit_test(test_encode_refused),
                cmocka_unit_test(test_parse_tag_and_header),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
