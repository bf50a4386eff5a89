/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for the external background check's answer (background-external.c,
 * through eg_background_external_answer() and eg_background_external_answer_cut(): the
 * verdict, the "a hit stands" rules, a "result" given twice, and the screening of the
 * bridge's message).  The
 * first byte picks the question, the rest is the answer:
 *   bits 0-1  the document number    bits 2-3  the birth date (3: not known)
 * Every log message goes to a capture, never to stdout or stderr, and is checked there.
 *   ./build-fuzz/tests/pipeline/fuzz-background-answer -max_total_time=60 \
 *       /tmp/corpus tests/pipeline/seeds/fuzz-background-answer
 * Without -Dfuzzing the same entry point is built with a main() that replays the files
 * named on the command line and all their prefixes (in the suite).
 */
#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "backend/background-external-internal.h"
#include "fuzz-log-oracle.h"
#include "log.h"

#define SOCKET_PATH "/run/egate/background-bridge.sock"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const documents[] = { "C01X00T47", "L898902C3", "M12345678", "X4Y7Z2" };
static const char *const births[] = { "1980-01-31", "1974-08-12", "2000-02-29", "" };

static const struct eg_background_external_question *current;

/* Every message the backend logs: nothing of the question, and the bridge's own message
 * only when it is screened. */
static int capture(const struct iovec *iov, int n) {
        char text[FUZZ_LOG_TEXT_MAX];

        fuzz_log_text(iov, n, text);
        if (!current)
                return 0;
        if (strcasestr(text, current->document_number))
                __builtin_trap();
        if (current->birth_date[0] != '\0') {
                const char *b = current->birth_date;
                char yymmdd[7] = { b[2], b[3], b[5], b[6], b[8], b[9], '\0' };

                if (strstr(text, b) || strstr(text, yymmdd))
                        __builtin_trap();
        }
        fuzz_log_check_shown(text, "the background check is unavailable: ");
        return 0;
}

static bool is_hit(enum eg_background_verdict v) {
        return v == EG_BACKGROUND_WATCHLIST_HIT || v == EG_BACKGROUND_LOST_STOLEN;
}

/* line with `what` put in at byte `at`; NULL when out of memory. */
static char *inserted(const char *line, size_t len, size_t at, const char *what, size_t *ret_len) {
        size_t n = strlen(what);
        char *s = malloc(len + n);

        if (!s)
                return NULL;
        memcpy(s, line, at);
        memcpy(s + at, what, n);
        memcpy(s + at + n, line + at, len - at);
        *ret_len = len + n;
        return s;
}

/* A hit stands when the bridge names "clear" as well, before or after it: json-c keeps only
 * the last of a repeated key.  The object is the line's first '{', or ends at its last '}'
 * (what follows the object is junk, where the insertion is junk too). */
static void check_hit_repeated(const struct eg_background_external_question *q, const char *line,
                               size_t len, enum eg_background_verdict hit) {
        size_t first = 0, last = len, n;
        char *more;

        while (first < len && strchr(" \t\r", line[first]) && line[first] != '\0')
                first++;
        while (last > 0 && strchr(" \t\r", line[last - 1]) && line[last - 1] != '\0')
                last--;
        if (first < len && line[first] == '{') {
                more = inserted(line, len, first + 1, "\"result\":\"clear\",", &n);
                if (more && eg_background_external_answer(SOCKET_PATH, q, more, n) != hit)
                        __builtin_trap();
                free(more);
        }
        if (last > 0 && line[last - 1] == '}') {
                more = inserted(line, len, last - 1, ",\"result\":\"clear\"", &n);
                if (more && eg_background_external_answer(SOCKET_PATH, q, more, n) != hit)
                        __builtin_trap();
                free(more);
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static bool initialised;
        struct eg_background_external_question q = {};
        enum eg_background_verdict v, cut;
        const char *line;
        size_t len;

        if (!initialised) {
                /* Into the capture, never stdout or stderr. */
                log_set_journal_sendv(capture);
                log_setup(EG_LOG_TARGET_JOURNAL);
                log_set_max_level(LOG_INFO);
                initialised = true;
        }
        if (size < 1)
                return 0;
        strcpy(q.document_number, documents[data[0] & 3]);
        strcpy(q.birth_date, births[(data[0] >> 2) & 3]);
        line = (const char *) data + 1;
        len = size - 1;

        current = &q;
        v = eg_background_external_answer(SOCKET_PATH, &q, line, len);
        cut = eg_background_external_answer_cut(SOCKET_PATH, line, len);
        current = NULL;

        /* One of the four verdicts a bridge can give, never NOT_SUPPORTED. */
        if (v != EG_BACKGROUND_CLEAR && v != EG_BACKGROUND_WATCHLIST_HIT &&
            v != EG_BACKGROUND_LOST_STOLEN && v != EG_BACKGROUND_UNAVAILABLE)
                __builtin_trap();
        /* Cut short, only a hit counts, and it is the hit the whole line names. */
        if (cut != EG_BACKGROUND_UNAVAILABLE && (!is_hit(cut) || cut != v))
                __builtin_trap();
        /* A hit stands: cut short before a newline, it is the same hit... */
        if (is_hit(v) && cut != v)
                __builtin_trap();
        /* ... and beside a "clear" named too... */
        if (is_hit(v)) {
                current = &q;
                check_hit_repeated(&q, line, len, v);
                current = NULL;
        }
#if JSON_TOKENER_ALLOW_TRAILING_CHARS
        /* ... and with junk after it (json-c >= 0.15; older json-c refuses the junk). */
        if (is_hit(v)) {
                static const char junk[] = " {]\"x";
                char *more = malloc(len + sizeof(junk));

                if (!more)
                        return 0;
                memcpy(more, line, len);
                memcpy(more + len, junk, sizeof(junk) - 1);
                current = &q;
                if (eg_background_external_answer(SOCKET_PATH, &q, more, len + sizeof(junk) - 1) !=
                    v)
                        __builtin_trap();
                current = NULL;
                free(more);
        }
#endif
        return 0;
}
