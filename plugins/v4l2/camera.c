/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * v4l2: face cameras through Video4Linux2.  README.md is the reference for
 * integrators.
 *
 * A capture is a short streaming session driven from egated's loop: set the
 * format, queue a few mmap buffers, start streaming, wait for EPOLLIN on the
 * device, take the first good frame (after skip-frames), stop streaming.  The
 * frame leaves as a JPEG in a sealed memfd: MJPEG frames as they are, YUYV
 * frames encoded with libturbojpeg.  Nothing here ever waits in a syscall.
 */
#include <errno.h>
#include <linux/videodev2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <egate/plugin.h>

#include "image-memfd.h"
#include "jpeg-encode.h"
#include "v4l2-device.h"

#define N_BUFFERS 3
#define MAX_BAD_FRAMES 10
#define DEFAULT_WIDTH 640
#define DEFAULT_HEIGHT 480
#define DEFAULT_QUALITY 90
#define DEFAULT_SKIP_FRAMES 2

struct v4l2_plugin {
        struct eg_host *host;
};

struct camera {
        struct eg_host *host;
        eg_device_id id;
        char *name;
        char *path;
        unsigned width, height, quality, skip_frames;
        enum cam_format_choice choice;

        int fd;
        bool gone;
        eg_source_id removal_timer;

        /* The capture in flight, if op != 0. */
        eg_op_id op;
        struct cam_stream stream;
        struct cam_format format;
        eg_source_id io;
        unsigned frames_skipped, bad_frames;
};

static void capture_stop(struct camera *cam) {
        if (cam->io)
                eg_host_source_remove(cam->host, cam->io);
        cam->io = 0;
        cam_stream_stop(&cam->stream);
}

static void capture_finish(struct camera *cam, int status, const char *message, int fd) {
        struct eg_op_result r = { .size = sizeof(r),
                                  .status = status,
                                  .message = message,
                                  .fd = fd,
                                  .format = fd >= 0 ? "image/jpeg" : NULL };
        eg_op_id op = cam->op;

        capture_stop(cam);
        cam->op = 0;
        if (op != 0)
                (void) eg_host_complete(cam->host, op, &r);
        else if (fd >= 0)
                close(fd);
}

static void on_removal(void *userdata) {
        struct camera *cam = userdata;

        cam->removal_timer = 0;
        (void) eg_host_device_remove(cam->host, cam->id); /* closes and frees `cam` */
}

/* The device node is gone (unplugged, driver unbound): report and go away. */
static void camera_gone(struct camera *cam) {
        struct eg_event e = { .size = sizeof(e),
                              .type = EG_EVENT_FAULT,
                              .message = "camera disconnected" };

        if (cam->gone)
                return;
        cam->gone = true;
        eg_host_log(cam->host, EG_LOG_WARNING, "camera %s: %s is gone", cam->name, cam->path);
        capture_finish(cam, -ENODEV, "camera disconnected", -1);
        (void) eg_host_emit(cam->host, cam->id, &e);
        /* Not from here: our caller may still be inside one of the camera's callbacks. */
        if (eg_host_timer_add(cam->host, 0, on_removal, cam, &cam->removal_timer) < 0)
                eg_host_log(cam->host, EG_LOG_ERROR, "camera %s: cannot schedule its removal",
                            cam->name);
}

static void capture_failed(struct camera *cam, int r, const char *what) {
        char message[128];

        if (r == -ENODEV) {
                camera_gone(cam);
                return;
        }
        (void) snprintf(message, sizeof(message), "%s: %s", what, strerror(-r));
        eg_host_log(cam->host, EG_LOG_ERROR, "camera %s: %s", cam->name, message);
        capture_finish(cam, r == -ETIMEDOUT ? r : -EIO, message, -1);
}

