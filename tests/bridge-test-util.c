/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "bridge-test-util.h"
#include "log.h"
#include "macro.h"

/* ---- directories, files, the loop, descriptors ---- */

char *make_state_dir(void) {
        char template[] = "/tmp/egate-test-XXXXXX";

        if (!mkdtemp(template))
                return NULL;
        return strdup(template);
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        (void) remove(path);
        return 0;
}

void remove_tree(const char *path) {
        if (path)
                (void) nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

char *read_file(const char *path, size_t *ret_len) {
        FILE *f = fopen(path, "re");
        char *buf = NULL;
        size_t n = 0, cap = 0;

        if (!f)
                return NULL;
        for (;;) {
                if (n + 4096 + 1 > cap) {
                        char *b = realloc(buf, cap = (n + 4096 + 1) * 2);
                        if (!b) {
                                free(buf);
                                fclose(f);
                                return NULL;
                        }
                        buf = b;
                }
                size_t k = fread(buf + n, 1, 4096, f);
                n += k;
                if (k == 0)
                        break;
        }
        fclose(f);
        buf[n] = '\0';
        if (ret_len)
                *ret_len = n;
        return buf;
}

unsigned long long now_ms(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (unsigned long long) ts.tv_sec * 1000u + (unsigned long long) ts.tv_nsec / 1000000u;
}

sd_event *event_new_warm(void) {
        sd_event *e = NULL;
        sd_event_source *warm = NULL;

        assert_int_equal(sd_event_new(&e), 0);
        assert_int_equal(
                sd_event_add_time_relative(e, &warm, CLOCK_MONOTONIC, 1000000, 0, NULL, NULL), 0);
        sd_event_source_unref(warm);
        return e;
}

bool run_until(sd_event *e, const unsigned *flag, unsigned ms) {
        unsigned long long end = now_ms() + ms;

        while (*flag == 0 && now_ms() < end)
                if (sd_event_run(e, 10 * 1000) < 0)
                        return false;
        return *flag != 0;
}

void run_for(sd_event *e, unsigned ms) {
        unsigned long long end = now_ms() + ms;

        while (now_ms() < end)
                (void) sd_event_run(e, 10 * 1000);
}

void run_to_one_answer(sd_event *e, const unsigned *calls, const bool *called_inside) {
        assert_int_equal(*calls, 0); /* never from inside the call */
        assert_true(run_until(e, calls, 15000));
        run_for(e, 20); /* nothing more comes */
        assert_int_equal(*calls, 1);
        assert_false(*called_inside);
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

int next_fd(void) {
        int fd = dup(STDIN_FILENO);

        assert_true(fd >= 0);
        close(fd);
        return fd;
}

bool run_until_closed(sd_event *e, int fd, unsigned ms) {
        unsigned long long end = now_ms() + ms;

        while (fcntl(fd, F_GETFD) >= 0 && now_ms() < end)
                assert_true(sd_event_run(e, 10 * 1000) >= 0);
        return fcntl(fd, F_GETFD) < 0;
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
        if (bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0 ||
            (do_listen && listen(fd, 64) < 0)) {
                int r = -errno;

                close(fd);
                return r;
        }
        return fd;
}

const char *long_socket_path(bool fits) {
        static char path[sizeof(((struct sockaddr_un *) NULL)->sun_path) + 1];

        memset(path, 'a', sizeof(path));
        path[0] = '/';
        path[sizeof(path) - (fits ? 2 : 1)] = '\0';
        return path;
}

char *padded_line(const char *line, size_t n) {
        char *p = malloc(n + 2);

        assert_non_null(p);
        memset(p, ' ', n);
        memcpy(p, line, strlen(line) - 1);
        strcpy(p + n, "\n");
        return p;
}

static int saved_stderr = -1;

void capture_begin(const char *dir) {
        _cleanup_free_ char *path = NULL;
        int fd;

        assert_true(asprintf(&path, "%s/stderr.log", dir) > 0);
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        assert_true(fd >= 0);
        fflush(stderr);
        saved_stderr = dup(STDERR_FILENO);
        assert_true(dup2(fd, STDERR_FILENO) >= 0);
        close(fd);
        log_setup(EG_LOG_TARGET_STDERR);
        log_set_max_level(LOG_DEBUG);
}

char *capture_end(const char *dir) {
        _cleanup_free_ char *path = NULL;
        char *text;

        fflush(stderr);
        assert_true(dup2(saved_stderr, STDERR_FILENO) >= 0);
        close(saved_stderr);
        saved_stderr = -1;
        assert_true(asprintf(&path, "%s/stderr.log", dir) > 0);
        text = read_file(path, NULL);
        assert_non_null(text);
        fputs(text, stderr); /* still shown with the test's output */
        return text;
}

/* ---- the fake bridge ---- */

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

/* Bytes without a newline until egated hangs up (or 10 s pass): whether it did. */
static bool flood(struct bridge *b, int fd) {
        static char junk[64 * 1024];
        struct timeval tv = { .tv_sec = 10 };

        memset(junk, 'x', sizeof(junk));
        (void) setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
        for (;;) {
                ssize_t n = send(fd, junk, sizeof(junk), MSG_NOSIGNAL);

                if (n < 0)
                        return errno == EPIPE || errno == ECONNRESET;
                b->flooded += (size_t) n;
        }
}

void bridge_answer_with(struct bridge *b, int fd, unsigned i, const char *reply, size_t len) {
        struct bridge_connection *c = &b->conn[i];

        for (unsigned waited = 0; waited < b->script.delay_ms && !atomic_load(&b->stop);
             waited += 10)
                (void) poll(NULL, 0, 10);
        if (reply && b->script.act != ACT_SILENT)
                send_all(fd, reply, len ? len : strlen(reply));
        switch (b->script.act) {
        case ACT_REPLY:
        case ACT_SILENT:
                c->hung_up = wait_hangup(b, fd);
                break;
        case ACT_REPLY_CLOSE:
                break;
        case ACT_FLOOD:
                c->hung_up = flood(b, fd);
                break;
        }
        b->hung_up += c->hung_up;
}

void bridge_answer(struct bridge *b, int fd, unsigned i) {
        bridge_answer_with(b, fd, i, b->script.reply, b->script.reply_len);
}

/* The question, byte by byte up to its newline: exactly what egated sent. */
static void read_question(struct bridge *b, int fd, unsigned i) {
        char *line = b->conn[i].question;
        size_t len = 0;

        while (len < sizeof(b->conn[i].question) - 1 && wait_readable(b, fd, 5000)) {
                ssize_t n = b->ops && b->ops->receive ? b->ops->receive(b, fd, i, len, line + len)
                                                      : recv(fd, line + len, 1, 0);

                if (n != 1)
                        break;
                if (line[len++] == '\n')
                        break;
        }
        line[len] = '\0';
}

static void answer_and_close(struct bridge *b, int fd, unsigned i) {
        if (b->ops && b->ops->answer)
                b->ops->answer(b, fd, i);
        else
                bridge_answer(b, fd, i);
        close(fd);
        b->served++;
}

static void *bridge_main(void *userdata) {
        struct bridge *b = userdata;
        int fds[BRIDGE_MAX_CONNECTIONS];
        unsigned n = 0;

        for (; n < b->script.connections; n++) {
                if (!wait_readable(b, b->listen_fd, 10000))
                        break;
                fds[n] = accept4(b->listen_fd, NULL, NULL, SOCK_CLOEXEC);
                if (fds[n] < 0)
                        break;
                read_question(b, fds[n], n);
                if (!b->script.all_first)
                        answer_and_close(b, fds[n], n);
        }
        while (b->script.all_first && n-- > 0) /* the last first: answers need not come in order */
                answer_and_close(b, fds[n], n);
        return NULL;
}

static void forget(struct bridge *b) {
        if (b->ops && b->ops->forget)
                b->ops->forget(b);
        memset(b->conn, 0, sizeof(b->conn));
        b->served = b->hung_up = 0;
        b->flooded = 0;
}

void bridge_open(struct bridge *b, const char *name, const struct bridge_ops *ops, void *userdata) {
        b->ops = ops;
        b->userdata = userdata;
        b->dir = make_state_dir();
        assert_non_null(b->dir);
        assert_true(asprintf(&b->path, "%s/%s", b->dir, name) > 0);
        b->listen_fd = unix_socket_bind(b->path, true);
        assert_true(b->listen_fd >= 0);
}

int bridge_run(struct bridge *b, struct bridge_script script) {
        int r;

        if (b->running || script.connections > BRIDGE_MAX_CONNECTIONS)
                return -EINVAL;
        forget(b);
        b->script = script;
        r = pthread_create(&b->thread, NULL, bridge_main, b);
        if (r != 0)
                return -r;
        b->running = true;
        return 0;
}

int bridge_start(struct bridge *b, enum bridge_act act, const char *reply, unsigned connections) {
        return bridge_run(b, (struct bridge_script){
                                     .act = act,
                                     .reply = reply,
                                     .connections = connections,
                             });
}

void bridge_join(struct bridge *b) {
        if (!b->running)
                return;
        (void) pthread_join(b->thread, NULL);
        b->running = false;
}

void bridge_join_expect(struct bridge *b, int served, int hung_up, unsigned fds) {
        bridge_join(b);
        if (served >= 0)
                assert_int_equal(b->served, served);
        if (hung_up >= 0)
                assert_int_equal(b->hung_up, hung_up);
        assert_int_equal(count_fds(), fds);
}

void bridge_close(struct bridge *b) {
        atomic_store(&b->stop, true);
        bridge_join(b);
        if (b->listen_fd >= 0)
                close(b->listen_fd);
        b->listen_fd = -1;
        forget(b);
        remove_tree(b->dir);
        free(b->dir);
        free(b->path);
        b->dir = b->path = NULL;
}
