/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The SQLite backend's plumbing: requests go to a worker thread through a
 * locked queue, answers come back through a second list and an eventfd the
 * loop watches (the pattern of post-queue.c).  The loop never waits on
 * SQLite; a worker never touches the loop's objects.  There are two workers,
 * each with its own connection: one makes the changes, the other answers the
 * lanes' lookups, so a lookup never queues behind an import's long
 * transaction (write-ahead logging lets it read what was last committed).
 *
 * What the worker does with each request is in registry-queries.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>

#include "log.h"
#include "registry-json.h"
#include "registry-sqlite-internal.h"
#include "registry-sqlite.h"

static void request_free(struct registry_request *req) {
        if (!req)
                return;
        free(req->member_id);
        if (req->json) {
                explicit_bzero(req->json, strlen(req->json));
                free(req->json);
        }
        closep(&req->fd);
        free(req->reason);
        free(req->actor);
        if (req->finger.data) {
                explicit_bzero(req->finger.data, req->finger.len);
                free(req->finger.data);
        }
        free(req->finger.format);
        eg_member_free(req->member);
        eg_registry_admin_result_done(&req->result);
        free(req);
}

static void *worker_main(void *userdata) {
        struct registry_sqlite *b = userdata;

        pthread_mutex_lock(&b->lock);
        for (;;) {
                static const uint64_t one = 1;
                struct registry_request *req;
                bool cancelled;

                while (!b->stopping && !b->queue)
                        pthread_cond_wait(&b->wake, &b->lock);
                if (b->stopping)
                        break;
                req = b->queue;
                EG_LIST_REMOVE(requests, b->queue, req);
                b->running = req;

                if (b->test_delay_usec > 0) {
                        struct timespec until;
                        uint64_t ns;

                        (void) clock_gettime(CLOCK_REALTIME, &until);
                        ns = (uint64_t) until.tv_nsec + (b->test_delay_usec % 1000000u) * 1000u;
                        until.tv_sec += (time_t) (b->test_delay_usec / 1000000u + ns / 1000000000u);
                        until.tv_nsec = (long) (ns % 1000000000u);
                        while (!b->stopping && !req->cancelled &&
                               pthread_cond_timedwait(&b->wake, &b->lock, &until) != ETIMEDOUT)
                                ;
                        if (b->stopping)
                                break;
                }
                cancelled = req->cancelled;
                pthread_mutex_unlock(&b->lock);

                if (!cancelled)
                        registry_execute(b, req);

                pthread_mutex_lock(&b->lock);
                b->running = NULL;
                EG_LIST_APPEND(requests, b->done, req);
                /* Under the lock: once we let go, the loop may drain and free. */
                if (write(b->event_fd, &one, sizeof(one)) < 0) {
                        /* Only a saturated counter fails: the loop is due to wake anyway. */
                }
        }
        pthread_mutex_unlock(&b->lock);
        return NULL;
}

static void deliver(struct registry_request *req) {
        if (req->is_lookup) {
                int status = req->cancelled ? -ECANCELED : req->lookup_status;
                struct eg_member *m = TAKE_PTR(req->member);

                if (status < 0) {
                        eg_member_free(m);
                        m = NULL;
                }
                req->lookup_done(status, m, req->userdata);
                return;
        }
        req->admin_done(&req->result, req->userdata);
}

static void worker_destroy(struct registry_sqlite *b);

static int on_answers(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        struct registry_sqlite *b = userdata;
        uint64_t counter;

        (void) read(fd, &counter, sizeof(counter));
        b->dispatching = true;
        while (!b->free_requested) {
                struct registry_request *req;

                pthread_mutex_lock(&b->lock);
                req = b->done;
                if (req)
                        EG_LIST_REMOVE(requests, b->done, req);
                pthread_mutex_unlock(&b->lock);
                if (!req)
                        break;
                deliver(req); /* may free the whole registry: see free_requested */
                request_free(req);
        }
        b->dispatching = false;
        if (b->free_requested)
                worker_destroy(b);
        return 0;
}

static int enqueue(struct registry_sqlite *b, struct registry_request *req) {
        pthread_mutex_lock(&b->lock);
        if (b->stopping) {
                pthread_mutex_unlock(&b->lock);
                return -ESHUTDOWN;
        }
        req->id = ++b->next_id;
        EG_LIST_APPEND(requests, b->queue, req);
        pthread_cond_signal(&b->wake);
        pthread_mutex_unlock(&b->lock);
        return 0;
}

/* What the registry wrapper holds: the two workers. */
struct registry_backend {
        struct registry_sqlite *changes;
        struct registry_sqlite *lookups;
};

