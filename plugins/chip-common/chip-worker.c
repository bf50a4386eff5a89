/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "chip-worker.h"

/* The main thread submits, cancels and stops through it; after
 * chip_worker_stop() it is the thread's alone, and worker_free() runs once the
 * thread has ended, on whichever side owns it then (chip-mailbox.h). */
struct chip_worker {
        struct chip_mailbox *mailbox;
        char *name;
        const struct chip_worker_ops *ops;
        void *userdata;
        uint64_t idle_usec;
        uint8_t *buffer; /* CHIP_RESPONSE_MAX: the worker's, for replies */

        pthread_mutex_t lock; /* guards the fields below */
        pthread_cond_t wake;
        struct chip_request *queue;
        struct chip_request *running;
        bool running_cancelled;
        bool stopping;
};

static void request_free(struct chip_request *req) {
        if (!req)
                return;
        free(req->capdu);
        free(req);
}

static void requests_free(struct chip_request *req) {
        while (req) {
                struct chip_request *next = req->next;

                request_free(req);
                req = next;
        }
}

/* Everything but userdata, which release() frees. */
static void worker_destroy(struct chip_worker *w) {
        requests_free(w->queue);
        pthread_mutex_destroy(&w->lock);
        pthread_cond_destroy(&w->wake);
        free(w->buffer);
        free(w->name);
        free(w);
}

static void worker_free(void *arg) {
        struct chip_worker *w = arg;

        w->ops->release(w->userdata);
        worker_destroy(w);
}

static void answer(struct chip_worker *w, const struct chip_request *req,
                   const struct chip_reply *reply) {
        struct eg_op_result r = {
                .size = sizeof(r),
                .status = reply->status,
                .message = reply->message[0] ? reply->message : NULL,
                .data = reply->status == 0 ? reply->data : NULL,
                .data_len = reply->status == 0 ? reply->len : 0,
                .fd = -1,
        };
        int k;

        k = chip_mailbox_complete(w->mailbox, req->op, &r);
        if (k < 0 && k != -ESHUTDOWN)
                chip_mailbox_log(w->mailbox, EG_LOG_ERROR, "%s: cannot complete operation: %s",
                                 w->name, strerror(-k));
}

static void worker_run(void *arg) {
        struct chip_worker *w = arg;
        uint64_t idle_at = chip_now_usec() + w->idle_usec;

        pthread_mutex_lock(&w->lock);
        while (!w->stopping) {
                struct chip_request *req = w->queue;

                if (req) {
                        struct chip_reply reply = { .data = w->buffer };
                        bool cancelled;

                        w->queue = req->next;
                        w->running = req;
                        w->running_cancelled = false;
                        pthread_mutex_unlock(&w->lock);

                        w->ops->execute(w->userdata, req, &reply, w->buffer);

                        pthread_mutex_lock(&w->lock);
                        cancelled = w->running_cancelled || w->stopping;
                        w->running = NULL;
                        pthread_mutex_unlock(&w->lock);
                        /* A cancel landing right here is harmless: egated ignores
                         * completions of operations it has answered already. */
                        if (!cancelled)
                                answer(w, req, &reply);
                        request_free(req);
                        idle_at = chip_now_usec() + w->idle_usec;
                        pthread_mutex_lock(&w->lock);
                        continue;
                }
                if (w->idle_usec == 0 || !w->ops->idle) {
                        pthread_cond_wait(&w->wake, &w->lock);
                        continue;
                }
                uint64_t now = chip_now_usec();
                struct timespec until;

                if (now >= idle_at) {
                        pthread_mutex_unlock(&w->lock);
                        w->ops->idle(w->userdata);
                        idle_at = chip_now_usec() + w->idle_usec;
                        pthread_mutex_lock(&w->lock);
                        continue;
                }
                chip_deadline_in(&until, idle_at - now);
                (void) pthread_cond_timedwait(&w->wake, &w->lock, &until);
        }
        pthread_mutex_unlock(&w->lock);

        if (w->ops->finish)
                w->ops->finish(w->userdata);
}

int chip_worker_start(struct chip_mailbox *mb, const char *name, const struct chip_worker_ops *ops,
                      void *userdata, uint64_t idle_usec, struct chip_worker **ret) {
        struct chip_worker *w = calloc(1, sizeof(*w));
        int r;

        if (!w)
                return -ENOMEM;
        w->mailbox = mb;
        w->ops = ops;
        w->userdata = userdata;
        w->idle_usec = idle_usec;
        pthread_mutex_init(&w->lock, NULL);
        chip_cond_init(&w->wake);
        w->name = strdup(name);
        w->buffer = malloc(CHIP_RESPONSE_MAX);
        if (!w->name || !w->buffer) {
                worker_destroy(w);
                return -ENOMEM;
        }

        /* On failure userdata stays the caller's. */
        r = chip_thread_start(mb, name, worker_run, worker_free, w);
        if (r < 0) {
                worker_destroy(w);
                return r;
        }
        *ret = w;
        return 0;
}

int chip_worker_submit(struct chip_worker *w, eg_op_id op, const struct eg_op_args *args,
                       const char *target) {
        struct chip_request *req = calloc(1, sizeof(*req)), **tail;
        uint32_t timeout_ms = args->timeout_ms ? args->timeout_ms : 60000;

        if (!req)
                return -ENOMEM;
        req->op = op;
        req->kind = args->kind;
        req->deadline_usec = chip_now_usec() + (uint64_t) timeout_ms * 1000u;
        if (target)
                (void) snprintf(req->target, sizeof(req->target), "%s", target);
        if (args->kind == EG_OP_CHIP_TRANSMIT && args->data_len > 0) {
                req->capdu = malloc(args->data_len);
                if (!req->capdu) {
                        free(req);
                        return -ENOMEM;
                }
                memcpy(req->capdu, args->data, args->data_len);
                req->capdu_len = args->data_len;
        }

        pthread_mutex_lock(&w->lock);
        for (tail = &w->queue; *tail; tail = &(*tail)->next)
                ;
        *tail = req;
        pthread_cond_signal(&w->wake);
        pthread_mutex_unlock(&w->lock);
        return 0;
}

void chip_worker_cancel(struct chip_worker *w, eg_op_id op) {
        struct chip_request *dropped = NULL;

        pthread_mutex_lock(&w->lock);
        for (struct chip_request **p = &w->queue; *p; p = &(*p)->next)
                if ((*p)->op == op) {
                        dropped = *p;
                        *p = dropped->next;
                        break;
                }
        if (!dropped && w->running && w->running->op == op)
                w->running_cancelled = true;
        pthread_mutex_unlock(&w->lock);

        request_free(dropped);
}

void chip_worker_stop(struct chip_worker *w) {
        struct chip_request *queue;

        pthread_mutex_lock(&w->lock);
        if (w->stopping) {
                pthread_mutex_unlock(&w->lock);
                return;
        }
        w->stopping = true;
        queue = w->queue;
        w->queue = NULL;
        pthread_cond_signal(&w->wake);
        pthread_mutex_unlock(&w->lock);

        requests_free(queue);
}
