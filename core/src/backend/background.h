/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Background checks (watchlists, lost and stolen documents, bans): a
 * backend the pipeline asks once per traveller, in parallel with the chip
 * read and the registry lookup.  Its answer never blocks a referral, and a
 * hit is a silent operator alarm (domain notes §9 step 12).
 *
 * Backends: "none" (answers "not supported" at once; the policy's
 * background-unavailable decides what that means), "scenario" (mock
 * mode: answers from the mock scenario's travellers) and "external" (a
 * bridge the deployment writes, on a Unix socket: docs/background.md).  A
 * deployment may also add its own by providing struct
 * eg_background_backend_ops.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-event.h>

enum eg_background_verdict {
        EG_BACKGROUND_CLEAR = 0,
        EG_BACKGROUND_WATCHLIST_HIT, /* A_WATCHLIST_HIT */
        EG_BACKGROUND_LOST_STOLEN, /* A_LOST_STOLEN_DOC */
        EG_BACKGROUND_UNAVAILABLE, /* E_BACKEND_UNAVAILABLE */
        EG_BACKGROUND_NOT_SUPPORTED, /* no backend configured */
};

struct eg_background_query {
        const char *issuing_state;
        const char *document_number; /* personal data: never logged */
        const char *nationality;
        int birth_year, birth_month, birth_day;
};

/* Exactly once, from the event loop. */
typedef void (*eg_background_done_fn)(enum eg_background_verdict verdict, void *userdata);

struct eg_background_backend_ops {
        const char *name;
        int (*check)(void *backend, const struct eg_background_query *q, eg_background_done_fn done,
                     void *userdata, uint64_t *ret_request);
        void (*cancel)(void *backend, uint64_t request);
        void (*free)(void *backend);
};

struct eg_background {
        const struct eg_background_backend_ops *ops;
        void *backend;
};

/*
 * Compatible extensions (PIPELINE): the wrappers the pipeline calls, and the
 * two backends the daemon ships.  eg_background_check() returns 0 and the
 * callback follows exactly once from the loop, or a negative errno and no
 * callback.  After eg_background_cancel() the callback still runs once.
 * eg_background_free() drops pending requests without calling back.
 */

const char *eg_background_verdict_to_string(enum eg_background_verdict v); /* "clear", ... */
int eg_background_verdict_from_string(const char *s);

int eg_background_check(struct eg_background *b, const struct eg_background_query *q,
                        eg_background_done_fn done, void *userdata, uint64_t *ret_request);
void eg_background_cancel(struct eg_background *b, uint64_t request);
void eg_background_free(struct eg_background *b);

/* "none": every check answers EG_BACKGROUND_NOT_SUPPORTED, from the loop. */
int eg_background_none_new(sd_event *e, struct eg_background **ret);

/*
 * "scenario" (mock mode): a table of documents with the verdict each gets;
 * documents not in the table are clear.  EG_BACKGROUND_UNAVAILABLE entries
 * never answer (the pipeline's background-timeout-ms ends the wait), like a
 * back end that is down.  The daemon's mock support fills the table from the
 * mock scenario's travellers ("background" key).
 */
struct eg_background_entry {
        char issuing_state[4];
        char document_number[23];
        enum eg_background_verdict verdict;
        uint32_t delay_ms; /* answer after this long */
};

int eg_background_scenario_new(sd_event *e, const struct eg_background_entry *entries,
                               size_t n_entries, struct eg_background **ret);

/*
 * "external": each check goes to the deployment's bridge listening on socket_path, over a
 * fresh Unix stream connection, one JSON line each way (docs/background.md is the
 * protocol).  Nothing is connected here (the bridge may start later).  A bridge that
 * cannot be reached or gives no usable answer makes the check EG_BACKGROUND_UNAVAILABLE;
 * the caller's deadline (the policy's background-timeout-ms) covers a silent one, by
 * cancelling.  -EINVAL for a bad path.
 */
#define EG_BACKGROUND_EXTERNAL_LINE_MAX 4096u /* bytes of the answer line before its newline */

/* An absolute path that fits a sockaddr_un (shorter than sizeof(sun_path)). */
bool eg_background_external_socket_path_is_valid(const char *path);
int eg_background_external_open(sd_event *e, const char *socket_path, struct eg_background **ret);
