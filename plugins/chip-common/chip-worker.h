/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Running a blocking chip reader library (pcsc-lite, libnfc) under egated's
 * non-blocking plugin contract.
 *
 *   chip_worker   one thread per device.  start() queues a copy of the
 *                 request; the thread runs the requests in order through the
 *                 plugin's execute() and answers with eg_host_complete()
 *                 (allowed from any thread).  With nothing queued it calls the
 *                 plugin's idle() at a fixed interval (presence polling).
 *   chip_mailbox  the way back to egated's main thread for what only it may
 *                 do (adding and removing devices): messages queued by any
 *                 thread, an eventfd the main thread watches with
 *                 eg_host_io_add().  It also reaps workers: a stopped worker
 *                 posts itself when its thread has ended, and the main thread
 *                 joins it without waiting and frees the device.
 *
 * Nothing here blocks the main thread except chip_mailbox_free(), which runs
 * from the plugin's shutdown() and joins the workers still running.
 */
#pragma once

#include <egate/plugin.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The largest R-APDU: 65536 data bytes and SW1 SW2, plus room for a reader's framing. */
#define CHIP_RESPONSE_MAX (65536 + 2 + 64)
#define CHIP_MESSAGE_MAX 192
#define CHIP_TARGET_MAX 256

struct chip_mailbox;
struct chip_worker;

/* One operation, copied out of start()'s arguments. */
struct chip_request {
        eg_op_id op;
        enum eg_op_kind kind;
        uint64_t deadline_usec; /* CLOCK_MONOTONIC: start + args->timeout_ms */
        uint8_t *capdu; /* CHIP_TRANSMIT */
        size_t capdu_len;
        char target[CHIP_TARGET_MAX]; /* which reader, as the main thread saw it */
        struct chip_request *next;
};

/* What execute() fills in.  data points into the worker's own buffer. */
struct chip_reply {
        int status; /* 0, or a negative errno as device.h lists */
        char message[CHIP_MESSAGE_MAX];
        uint8_t *data;
        size_t len;
};

struct chip_worker_ops {
        /* Worker thread: run one request.  reply->data starts as `buffer`
         * (CHIP_RESPONSE_MAX bytes). */
        void (*execute)(void *userdata, const struct chip_request *req, struct chip_reply *reply,
                        uint8_t *buffer);
        /* Worker thread, optional: nothing was queued for the idle interval. */
        void (*idle)(void *userdata);
        /* Worker thread, optional: the thread is ending; release the library's handles. */
        void (*finish)(void *userdata);
        /* Main thread: the thread has been joined; free userdata. */
        void (*release)(void *userdata);
};

/* What a worker or monitor thread tells the main thread. */
struct chip_mail {
        int kind; /* the plugin's own numbering, >= 0 */
        char *text; /* owned by the mailbox, may be NULL */
        int64_t value;
        struct chip_mail *next;
};

typedef void (*chip_mail_fn)(void *userdata, const struct chip_mail *m);

int chip_mailbox_new(struct eg_host *host, chip_mail_fn fn, void *userdata,
                     struct chip_mailbox **ret);
/* Any thread.  text is copied.  -ENOMEM is the only failure. */
int chip_mailbox_post(struct chip_mailbox *mb, int kind, const char *text, int64_t value);
/* Main thread: handle what is queued now (also runs from the eventfd watch). */
void chip_mailbox_dispatch(struct chip_mailbox *mb);
/* Main thread, from shutdown(): join every worker (they must have been
 * stopped), drop undelivered mail, stop watching. */
void chip_mailbox_free(struct chip_mailbox *mb);

/* Main thread.  idle_usec 0: idle() is never called.  name: for log lines. */
int chip_worker_start(struct chip_mailbox *mb, const char *name, const struct chip_worker_ops *ops,
                      void *userdata, uint64_t idle_usec, struct chip_worker **ret);
/* Main thread: queue a copy of the request (target may be NULL). */
int chip_worker_submit(struct chip_worker *w, eg_op_id op, const struct eg_op_args *args,
                       const char *target);
/* Main thread: a queued request is dropped; the running one runs to its end (the
 * libraries cannot abort a call safely) and is answered no more. */
void chip_worker_cancel(struct chip_worker *w, eg_op_id op);
/* Main thread: end the thread after the running request; queued ones are
 * dropped.  The mailbox joins it and calls release().  `w` is gone for the caller. */
void chip_worker_stop(struct chip_worker *w);

uint64_t chip_now_usec(void);
