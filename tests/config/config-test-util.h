/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Helpers shared by the config and log tests: scratch directories, files, captured stderr. */
#pragma once

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdbool.h>

#include "config.h"

/* A fresh directory under $TMPDIR (or /tmp); remove it with test_rmdir_rf(). */
char *test_mkdtemp(void);
void test_rmdir_rf(const char *dir);

/* Write `text` (or `size` bytes of `data`) to dir/name, creating parent directories. */
char *test_write_file(const char *dir, const char *name, const char *text);
char *test_write_data(const char *dir, const char *name, const void *data, size_t size);
/* The whole of a text file (caller frees). */
char *test_read_file(const char *path);

/* Assert that `errors` holds exactly the NULL-terminated list `expected`, printing both
 * lists on a mismatch so a failing test says what it got. */
void test_assert_errors(const struct eg_config_errors *errors, const char *const *expected);

/* Load `text` as "egated.conf" and assert it fails with exactly `expected`. */
void test_assert_load_fails(const char *text, const char *const *expected);

/* Load `text` as "egated.conf" and assert it succeeds; the caller frees the result. */
struct eg_config *test_load_ok(const char *text);

/* Redirect stderr into a memory file until test_stderr_end(), which returns what was
 * written (caller frees). */
void test_stderr_begin(void);
char *test_stderr_end(void);
