/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

/* A memfd holding exactly `data`, sealed against any change, positioned at 0.  Returns the
 * fd or a negative errno. */
int image_memfd_new(const char *name, const void *data, size_t size);
