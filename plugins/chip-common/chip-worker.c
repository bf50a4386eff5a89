/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <poll.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "chip-worker.h"

struct chip_worker {
        struct chip_mailbox *mailbox;
        char *name;
        const struct chip_worker_ops *ops;
        void *userdata;
        uint64_t idle_usec;
        pthread_t thread;
        uint8_t *buffer; /* CHIP_RESPONSE_MAX: the worker's, for replies */

        pthread_mutex_t lock; /* guards the fields below */
        pthread_cond_t wake;
        struct chip_request *queue;
        struct chip_request *running;
        bool running_cancelled;
        bool stopping;

        struct chip_worker *next_live; /* mailbox->live: main thread only */
        struct chip_worker *next_exited; /* mailbox->exited: under mailbox->lock */
};

struct chip_mailbox {
        struct eg_host *host;
        chip_mail_fn fn;
        void *userdata;
        int fd;
        eg_source_id source;

        pthread_mutex_t lock; /* guards mail and exited */
        struct chip_mail *mail;
        struct chip_worker *exited; /* threads that ended, to be joined */

        struct chip_worker *live; /* started and not joined yet: main thread only */
};

uint64_t chip_now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
}

static void request_free(struct chip_request *req) {
        if (!req)
                return;
        free(req->capdu);
        free(req);
}

static void mail_free(struct chip_mail *m) {
        free(m->text);
        free(m);
}

static void wake_main_thread(struct chip_mailbox *mb) {
        static const uint64_t one = 1;

        /* Only a saturated counter fails, and then a wake-up is pending anyway. */
        if (write(mb->fd, &one, sizeof(one)) < 0)
                return;
}

/* --- the mailbox --- */

int chip_mailbox_post(struct chip_mailbox *mb, int kind, const char *text, int64_t value) {
        struct chip_mail *m = calloc(1, sizeof(*m)), **tail;

        if (!m)
                return -ENOMEM;
        m->kind = kind;
        m->value = value;
        if (text) {
                m->text = strdup(text);
                if (!m->text) {
                        free(m);
                        return -ENOMEM;
                }
        }
        pthread_mutex_lock(&mb->lock);
        for (tail = &mb->mail; *tail; tail = &(*tail)->next)
                ;
        *tail = m;
        pthread_mutex_unlock(&mb->lock);
        wake_main_thread(mb);
        return 0;
}

static void unlink_live(struct chip_mailbox *mb, struct chip_worker *w) {
        for (struct chip_worker **p = &mb->live; *p; p = &(*p)->next_live)
                if (*p == w) {
                        *p = w->next_live;
                        return;
                }
}

/* The thread has ended or is about to: join, then the plugin frees its device. */
static void worker_reap(struct chip_worker *w) {
        struct chip_request *req;

        (void) pthread_join(w->thread, NULL);
        unlink_live(w->mailbox, w);
        while ((req = w->queue)) {
                w->queue = req->next;
                request_free(req);
        }
        w->ops->release(w->userdata);
        pthread_mutex_destroy(&w->lock);
        pthread_cond_destroy(&w->wake);
        free(w->buffer);
        free(w->name);
        free(w);
}

void chip_mailbox_dispatch(struct chip_mailbox *mb) {
        struct chip_mail *mail;
        struct chip_worker *exited;

        pthread_mutex_lock(&mb->lock);
        mail = mb->mail;
        mb->mail = NULL;
        exited = mb->exited;
        mb->exited = NULL;
        pthread_mutex_unlock(&mb->lock);

        while (mail) {
                struct chip_mail *next = mail->next;

                mb->fn(mb->userdata, mail);
                mail_free(mail);
                mail = next;
        }
        while (exited) {
                struct chip_worker *next = exited->next_exited;

                worker_reap(exited);
                exited = next;
        }
}

static void on_mailbox(int fd, uint32_t revents, void *userdata) {
        struct chip_mailbox *mb = userdata;
        uint64_t counter;

        if (read(fd, &counter, sizeof(counter)) < 0 && errno != EAGAIN)
                eg_host_log(mb->host, EG_LOG_WARNING, "cannot read the worker mailbox: %s",
                            strerror(errno));
        chip_mailbox_dispatch(mb);
}

int chip_mailbox_new(struct eg_host *host, chip_mail_fn fn, void *userdata,
                     struct chip_mailbox **ret) {
        struct chip_mailbox *mb = calloc(1, sizeof(*mb));
        int r;

        if (!mb)
                return -ENOMEM;
        mb->host = host;
        mb->fn = fn;
        mb->userdata = userdata;
        pthread_mutex_init(&mb->lock, NULL);
        mb->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (mb->fd < 0) {
                r = -errno;
                goto fail;
        }
        r = eg_host_io_add(host, mb->fd, EPOLLIN, on_mailbox, mb, &mb->source);
        if (r < 0)
                goto fail;
        *ret = mb;
        return 0;
fail:
        if (mb->fd >= 0)
                close(mb->fd);
        pthread_mutex_destroy(&mb->lock);
        free(mb);
        return r;
}

