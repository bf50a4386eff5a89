/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "registry-test-util.h"

char *make_state_dir(void) {
        char template[] = "/tmp/egate-registry-test-XXXXXX";

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

unsigned long long now_ms(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (unsigned long long) ts.tv_sec * 1000u + (unsigned long long) ts.tv_nsec / 1000000u;
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

char *write_file(const char *dir, const char *name, const char *text, int mode) {
        char *path = NULL;
        int fd;

        if (asprintf(&path, "%s/%s", dir, name) < 0)
                return NULL;
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
        if (fd < 0 || fchmod(fd, mode) < 0 ||
            write(fd, text, strlen(text)) != (ssize_t) strlen(text) || close(fd) < 0) {
                free(path);
                return NULL;
        }
        return path;
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

bool contains(const void *hay, size_t len, const void *needle, size_t needle_len) {
        return needle_len <= len && memmem(hay, len, needle, needle_len) != NULL;
}
