/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A fake bridge for the external backends' tests (the registry's, and the background
 * check's in tests/pipeline/): a thread that listens on a Unix socket and follows a script
 * for each connection (answer, perhaps late, close half-way, say nothing, flood),
 * recording the question line it received and whether egated hung up.
 */
#pragma once

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#define BRIDGE_MAX_CONNECTIONS 16

enum bridge_act {
        ACT_REPLY, /* send the reply, then wait for egated to hang up */
        ACT_REPLY_CLOSE, /* send the reply (perhaps half a line), then close at once */
        ACT_SILENT, /* never answer; wait for egated to hang up */
        ACT_FLOOD, /* the reply if any, then bytes without a newline until egated hangs up */
};

struct bridge_reply {
        const char *data; /* NULL: nothing */
        size_t len; /* 0: strlen(data) */
        unsigned delay_ms; /* wait this long after the question before replying */
};

struct bridge {
        int listen_fd;
        pthread_t thread;
        bool running;
        atomic_bool stop;
        /* The script (bridge_start()). */
        enum bridge_act act;
        struct bridge_reply replies[BRIDGE_MAX_CONNECTIONS]; /* per connection; the last repeats */
        unsigned connections;
        /* What happened: read after bridge_join(). */
        char requests[BRIDGE_MAX_CONNECTIONS][512]; /* each question line, with its newline */
        unsigned served;
        unsigned hung_up; /* connections egated closed */
        size_t flooded; /* ACT_FLOOD: bytes sent */
};

/* A socket bound at path (a new file), listening if asked: the fd, or -errno. */
int unix_socket_bind(const char *path, bool do_listen);
/* The descriptors this process has open. */
unsigned count_fds(void);

/* Listen on path: 0 or -errno. */
int bridge_listen(struct bridge *b, const char *path);
/* A new script, served on a new thread; the last script's results are forgotten.  0 or
 * -errno. */
int bridge_start_raw(struct bridge *b, enum bridge_act act, struct bridge_reply reply,
                     unsigned connections);
int bridge_start(struct bridge *b, enum bridge_act act, const char *reply, unsigned connections);
/* Wait for the script to end (the bridge gives up waiting after 10 s). */
void bridge_join(struct bridge *b);
/* Stop, join and close. */
void bridge_done(struct bridge *b);
