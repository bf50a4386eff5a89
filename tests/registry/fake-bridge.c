/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "fake-bridge.h"

/* Readable within ms (or stopped): true when there is something to read. */
static bool wait_readable(struct bridge *b, int fd, unsigned ms) {
        for (unsigned waited = 0; waited < ms && !atomic_load(&b->stop); waited += 50) {
                struct pollfd p = { .fd = fd, .events = POLLIN };

                if (poll(&p, 1, 50) > 0)
                        return true;
        }
        return false;
}

static bool wait_hangup(struct bridge *b, int fd) {
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

static void serve(struct bridge *b, int fd, unsigned i) {
        const struct bridge_reply *r;
        char *line = b->requests[i];
        size_t len = 0;

        /* The question, byte by byte up to its newline: exactly what egated sent. */
        while (len < sizeof(b->requests[i]) - 1 && wait_readable(b, fd, 5000)) {
                if (recv(fd, line + len, 1, 0) != 1)
                        break;
                if (line[len++] == '\n')
                        break;
        }
        line[len] = '\0';

        for (r = &b->replies[i]; r > b->replies && !r->data; r--)
                ; /* the last reply given repeats */
        for (unsigned waited = 0; waited < r->delay_ms && !atomic_load(&b->stop); waited += 10)
                (void) poll(NULL, 0, 10);
        switch (b->act) {
        case ACT_REPLY:
        case ACT_REPLY_CLOSE:
                if (r->data)
                        send_all(fd, r->data, r->len ? r->len : strlen(r->data));
                if (b->act == ACT_REPLY && wait_hangup(b, fd))
                        b->hung_up++;
                break;
        case ACT_SILENT:
                if (wait_hangup(b, fd))
                        b->hung_up++;
                break;
        case ACT_FLOOD: {
                static char junk[64 * 1024];
                struct timeval tv = { .tv_sec = 10 };

                memset(junk, 'x', sizeof(junk));
                (void) setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
                if (r->data)
                        send_all(fd, r->data, r->len ? r->len : strlen(r->data));
                for (;;) {
                        ssize_t n = send(fd, junk, sizeof(junk), MSG_NOSIGNAL);

                        if (n < 0) {
                                if (errno == EPIPE || errno == ECONNRESET)
                                        b->hung_up++;
                                break;
                        }
                        b->flooded += (size_t) n;
                }
                break;
        }
        }
}

static void *bridge_main(void *userdata) {
        struct bridge *b = userdata;

        for (unsigned i = 0; i < b->connections && i < BRIDGE_MAX_CONNECTIONS; i++) {
                int fd;

                if (!wait_readable(b, b->listen_fd, 10000))
                        break;
                fd = accept4(b->listen_fd, NULL, NULL, SOCK_CLOEXEC);
                if (fd < 0)
                        break;
                serve(b, fd, i);
                close(fd);
                b->served++;
        }
        return NULL;
}

int unix_socket_bind(const char *path, bool do_listen) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd;

        if (strlen(path) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        strcpy(sa.sun_path, path);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        if (bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0 || (do_listen && listen(fd, 8) < 0)) {
                int r = -errno;

                close(fd);
                return r;
        }
        return fd;
}

unsigned count_fds(void) {
        DIR *d = opendir("/proc/self/fd");
        unsigned n = 0;

        if (!d)
                return 0;
        while (readdir(d))
                n++;
        closedir(d);
        return n;
}

int bridge_listen(struct bridge *b, const char *path) {
        b->listen_fd = unix_socket_bind(path, true);
        return b->listen_fd < 0 ? b->listen_fd : 0;
}

int bridge_start_raw(struct bridge *b, enum bridge_act act, struct bridge_reply reply,
                     unsigned connections) {
        int r;

        if (b->running)
                return -EBUSY;
        memset(b->replies, 0, sizeof(b->replies));
        memset(b->requests, 0, sizeof(b->requests));
        b->served = b->hung_up = 0;
        b->flooded = 0;
        b->act = act;
        b->replies[0] = reply;
        b->connections = connections;
        r = pthread_create(&b->thread, NULL, bridge_main, b);
        if (r != 0)
                return -r;
        b->running = true;
        return 0;
}

int bridge_start(struct bridge *b, enum bridge_act act, const char *reply, unsigned connections) {
        return bridge_start_raw(b, act, (struct bridge_reply){ reply, 0 }, connections);
}

void bridge_join(struct bridge *b) {
        if (!b->running)
                return;
        (void) pthread_join(b->thread, NULL);
        b->running = false;
}

void bridge_done(struct bridge *b) {
        atomic_store(&b->stop, true);
        bridge_join(b);
        if (b->listen_fd >= 0)
                close(b->listen_fd);
        b->listen_fd = -1;
}
