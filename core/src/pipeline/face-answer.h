/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The external face comparator's answer line (docs/face.md), without a socket: what
 * face-external.c makes of the bridge's line, and what the fuzz target
 * (tests/pipeline/fuzz-face-answer.c) drives.  Not an interface for anything else.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EG_FACE_ANSWER_MESSAGE_MAX 128u /* bytes of an "unavailable" message we may log */

/* What the log may say about an answer.  A bridge's text reaches it only when screened
 * (bridge-answer.h); a field's name or value never does. */
struct eg_face_answer_note {
        char problem[128]; /* why the answer is refused; "" when it is not */
        char message[EG_FACE_ANSWER_MESSAGE_MAX + 1]; /* "unavailable": its reason, if loggable */
        bool withheld; /* "unavailable" gave a message that is not plainly loggable */
};

/*
 * One whole answer line (without its newline), judged strictly: exactly the fields of
 * one of the six answers, "version" 1, white space around the object and nothing else.
 *   0             "scored": *ret_score is the score, finite and within 0..100
 *   -ENOMSG       "no-face"
 *   -EINVAL       "unreadable"
 *   -EHOSTDOWN    "unavailable" (note->message or note->withheld)
 *   -EACCES       "presentation-attack": the SDK's PAD rejected the probe
 *   -ETOOMANYREFS "several-faces": *ret_faces is the count, an integer within
 *                 2..EG_FACE_MATCH_FACES_MAX (face-matcher.h)
 *   -EBADMSG      anything else (note->problem says what, without a value from the line)
 *   -ENOMEM
 * *ret_score is set only for 0, *ret_faces only for -ETOOMANYREFS.  Logs nothing.
 */
int eg_face_answer_parse(const char *line, size_t len, struct eg_face_answer_note *note,
                         double *ret_score, uint32_t *ret_faces);
