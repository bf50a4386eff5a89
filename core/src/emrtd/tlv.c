/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Strict BER-TLV reader/writer for the eMRTD layer.
 *
 * The input comes from a chip we do not trust, so every length is compared
 * against what is left of the buffer before it is used, and arithmetic is
 * done on "remaining" counts so that a 0x84 FFFFFFFF length can never wrap
 * an offset.
 *
 * Choices (ISO/IEC 7816-4 §5.2 and X.690 where they agree):
 *   - a first tag byte of 0x00 or 0xFF is padding, not a tag: refused;
 *   - in multi-byte tags the first subsequent byte may not be 0x80 (that
 *     would be a leading zero group); tag numbers below 31 in two-byte form
 *     are accepted because ICAO uses them (5F01, 5F02, ...);
 *   - tags longer than 3 bytes are refused;
 *   - indefinite length (0x80) and length fields over 4 bytes (0x85+) are
 *     refused; non-minimal long-form lengths (e.g. 81 05) are valid BER and
 *     accepted, they cannot make the value boundary ambiguous.
 */

#include <errno.h>

#include "tlv.h"

static int parse_tag(const uint8_t *buf, size_t len, uint32_t *ret_tag, size_t *ret_n) {
        if (len < 1)
                return -EBADMSG;
        if (buf[0] == 0x00 || buf[0] == 0xFF)
                return -EBADMSG;

        uint32_t tag = buf[0];
        size_t n = 1;

        if ((buf[0] & 0x1F) == 0x1F) {
                /* Subsequent bytes: bit 8 set means "another byte follows". */
                for (;;) {
                        if (n >= len || n >= 3)
                                return -EBADMSG;
                        uint8_t b = buf[n];
                        if (n == 1 && b == 0x80)
                                return -EBADMSG;
                        tag = (tag << 8) | b;
                        n++;
                        if (!(b & 0x80))
                                break;
                }
        }

        *ret_tag = tag;
        *ret_n = n;
        return 0;
}

static int parse_length(const uint8_t *buf, size_t len, size_t *ret_length, size_t *ret_n) {
        if (len < 1)
                return -EBADMSG;

        uint8_t first = buf[0];
        if (first < 0x80) {
                *ret_length = first;
                *ret_n = 1;
                return 0;
        }

        size_t count = first & 0x7F;
        if (count == 0 || count > 4) /* indefinite, or more than 32 bits */
                return -EBADMSG;
        if (count > len - 1)
                return -EBADMSG;

        uint32_t v = 0; /* count <= 4, and size_t is at least 32 bits */
        for (size_t i = 0; i < count; i++)
                v = (v << 8) | buf[1 + i];

        *ret_length = (size_t) v;
        *ret_n = 1 + count;
        return 0;
}

int eg_tlv_parse(const uint8_t *buf, size_t len, struct eg_tlv *ret) {
        uint32_t tag;
        size_t tag_n, length, length_n;
        int r;

        if (!buf || !ret)
                return -EBADMSG;

        r = parse_tag(buf, len, &tag, &tag_n);
        if (r < 0)
                return r;

        r = parse_length(buf + tag_n, len - tag_n, &length, &length_n);
        if (r < 0)
                return r;

        size_t header = tag_n + length_n;
        if (length > len - header)
                return -EBADMSG;

        *ret = (struct eg_tlv){
                .tag = tag,
                .constructed = (buf[0] & 0x20) != 0,
                .value = buf + header,
                .length = length,
                .header_length = header,
        };
        return 0;
}

int eg_tlv_next(const uint8_t *buf, size_t len, size_t *offset, struct eg_tlv *ret) {
        struct eg_tlv t;
        int r;

        if (!offset || !ret || *offset > len)
                return -EBADMSG;
        if (*offset == len)
                return 0;
        if (!buf)
                return -EBADMSG;

        r = eg_tlv_parse(buf + *offset, len - *offset, &t);
        if (r < 0)
                return r;

        *offset += t.header_length + t.length;
        *ret = t;
        return 1;
}

