/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target: EF.SOD (CMS SignedData around an LDSSecurityObject)
 * and DG14 SecurityInfos, the two DER structures a chip hands us before
 * anything about it is verified.  Input starting with 0x30 is wrapped in
 * tag 77 (and 6E) so the fuzzer reaches the DER parsers at once.  Traps
 * when a parsed SOD holds an impossible data group list.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "emrtd/security-infos.h"
#include "emrtd/sod.h"
#include "emrtd/tlv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void wrapped(uint32_t tag, const uint8_t *data, size_t size,
                    void (*fn)(const uint8_t *, size_t)) {
        uint8_t h[7], *buf;
        int n = eg_tlv_encode_header(tag, size, h);

        if (n < 0)
                return;
        buf = malloc((size_t) n + size);
        if (!buf)
                return;
        memcpy(buf, h, (size_t) n);
        memcpy(buf + n, data, size);
        fn(buf, (size_t) n + size);
        free(buf);
}

static void sod(const uint8_t *data, size_t size) {
        struct eg_sod *s = NULL;
        const char *reason = NULL;
        static const uint8_t dg[] = { 0x61, 0x00 };

        if (eg_sod_parse(data, size, &s, &reason) < 0) {
                if (!reason)
                        __builtin_trap();
                return;
        }
        if (s->dg_mask == 0 || (s->dg_mask & 1) || s->hash_len == 0 ||
            s->hash_len > sizeof(s->hash[0]))
                __builtin_trap();
        (void) eg_sod_verify_signature(s, &reason);
        for (unsigned i = 0; i <= EG_DG_MAX + 1; i++)
                (void) eg_sod_check_dg(s, i, dg, sizeof(dg));
        eg_sod_free(s);
}

static void dg14(const uint8_t *data, size_t size) {
        struct eg_security_infos si;

        if (eg_security_infos_parse_dg14(data, size, &si, NULL) == 0 && si.ca_oid_len > 16)
                __builtin_trap();
        eg_security_infos_done(&si);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (size > 0 && data[0] == 0x30) {
                wrapped(0x77, data, size, sod);
                return 0;
        }
        if (size > 0 && data[0] == 0x31) {
                wrapped(0x6E, data, size, dg14);
                return 0;
        }
        sod(data, size);
        dg14(data, size);
        return 0;
}
