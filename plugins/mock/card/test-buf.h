/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A growing byte buffer with BER-TLV helpers, to build test chip data
 * (LDS files, DER structures) independently of the parsers under test.
 * Allocation failure aborts: this is test code.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct test_buf {
        uint8_t *data;
        size_t len;
        size_t cap;
};

void test_buf_append(struct test_buf *b, const void *data, size_t len);
void test_buf_byte(struct test_buf *b, uint8_t v);
/* tag + definite length + value. */
void test_buf_tlv(struct test_buf *b, uint32_t tag, const void *value, size_t len);
/* tag + length around another buffer's contents. */
void test_buf_wrap(struct test_buf *b, uint32_t tag, const struct test_buf *inner);
/* DER OBJECT IDENTIFIER from dotted text, DER INTEGER from a small number. */
void test_buf_oid(struct test_buf *b, const char *dotted);
void test_buf_int(struct test_buf *b, long v);
/* Hand the bytes over (the buffer is emptied). */
uint8_t *test_buf_steal(struct test_buf *b, size_t *ret_len);
void test_buf_free(struct test_buf *b);
