/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "chip-mailbox.h"

struct chip_thread {
        struct chip_mailbox *mailbox; /* a reference */
        char *name;
        chip_thread_fn run, done;
        void *arg;
        pthread_t id;
        bool ended; /* under mailbox->lock: run() has returned */
        struct chip_thread *next;
};

struct chip_mailbox {
        struct eg_host *host;
        chip_mail_fn fn;
        void *userdata;
        eg_source_id source;
        int fd; /* eventfd: mail came, or a thread ended */

        pthread_mutex_t lock; /* guards the fields below */
        pthread_cond_t ended; /* a thread ended: chip_mailbox_close() waits on it */
        unsigned n_refs; /* the plugin's, until it closes the mailbox, and one per thread */
        bool closed; /* the plugin has shut down: the host is gone for its threads */
        struct chip_mail *mail;
        struct chip_thread *threads; /* running, or ended and not joined yet */
};

uint64_t chip_now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
}

void chip_cond_init(pthread_cond_t *cond) {
        pthread_condattr_t attr;

        pthread_condattr_init(&attr);
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
        pthread_cond_init(cond, &attr);
        pthread_condattr_destroy(&attr);
}

void chip_deadline_in(struct timespec *ts, uint64_t usec) {
        clock_gettime(CLOCK_MONOTONIC, ts);
        ts->tv_sec += (time_t) (usec / 1000000u);
        ts->tv_nsec += (long) (usec % 1000000u) * 1000;
        if (ts->tv_nsec >= 1000000000) {
                ts->tv_sec++;
                ts->tv_nsec -= 1000000000;
        }
}

static void mail_free_all(struct chip_mail *m) {
        while (m) {
                struct chip_mail *next = m->next;

                free(m->text);
                free(m);
                m = next;
        }
}

static void wake_main_thread(struct chip_mailbox *mb) {
        static const uint64_t one = 1;

        /* Only a saturated counter fails, and then a wake-up is pending anyway. */
        if (write(mb->fd, &one, sizeof(one)) < 0)
                return;
}

static void mailbox_unref(struct chip_mailbox *mb) {
        bool last;

        pthread_mutex_lock(&mb->lock);
        last = --mb->n_refs == 0;
        pthread_mutex_unlock(&mb->lock);
        if (!last)
                return;
        mail_free_all(mb->mail);
        if (mb->fd >= 0)
                close(mb->fd);
        pthread_cond_destroy(&mb->ended);
        pthread_mutex_destroy(&mb->lock);
        free(mb);
}

/* --- what the threads send --- */

int chip_mailbox_post(struct chip_mailbox *mb, int kind, const char *text, int64_t value) {
        struct chip_mail *m = calloc(1, sizeof(*m)), **tail;

        if (!m)
                return -ENOMEM;
        m->kind = kind;
        m->value = value;
        if (text && !(m->text = strdup(text))) {
                free(m);
                return -ENOMEM;
        }
        pthread_mutex_lock(&mb->lock);
        if (mb->closed) {
                pthread_mutex_unlock(&mb->lock);
                mail_free_all(m); /* nobody is left to read it */
                return 0;
        }
        for (tail = &mb->mail; *tail; tail = &(*tail)->next)
                ;
        *tail = m;
        wake_main_thread(mb);
        pthread_mutex_unlock(&mb->lock);
        return 0;
}

/* The host calls hold the lock: chip_mailbox_close() then cannot declare the
 * host gone while one is under way.  They return at once (docs/sdk.md). */
static bool host_enter(struct chip_mailbox *mb) {
        pthread_mutex_lock(&mb->lock);
        return !mb->closed;
}

static void host_leave(struct chip_mailbox *mb) {
        pthread_mutex_unlock(&mb->lock);
}

int chip_mailbox_complete(struct chip_mailbox *mb, eg_op_id op, const struct eg_op_result *result) {
        int r = host_enter(mb) ? eg_host_complete(mb->host, op, result) : -ESHUTDOWN;

        host_leave(mb);
        return r;
}

int chip_mailbox_emit(struct chip_mailbox *mb, eg_device_id device, const struct eg_event *event) {
        int r = host_enter(mb) ? eg_host_emit(mb->host, device, event) : -ESHUTDOWN;

        host_leave(mb);
        return r;
}

void chip_mailbox_log(struct chip_mailbox *mb, int level_and_flags, const char *fmt, ...) {
        char line[1024];
        va_list ap;

        va_start(ap, fmt);
        (void) vsnprintf(line, sizeof(line), fmt, ap);
        va_end(ap);
        if (host_enter(mb))
                eg_host_log(mb->host, level_and_flags, "%s", line);
        host_leave(mb);
}

/* --- threads --- */

/* Whoever owns the thread's record last: the main thread after the join, or
 * the thread itself when it was left behind. */
static void thread_free(struct chip_thread *t) {
        t->done(t->arg);
        mailbox_unref(t->mailbox);
        free(t->name);
        free(t);
}

static void *thread_main(void *userdata) {
        struct chip_thread *t = userdata;
        struct chip_mailbox *mb = t->mailbox;
        bool left_behind;

        t->run(t->arg);

        pthread_mutex_lock(&mb->lock);
        left_behind = mb->closed;
        if (!left_behind) {
                t->ended = true;
                pthread_cond_broadcast(&mb->ended);
                wake_main_thread(mb);
        }
        pthread_mutex_unlock(&mb->lock);
        /* Not left behind: `t` is the main thread's from here on. */
        if (left_behind)
                thread_free(t);
        return NULL;
}

