/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The v4l2 plugin against vivid in the guest: a real capture device with
 * mmap streaming, frames turned into JPEG, and a driver unbind that takes the
 * camera away in the middle of its life.  The unplug test runs last.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <turbojpeg.h>
#include <unistd.h>

#include "guest-harness.h"

#define VIVID_DEVICE "vivid.0"
#define VIVID_DRIVER "/sys/bus/platform/drivers/vivid"

static const char devices[] =
        "[device.cam]\nplugin = v4l2\nclass = camera\ndevice = /dev/video0\n"
        "width = 640\nheight = 480\n"
        "[device.yuyv]\nplugin = v4l2\nclass = camera\ndevice = /dev/video0\n"
        "format = yuyv\nwidth = 320\nheight = 180\nquality = 50\nskip-frames = 0\n";

static int setup(void **state) {
        struct guest *g;

        if (!getenv("EGATE_GUEST_HAVE_VIVID") || strcmp(getenv("EGATE_GUEST_HAVE_VIVID"), "1"))
                skip(); /* run-guest-tests.sh said why */
        g = calloc(1, sizeof(*g));
        assert_non_null(g);
        guest_start(g, devices);
        *state = g;
        return 0;
}

static int teardown(void **state) {
        struct guest *g = *state;

        guest_stop(g);
        free(g);
        return 0;
}

/* Read the whole memfd and decode it: a JPEG of the expected size, or a test failure. */
static void check_jpeg(int fd, int width, int height) {
        unsigned char *jpeg, *pixels;
        int w = 0, h = 0, subsamp = 0, colorspace = 0, seals;
        tjhandle tj;
        struct stat st;

        seals = fcntl(fd, F_GET_SEALS);
        assert_true(seals >= 0);
        assert_true((seals & (F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW)) ==
                    (F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW));
        assert_int_equal(fstat(fd, &st), 0);
        assert_true(st.st_size > 100);
        jpeg = malloc((size_t) st.st_size);
        assert_non_null(jpeg);
        assert_int_equal(pread(fd, jpeg, (size_t) st.st_size, 0), st.st_size);
        assert_int_equal(jpeg[0], 0xff);
        assert_int_equal(jpeg[1], 0xd8);

        tj = tjInitDecompress();
        assert_non_null(tj);
        assert_int_equal(tjDecompressHeader3(tj, jpeg, (unsigned long) st.st_size, &w, &h, &subsamp,
                                             &colorspace),
                         0);
        assert_int_equal(w, width);
        assert_int_equal(h, height);
        pixels = malloc((size_t) w * h * 3);
        assert_non_null(pixels);
        assert_int_equal(
                tjDecompress2(tj, jpeg, (unsigned long) st.st_size, pixels, w, 0, h, TJPF_RGB, 0),
                0);
        tjDestroy(tj);
        free(pixels);
        free(jpeg);
}

static void capture(struct guest *g, const char *device, struct guest_op *op) {
        struct eg_op_args a = { .kind = EG_OP_CAMERA_CAPTURE };

        guest_op_run(g, device, &a, op, 20000);
}

static void test_capture_is_jpeg_in_memfd(void **state) {
        struct guest *g = *state;
        struct eg_device *d = eg_device_find(g->manager, "v4l2-cam");
        struct guest_op op;

        assert_non_null(d);
        assert_int_equal(d->device_class, EG_CLASS_CAMERA);
        assert_non_null(d->model); /* the driver's card name */
        capture(g, "v4l2-cam", &op);
        assert_int_equal(op.status, 0);
        assert_string_equal(op.format, "image/jpeg");
        assert_true(op.fd >= 0);
        check_jpeg(op.fd, 640, 480);
        close(op.fd);
        assert_int_equal(eg_device_find(g->manager, "v4l2-cam")->state, EG_DEVICE_ONLINE);
}

static void test_repeated_captures_and_sizes(void **state) {
        struct guest *g = *state;
        struct guest_op op;

        for (int i = 0; i < 3; i++) {
                capture(g, i % 2 ? "v4l2-yuyv" : "v4l2-cam", &op);
                assert_int_equal(op.status, 0);
                check_jpeg(op.fd, i % 2 ? 320 : 640, i % 2 ? 180 : 480);
                close(op.fd);
        }
}

