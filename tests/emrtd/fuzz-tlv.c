/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: BER-TLV.  Walks the input recursively (bounded depth)
 * and traps when an element points outside its parent or a header does not
 * re-encode to the same tag and length. */

#include <stdint.h>
#include <string.h>

#include "emrtd/tlv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void walk(const uint8_t *buf, size_t len, unsigned depth) {
        struct eg_tlv t;
        size_t off = 0;
        int r;

        while ((r = eg_tlv_next(buf, len, &off, &t)) > 0) {
                if (t.value < buf || t.length > len || (size_t) (t.value - buf) > len - t.length ||
                    off > len || t.header_length < 2 || t.header_length > 8)
                        __builtin_trap();

                uint8_t h[7];
                int n = eg_tlv_encode_header(t.tag, t.length, h);
                if (n > 0) {
                        uint32_t tag;
                        size_t hl, l;
                        if (eg_tlv_parse_header(h, (size_t) n, &tag, &hl, &l) < 0 || tag != t.tag ||
                            l != t.length || hl != (size_t) n)
                                __builtin_trap();
                }

                if (t.constructed && depth < 64)
                        walk(t.value, t.length, depth + 1);
        }
        if (r == 0 && off != len)
                __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct eg_tlv t;
        uint32_t tag;
        size_t a, b;

        walk(data, size, 0);

        if (eg_tlv_parse(data, size, &t) == 0) {
                if (eg_tlv_parse_header(data, size, &tag, &a, &b) < 0 || tag != t.tag ||
                    a != t.header_length || b != t.length)
                        __builtin_trap();
                (void) eg_tlv_find(data, size, t.tag, &t);
                if (eg_tlv_parse_exact(data, size, &t) == 0 && t.header_length + t.length != size)
                        __builtin_trap();
        }
        (void) eg_tlv_parse_tag(data, size, &tag, &a);
        return 0;
}
