/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "worker.h"

#include <pthread.h>
#include <stdlib.h>

#include "mock-macro.h"

struct job {
        struct job *next;
        eg_op_id op;
        const void *owner;
        struct mock_worker_result result;
};

struct mock_worker {
        struct eg_host *host;
        pthread_t thread;
        pthread_mutex_t lock;
        pthread_cond_t wake;
        struct job *head, *tail;
        bool stop;
};

static void *worker_main(void *userdata) {
        struct mock_worker *w = userdata;

        pthread_mutex_lock(&w->lock);
        for (;;) {
                struct job *j;

                while (!w->stop && !w->head)
                        pthread_cond_wait(&w->wake, &w->lock);
                if (w->stop)
                        break;

                j = w->head;
                w->head = j->next;
                if (!w->head)
                        w->tail = NULL;
                pthread_mutex_unlock(&w->lock);

                struct eg_op_result r = {
                        .size = sizeof(r),
                        .status = j->result.status,
                        .message = j->result.message,
                        .fd = -1,
                        .score = j->result.score,
                        .threshold = j->result.threshold,
                        .match = j->result.match,
                        .presentation_attack = j->result.presentation_attack,
                };
                (void) eg_host_complete(w->host, j->op, &r);
                free(j);

                pthread_mutex_lock(&w->lock);
        }
        pthread_mutex_unlock(&w->lock);
        return NULL;
}

int mock_worker_new(struct eg_host *host, struct mock_worker **ret) {
        struct mock_worker *w;
        int r;

        w = calloc(1, sizeof(*w));
        if (!w)
                return -ENOMEM;
        w->host = host;
        pthread_mutex_init(&w->lock, NULL);
        pthread_cond_init(&w->wake, NULL);

        r = pthread_create(&w->thread, NULL, worker_main, w);
        if (r != 0) {
                pthread_cond_destroy(&w->wake);
                pthread_mutex_destroy(&w->lock);
                free(w);
                return -r;
        }
        *ret = w;
        return 0;
}

struct mock_worker *mock_worker_free(struct mock_worker *w) {
        if (!w)
                return NULL;

        pthread_mutex_lock(&w->lock);
        w->stop = true;
        pthread_cond_signal(&w->wake);
        pthread_mutex_unlock(&w->lock);
        (void) pthread_join(w->thread, NULL);

        while (w->head) {
                struct job *j = w->head;
                w->head = j->next;
                free(j);
        }
        pthread_cond_destroy(&w->wake);
        pthread_mutex_destroy(&w->lock);
        free(w);
        return NULL;
}

int mock_worker_post(struct mock_worker *w, eg_op_id op, const void *owner,
                     const struct mock_worker_result *result) {
        struct job *j = calloc(1, sizeof(*j));

        if (!j)
                return -ENOMEM;
        *j = (struct job){ .op = op, .owner = owner, .result = *result };

        pthread_mutex_lock(&w->lock);
        if (w->tail)
                w->tail->next = j;
        else
                w->head = j;
        w->tail = j;
        pthread_cond_signal(&w->wake);
        pthread_mutex_unlock(&w->lock);
        return 0;
}

static void drop_matching(struct mock_worker *w, bool by_owner, eg_op_id op, const void *owner) {
        pthread_mutex_lock(&w->lock);
        for (struct job **p = &w->head; *p;) {
                struct job *j = *p;

                if (by_owner ? j->owner == owner : j->op == op) {
                        *p = j->next;
                        free(j);
                } else
                        p = &j->next;
        }
        w->tail = NULL;
        for (struct job *j = w->head; j; j = j->next)
                w->tail = j;
        pthread_mutex_unlock(&w->lock);
}

void mock_worker_drop(struct mock_worker *w, eg_op_id op) {
        drop_matching(w, false, op, NULL);
}

void mock_worker_drop_owner(struct mock_worker *w, const void *owner) {
        drop_matching(w, true, 0, owner);
}
