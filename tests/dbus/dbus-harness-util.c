/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The D-Bus harness's small helpers (dbus-harness-internal.h): clocks, files, child
 * processes, bus connections. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <setjmp.h>
#include <cmocka.h>

#include "dbus-harness-internal.h"

uint64_t harness_now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / 1000;
}

char *harness_xasprintf(const char *fmt, ...) {
        va_list ap;
        char *s = NULL;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&s, fmt, ap);
        va_end(ap);
        assert_true(r >= 0);
        return s;
}

const char *harness_env_or_die(const char *name) {
        const char *v = getenv(name);

        if (!v || !*v) {
                fprintf(stderr, "%s is not set: run this test through meson test\n", name);
                exit(EXIT_FAILURE);
        }
        return v;
}

char *harness_read_file(const char *path) {
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

int harness_write_file(const char *path, const char *text, mode_t mode) {
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

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        (void) remove(path);
        return 0;
}

void harness_remove_tree(const char *path) {
        if (path)
                (void) nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int harness_wait_until(pid_t pid, uint64_t timeout_usec) {
        uint64_t end = harness_now_usec() + timeout_usec;
        int status;

        for (;;) {
                pid_t r = waitpid(pid, &status, WNOHANG);
                if (r == pid)
                        return status;
                if (r < 0 || harness_now_usec() > end)
                        return -1;
                usleep(5000);
        }
}

sd_bus *harness_connect_bus(const char *address) {
        sd_bus *bus = NULL;

        if (sd_bus_new(&bus) < 0)
                return NULL;
        if (sd_bus_set_address(bus, address) < 0 || sd_bus_set_bus_client(bus, 1) < 0 ||
            sd_bus_negotiate_fds(bus, 1) < 0 || sd_bus_start(bus) < 0)
                return sd_bus_flush_close_unref(bus);
        return bus;
}
