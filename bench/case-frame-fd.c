/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * frame-fd: one camera frame through egated, against the plainest way to
 * hand a frame to another process.
 *
 * Subject: Camera.Capture on the mock camera (lane A1 set to manual, one
 * person put in the mantrap through the mock's control socket, the camera
 * claimed); the reply's sealed memfd is mapped and read in full.
 * Baseline: a forked sender process that, per request on a socketpair,
 * creates a memfd of the same size, writes it, seals it like the mock does
 * and passes it with SCM_RIGHTS; the receiver maps and reads it in full.
 * The mock runs with zero latency (bench/lib/bus-env.c sets it).
 *
 * The mock camera makes 1024x1024 frames here (camera-frame=, set by
 * bench/lib/bus-env.c), just over 1 MiB with the PGM header (reported as
 * params.frame_bytes); the baseline uses the same size.  Target: 1.5x.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ab.h"
#include "bus-env.h"
#include "frame.h"
#include "macro.h"
#include "mock-control.h"
#include "result.h"

#define CASE "frame-fd"
#define LANE_PATH "/org/egate/EGate1/Lane/A1"
#define CAMERA_PATH "/org/egate/EGate1/Device/mock_2dA1_2dcamera"
#define SEALS (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL)

struct frame_case {
        struct bench_env *env;
        size_t frame_bytes;
        int sender_socket; /* our end of the socketpair */
        struct bench_child sender;
};

static int write_all(int fd, const void *data, size_t n) {
        const char *p = data;

        while (n > 0) {
                ssize_t k = write(fd, p, n);

                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                p += k;
                n -= (size_t) k;
        }
        return 0;
}

static int send_frame(int sock, const void *pixels, size_t size) {
        _cleanup_(closep) int fd = memfd_create("bench-frame", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        union {
                struct cmsghdr header;
                char buf[CMSG_SPACE(sizeof(int))];
        } control = {};
        char byte = 'f';
        struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
        struct msghdr msg = {
                .msg_iov = &iov,
                .msg_iovlen = 1,
                .msg_control = control.buf,
                .msg_controllen = sizeof(control.buf),
        };
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        int r;

        if (fd < 0)
                return -errno;
        r = write_all(fd, pixels, size);
        if (r < 0)
                return r;
        if (fcntl(fd, F_ADD_SEALS, SEALS) < 0)
                return -errno;
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &fd, sizeof(int));
        return sendmsg(sock, &msg, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

/* The sender process: one frame per request byte, until the socket closes. */
static _Noreturn void sender_main(int sock, size_t size) {
        unsigned char *pixels = malloc(size);
        char request;

        if (!pixels)
                _exit(EXIT_FAILURE);
        /* Not zeros: every page is really written and really read. */
        for (size_t i = 0; i < size; i++)
                pixels[i] = (unsigned char) (i * 131 + 7);
        while (read(sock, &request, 1) == 1)
                if (send_frame(sock, pixels, size) < 0)
                        _exit(EXIT_FAILURE);
        _exit(EXIT_SUCCESS);
}

static int start_sender(struct frame_case *f) {
        int pair[2], r;

        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0)
                return -errno;
        r = bench_child_fork(&f->sender, "frame sender");
        if (r == 0) {
                (void) close(pair[0]);
                sender_main(pair[1], f->frame_bytes);
        }
        (void) close(pair[1]);
        if (r < 0) {
                (void) close(pair[0]);
                return r;
        }
        f->sender_socket = pair[0];
        return 0;
}

static void stop_sender(struct frame_case *f) {
        /* EOF ends its loop; bench_child_stop() reaps it (or kills a stuck one). */
        if (f->sender_socket >= 0)
                (void) close(TAKE_FD(f->sender_socket));
        bench_child_stop(&f->sender, 2000);
        bench_child_clear(&f->sender);
}

static int receive_frame(int sock) {
        union {
                struct cmsghdr header;
                char buf[CMSG_SPACE(sizeof(int))];
        } control = {};
        char byte;
        struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
        struct msghdr msg = {
                .msg_iov = &iov,
                .msg_iovlen = 1,
                .msg_control = control.buf,
                .msg_controllen = sizeof(control.buf),
        };
        struct cmsghdr *c;
        int fd;
        ssize_t n;

        n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
        if (n < 0)
                return -errno;
        c = CMSG_FIRSTHDR(&msg);
        if (n != 1 || !c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
            c->cmsg_len != CMSG_LEN(sizeof(int))) {
                fprintf(stderr, "bench: the raw frame: %zd byte(s), flags 0x%x, %s\n", n,
                        (unsigned) msg.msg_flags, c ? "a control message" : "no descriptor");
                return -EPROTO;
        }
        memcpy(&fd, CMSG_DATA(c), sizeof(int));
        return fd;
}

static int pass_raw(void *userdata) {
        struct frame_case *f = userdata;
        _cleanup_(closep) int fd = -1;
        char request = 'r';

        if (write(f->sender_socket, &request, 1) != 1)
                return errno > 0 ? -errno : -EIO;
        fd = receive_frame(f->sender_socket);
        if (fd < 0)
                return fd;
        return bench_frame_consume(fd, f->frame_bytes, NULL);
}

/* One Capture; the frame is read in full while the reply still owns its fd. */
static int capture(sd_bus *bus, size_t expected, size_t *ret_size, char **ret_mime) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *mime;
        int fd, r;

        r = sd_bus_call_method(bus, BENCH_EGATE_NAME, CAMERA_PATH, "org.egate.EGate1.Camera",
                               "Capture", &error, &reply, NULL);
        if (r < 0) {
                fprintf(stderr, "bench: Camera.Capture: %s\n",
                        error.message ? error.message : strerror(-r));
                return r;
        }
        r = sd_bus_message_read(reply, "hs", &fd, &mime);
        if (r < 0)
                return r;
        r = bench_frame_consume(fd, expected, ret_size);
        if (r < 0)
                fprintf(stderr, "bench: the captured frame: %s\n", strerror(-r));
        if (r >= 0 && ret_mime) {
                *ret_mime = strdup(mime);
                if (!*ret_mime)
                        return -ENOMEM;
        }
        return r;
}

