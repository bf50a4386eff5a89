/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The benchmarks' one clock: CLOCK_MONOTONIC, so wall-clock steps never
 * show up as samples. */
#pragma once

#include <stdint.h>

uint64_t bench_now_ns(void);

/* For polling loops; a signal cuts it short, so an interrupt is seen at once. */
void bench_sleep_ms(unsigned ms);
