/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The D-Bus harness's test accounts: once per test program, the process enters a
 * private mount namespace where /etc/passwd and /etc/group are copies with the
 * test users and the egate groups added (harness_init_process), undone at exit.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dbus-harness-internal.h"
#include "macro.h"

static char *ns_dir;

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
        _cleanup_free_ char *text = harness_read_file(system_path), *kept = NULL, *copy = NULL,
                            *all = NULL;
        int r;

        if (!text)
                return -errno;
        kept = without_test_names(text);
        if (!kept)
                return -ENOMEM;
        copy = harness_xasprintf("%s%s", ns_dir, system_path + strlen("/etc"));
        all = harness_xasprintf("%s%s", kept, added);
        r = harness_write_file(copy, all, 0644);
        if (r < 0)
                return r;
        if (mount(copy, system_path, NULL, MS_BIND, NULL) < 0)
                return -errno;
        return 0;
}

static void cleanup_namespace(void) {
        if (harness_current) {
                if (harness_current->egated_pid > 0)
                        (void) kill(harness_current->egated_pid, SIGKILL);
                if (harness_current->bus_pid > 0)
                        (void) kill(harness_current->bus_pid, SIGKILL);
                harness_remove_tree(harness_current->dir);
        }
        if (!ns_dir)
                return;
        (void) umount2("/etc/passwd", MNT_DETACH);
        (void) umount2("/etc/group", MNT_DETACH);
        _cleanup_free_ char *p = harness_xasprintf("%s/passwd", ns_dir),
                            *g = harness_xasprintf("%s/group", ns_dir);
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

        (void) harness_env_or_die("EGATE_BUILD_ROOT");
        (void) harness_env_or_die("EGATE_SOURCE_ROOT");
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
