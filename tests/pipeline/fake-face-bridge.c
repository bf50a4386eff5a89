/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "fake-face-bridge.h"

/* Readable within ms (or stopped): true when there is something to read. */
static bool wait_readable(struct face_bridge *b, int fd, unsigned ms) {
        for (unsigned waited = 0; waited < ms && !atomic_load(&b->stop); waited += 50) {
                struct pollfd p = { .fd = fd, .events = POLLIN };

                if (poll(&p, 1, 50) > 0)
                        return true;
        }
        return false;
}

static bool wait_hangup(struct face_bridge *b, int fd) {
        char buf[256];

        while (wait_readable(b, fd, 10000)) {
                ssize_t n = recv(fd, buf, sizeof(buf), 0);

                if (n <= 0)
                        return true;
        }
        return false;
}

static void send_all(int fd, const char *p, size_t len) {
        while (len > 0) {
                ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

                if (n <= 0)
                        return;
                p += n;
                len -= (size_t) n;
        }
}

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

static void take_fds(struct face_bridge_connection *c, struct msghdr *mh, size_t at) {
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

/* The question, byte by byte up to its newline, and the descriptors with it. */
static void read_question(struct face_bridge *b, int fd, struct face_bridge_connection *c) {
        size_t len = 0;

        while (len < sizeof(c->question) - 1 && wait_readable(b, fd, 5000)) {
                union {
                        struct cmsghdr align;
                        char buf[CMSG_SPACE(sizeof(int) * FACE_BRIDGE_MAX_FDS)];
                } control;
                struct iovec iov = { .iov_base = c->question + len, .iov_len = 1 };
                struct msghdr mh = {
                        .msg_iov = &iov,
                        .msg_iovlen = 1,
                        .msg_control = control.buf,
                        .msg_controllen = sizeof(control.buf),
                };

                if (recvmsg(fd, &mh, MSG_CMSG_CLOEXEC) != 1)
                        break;
                take_fds(c, &mh, len);
                if (c->question[len++] == '\n')
                        break;
        }
        c->question[len] = '\0';
}

static void reply(struct face_bridge *b, int fd, struct face_bridge_connection *c) {
        char echo[128];
        const char *data = b->script.reply;
        size_t len = b->script.reply_len;

        for (unsigned waited = 0; waited < b->script.delay_ms && !atomic_load(&b->stop);
             waited += 10)
                (void) poll(NULL, 0, 10);
        if (b->script.act == FACE_ECHO) {
                const char *probe = c->images[0].data ? c->images[0].data : "";

                (void) snprintf(echo, sizeof(echo),
                                "{\"version\":1,\"result\":\"scored\",\"score\":%.1f}\n",
                                strtod(probe, NULL));
                data = echo;
                len = 0;
        }
        switch (b->script.act) {
        case FACE_REPLY:
        case FACE_REPLY_CLOSE:
        case FACE_ECHO:
                if (data)
                        send_all(fd, data, len ? len : strlen(data));
                if (b->script.act != FACE_REPLY_CLOSE && wait_hangup(b, fd))
                        c->hung_up = true;
                break;
        case FACE_SILENT:
                c->hung_up = wait_hangup(b, fd);
                break;
        case FACE_FLOOD: {
                static char junk[64 * 1024];
                struct timeval tv = { .tv_sec = 10 };

                memset(junk, 'x', sizeof(junk));
                (void) setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
                for (;;) {
                        ssize_t n = send(fd, junk, sizeof(junk), MSG_NOSIGNAL);

                        if (n < 0) {
                                c->hung_up = errno == EPIPE || errno == ECONNRESET;
                                break;
                        }
                        b->flooded += (size_t) n;
                }
                break;
        }
        }
        b->hung_up += c->hung_up;
}

static int accept_one(struct face_bridge *b) {
        if (!wait_readable(b, b->listen_fd, 10000))
                return -1;
        return accept4(b->listen_fd, NULL, NULL, SOCK_CLOEXEC);
}

static void *bridge_main(void *userdata) {
        struct face_bridge *b = userdata;
        int fds[FACE_BRIDGE_MAX_CONNECTIONS];
        unsigned n = 0;

        if (!b->script.all_first) {
                for (; n < b->script.connections; n++) {
                        int fd = accept_one(b);

                        if (fd < 0)
                                break;
                        read_question(b, fd, &b->conn[n]);
                        reply(b, fd, &b->conn[n]);
                        close(fd);
                        b->served++;
                }
                return NULL;
        }
        for (; n < b->script.connections; n++) {
                fds[n] = accept_one(b);
                if (fds[n] < 0)
                        break;
                read_question(b, fds[n], &b->conn[n]);
        }
        while (n-- > 0) { /* the last first: answers need not come in order */
                reply(b, fds[n], &b->conn[n]);
                close(fds[n]);
                b->served++;
        }
        return NULL;
}

int face_bridge_listen(struct face_bridge *b, const char *path) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };

        if (strlen(path) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        strcpy(sa.sun_path, path);
        b->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (b->listen_fd < 0)
                return -errno;
        if (bind(b->listen_fd, (struct sockaddr *) &sa, sizeof(sa)) < 0 ||
            listen(b->listen_fd, 64) < 0) {
                int r = -errno;

                close(b->listen_fd);
                b->listen_fd = -1;
                return r;
        }
        return 0;
}

static void forget(struct face_bridge *b) {
        for (unsigned i = 0; i < FACE_BRIDGE_MAX_CONNECTIONS; i++)
                for (unsigned k = 0; k < FACE_BRIDGE_MAX_FDS; k++)
                        free(b->conn[i].images[k].data);
        memset(b->conn, 0, sizeof(b->conn));
        b->served = b->hung_up = 0;
        b->flooded = 0;
}

int face_bridge_run(struct face_bridge *b, struct face_bridge_script script) {
        int r;

        if (b->running || script.connections > FACE_BRIDGE_MAX_CONNECTIONS)
                return -EINVAL;
        forget(b);
        b->script = script;
        r = pthread_create(&b->thread, NULL, bridge_main, b);
        if (r != 0)
                return -r;
        b->running = true;
        return 0;
}

int face_bridge_start(struct face_bridge *b, enum face_bridge_act act, const char *reply,
                      unsigned connections) {
        return face_bridge_run(b, (struct face_bridge_script){
                                          .act = act,
                                          .reply = reply,
                                          .connections = connections,
                                  });
}

void face_bridge_join(struct face_bridge *b) {
        if (!b->running)
                return;
        (void) pthread_join(b->thread, NULL);
        b->running = false;
}

void face_bridge_done(struct face_bridge *b) {
        atomic_store(&b->stop, true);
        face_bridge_join(b);
        if (b->listen_fd >= 0)
                close(b->listen_fd);
        b->listen_fd = -1;
        forget(b);
}
