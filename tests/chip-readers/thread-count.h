/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The threads of this process, to see threads left behind by a chip plugin's
 * shutdown end on their own.  cmocka must be included first.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

unsigned thread_count(void);
/* Wait up to `ms` for the process to have at most `n` threads. */
bool thread_count_falls_to(unsigned n, unsigned ms);
