/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The D-Bus harness's processes: a private dbus-daemon with the project's policy
 * and egated from the build tree with the mock devices, started and stopped per
 * test (the cmocka fixtures); the mock's control socket; property helpers.
 * The other parts are listed in dbus-harness-internal.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <setjmp.h>
#include <cmocka.h>

#include "dbus-harness-internal.h"
#include "macro.h"

#define STARTUP_TIMEOUT_USEC (20 * USEC_PER_SEC)

/* The harness running now, for the exit handler when a setup assertion left it behind. */
struct harness *harness_current;

static void redirect_output(const char *log_path) {
        int fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

        if (fd < 0)
                _exit(127);
        (void) dup2(fd, STDOUT_FILENO);
        (void) dup2(fd, STDERR_FILENO);
}

static void start_bus(struct harness *h, bool permissive) {
        _cleanup_free_ char *conf = harness_xasprintf("%s/bus.conf", h->dir),
                            *includes = harness_xasprintf("%s/system.d", h->dir),
                            *listen = harness_xasprintf("unix:path=%s/bus.sock", h->dir),
                            *policy = harness_xasprintf("%s/dbus/org.egate.EGate1.conf",
                                                        getenv("EGATE_SOURCE_ROOT"));
        struct passwd *pw = getpwuid(geteuid());
        char address[512];
        ssize_t n = 0;
        int pipefd[2];

        assert_non_null(pw);
        assert_int_equal(mkdir(includes, 0755), 0);
        /* The policy as shipped, with the owner being us instead of the egate account. */
        char *args[] = { (char *) "bus-config",
                         (char *) "/usr/share/dbus-1/system.conf",
                         conf,
                         listen,
                         includes,
                         policy,
                         pw->pw_name,
                         permissive ? (char *) "permissive" : NULL,
                         NULL };
        assert_int_equal(run_contract_py(args, NULL), 0);

        assert_int_equal(pipe2(pipefd, O_CLOEXEC), 0);
        h->bus_pid = fork();
        assert_true(h->bus_pid >= 0);
        if (h->bus_pid == 0) {
                _cleanup_free_ char *conf_arg = harness_xasprintf("--config-file=%s", conf);
                _cleanup_free_ char *print = harness_xasprintf("--print-address=%d", pipefd[1]);

                (void) fcntl(pipefd[1], F_SETFD, 0);
                redirect_output(h->bus_log_path);
                execlp("dbus-daemon", "dbus-daemon", conf_arg, "--nofork", print, (char *) NULL);
                _exit(127);
        }
        close(pipefd[1]);
        for (;;) {
                ssize_t k = read(pipefd[0], address + n, sizeof(address) - 1 - (size_t) n);
                if (k <= 0)
                        break;
                n += k;
                if (memchr(address, '\n', (size_t) n))
                        break;
        }
        close(pipefd[0]);
        address[n > 0 ? n : 0] = '\0';
        address[strcspn(address, "\n")] = '\0';
        if (!*address) {
                _cleanup_free_ char *log = harness_read_file(h->bus_log_path);
                fprintf(stderr, "dbus-daemon did not start:\n%s\n", log ? log : "");
                fail();
        }
        h->address = strdup(address);
        assert_non_null(h->address);
        assert_int_equal(setenv("DBUS_SYSTEM_BUS_ADDRESS", h->address, 1), 0);
}

sd_bus *harness_connect(struct harness *h) {
        return harness_connect_bus(h->address);
}

static bool egated_ready(struct harness *h) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_free_ char *state = NULL, *socket_path = NULL;
        struct stat st;

        if (sd_bus_get_property_string(h->bus, EG_NAME, EG_ROOT_PATH, EG_IFACE("Manager"), "State",
                                       &error, &state) < 0)
                return false;
        socket_path = harness_xasprintf("%s/egate-mock.sock", h->runtime_dir);
        return strcmp(state, "running") == 0 && stat(socket_path, &st) == 0;
}

static void dump(const char *title, const char *path) {
        _cleanup_free_ char *text = harness_read_file(path);

        fprintf(stderr, "---- %s (%s) ----\n%s---- end of %s ----\n", title, path,
                text ? text : "(none)\n", title);
}

