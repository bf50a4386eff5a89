/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The live control socket: a Unix stream socket (mode 0600) speaking a line
 * protocol, one reply line per command line.  Everything is non-blocking on
 * the host's loop: accept and read happen when the fd is readable, lines are
 * at most MOCK_CONTROL_LINE_MAX bytes, there are at most
 * MOCK_CONTROL_CLIENTS_MAX clients, and a client that does not read its
 * replies (the socket buffer is full) is dropped rather than waited for.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "mock.h"

#define MOCK_CONTROL_LINE_MAX 4096
#define MOCK_CONTROL_CLIENTS_MAX 16
#define MOCK_CONTROL_REPLY_MAX 65536

struct client {
        struct mock_control *control;
        int fd;
        eg_source_id source;
        bool watched;
        bool overlong; /* discarding the rest of a too long line */
        bool dead;
        size_t len;
        char buf[MOCK_CONTROL_LINE_MAX];
};

struct mock_control {
        struct mock_plugin *plugin;
        char *path;
        int fd;
        eg_source_id source;
        bool watched;
        bool accept_failed;
        struct client *clients[MOCK_CONTROL_CLIENTS_MAX];
        char *reply; /* MOCK_CONTROL_REPLY_MAX */
};

const char *mock_control_path(const struct mock_control *c) {
        return c->path;
}

unsigned mock_control_n_clients(const struct mock_control *c) {
        unsigned n = 0;

        for (size_t i = 0; c && i < MOCK_CONTROL_CLIENTS_MAX; i++)
                n += c->clients[i] != NULL;
        return n;
}

static void client_free(struct client *cl) {
        struct mock_control *c = cl->control;

        for (size_t i = 0; i < MOCK_CONTROL_CLIENTS_MAX; i++)
                if (c->clients[i] == cl)
                        c->clients[i] = NULL;
        if (cl->watched)
                eg_host_source_remove(c->plugin->host, cl->source);
        (void) close(cl->fd);
        free(cl);
}

static void client_send(struct client *cl, const char *text) {
        char *reply = cl->control->reply;
        size_t len;

        if (cl->dead)
                return;
        if (text != reply)
                (void) snprintf(reply, MOCK_CONTROL_REPLY_MAX - 1, "%s", text);
        len = strlen(reply);
        /* Reply and newline in one write: a client that leaves its socket
         * buffer full is dropped, never waited for. */
        reply[len] = '\n';
        if (send(cl->fd, reply, len + 1, MSG_NOSIGNAL | MSG_DONTWAIT) != (ssize_t) (len + 1))
                cl->dead = true;
        reply[len] = '\0';
}

static bool line_is_printable(const char *s, size_t len) {
        for (size_t i = 0; i < len; i++)
                if ((unsigned char) s[i] < 0x20 ? s[i] != '\t' : (unsigned char) s[i] >= 0x7f)
                        return false;
        return true;
}

static void client_line(struct client *cl, char *line, size_t len) {
        struct mock_control *c = cl->control;

        if (len > 0 && line[len - 1] == '\r')
                line[--len] = '\0';
        if (!line_is_printable(line, len)) {
                client_send(cl, "ERR invalid characters: commands are printable ASCII");
                return;
        }
        mock_control_execute(c->plugin, line, c->reply, MOCK_CONTROL_REPLY_MAX - 1);
        if (c->reply[0]) /* an empty line gets no reply */
                client_send(cl, c->reply);
}

static void client_process(struct client *cl) {
        size_t start = 0;

        for (size_t i = 0; i < cl->len && !cl->dead; i++) {
                if (cl->buf[i] != '\n')
                        continue;
                cl->buf[i] = '\0';
                if (cl->overlong)
                        cl->overlong = false; /* the end of the line we refused */
                else
                        client_line(cl, cl->buf + start, i - start);
                start = i + 1;
        }
        memmove(cl->buf, cl->buf + start, cl->len - start);
        cl->len -= start;

        if (cl->len == sizeof(cl->buf)) {
                if (!cl->overlong) {
                        char msg[64];
                        (void) snprintf(msg, sizeof(msg), "ERR line too long (limit %d bytes)",
                                        MOCK_CONTROL_LINE_MAX - 1);
                        client_send(cl, msg);
                }
                cl->overlong = true;
                cl->len = 0;
        }
}

static void on_client(int fd, uint32_t revents, void *userdata) {
        struct client *cl = userdata;

        /* Bounded, so one chatty client cannot starve the loop; the fd stays
         * readable and we come back. */
        for (int round = 0; round < 16 && !cl->dead; round++) {
                ssize_t n = read(fd, cl->buf + cl->len, sizeof(cl->buf) - cl->len);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno != EAGAIN)
                                cl->dead = true;
                        break;
                }
                if (n == 0) {
                        cl->dead = true;
                        break;
                }
                cl->len += (size_t) n;
                client_process(cl);
        }
        if (cl->dead)
                client_free(cl);
}