void chip_mailbox_free(struct chip_mailbox *mb) {
        struct chip_mail *mail;
        struct chip_worker *exited;

        if (!mb)
                return;
        pthread_mutex_lock(&mb->lock);
        mail = mb->mail;
        mb->mail = NULL;
        exited = mb->exited;
        mb->exited = NULL;
        pthread_mutex_unlock(&mb->lock);

        /* Shutting down: what the threads reported no longer matters. */
        while (mail) {
                struct chip_mail *next = mail->next;

                mail_free(mail);
                mail = next;
        }
        while (exited) {
                struct chip_worker *next = exited->next_exited;

                worker_reap(exited);
                exited = next;
        }
        /* Still running, maybe blocked in the library: waiting is shutdown's job.
         * Each one posts itself to `exited` as its thread ends. */
        for (struct chip_worker *w = mb->live; w; w = w->next_live)
                chip_worker_stop(w);
        while (mb->live) {
                struct pollfd pfd = { .fd = mb->fd, .events = POLLIN };
                uint64_t counter;

                pthread_mutex_lock(&mb->lock);
                exited = mb->exited;
                mb->exited = NULL;
                pthread_mutex_unlock(&mb->lock);
                if (!exited) {
                        if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
                                break;
                        (void) read(mb->fd, &counter, sizeof(counter));
                        continue;
                }
                while (exited) {
                        struct chip_worker *next = exited->next_exited;

                        worker_reap(exited);
                        exited = next;
                }
        }
        eg_host_source_remove(mb->host, mb->source);
        close(mb->fd);
        pthread_mutex_destroy(&mb->lock);
        free(mb);
}

/* --- the worker --- */

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
        struct chip_mailbox *mb = w->mailbox;
        int k;

        k = eg_host_complete(mb->host, req->op, &r);
        if (k < 0)
                eg_host_log(mb->host, EG_LOG_ERROR, "%s: cannot complete operation: %s", w->name,
                            strerror(-k));
}

static void deadline_in(struct timespec *ts, uint64_t usec) {
        clock_gettime(CLOCK_MONOTONIC, ts);
        ts->tv_sec += (time_t) (usec / 1000000u);
        ts->tv_nsec += (long) (usec % 1000000u) * 1000;
        if (ts->tv_nsec >= 1000000000) {
                ts->tv_sec++;
                ts->tv_nsec -= 1000000000;
        }
}

static void *worker_main(void *arg) {
        struct chip_worker *w = arg;
        struct chip_mailbox *mb = w->mailbox;
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
                deadline_in(&until, idle_at - now);
                (void) pthread_cond_timedwait(&w->wake, &w->lock, &until);
        }
        pthread_mutex_unlock(&w->lock);

        if (w->ops->finish)
                w->ops->finish(w->userdata);

        pthread_mutex_lock(&mb->lock);
        w->next_exited = mb->exited;
        mb->exited = w;
        pthread_mutex_unlock(&mb->lock);
        wake_main_thread(mb);
        return NULL;
}

int chip_worker_start(struct chip_mailbox *mb, const char *name, const struct chip_worker_ops *ops,
                      void *userdata, uint64_t idle_usec, struct chip_worker **ret) {
        struct chip_worker *w = calloc(1, sizeof(*w));
        pthread_condattr_t attr;
        int r;

        if (!w)
                return -ENOMEM;
        w->mailbox = mb;
        w->ops = ops;
        w->userdata = userdata;
        w->idle_usec = idle_usec;
        w->name = strdup(name);
        w->buffer = malloc(CHIP_RESPONSE_MAX);
        if (!w->name || !w->buffer) {
                free(w->name);
                free(w->buffer);
                free(w);
                return -ENOMEM;
        }
        pthread_mutex_init(&w->lock, NULL);
        pthread_condattr_init(&attr);
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
        pthread_cond_init(&w->wake, &attr);
        pthread_condattr_destroy(&attr);

        r = -pthread_create(&w->thread, NULL, worker_main, w);
        if (r < 0) {
                eg_host_log(mb->host, EG_LOG_ERROR, "%s: cannot start a worker thread: %s", name,
                            strerror(-r));
                pthread_mutex_destroy(&w->lock);
                pthread_cond_destroy(&w->wake);
                free(w->name);
                free(w->buffer);
                free(w);
                return r;
        }
        w->next_live = mb->live;
        mb->live = w;
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

        while (queue) {
                struct chip_request *next = queue->next;

                request_free(queue);
                queue = next;
        }
}
