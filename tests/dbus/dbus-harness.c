/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <setjmp.h>
#include <cmocka.h>

#include "dbus-harness.h"
#include "macro.h"

#define STARTUP_TIMEOUT_USEC (20 * USEC_PER_SEC)
#define CHILD_TIMEOUT_USEC (20 * USEC_PER_SEC)

static char *ns_dir;
/* The harness running now, for the exit handler when a setup assertion left it behind. */
static struct harness *current;

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / 1000;
}

static char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xasprintf(const char *fmt, ...) {
        va_list ap;
        char *s = NULL;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&s, fmt, ap);
        va_end(ap);
        assert_true(r >= 0);
        return s;
}

static const char *env_or_die(const char *name) {
        const char *v = getenv(name);

        if (!v || !*v) {
                fprintf(stderr, "%s is not set: run this test through meson test\n", name);
                exit(EXIT_FAILURE);
        }
        return v;
}

static char *read_file(const char *path) {
        FILE *f = fopen(path, "re");
        char *buf = NULL;
        size_t size = 0;

        if (!f)
                return NULL;
        if (getdelim(&buf, &size, '\0', f) < 0) {
                free(buf);
                buf = strdup("");
        }
        fclose(f);
        return buf;
}

static int write_file(const char *path, const char *text, mode_t mode) {
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
        size_t len = strlen(text);

        if (fd < 0)
                return -errno;
        if (write(fd, text, len) != (ssize_t) len) {
                close(fd);
                return -EIO;
        }
        if (fchmod(fd, mode) < 0 || close(fd) < 0)
                return -errno;
        return 0;
}

/* ---- accounts in a private mount namespace ---- */

static const char *const test_names[] = { "egtest-op", "egtest-mon",     "egtest-none",
                                          "egate",     "egate-operator", "egate-monitor" };

/* The system's file without our names (a machine with egate installed has some of them). */
static char *without_test_names(const char *text) {
        size_t len = strlen(text);
        char *out = calloc(1, len + 2), *o = out;
        const char *line = text;

        if (!out)
                return NULL;
        while (*line) {
                const char *end = strchrnul(line, '\n');
                bool ours = false;

                for (size_t i = 0; i < sizeof(test_names) / sizeof(test_names[0]); i++) {
                        size_t n = strlen(test_names[i]);
                        if ((size_t) (end - line) > n && strncmp(line, test_names[i], n) == 0 &&
                            line[n] == ':')
                                ours = true;
                }
                if (!ours) {
                        memcpy(o, line, (size_t) (end - line));
                        o += end - line;
                        *o++ = '\n';
                }
                line = *end ? end + 1 : end;
        }
        return out;
}

static int bind_copy(const char *system_path, const char *added) {
        _cleanup_free_ char *text = read_file(system_path), *kept = NULL, *copy = NULL, *all = NULL;
        int r;

        if (!text)
                return -errno;
        kept = without_test_names(text);
        if (!kept)
                return -ENOMEM;
        copy = xasprintf("%s%s", ns_dir, system_path + strlen("/etc"));
        all = xasprintf("%s%s", kept, added);
        r = write_file(copy, all, 0644);
        if (r < 0)
                return r;
        if (mount(copy, system_path, NULL, MS_BIND, NULL) < 0)
                return -errno;
        return 0;
}

static void remove_tree(const char *path);

static void cleanup_namespace(void) {
        if (current) {
                if (current->egated_pid > 0)
                        (void) kill(current->egated_pid, SIGKILL);
                if (current->bus_pid > 0)
                        (void) kill(current->bus_pid, SIGKILL);
                remove_tree(current->dir);
        }
        if (!ns_dir)
                return;
        (void) umount2("/etc/passwd", MNT_DETACH);
        (void) umount2("/etc/group", MNT_DETACH);
        _cleanup_free_ char *p = xasprintf("%s/passwd", ns_dir), *g = xasprintf("%s/group", ns_dir);
        (void) unlink(p);
        (void) unlink(g);
        (void) rmdir(ns_dir);
        free(ns_dir);
        ns_dir = NULL;
}