static void on_listen(int fd, uint32_t revents, void *userdata) {
        struct mock_control *c = userdata;

        for (;;) {
                struct client *cl;
                size_t slot;
                int cfd, r;

                cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (cfd < 0) {
                        if (errno == EINTR || errno == ECONNABORTED)
                                continue;
                        /* Out of fds: the listener stays readable and we are called
                         * again, so say it once, not in a loop. */
                        if (errno != EAGAIN && !c->accept_failed)
                                mock_log(c->plugin, EG_LOG_WARNING, "control: accept failed: %s",
                                         strerror(errno));
                        c->accept_failed = errno != EAGAIN;
                        return;
                }

                for (slot = 0; slot < MOCK_CONTROL_CLIENTS_MAX; slot++)
                        if (!c->clients[slot])
                                break;
                if (slot == MOCK_CONTROL_CLIENTS_MAX) {
                        static const char busy[] = "ERR too many clients\n";
                        (void) send(cfd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
                        (void) close(cfd);
                        continue;
                }

                cl = calloc(1, sizeof(*cl));
                if (!cl) {
                        (void) close(cfd);
                        continue;
                }
                cl->control = c;
                cl->fd = cfd;
                r = eg_host_io_add(c->plugin->host, cfd, EPOLLIN, on_client, cl, &cl->source);
                if (r < 0) {
                        mock_log(c->plugin, EG_LOG_WARNING, "control: cannot watch a client: %s",
                                 strerror(-r));
                        (void) close(cfd);
                        free(cl);
                        continue;
                }
                cl->watched = true;
                c->clients[slot] = cl;
        }
}

/* A socket file left behind by an earlier run is removed; one somebody still
 * listens on, or any other kind of file, is not. */
static int clear_stale_socket(struct mock_plugin *p, const char *path,
                              const struct sockaddr_un *sa) {
        _cleanup_(closep) int probe = -1;
        struct stat st;

        if (lstat(path, &st) < 0)
                return errno == ENOENT ? 0 : -errno;
        if (!S_ISSOCK(st.st_mode)) {
                mock_log(p, EG_LOG_ERROR, "control socket %s: exists and is not a socket", path);
                return -EEXIST;
        }
        probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (probe < 0)
                return -errno;
        if (connect(probe, (const struct sockaddr *) sa, sizeof(*sa)) == 0) {
                mock_log(p, EG_LOG_ERROR, "control socket %s: another process listens on it", path);
                return -EADDRINUSE;
        }
        if (unlink(path) < 0 && errno != ENOENT)
                return -errno;
        return 0;
}

int mock_control_new(struct mock_plugin *p, const char *path, struct mock_control **ret) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        struct mock_control *c;
        int r;

        if (strlen(path) >= sizeof(sa.sun_path)) {
                mock_log(p, EG_LOG_ERROR, "control socket %s: path longer than %zu bytes", path,
                         sizeof(sa.sun_path) - 1);
                return -ENAMETOOLONG;
        }
        memcpy(sa.sun_path, path, strlen(path) + 1);

        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->plugin = p;
        c->fd = -1;
        c->path = strdup(path);
        c->reply = malloc(MOCK_CONTROL_REPLY_MAX);
        if (!c->path || !c->reply) {
                r = -ENOMEM;
                goto fail;
        }

        r = clear_stale_socket(p, path, &sa);
        if (r < 0)
                goto fail;

        c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (c->fd < 0) {
                r = -errno;
                goto fail_log;
        }
        if (bind(c->fd, (const struct sockaddr *) &sa, sizeof(sa)) < 0) {
                r = -errno;
                goto fail_log;
        }
        /* The bound file got the umask's mode; only the daemon's user may drive it. */
        if (chmod(path, 0600) < 0 || listen(c->fd, MOCK_CONTROL_CLIENTS_MAX) < 0) {
                r = -errno;
                (void) unlink(path);
                goto fail_log;
        }
        r = eg_host_io_add(p->host, c->fd, EPOLLIN, on_listen, c, &c->source);
        if (r < 0) {
                (void) unlink(path);
                goto fail_log;
        }
        c->watched = true;

        mock_log(p, EG_LOG_INFO, "control socket: %s", path);
        *ret = c;
        return 0;

fail_log:
        mock_log(p, EG_LOG_ERROR,
                 "control socket %s: %s (set control-socket= in [plugin.mock], "
                 "or control-socket=none)",
                 path, strerror(-r));
fail:
        if (c->fd >= 0)
                (void) close(c->fd);
        free(c->reply);
        free(c->path);
        free(c);
        return r;
}

struct mock_control *mock_control_free(struct mock_control *c) {
        if (!c)
                return NULL;
        for (size_t i = 0; i < MOCK_CONTROL_CLIENTS_MAX; i++)
                if (c->clients[i])
                        client_free(c->clients[i]);
        if (c->watched)
                eg_host_source_remove(c->plugin->host, c->source);
        if (c->fd >= 0) {
                (void) close(c->fd);
                (void) unlink(c->path);
        }
        free(c->reply);
        free(c->path);
        free(c);
        return NULL;
}
