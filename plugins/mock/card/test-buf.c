/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <openssl/asn1.h>
#include <openssl/objects.h>
#include <stdlib.h>
#include <string.h>

#include "emrtd/tlv.h"
#include "test-buf.h"

void test_buf_append(struct test_buf *b, const void *data, size_t len) {
        if (b->len + len > b->cap) {
                size_t cap = (b->len + len) * 2 + 64;
                b->data = realloc(b->data, cap);
                if (!b->data)
                        abort();
                b->cap = cap;
        }
        if (len > 0)
                memcpy(b->data + b->len, data, len);
        b->len += len;
}

void test_buf_byte(struct test_buf *b, uint8_t v) {
        test_buf_append(b, &v, 1);
}

void test_buf_tlv(struct test_buf *b, uint32_t tag, const void *value, size_t len) {
        uint8_t h[7];
        int n = eg_tlv_encode_header(tag, len, h);

        if (n < 0)
                abort();
        test_buf_append(b, h, (size_t) n);
        test_buf_append(b, value, len);
}

void test_buf_wrap(struct test_buf *b, uint32_t tag, const struct test_buf *inner) {
        test_buf_tlv(b, tag, inner->data, inner->len);
}

void test_buf_oid(struct test_buf *b, const char *dotted) {
        ASN1_OBJECT *o = OBJ_txt2obj(dotted, 1);

        if (!o)
                abort();
        test_buf_tlv(b, 0x06, OBJ_get0_data(o), OBJ_length(o));
        ASN1_OBJECT_free(o);
}

void test_buf_int(struct test_buf *b, long v) {
        uint8_t tmp[9];
        size_t n = 0;

        if (v < 0)
                abort();
        do {
                tmp[sizeof(tmp) - 1 - n++] = (uint8_t) v;
                v >>= 8;
        } while (v > 0);
        if (tmp[sizeof(tmp) - n] & 0x80)
                tmp[sizeof(tmp) - 1 - n++] = 0; /* keep it positive */
        test_buf_tlv(b, 0x02, tmp + sizeof(tmp) - n, n);
}

uint8_t *test_buf_steal(struct test_buf *b, size_t *ret_len) {
        uint8_t *d = b->data;

        if (ret_len)
                *ret_len = b->len;
        *b = (struct test_buf){};
        return d;
}

void test_buf_free(struct test_buf *b) {
        free(b->data);
        *b = (struct test_buf){};
}
