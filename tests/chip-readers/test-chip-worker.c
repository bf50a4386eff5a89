/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * plugins/chip-common against a stand-in host: a worker wedged inside its
 * reader library must not hold up the plugin's shutdown, and when the call
 * comes back after all it must reach nothing that shutdown took away.  The
 * stand-in host counts every call made after the plugin's shutdown; ASan
 * and LeakSanitizer watch the memory the thread is left with.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "chip-worker.h"
#include "thread-count.h"

#define READER_NAME "test-reader 1"
/* Slack for a loaded CI machine on top of the bound under test. */
#define SLACK_USEC (1000 * 1000)

struct eg_host {
        const struct eg_host_api *api; /* first, as struct eg_host_header */
        pthread_mutex_t lock;
        bool shut_down; /* the plugin's shutdown() has returned */
        unsigned calls_after_shutdown;
        unsigned warnings, completions;
        int last_status;
        char log[4096];
        int io_fd;
        eg_io_fn io_fn;
        void *io_userdata;
};

static void host_note(struct eg_host *h) {
        if (h->shut_down)
                h->calls_after_shutdown++;
}

static void host_log(struct eg_host *h, int level_and_flags, const char *message) {
        pthread_mutex_lock(&h->lock);
        host_note(h);
        if ((level_and_flags & 0xff) == EG_LOG_WARNING)
                h->warnings++;
        (void) snprintf(h->log + strlen(h->log), sizeof(h->log) - strlen(h->log), "%d %s\n",
                        level_and_flags & 0xff, message);
        pthread_mutex_unlock(&h->lock);
}

static int host_complete(struct eg_host *h, eg_op_id op, const struct eg_op_result *result) {
        pthread_mutex_lock(&h->lock);
        host_note(h);
        h->completions++;
        h->last_status = result->status;
        pthread_mutex_unlock(&h->lock);
        return 0;
}

static unsigned host_completions(struct eg_host *h) {
        unsigned n;

        pthread_mutex_lock(&h->lock);
        n = h->completions;
        pthread_mutex_unlock(&h->lock);
        return n;
}

static int host_emit(struct eg_host *h, eg_device_id device, const struct eg_event *event) {
        pthread_mutex_lock(&h->lock);
        host_note(h);
        pthread_mutex_unlock(&h->lock);
        return 0;
}

static int host_io_add(struct eg_host *h, int fd, uint32_t epoll_events, eg_io_fn fn,
                       void *userdata, eg_source_id *ret) {
        h->io_fd = fd;
        h->io_fn = fn;
        h->io_userdata = userdata;
        *ret = 1;
        return 0;
}

static void host_source_remove(struct eg_host *h, eg_source_id source) {
        h->io_fd = -1;
}

static const struct eg_host_api host_api = {
        .size = sizeof(host_api),
        .log = host_log,
        .complete = host_complete,
        .emit = host_emit,
        .io_add = host_io_add,
        .source_remove = host_source_remove,
};

/* The reader library: execute() blocks while the reader is wedged. */
static struct {
        pthread_mutex_t lock;
        pthread_cond_t cond; /* on CLOCK_MONOTONIC, as chip_deadline_in() counts */
        bool wedged;
        bool inside; /* a call is blocked in it */
        bool released; /* the device's memory was handed back */
        pthread_t released_on;
} lib = { .lock = PTHREAD_MUTEX_INITIALIZER };

struct test_reader {
        struct chip_mailbox *mailbox;
        uint8_t *handle; /* what the library call works on: freed by release() only */
};

static void lib_set(bool *flag, bool value) {
        pthread_mutex_lock(&lib.lock);
        *flag = value;
        pthread_cond_broadcast(&lib.cond);
        pthread_mutex_unlock(&lib.lock);
}

static bool lib_wait(const bool *flag, bool value, uint64_t usec) {
        struct timespec until;
        bool reached;

        chip_deadline_in(&until, usec);
        pthread_mutex_lock(&lib.lock);
        while (*flag != value)
                if (pthread_cond_timedwait(&lib.cond, &lib.lock, &until) == ETIMEDOUT)
                        break;
        reached = *flag == value;
        pthread_mutex_unlock(&lib.lock);
        return reached;
}

