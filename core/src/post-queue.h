/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Completions and events posted by plugins, from any thread, to the event
 * loop: a mutex-protected FIFO plus an eventfd the loop watches.  Entries are
 * deep copies, so a plugin's buffers are free to go as soon as it returns.
 * A post from the loop's own thread (most of them) needs no wake-up: it
 * enables a defer source instead of writing the eventfd, and another
 * thread writes the eventfd only when no wake-up is already on its way.
 */
#pragma once

#include <egate/plugin.h>
#include <pthread.h>
#include <stdbool.h>
#include <systemd/sd-event.h>

#include "list.h"
#include "operation.h"

struct eg_plugin;
struct eg_manager;

enum eg_post_kind {
        EG_POST_COMPLETION,
        EG_POST_EVENT,
};

struct eg_post {
        enum eg_post_kind kind;
        struct eg_plugin *plugin;
        eg_op_id op;
        eg_device_id device;
        struct eg_op_outcome outcome; /* EG_POST_COMPLETION */
        struct eg_event event; /* EG_POST_EVENT; zone/message owned */
        EG_LIST_FIELDS(struct eg_post, posts);
};

struct eg_post_queue {
        pthread_mutex_t lock;
        struct eg_post *head;
        size_t length;
        int event_fd;
        bool wake_pending; /* the eventfd was written and not yet drained (under lock) */
        pthread_t loop_thread;
        sd_event_source *source; /* the eventfd: posts from other threads */
        sd_event_source *defer; /* posts from the loop's thread */
};

#define EG_POST_QUEUE_MAX 4096 /* a flooding plugin gets -EBUSY, not our memory */

int eg_post_queue_init(struct eg_post_queue *q, sd_event *e, struct eg_manager *m);
void eg_post_queue_done(struct eg_post_queue *q);
/* Takes ownership of `post` on success. */
int eg_post_queue_push(struct eg_post_queue *q, struct eg_post *post);
/* Drop every queued entry of `p` (plugin stopping). */
void eg_post_queue_forget_plugin(struct eg_post_queue *q, struct eg_plugin *p);
void eg_post_free(struct eg_post *post);
