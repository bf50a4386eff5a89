/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Generated stand-in images (binary PGM) in sealed memfds, as the SDK wants
 * images handed over: a document page under a given light, a fingerprint
 * and a face frame.  Synthetic patterns only, so they carry no personal
 * data; a PGM comment line says what the picture stands for
 * ("# egate-mock face=match subject=t01-accepted") for the tests and for a
 * future mock comparator.
 */
#pragma once

#include <egate/device.h>

#define MOCK_IMAGE_MIME "image/x-portable-graymap"

enum mock_image_kind {
        MOCK_IMAGE_PAGE = 0,
        MOCK_IMAGE_FINGER,
        MOCK_IMAGE_FACE,
};

/* `light` only matters for pages; `comment` may be NULL.  Returns a sealed
 * (no write, grow, shrink or reseal) memfd positioned at 0 in *ret_fd. */
int mock_image_memfd(enum mock_image_kind kind, enum eg_page_light light, const char *comment,
                     int *ret_fd);
/* The same with another size (0x0: the kind's own).  Pixels are drawn once per
 * size and kept, so a large frame costs a copy, not a redraw. */
int mock_image_memfd_sized(enum mock_image_kind kind, enum eg_page_light light, const char *comment,
                           unsigned width, unsigned height, int *ret_fd);

/* Drop the kept pixels (plugin shutdown: the module may be unloaded next). */
void mock_images_forget(void);
