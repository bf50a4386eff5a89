/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Everything that talks V4L2 ioctls: opening a capture device, choosing and
 * setting a format, and one mmap streaming session.  The fd is always
 * non-blocking: a dequeue with nothing ready returns -EAGAIN, and the caller
 * waits for EPOLLIN on the fd.
 *
 * Errors are negative errnos; -ENODEV means the device is gone.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CAM_MAX_BUFFERS 4

enum cam_format_choice {
        CAM_FORMAT_AUTO, /* MJPEG if offered, else YUYV */
        CAM_FORMAT_MJPEG,
        CAM_FORMAT_YUYV,
};

struct cam_format {
        uint32_t fourcc; /* V4L2_PIX_FMT_MJPEG or V4L2_PIX_FMT_YUYV */
        unsigned width, height;
        unsigned bytesperline;
        size_t sizeimage;
};

struct cam_frame {
        unsigned index;
        const uint8_t *data;
        size_t length; /* bytes used */
        bool error; /* the driver flagged the frame as corrupt */
};

struct cam_stream {
        int fd;
        struct {
                void *start;
                size_t length;
        } buffers[CAM_MAX_BUFFERS];
        unsigned n_buffers;
        bool streaming;
};

/* Open non-blocking and check it captures video with streaming I/O.  `card` gets the
 * driver's name for the device (at least 32 bytes). */
int cam_device_open(const char *path, int *ret_fd, char *card, size_t card_size);
/* Whether the device is still there (-ENODEV when not). */
int cam_device_check(int fd);

/* Pick the pixel format for `choice` from what the device offers: -ENOTSUP if it
 * offers none that fits. */
int cam_device_pick_format(int fd, enum cam_format_choice choice, uint32_t *ret_fourcc);
/* Ask for fourcc at about width x height; the driver may pick another size. */
int cam_device_set_format(int fd, uint32_t fourcc, unsigned width, unsigned height,
                          struct cam_format *ret);

int cam_stream_start(struct cam_stream *s, int fd, unsigned n_buffers);
int cam_stream_dequeue(struct cam_stream *s, struct cam_frame *ret);
int cam_stream_requeue(struct cam_stream *s, unsigned index);
/* Always leaves the device idle with no buffers, whatever state it was in. */
void cam_stream_stop(struct cam_stream *s);

const char *cam_fourcc_name(uint32_t fourcc, char buf[5]);
