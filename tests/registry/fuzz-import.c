/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for the registry's import format (registry-json.c): both
 * an import document and a single member (D-Bus Add).
 *   CC=clang meson setup build-fuzz -Dfuzzing=true -Db_sanitize=address,undefined -Db_lundef=false
 *   ./build-fuzz/tests/registry/fuzz-import -max_total_time=60 \
 *       -dict=tests/registry/fuzz-import.dict tests/registry/corpus
 * Without -Dfuzzing the same entry point is built with a main() that replays
 * the files named on the command line and all their prefixes (in the suite).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry/registry-json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_member(const struct eg_member *m) {
        /* What the parser promises about a member it accepts. */
        if (!eg_member_id_is_valid(m->id) || !eg_member_status_to_string(m->status) ||
            !eg_date_is_valid(&m->birth_date) || m->n_passports == 0 ||
            m->n_passports > EG_REGISTRY_PASSPORTS_MAX || m->n_fingers > EG_REGISTRY_FINGERS_MAX)
                abort();
        if (m->status != EG_MEMBER_CONDITIONAL && !m->has_enrolled)
                abort();
        for (size_t i = 0; i < m->n_passports; i++)
                if (strlen(m->passports[i].issuing_state) != 3 ||
                    !eg_document_number_is_valid(m->passports[i].document_number) ||
                    !eg_date_is_valid(&m->passports[i].expiry))
                        abort();
        for (size_t i = 0; i < m->n_fingers; i++)
                if (!eg_finger_position_to_string(m->fingers[i].position) ||
                    !eg_template_format_is_valid(m->fingers[i].format) || m->fingers[i].len == 0 ||
                    m->fingers[i].len > EG_REGISTRY_TEMPLATE_MAX)
                        abort();
        if ((m->face == NULL) != (m->face_mime == NULL))
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const struct eg_date today = { 2026, 3, 1 };
        struct eg_member_list l = {};
        struct eg_member *m = NULL;
        char *error = NULL;
        int r;

        r = eg_registry_json_parse_import((const char *) data, size, &today, &l, &error);
        /* Either members or an error that says where, never both, never neither. */
        if ((r >= 0) != (error == NULL) || (r >= 0 && l.n == 0) || (r < 0 && l.n != 0) ||
            (r == -EINVAL && (!error || !*error)))
                abort();
        for (size_t i = 0; i < l.n; i++)
                check_member(l.members[i]);
        eg_member_list_done(&l);
        free(error);
        error = NULL;

        r = eg_registry_json_parse_member((const char *) data, size, &today, &m, &error);
        if ((r >= 0) != (m != NULL) || (r >= 0) != (error == NULL))
                abort();
        if (m) {
                struct eg_member *c = eg_member_dup(m);
                char *shown;

                check_member(m);
                if (!c)
                        abort();
                shown = eg_registry_json_show(c, "2026-03-01T00:00:00Z", "2026-03-01T00:00:00Z",
                                              NULL, 0);
                if (!shown)
                        abort();
                free(shown);
                eg_member_free(c);
        }
        eg_member_free(m);
        free(error);
        return 0;
}
