/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * What the two external bridges' backends (registry/registry-external.c and
 * backend/background-external.c) do alike with an answer, beside its transport
 * (line-call.h): wipe it when done, and decide whether a text about it may
 * reach the log.  The answer is outside data and may hold personal data.
 */
#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

/* Wipes every string of *o (json-c frees them unwiped), puts it, sets *o = NULL. */
void eg_bridge_json_wipe_put(json_object **o);

/*
 * Whether `text` (len bytes) may be logged: 1 to `max` bytes of printable ASCII (nothing
 * to forge log lines with, no NUL), no word shaped like a document number (8 or more
 * letters and digits, 2 or more of them digits), nothing shaped like a date (NNNN-NN-NN,
 * or 6 digits in a row as in YYMMDD), and none of the strings of `avoid` (NULL-terminated,
 * compared without case; the question's own values).  A bridge is told to keep personal
 * data out of what egated may log; this catches the likely slips (echoing the question, a
 * birth date or a document number named as a field) without losing "back end unreachable".
 */
bool eg_bridge_text_is_loggable(const char *text, size_t len, size_t max, const char *const *avoid);
