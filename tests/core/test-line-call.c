/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The line call (core/src/line-call.c) against a listening socket in a temporary
 * directory, the test playing the bridge by hand: the answer line, a hang-up in the middle
 * of the line, an over-long answer through a growing buffer, a bridge that is not
 * there, and descriptors sent with the question.  The backends' own tests cover the rest
 * through their bridges.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "line-call.h"
#include "macro.h"

struct result {
        struct eg_line_call *call;
        unsigned ends;
        bool line;
        enum eg_line_call_error kind;
        int error;
        char text[128]; /* the line, or what */
        char so_far[128];
};

static void on_line(struct eg_line_call *call, const char *line, size_t len, void *userdata) {
        struct result *res = userdata;

        res->ends++;
        res->line = true;
        assert_true(len < sizeof(res->text));
        memcpy(res->text, line, len);
        res->call = eg_line_call_free(call);
}

static int on_error(struct eg_line_call *call, enum eg_line_call_error kind, int error,
                    const char *what, void *userdata) {
        struct result *res = userdata;
        size_t len;
        const char *so_far = eg_line_call_answer(call, &len);

        res->ends++;
        res->kind = kind;
        res->error = error;
        (void) snprintf(res->text, sizeof(res->text), "%s", what);
        (void) snprintf(res->so_far, sizeof(res->so_far), "%.*s", (int) len, so_far);
        res->call = eg_line_call_free(call);
        return 0;
}

static const struct eg_line_call_ops fixed_ops = {
        .log_name = "test",
        .description = "test-line-call",
        .answer_max = 64,
        .answer_initial = 65,
        .read_chunk = 65,
        .on_line = on_line,
        .on_error = on_error,
};

/* Grows 4 -> 8 -> 16 bytes, reading at most 4 at a time. */
static const struct eg_line_call_ops growing_ops = {
        .log_name = "test",
        .description = "test-line-call",
        .answer_max = 12,
        .answer_initial = 4,
        .read_chunk = 4,
        .on_line = on_line,
        .on_error = on_error,
};

struct fixture {
        sd_event *event;
        char dir[64];
        char path[128];
        int listener;
};

static int setup(void **state) {
        struct fixture *f = calloc(1, sizeof(*f));
        struct sockaddr_un sa = { .sun_family = AF_UNIX };

        assert_non_null(f);
        assert_int_equal(sd_event_new(&f->event), 0);
        strcpy(f->dir, "/tmp/test-line-call-XXXXXX");
        assert_non_null(mkdtemp(f->dir));
        (void) snprintf(f->path, sizeof(f->path), "%s/bridge", f->dir);
        strcpy(sa.sun_path, f->path);
        f->listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        assert_true(f->listener >= 0);
        assert_int_equal(bind(f->listener, (struct sockaddr *) &sa, sizeof(sa)), 0);
        assert_int_equal(listen(f->listener, 4), 0);
        *state = f;
        return 0;
}

static int teardown(void **state) {
        struct fixture *f = *state;

        closep(&f->listener);
        (void) unlink(f->path);
        (void) rmdir(f->dir);
        sd_event_unref(f->event);
        free(f);
        return 0;
}

/* Runs the loop until the call has ended. */
static void run(struct fixture *f, struct result *res) {
        for (unsigned i = 0; i < 100 && res->ends == 0; i++)
                assert_true(sd_event_run(f->event, 100 * 1000) >= 0);
        assert_int_equal(res->ends, 1);
        assert_null(res->call);
}

/* Starts a call and takes the bridge's end; the question has arrived whole. */
static int start(struct fixture *f, const struct eg_line_call_ops *ops, struct result *res) {
        static const char question[] = "{\"q\":1}\n";
        char got[sizeof(question)] = {};
        size_t have = 0;
        int peer;

        assert_int_equal(eg_line_call_new(ops, question, strlen(question), res, &res->call), 0);
        assert_int_equal(eg_line_call_connect(res->call, f->event, f->path), 0);
        peer = accept4(f->listener, NULL, NULL, SOCK_CLOEXEC);
        assert_true(peer >= 0);
        while (have < strlen(question)) {
                ssize_t n;

                assert_true(sd_event_run(f->event, 100 * 1000) >= 0);
                n = recv(peer, got + have, sizeof(got) - 1 - have, MSG_DONTWAIT);
                if (n < 0 && errno == EAGAIN)
                        continue;
                assert_true(n > 0);
                have += (size_t) n;
        }
        assert_string_equal(got, question);
        return peer;
}