static void start_egated(struct harness *h, const char *extra_plugin_dir,
                         unsigned operation_timeout_ms) {
        const char *build = getenv("EGATE_BUILD_ROOT"), *source = getenv("EGATE_SOURCE_ROOT");
        _cleanup_free_ char *config = harness_xasprintf("%s/egated.conf", h->dir),
                            *text = harness_xasprintf("[daemon]\noperation-timeout-ms = %u\n"
                                                      "state-directory = %s/state\n",
                                                      operation_timeout_ms, h->dir),
                            *egated = harness_xasprintf("%s/core/egated", build),
                            *scenario = harness_xasprintf(
                                    "%s/plugins/mock/scenarios/all-devices.json", source),
                            *plugins = harness_xasprintf("%s/plugins/mock", build);
        uint64_t end;

        assert_int_equal(harness_write_file(config, text, 0644), 0);
        h->egated_pid = fork();
        assert_true(h->egated_pid >= 0);
        if (h->egated_pid == 0) {
                redirect_output(h->log_path);
                (void) unsetenv("JOURNAL_STREAM");
                (void) setenv("XDG_RUNTIME_DIR", h->runtime_dir, 1);
                if (extra_plugin_dir)
                        execl(egated, egated, "--config", config, "--mock", scenario,
                              "--plugin-dir", extra_plugin_dir, "--plugin-dir", plugins,
                              "--log-level", "debug", (char *) NULL);
                else
                        execl(egated, egated, "--config", config, "--mock", scenario,
                              "--plugin-dir", plugins, "--log-level", "debug", (char *) NULL);
                _exit(127);
        }
        end = harness_now_usec() + STARTUP_TIMEOUT_USEC;
        while (!egated_ready(h)) {
                if (!harness_egated_alive(h) || harness_now_usec() > end) {
                        fprintf(stderr, "egated did not come up on the bus\n");
                        dump("egated log", h->log_path);
                        dump("dbus-daemon log", h->bus_log_path);
                        fail();
                }
                usleep(20000);
        }
}

struct harness *harness_start(const struct harness_options *o) {
        char template[] = "/tmp/egate-dbus-XXXXXX";
        struct harness *h = calloc(1, sizeof(*h));

        assert_non_null(h);
        harness_current = h;
        h->bus_pid = h->egated_pid = -1;
        assert_non_null(mkdtemp(template));
        /* The test accounts must reach the bus socket inside. */
        assert_int_equal(chmod(template, 0755), 0);
        h->dir = strdup(template);
        h->log_path = harness_xasprintf("%s/egated.log", h->dir);
        h->bus_log_path = harness_xasprintf("%s/bus.log", h->dir);
        h->runtime_dir = harness_xasprintf("%s/runtime", h->dir);
        assert_int_equal(mkdir(h->runtime_dir, 0700), 0);

        start_bus(h, o && o->permissive_policy);
        h->bus = harness_connect_bus(h->address);
        assert_non_null(h->bus);
        assert_true(sd_bus_add_match(h->bus, &h->match,
                                     "type='signal',path_namespace='" EG_ROOT_PATH "'",
                                     harness_on_signal, h) >= 0);
        start_egated(h, o ? o->extra_plugin_dir : NULL,
                     o && o->operation_timeout_ms ? o->operation_timeout_ms
                                                  : TEST_OPERATION_TIMEOUT_MS);
        return h;
}

void harness_stop(struct harness *h) {
        int status = 0;
        bool clean = true;

        if (!h)
                return;
        if (h->egated_pid > 0) {
                (void) kill(h->egated_pid, SIGTERM);
                status = harness_wait_until(h->egated_pid, 15 * USEC_PER_SEC);
                if (status == -1) {
                        (void) kill(h->egated_pid, SIGKILL);
                        (void) waitpid(h->egated_pid, NULL, 0);
                        fprintf(stderr, "egated did not stop within 15 s of SIGTERM\n");
                        clean = false;
                } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                        fprintf(stderr, "egated stopped with %s %d\n",
                                WIFEXITED(status) ? "exit status" : "signal",
                                WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
                        clean = false;
                }
        }
        h->match = sd_bus_slot_unref(h->match);
        h->bus = sd_bus_flush_close_unref(h->bus);
        if (h->bus_pid > 0) {
                (void) kill(h->bus_pid, SIGTERM);
                if (harness_wait_until(h->bus_pid, 5 * USEC_PER_SEC) == -1) {
                        (void) kill(h->bus_pid, SIGKILL);
                        (void) waitpid(h->bus_pid, NULL, 0);
                }
        }
        if (!h->passed || !clean) {
                dump("egated log", h->log_path);
                dump("dbus-daemon log", h->bus_log_path);
        }
        for (size_t i = 0; i < h->n_signals; i++)
                sd_bus_message_unref(h->signals[i]);
        free(h->signals);
        free(h->consumed);
        harness_remove_tree(h->dir);
        free(h->dir);
        free(h->address);
        free(h->log_path);
        free(h->bus_log_path);
        free(h->runtime_dir);
        free(h);
        harness_current = NULL;
        assert_true(clean);
}

