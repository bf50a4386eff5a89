/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <linux/videodev2.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "v4l2-device.h"

static int xioctl(int fd, unsigned long request, void *arg) {
        int r;

        do
                r = ioctl(fd, request, arg);
        while (r < 0 && errno == EINTR);
        return r < 0 ? -errno : 0;
}

const char *cam_fourcc_name(uint32_t f, char buf[5]) {
        for (int i = 0; i < 4; i++) {
                char c = (char) ((f >> (8 * i)) & 0xff);

                buf[i] = c >= 0x20 && c < 0x7f ? c : '?';
        }
        buf[4] = '\0';
        return buf;
}

int cam_device_open(const char *path, int *ret_fd, char *card, size_t card_size) {
        struct v4l2_capability cap = {};
        struct stat st;
        uint32_t caps;
        int fd, r;

        fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0 || !S_ISCHR(st.st_mode)) {
                close(fd);
                return -ENOTTY;
        }
        r = xioctl(fd, VIDIOC_QUERYCAP, &cap);
        if (r < 0) {
                close(fd);
                return r;
        }
        /* device_caps describe this node; capabilities the whole physical device. */
        caps = (cap.capabilities & V4L2_CAP_DEVICE_CAPS) ? cap.device_caps : cap.capabilities;
        if (!(caps & V4L2_CAP_VIDEO_CAPTURE) || !(caps & V4L2_CAP_STREAMING)) {
                close(fd);
                return -ENOTSUP;
        }
        (void) snprintf(card, card_size, "%.*s", (int) sizeof(cap.card), (const char *) cap.card);
        *ret_fd = fd;
        return 0;
}

int cam_device_check(int fd) {
        struct v4l2_capability cap = {};

        return xioctl(fd, VIDIOC_QUERYCAP, &cap);
}

int cam_device_pick_format(int fd, enum cam_format_choice choice, uint32_t *ret) {
        bool mjpeg = false, yuyv = false;
        int r;

        for (uint32_t i = 0;; i++) {
                struct v4l2_fmtdesc d = { .index = i, .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };

                r = xioctl(fd, VIDIOC_ENUM_FMT, &d);
                if (r == -EINVAL)
                        break; /* the end of the list */
                if (r < 0)
                        return r;
                mjpeg = mjpeg || d.pixelformat == V4L2_PIX_FMT_MJPEG ||
                        d.pixelformat == V4L2_PIX_FMT_JPEG;
                yuyv = yuyv || d.pixelformat == V4L2_PIX_FMT_YUYV;
        }
        if (mjpeg && choice != CAM_FORMAT_YUYV)
                *ret = V4L2_PIX_FMT_MJPEG;
        else if (yuyv && choice != CAM_FORMAT_MJPEG)
                *ret = V4L2_PIX_FMT_YUYV;
        else
                return -ENOTSUP;
        return 0;
}

int cam_device_set_format(int fd, uint32_t fourcc, unsigned width, unsigned height,
                          struct cam_format *ret) {
        struct v4l2_format f = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE };
        int r;

        f.fmt.pix.width = width;
        f.fmt.pix.height = height;
        f.fmt.pix.pixelformat = fourcc;
        f.fmt.pix.field = V4L2_FIELD_NONE;
        r = xioctl(fd, VIDIOC_S_FMT, &f);
        if (r < 0)
                return r;
        /* Some UVC cameras answer MJPEG requests with V4L2_PIX_FMT_JPEG: the same bytes. */
        if (f.fmt.pix.pixelformat == V4L2_PIX_FMT_JPEG && fourcc == V4L2_PIX_FMT_MJPEG)
                f.fmt.pix.pixelformat = V4L2_PIX_FMT_MJPEG;
        if (f.fmt.pix.pixelformat != fourcc || f.fmt.pix.width == 0 || f.fmt.pix.height == 0)
                return -ENOTSUP;
        if (fourcc == V4L2_PIX_FMT_YUYV &&
            (f.fmt.pix.width % 2 != 0 || f.fmt.pix.bytesperline < f.fmt.pix.width * 2 ||
             f.fmt.pix.sizeimage < (size_t) f.fmt.pix.bytesperline * f.fmt.pix.height))
                return -EPROTO; /* a driver that lies about its layout */
        *ret = (struct cam_format){
                .fourcc = fourcc,
                .width = f.fmt.pix.width,
                .height = f.fmt.pix.height,
                .bytesperline = f.fmt.pix.bytesperline,
                .sizeimage = f.fmt.pix.sizeimage,
        };
        return 0;
}

