/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Frames that do not arrive as JPEG are encoded here (libturbojpeg). */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Packed YUYV 4:2:2 (`stride` bytes per row, width even) to a baseline JPEG.  *ret is
 * malloc()ed by libturbojpeg: release it with jpeg_free(). */
int jpeg_encode_yuyv(const uint8_t *yuyv, unsigned width, unsigned height, unsigned stride,
                     int quality, uint8_t **ret, size_t *ret_size);
void jpeg_free(uint8_t *jpeg);

/* A frame that claims to be JPEG starts with SOI (FF D8) and is long enough to hold one. */
int jpeg_check(const uint8_t *data, size_t size);