static int backend_lookup(void *backend, const char *issuing_state, const char *document_number,
                          eg_registry_lookup_fn done, void *userdata, uint64_t *ret_request) {
        struct registry_sqlite *b = ((struct registry_backend *) backend)->lookups;
        struct registry_request *req;
        int r;

        if (eg_issuing_state_normalize(issuing_state, (char[4]){}) < 0 ||
            !eg_document_number_is_valid(document_number))
                return -EINVAL;
        req = calloc(1, sizeof(*req));
        if (!req)
                return -ENOMEM;
        req->fd = -1;
        req->is_lookup = true;
        (void) eg_issuing_state_normalize(issuing_state, req->issuing_state);
        strcpy(req->document_number, document_number);
        req->lookup_done = done;
        req->userdata = userdata;
        r = enqueue(b, req);
        if (r < 0) {
                request_free(req);
                return r;
        }
        *ret_request = req->id;
        return 0;
}

static int backend_lookup_holder(void *backend, const char *issuing_state,
                                 const struct eg_date *birth_date, eg_registry_lookup_fn done,
                                 void *userdata, uint64_t *ret_request) {
        struct registry_sqlite *b = ((struct registry_backend *) backend)->lookups;
        struct registry_request *req;
        int r;

        if (!birth_date || !eg_date_is_valid(birth_date))
                return -EINVAL;
        req = calloc(1, sizeof(*req));
        if (!req)
                return -ENOMEM;
        req->fd = -1;
        req->is_lookup = true;
        req->by_holder = true;
        req->birth_date = *birth_date;
        if (eg_issuing_state_normalize(issuing_state, req->issuing_state) < 0) {
                request_free(req);
                return -EINVAL;
        }
        req->lookup_done = done;
        req->userdata = userdata;
        r = enqueue(b, req);
        if (r < 0) {
                request_free(req);
                return r;
        }
        *ret_request = req->id;
        return 0;
}

static struct registry_request *find_in(struct registry_request *head, uint64_t id) {
        struct registry_request *req;

        EG_LIST_FOREACH (requests, req, head)
                if (req->id == id)
                        return req;
        return NULL;
}

static void backend_cancel(void *backend, uint64_t id) {
        struct registry_sqlite *b = ((struct registry_backend *) backend)->lookups;
        struct registry_request *req;
        static const uint64_t one = 1;

        pthread_mutex_lock(&b->lock);
        req = find_in(b->queue, id);
        if (req) {
                /* Not started: answer at once, from the loop. */
                EG_LIST_REMOVE(requests, b->queue, req);
                req->cancelled = true;
                EG_LIST_APPEND(requests, b->done, req);
                if (write(b->event_fd, &one, sizeof(one)) < 0) {
                        /* saturated: the loop wakes anyway */
                }
        } else if (b->running && b->running->id == id) {
                b->running->cancelled = true;
                pthread_cond_signal(&b->wake); /* ends a test delay */
        } else {
                req = find_in(b->done, id);
                if (req)
                        req->cancelled = true;
        }
        pthread_mutex_unlock(&b->lock);
}

static int strdup_or_null(char **dst, const char *src) {
        if (!src)
                return 0;
        *dst = strdup(src);
        return *dst ? 0 : -ENOMEM;
}

static int backend_admin(void *backend, const struct eg_registry_admin_request *in,
                         eg_registry_admin_fn done, void *userdata) {
        struct registry_sqlite *b = ((struct registry_backend *) backend)->changes;
        struct registry_request *req;
        int r = 0;

        req = calloc(1, sizeof(*req));
        if (!req)
                return -ENOMEM;
        req->fd = -1;
        req->kind = in->kind;
        req->status = in->status;
        req->admin_done = done;
        req->userdata = userdata;
        if (strdup_or_null(&req->member_id, in->member_id) < 0 ||
            strdup_or_null(&req->json, in->json) < 0 ||
            strdup_or_null(&req->reason, in->reason) < 0 ||
            strdup_or_null(&req->actor, in->actor) < 0)
                r = -ENOMEM;
        if (r >= 0 && in->kind == EG_REGISTRY_ADMIN_IMPORT) {
                req->fd = fcntl(in->fd, F_DUPFD_CLOEXEC, 3);
                if (req->fd < 0)
                        r = -errno;
        }
        if (r >= 0 && in->kind == EG_REGISTRY_ADMIN_STORE_FINGER) {
                if (!in->finger || !in->finger->data || in->finger->len == 0)
                        r = -EINVAL;
                else {
                        req->finger.position = in->finger->position;
                        req->finger.len = in->finger->len;
                        req->finger.data = malloc(in->finger->len);
                        if (!req->finger.data ||
                            strdup_or_null(&req->finger.format, in->finger->format) < 0)
                                r = -ENOMEM;
                        else
                                memcpy(req->finger.data, in->finger->data, in->finger->len);
                }
        }
        if (r >= 0)
                r = enqueue(b, req);
        if (r < 0)
                request_free(req);
        return r;
}

