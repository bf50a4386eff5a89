/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for the audit spool's lines (audit-spool.c): what egated reads back from
 * audit.db.spool when the trail opens.  The whole input is one line, without its newline.
 * Oracle: the parser answers 0, -EBADMSG or -ENOMEM and nothing else; a line it accepts (a
 * record or a lane event) has every column within its field and NUL-terminated, the required
 * ones non-empty, a stored text that is a JSON object; and writing the accepted entry out
 * again gives a line that reads back to the same.
 *   ./build-fuzz/tests/audit/fuzz-audit-spool -max_total_time=60 /tmp/corpus \
 *       tests/audit/seeds/fuzz-audit-spool
 * Without -Dfuzzing the same entry point is built with a main() that replays the files
 * named on the command line and all their prefixes (in the suite).
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit-spool.h"
#include "macro.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_field(const char *field, size_t size, bool required) {
        size_t n = strnlen(field, size);

        if (n >= size || (required && n == 0))
                __builtin_trap();
}

static void check_object(const char *json) {
        json_object *o = json_tokener_parse(json);

        if (!o || !json_object_is_type(o, json_type_object))
                __builtin_trap();
        json_object_put(o);
}

static void check_entry(const struct eg_audit_spool_entry *e) {
        if (e->is_event) {
                check_field(e->event.lane, sizeof(e->event.lane), true);
                check_field(e->event.kind, sizeof(e->event.kind), true);
                check_field(e->event.transaction_id, sizeof(e->event.transaction_id), false);
        } else {
                check_field(e->record.transaction_id, sizeof(e->record.transaction_id), true);
                check_field(e->record.lane, sizeof(e->record.lane), true);
                check_field(e->record.decision, sizeof(e->record.decision), true);
                check_field(e->record.document_hash, sizeof(e->record.document_hash), false);
                check_field(e->record.member_id, sizeof(e->record.member_id), false);
        }
        check_object(e->json);
}

/* The fields a line carries, compared one by one (structs may have padding). */
static bool same_entry(const struct eg_audit_spool_entry *a, const struct eg_audit_spool_entry *b) {
        if (a->is_event != b->is_event || strcmp(a->json, b->json) != 0)
                return false;
        if (a->is_event)
                return streq(a->event.lane, b->event.lane) && streq(a->event.kind, b->event.kind) &&
                       streq(a->event.transaction_id, b->event.transaction_id) &&
                       a->event.time_usec == b->event.time_usec;
        return streq(a->record.transaction_id, b->record.transaction_id) &&
               streq(a->record.lane, b->record.lane) &&
               streq(a->record.decision, b->record.decision) &&
               streq(a->record.document_hash, b->record.document_hash) &&
               streq(a->record.member_id, b->record.member_id) &&
               a->record.start_usec == b->record.start_usec &&
               a->record.end_usec == b->record.end_usec;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct eg_audit_spool_entry e, again = {};
        char *line = malloc(size + 1), *out = NULL;
        int r;

        if (!line)
                return 0;
        memcpy(line, data, size);
        line[size] = '\0';
        r = eg_audit_spool_parse_line(line, &e);
        if (r != 0 && r != -EBADMSG && r != -ENOMEM)
                __builtin_trap();
        if (r != 0 && e.json)
                __builtin_trap(); /* a refused line leaves nothing to free */
        if (r == 0) {
                check_entry(&e);
                /* Out and back in: the same entry. */
                if (eg_audit_spool_format_line(&e, &out) == 0) {
                        size_t n = strlen(out);

                        if (n == 0 || out[n - 1] != '\n' || memchr(out, '\n', n - 1))
                                __builtin_trap();
                        out[n - 1] = '\0';
                        if (eg_audit_spool_parse_line(out, &again) == 0 && !same_entry(&e, &again))
                                __builtin_trap();
                }
        }
        free(again.json);
        free(out);
        free(e.json);
        free(line);
        return 0;
}
