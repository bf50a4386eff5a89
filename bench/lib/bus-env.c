/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bus-env.h"
#include "macro.h"
#include "timing.h"

#define STOP_TIMEOUT_MS 10000u

static int make_dir(struct bench_env *e) {
        const char *tmp = getenv("TMPDIR");
        char *dir;

        if (asprintf(&dir, "%s/egate-bench.XXXXXX", tmp && *tmp ? tmp : "/tmp") < 0)
                return -ENOMEM;
        /* mkdtemp() makes it 0700: the mock wants a private runtime directory. */
        if (!mkdtemp(dir)) {
                int r = -errno;
                fprintf(stderr, "bench: cannot create %s: %m\n", dir);
                free(dir);
                return r;
        }
        e->dir = dir;
        return 0;
}

static char *path_in(const char *dir, const char *name) {
        char *p;

        return asprintf(&p, "%s/%s", dir, name) < 0 ? NULL : p;
}

/* dbus-daemon --print-address writes the address once it listens. */
static int read_address(int fd, char **ret) {
        char buf[512];
        size_t len = 0;
        uint64_t deadline = bench_now_ns() + BENCH_START_TIMEOUT_MS * UINT64_C(1000000);

        for (;;) {
                struct pollfd p = { .fd = fd, .events = POLLIN };
                uint64_t now = bench_now_ns();
                ssize_t n;
                char *nl;
                int k;

                if (now >= deadline)
                        return -ETIMEDOUT;
                k = poll(&p, 1, (int) ((deadline - now) / 1000000 + 1));
                if (k < 0)
                        return -errno;
                if (k == 0)
                        continue; /* the deadline check above decides */
                n = read(fd, buf + len, sizeof(buf) - 1 - len);
                if (n < 0 && errno != EAGAIN && errno != EINTR)
                        return -errno;
                if (n == 0)
                        return -EPIPE; /* it exited */
                if (n > 0)
                        len += (size_t) n;
                buf[len] = '\0';
                nl = strchr(buf, '\n');
                if (nl) {
                        *nl = '\0';
                        *ret = strdup(buf);
                        return *ret ? 0 : -ENOMEM;
                }
                if (len == sizeof(buf) - 1)
                        return -E2BIG;
        }
}

/* What the services inherit: this bus, this runtime directory, and nothing
 * of a service manager that may have started the benchmark. */
static int set_environment(struct bench_env *e) {
        static const char *const drop[] = { "RUNTIME_DIRECTORY", "JOURNAL_STREAM", "NOTIFY_SOCKET",
                                            "WATCHDOG_USEC",     "WATCHDOG_PID",   "LISTEN_FDS",
                                            "LISTEN_PID" };

        for (size_t i = 0; i < ELEMENTSOF(drop); i++)
                (void) unsetenv(drop[i]);
        if (setenv("DBUS_SESSION_BUS_ADDRESS", e->bus_address, 1) < 0 ||
            setenv("XDG_RUNTIME_DIR", e->dir, 1) < 0)
                return -errno;
        return 0;
}

static int connect_client(struct bench_env *e) {
        int r;

        r = sd_bus_new(&e->client);
        if (r >= 0)
                r = sd_bus_set_address(e->client, e->bus_address);
        if (r >= 0)
                r = sd_bus_set_bus_client(e->client, true);
        if (r >= 0)
                r = sd_bus_start(e->client);
        if (r < 0)
                fprintf(stderr, "bench: cannot connect to the private bus %s: %s\n", e->bus_address,
                        strerror(-r));
        return r;
}

