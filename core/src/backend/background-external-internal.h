/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The external background check's answer interpretation, without a socket: the verdict
 * the backend takes from the bridge's answer, for the backend itself and for the fuzz
 * target (tests/pipeline/fuzz-background-answer.c).  Not an interface for anything else.
 */
#pragma once

#include <stddef.h>

#include "background.h"
#include "emrtd/mrz.h"

/* What the backend keeps of the question to screen the bridge's message (personal data). */
struct eg_background_external_question {
        char document_number[EG_MRZ_DOCUMENT_NUMBER_MAX + 1];
        char birth_date[11]; /* "YYYY-MM-DD", "" when unknown */
};

/*
 * One whole answer line (without its newline) to question q: the verdict the backend
 * takes, EG_BACKGROUND_CLEAR, _WATCHLIST_HIT, _LOST_STOLEN or _UNAVAILABLE (also for an
 * answer that is not exactly right, unless it names a hit: a hit stands).  Logs what the
 * backend logs, naming socket_path.
 */
enum eg_background_verdict
eg_background_external_answer(const char *socket_path,
                              const struct eg_background_external_question *q, const char *line,
                              size_t len);

/* The same for what came before the bridge hung up without a newline (len may be 0): only
 * a hit counts; anything else is EG_BACKGROUND_UNAVAILABLE. */
enum eg_background_verdict eg_background_external_answer_cut(const char *socket_path,
                                                             const char *answer, size_t len);
