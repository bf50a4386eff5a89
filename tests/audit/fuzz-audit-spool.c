/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for the audit spool's lines (audit-spool.c): what egated reads back from
 * audit.db.spool when the trail opens.  The whole input is one line, without its newline.
 * Oracle: the parser answers 0, -EBADMSG or -ENOMEM and nothing else; a line it accepts has
 * every column within its field and NUL-terminated, the required ones non-empty, a record
 * that is a JSON object; and writing the accepted columns and record out again gives a line
 * that reads back to the same.
 *   ./build-fuzz/tests/audit/fuzz-audit-spool -max_total_time=60 /tmp/corpus \
 *       tests/audit/seeds/fuzz-audit-spool
 * Without -Dfuzzing the same entry point is built with a main() that replays the files
 * named on the command line and all their prefixes (in the suite).
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit-spool.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_field(const char *field, size_t size, bool required) {
        size_t n = strnlen(field, size);

        if (n >= size || (required && n == 0))
                __builtin_trap();
}

static void check_record(const char *json) {
        json_object *o = json_tokener_parse(json);

        if (!o || !json_object_is_type(o, json_type_object))
                __builtin_trap();
        json_object_put(o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct eg_audit_columns c, again;
        char *line = malloc(size + 1), *json = NULL, *json_again = NULL, *out = NULL;
        int r;

        if (!line)
                return 0;
        memcpy(line, data, size);
        line[size] = '\0';
        r = eg_audit_spool_parse_line(line, &c, &json);
        if (r != 0 && r != -EBADMSG && r != -ENOMEM)
                __builtin_trap();
        if (r == 0) {
                check_field(c.transaction_id, sizeof(c.transaction_id), true);
                check_field(c.lane, sizeof(c.lane), true);
                check_field(c.decision, sizeof(c.decision), true);
                check_field(c.document_hash, sizeof(c.document_hash), false);
                check_field(c.member_id, sizeof(c.member_id), false);
                check_record(json);
                /* Out and back in: the same columns and record. */
                if (eg_audit_spool_format_line(&c, json, &out) == 0) {
                        size_t n = strlen(out);

                        if (n == 0 || out[n - 1] != '\n' || memchr(out, '\n', n - 1))
                                __builtin_trap();
                        out[n - 1] = '\0';
                        if (eg_audit_spool_parse_line(out, &again, &json_again) == 0 &&
                            (memcmp(&c, &again, sizeof(c)) != 0 || strcmp(json, json_again) != 0))
                                __builtin_trap();
                }
        }
        free(json_again);
        free(out);
        free(json);
        free(line);
        return 0;
}
