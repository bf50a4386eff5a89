/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target: every LDS parser.  The raw input goes to each parser;
 * then, so that the fuzzer does not have to discover the outer layers by
 * itself, the first byte picks a parser and the rest is wrapped in that
 * file's template (and, for DG2, optionally in the full template chain down
 * to a 19794-5 or 39794-5 data block).  Returned slices must lie inside the
 * input.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "emrtd/lds.h"
#include "emrtd/tlv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct eg_date today = { 2026, 11, 27 };

static void check_slice(const uint8_t *buf, size_t len, const uint8_t *p, size_t n) {
        if (p < buf || n > len || (size_t) (p - buf) > len - n)
                __builtin_trap();
}

static void run_all(const uint8_t *buf, size_t len) {
        struct eg_lds_error err;
        struct eg_lds_com com;
        struct eg_mrz mrz;
        struct eg_lds_dg2 dg2;
        struct eg_lds_elements el;
        struct eg_lds_slice s;
        uint32_t mask;

        (void) eg_lds_parse_com(buf, len, &com, &err);
        (void) eg_lds_parse_tag_list(buf, len, &mask, &err);
        (void) eg_lds_parse_dg1(buf, len, &today, &mrz, &err);

        if (eg_lds_parse_dg2(buf, len, &dg2, &err) == 0) {
                if (dg2.n_images == 0 || dg2.n_images > EG_LDS_DG2_MAX_IMAGES)
                        __builtin_trap();
                for (size_t i = 0; i < dg2.n_images; i++)
                        check_slice(buf, len, dg2.images[i].data, dg2.images[i].length);
        } else if (err.code == EG_LDS_OK)
                __builtin_trap();

        if (eg_lds_parse_dg11(buf, len, &el, &err) == 0 ||
            eg_lds_parse_dg12(buf, len, &el, &err) == 0) {
                check_slice(buf, len, el.tag_list.data, el.tag_list.length);
                for (size_t i = 0; i < el.n_elements; i++)
                        check_slice(buf, len, el.elements[i].value, el.elements[i].length);
        }

        if (eg_lds_parse_dg14(buf, len, &s, &err) == 0)
                check_slice(buf, len, s.data, s.length);
        if (eg_lds_parse_dg15(buf, len, &s, &err) == 0)
                check_slice(buf, len, s.data, s.length);
        if (eg_lds_parse_sod(buf, len, &s, &err) == 0)
                check_slice(buf, len, s.data, s.length);
}

/* Write tag+length for `length` in front of the region ending at *pos. */
static bool prepend(uint8_t *out, size_t *pos, uint32_t tag, size_t length) {
        uint8_t h[7];
        int n = eg_tlv_encode_header(tag, length, h);
        if (n < 0 || (size_t) n > *pos)
                return false;
        *pos -= (size_t) n;
        memcpy(out + *pos, h, (size_t) n);
        return true;
}

static void run_wrapped(uint8_t selector, const uint8_t *body, size_t n) {
        static const uint32_t outer[] = { 0x60, 0x61, 0x75, 0x6B, 0x6C, 0x6E, 0x6F, 0x77 };
        const size_t slack = 64;
        uint8_t *out = malloc(n + slack);
        size_t pos = slack;

        if (!out)
                return;
        memcpy(out + slack, body, n);

        bool ok = true;
        uint32_t tag = outer[selector % 8];
        if (tag == 0x75 && (selector & 0x08)) {
                /* 75 { 7F61 { 02 01 01, 7F60 { A1 {}, 5F2E|7F2E { body } } } } */
                uint32_t bdb = (selector & 0x10) ? 0x7F2E : 0x5F2E;
                size_t start = pos;
                ok = prepend(out, &pos, bdb, n);
                ok = ok && prepend(out, &pos, 0xA1, 0);
                ok = ok && prepend(out, &pos, 0x7F60, start + n - pos);
                const uint8_t count[] = { 0x02, 0x01, 0x01 };
                if (ok && pos >= sizeof(count)) {
                        pos -= sizeof(count);
                        memcpy(out + pos, count, sizeof(count));
                } else
                        ok = false;
                ok = ok && prepend(out, &pos, 0x7F61, start + n - pos);
        }
        size_t inner = slack + n - pos;
        ok = ok && prepend(out, &pos, tag, inner);

        if (ok) {
                /* Copy to an exact-size buffer so ASan sees any over-read. */
                size_t len = slack + n - pos;
                uint8_t *exact = malloc(len ? len : 1);
                if (exact) {
                        memcpy(exact, out + pos, len);
                        run_all(exact, len);
                        free(exact);
                }
        }
        free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (size > 1 << 20)
                return 0;

        run_all(data, size);
        if (size >= 1)
                run_wrapped(data[0], data + 1, size - 1);
        return 0;
}