static void test_one_capture_at_a_time(void **state) {
        struct guest *g = *state;
        struct eg_op_args a = { .kind = EG_OP_CAMERA_CAPTURE };
        struct guest_op first, second;

        assert_int_equal(guest_op_start(g, "v4l2-cam", &a, &first), 0);
        assert_int_equal(guest_op_start(g, "v4l2-cam", &a, &second), -EBUSY);
        assert_true(guest_run_until(g, &first.calls, 20000));
        assert_int_equal(first.status, 0);
        close(first.fd);
}

struct bad_camera {
        const char *section;
        const char *message;
};

static const struct bad_camera bad_cameras[] = {
        { "device = /dev/video0\nformat = mjpeg\n", "/dev/video0 offers no MJPEG" },
        { "device = /dev/video9\n", "cannot use /dev/video9: No such file or directory" },
        { "device = /dev/null\n", "cannot use /dev/null: not a V4L2 device" },
        { "device = video0\n", "device=video0 is not an absolute path" },
        { "width = 320\n", "device= is required" },
        { "device = /dev/video0\nwidth = 0\n", "invalid value '0' for width" },
        { "device = /dev/video0\nformat = raw\n", "invalid value 'raw' for format" },
        { "device = /dev/video0\nfps = 30\n", "unknown property 'fps'" },
};

static void test_configuration_errors(void **state) {
        size_t n = sizeof(bad_cameras) / sizeof(bad_cameras[0]);
        char *text = NULL;
        size_t size = 0;
        FILE *out;
        struct guest g2;

        out = open_memstream(&text, &size);
        assert_non_null(out);
        for (size_t i = 0; i < n; i++)
                fprintf(out, "[device.bad%zu]\nplugin = v4l2\nclass = camera\n%s", i,
                        bad_cameras[i].section);
        fprintf(out, "[device.notcamera]\nplugin = v4l2\nclass = door\ndevice = /dev/video0\n");
        fclose(out);

        guest_log_capture_start();
        guest_start(&g2, text);
        free(text);
        for (size_t i = 0; i < n; i++) {
                char id[32];

                (void) snprintf(id, sizeof(id), "v4l2-bad%zu", i);
                if (eg_device_find(g2.manager, id) || !guest_log_contains(bad_cameras[i].message)) {
                        guest_log_dump();
                        fail_msg("%s: expected refusal with \"%s\"", id, bad_cameras[i].message);
                }
        }
        assert_null(eg_device_find(g2.manager, "v4l2-notcamera"));
        assert_true(guest_log_contains("the v4l2 plugin drives cameras only"));
        guest_stop(&g2);
        guest_log_capture_stop();
}

static int write_file(const char *path, const char *text) {
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        ssize_t n;

        if (fd < 0)
                return -errno;
        n = write(fd, text, strlen(text));
        close(fd);
        return n == (ssize_t) strlen(text) ? 0 : -EIO;
}

static void test_unplug_removes_camera(void **state) {
        struct guest *g = *state;
        struct guest_op op;

        capture(g, "v4l2-cam", &op);
        assert_int_equal(op.status, 0);
        close(op.fd);

        /* What a USB camera's disconnect does: the driver lets go of the device. */
        assert_int_equal(write_file(VIVID_DRIVER "/unbind", VIVID_DEVICE), 0);
        assert_int_equal(access("/dev/video0", F_OK), -1);

        capture(g, "v4l2-cam", &op);
        assert_int_equal(op.status, -ENODEV);
        guest_run(g, 100);
        assert_null(eg_device_find(g->manager, "v4l2-cam"));
        assert_true(guest_count_events(g, "v4l2-cam", EG_EVENT_FAULT, GUEST_ANY) == 1);
        assert_string_equal(guest_last_event(g, "v4l2-cam", EG_EVENT_FAULT)->message,
                            "camera disconnected");
        assert_true(g->removed >= 1);

        /* Give the device back for whatever runs after us. */
        assert_int_equal(write_file(VIVID_DRIVER "/bind", VIVID_DEVICE), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_capture_is_jpeg_in_memfd, setup, teardown),
                cmocka_unit_test_setup_teardown(test_repeated_captures_and_sizes, setup, teardown),
                cmocka_unit_test_setup_teardown(test_one_capture_at_a_time, setup, teardown),
                cmocka_unit_test_setup_teardown(test_configuration_errors, setup, teardown),
                cmocka_unit_test_setup_teardown(test_unplug_removes_camera, setup, teardown),
        };

        return guest_run_tests("v4l2", tests, sizeof(tests) / sizeof(tests[0]));
}