int harness_init_process(void) {
        char template[] = "/tmp/egate-dbus-ns-XXXXXX";
        struct passwd *pw;
        int r;

        (void) env_or_die("EGATE_BUILD_ROOT");
        (void) env_or_die("EGATE_SOURCE_ROOT");
        if (geteuid() != 0) {
                printf("SKIP: the D-Bus suite needs root: it runs callers of several uids in a "
                       "private mount namespace\n");
                return 77;
        }
        if (unshare(CLONE_NEWNS) < 0) {
                printf("SKIP: cannot create a mount namespace (unshare: %s): the D-Bus suite "
                       "needs one for its test accounts\n",
                       strerror(errno));
                return 77;
        }
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
                printf("SKIP: cannot make mounts private (%s)\n", strerror(errno));
                return 77;
        }
        if (!mkdtemp(template) || chmod(template, 0755) < 0) {
                fprintf(stderr, "cannot create %s: %s\n", template, strerror(errno));
                return EXIT_FAILURE;
        }
        ns_dir = strdup(template);
        atexit(cleanup_namespace);

        r = bind_copy("/etc/passwd",
                      "egate:x:61000:61000:egate test daemon:/nonexistent:/usr/sbin/nologin\n"
                      "egtest-op:x:61001:61001::/nonexistent:/usr/sbin/nologin\n"
                      "egtest-mon:x:61002:61002::/nonexistent:/usr/sbin/nologin\n"
                      "egtest-none:x:61003:61003::/nonexistent:/usr/sbin/nologin\n");
        if (r >= 0)
                r = bind_copy("/etc/group", "egate:x:61000:\n"
                                            "egtest-op:x:61001:\n"
                                            "egtest-mon:x:61002:\n"
                                            "egtest-none:x:61003:\n"
                                            "egate-operator:x:61101:egtest-op\n"
                                            "egate-monitor:x:61102:egtest-mon\n");
        if (r == -EPERM || r == -EACCES) {
                printf("SKIP: cannot bind-mount test accounts over /etc/passwd and /etc/group "
                       "(%s)\n",
                       strerror(-r));
                return 77;
        }
        if (r < 0) {
                fprintf(stderr, "cannot set up the test accounts: %s\n", strerror(-r));
                return EXIT_FAILURE;
        }
        pw = getpwnam("egtest-none");
        if (!pw || pw->pw_uid != UID_NONE || !getgrnam("egate-operator")) {
                fprintf(stderr, "the name service does not see the test accounts\n");
                return EXIT_FAILURE;
        }
        return 0;
}

/* ---- processes ---- */

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        (void) remove(path);
        return 0;
}

static void remove_tree(const char *path) {
        if (path)
                (void) nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Wait for pid until the deadline; returns the wait status or -1 on timeout. */
static int wait_until(pid_t pid, uint64_t timeout_usec) {
        uint64_t end = now_usec() + timeout_usec;
        int status;

        for (;;) {
                pid_t r = waitpid(pid, &status, WNOHANG);
                if (r == pid)
                        return status;
                if (r < 0 || now_usec() > end)
                        return -1;
                usleep(5000);
        }
}

static void redirect_output(const char *log_path) {
        int fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

        if (fd < 0)
                _exit(127);
        (void) dup2(fd, STDOUT_FILENO);
        (void) dup2(fd, STDERR_FILENO);
}

static void start_bus(struct harness *h, bool permissive) {
        _cleanup_free_ char *conf = xasprintf("%s/bus.conf", h->dir),
                            *includes = xasprintf("%s/system.d", h->dir),
                            *listen = xasprintf("unix:path=%s/bus.sock", h->dir),
                            *policy = xasprintf("%s/dbus/org.egate.EGate1.conf",
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
                _cleanup_free_ char *conf_arg = xasprintf("--config-file=%s", conf);
                _cleanup_free_ char *print = xasprintf("--print-address=%d", pipefd[1]);

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
                _cleanup_free_ char *log = read_file(h->bus_log_path);
                fprintf(stderr, "dbus-daemon did not start:\n%s\n", log ? log : "");
                fail();
        }
        h->address = strdup(address);
        assert_non_null(h->address);
        assert_int_equal(setenv("DBUS_SYSTEM_BUS_ADDRESS", h->address, 1), 0);
}

static int on_signal(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        struct harness *h = userdata;

        if (h->n_signals == h->n_allocated) {
                size_t n = h->n_allocated ? 2 * h->n_allocated : 64;
                sd_bus_message **s = reallocarray(h->signals, n, sizeof(*s));
                bool *c = s ? reallocarray(h->consumed, n, sizeof(*c)) : NULL;

                if (s)
                        h->signals = s;
                if (!c)
                        return -ENOMEM;
                h->consumed = c;
                h->n_allocated = n;
        }
        h->signals[h->n_signals] = sd_bus_message_ref(m);
        h->consumed[h->n_signals++] = false;
        return 0;
}

static sd_bus *connect_bus(const char *address) {
        sd_bus *bus = NULL;

        if (sd_bus_new(&bus) < 0)
                return NULL;
        if (sd_bus_set_address(bus, address) < 0 || sd_bus_set_bus_client(bus, 1) < 0 ||
            sd_bus_negotiate_fds(bus, 1) < 0 || sd_bus_start(bus) < 0)
                return sd_bus_flush_close_unref(bus);
        return bus;
}

sd_bus *harness_connect(struct harness *h) {
        return connect_bus(h->address);
}

static bool egated_ready(struct harness *h) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_free_ char *state = NULL, *socket_path = NULL;
        struct stat st;

        if (sd_bus_get_property_string(h->bus, EG_NAME, EG_ROOT_PATH, EG_IFACE("Manager"), "State",
                                       &error, &state) < 0)
                return false;
        socket_path = xasprintf("%s/egate-mock.sock", h->runtime_dir);
        return strcmp(state, "running") == 0 && stat(socket_path, &st) == 0;
}

