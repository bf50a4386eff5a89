/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Images leave egated only as sealed memfds: a receiver can map them without
 * fearing that the sender changes or truncates them underneath.
 */
#pragma once

#include <stddef.h>

#define EG_BUS_IMAGE_MAX (64u << 20) /* no gate camera needs more than 64 MiB per frame */

/*
 * Return a sealed memfd with the contents of `fd`: `fd` itself (taken) when
 * it is already a memfd sealed against writes, shrinking and growing, else
 * a new sealed copy (and `fd` is closed).  Negative errno on failure.
 */
int eg_image_seal(int fd);