static void deliver(struct camera *cam, const struct cam_frame *frame) {
        uint8_t *jpeg = NULL;
        size_t size = 0;
        int r, fd;

        if (cam->format.fourcc == V4L2_PIX_FMT_MJPEG) {
                r = jpeg_check(frame->data, frame->length);
                if (r < 0) {
                        capture_failed(cam, r, "the camera sent a frame that is not JPEG");
                        return;
                }
                fd = image_memfd_new("egate-camera", frame->data, frame->length);
        } else {
                if (frame->length < (size_t) cam->format.bytesperline * cam->format.height) {
                        capture_failed(cam, -EPROTO, "short YUYV frame");
                        return;
                }
                r = jpeg_encode_yuyv(frame->data, cam->format.width, cam->format.height,
                                     cam->format.bytesperline, (int) cam->quality, &jpeg, &size);
                if (r < 0) {
                        capture_failed(cam, r, "cannot encode the frame as JPEG");
                        return;
                }
                fd = image_memfd_new("egate-camera", jpeg, size);
                jpeg_free(jpeg);
        }
        if (fd < 0) {
                capture_failed(cam, fd, "cannot hand the image over");
                return;
        }
        capture_finish(cam, 0, NULL, fd);
}

static void on_frame(int fd, uint32_t revents, void *userdata) {
        struct camera *cam = userdata;
        struct cam_frame frame;
        int r;

        r = cam_stream_dequeue(&cam->stream, &frame);
        if (r == -EAGAIN) {
                /* Level-triggered: an error condition would wake us again at once. */
                if (revents & (EPOLLERR | EPOLLHUP)) {
                        r = cam_device_check(cam->fd);
                        capture_failed(cam, r < 0 ? r : -EIO, "streaming stopped");
                }
                return;
        }
        if (r < 0) {
                capture_failed(cam, r, "cannot take a frame");
                return;
        }
        if (frame.error || frame.length == 0) {
                if (++cam->bad_frames > MAX_BAD_FRAMES) {
                        capture_failed(cam, -EIO, "only corrupt frames");
                        return;
                }
        } else if (cam->frames_skipped < cam->skip_frames)
                cam->frames_skipped++; /* let exposure settle */
        else {
                deliver(cam, &frame);
                return;
        }
        r = cam_stream_requeue(&cam->stream, frame.index);
        if (r < 0)
                capture_failed(cam, r, "cannot requeue a buffer");
}

static int capture_begin(struct camera *cam) {
        char want[5], got[5];
        uint32_t fourcc;
        int r;

        r = cam_device_pick_format(cam->fd, cam->choice, &fourcc);
        if (r < 0)
                return r;
        r = cam_device_set_format(cam->fd, fourcc, cam->width, cam->height, &cam->format);
        if (r < 0)
                return r;
        if (cam->format.width != cam->width || cam->format.height != cam->height)
                eg_host_log(cam->host, EG_LOG_DEBUG, "camera %s: asked for %ux%u %s, got %ux%u %s",
                            cam->name, cam->width, cam->height, cam_fourcc_name(fourcc, want),
                            cam->format.width, cam->format.height,
                            cam_fourcc_name(cam->format.fourcc, got));
        r = cam_stream_start(&cam->stream, cam->fd, N_BUFFERS);
        if (r < 0)
                return r;
        r = eg_host_io_add(cam->host, cam->fd, EPOLLIN, on_frame, cam, &cam->io);
        if (r < 0)
                cam_stream_stop(&cam->stream);
        return r;
}

static int camera_start(void *data, eg_op_id op, const struct eg_op_args *args) {
        struct camera *cam = data;
        int r;

        if (args->kind != EG_OP_CAMERA_CAPTURE)
                return -EOPNOTSUPP;
        if (cam->gone)
                return -ENODEV;
        if (cam->op != 0)
                return -EBUSY;
        cam->op = op;
        cam->frames_skipped = cam->bad_frames = 0;
        r = capture_begin(cam);
        if (r < 0)
                capture_failed(cam, r, "cannot start streaming");
        return 0;
}

