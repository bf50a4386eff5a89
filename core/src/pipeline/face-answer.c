/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The external face comparator's answer (face-answer.h).  Stricter than the background
 * check's: no answer here is worth keeping when something around it is wrong.  A score
 * from a misspelt or unknown envelope could admit a traveller on a number the bridge did
 * not mean, so anything not exactly as documented is -EBADMSG, which the backend turns
 * into "unavailable": the face step is undetermined and the traveller referred, never
 * accepted.
 */
#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "bridge-answer.h"
#include "face-answer.h"
#include "face-matcher.h"
#include "json-keys.h"
#include "macro.h"

#define JSON_DEPTH_MAX 4 /* the envelope is flat: anything deeper is wrong anyway */

#ifndef JSON_TOKENER_ALLOW_TRAILING_CHARS /* json-c < 0.15: junk after the object is an error */
#define JSON_TOKENER_ALLOW_TRAILING_CHARS 0
#endif

DEFINE_TRIVIAL_CLEANUP_FUNC(json_tokener *, json_tokener_free)

static void json_wipe_putp(json_object **o) {
        eg_bridge_json_wipe_put(o);
}

/* Notes what is wrong (the first thing says enough).  Returns -EBADMSG. */
_printf_(2, 3) static int problem(struct eg_face_answer_note *note, const char *fmt, ...) {
        va_list ap;

        if (note->problem[0] != '\0')
                return -EBADMSG;
        va_start(ap, fmt);
        (void) vsnprintf(note->problem, sizeof(note->problem), fmt, ap);
        va_end(ap);
        return -EBADMSG;
}

static const struct {
        const char *name;
        int status;
} results[] = {
        { "scored", 0 },
        { "no-face", -ENOMSG },
        { "unreadable", -EINVAL },
        { "unavailable", -EHOSTDOWN },
        { "presentation-attack", -EACCES },
        { "several-faces", -ETOOMANYREFS },
};

/* "version": the integer 1, nothing that merely equals it (1.0, "1", true). */
static int check_version(json_object *root, struct eg_face_answer_note *note) {
        json_object *v;

        if (!json_object_object_get_ex(root, "version", &v))
                return problem(note, "the answer has no \"version\"");
        if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) != 1)
                return problem(note, "unknown version (expected the integer 1)");
        return 0;
}

/* "score": a JSON number, finite, 0..100.  json-c reads integers beyond int64 as the
 * nearest limit: those are out of range all the same. */
static int check_score(json_object *v, struct eg_face_answer_note *note, double *ret) {
        double s;

        if (!json_object_is_type(v, json_type_double) && !json_object_is_type(v, json_type_int))
                return problem(note, "\"score\" is not a number");
        s = json_object_get_double(v);
        if (!isfinite(s) || s < 0.0 || s > 100.0)
                return problem(note, "\"score\" is not within 0..100");
        *ret = s;
        return 0;
}

/* "faces": how many faces the SDK found, an integer (2.0 is not a count) of at least 2 (one
 * face is an ordinary answer, none is "no-face") and at most a count a frame can hold:
 * beyond it the bridge is talking nonsense.  json-c reads integers beyond int64 as the
 * nearest limit: out of range all the same. */
static int check_faces(json_object *v, struct eg_face_answer_note *note, uint32_t *ret) {
        int64_t n;

        if (!json_object_is_type(v, json_type_int))
                return problem(note, "\"faces\" is not an integer");
        n = json_object_get_int64(v);
        if (n < 2 || n > EG_FACE_MATCH_FACES_MAX)
                return problem(note, "\"faces\" is not within 2..%u", EG_FACE_MATCH_FACES_MAX);
        *ret = (uint32_t) n;
        return 0;
}

static void note_message(json_object *v, struct eg_face_answer_note *note) {
        const char *msg = json_object_get_string(v);
        size_t len = (size_t) json_object_get_string_len(v);

        /* The question holds no personal data to avoid; the shapes are still screened. */
        if (eg_bridge_text_is_loggable(msg, len, EG_FACE_ANSWER_MESSAGE_MAX, NULL))
                memcpy(note->message, msg, len + 1);
        else
                note->withheld = true;
}

/* The fields beside "version" and "result": "score" with "scored", "faces" with
 * "several-faces", an optional "message" (a string) with "unavailable", nothing else. */
