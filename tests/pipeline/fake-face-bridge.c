/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fake-face-bridge.h"

/* What a bridge learns of a descriptor it received; the descriptor is closed. */
static void take_image(struct face_bridge_image *img, int fd) {
        char link[64], target[PATH_MAX];
        struct stat st;
        ssize_t n;

        (void) snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
        n = readlink(link, target, sizeof(target) - 1);
        img->memfd = n > 0 && strncmp(target, "/memfd:", 7) == 0;
        img->seals = fcntl(fd, F_GET_SEALS);
        if (fstat(fd, &st) == 0 && st.st_size >= 0 && (img->data = malloc((size_t) st.st_size + 1)))
                for (img->len = 0; img->len < (size_t) st.st_size;) {
                        n = pread(fd, img->data + img->len, (size_t) st.st_size - img->len,
                                  (off_t) img->len);
                        if (n <= 0)
                                break;
                        img->len += (size_t) n;
                }
        close(fd);
}

static void take_fds(struct face_bridge_received *c, struct msghdr *mh, size_t at) {
        for (struct cmsghdr *cmsg = CMSG_FIRSTHDR(mh); cmsg; cmsg = CMSG_NXTHDR(mh, cmsg)) {
                size_t k;

                if (cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS)
                        continue;
                k = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                for (size_t i = 0; i < k; i++) {
                        int fd;

                        memcpy(&fd, CMSG_DATA(cmsg) + i * sizeof(int), sizeof(int));
                        if (c->n_fds < FACE_BRIDGE_MAX_FDS)
                                take_image(&c->images[c->n_fds], fd);
                        else
                                close(fd);
                        c->n_fds++;
                }
                c->fds_at_byte = at;
        }
        if (mh->msg_flags & MSG_CTRUNC)
                c->n_fds += 100; /* more than we had room for: surely wrong */
}

/* A byte of the question, and the descriptors with it. */
static ssize_t receive(struct bridge *b, int fd, unsigned i, size_t at, char *c) {
        struct face_bridge *fb = b->userdata;
        union {
                struct cmsghdr align;
                char buf[CMSG_SPACE(sizeof(int) * FACE_BRIDGE_MAX_FDS)];
        } control;
        struct iovec iov = { .iov_base = c, .iov_len = 1 };
        struct msghdr mh = {
                .msg_iov = &iov,
                .msg_iovlen = 1,
                .msg_control = control.buf,
                .msg_controllen = sizeof(control.buf),
        };
        ssize_t n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);

        if (n == 1)
                take_fds(&fb->got[i], &mh, at);
        return n;
}

static void answer(struct bridge *b, int fd, unsigned i) {
        struct face_bridge *fb = b->userdata;
        const char *probe = fb->got[i].images[0].data ? fb->got[i].images[0].data : "";
        char echo[128];

        if (!fb->echo) {
                bridge_answer(b, fd, i);
                return;
        }
        (void) snprintf(echo, sizeof(echo),
                        "{\"version\":1,\"result\":\"scored\",\"score\":%.1f}\n",
                        strtod(probe, NULL));
        bridge_answer_with(b, fd, i, echo, 0);
}

static void forget(struct bridge *b) {
        struct face_bridge *fb = b->userdata;

        for (unsigned i = 0; i < BRIDGE_MAX_CONNECTIONS; i++)
                for (unsigned k = 0; k < FACE_BRIDGE_MAX_FDS; k++)
                        free(fb->got[i].images[k].data);
        memset(fb->got, 0, sizeof(fb->got));
}

const struct bridge_ops face_bridge_ops = {
        .receive = receive,
        .answer = answer,
        .forget = forget,
};
