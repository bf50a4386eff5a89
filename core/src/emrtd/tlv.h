/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Strict BER-TLV (ISO/IEC 7816-4, as used by ICAO 9303 LDS and secure
 * messaging).  Every read is bounds-checked against the buffer; malformed
 * input gives -EBADMSG, never an out-of-bounds read.
 *
 * Tags are up to 3 bytes (e.g. 0x5F1F, 0x7F61), lengths definite, short or
 * long form up to 4 bytes (0x84); indefinite lengths are refused.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct eg_tlv {
        uint32_t tag; /* the tag bytes big-endian, e.g. 0x5F1F */
        bool constructed; /* bit 6 of the first tag byte */
        const uint8_t *value; /* points into the parsed buffer */
        size_t length;
        size_t header_length; /* tag + length bytes */
};

/* Parse one TLV at the start of buf.  Returns 0 and the element, or
 * -EBADMSG (malformed, or value running past the buffer). */
int eg_tlv_parse(const uint8_t *buf, size_t len, struct eg_tlv *ret);

/* Iterate over consecutive TLVs in buf: *offset starts at 0.  Returns 1 with
 * the next element, 0 at the end, -EBADMSG on malformed data. */
int eg_tlv_next(const uint8_t *buf, size_t len, size_t *offset, struct eg_tlv *ret);

/* Find the first element with `tag` among consecutive TLVs in buf (not
 * recursive).  Returns 0, -ENOENT, or -EBADMSG. */
int eg_tlv_find(const uint8_t *buf, size_t len, uint32_t tag, struct eg_tlv *ret);

/* Encode a tag and definite length for `length` into out (at most 7 bytes).
 * Returns the number of bytes written, or -EINVAL. */
int eg_tlv_encode_header(uint32_t tag, size_t length, uint8_t out[static 7]);

/* Like eg_tlv_parse(), but the element must span exactly len bytes (no
 * trailing data).  Returns 0 or -EBADMSG. */
int eg_tlv_parse_exact(const uint8_t *buf, size_t len, struct eg_tlv *ret);

/* Parse only a tag at the start of buf (e.g. the entries of a 5C tag list).
 * Returns 0 with the tag and the number of bytes it took, or -EBADMSG. */
int eg_tlv_parse_tag(const uint8_t *buf, size_t len, uint32_t *ret_tag, size_t *ret_size);

/* Parse only the tag and length at the start of buf, without requiring the
 * value to be present: how a reader learns a file's total size from its first
 * bytes (header_length + length).  Returns 0, or -EBADMSG if the header is
 * malformed or not complete within len. */
int eg_tlv_parse_header(const uint8_t *buf, size_t len, uint32_t *ret_tag,
                        size_t *ret_header_length, size_t *ret_length);
