/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A fake face comparator bridge for tests/pipeline/test-face-external.c: a thread that
 * listens on a Unix socket and follows a script per connection (answer, perhaps late,
 * close half-way, say nothing, flood).  Unlike the registry's fake bridge it reads the
 * question with recvmsg(), takes the descriptors that come with it, and records for each
 * what a real bridge would see: how many arrived and with which byte, whether each is a
 * memfd, its seals and its whole contents.
 */
#pragma once

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#define FACE_BRIDGE_MAX_CONNECTIONS 16
#define FACE_BRIDGE_MAX_FDS 4

enum face_bridge_act {
        FACE_REPLY, /* send the reply, then wait for egated to hang up */
        FACE_REPLY_CLOSE, /* send the reply (perhaps half a line), then close at once */
        FACE_SILENT, /* never answer; wait for egated to hang up */
        FACE_FLOOD, /* bytes without a newline until egated hangs up */
        FACE_ECHO, /* answer "scored" with the number the probe's bytes start with */
};

struct face_bridge_image {
        bool memfd; /* /proc/self/fd/N names a memfd */
        int seals; /* F_GET_SEALS, or -1 */
        char *data; /* the whole contents, read with pread() from 0 */
        size_t len;
};

struct face_bridge_connection {
        char question[512]; /* the question line, with its newline */
        unsigned n_fds; /* descriptors received, over the whole connection */
        size_t fds_at_byte; /* the offset of the byte they came with */
        struct face_bridge_image images[FACE_BRIDGE_MAX_FDS];
        bool hung_up; /* egated closed the connection */
};

struct face_bridge_script {
        enum face_bridge_act act;
        const char *reply; /* NULL: nothing */
        size_t reply_len; /* 0: strlen(reply) */
        unsigned delay_ms; /* after the question, before the reply */
        unsigned connections;
        bool all_first; /* accept and read every connection before answering any (the last
                         * first): they must all be in flight at once */
};

struct face_bridge {
        int listen_fd;
        pthread_t thread;
        bool running;
        atomic_bool stop;
        struct face_bridge_script script;
        /* What happened: read after face_bridge_join(). */
        struct face_bridge_connection conn[FACE_BRIDGE_MAX_CONNECTIONS];
        unsigned served;
        unsigned hung_up;
        size_t flooded;
};

/* Listen on path (backlog 64): 0 or -errno. */
int face_bridge_listen(struct face_bridge *b, const char *path);
/* A new script on a new thread; the last one's results are forgotten.  0 or -errno. */
int face_bridge_run(struct face_bridge *b, struct face_bridge_script script);
int face_bridge_start(struct face_bridge *b, enum face_bridge_act act, const char *reply,
                      unsigned connections);
/* Wait for the script to end (the bridge gives up waiting after 10 s). */
void face_bridge_join(struct face_bridge *b);
/* Stop, join, close and free what was recorded. */
void face_bridge_done(struct face_bridge *b);
