/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared by the loader tests: where the built test plugins are, and scratch directories. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Call first from main() with argv[1], the build directory of tests/loader/plugins. */
void test_plugins_init(int argc, char **argv);

/* The built test plugin `name` ("good" -> ".../plugins/good.so"); newly allocated. */
char *test_plugin_path(const char *name);
/* Whether it was built (relocated-descriptor is built by gcc only). */
int test_plugin_exists(const char *name);

/* A new empty directory under $TMPDIR, and its recursive removal. */
char *test_tmpdir_new(void);
void test_tmpdir_remove(char *dir);

char *test_path_join(const char *dir, const char *name);
void *test_file_read(const char *path, size_t *ret_size);
void test_file_write(const char *path, const void *data, size_t size);
/* Copy the first `max` bytes (SIZE_MAX: all) of `src` to `dst`. */
void test_file_copy(const char *src, const char *dst, size_t max);
void test_file_patch(const char *path, size_t offset, const void *data, size_t size);
char *test_format(const char *format, ...) __attribute__((format(printf, 1, 2)));
/* An expected reason with sizes or paths that vary with the build; freed by
 * test_expect_free_all() (call it in the group teardown). */
const char *test_expect(const char *format, ...) __attribute__((format(printf, 1, 2)));
void test_expect_free_all(void);