int cam_stream_start(struct cam_stream *s, int fd, unsigned n_buffers) {
        struct v4l2_requestbuffers req = {
                .count = n_buffers,
                .type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
                .memory = V4L2_MEMORY_MMAP,
        };
        enum v4l2_buf_type type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
        int r;

        *s = (struct cam_stream){ .fd = fd };
        r = xioctl(fd, VIDIOC_REQBUFS, &req);
        if (r < 0)
                return r;
        if (req.count == 0) {
                r = -ENOMEM;
                goto fail;
        }
        if (req.count > CAM_MAX_BUFFERS)
                req.count = CAM_MAX_BUFFERS; /* the driver keeps the rest; we never queue them */
        for (unsigned i = 0; i < req.count; i++) {
                struct v4l2_buffer b = { .index = i,
                                         .type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
                                         .memory = V4L2_MEMORY_MMAP };
                void *p;

                r = xioctl(fd, VIDIOC_QUERYBUF, &b);
                if (r < 0)
                        goto fail;
                p = mmap(NULL, b.length, PROT_READ, MAP_SHARED, fd, b.m.offset);
                if (p == MAP_FAILED) {
                        r = -errno;
                        goto fail;
                }
                s->buffers[i].start = p;
                s->buffers[i].length = b.length;
                s->n_buffers++;
                r = xioctl(fd, VIDIOC_QBUF, &b);
                if (r < 0)
                        goto fail;
        }
        r = xioctl(fd, VIDIOC_STREAMON, &type);
        if (r < 0)
                goto fail;
        s->streaming = true;
        return 0;
fail:
        cam_stream_stop(s);
        return r;
}

int cam_stream_dequeue(struct cam_stream *s, struct cam_frame *ret) {
        struct v4l2_buffer b = { .type = V4L2_BUF_TYPE_VIDEO_CAPTURE, .memory = V4L2_MEMORY_MMAP };
        int r;

        r = xioctl(s->fd, VIDIOC_DQBUF, &b);
        if (r < 0)
                return r;
        if (b.index >= s->n_buffers || b.bytesused > s->buffers[b.index].length)
                return -EPROTO;
        *ret = (struct cam_frame){
                .index = b.index,
                .data = s->buffers[b.index].start,
                .length = b.bytesused,
                .error = (b.flags & V4L2_BUF_FLAG_ERROR) != 0,
        };
        return 0;
}

int cam_stream_requeue(struct cam_stream *s, unsigned index) {
        struct v4l2_buffer b = { .index = index,
                                 .type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
                                 .memory = V4L2_MEMORY_MMAP };

        return xioctl(s->fd, VIDIOC_QBUF, &b);
}

void cam_stream_stop(struct cam_stream *s) {
        enum v4l2_buf_type type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
        struct v4l2_requestbuffers req = {
                .count = 0,
                .type = V4L2_BUF_TYPE_VIDEO_CAPTURE,
                .memory = V4L2_MEMORY_MMAP,
        };

        if (s->fd < 0)
                return;
        if (s->streaming)
                (void) xioctl(s->fd, VIDIOC_STREAMOFF, &type);
        for (unsigned i = 0; i < s->n_buffers; i++)
                (void) munmap(s->buffers[i].start, s->buffers[i].length);
        /* Free the driver's buffers so the next S_FMT may change the size. */
        (void) xioctl(s->fd, VIDIOC_REQBUFS, &req);
        *s = (struct cam_stream){ .fd = -1 };
}
