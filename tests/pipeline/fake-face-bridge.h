/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The face comparator's side of the fake bridge (tests/bridge-test-util.h) for
 * tests/pipeline/test-face-*.c.  Unlike the registry's it reads the question with
 * recvmsg(), takes the descriptors that come with it, and records for each what a real
 * bridge would see: how many arrived and with which byte, whether each is a memfd, its
 * seals and its whole contents.  It can also answer each probe with its own score.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "bridge-test-util.h"

#define FACE_BRIDGE_MAX_FDS 4

struct face_bridge_image {
        bool memfd; /* /proc/self/fd/N names a memfd */
        int seals; /* F_GET_SEALS, or -1 */
        char *data; /* the whole contents, read with pread() from 0 */
        size_t len;
};

struct face_bridge_received {
        unsigned n_fds; /* descriptors received, over the whole connection */
        size_t fds_at_byte; /* the offset of the byte they came with */
        struct face_bridge_image images[FACE_BRIDGE_MAX_FDS];
};

/* The userdata of a struct bridge opened with face_bridge_ops. */
struct face_bridge {
        bool echo; /* answer "scored" with the number the probe's bytes start with */
        /* What each connection brought: read after bridge_join(). */
        struct face_bridge_received got[BRIDGE_MAX_CONNECTIONS];
};

extern const struct bridge_ops face_bridge_ops;