int harness_wait_egated_exit(struct harness *h, uint64_t timeout_usec) {
        int status = harness_wait_until(h->egated_pid, timeout_usec);

        if (status == -1) {
                (void) kill(h->egated_pid, SIGKILL);
                (void) waitpid(h->egated_pid, NULL, 0);
        }
        h->egated_pid = -1;
        return status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int harness_setup(void **state) {
        *state = harness_start(NULL);
        return 0;
}

int harness_setup_permissive(void **state) {
        struct harness_options o = { .permissive_policy = true };

        *state = harness_start(&o);
        return 0;
}

int harness_teardown(void **state) {
        harness_stop(*state);
        *state = NULL;
        return 0;
}

bool harness_egated_alive(struct harness *h) {
        int status;

        if (h->egated_pid <= 0)
                return false;
        if (waitpid(h->egated_pid, &status, WNOHANG) == h->egated_pid) {
                fprintf(stderr, "egated ended: %s %d\n", WIFEXITED(status) ? "status" : "signal",
                        WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
                h->egated_pid = -1;
                return false;
        }
        return kill(h->egated_pid, 0) == 0;
}

bool harness_log_contains(struct harness *h, const char *text) {
        _cleanup_free_ char *log = harness_read_file(h->log_path);

        return log && strstr(log, text);
}

char *device_path(const char *mock_key) {
        _cleanup_free_ char *id = harness_xasprintf("mock-%s", mock_key);
        char *path = NULL;

        assert_true(sd_bus_path_encode(EG_ROOT_PATH "/Device", id, &path) >= 0);
        return path;
}

/* ---- the mock's control socket ---- */

char *harness_mock(struct harness *h, const char *command) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        char reply[4096];
        size_t n = 0;
        int fd;

        assert_true(snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/egate-mock.sock",
                             h->runtime_dir) < (int) sizeof(sa.sun_path));
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        assert_true(fd >= 0);
        assert_int_equal(connect(fd, (struct sockaddr *) &sa, sizeof(sa)), 0);
        assert_true(dprintf(fd, "%s\n", command) > 0);
        while (n < sizeof(reply) - 1) {
                struct pollfd p = { .fd = fd, .events = POLLIN };
                ssize_t k;

                /* egated answers from its event loop, which the test's bus calls do not block. */
                assert_int_equal(poll(&p, 1, 10000), 1);
                k = read(fd, reply + n, sizeof(reply) - 1 - n);
                assert_true(k > 0);
                n += (size_t) k;
                if (memchr(reply, '\n', n))
                        break;
        }
        close(fd);
        reply[n] = '\0';
        reply[strcspn(reply, "\n")] = '\0';
        if (strncmp(reply, "OK", 2) != 0) {
                fprintf(stderr, "mock command '%s' answered '%s'\n", command, reply);
                fail();
        }
        return strdup(reply);
}

char *get_string_property(sd_bus *bus, const char *path, const char *iface, const char *name) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        char *v = NULL;
        int r = sd_bus_get_property_string(bus, EG_NAME, path, iface, name, &error, &v);

        if (r < 0)
                fprintf(stderr, "Get %s.%s on %s: %s: %s\n", iface, name, path, error.name,
                        error.message);
        assert_true(r >= 0);
        return v;
}

bool get_bool_property(sd_bus *bus, const char *path, const char *iface, const char *name) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int v = 0;

        assert_true(sd_bus_get_property_trivial(bus, EG_NAME, path, iface, name, &error, 'b', &v) >=
                    0);
        return v;
}

void set_lane_mode(struct harness *h, const char *mode) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r = sd_bus_call_method(h->bus, EG_NAME, LANE_A1_PATH, EG_IFACE("Lane"), "SetMode",
                                   &error, NULL, "ss", mode, "test harness");

        if (r < 0)
                fprintf(stderr, "SetMode %s: %s: %s\n", mode, error.name, error.message);
        assert_true(r >= 0);
}
