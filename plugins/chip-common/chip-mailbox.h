/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The way back from a chip plugin's threads to egated, and the threads'
 * life cycle.
 *
 *   mail       messages queued by any thread for what only egated's main
 *              thread may do (adding and removing devices); an eventfd the
 *              main thread watches with eg_host_io_add().
 *   host calls eg_host_complete(), _emit() and _log() for the plugin's
 *              threads, through the mailbox: once the plugin has shut down
 *              they are dropped instead of reaching a host that is gone.
 *   threads    started through the mailbox, which joins each on the main
 *              thread once it has ended, without waiting, and hands its
 *              argument back to done().
 *
 * A thread may be stuck for good inside a reader library (a wedged reader,
 * a hung pcscd), and nothing can pull it out safely.  So the plugin's
 * shutdown() waits for its threads only CHIP_STOP_TIMEOUT_USEC
 * (chip_mailbox_close()); a thread still running then is left behind: it
 * owns its argument from then on and ends on its own, if ever, reaching
 * nothing of the plugin but the mailbox, which lives until its last thread
 * has ended.
 */
#pragma once

#include <egate/plugin.h>
#include <pthread.h>
#include <stdint.h>
#include <time.h>

/*
 * How long shutdown() waits for the plugin's threads.  A healthy reader
 * answers a call well within a second (an APDU takes milliseconds, a slow
 * chip's waiting-time extensions some hundreds; pcsc's monitor looks for a
 * stop at least every PCSC_MONITOR_POLL_MS), so 3 s is thrice the longest
 * normal call.  It stays short because egated waits on it: with the doors'
 * 5 s (EG_SHUTDOWN_DOOR_TIMEOUT_MS) and both chip plugins loaded, shutdown
 * ends within 11 s, before systemd's TimeoutStopSec (15 s) kills egated.
 */
#define CHIP_STOP_TIMEOUT_USEC (3 * 1000 * 1000)
#define CHIP_MESSAGE_MAX 192

struct chip_mailbox;

/* What a thread tells the main thread. */
struct chip_mail {
        int kind; /* the plugin's own numbering, >= 0 */
        char *text; /* owned by the mailbox, may be NULL */
        int64_t value;
        struct chip_mail *next;
};

typedef void (*chip_mail_fn)(void *userdata, const struct chip_mail *m);
typedef void (*chip_thread_fn)(void *arg);

int chip_mailbox_new(struct eg_host *host, chip_mail_fn fn, void *userdata,
                     struct chip_mailbox **ret);
/* Main thread, from shutdown(), once every thread has been asked to end: wait
 * for them up to CHIP_STOP_TIMEOUT_USEC, leave behind (and name in a warning)
 * those still running, drop undelivered mail, stop watching.  The mailbox is
 * gone for the caller; its threads keep it until they end. */
void chip_mailbox_close(struct chip_mailbox *mb);

/* Any thread of the plugin.  text is copied.  -ENOMEM is the only failure;
 * after chip_mailbox_close() the mail is dropped. */
int chip_mailbox_post(struct chip_mailbox *mb, int kind, const char *text, int64_t value);
/* Main thread: handle what is queued now, and join the threads that ended
 * (also runs from the eventfd watch). */
void chip_mailbox_dispatch(struct chip_mailbox *mb);

/* Any thread of the plugin: the host calls, or -ESHUTDOWN (nothing logged)
 * once the plugin has shut down. */
int chip_mailbox_complete(struct chip_mailbox *mb, eg_op_id op, const struct eg_op_result *result);
int chip_mailbox_emit(struct chip_mailbox *mb, eg_device_id device, const struct eg_event *event);
__attribute__((format(printf, 3, 4))) void
chip_mailbox_log(struct chip_mailbox *mb, int level_and_flags, const char *fmt, ...);

/*
 * Main thread: run(arg) on a new thread.  done(arg) follows when run()
 * has returned: on the main thread once the mailbox has joined the thread,
 * or, for a thread left behind at shutdown, on that thread itself (so done()
 * must touch nothing but arg).  name is for log lines.  On failure (logged)
 * nothing runs and arg stays the caller's.
 */
int chip_thread_start(struct chip_mailbox *mb, const char *name, chip_thread_fn run,
                      chip_thread_fn done, void *arg);

uint64_t chip_now_usec(void);
/* A condition variable whose timed waits count on CLOCK_MONOTONIC (a clock
 * set back must not stretch them), and a deadline `usec` from now for it. */
void chip_cond_init(pthread_cond_t *cond);
void chip_deadline_in(struct timespec *ts, uint64_t usec);