static void test_line(void **state) {
        struct fixture *f = *state;
        struct result res = {};
        int peer = start(f, &fixed_ops, &res);

        assert_int_equal(send(peer, "{\"a\":2}\nignored", 15, 0), 15);
        run(f, &res);
        assert_true(res.line);
        assert_string_equal(res.text, "{\"a\":2}");
        closep(&peer);
}

static void test_cut(void **state) {
        struct fixture *f = *state;
        struct result res = {};
        int peer = start(f, &fixed_ops, &res);

        assert_int_equal(send(peer, "{\"a\"", 4, 0), 4);
        closep(&peer);
        run(f, &res);
        assert_false(res.line);
        assert_int_equal(res.kind, EG_LINE_CALL_EOF);
        assert_string_equal(res.text, "closed the connection in the middle of the answer line");
        assert_string_equal(res.so_far, "{\"a\"");
}

static void test_silent_hangup(void **state) {
        struct fixture *f = *state;
        struct result res = {};
        int peer = start(f, &fixed_ops, &res);

        closep(&peer);
        run(f, &res);
        assert_int_equal(res.kind, EG_LINE_CALL_EOF);
        assert_string_equal(res.text, "closed the connection without answering");
        assert_string_equal(res.so_far, "");
}

static void test_too_long(void **state) {
        struct fixture *f = *state;
        struct result res = {};
        int peer = start(f, &growing_ops, &res);

        assert_int_equal(send(peer, "0123456789abcdef", 16, 0), 16);
        run(f, &res);
        assert_int_equal(res.kind, EG_LINE_CALL_TOO_LONG);
        assert_string_equal(res.text, "the answer is longer than 12 bytes");
        assert_string_equal(res.so_far, "0123456789abc");
        closep(&peer);
}

static void test_long_line_fits(void **state) {
        struct fixture *f = *state;
        struct result res = {};
        int peer = start(f, &growing_ops, &res);

        assert_int_equal(send(peer, "0123456789ab\n", 13, 0), 13);
        run(f, &res);
        assert_true(res.line);
        assert_string_equal(res.text, "0123456789ab");
        closep(&peer);
}

static void test_no_bridge(void **state) {
        struct fixture *f = *state;
        struct result res = {};
        char path[160];

        (void) snprintf(path, sizeof(path), "%s/nobody", f->dir);
        assert_int_equal(eg_line_call_new(&fixed_ops, "q\n", 2, &res, &res.call), 0);
        /* Reported from inside connect, which then says 0. */
        assert_int_equal(eg_line_call_connect(res.call, f->event, path), 0);
        assert_int_equal(res.ends, 1);
        assert_null(res.call);
        assert_int_equal(res.kind, EG_LINE_CALL_CONNECT);
        assert_int_equal(res.error, ENOENT);
        assert_string_equal(res.text, "cannot connect");
}

static unsigned count_fds(void) {
        DIR *d = opendir("/proc/self/fd");
        unsigned n = 0;

        assert_non_null(d);
        while (readdir(d))
                n++;
        closedir(d);
        return n;
}

/* The descriptors come with the question's first byte, as one SCM_RIGHTS message; the
 * call's own copies are closed once sent, the caller's are left alone. */
