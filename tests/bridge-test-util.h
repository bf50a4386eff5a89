/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the tests of the backends that ask a deployment's bridge over a Unix socket share
 * (the registry's, the background check's, the face comparator's): private state
 * directories, a loop whose own descriptors exist before fds are counted, running it until
 * an answer came, log capture, and a fake bridge: a thread that listens on a socket in a
 * private directory and follows a script for each connection (answer, perhaps late, close
 * half-way, say nothing, flood), recording the question line it received and whether
 * egated hung up.  A backend's own way of reading the question (the face bridge's
 * descriptors) or of answering plugs in through struct bridge_ops.
 */
#pragma once

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <systemd/sd-event.h>

/* ---- directories, files, the loop, descriptors ---- */

/* A new 0700 directory under /tmp; remove_tree() it afterwards. */
char *make_state_dir(void);
void remove_tree(const char *path);
/* The whole file, NUL-terminated (length in *ret_len if not NULL); NULL if unreadable. */
char *read_file(const char *path, size_t *ret_len);

unsigned long long now_ms(void);
/* A new loop with its timerfd made now, so fd counts compare like with like. */
sd_event *event_new_warm(void);
/* Run the loop until *flag is non-zero or ms pass; false on timeout. */
bool run_until(sd_event *e, const unsigned *flag, unsigned ms);
/* Run the loop for ms. */
void run_for(sd_event *e, unsigned ms);
/* After a call that must not answer from inside: no answer yet; then exactly one, from the
 * loop, and nothing more after it. */
void run_to_one_answer(sd_event *e, const unsigned *calls, const bool *called_inside);

/* The descriptors this process has open. */
unsigned count_fds(void);
/* The descriptor the next socket will get: the lowest free one. */
int next_fd(void);
/* Run the loop one iteration at a time until fd is closed or ms pass; false on timeout. */
bool run_until_closed(sd_event *e, int fd, unsigned ms);
/* A socket bound at path (a new file), listening if asked: the fd, or -errno. */
int unix_socket_bind(const char *path, bool do_listen);

/* An absolute path one byte too long for a Unix socket or, if fits, exactly long enough (a
 * static buffer). */
const char *long_socket_path(bool fits);
/* line without its newline, padded with spaces to n bytes, and the newline (free it). */
char *padded_line(const char *line, size_t n);

/* stderr, and the log at debug level, into dir/stderr.log until capture_end() returns it
 * (and shows it on stderr all the same). */
void capture_begin(const char *dir);
char *capture_end(const char *dir);

/* ---- the fake bridge ---- */

#define BRIDGE_MAX_CONNECTIONS 16

enum bridge_act {
        ACT_REPLY, /* send the reply, then wait for egated to hang up */
        ACT_REPLY_CLOSE, /* send the reply (perhaps half a line), then close at once */
        ACT_SILENT, /* never answer; wait for egated to hang up */
        ACT_FLOOD, /* the reply if any, then bytes without a newline until egated hangs up */
};

struct bridge_script {
        enum bridge_act act;
        const char *reply; /* NULL: nothing */
        size_t reply_len; /* 0: strlen(reply) */
        unsigned delay_ms; /* after the question, before the reply */
        unsigned connections;
        bool all_first; /* accept and read every connection before answering any (the last
                         * first): they must all be in flight at once */
};

struct bridge_connection {
        char question[512]; /* the question line, with its newline */
        bool hung_up; /* egated closed the connection */
};

struct bridge;

struct bridge_ops {
        /* One byte of connection i's question, the at'th, into *c: 1 when there was one
         * (NULL: recv()). */
        ssize_t (*receive)(struct bridge *b, int fd, unsigned i, size_t at, char *c);
        /* Answer connection i (NULL: bridge_answer()). */
        void (*answer)(struct bridge *b, int fd, unsigned i);
        /* Forget what the last script recorded besides struct bridge's own (may be NULL). */
        void (*forget)(struct bridge *b);
};

struct bridge {
        char *dir; /* private, removed by bridge_close() */
        char *path; /* the socket in it */
        int listen_fd;
        pthread_t thread;
        bool running;
        atomic_bool stop;
        const struct bridge_ops *ops;
        void *userdata;
        struct bridge_script script;
        /* What happened: read after bridge_join(). */
        struct bridge_connection conn[BRIDGE_MAX_CONNECTIONS];
        unsigned served;
        unsigned hung_up; /* connections egated closed */
        size_t flooded; /* ACT_FLOOD: bytes sent */
};

/* A private directory and the bridge listening on name in it (asserts it all works). */
void bridge_open(struct bridge *b, const char *name, const struct bridge_ops *ops, void *userdata);
/* A new script on a new thread; the last one's results are forgotten.  0 or -errno. */
int bridge_run(struct bridge *b, struct bridge_script script);
int bridge_start(struct bridge *b, enum bridge_act act, const char *reply, unsigned connections);
/* Wait for the script to end (the bridge gives up waiting after 10 s). */
void bridge_join(struct bridge *b);
/* Wait for the script, then check that it served `served` connections and egated hung up
 * on `hung_up` (either -1: not checked), and that count_fds() is back at fds. */
void bridge_join_expect(struct bridge *b, int served, int hung_up, unsigned fds);
/* Stop, join, close, forget, and remove the directory. */
void bridge_close(struct bridge *b);

/* For ops->answer: the script's act with this reply (the script's own, or another). */
void bridge_answer(struct bridge *b, int fd, unsigned i);
void bridge_answer_with(struct bridge *b, int fd, unsigned i, const char *reply, size_t len);