static void dump(const char *title, const char *path);

static void start_egated(struct harness *h) {
        const char *build = getenv("EGATE_BUILD_ROOT"), *source = getenv("EGATE_SOURCE_ROOT");
        _cleanup_free_ char *config = xasprintf("%s/egated.conf", h->dir),
                            *text = xasprintf("[daemon]\noperation-timeout-ms = %d\n"
                                              "state-directory = %s/state\n",
                                              TEST_OPERATION_TIMEOUT_MS, h->dir),
                            *egated = xasprintf("%s/core/egated", build),
                            *scenario =
                                    xasprintf("%s/plugins/mock/scenarios/all-devices.json", source),
                            *plugins = xasprintf("%s/plugins/mock", build);
        uint64_t end;

        assert_int_equal(write_file(config, text, 0644), 0);
        h->egated_pid = fork();
        assert_true(h->egated_pid >= 0);
        if (h->egated_pid == 0) {
                redirect_output(h->log_path);
                (void) unsetenv("JOURNAL_STREAM");
                (void) setenv("XDG_RUNTIME_DIR", h->runtime_dir, 1);
                execl(egated, egated, "--config", config, "--mock", scenario, "--plugin-dir",
                      plugins, "--log-level", "debug", (char *) NULL);
                _exit(127);
        }
        end = now_usec() + STARTUP_TIMEOUT_USEC;
        while (!egated_ready(h)) {
                if (!harness_egated_alive(h) || now_usec() > end) {
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
        current = h;
        h->bus_pid = h->egated_pid = -1;
        assert_non_null(mkdtemp(template));
        /* The test accounts must reach the bus socket inside. */
        assert_int_equal(chmod(template, 0755), 0);
        h->dir = strdup(template);
        h->log_path = xasprintf("%s/egated.log", h->dir);
        h->bus_log_path = xasprintf("%s/bus.log", h->dir);
        h->runtime_dir = xasprintf("%s/runtime", h->dir);
        assert_int_equal(mkdir(h->runtime_dir, 0700), 0);

        start_bus(h, o && o->permissive_policy);
        h->bus = connect_bus(h->address);
        assert_non_null(h->bus);
        assert_true(sd_bus_add_match(h->bus, &h->match,
                                     "type='signal',path_namespace='" EG_ROOT_PATH "'", on_signal,
                                     h) >= 0);
        start_egated(h);
        return h;
}

static void dump(const char *title, const char *path) {
        _cleanup_free_ char *text = read_file(path);

        fprintf(stderr, "---- %s (%s) ----\n%s---- end of %s ----\n", title, path,
                text ? text : "(none)\n", title);
}

void harness_stop(struct harness *h) {
        int status = 0;
        bool clean = true;

        if (!h)
                return;
        if (h->egated_pid > 0) {
                (void) kill(h->egated_pid, SIGTERM);
                status = wait_until(h->egated_pid, 15 * USEC_PER_SEC);
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
                if (wait_until(h->bus_pid, 5 * USEC_PER_SEC) == -1) {
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
        remove_tree(h->dir);
        free(h->dir);
        free(h->address);
        free(h->log_path);
        free(h->bus_log_path);
        free(h->runtime_dir);
        free(h);
        current = NULL;
        assert_true(clean);
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
        _cleanup_free_ char *log = read_file(h->log_path);

        return log && strstr(log, text);
}

char *device_path(const char *mock_key) {
        _cleanup_free_ char *id = xasprintf("mock-%s", mock_key);
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

/* ---- signals ---- */

sd_bus_message *harness_wait_signal(struct harness *h, const char *path, const char *iface,
                                    const char *member, signal_filter filter, void *userdata,
                                    uint64_t timeout_usec) {
        uint64_t end = now_usec() + timeout_usec;

        for (;;) {
                int r;

                for (size_t i = 0; i < h->n_signals; i++) {
                        sd_bus_message *m = h->signals[i];

                        if (h->consumed[i] || !sd_bus_message_is_signal(m, iface, member))
                                continue;
                        if (path && strcmp(sd_bus_message_get_path(m), path) != 0)
                                continue;
                        (void) sd_bus_message_rewind(m, true);
                        if (filter && !filter(m, userdata))
                                continue;
                        h->consumed[i] = true;
                        (void) sd_bus_message_rewind(m, true);
                        return sd_bus_message_ref(m);
                }
                r = sd_bus_process(h->bus, NULL);
                assert_true(r >= 0);
                if (r > 0)
                        continue;
                if (now_usec() >= end)
                        return NULL;
                r = sd_bus_wait(h->bus, end - now_usec());
                assert_true(r >= 0);
        }
}

void harness_drop_signals(struct harness *h) {
        while (sd_bus_process(h->bus, NULL) > 0)
                ;
        for (size_t i = 0; i < h->n_signals; i++)
                h->consumed[i] = true;
}

struct property_wanted {
        const char *iface, *property, *value;
};

static bool has_property(sd_bus_message *m, void *userdata) {
        struct property_wanted *w = userdata;
        const char *iface, *name;
        bool found = false;

        if (sd_bus_message_read(m, "s", &iface) < 0 || strcmp(iface, w->iface) != 0)
                return false;
        if (sd_bus_message_enter_container(m, 'a', "{sv}") < 0)
                return false;
        while (!found && sd_bus_message_enter_container(m, 'e', "sv") > 0) {
                if (sd_bus_message_read(m, "s", &name) < 0)
                        return false;
                if (strcmp(name, w->property) == 0) {
                        const char *contents = NULL, *v = NULL;
                        char type = 0;

                        if (!w->value)
                                return true;
                        if (sd_bus_message_peek_type(m, &type, &contents) < 0 || !contents ||
                            strcmp(contents, "s") != 0)
                                return false;
                        if (sd_bus_message_read(m, "v", "s", &v) < 0)
                                return false;
                        return strcmp(v, w->value) == 0;
                }
                if (sd_bus_message_skip(m, "v") < 0 || sd_bus_message_exit_container(m) < 0)
                        return false;
        }
        if (sd_bus_message_exit_container(m) < 0)
                return false;
        /* Invalidated names count only when no value was asked for. */
        if (!w->value && sd_bus_message_enter_container(m, 'a', "s") > 0)
                while (sd_bus_message_read(m, "s", &name) > 0)
                        if (strcmp(name, w->property) == 0)
                                return true;
        return false;
}

bool harness_wait_property(struct harness *h, const char *path, const char *iface,
                           const char *property, const char *value, uint64_t timeout_usec) {
        struct property_wanted w = { iface, property, value };
        sd_bus_message *m =
                harness_wait_signal(h, path, "org.freedesktop.DBus.Properties", "PropertiesChanged",
                                    has_property, &w, timeout_usec);

        if (!m)
                return false;
        sd_bus_message_unref(m);
        return true;
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

/* ---- callers of other identities ---- */

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
                cl.bus = connect_bus(h->address);
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
        int status = wait_until(c->pid, CHILD_TIMEOUT_USEC);

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

/* ---- the contract ---- */

int run_contract_py(char *const args[], char **ret_output) {
        const char *python = getenv("EGATE_PYTHON") ? getenv("EGATE_PYTHON") : "/usr/bin/python3";
        _cleanup_free_ char *script =
                xasprintf("%s/tests/dbus/contract.py", env_or_die("EGATE_SOURCE_ROOT"));
        char *argv[16] = { (char *) python, script };
        char *out = NULL;
        size_t n_out = 0, n_args = 2;
        int pipefd[2], status;
        pid_t pid;

        for (size_t i = 0; args[i] && n_args < 15; i++)
                argv[n_args++] = args[i];
        argv[n_args] = NULL;
        assert_int_equal(pipe2(pipefd, O_CLOEXEC), 0);
        fflush(NULL);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                (void) dup2(pipefd[1], STDOUT_FILENO);
                execv(python, argv);
                _exit(127);
        }
        close(pipefd[1]);
        for (;;) {
                char buf[4096];
                ssize_t k = read(pipefd[0], buf, sizeof(buf));
                char *grown;

                if (k <= 0)
                        break;
                grown = realloc(out, n_out + (size_t) k + 1);
                assert_non_null(grown);
                out = grown;
                memcpy(out + n_out, buf, (size_t) k);
                n_out += (size_t) k;
                out[n_out] = '\0';
        }
        close(pipefd[0]);
        assert_int_equal(waitpid(pid, &status, 0), pid);
        if (ret_output)
                *ret_output = out ? out : strdup("");
        else {
                if (out)
                        fputs(out, stderr);
                free(out);
        }
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

size_t contract_members(struct contract_member **ret) {
        _cleanup_free_ char *contract_dir = xasprintf("%s/dbus", getenv("EGATE_SOURCE_ROOT")),
                            *out = NULL;
        char *args[] = { (char *) "members", contract_dir, NULL }, *save = NULL;
        struct contract_member *list = NULL;
        size_t n = 0;

        assert_int_equal(run_contract_py(args, &out), 0);
        for (char *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                list = reallocarray(list, n + 1, sizeof(*list));
                assert_non_null(list);
                assert_int_equal(sscanf(line, "%127s %63s %31s", list[n].iface, list[n].member,
                                        list[n].in_signature),
                                 3);
                n++;
        }
        assert_true(n > 0);
        *ret = list;
        return n;
}

char *contract_object_for(const char *iface) {
        static const struct {
                const char *iface, *mock_key;
        } objects[] = {
                { EG_IFACE("Device"), "A1-entry-door" },
                { EG_IFACE("DocumentReader"), "A1-document-reader" },
                { EG_IFACE("ChipReader"), "A1-chip-reader" },
                { EG_IFACE("FingerprintScanner"), "A1-fingerprint-scanner" },
                { EG_IFACE("Camera"), "A1-camera" },
                { EG_IFACE("Door"), "A1-entry-door" },
                { EG_IFACE("PresenceSensor"), "A1-presence-sensor" },
                { EG_IFACE("Indicator"), "A1-indicator" },
        };

        if (strcmp(iface, EG_IFACE("Manager")) == 0)
                return strdup(EG_ROOT_PATH);
        if (strcmp(iface, EG_IFACE("Lane")) == 0)
                return strdup(LANE_A1_PATH);
        if (strcmp(iface, EG_IFACE("Audit")) == 0) /* AUDIT */
                return strdup(EG_ROOT_PATH "/Audit");
        if (strcmp(iface, EG_IFACE("Registry")) == 0) /* REGISTRY */
                return strdup(EG_ROOT_PATH "/Registry");
        for (size_t i = 0; i < sizeof(objects) / sizeof(objects[0]); i++)
                if (strcmp(objects[i].iface, iface) == 0)
                        return device_path(objects[i].mock_key);
        fprintf(stderr, "no test object carries %s: add it to contract_object_for()\n", iface);
        fail();
        return NULL;
}