static void reader_execute(void *userdata, const struct chip_request *req, struct chip_reply *reply,
                           uint8_t *buffer) {
        struct test_reader *r = userdata;

        lib_set(&lib.inside, true);
        pthread_mutex_lock(&lib.lock);
        while (lib.wedged)
                pthread_cond_wait(&lib.cond, &lib.lock);
        pthread_mutex_unlock(&lib.lock);
        lib_set(&lib.inside, false);

        /* Back from the library: what a plugin does next (nfc reports the chip
         * gone and logs, pcsc's monitor posts) must not reach a host that is gone. */
        r->handle[0]++;
        (void) chip_mailbox_emit(r->mailbox, 1,
                                 &(struct eg_event){ .size = sizeof(struct eg_event),
                                                     .type = EG_EVENT_CHIP_REMOVED });
        chip_mailbox_log(r->mailbox, EG_LOG_INFO, "exchange over");
        (void) chip_mailbox_post(r->mailbox, 0, "late news", 0);
        memcpy(buffer, "\x90\x00", 2);
        reply->len = 2;
}

static void reader_finish(void *userdata) {
        struct test_reader *r = userdata;

        r->handle[0]++; /* the library's handles are released here */
}

static void reader_release(void *userdata) {
        struct test_reader *r = userdata;

        free(r->handle);
        free(r);
        pthread_mutex_lock(&lib.lock);
        lib.released_on = pthread_self();
        lib.released = true;
        pthread_cond_broadcast(&lib.cond);
        pthread_mutex_unlock(&lib.lock);
}

static const struct chip_worker_ops reader_ops = {
        .execute = reader_execute,
        .finish = reader_finish,
        .release = reader_release,
};

static unsigned mail_delivered;

static void on_mail(void *userdata, const struct chip_mail *m) {
        mail_delivered++;
}

static struct eg_host *host_new(void) {
        struct eg_host *h = calloc(1, sizeof(*h));

        assert_non_null(h);
        h->api = &host_api;
        h->io_fd = -1;
        pthread_mutex_init(&h->lock, NULL);
        return h;
}

static void host_free(struct eg_host *h) {
        pthread_mutex_destroy(&h->lock);
        free(h);
}

static struct chip_worker *reader_start(struct chip_mailbox *mb) {
        struct test_reader *r = calloc(1, sizeof(*r));
        struct chip_worker *w = NULL;

        assert_non_null(r);
        r->mailbox = mb;
        r->handle = calloc(1, 16);
        assert_non_null(r->handle);
        lib.released = false;
        assert_int_equal(chip_worker_start(mb, READER_NAME, &reader_ops, r, 0, &w), 0);
        return w;
}

static void transmit(struct chip_worker *w, eg_op_id op) {
        static const uint8_t select[] = { 0x00, 0xA4, 0x04, 0x0C };
        struct eg_op_args args = { .size = sizeof(args),
                                   .kind = EG_OP_CHIP_TRANSMIT,
                                   .data = select,
                                   .data_len = sizeof(select),
                                   .timeout_ms = 1000 };

        assert_int_equal(chip_worker_submit(w, op, &args, NULL), 0);
}

struct closer {
        struct chip_mailbox *mb;
        pthread_t thread;
        bool done;
};

static void *close_mailbox(void *userdata) {
        struct closer *c = userdata;

        chip_mailbox_close(c->mb);
        lib_set(&c->done, true);
        return NULL;
}

