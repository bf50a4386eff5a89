/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "registry-test-util.h"

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

bool contains(const void *hay, size_t len, const void *needle, size_t needle_len) {
        return needle_len <= len && memmem(hay, len, needle, needle_len) != NULL;
}
