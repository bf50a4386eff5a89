/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A captured fingerprint image handed to egated as a sealed memfd holding a
 * binary PGM (P5): libfprint images are 8-bit grey, one byte per pixel, so
 * the file is a short header and the pixels as they are.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "egate-fprint.h"

static int write_all(int fd, const void *buf, size_t len) {
        const uint8_t *p = buf;

        while (len > 0) {
                ssize_t n = write(fd, p, len);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                p += n;
                len -= (size_t) n;
        }
        return 0;
}

int fprint_image_to_memfd(FpImage *image, int *ret_fd) {
        unsigned width = fp_image_get_width(image), height = fp_image_get_height(image);
        gsize len = 0;
        const guchar *pixels = fp_image_get_data(image, &len);
        char header[64];
        int fd, n, r;

        if (!pixels || width == 0 || height == 0 || len < (gsize) width * height)
                return -EINVAL;
        n = snprintf(header, sizeof(header), "P5\n%u %u\n255\n", width, height);

        fd = memfd_create("egate-fprint-image", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (fd < 0)
                return -errno;
        r = write_all(fd, header, (size_t) n);
        if (r >= 0)
                r = write_all(fd, pixels, (size_t) width * height);
        /* Sealed: whoever reads the image later reads exactly what was captured. */
        if (r >= 0 &&
            fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0)
                r = -errno;
        if (r >= 0 && lseek(fd, 0, SEEK_SET) < 0)
                r = -errno;
        if (r < 0) {
                close(fd);
                return r;
        }
        *ret_fd = fd;
        return 0;
}