static void test_stuck_worker_is_left_behind(void **state) {
        unsigned threads_before = thread_count();
        struct eg_host *h = host_new();
        struct chip_mailbox *mb = NULL;
        struct closer c = {};
        struct chip_worker *w;
        uint64_t t0, took, t1;
        bool closed;

        assert_int_equal(chip_mailbox_new(h, on_mail, NULL, &mb), 0);
        w = reader_start(mb);
        lib.wedged = true;
        transmit(w, 7);
        assert_true(lib_wait(&lib.inside, true, 5000000));

        /* The device is removed while its thread is stuck: nothing waits. */
        t0 = chip_now_usec();
        chip_worker_stop(w);
        chip_mailbox_dispatch(mb);
        assert_true(chip_now_usec() - t0 < 100000);

        /* Shutdown: bounded.  Closed from a thread of the test's, so that a wait
         * without end fails the test instead of hanging it. */
        c.mb = mb;
        t0 = chip_now_usec();
        assert_int_equal(pthread_create(&c.thread, NULL, close_mailbox, &c), 0);
        closed = lib_wait(&c.done, true, CHIP_STOP_TIMEOUT_USEC + SLACK_USEC);
        took = chip_now_usec() - t0;
        if (!closed) {
                lib_set(&lib.wedged, false); /* let it go, so that the test can end */
                (void) pthread_join(c.thread, NULL);
                fail_msg("chip_mailbox_close() still waited for the wedged worker after %.1f s",
                         (double) took / 1e6);
        }
        (void) pthread_join(c.thread, NULL);
        assert_true(took >= CHIP_STOP_TIMEOUT_USEC - 50000);
        assert_int_equal(h->warnings, 1);
        assert_non_null(strstr(h->log, "4 " READER_NAME ": still blocked in the reader library"));
        assert_int_equal(h->io_fd, -1); /* no longer watched */
        assert_false(lib.released); /* still the thread's, which is still inside */
        h->shut_down = true;

        /* The call comes back long after: the thread cleans up after itself,
         * reaching nothing of the host. */
        t1 = chip_now_usec();
        lib_set(&lib.wedged, false);
        assert_true(lib_wait(&lib.released, true, 5000000));
        assert_false(pthread_equal(lib.released_on, pthread_self()));
        assert_true(thread_count_falls_to(threads_before, 5000));
        assert_true(chip_now_usec() - t1 < 5000000);
        assert_int_equal(h->calls_after_shutdown, 0);
        assert_int_equal(h->completions, 0); /* stopped: answered no more */
        assert_int_equal(mail_delivered, 0);
        host_free(h);
}

/* The usual case: a healthy worker is joined from the loop and shutdown does
 * not wait. */
static void test_stopped_worker_is_joined(void **state) {
        unsigned threads_before = thread_count();
        struct eg_host *h = host_new();
        struct chip_mailbox *mb = NULL;
        struct pollfd pfd = { .events = POLLIN };
        struct chip_worker *w;
        uint64_t t0;

        assert_int_equal(chip_mailbox_new(h, on_mail, NULL, &mb), 0);
        w = reader_start(mb);
        lib.wedged = false;
        transmit(w, 8);
        pfd.fd = h->io_fd;
        for (unsigned i = 0; i < 500 && !host_completions(h); i++)
                (void) poll(NULL, 0, 10);
        assert_int_equal(host_completions(h), 1);
        assert_int_equal(h->last_status, 0);

        chip_worker_stop(w);
        /* The loop hears of the thread's end and joins it. */
        while (!lib.released) {
                assert_int_equal(poll(&pfd, 1, 5000), 1);
                h->io_fn(pfd.fd, POLLIN, h->io_userdata);
        }
        assert_true(pthread_equal(lib.released_on, pthread_self()));
        assert_int_equal(mail_delivered, 1); /* what the worker posted */
        assert_int_equal(thread_count(), threads_before);

        t0 = chip_now_usec();
        chip_mailbox_close(mb);
        assert_true(chip_now_usec() - t0 < 100000);
        assert_int_equal(h->warnings, 0);
        mail_delivered = 0;
        host_free(h);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_stopped_worker_is_joined),
                cmocka_unit_test(test_stuck_worker_is_left_behind),
        };

        chip_cond_init(&lib.cond);
        return cmocka_run_group_tests(tests, NULL, NULL);
}