/* The last step of freeing, once no answer is being delivered. */
static void worker_destroy(struct registry_sqlite *b) {
        while (b->queue || b->done) {
                struct registry_request **head = b->queue ? &b->queue : &b->done;
                struct registry_request *req = *head;

                EG_LIST_REMOVE(requests, *head, req);
                request_free(req);
        }
        b->event_source = sd_event_source_disable_unref(b->event_source);
        closep(&b->event_fd);
        registry_statements_finalize(b);
        if (b->db)
                (void) sqlite3_close_v2(b->db);
        pthread_cond_destroy(&b->wake);
        pthread_mutex_destroy(&b->lock);
        free(b->path);
        free(b);
}

static void worker_free(struct registry_sqlite *b) {
        if (!b)
                return;
        if (b->thread_started) {
                pthread_mutex_lock(&b->lock);
                b->stopping = true;
                pthread_cond_broadcast(&b->wake);
                pthread_mutex_unlock(&b->lock);
                (void) pthread_join(b->thread, NULL);
                b->thread_started = false;
                /* A request the worker was on when it stopped. */
                request_free(TAKE_PTR(b->running));
        }
        if (b->dispatching) {
                b->free_requested = true; /* on_answers() finishes it */
                return;
        }
        worker_destroy(b);
}

static void backend_free(void *backend) {
        struct registry_backend *rb = backend;

        if (!rb)
                return;
        worker_free(rb->lookups);
        worker_free(rb->changes);
        free(rb);
}

static const struct eg_registry_backend_ops sqlite_ops = {
        .name = "sqlite",
        .lookup = backend_lookup,
        .cancel = backend_cancel,
        .free = backend_free,
        .admin = backend_admin,
        .lookup_holder = backend_lookup_holder,
};

/* A connection to path (read-only for lookups) and its worker, answering on e. */
static int worker_new(sd_event *e, const char *path, bool lookups, struct registry_sqlite **ret) {
        const char *what = lookups ? "lookups" : "changes";
        struct registry_sqlite *b;
        int r;

        b = calloc(1, sizeof(*b));
        if (!b)
                return log_oom();
        b->event_fd = -1;
        pthread_mutex_init(&b->lock, NULL);
        pthread_cond_init(&b->wake, NULL);
        b->path = strdup(path);
        if (!b->path) {
                worker_free(b);
                return log_oom();
        }
        r = lookups ? registry_db_open_reader(path, &b->db) : registry_db_open(path, &b->db);
        if (r < 0) {
                worker_free(b);
                return r;
        }
        b->event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (b->event_fd < 0) {
                r = log_error_errno(errno, "registry: cannot create an eventfd for %s: %m", what);
                worker_free(b);
                return r;
        }
        r = sd_event_add_io(e, &b->event_source, b->event_fd, EPOLLIN, on_answers, b);
        if (r < 0) {
                log_error_errno(r, "registry: cannot watch the %s worker's eventfd: %m", what);
                worker_free(b);
                return r;
        }
        (void) sd_event_source_set_description(b->event_source,
                                               lookups ? "registry-lookups" : "registry-changes");
        r = -pthread_create(&b->thread, NULL, worker_main, b);
        if (r < 0) {
                log_error_errno(r, "registry: cannot start the %s worker thread: %m", what);
                worker_free(b);
                return r;
        }
        b->thread_started = true;
        (void) pthread_setname_np(b->thread, lookups ? "egate-reg-look" : "egate-reg-change");
        *ret = b;
        return 0;
}

int eg_registry_sqlite_open(sd_event *e, const char *state_dir, struct eg_registry **ret) {
        _cleanup_free_ char *path = NULL;
        struct registry_backend *rb;
        int r;

        if (!e || !state_dir || !ret)
                return -EINVAL;
        if (asprintf(&path, "%s/%s", state_dir, EG_REGISTRY_SQLITE_FILE) < 0)
                return log_oom();
        rb = calloc(1, sizeof(*rb));
        if (!rb)
                return log_oom();
        /* The changes first: that connection creates and migrates the file. */
        r = worker_new(e, path, false, &rb->changes);
        if (r >= 0)
                r = worker_new(e, path, true, &rb->lookups);
        if (r < 0) {
                backend_free(rb);
                return r;
        }
        r = eg_registry_new(e, &sqlite_ops, rb, EG_REGISTRY_DEFAULT_TIMEOUT_MS, ret);
        if (r < 0)
                return log_error_errno(r, "registry: cannot set up: %m");
        log_info("registry: %s open (schema version %d)", path, EG_REGISTRY_SCHEMA_VERSION);
        return 0;
}

static void worker_set_test_delay(struct registry_sqlite *b, uint64_t usec) {
        pthread_mutex_lock(&b->lock);
        b->test_delay_usec = usec;
        pthread_mutex_unlock(&b->lock);
}

void eg_registry_sqlite_set_test_delay(struct eg_registry *r, uint64_t usec) {
        struct registry_backend *rb;

        if (!r || r->ops != &sqlite_ops)
                return;
        rb = r->backend;
        worker_set_test_delay(rb->changes, usec);
        worker_set_test_delay(rb->lookups, usec);
}
