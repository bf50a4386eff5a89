/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <sys/eventfd.h>

#include "host.h"
#include "log.h"
#include "manager.h"
#include "post-queue.h"

void eg_post_free(struct eg_post *post) {
        if (!post)
                return;
        eg_op_outcome_done(&post->outcome);
        free((char *) post->event.zone);
        free((char *) post->event.message);
        free(post);
}

static void apply_post(struct eg_manager *m, struct eg_post *post) {
        struct eg_device *d;

        switch (post->kind) {
        case EG_POST_COMPLETION:
                eg_operation_complete(m, post->plugin, post->op, &post->outcome);
                break;
        case EG_POST_EVENT:
                d = eg_device_find_handle(m, post->device);
                if (!d || d->plugin != post->plugin) {
                        log_plugin(LOG_DEBUG, 0, eg_plugin_name(post->plugin),
                                   "event for unknown device %" PRIu64 " dropped", post->device);
                        break;
                }
                eg_device_handle_event(d, &post->event);
                break;
        }
}

static void drain(struct eg_manager *m) {
        struct eg_post_queue *q = &m->posts;
        struct eg_post *batch;

        pthread_mutex_lock(&q->lock);
        batch = TAKE_PTR(q->head);
        q->length = 0;
        q->wake_pending = false;
        pthread_mutex_unlock(&q->lock);

        while (batch) {
                struct eg_post *post = batch;

                EG_LIST_REMOVE(posts, batch, post);
                apply_post(m, post);
                eg_post_free(post);
        }
        /* The completions just applied go to their callers at once, after the batch's events
         * as before, instead of one loop iteration later: a chip read is two dozen of them. */
        eg_operations_deliver(m);
}

static int on_posts(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        uint64_t counter;

        /* Reset the eventfd first: a post arriving during the drain re-arms it. */
        (void) read(fd, &counter, sizeof(counter));
        drain(userdata);
        return 0;
}

static int on_local_posts(sd_event_source *s, void *userdata) {
        drain(userdata);
        return 0;
}

int eg_post_queue_init(struct eg_post_queue *q, sd_event *e, struct eg_manager *m) {
        int r;

        *q = (struct eg_post_queue){ .event_fd = -1, .loop_thread = pthread_self() };
        r = pthread_mutex_init(&q->lock, NULL);
        if (r != 0)
                return -r;
        q->event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (q->event_fd < 0)
                return -errno;
        r = sd_event_add_io(e, &q->source, q->event_fd, EPOLLIN, on_posts, m);
        if (r < 0)
                return r;
        r = sd_event_add_defer(e, &q->defer, on_local_posts, m);
        if (r < 0)
                return r;
        return sd_event_source_set_enabled(q->defer, SD_EVENT_OFF);
}

void eg_post_queue_done(struct eg_post_queue *q) {
        q->source = sd_event_source_disable_unref(q->source);
        q->defer = sd_event_source_disable_unref(q->defer);
        while (q->head) {
                struct eg_post *post = q->head;

                EG_LIST_REMOVE(posts, q->head, post);
                eg_post_free(post);
        }
        closep(&q->event_fd);
        pthread_mutex_destroy(&q->lock);
}

int eg_post_queue_push(struct eg_post_queue *q, struct eg_post *post) {
        static const uint64_t one = 1;

        bool local = pthread_equal(pthread_self(), q->loop_thread);
        int r = 0;

        pthread_mutex_lock(&q->lock);
        if (q->length >= EG_POST_QUEUE_MAX)
                r = -EBUSY;
        else {
                /* Appending keeps each plugin's completions and events in order. */
                EG_LIST_APPEND(posts, q->head, post);
                q->length++;
                /* Wake the loop under the lock: once we let go, the loop may
                 * drain, and at shutdown free, the queue. */
                if (!local && !q->wake_pending) {
                        if (write(q->event_fd, &one, sizeof(one)) < 0) {
                                /* Only a saturated counter fails, and then the loop is
                                 * already due to wake: the entry is queued either way. */
                        }
                        q->wake_pending = true;
                }
        }
        pthread_mutex_unlock(&q->lock);
        if (r >= 0 && local)
                /* The loop's own thread: sd-event is ours to touch, no syscall needed. */
                (void) sd_event_source_set_enabled(q->defer, SD_EVENT_ONESHOT);
        return r;
}

void eg_post_queue_forget_plugin(struct eg_post_queue *q, struct eg_plugin *p) {
        struct eg_post *post, *next;

        pthread_mutex_lock(&q->lock);
        EG_LIST_FOREACH_SAFE (posts, post, next, q->head) {
                if (post->plugin != p)
                        continue;
                EG_LIST_REMOVE(posts, q->head, post);
                q->length--;
                eg_post_free(post);
        }
        pthread_mutex_unlock(&q->lock);
}
