/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The external registry's answer interpretation, without a socket: what the backend makes
 * of the bridge's answer line, for the backend itself and for the fuzz target
 * (tests/registry/fuzz-registry-answer.c).  Not an interface for anything else.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "emrtd/date.h"
#include "registry.h"

/* The question asked, as the backend keeps it (personal data). */
struct eg_registry_external_question {
        bool by_holder; /* lookup_holder(): birth_date; lookup(): document_number */
        char issuing_state[4]; /* normalised: "D<<" */
        char document_number[EG_MEMBER_DOCUMENT_NUMBER_MAX + 1];
        struct eg_date birth_date;
};

/*
 * One whole answer line (without its newline) to question q, as the backend takes it:
 * 0 and the member in *ret_member (a member that answers q), -ENOENT (not found) or -EIO
 * (unavailable, or not a valid answer).  Logs what the backend logs, naming socket_path.
 * today (NULL: the current UTC date) is the date member expiries are judged against.
 */
int eg_registry_external_answer(const char *socket_path,
                                const struct eg_registry_external_question *q, const char *line,
                                size_t len, const struct eg_date *today,
                                struct eg_member **ret_member);
