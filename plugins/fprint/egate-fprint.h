/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fprint: FingerprintScanner devices driven by libfprint 2.
 *
 * Two threads share the structures below:
 *
 *   main thread  egated's event loop.  Runs the SDK entry points (init,
 *                declare_device, start, cancel, close, shutdown) and the
 *                "outbox" fd watch that removes unplugged devices.
 *   GLib thread  owns GLib's default GMainContext (libfprint 1.94 insists on
 *                it, see loop.c) and every libfprint object.  Nothing
 *                else calls into libfprint.
 *
 * The main thread talks to the GLib thread only through the inbox (a queue
 * of messages drained by an idle source on the GLib context); the GLib thread
 * answers through eg_host_complete()/eg_host_emit() (allowed from any thread)
 * and, for main-thread-only host calls, through the outbox (a queue plus an
 * eventfd the main thread watches).  Each field says which thread may touch it.
 */
#pragma once

#include <egate/plugin.h>
#include <fprint.h>
#include <stdatomic.h>
#include <stdbool.h>

#define FPRINT_TEMPLATE_FORMAT "libfprint-fpi-data"
#define FPRINT_IMAGE_FORMAT "image/x-portable-graymap"
/* libfprint reports no score for match-on-chip devices: a decision is all we get. */
#define FPRINT_SCORE_MATCH 1.0
#define FPRINT_SCORE_NO_MATCH 0.0
#define FPRINT_THRESHOLD 0.5
/* How long init waits for libfprint's first enumeration (USB: milliseconds). */
#define FPRINT_ENUMERATE_TIMEOUT_USEC (10 * G_USEC_PER_SEC)
/* How long shutdown lets devices close before the GLib thread stops anyway. */
#define FPRINT_CLOSE_TIMEOUT_MS 2000

/* A libfprint device found by the first enumeration. */
struct fprint_candidate {
        FpDevice *fp; /* a reference; used on the GLib thread only */
        char *driver; /* immutable copies, readable from both threads */
        char *device_id;
        char *name;
        bool can_capture;
        bool can_verify;
        bool claimed; /* main thread: a declared device uses it */
};

enum fprint_device_state {
        FPRINT_DEVICE_OPENING,
        FPRINT_DEVICE_OPEN,
        FPRINT_DEVICE_BROKEN, /* open failed: see broken_reason */
        FPRINT_DEVICE_REMOVED, /* unplugged */
};

struct fprint_plugin;

struct fprint_device {
        struct fprint_plugin *plugin;
        struct fprint_candidate *candidate;
        eg_device_id id; /* set by the main thread before the GLib thread sees the device */
        char *name; /* the [device.NAME] section, for log lines */

        /* The operation egated considers running (0: none).  The main thread
         * claims it in start(); whoever finishes or cancels it clears it with a
         * compare-and-swap, so a completion never frees a newer operation. */
        _Atomic eg_op_id active_op;

        /* GLib thread only. */
        FpDevice *fp;
        enum fprint_device_state state;
        char *broken_reason;
        GCancellable *open_cancellable;
        struct fprint_request *running; /* the libfprint action in progress */
        GQueue pending; /* requests waiting for the device */
        gulong finger_handler;
        gulong removed_handler;
        bool finger_present;
        bool closing; /* egated closed it: free once libfprint lets go */
};

/* One operation, copied out of the start() arguments. */
struct fprint_request {
        struct fprint_device *device;
        eg_op_id op;
        enum eg_op_kind kind;
        GBytes *template; /* FINGER_VERIFY */
        FpFinger finger;
        GCancellable *cancellable;
        bool answered; /* egated has its result (or no longer wants one) */
};

enum fprint_message_kind {
        FPRINT_MESSAGE_OPEN,
        FPRINT_MESSAGE_START,
        FPRINT_MESSAGE_CANCEL,
        FPRINT_MESSAGE_CLOSE,
        FPRINT_MESSAGE_QUIT,
};

struct fprint_message {
        enum fprint_message_kind kind;
        struct fprint_device *device;
        struct fprint_request *request; /* START */
        eg_op_id op; /* CANCEL */
};

struct fprint_plugin {
        struct eg_host *host;

        GMainContext *context; /* GLib's default context, a reference */
        GMainLoop *loop;
        GThread *thread;

        /* Enumeration: written by the GLib thread before `ready`, then read-only
         * (apart from candidate->claimed, which is the main thread's). */
        GMutex ready_lock;
        GCond ready_cond;
        bool ready;
        bool abandoned; /* init gave up waiting: the thread cleans up alone */
        int start_error; /* -EBUSY: another thread owns the default context */
        struct fprint_candidate *candidates;
        size_t n_candidates;

        /* main thread -> GLib thread */
        GMutex inbox_lock;
        GQueue inbox;
        bool inbox_scheduled;

        /* GLib thread -> main thread: ids of unplugged devices to remove */
        GMutex outbox_lock;
        GArray *outbox;
        int outbox_fd;
        eg_source_id outbox_source;

        /* GLib thread only. */
        FpContext *fp_context;
        GList *live_devices; /* devices not yet freed */
        unsigned n_closing;
        bool quitting;
        GSource *quit_timeout;
};

/* loop.c: the GLib thread and the two mailboxes. */
int fprint_loop_start(struct fprint_plugin *p);
void fprint_loop_stop(struct fprint_plugin *p);
void fprint_post(struct fprint_plugin *p, const struct fprint_message *m);
void fprint_post_removal(struct fprint_plugin *p, eg_device_id id);
void fprint_closing_done(struct fprint_plugin *p);

/* device.c: the GLib-thread side of a device's life. */
void fprint_device_open(struct fprint_device *d);
void fprint_device_submit(struct fprint_device *d, struct fprint_request *req);
void fprint_device_cancel(struct fprint_device *d, eg_op_id op);
void fprint_device_close(struct fprint_device *d);
void fprint_device_action_done(struct fprint_device *d);
void fprint_device_free(struct fprint_device *d);

/* operations.c: libfprint actions and their results (GLib thread). */
/* false: not started, the request was answered already (bad template...). */
bool fprint_operation_begin(struct fprint_request *req);
void fprint_request_answer(struct fprint_request *req, const struct eg_op_result *result);
void fprint_request_fail(struct fprint_request *req, int status, const char *message);
void fprint_request_free(struct fprint_request *req);

/* image.c: a captured image as a sealed PGM memfd. */
int fprint_image_to_memfd(FpImage *image, int *ret_fd);

/* Helpers shared by the files above. */
void fprint_emit(struct fprint_device *d, enum eg_event_type type, const char *message);
