/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for the external registry's answer line (registry-external.c, through
 * eg_registry_external_answer(): the envelope, the member parsed by registry-json.c, and
 * whether the member answers the question).  The first byte picks the question, the rest
 * is the line ('@': lookup() of KOR M12345678; '#': lookup_holder() of D<< 1980-01-31):
 *   bit 0     lookup_holder() (birth date) instead of lookup() (document number)
 *   bits 1-2  the issuing state      bits 3-4  the document number
 *   bits 5-6  the birth date
 * Every log message goes to a capture, never to stdout or stderr, and is checked there.
 *   ./build-fuzz/tests/registry/fuzz-registry-answer -max_total_time=60 \
 *       -dict=tests/registry/fuzz-import.dict /tmp/corpus tests/registry/seeds/fuzz-registry-answer
 * Without -Dfuzzing the same entry point is built with a main() that replays the files
 * named on the command line and all their prefixes (in the suite).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "fuzz-log-oracle.h"
#include "log.h"
#include "registry/registry-external-internal.h"
#include "registry/registry-json.h"

#define SOCKET_PATH "/run/egate/registry-bridge.sock"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const states[] = { "KOR", "D<<", "GBR", "UTO" };
static const char *const documents[] = { "M12345678", "C01X00T47", "123456789", "L898902C3" };
static const struct eg_date births[] = {
        { 1955, 6, 30 },
        { 1980, 1, 31 },
        { 1974, 8, 12 },
        { 2000, 2, 29 },
};

static const struct eg_registry_external_question *current;

/* Every message the backend logs: nothing of the question, and the bridge's own message
 * only when it is screened. */
static int capture(const struct iovec *iov, int n) {
        char text[FUZZ_LOG_TEXT_MAX], date[11];

        fuzz_log_text(iov, n, text);
        if (!current)
                return 0;
        if (!current->by_holder && strcasestr(text, current->document_number))
                __builtin_trap();
        if (current->by_holder && eg_date_format_iso(&current->birth_date, date) >= 0 &&
            strstr(text, date))
                __builtin_trap();
        fuzz_log_check_shown(text, "the registry is unavailable: ");
        return 0;
}

static void check_member(const struct eg_registry_external_question *q, const struct eg_member *m) {
        bool answers = false;

        if (!eg_member_id_is_valid(m->id) || !eg_member_status_to_string(m->status) ||
            !eg_date_is_valid(&m->birth_date) || m->n_passports == 0 ||
            m->n_passports > EG_REGISTRY_PASSPORTS_MAX || m->n_fingers > EG_REGISTRY_FINGERS_MAX ||
            (m->face == NULL) != (m->face_mime == NULL))
                __builtin_trap();
        /* The member answers the question asked, and no other; a holder comes without
         * biometrics. */
        if (q->by_holder && (eg_date_compare(&m->birth_date, &q->birth_date) != 0 ||
                             m->n_fingers > 0 || m->face || m->face_mime))
                __builtin_trap();
        for (size_t i = 0; i < m->n_passports; i++)
                if (streq(m->passports[i].issuing_state, q->issuing_state) &&
                    (q->by_holder || streq(m->passports[i].document_number, q->document_number)))
                        answers = true;
        if (!answers)
                __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const struct eg_date today = { 2026, 3, 1 };
        static bool initialised;
        struct eg_registry_external_question q = {};
        struct eg_member *m = NULL;
        int r;

        if (!initialised) {
                /* Into the capture, never stdout or stderr; not debug (the member's id). */
                log_set_journal_sendv(capture);
                log_setup(EG_LOG_TARGET_JOURNAL);
                log_set_max_level(LOG_INFO);
                initialised = true;
        }
        if (size < 1)
                return 0;
        q.by_holder = data[0] & 1;
        strcpy(q.issuing_state, states[(data[0] >> 1) & 3]);
        strcpy(q.document_number, documents[(data[0] >> 3) & 3]);
        q.birth_date = births[(data[0] >> 5) & 3];

        current = &q;
        r = eg_registry_external_answer(SOCKET_PATH, &q, (const char *) data + 1, size - 1, &today,
                                        &m);
        current = NULL;
        /* Found (with a member), not found or unavailable: nothing else. */
        if (r != 0 && r != -ENOENT && r != -EIO)
                __builtin_trap();
        if ((r == 0) != (m != NULL))
                __builtin_trap();
        if (m)
                check_member(&q, m);
        eg_member_free(m);
        return 0;
}
