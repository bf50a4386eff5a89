/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config-test-util.h"

char *test_mkdtemp(void) {
        const char *tmp = getenv("TMPDIR") ?: "/tmp";
        char *dir;

        assert_true(asprintf(&dir, "%s/egate-config-test.XXXXXX", tmp) > 0);
        assert_non_null(mkdtemp(dir));
        return dir;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        (void) st;
        (void) flag;
        (void) ftw;
        /* Make unreadable test directories removable again. */
        (void) chmod(path, 0700);
        return remove(path) < 0 ? -1 : 0;
}

void test_rmdir_rf(const char *dir) {
        if (dir)
                assert_int_equal(nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS), 0);
}

static void mkdir_parents(const char *path) {
        char *copy = strdup(path);

        assert_non_null(copy);
        for (char *p = strchr(copy + 1, '/'); p; p = strchr(p + 1, '/')) {
                *p = '\0';
                if (mkdir(copy, 0755) < 0)
                        assert_int_equal(errno, EEXIST);
                *p = '/';
        }
        free(copy);
}

char *test_write_data(const char *dir, const char *name, const void *data, size_t size) {
        char *path;
        FILE *f;

        assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
        mkdir_parents(path);
        f = fopen(path, "we");
        assert_non_null(f);
        assert_int_equal(fwrite(data, 1, size, f), size);
        assert_int_equal(fclose(f), 0);
        return path;
}

char *test_write_file(const char *dir, const char *name, const char *text) {
        return test_write_data(dir, name, text, strlen(text));
}

char *test_read_file(const char *path) {
        char *text = NULL;
        size_t cap = 0;
        ssize_t n;
        FILE *f = fopen(path, "re");

        assert_non_null(f);
        n = getdelim(&text, &cap, '\0', f);
        if (n < 0) {
                /* An empty file: nothing read, an empty string. */
                assert_true(feof(f));
                free(text);
                text = strdup("");
        }
        assert_non_null(text);
        fclose(f);
        return text;
}

void test_assert_errors(const struct eg_config_errors *errors, const char *const *expected) {
        size_t n = 0;
        bool same;

        while (expected[n])
                n++;
        same = errors->n == n;
        for (size_t i = 0; same && i < n; i++)
                same = strcmp(errors->messages[i], expected[i]) == 0;

        if (!same) {
                print_message("expected %zu error(s):\n", n);
                for (size_t i = 0; i < n; i++)
                        print_message("  %s\n", expected[i]);
                print_message("got %zu:\n", errors->n);
                for (size_t i = 0; i < errors->n; i++)
                        print_message("  %s\n", errors->messages[i]);
        }
        assert_true(same);
}

void test_assert_load_fails(const char *text, const char *const *expected) {
        struct eg_config_errors errors = {};
        struct eg_config *c = NULL;

        assert_int_equal(eg_config_load_string("egated.conf", text, &c, &errors), -EINVAL);
        assert_null(c);
        test_assert_errors(&errors, expected);
        eg_config_errors_clear(&errors);
}

struct eg_config *test_load_ok(const char *text) {
        struct eg_config_errors errors = {};
        struct eg_config *c = NULL;
        const char *none[] = { NULL };
        int r;

        r = eg_config_load_string("egated.conf", text, &c, &errors);
        test_assert_errors(&errors, none);
        assert_int_equal(r, 0);
        assert_non_null(c);
        return c;
}

static int saved_stderr = -1, captured_stderr = -1;

void test_stderr_begin(void) {
        assert_int_equal(saved_stderr, -1);
        captured_stderr = memfd_create("stderr", MFD_CLOEXEC);
        assert_true(captured_stderr >= 0);
        saved_stderr = dup(STDERR_FILENO);
        assert_true(saved_stderr >= 0);
        assert_int_equal(dup2(captured_stderr, STDERR_FILENO), STDERR_FILENO);
}

char *test_stderr_end(void) {
        struct stat st;
        char *text;
        ssize_t n;

        assert_int_equal(dup2(saved_stderr, STDERR_FILENO), STDERR_FILENO);
        assert_int_equal(close(saved_stderr), 0);
        saved_stderr = -1;

        assert_int_equal(fstat(captured_stderr, &st), 0);
        text = calloc(1, (size_t) st.st_size + 1);
        assert_non_null(text);
        n = pread(captured_stderr, text, (size_t) st.st_size, 0);
        assert_int_equal(n, st.st_size);
        assert_int_equal(close(captured_stderr), 0);
        captured_stderr = -1;
        return text;
}
