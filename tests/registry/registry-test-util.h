/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Helpers of the registry tests: those of tests/bridge-test-util.h (temporary state
 * directories, the loop, reading files), and writing files. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "bridge-test-util.h"

/* Write text to dir/name with mode; returns the path (free it). */
char *write_file(const char *dir, const char *name, const char *text, int mode);
/* Whether needle occurs in the len bytes at hay. */
bool contains(const void *hay, size_t len, const void *needle, size_t needle_len);
