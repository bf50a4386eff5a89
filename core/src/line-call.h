/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * One question line to a bridge on a Unix stream socket and one answer line back, on the
 * event loop: the transport the external registry (registry/registry-external.c) and the
 * external background check (backend/background-external.c) share.  A fresh connection
 * per question: a non-blocking connect, the question sent (partial sends, no SIGPIPE), the
 * answer read up to a limit.  Both lines may hold personal data: the call keeps its own
 * copy of the question and wipes it, and every answer buffer, before freeing it.
 *
 * What the answer means, what an error means and what the log says stay with the owner:
 * the call reports exactly one end, through on_line() or on_error(), and then does nothing
 * more.  The owner ends the call with eg_line_call_free(), from the callback or later.
 */
#include <stdbool.h>
#include <stddef.h>
#include <systemd/sd-event.h>

struct eg_line_call;

enum eg_line_call_error {
        EG_LINE_CALL_CONNECT, /* could not connect (error: the errno) */
        EG_LINE_CALL_SEND, /* could not send the question (error: the errno) */
        EG_LINE_CALL_WAIT, /* could not wait for the answer (error: the errno) */
        EG_LINE_CALL_MEMORY, /* no memory for more of the answer (error: ENOMEM) */
        EG_LINE_CALL_READ, /* could not read the answer (error: the errno, ECONNRESET too) */
        EG_LINE_CALL_EOF, /* the bridge hung up before a newline (error: 0) */
        EG_LINE_CALL_TOO_LONG, /* answer_max bytes and no newline (error: 0) */
};

struct eg_line_call_ops {
        const char *log_name; /* "registry": "<log_name>: cannot create a socket ..." */
        const char *description; /* of the io source */
        size_t answer_max; /* bytes of the answer line before its newline */
        /* The answer buffer: answer_initial bytes from the start (at most answer_max + 1),
         * then grown (doubled, by copy-and-wipe: realloc would leave copies) to keep room
         * for read_chunk bytes, the most read per wake-up.  answer_initial = read_chunk =
         * answer_max + 1 is one fixed buffer. */
        size_t answer_initial;
        size_t read_chunk;

        /* The answer: its line, without the newline (what came after it is ignored); the
         * bytes are the call's, valid until it is freed. */
        void (*on_line)(struct eg_line_call *call, const char *line, size_t len, void *userdata);
        /* Anything else that ends the call.  what says it for a log, without a value:
         * "cannot connect", "closed the connection without answering", "the answer is longer
         * than N bytes", ...  What came of the answer so far is eg_line_call_answer().
         * Return > 0 only for EG_LINE_CALL_SEND, to give up sending but read on (a bridge
         * may answer before it has read the whole question); any other return, or kind,
         * ends the call. */
        int (*on_error)(struct eg_line_call *call, enum eg_line_call_error kind, int error,
                        const char *what, void *userdata);
};

/* A call, not yet connected: question (question_len bytes, the newline included) is copied,
 * the caller wipes its own.  ops must outlive the call. */
int eg_line_call_new(const struct eg_line_call_ops *ops, const char *question, size_t question_len,
                     void *userdata, struct eg_line_call **ret);

/*
 * Descriptors to send with the question: duplicated here (the caller keeps its own), sent
 * as one SCM_RIGHTS message with the question's first byte, and closed once sent or when
 * the call is freed, whichever comes first.  Before eg_line_call_connect() only, at most
 * once, 1 to EG_LINE_CALL_FDS_MAX of them.  0, -EINVAL, or the errno of a failed dup.
 */
#define EG_LINE_CALL_FDS_MAX 8
int eg_line_call_attach_fds(struct eg_line_call *call, const int *fds, size_t n);

/*
 * Connect to socket_path and watch the connection on e.  A bridge that cannot be reached
 * is reported through on_error() (EG_LINE_CALL_CONNECT), from inside this call when
 * connect() fails at once: the call may be freed by the time this returns 0.  < 0 only for
 * our own resources (logged when it is the socket), without a callback.
 */
int eg_line_call_connect(struct eg_line_call *call, sd_event *e, const char *socket_path);

/* What the bridge sent so far (personal data): for an owner that makes something of an
 * answer cut short. */
const char *eg_line_call_answer(const struct eg_line_call *call, size_t *ret_len);

/* Hangs up (the bridge sees end-of-file) and wipes.  Returns NULL. */
struct eg_line_call *eg_line_call_free(struct eg_line_call *call);