static int capture_egated(void *userdata) {
        struct frame_case *f = userdata;

        return capture(f->env->client, f->frame_bytes, NULL, NULL);
}

static int call(sd_bus *bus, const char *path, const char *iface, const char *method,
                const char *types, const char *a, const char *b) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        r = sd_bus_call_method(bus, BENCH_EGATE_NAME, path, iface, method, &error, NULL, types, a,
                               b);
        if (r < 0)
                fprintf(stderr, "bench: %s.%s on %s: %s\n", iface, method, path,
                        error.message ? error.message : strerror(-r));
        return r;
}

/* Someone in front of a claimed camera, so Capture returns a frame. */
static int set_scene(struct bench_env *e) {
        int r;

        r = call(e->client, LANE_PATH, "org.egate.EGate1.Lane", "SetMode", "ss", "manual",
                 "benchmark: lend the camera");
        if (r >= 0)
                r = bench_mock_command(e->mock_socket, "enter A1 mantrap 1");
        if (r >= 0)
                r = call(e->client, CAMERA_PATH, "org.egate.EGate1.Device", "Claim", NULL, NULL,
                         NULL);
        return r;
}

static int run(struct frame_case *f, const struct bench_options *o) {
        _cleanup_(bench_samples_clear) struct bench_samples raw = {}, egated = {};
        _cleanup_(json_object_putp) json_object *params = json_object_new_object();
        _cleanup_free_ char *mime = NULL;
        struct bench_env *e = f->env;
        struct bench_result result = {
                .case_name = CASE,
                .metric = "latency",
                .baseline_name = "memfd over a socketpair (SCM_RIGHTS), read in full",
                .subject_name = "egated Camera.Capture memfd, read in full",
                .target = 1.5,
                .rounds = o->rounds,
                .per_round = o->per_round,
        };
        int r;

        if (!params)
                return bench_case_failed(CASE, -ENOMEM, "allocating");
        r = bench_env_start_bus(e, o);
        if (r < 0)
                return bench_case_failed(CASE, r, "private bus");
        r = bench_env_start_egated(e);
        if (r >= 0)
                r = bench_env_wait_property(e, BENCH_EGATE_NAME, CAMERA_PATH,
                                            "org.egate.EGate1.Device", "State",
                                            BENCH_START_TIMEOUT_MS);
        if (r < 0)
                return bench_case_failed(CASE, r, "egated");
        r = set_scene(e);
        if (r < 0)
                return bench_case_failed(CASE, r, "setting the scene for the camera");

        /* The frame size the mock produces decides the baseline's. */
        r = capture(e->client, 0, &f->frame_bytes, &mime);
        if (r < 0)
                return bench_case_failed(CASE, r, "probing Camera.Capture");
        fprintf(stderr, "bench: %s: the mock camera's frames are %zu bytes (%s)\n", CASE,
                f->frame_bytes, mime);
        r = start_sender(f);
        if (r < 0)
                return bench_case_failed(CASE, r, "starting the frame sender");

        r = bench_ab(o->rounds, o->per_round, pass_raw, capture_egated, f, &raw, &egated);
        if (r < 0)
                return bench_case_failed(CASE, r, "measuring");
        if (bench_samples_summarize(&raw, &result.baseline) < 0 ||
            bench_samples_summarize(&egated, &result.subject) < 0)
                return bench_case_failed(CASE, -ENODATA, "summarizing");

        if (json_object_object_add(params, "frame_bytes", json_object_new_uint64(f->frame_bytes)) <
                    0 ||
            json_object_object_add(params, "frame_mime", json_object_new_string(mime)) < 0)
                return bench_case_failed(CASE, -ENOMEM, "allocating");
        result.params = params;
        r = bench_result_print(&result, stdout);
        return r < 0 ? bench_case_failed(CASE, r, "printing the result") : 0;
}

int main(int argc, char *argv[]) {
        struct bench_options o = BENCH_OPTIONS_INIT(100, 20);
        struct bench_env e = {};
        struct frame_case f = { .env = &e, .sender_socket = -1 };
        int r;

        r = bench_options_parse(argc, argv, CASE,
                                "A camera frame (sealed memfd) through egated's Camera.Capture "
                                "vs a raw SCM_RIGHTS pass between two processes.",
                                &o);
        if (r <= 0)
                return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
        (void) bench_handle_interrupts();
        r = run(&f, &o);
        stop_sender(&f);
        bench_env_stop(&e, r < 0 && r != -EINTR); /* an interrupted run is no failure to explain */
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
