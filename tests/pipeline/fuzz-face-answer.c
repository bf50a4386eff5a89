/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for the external face comparator's answer (face-answer.c, through
 * eg_face_answer_parse(): the six results, the strict envelope, the score's and the
 * count of faces' ranges, a field given twice and the screening of an "unavailable"
 * message).  The whole input is the answer line.
 * Nothing is logged by the parser; what it hands the log (note.problem, note.message) is
 * checked here.
 *   ./build-fuzz/tests/pipeline/fuzz-face-answer -max_total_time=60 \
 *       /tmp/corpus tests/pipeline/seeds/fuzz-face-answer
 * Without -Dfuzzing the same entry point is built with a main() that replays the files
 * named on the command line and all their prefixes (in the suite).
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/face-answer.h"
#include "pipeline/face-matcher.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Printable ASCII, NUL-terminated within its buffer. */
static bool is_printable(const char *s, size_t size) {
        size_t len = strnlen(s, size);

        if (len == size)
                return false;
        for (size_t i = 0; i < len; i++)
                if ((unsigned char) s[i] < 0x20 || (unsigned char) s[i] > 0x7e)
                        return false;
        return true;
}

static int parse(const char *line, size_t len, struct eg_face_answer_note *note, double *score,
                 uint32_t *faces) {
        int r;

        memset(note, 0xa5, sizeof(*note)); /* the parser must set all of it */
        r = eg_face_answer_parse(line, len, note, score, faces);
        if (!is_printable(note->problem, sizeof(note->problem)) ||
            !is_printable(note->message, sizeof(note->message)))
                __builtin_trap();
        return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        const char *line = (const char *) data;
        struct eg_face_answer_note note, again_note;
        double score = -1234, again = -1234;
        uint32_t faces = 1234, again_faces = 1234;
        const char *brace;
        int r, r2;
        char *more;

        r = parse(line, size, &note, &score, &faces);
        /* A count of faces only from a "several-faces" answer, a score only from "scored". */
        if ((r != -ETOOMANYREFS && faces != 1234) || (r != 0 && score != -1234))
                __builtin_trap();
        switch (r) {
        case 0:
                /* A score only from a whole, exact answer: finite, within 0..100. */
                if (!isfinite(score) || score < 0 || score > 100 || note.problem[0] != '\0')
                        __builtin_trap();
                break;
        case -ETOOMANYREFS:
                /* Several faces: at least two, never more than a frame can hold. */
                if (faces < 2 || faces > EG_FACE_MATCH_FACES_MAX || note.problem[0] != '\0')
                        __builtin_trap();
                break;
        case -ENOMSG:
        case -EINVAL:
        case -EHOSTDOWN:
        case -EACCES:
                if (note.problem[0] != '\0')
                        __builtin_trap();
                break;
        case -EBADMSG:
                /* Refused: it says why, and hands nothing of the bridge's text on. */
                if (note.problem[0] == '\0' || note.message[0] != '\0' || note.withheld)
                        __builtin_trap();
                break;
        case -ENOMEM:
                return 0;
        default:
                __builtin_trap();
        }
        /* Only "unavailable" brings a message, short and screened. */
        if (r != -EHOSTDOWN && (note.message[0] != '\0' || note.withheld))
                __builtin_trap();
        if (strlen(note.message) > EG_FACE_ANSWER_MESSAGE_MAX)
                __builtin_trap();

        /* The same line judged twice is judged alike. */
        r2 = parse(line, size, &again_note, &again, &again_faces);
        if (r2 != r || memcmp(&note, &again_note, sizeof(note)) != 0 ||
            (r == 0 && again != score) || (r == -ETOOMANYREFS && again_faces != faces))
                __builtin_trap();

        /* An accepted answer with one of its fields given again is not: json-c would keep
         * the last value and drop the first unseen. */
        brace = memchr(line, '{', size);
        if (r != -EBADMSG && r != -ENOMEM && brace) {
                size_t at = (size_t) (brace - line);

                more = malloc(size + 12);
                if (!more)
                        return 0;
                memcpy(more, line, at + 1);
                memcpy(more + at + 1, "\"version\":1,", 12);
                memcpy(more + at + 13, line + at + 1, size - at - 1);
                r2 = parse(more, size + 12, &again_note, &again, &again_faces);
                free(more);
                if (r2 != -EBADMSG && r2 != -ENOMEM)
                        __builtin_trap();
        }

        /* Junk after an accepted answer is never accepted. */
        if (r != -EBADMSG && r != -ENOMEM) {
                more = malloc(size + 2);
                if (!more)
                        return 0;
                memcpy(more, line, size);
                memcpy(more + size, " x", 2);
                r2 = parse(more, size + 2, &again_note, &again, &again_faces);
                free(more);
                if (r2 != -EBADMSG && r2 != -ENOMEM)
                        __builtin_trap();
        }
        return 0;
}