int eg_tlv_find(const uint8_t *buf, size_t len, uint32_t tag, struct eg_tlv *ret) {
        struct eg_tlv t, found = {};
        bool have = false;
        size_t offset = 0;
        int r;

        /* Walk the whole sequence even after a match: a malformed element
         * anywhere means the container is malformed. */
        while ((r = eg_tlv_next(buf, len, &offset, &t)) > 0)
                if (!have && t.tag == tag) {
                        found = t;
                        have = true;
                }
        if (r < 0)
                return r;
        if (!have)
                return -ENOENT;

        if (ret)
                *ret = found;
        return 0;
}

int eg_tlv_parse_exact(const uint8_t *buf, size_t len, struct eg_tlv *ret) {
        struct eg_tlv t;
        int r;

        r = eg_tlv_parse(buf, len, &t);
        if (r < 0)
                return r;
        if (t.header_length + t.length != len)
                return -EBADMSG;

        *ret = t;
        return 0;
}

static size_t tag_size(uint32_t tag) {
        return tag > 0xFFFF ? 3 : tag > 0xFF ? 2 : 1;
}

int eg_tlv_encode_header(uint32_t tag, size_t length, uint8_t out[static 7]) {
        uint8_t buf[8];
        size_t n = 0;

        if (tag == 0 || tag > 0xFFFFFF || !out)
                return -EINVAL;

        size_t tn = tag_size(tag);
        for (size_t i = tn; i > 0; i--)
                buf[n++] = (uint8_t) (tag >> (8 * (i - 1)));

        /* The tag must be well formed on its own: re-read it and insist on
         * consuming exactly the bytes we wrote. */
        uint32_t check;
        size_t check_n;
        if (parse_tag(buf, tn, &check, &check_n) < 0 || check_n != tn || check != tag)
                return -EINVAL;

        if (length < 0x80)
                buf[n++] = (uint8_t) length;
        else {
                size_t ln = length > 0xFFFFFF ? 4 : length > 0xFFFF ? 3 : length > 0xFF ? 2 : 1;
                if ((uint64_t) length > UINT32_MAX)
                        return -EINVAL;
                buf[n++] = (uint8_t) (0x80 | ln);
                for (size_t i = ln; i > 0; i--)
                        buf[n++] = (uint8_t) (length >> (8 * (i - 1)));
        }

        /* A 3-byte tag with a 4-byte length would need 8 bytes; the API
         * promises at most 7, and no LDS object comes near 16 MiB. */
        if (n > 7)
                return -EINVAL;

        for (size_t i = 0; i < n; i++)
                out[i] = buf[i];
        return (int) n;
}

int eg_tlv_parse_tag(const uint8_t *buf, size_t len, uint32_t *ret_tag, size_t *ret_size) {
        uint32_t tag;
        size_t n;
        int r;

        if (!buf || !ret_tag || !ret_size)
                return -EBADMSG;
        r = parse_tag(buf, len, &tag, &n);
        if (r < 0)
                return r;

        *ret_tag = tag;
        *ret_size = n;
        return 0;
}

int eg_tlv_parse_header(const uint8_t *buf, size_t len, uint32_t *ret_tag,
                        size_t *ret_header_length, size_t *ret_length) {
        uint32_t tag;
        size_t tag_n, length, length_n;
        int r;

        if (!buf || !ret_tag || !ret_header_length || !ret_length)
                return -EBADMSG;

        r = parse_tag(buf, len, &tag, &tag_n);
        if (r < 0)
                return r;
        r = parse_length(buf + tag_n, len - tag_n, &length, &length_n);
        if (r < 0)
                return r;
        if (length > SIZE_MAX - tag_n - length_n) /* header + value must be representable */
                return -EBADMSG;

        *ret_tag = tag;
        *ret_header_length = tag_n + length_n;
        *ret_length = length;
        return 0;
}
