/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared helpers of the LDS parsers: error reporting by file offset and
 * TLV walking that turns every failure into a precise eg_lds_error. */
#pragma once

#include "lds.h"
#include "macro.h"
#include "tlv.h"

struct lds_parser {
        const uint8_t *base; /* start of the file, for offsets */
        const char *file; /* "EF.COM", "DG2", ... */
        struct eg_lds_error *err;
};

_printf_(4, 5) int lds_fail(struct lds_parser *p, enum eg_lds_error_code code, const uint8_t *at,
                            const char *fmt, ...);

/* The file must be exactly one template with `tag`. */
int lds_open_template(struct lds_parser *p, const uint8_t *buf, size_t len, uint32_t tag,
                      struct eg_tlv *ret);

/* eg_tlv_next() over parent's value, reporting malformed data. */
int lds_next(struct lds_parser *p, const struct eg_tlv *parent, size_t *offset, struct eg_tlv *ret);

/* parent's value is exactly one element, with `tag`. */
int lds_single_child(struct lds_parser *p, const struct eg_tlv *parent, uint32_t tag,
                     struct eg_tlv *ret);

/* The next element of parent must exist and have `tag`. */
int lds_expect_next(struct lds_parser *p, const struct eg_tlv *parent, size_t *offset, uint32_t tag,
                    struct eg_tlv *ret);

/* No more elements in parent after offset. */
int lds_expect_end(struct lds_parser *p, const struct eg_tlv *parent, size_t offset);

/* Non-negative DER INTEGER value of 1..4 bytes, minimally encoded. */
int lds_integer(struct lds_parser *p, const struct eg_tlv *t, uint32_t *ret);

/* Header and value of t as one slice. */
static inline struct eg_lds_slice lds_whole(const struct eg_tlv *t) {
        return (struct eg_lds_slice){
                .data = t->value - t->header_length,
                .length = t->header_length + t->length,
        };
}
