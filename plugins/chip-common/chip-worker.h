/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Running a blocking chip reader library (pcsc-lite, libnfc) under egated's
 * non-blocking plugin contract: one thread per device (a chip_thread of the
 * plugin's mailbox, chip-mailbox.h).  start() queues a copy of the request;
 * the thread runs the requests in order through the plugin's execute() and
 * answers with chip_mailbox_complete().  With nothing queued it calls the
 * plugin's idle() at a fixed interval (presence polling).
 *
 * Nothing here blocks the main thread.  A stopped worker is joined by the
 * mailbox once its thread has ended, or left behind at shutdown if it does
 * not end in time (chip_mailbox_close()).
 */
#pragma once

#include <egate/plugin.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chip-mailbox.h"

/* The largest R-APDU: 65536 data bytes and SW1 SW2, plus room for a reader's framing. */
#define CHIP_RESPONSE_MAX (65536 + 2 + 64)
#define CHIP_TARGET_MAX 256

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

/* What runs on the worker thread reaches egated through the mailbox
 * (chip_mailbox_emit(), chip_mailbox_log()), never with eg_host_*(): a call
 * that returns late may find the plugin shut down. */
struct chip_worker_ops {
        /* Worker thread: run one request.  reply->data starts as `buffer`
         * (CHIP_RESPONSE_MAX bytes). */
        void (*execute)(void *userdata, const struct chip_request *req, struct chip_reply *reply,
                        uint8_t *buffer);
        /* Worker thread, optional: nothing was queued for the idle interval. */
        void (*idle)(void *userdata);
        /* Worker thread, optional: the thread is ending; release the library's handles. */
        void (*finish)(void *userdata);
        /* After finish(): free userdata.  On the main thread once the thread is
         * joined; on the worker thread itself if it was left behind at shutdown,
         * so it must touch nothing but userdata. */
        void (*release)(void *userdata);
};

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
 * dropped, the running one is answered no more.  release() follows (see
 * chip_worker_ops).  `w` is gone for the caller. */
void chip_worker_stop(struct chip_worker *w);