int chip_thread_start(struct chip_mailbox *mb, const char *name, chip_thread_fn run,
                      chip_thread_fn done, void *arg) {
        struct chip_thread *t = calloc(1, sizeof(*t));
        int r = -ENOMEM;

        if (t && (t->name = strdup(name))) {
                t->mailbox = mb;
                t->run = run;
                t->done = done;
                t->arg = arg;
                /* Listed before it runs, so that its end always finds it. */
                pthread_mutex_lock(&mb->lock);
                r = -pthread_create(&t->id, NULL, thread_main, t);
                if (r == 0) {
                        mb->n_refs++;
                        t->next = mb->threads;
                        mb->threads = t;
                }
                pthread_mutex_unlock(&mb->lock);
        }
        if (r < 0) {
                eg_host_log(mb->host, EG_LOG_ERROR, "%s: cannot start a thread: %s", name,
                            strerror(-r));
                if (t)
                        free(t->name);
                free(t);
        }
        return r;
}

/* Under mb->lock: take the ended threads out of the list, onto `*ended`. */
static void take_ended(struct chip_mailbox *mb, struct chip_thread **ended) {
        for (struct chip_thread **p = &mb->threads; *p;) {
                struct chip_thread *t = *p;

                if (!t->ended) {
                        p = &t->next;
                        continue;
                }
                *p = t->next;
                t->next = *ended;
                *ended = t;
        }
}

/* Main thread: an ended thread has nothing left to do but return, so the join
 * is over at once. */
static void join_all(struct chip_thread *t) {
        while (t) {
                struct chip_thread *next = t->next;

                (void) pthread_join(t->id, NULL);
                thread_free(t);
                t = next;
        }
}

void chip_mailbox_dispatch(struct chip_mailbox *mb) {
        struct chip_thread *ended = NULL;
        struct chip_mail *mail;

        pthread_mutex_lock(&mb->lock);
        mail = mb->mail;
        mb->mail = NULL;
        take_ended(mb, &ended);
        pthread_mutex_unlock(&mb->lock);

        for (struct chip_mail *m = mail; m; m = m->next)
                mb->fn(mb->userdata, m);
        mail_free_all(mail);
        join_all(ended);
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
        mb->n_refs = 1;
        mb->fd = -1;
        pthread_mutex_init(&mb->lock, NULL);
        chip_cond_init(&mb->ended);
        mb->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (mb->fd < 0) {
                r = -errno;
                mailbox_unref(mb);
                return r;
        }
        r = eg_host_io_add(host, mb->fd, EPOLLIN, on_mailbox, mb, &mb->source);
        if (r < 0) {
                mailbox_unref(mb);
                return r;
        }
        *ret = mb;
        return 0;
}

/*
 * A thread left behind still runs the plugin's code, and its libraries', when
 * its call returns, long after egated may have dlclose()d the plugin: keep
 * the module this code is part of mapped until the process ends.
 */
static const char pin_anchor;

static void pin_module(struct chip_mailbox *mb) {
        struct link_map *map = NULL;
        Dl_info info;
        void *handle;

        if (dladdr1(&pin_anchor, &info, (void **) &map, RTLD_DL_LINKMAP) == 0 || !map) {
                eg_host_log(mb->host, EG_LOG_ERROR,
                            "cannot find the plugin's module to keep it loaded");
                return;
        }
        if (map->l_name[0] == '\0')
                return; /* linked into the program itself, which is never unloaded */
        handle = dlopen(map->l_name, RTLD_LAZY | RTLD_NOLOAD | RTLD_NODELETE);
        if (!handle) {
                eg_host_log(mb->host, EG_LOG_ERROR, "cannot keep the plugin loaded: %s", dlerror());
                return;
        }
        (void) dlclose(handle); /* RTLD_NODELETE stays on the module */
}

/*
 * This runs on egated's main thread, from the plugin's shutdown(): the SDK
 * wants no host call from the plugin once shutdown() has returned, and has no
 * way for a plugin to end later, so the wait cannot move off the loop.
 * Blocking the loop here is acceptable because it is bounded and egated is
 * stopping: the doors are in their safe state already and no lane serves.
 */
void chip_mailbox_close(struct chip_mailbox *mb) {
        struct chip_thread *ended = NULL;
        struct chip_mail *mail;
        struct timespec until;

        if (!mb)
                return;
        eg_host_source_remove(mb->host, mb->source);
        chip_deadline_in(&until, CHIP_STOP_TIMEOUT_USEC);

        pthread_mutex_lock(&mb->lock);
        for (;;) {
                take_ended(mb, &ended);
                if (!mb->threads ||
                    pthread_cond_timedwait(&mb->ended, &mb->lock, &until) == ETIMEDOUT)
                        break;
        }
        take_ended(mb, &ended);
        /* Still inside the library: its thread owns it from now on.  Named under the
         * lock, which it needs to find out and free itself. */
        if (mb->threads)
                pin_module(mb);
        for (struct chip_thread *t = mb->threads; t; t = t->next) {
                eg_host_log(mb->host, EG_LOG_WARNING,
                            "%s: still blocked in the reader library %d ms after the stop; "
                            "left behind (a wedged reader or a hung service?)",
                            t->name, CHIP_STOP_TIMEOUT_USEC / 1000);
                (void) pthread_detach(t->id);
        }
        mb->threads = NULL;
        mb->closed = true;
        mail = mb->mail;
        mb->mail = NULL;
        pthread_mutex_unlock(&mb->lock);

        mail_free_all(mail); /* what the threads reported no longer matters */
        join_all(ended);
        mailbox_unref(mb);
}
