/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What a receiver does with an image fd: map it and read every byte, so a
 * case measures a frame actually delivered, not just an fd number. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Maps fd read-only and sums it in 64-bit words (the sum goes to a sink the
 * compiler cannot drop).  -EMSGSIZE if its size is not `expected` (0: any);
 * *ret_size (may be NULL) gets the size. */
int bench_frame_consume(int fd, size_t expected, size_t *ret_size);