int bench_env_start_bus(struct bench_env *e, const struct bench_options *o) {
        _cleanup_free_ char *socket = NULL, *address = NULL, *log = NULL;
        _cleanup_(closep) int read_end = -1, write_end = -1;
        int fds[2], r;

        e->options = o;
        r = make_dir(e);
        if (r < 0)
                return r;
        socket = path_in(e->dir, "bus.sock");
        log = path_in(e->dir, "dbus-daemon.log");
        e->mock_socket = path_in(e->dir, "egate-mock.sock");
        if (!socket || !log || !e->mock_socket ||
            asprintf(&address, "--address=unix:path=%s", socket) < 0)
                return -ENOMEM;
        if (pipe2(fds, O_CLOEXEC) < 0)
                return -errno;
        read_end = fds[0];
        write_end = fds[1];

        char *argv[] = { "dbus-daemon", "--session", "--nofork",          "--nosyslog",
                         "--nopidfile", address,     "--print-address=3", NULL };
        r = bench_child_spawn(&e->bus, "dbus-daemon", argv, log, write_end);
        if (r < 0)
                return r;
        (void) close(TAKE_FD(write_end)); /* EOF on read_end if it exits */
        r = read_address(read_end, &e->bus_address);
        if (r < 0) {
                fprintf(stderr, "bench: dbus-daemon did not report its address: %s\n",
                        strerror(-r));
                return r;
        }
        r = set_environment(e);
        if (r < 0)
                return r;
        return connect_client(e);
}

static int name_has_owner(sd_bus *bus, const char *name) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int owned, r;

        r = sd_bus_call_method(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                               "org.freedesktop.DBus", "NameHasOwner", &error, &reply, "s", name);
        if (r < 0)
                return r;
        r = sd_bus_message_read(reply, "b", &owned);
        return r < 0 ? r : owned;
}

/* Until `name` is owned, as long as `owner` runs. */
static int wait_name(struct bench_env *e, const char *name, struct bench_child *owner) {
        uint64_t deadline = bench_now_ns() + BENCH_START_TIMEOUT_MS * UINT64_C(1000000);

        for (;;) {
                int r = name_has_owner(e->client, name);

                if (r > 0)
                        return 0;
                if (r < 0) {
                        fprintf(stderr, "bench: NameHasOwner(%s) failed: %s\n", name, strerror(-r));
                        return r;
                }
                if (bench_child_check(owner) < 0) {
                        fprintf(stderr, "bench: %s exited before owning %s\n", owner->name, name);
                        return -ECHILD;
                }
                if (bench_now_ns() >= deadline) {
                        fprintf(stderr, "bench: %s did not own %s within %u ms\n", owner->name,
                                name, BENCH_START_TIMEOUT_MS);
                        return -ETIMEDOUT;
                }
                bench_sleep_ms(10);
        }
}

/* Zero latency whatever the scenario says, and nothing from /etc/egate. */
static int write_config(const char *path) {
        _cleanup_(fclosep) FILE *f = fopen(path, "we");

        if (!f)
                return -errno;
        fputs("# Written by the benchmark harness (bench/lib/bus-env.c).\n"
              "[plugin.mock]\n"
              "latency=zero\n"
              /* A 1 MiB frame (1024x1024, 8-bit grey), as the frame-fd case asks. */
              "camera-frame=1024x1024\n",
              f);
        if (fflush(f) != 0 || ferror(f))
                return -EIO;
        return 0;
}

int bench_env_start_egated(struct bench_env *e) {
        const struct bench_options *o = e->options;
        _cleanup_free_ char *egated = NULL, *plugins = NULL, *scenario = NULL, *config = NULL,
                            *log = NULL;
        int r;

        if (asprintf(&egated, "%s/core/egated", o->build_root) < 0 ||
            asprintf(&plugins, "%s/plugins/mock", o->build_root) < 0 ||
            asprintf(&scenario, "%s/plugins/mock/scenarios/all-devices.json", o->source_root) < 0)
                return -ENOMEM;
        config = path_in(e->dir, "egated.conf");
        log = path_in(e->dir, "egated.log");
        if (!config || !log)
                return -ENOMEM;
        if (access(egated, X_OK) < 0) {
                r = -errno;
                fprintf(stderr, "bench: %s: %m (build the tree first, or pass --build-root)\n",
                        egated);
                return r;
        }
        r = write_config(config);
        if (r < 0) {
                fprintf(stderr, "bench: cannot write %s: %s\n", config, strerror(-r));
                return r;
        }

        char *argv[] = { egated,         "--user", "--config",    config,    "--mock", scenario,
                         "--plugin-dir", plugins,  "--log-level", "warning", NULL };
        r = bench_child_spawn(&e->egated, "egated", argv, log, -1);
        if (r < 0)
                return r;
        return wait_name(e, BENCH_EGATE_NAME, &e->egated);
}

