/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "macro.h"
#include "mock-control.h"

#define REPLY_TIMEOUT_MS 5000
#define REPLY_MAX 4096

static int send_all(int fd, const char *text, size_t n) {
        while (n > 0) {
                ssize_t k = send(fd, text, n, MSG_NOSIGNAL);

                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                text += k;
                n -= (size_t) k;
        }
        return 0;
}

static int read_line(int fd, char *buf, size_t size) {
        size_t len = 0;

        for (;;) {
                struct pollfd p = { .fd = fd, .events = POLLIN };
                ssize_t n;
                int k = poll(&p, 1, REPLY_TIMEOUT_MS);

                if (k < 0)
                        return -errno;
                if (k == 0)
                        return -ETIMEDOUT;
                n = recv(fd, buf + len, size - 1 - len, 0);
                if (n < 0)
                        return -errno;
                if (n == 0)
                        return -ECONNRESET;
                len += (size_t) n;
                buf[len] = '\0';
                if (strchr(buf, '\n')) {
                        buf[strcspn(buf, "\n")] = '\0';
                        return 0;
                }
                if (len == size - 1)
                        return -E2BIG;
        }
}

int bench_mock_command(const char *socket_path, const char *command) {
        char reply[REPLY_MAX];

        return bench_mock_query(socket_path, command, reply, sizeof(reply));
}

int bench_mock_query(const char *socket_path, const char *command, char *reply, size_t size) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        _cleanup_(closep) int fd = -1;
        int r;

        if (strlen(socket_path) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        strcpy(sa.sun_path, socket_path);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        if (connect(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0) {
                r = -errno;
                fprintf(stderr, "bench: cannot connect to the mock control socket %s: %m\n",
                        socket_path);
                return r;
        }
        r = send_all(fd, command, strlen(command));
        if (r >= 0)
                r = send_all(fd, "\n", 1);
        if (r >= 0)
                r = read_line(fd, reply, size);
        if (r < 0) {
                fprintf(stderr, "bench: mock control '%s': %s\n", command, strerror(-r));
                return r;
        }
        if (strncmp(reply, "OK", 2) != 0) {
                fprintf(stderr, "bench: mock control '%s' answered: %s\n", command, reply);
                return -EPROTO;
        }
        return 0;
}
