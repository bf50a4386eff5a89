/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <turbojpeg.h>

#include "jpeg-encode.h"

int jpeg_encode_yuyv(const uint8_t *yuyv, unsigned width, unsigned height, unsigned stride,
                     int quality, uint8_t **ret, size_t *ret_size) {
        size_t luma = (size_t) width * height, chroma = luma / 2;
        unsigned char *planes_buf, *jpeg = NULL;
        const unsigned char *planes[3];
        int strides[3] = { (int) width, (int) width / 2, (int) width / 2 };
        unsigned long jpeg_size = 0;
        tjhandle tj;
        int r;

        if (width == 0 || height == 0 || width % 2 != 0 || stride < width * 2)
                return -EINVAL;
        /* libturbojpeg takes 4:2:2 as planes; YUYV interleaves Y0 U Y1 V per pixel pair. */
        planes_buf = malloc(luma + 2 * chroma);
        if (!planes_buf)
                return -ENOMEM;
        for (unsigned y = 0; y < height; y++) {
                const uint8_t *row = yuyv + (size_t) y * stride;
                unsigned char *py = planes_buf + (size_t) y * width;
                unsigned char *pu = planes_buf + luma + (size_t) y * (width / 2);
                unsigned char *pv = planes_buf + luma + chroma + (size_t) y * (width / 2);

                for (unsigned x = 0; x < width / 2; x++) {
                        py[2 * x] = row[4 * x];
                        pu[x] = row[4 * x + 1];
                        py[2 * x + 1] = row[4 * x + 2];
                        pv[x] = row[4 * x + 3];
                }
        }
        planes[0] = planes_buf;
        planes[1] = planes_buf + luma;
        planes[2] = planes_buf + luma + chroma;

        tj = tjInitCompress();
        if (!tj) {
                free(planes_buf);
                return -ENOMEM;
        }
        r = tjCompressFromYUVPlanes(tj, planes, (int) width, strides, (int) height, TJSAMP_422,
                                    &jpeg, &jpeg_size, quality, 0);
        tjDestroy(tj);
        free(planes_buf);
        if (r < 0 || !jpeg || jpeg_size == 0) {
                tjFree(jpeg);
                return -EIO;
        }
        *ret = jpeg;
        *ret_size = jpeg_size;
        return 0;
}

void jpeg_free(uint8_t *jpeg) {
        tjFree(jpeg);
}

int jpeg_check(const uint8_t *data, size_t size) {
        /* SOI plus at least one marker segment and EOI. */
        if (size < 8 || data[0] != 0xff || data[1] != 0xd8 || data[2] != 0xff)
                return -EBADMSG;
        return 0;
}