int bench_env_start_egated_with(struct bench_env *e, const char *scenario, const char *config,
                                const char *log_level) {
        const struct bench_options *o = e->options;
        _cleanup_free_ char *egated = NULL, *plugins = NULL, *config_path = NULL, *log = NULL,
                            *state = NULL;
        _cleanup_(fclosep) FILE *f = NULL;
        int r;

        if (asprintf(&egated, "%s/core/egated", o->build_root) < 0 ||
            asprintf(&plugins, "%s/plugins/mock", o->build_root) < 0)
                return -ENOMEM;
        config_path = path_in(e->dir, "egated.conf");
        log = path_in(e->dir, "egated.log");
        state = path_in(e->dir, "state");
        if (!config_path || !log || !state)
                return -ENOMEM;
        if (mkdir(state, 0700) < 0 && errno != EEXIST)
                return -errno;
        f = fopen(config_path, "we");
        if (!f || fputs(config, f) < 0 || fflush(f) != 0)
                return -EIO;

        char *argv[] = { egated,
                         "--user",
                         "--config",
                         config_path,
                         "--mock",
                         (char *) scenario,
                         "--plugin-dir",
                         plugins,
                         "--state-directory",
                         state,
                         "--log-level",
                         (char *) log_level,
                         NULL };
        r = bench_child_spawn(&e->egated, "egated", argv, log, -1);
        if (r < 0)
                return r;
        return wait_name(e, BENCH_EGATE_NAME, &e->egated);
}

int bench_env_start_echo(struct bench_env *e, char *const extra_args[]) {
        _cleanup_free_ char *echo = NULL, *log = NULL;
        char *argv[16];
        size_t n = 0;
        int r;

        if (asprintf(&echo, "%s/bench/bench-echo-service", e->options->build_root) < 0)
                return -ENOMEM;
        log = path_in(e->dir, "echo-service.log");
        if (!log)
                return -ENOMEM;
        argv[n++] = echo;
        for (size_t i = 0; extra_args && extra_args[i]; i++) {
                if (n == ELEMENTSOF(argv) - 1)
                        return -E2BIG;
                argv[n++] = extra_args[i];
        }
        argv[n] = NULL;

        r = bench_child_spawn(&e->echo, "echo-service", argv, log, -1);
        if (r < 0)
                return r;
        return wait_name(e, BENCH_ECHO_NAME, &e->echo);
}

int bench_env_wait_property(struct bench_env *e, const char *dest, const char *path,
                            const char *iface, const char *property, unsigned timeout_ms) {
        uint64_t deadline = bench_now_ns() + timeout_ms * UINT64_C(1000000);

        for (;;) {
                _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
                int r;

                r = sd_bus_call_method(e->client, dest, path, "org.freedesktop.DBus.Properties",
                                       "Get", &error, &reply, "ss", iface, property);
                if (r >= 0)
                        return 0;
                if (bench_now_ns() >= deadline) {
                        fprintf(stderr, "bench: %s %s.%s on %s: %s\n", dest, iface, property, path,
                                error.message ? error.message : strerror(-r));
                        return r;
                }
                bench_sleep_ms(10);
        }
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        (void) remove(path);
        return 0; /* best effort: go on with the rest */
}

void bench_env_stop(struct bench_env *e, bool show_logs) {
        struct bench_child *children[] = { &e->echo, &e->egated, &e->bus };

        e->client = sd_bus_flush_close_unref(e->client);
        for (size_t i = 0; i < ELEMENTSOF(children); i++) {
                bench_child_stop(children[i], STOP_TIMEOUT_MS);
                if (show_logs)
                        bench_child_show_log(children[i], stderr);
                bench_child_clear(children[i]);
        }
        if (e->dir)
                (void) nftw(e->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
        free(e->dir);
        free(e->bus_address);
        free(e->mock_socket);
        e->dir = e->bus_address = e->mock_socket = NULL;
}