static void test_fds(void **state) {
        struct fixture *f = *state;
        union {
                struct cmsghdr align;
                char buf[CMSG_SPACE(sizeof(int) * 4)];
        } control;
        char first, rest[16] = {};
        struct iovec iov = { .iov_base = &first, .iov_len = 1 };
        struct msghdr mh = { .msg_iov = &iov,
                             .msg_iovlen = 1,
                             .msg_control = control.buf,
                             .msg_controllen = sizeof(control.buf) };
        struct cmsghdr *cmsg;
        struct result res = {};
        int mine[2], got[2], peer;
        unsigned fds;

        assert_int_equal(pipe2(mine, O_CLOEXEC), 0);
        fds = count_fds();
        assert_int_equal(eg_line_call_new(&fixed_ops, "{\"q\":1}\n", 8, &res, &res.call), 0);
        assert_int_equal(eg_line_call_attach_fds(res.call, mine, 2), 0);
        assert_int_equal(eg_line_call_attach_fds(res.call, mine, 2), -EINVAL); /* once */
        assert_int_equal(count_fds(), fds + 2); /* its own copies */
        assert_int_equal(eg_line_call_connect(res.call, f->event, f->path), 0);
        assert_int_equal(eg_line_call_attach_fds(res.call, mine, 1), -EINVAL); /* too late */
        peer = accept4(f->listener, NULL, NULL, SOCK_CLOEXEC);
        assert_true(peer >= 0);
        for (unsigned i = 0; i < 20 && count_fds() > fds + 2; i++)
                assert_true(sd_event_run(f->event, 10 * 1000) >= 0);
        assert_int_equal(count_fds(), fds + 2); /* the call's socket, the peer; copies gone */
        assert_int_equal(recvmsg(peer, &mh, MSG_CMSG_CLOEXEC), 1);
        assert_int_equal(first, '{');
        cmsg = CMSG_FIRSTHDR(&mh);
        if (!cmsg) {
                fail_msg("no descriptors with the first byte");
                return;
        }
        assert_int_equal(cmsg->cmsg_type, SCM_RIGHTS);
        assert_int_equal(cmsg->cmsg_len, CMSG_LEN(sizeof(int) * 2));
        memcpy(got, CMSG_DATA(cmsg), sizeof(got));
        assert_int_equal(recv(peer, rest, sizeof(rest) - 1, 0), 7);
        assert_string_equal(rest, "\"q\":1}\n");
        /* The same pipe, both ends: what goes in one comes out of the other. */
        assert_int_equal(write(got[1], "x", 1), 1);
        assert_int_equal(read(mine[0], &first, 1), 1);
        assert_int_equal(first, 'x');
        assert_int_equal(send(peer, "ok\n", 3, 0), 3);
        run(f, &res);
        assert_string_equal(res.text, "ok");
        closep(&peer);
        for (size_t i = 0; i < 2; i++) {
                closep(&got[i]);
                closep(&mine[i]);
        }
}

/* Refusals leave nothing open; a call freed before sending closes its copies. */
static void test_fds_refused(void **state) {
        struct result res = {};
        int fd = dup(STDIN_FILENO), bad[2] = { STDIN_FILENO, -1 }, many[EG_LINE_CALL_FDS_MAX + 1];
        unsigned fds;

        assert_true(fd >= 0);
        for (size_t i = 0; i < ELEMENTSOF(many); i++)
                many[i] = fd;
        fds = count_fds();
        assert_int_equal(eg_line_call_new(&fixed_ops, "q\n", 2, &res, &res.call), 0);
        assert_int_equal(eg_line_call_attach_fds(NULL, &fd, 1), -EINVAL);
        assert_int_equal(eg_line_call_attach_fds(res.call, NULL, 1), -EINVAL);
        assert_int_equal(eg_line_call_attach_fds(res.call, &fd, 0), -EINVAL);
        assert_int_equal(eg_line_call_attach_fds(res.call, many, ELEMENTSOF(many)), -EINVAL);
        assert_int_equal(eg_line_call_attach_fds(res.call, bad, 2), -EBADF);
        assert_int_equal(count_fds(), fds);
        assert_int_equal(eg_line_call_attach_fds(res.call, many, EG_LINE_CALL_FDS_MAX), 0);
        assert_int_equal(count_fds(), fds + EG_LINE_CALL_FDS_MAX);
        res.call = eg_line_call_free(res.call);
        assert_int_equal(count_fds(), fds);
        assert_true(fcntl(fd, F_GETFD) >= 0); /* the caller's own */
        closep(&fd);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_line, setup, teardown),
                cmocka_unit_test_setup_teardown(test_cut, setup, teardown),
                cmocka_unit_test_setup_teardown(test_silent_hangup, setup, teardown),
                cmocka_unit_test_setup_teardown(test_too_long, setup, teardown),
                cmocka_unit_test_setup_teardown(test_long_line_fits, setup, teardown),
                cmocka_unit_test_setup_teardown(test_no_bridge, setup, teardown),
                cmocka_unit_test_setup_teardown(test_fds, setup, teardown),
                cmocka_unit_test_setup_teardown(test_fds_refused, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