static int check_fields(json_object *root, int status, const char *result,
                        struct eg_face_answer_note *note, double *ret_score, uint32_t *ret_faces) {
        struct json_object_iterator it = json_object_iter_begin(root);
        struct json_object_iterator end = json_object_iter_end(root);
        bool scored = false, counted = false;
        int r;

        for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
                const char *key = json_object_iter_peek_name(&it);
                json_object *v = json_object_iter_peek_value(&it);

                if (streq(key, "version") || streq(key, "result"))
                        continue;
                if (streq(key, "score") && status == 0) {
                        r = check_score(v, note, ret_score);
                        if (r < 0)
                                return r;
                        scored = true;
                        continue;
                }
                if (streq(key, "faces") && status == -ETOOMANYREFS) {
                        r = check_faces(v, note, ret_faces);
                        if (r < 0)
                                return r;
                        counted = true;
                        continue;
                }
                if (streq(key, "message") && status == -EHOSTDOWN) {
                        if (!json_object_is_type(v, json_type_string))
                                return problem(note, "\"message\" is not a string");
                        note_message(v, note);
                        continue;
                }
                /* Never the field's name: a bridge might make one of anything. */
                return problem(note, "unknown field in a \"%s\" answer", result);
        }
        if (status == 0 && !scored)
                return problem(note, "a \"scored\" answer without \"score\"");
        if (status == -ETOOMANYREFS && !counted)
                return problem(note, "a \"several-faces\" answer without \"faces\"");
        return 0;
}

int eg_face_answer_parse(const char *line, size_t len, struct eg_face_answer_note *note,
                         double *ret_score, uint32_t *ret_faces) {
        _cleanup_(json_tokener_freep) json_tokener *tok = NULL;
        _cleanup_(json_wipe_putp) json_object *root = NULL;
        enum json_tokener_error e;
        json_object *v;
        const char *result;
        double score = 0;
        uint32_t faces = 0;
        size_t repeated = 0;
        int status = 1, r;

        *note = (struct eg_face_answer_note){};
        if (!line || len == 0)
                return problem(note, "an empty answer");
        if (len > INT32_MAX || memchr(line, '\0', len))
                return problem(note, "not valid JSON: a NUL byte");
        tok = json_tokener_new_ex(JSON_DEPTH_MAX);
        if (!tok)
                return -ENOMEM;
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_ALLOW_TRAILING_CHARS);
        root = json_tokener_parse_ex(tok, line, (int) len);
        e = json_tokener_get_error(tok);
        if (!root || e != json_tokener_success)
                return problem(note, "not valid JSON at byte %zu: %s",
                               json_tokener_get_parse_end(tok),
                               e == json_tokener_continue ? "the line ends early"
                                                          : json_tokener_error_desc(e));
        for (size_t i = json_tokener_get_parse_end(tok); i < len; i++)
                if (!strchr(" \t\r", line[i]))
                        return problem(note, "more after the answer at byte %zu", i);
        if (!json_object_is_type(root, json_type_object))
                return problem(note, "the answer is not an object");
        /* json-c keeps the last of a repeated key: a second "result" or "score" would
         * overrule the first unseen. */
        r = eg_json_find_repeated_key(line, len, &repeated);
        if (r == -ENOMEM)
                return r;
        if (r != 0)
                return problem(note, "a field given twice in one object at byte %zu", repeated);
        r = check_version(root, note);
        if (r < 0)
                return r;
        if (!json_object_object_get_ex(root, "result", &v) ||
            !json_object_is_type(v, json_type_string))
                return problem(note, "the answer has no \"result\" string");
        result = json_object_get_string(v);
        for (size_t i = 0; i < ELEMENTSOF(results); i++)
                if (streq(result, results[i].name))
                        status = results[i].status;
        if (status > 0)
                return problem(note, "unknown result (expected scored, no-face, unreadable, "
                                     "unavailable, presentation-attack or several-faces)");
        r = check_fields(root, status, result, note, &score, &faces);
        if (r < 0) {
                note->message[0] = '\0'; /* only an answer taken as such says why */
                note->withheld = false;
                return r;
        }
        if (status == 0)
                *ret_score = score;
        if (status == -ETOOMANYREFS)
                *ret_faces = faces;
        return status;
}
