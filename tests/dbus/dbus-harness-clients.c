/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The D-Bus harness's callers of other identities: a forked child becomes one of
 * the test accounts, connects to the bus, runs a client function and reports
 * through struct call_result (nothing in a child asserts); method calls with
 * default or string arguments on top.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <setjmp.h>
#include <cmocka.h>

#include "dbus-harness-internal.h"
#include "macro.h"

#define CHILD_TIMEOUT_USEC (20 * USEC_PER_SEC)

void call_result_set(struct call_result *r, int call_r, const sd_bus_error *error) {
        r->ok = call_r >= 0;
        if (call_r >= 0)
                return;
        snprintf(r->error_name, sizeof(r->error_name), "%s",
                 error && error->name ? error->name : "(no error name)");
        snprintf(r->error_message, sizeof(r->error_message), "%s: %s",
                 error && error->message ? error->message : "", strerror(-call_r));
}

static void become(uid_t uid) {
        struct passwd *pw = getpwuid(uid);

        /* The bus reads the groups from the socket's credentials, egated from the name
         * service: both see the same set. */
        if (!pw || initgroups(pw->pw_name, pw->pw_gid) < 0 ||
            setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) < 0 || setresuid(uid, uid, uid) < 0)
                _exit(126);
}

struct child harness_spawn_as(struct harness *h, uid_t uid, client_fn fn, void *userdata) {
        int result_pipe[2], ready_pipe[2];
        struct child c = { .pid = -1 };

        assert_int_equal(pipe2(result_pipe, O_CLOEXEC), 0);
        assert_int_equal(pipe2(ready_pipe, O_CLOEXEC), 0);
        fflush(NULL);
        c.pid = fork();
        assert_true(c.pid >= 0);
        if (c.pid == 0) {
                struct call_result r = {};
                struct client cl = { .ready_fd = ready_pipe[1],
                                     .userdata = userdata,
                                     .result = &r };

                become(uid);
                cl.bus = harness_connect_bus(h->address);
                if (!cl.bus)
                        snprintf(r.error_name, sizeof(r.error_name), "(cannot connect)");
                else
                        fn(&cl);
                (void) write(ready_pipe[1], "x", 1);
                (void) write(result_pipe[1], &r, sizeof(r));
                sd_bus_flush_close_unref(cl.bus);
                _exit(0);
        }
        close(result_pipe[1]);
        close(ready_pipe[1]);
        c.result_fd = result_pipe[0];
        c.ready_fd = ready_pipe[0];
        struct pollfd p = { .fd = c.ready_fd, .events = POLLIN };
        assert_int_equal(poll(&p, 1, (int) (CHILD_TIMEOUT_USEC / USEC_PER_MSEC)), 1);
        return c;
}

void harness_collect(struct child *c, struct call_result *r) {
        ssize_t n;
        int status = harness_wait_until(c->pid, CHILD_TIMEOUT_USEC);

        if (status == -1) {
                (void) kill(c->pid, SIGKILL);
                (void) waitpid(c->pid, NULL, 0);
        }
        assert_int_not_equal(status, -1);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
        n = read(c->result_fd, r, sizeof(*r));
        assert_int_equal(n, (ssize_t) sizeof(*r));
        close(c->result_fd);
        close(c->ready_fd);
}

void harness_kill(struct child *c) {
        assert_int_equal(kill(c->pid, SIGKILL), 0);
        assert_int_equal(waitpid(c->pid, NULL, 0), c->pid);
        close(c->result_fd);
        close(c->ready_fd);
}

void harness_run_as(struct harness *h, uid_t uid, client_fn fn, void *userdata,
                    struct call_result *r) {
        struct child c = harness_spawn_as(h, uid, fn, userdata);

        harness_collect(&c, r);
}

static const char *complete_type_end(const char *s) {
        int depth = 0;

        while (*s == 'a')
                s++;
        do {
                if (*s == '(' || *s == '{')
                        depth++;
                else if (*s == ')' || *s == '}')
                        depth--;
                s++;
        } while (depth > 0 && *s);
        return s;
}

int append_default_args(sd_bus_message *m, const char *signature) {
        static const uint64_t zero = 0;
        int r = 0;

        if (!signature || strcmp(signature, "-") == 0)
                return 0;
        for (const char *s = signature; *s && r >= 0;) {
                const char *end = complete_type_end(s);
                char type[32];

                if ((size_t) (end - s) >= sizeof(type))
                        return -EINVAL;
                memcpy(type, s, (size_t) (end - s));
                type[end - s] = '\0';
                if (type[0] == 'a') {
                        r = sd_bus_message_open_container(m, 'a', type + 1);
                        if (r >= 0)
                                r = sd_bus_message_close_container(m);
                } else if (type[0] == 's' || type[0] == 'g')
                        r = sd_bus_message_append_basic(m, type[0], "");
                else if (type[0] == 'o')
                        r = sd_bus_message_append_basic(m, 'o', "/");
                else if (type[0] == 'v')
                        r = sd_bus_message_append(m, "v", "s", "");
                else if (strchr("ybnqiuxtd", type[0]))
                        r = sd_bus_message_append_basic(m, type[0], &zero);
                else if (type[0] == 'h') {
                        /* /dev/null: a descriptor egated refuses (not a pipe or file). */
                        int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);

                        if (fd < 0)
                                return -errno;
                        r = sd_bus_message_append_basic(m, 'h', &fd);
                        close(fd);
                } else
                        return -EINVAL; /* not in the contract's inputs */
                s = end;
        }
        return r;
}

struct default_call {
        const char *path, *iface, *member, *signature;
};

static void client_call_default(struct client *c) {
        struct default_call *d = c->userdata;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        r = sd_bus_message_new_method_call(c->bus, &m, EG_NAME, d->path, d->iface, d->member);
        if (r >= 0)
                r = append_default_args(m, d->signature);
        if (r >= 0)
                r = sd_bus_call(c->bus, m, 10 * USEC_PER_SEC, &error, &reply);
        call_result_set(c->result, r, &error);
}

void harness_call_as(struct harness *h, uid_t uid, const char *path, const char *iface,
                     const char *member, const char *in_signature, struct call_result *r) {
        struct default_call d = { path, iface, member, in_signature };

        harness_run_as(h, uid, client_call_default, &d, r);
}

struct strings_call {
        const char *path, *iface, *member;
        const char *args[8];
        size_t n_args;
};

static void client_call_strings(struct client *c) {
        struct strings_call *d = c->userdata;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        r = sd_bus_message_new_method_call(c->bus, &m, EG_NAME, d->path, d->iface, d->member);
        for (size_t i = 0; r >= 0 && i < d->n_args; i++)
                r = sd_bus_message_append_basic(m, 's', d->args[i]);
        if (r >= 0)
                r = sd_bus_call(c->bus, m, 10 * USEC_PER_SEC, &error, &reply);
        call_result_set(c->result, r, &error);
}

void harness_call_strings_as(struct harness *h, uid_t uid, const char *path, const char *iface,
                             const char *member, struct call_result *r, ...) {
        struct strings_call d = { path, iface, member };
        const char *arg;
        va_list ap;

        va_start(ap, r);
        while ((arg = va_arg(ap, const char *))) {
                assert_true(d.n_args < ELEMENTSOF(d.args));
                d.args[d.n_args++] = arg;
        }
        va_end(ap);
        harness_run_as(h, uid, client_call_strings, &d, r);
}
