/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "loader-test-util.h"

static const char *plugin_dir;
static char **formatted;
static size_t n_formatted;

void test_plugins_init(int argc, char **argv) {
        if (argc < 2) {
                fprintf(stderr, "usage: %s PLUGIN-BUILD-DIR\n", argv[0]);
                exit(EXIT_FAILURE);
        }
        plugin_dir = argv[1];
}

char *test_format(const char *format, ...) {
        va_list ap;
        char *s;
        int r;

        va_start(ap, format);
        r = vasprintf(&s, format, ap);
        va_end(ap);
        assert_true(r >= 0);
        return s;
}

const char *test_expect(const char *format, ...) {
        char **grown;
        va_list ap;
        char *s;
        int r;

        va_start(ap, format);
        r = vasprintf(&s, format, ap);
        va_end(ap);
        assert_true(r >= 0);

        grown = realloc(formatted, (n_formatted + 1) * sizeof(char *));
        assert_non_null(grown);
        formatted = grown;
        formatted[n_formatted++] = s;
        return s;
}

void test_expect_free_all(void) {
        for (size_t i = 0; i < n_formatted; i++)
                free(formatted[i]);
        free(formatted);
        formatted = NULL;
        n_formatted = 0;
}

char *test_path_join(const char *dir, const char *name) {
        return test_format("%s/%s", dir, name);
}

char *test_plugin_path(const char *name) {
        assert_non_null(plugin_dir);
        return test_format("%s/%s.so", plugin_dir, name);
}

int test_plugin_exists(const char *name) {
        char *path = test_plugin_path(name);
        int r = access(path, F_OK) == 0;

        free(path);
        return r;
}

char *test_tmpdir_new(void) {
        const char *tmp = getenv("TMPDIR");
        char *dir = test_format("%s/egate-loader-test-XXXXXX", tmp && *tmp ? tmp : "/tmp");

        assert_non_null(mkdtemp(dir));
        return dir;
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw) {
        (void) st;
        (void) ftw;
        if (type == FTW_DP)
                return rmdir(path) < 0 ? -1 : 0;
        return unlink(path) < 0 ? -1 : 0;
}

void test_tmpdir_remove(char *dir) {
        if (!dir)
                return;
        /* Restore access first, for tests that made a directory unreadable. */
        (void) chmod(dir, 0700);
        assert_int_equal(nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS), 0);
        free(dir);
}

void *test_file_read(const char *path, size_t *ret_size) {
        struct stat st;
        char *data;
        int fd;

        fd = open(path, O_RDONLY | O_CLOEXEC);
        assert_true(fd >= 0);
        assert_int_equal(fstat(fd, &st), 0);
        data = malloc((size_t) st.st_size + 1);
        assert_non_null(data);
        assert_int_equal(read(fd, data, (size_t) st.st_size), st.st_size);
        close(fd);
        *ret_size = (size_t) st.st_size;
        return data;
}

void test_file_write(const char *path, const void *data, size_t size) {
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

        assert_true(fd >= 0);
        assert_int_equal(write(fd, data, size), (ssize_t) size);
        assert_int_equal(close(fd), 0);
}

void test_file_copy(const char *src, const char *dst, size_t max) {
        size_t size;
        void *data = test_file_read(src, &size);

        test_file_write(dst, data, size < max ? size : max);
        free(data);
}

void test_file_patch(const char *path, size_t offset, const void *data, size_t size) {
        int fd = open(path, O_WRONLY | O_CLOEXEC);

        assert_true(fd >= 0);
        assert_int_equal(pwrite(fd, data, size, (off_t) offset), (ssize_t) size);
        assert_int_equal(close(fd), 0);
}