static void camera_cancel(void *data, eg_op_id op) {
        struct camera *cam = data;

        if (cam->op != op)
                return;
        cam->op = 0; /* egated already answered */
        capture_stop(cam);
}

static void camera_free(struct camera *cam) {
        capture_stop(cam);
        if (cam->removal_timer)
                eg_host_source_remove(cam->host, cam->removal_timer);
        if (cam->fd >= 0)
                close(cam->fd);
        free(cam->name);
        free(cam->path);
        free(cam);
}

static void camera_close(void *data) {
        camera_free(data);
}

static const struct eg_device_ops camera_ops = {
        .size = sizeof(struct eg_device_ops),
        .start = camera_start,
        .cancel = camera_cancel,
        .close = camera_close,
};

static int property_error(struct eg_host *host, const char *device, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static int property_error(struct eg_host *host, const char *device, const char *fmt, ...) {
        char text[384];
        va_list ap;

        va_start(ap, fmt);
        (void) vsnprintf(text, sizeof(text), fmt, ap);
        va_end(ap);
        eg_host_log(host, EG_LOG_ERROR, "device %s (camera): %s", device, text);
        return -EINVAL;
}

static int parse_uint(struct eg_host *host, const char *device, const struct eg_property *p,
                      unsigned min, unsigned max, unsigned *ret) {
        unsigned long v;
        char *end;

        errno = 0;
        v = strtoul(p->value, &end, 10);
        if (p->value[0] < '0' || p->value[0] > '9' || errno != 0 || *end || v < min || v > max)
                return property_error(host, device,
                                      "invalid value '%s' for %s: expected a "
                                      "number from %u to %u",
                                      p->value, p->key, min, max);
        *ret = (unsigned) v;
        return 0;
}

static int parse(struct camera *cam, const struct eg_device_config *config) {
        for (size_t i = 0; i < config->n_properties; i++) {
                const struct eg_property *p = &config->properties[i];
                int r = 0;

                if (strcmp(p->key, "device") == 0) {
                        if (p->value[0] != '/')
                                return property_error(cam->host, cam->name,
                                                      "device=%s is not an "
                                                      "absolute path such as /dev/video0",
                                                      p->value);
                        free(cam->path);
                        cam->path = strdup(p->value);
                        if (!cam->path)
                                return -ENOMEM;
                } else if (strcmp(p->key, "width") == 0)
                        r = parse_uint(cam->host, cam->name, p, 16, 8192, &cam->width);
                else if (strcmp(p->key, "height") == 0)
                        r = parse_uint(cam->host, cam->name, p, 16, 8192, &cam->height);
                else if (strcmp(p->key, "quality") == 0)
                        r = parse_uint(cam->host, cam->name, p, 1, 100, &cam->quality);
                else if (strcmp(p->key, "skip-frames") == 0)
                        r = parse_uint(cam->host, cam->name, p, 0, 100, &cam->skip_frames);
                else if (strcmp(p->key, "format") == 0) {
                        if (strcmp(p->value, "auto") == 0)
                                cam->choice = CAM_FORMAT_AUTO;
                        else if (strcmp(p->value, "mjpeg") == 0)
                                cam->choice = CAM_FORMAT_MJPEG;
                        else if (strcmp(p->value, "yuyv") == 0)
                                cam->choice = CAM_FORMAT_YUYV;
                        else
                                r = property_error(cam->host, cam->name,
                                                   "invalid value '%s' for "
                                                   "format: expected auto, mjpeg or yuyv",
                                                   p->value);
                } else
                        r = property_error(cam->host, cam->name, "unknown property '%s'", p->key);
                if (r < 0)
                        return r;
        }
        if (!cam->path)
                return property_error(cam->host, cam->name,
                                      "device= is required (e.g. /dev/video0 or a "
                                      "/dev/v4l/by-path/ link)");
        return 0;
}

static int open_device(struct camera *cam, char *card, size_t card_size) {
        uint32_t fourcc;
        int r;

        r = cam_device_open(cam->path, &cam->fd, card, card_size);
        if (r < 0) {
                eg_host_log(cam->host, EG_LOG_ERROR, "device %s (camera): cannot use %s: %s",
                            cam->name, cam->path,
                            r == -ENOTSUP  ? "not a video capture device with streaming I/O"
                            : r == -ENOTTY ? "not a V4L2 device"
                                           : strerror(-r));
                return r == -ENOENT ? -ENODEV : r;
        }
        r = cam_device_pick_format(cam->fd, cam->choice, &fourcc);
        if (r == -ENOTSUP)
                eg_host_log(cam->host, EG_LOG_ERROR, "device %s (camera): %s offers %s", cam->name,
                            cam->path,
                            cam->choice == CAM_FORMAT_MJPEG  ? "no MJPEG"
                            : cam->choice == CAM_FORMAT_YUYV ? "no YUYV"
                                                             : "neither MJPEG nor YUYV");
        else if (r < 0)
                eg_host_log(cam->host, EG_LOG_ERROR,
                            "device %s (camera): cannot list the "
                            "formats of %s: %s",
                            cam->name, cam->path, strerror(-r));
        return r;
}

static int v4l2_declare_device(void *data, const struct eg_device_config *config) {
        struct v4l2_plugin *plugin = data;
        struct eg_device_desc desc;
        struct camera *cam;
        char card[64] = "";
        int r;

        if (config->device_class != EG_CLASS_CAMERA) {
                eg_host_log(plugin->host, EG_LOG_ERROR,
                            "device %s: the v4l2 plugin drives cameras only", config->name);
                return -EINVAL;
        }
        cam = calloc(1, sizeof(*cam));
        if (!cam)
                return -ENOMEM;
        *cam = (struct camera){
                .host = plugin->host,
                .width = DEFAULT_WIDTH,
                .height = DEFAULT_HEIGHT,
                .quality = DEFAULT_QUALITY,
                .skip_frames = DEFAULT_SKIP_FRAMES,
                .fd = -1,
                .stream = { .fd = -1 },
        };
        cam->name = strdup(config->name);
        r = cam->name ? parse(cam, config) : -ENOMEM;
        if (r >= 0)
                r = open_device(cam, card, sizeof(card));
        if (r < 0)
                goto fail;

        desc = (struct eg_device_desc){
                .size = sizeof(desc),
                .device_class = EG_CLASS_CAMERA,
                .key = config->name,
                .vendor = "V4L2",
                .model = card[0] ? card : "Camera",
                .supported_ops = EG_OP_BIT(EG_OP_CAMERA_CAPTURE),
                .ops = &camera_ops,
                .device_data = cam,
        };
        r = eg_host_device_add(plugin->host, &desc, &cam->id);
        if (r < 0)
                goto fail;
        return 0;
fail:
        camera_free(cam);
        return r;
}

static int v4l2_init(struct eg_host *host, void **data) {
        struct v4l2_plugin *plugin = calloc(1, sizeof(*plugin));

        if (!plugin)
                return -ENOMEM;
        plugin->host = host;
        *data = plugin;
        return 0;
}

static void v4l2_shutdown(void *data) {
        free(data);
}

/* Discovery (a later issue) will offer video4linux nodes that site udev rules tag with
 * ID_EGATE_CLASS=camera; today cameras are declared in egated.conf. */
EG_PLUGIN_DEFINE(.name = "v4l2",
                 .version = "0.1.0",
                 .vendor = "egate project",
                 .classes = EG_CLASS_BIT(EG_CLASS_CAMERA),
                 .matches = {
                         EG_MATCH_CONFIG_ENTRY,
                         EG_MATCH_UDEV_ENTRY("video4linux", "ID_EGATE_CLASS=camera"),
                 }) = {
        .size = sizeof(struct eg_plugin_ops),
        .init = v4l2_init,
        .shutdown = v4l2_shutdown,
        .declare_device = v4l2_declare_device,
};
