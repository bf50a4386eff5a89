/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The fprint plugin inside a real manager, against libfprint's own virtual
 * devices: "virtual_device" (match-on-chip style: enrol, verify) and
 * "virtual_image" (an image sensor: capture).  Each test gets fresh sockets
 * in a temporary directory, named through FP_VIRTUAL_DEVICE/FP_VIRTUAL_IMAGE
 * before the plugin creates its libfprint context.
 *
 * The virtual device takes one command per connection and hangs up once it
 * has read it; the tests wait for that hang-up before the next command (a
 * new connection would drop an unread one).  The plugin runs libfprint on its
 * own thread, so sending from the test's thread cannot deadlock.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <fcntl.h>
#include <fprint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "manager.h"

#define SCANNER "fprint-scanner"
#define IMAGER "fprint-imager"
#define TEMPLATE_FORMAT "libfprint-fpi-data"
#define WAIT_MS 3000

struct outcome_log {
        unsigned calls;
        int status;
        char message[256];
        char format[64];
        uint8_t *data;
        size_t data_len;
        int fd;
        bool match;
        double score, threshold;
        uint64_t duration_usec;
};

struct event_log {
        unsigned finger_present, finger_removed, faults, removed;
        char fault[256];
};

struct fixture {
        sd_event *event;
        struct eg_manager *manager;
        char dir[64];
        char device_socket[128];
        char image_socket[128];
        struct event_log events;
};

static uint64_t now_ms(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000u + (uint64_t) ts.tv_nsec / 1000000u;
}

/* Run the loop until *flag is non-zero or `ms` pass. */
static void run_until(sd_event *e, const unsigned *flag, unsigned ms) {
        uint64_t end = now_ms() + ms;

        while ((!flag || *flag == 0) && now_ms() < end)
                assert_true(sd_event_run(e, 10 * 1000) >= 0);
}

static void outcome_clear(struct outcome_log *l) {
        free(l->data);
        if (l->fd >= 0)
                close(l->fd);
        *l = (struct outcome_log){ .fd = -1 };
}

static void on_done(struct eg_manager *m, const char *device_id, eg_op_id op,
                    struct eg_op_outcome *o, void *userdata) {
        struct outcome_log *l = userdata;

        l->calls++;
        l->status = o->status;
        snprintf(l->message, sizeof(l->message), "%s", o->message ? o->message : "");
        snprintf(l->format, sizeof(l->format), "%s", o->format ? o->format : "");
        free(l->data);
        l->data = TAKE_PTR(o->data);
        l->data_len = o->data_len;
        if (l->fd >= 0)
                close(l->fd);
        l->fd = TAKE_FD(o->fd);
        l->match = o->match;
        l->score = o->score;
        l->threshold = o->threshold;
        l->duration_usec = o->duration_usec;
}

static void on_event(struct eg_device *d, const struct eg_event *e, void *userdata) {
        struct event_log *l = userdata;

        if (!streq(d->id, SCANNER))
                return;
        if (e->type == EG_EVENT_FINGER_PRESENT)
                l->finger_present++;
        else if (e->type == EG_EVENT_FINGER_REMOVED)
                l->finger_removed++;
        else if (e->type == EG_EVENT_FAULT) {
                l->faults++;
                snprintf(l->fault, sizeof(l->fault), "%s", e->message ? e->message : "");
        }
}

static void on_removed(struct eg_device *d, void *userdata) {
        struct event_log *l = userdata;

        if (streq(d->id, SCANNER))
                l->removed++;
}

static const char config_template[] = "[daemon]\n"
                                      "plugin-dirs = %s\n"
                                      "operation-timeout-ms = 5000\n"
                                      "%s";

static const char default_devices[] =
        "[device.scanner]\nplugin = fprint\nclass = fingerprint-scanner\n"
        "driver = virtual_device\n"
        "[device.imager]\nplugin = fprint\nclass = fingerprint-scanner\n"
        "driver = virtual_image\n";

/* Build and start a manager declaring `devices`; libfprint sockets go to a fresh
 * directory unless `device_socket` names another place. */
static struct fixture *fixture_new(const char *devices, const char *device_socket) {
        struct fixture *f = calloc(1, sizeof(*f));
        struct eg_config_errors errors = {};
        struct eg_manager_listener listener = { .device_event = on_event,
                                                .device_removed = on_removed };
        struct eg_config *c = NULL;
        char *text = NULL;
        const char *dir = getenv("EGATE_TEST_PLUGIN_DIR");

        assert_non_null(f);
        assert_non_null(dir);
        snprintf(f->dir, sizeof(f->dir), "/tmp/egate-fprint-XXXXXX");
        assert_non_null(mkdtemp(f->dir));
        if (device_socket)
                snprintf(f->device_socket, sizeof(f->device_socket), "%s", device_socket);
        else
                snprintf(f->device_socket, sizeof(f->device_socket), "%s/device.sock", f->dir);
        snprintf(f->image_socket, sizeof(f->image_socket), "%s/image.sock", f->dir);
        /* Read by fp_context_new() on the plugin's thread, during eg_manager_start(). */
        assert_int_equal(setenv("FP_VIRTUAL_DEVICE", f->device_socket, 1), 0);
        assert_int_equal(setenv("FP_VIRTUAL_IMAGE", f->image_socket, 1), 0);

        assert_true(asprintf(&text, config_template, dir, devices) > 0);
        if (eg_config_load_string("fprint.conf", text, &c, &errors) < 0)
                for (size_t i = 0; i < errors.n; i++)
                        fprintf(stderr, "%s\n", errors.messages[i]);
        assert_int_equal(errors.n, 0);
        eg_config_errors_clear(&errors);
        free(text);

        assert_int_equal(sd_event_new(&f->event), 0);
        assert_int_equal(eg_manager_new(f->event, c, NULL, &f->manager), 0);
        listener.userdata = &f->events;
        assert_int_equal(eg_manager_add_listener(f->manager, &listener), 0);
        assert_int_equal(eg_manager_start(f->manager), 0);
        return f;
}

static int setup(void **state) {
        *state = fixture_new(default_devices, NULL);
        return 0;
}

static int teardown(void **state) {
        struct fixture *f = *state;

        eg_manager_free(f->manager);
        sd_event_unref(f->event);
        (void) unlink(f->device_socket);
        (void) unlink(f->image_socket);
        (void) rmdir(f->dir);
        free(f);
        return 0;
}

/* Connect to a virtual device's socket; it exists once the plugin opened the device. */
static int connect_virtual(struct fixture *f, const char *path) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        struct timeval tv = { .tv_sec = 2 };
        uint64_t end = now_ms() + WAIT_MS;
        int fd;

        assert_true(strlen(path) < sizeof(sa.sun_path));
        strcpy(sa.sun_path, path);
        for (;;) {
                fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
                assert_true(fd >= 0);
                /* Bounds connect() (a full backlog blocks it) and the reads below. */
                assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)), 0);
                assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
                if (connect(fd, (struct sockaddr *) &sa, sizeof(sa)) == 0)
                        return fd;
                assert_true(errno == ENOENT || errno == ECONNREFUSED);
                close(fd);
                assert_true(now_ms() < end);
                run_until(f->event, NULL, 5);
        }
}

/* One command, then wait until the driver has read it and hung up. */
static void send_command(struct fixture *f, const char *command) {
        int fd = connect_virtual(f, f->device_socket);
        char buf[64];
        ssize_t n;

        assert_int_equal(write(fd, command, strlen(command)), (ssize_t) strlen(command));
        do
                n = read(fd, buf, sizeof(buf));
        while (n > 0);
        assert_int_equal(n, 0); /* EOF, not the 2 s timeout */
        close(fd);
}

static int start(struct fixture *f, const char *device, enum eg_op_kind kind,
                 const uint8_t *template, size_t template_len, const char *format,
                 struct outcome_log *l, eg_op_id *ret) {
        struct eg_op_args a = { .size = sizeof(a),
                                .kind = kind,
                                .data = template,
                                .data_len = template_len,
                                .format = format };

        outcome_clear(l);
        return eg_operation_start(f->manager, device, &a, 0, on_done, l, ret);
}

static void enroll(struct fixture *f, const char *finger_id, struct outcome_log *l) {
        assert_int_equal(start(f, SCANNER, EG_OP_FINGER_ENROLL, NULL, 0, NULL, l, NULL), 0);
        for (int stage = 0; stage < 5; stage++) {
                char command[64];

                snprintf(command, sizeof(command), "SCAN %s", finger_id);
                send_command(f, command);
        }
        run_until(f->event, &l->calls, WAIT_MS);
        assert_int_equal(l->calls, 1);
        assert_int_equal(l->status, 0);
}

static void verify(struct fixture *f, const struct outcome_log *enrolled, const char *command,
                   struct outcome_log *l) {
        assert_int_equal(start(f, SCANNER, EG_OP_FINGER_VERIFY, enrolled->data, enrolled->data_len,
                               TEMPLATE_FORMAT, l, NULL),
                         0);
        if (command)
                send_command(f, command);
        run_until(f->event, &l->calls, WAIT_MS);
        assert_int_equal(l->calls, 1);
}

static void test_devices(void **state) {
        struct fixture *f = *state;
        struct eg_device *scanner = eg_device_find(f->manager, SCANNER);
        struct eg_device *imager = eg_device_find(f->manager, IMAGER);
        struct outcome_log l = { .fd = -1 };

        assert_non_null(scanner);
        assert_string_equal(scanner->key, "scanner");
        assert_int_equal(scanner->device_class, EG_CLASS_FINGERPRINT_SCANNER);
        /* virtual_device matches on the "chip" and cannot capture. */
        assert_int_equal(scanner->supported_ops,
                         EG_OP_BIT(EG_OP_FINGER_ENROLL) | EG_OP_BIT(EG_OP_FINGER_VERIFY));
        assert_int_equal(start(f, SCANNER, EG_OP_FINGER_CAPTURE, NULL, 0, NULL, &l, NULL),
                         -EOPNOTSUPP);
        assert_non_null(imager);
        assert_true(imager->supported_ops & EG_OP_BIT(EG_OP_FINGER_CAPTURE));
        outcome_clear(&l);
}

static void test_enroll(void **state) {
        struct fixture *f = *state;
        struct outcome_log l = { .fd = -1 };
        struct eg_op_args a = { .size = sizeof(a), .kind = EG_OP_FINGER_ENROLL, .finger = 2 };
        g_autoptr(GError) error = NULL;
        g_autoptr(FpPrint) print = NULL;

        /* ISO/IEC 19794-2 position 2: right index finger. */
        assert_int_equal(eg_operation_start(f->manager, SCANNER, &a, 0, on_done, &l, NULL), 0);
        for (int stage = 0; stage < 5; stage++) {
                /* A bad touch mid-way: libfprint asks for that stage again. */
                if (stage == 2)
                        send_command(f, "RETRY 2");
                send_command(f, "SCAN alice");
        }
        run_until(f->event, &l.calls, WAIT_MS);
        assert_int_equal(l.calls, 1);
        assert_int_equal(l.status, 0);
        assert_string_equal(l.format, TEMPLATE_FORMAT);
        assert_true(l.data_len > 0);

        print = fp_print_deserialize(l.data, l.data_len, &error);
        assert_non_null(print);
        assert_string_equal(fp_print_get_driver(print), "virtual_device");
        assert_int_equal(fp_print_get_finger(print), FP_FINGER_RIGHT_INDEX);
        outcome_clear(&l);
}

static void test_verify_match_and_mismatch(void **state) {
        struct fixture *f = *state;
        struct outcome_log enrolled = { .fd = -1 }, l = { .fd = -1 };

        enroll(f, "alice", &enrolled);

        verify(f, &enrolled, "SCAN alice", &l);
        assert_int_equal(l.status, 0);
        assert_true(l.match);
        assert_true(l.score == 1.0);
        assert_true(l.threshold == 0.5);

        verify(f, &enrolled, "SCAN mallory", &l);
        assert_int_equal(l.status, 0);
        assert_false(l.match);
        assert_true(l.score == 0.0);
        assert_true(l.threshold == 0.5);
        outcome_clear(&enrolled);
        outcome_clear(&l);
}

static void test_verify_retry_and_error(void **state) {
        struct fixture *f = *state;
        struct outcome_log enrolled = { .fd = -1 }, l = { .fd = -1 };
        char command[32];

        enroll(f, "alice", &enrolled);

        snprintf(command, sizeof(command), "RETRY %d", FP_DEVICE_RETRY_CENTER_FINGER);
        verify(f, &enrolled, command, &l);
        assert_int_equal(l.status, -EAGAIN);
        assert_string_equal(l.message, "finger not centred");

        snprintf(command, sizeof(command), "RETRY %d", FP_DEVICE_RETRY_TOO_SHORT);
        verify(f, &enrolled, command, &l);
        assert_int_equal(l.status, -EAGAIN);
        assert_string_equal(l.message, "swipe too short");

        snprintf(command, sizeof(command), "ERROR %d", FP_DEVICE_ERROR_PROTO);
        verify(f, &enrolled, command, &l);
        assert_int_equal(l.status, -EIO);
        assert_non_null(strstr(l.message, "fingerprint device error: "));
        assert_non_null(strstr(l.message, "protocol error"));

        /* Errors are per scan: the next one works. */
        verify(f, &enrolled, "SCAN alice", &l);
        assert_int_equal(l.status, 0);
        assert_true(l.match);
        outcome_clear(&enrolled);
        outcome_clear(&l);
}

static int on_tick(sd_event_source *s, uint64_t usec, void *userdata) {
        (*(unsigned *) userdata)++;
        assert_true(sd_event_source_set_time_relative(s, 10 * 1000) >= 0);
        return sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
}

static void test_slow_scan_keeps_loop_running(void **state) {
        struct fixture *f = *state;
        struct outcome_log enrolled = { .fd = -1 }, l = { .fd = -1 };
        sd_event_source *ticker = NULL;
        unsigned ticks = 0;

        enroll(f, "alice", &enrolled);

        /* Accuracy 1 µs: sd-event's default (250 ms) would coalesce the ticks. */
        assert_true(sd_event_add_time_relative(f->event, &ticker, CLOCK_MONOTONIC, 10 * 1000, 1,
                                               on_tick, &ticks) >= 0);
        assert_int_equal(start(f, SCANNER, EG_OP_FINGER_VERIFY, enrolled.data, enrolled.data_len,
                               TEMPLATE_FORMAT, &l, NULL),
                         0);
        send_command(f, "SLEEP 300");
        send_command(f, "SCAN alice");
        ticks = 0; /* count only what fires while the scanner sleeps */
        run_until(f->event, &l.calls, WAIT_MS);
        sd_event_source_disable_unref(ticker);

        assert_int_equal(l.calls, 1);
        assert_int_equal(l.status, 0);
        assert_true(l.match);
        assert_true(l.duration_usec >= 280 * 1000);
        /* ~30 at 10 ms; generous for a loaded or sanitised run. */
        assert_true(ticks >= 10);
        outcome_clear(&enrolled);
        outcome_clear(&l);
}

static void test_cancel_then_reuse(void **state) {
        struct fixture *f = *state;
        struct outcome_log enrolled = { .fd = -1 }, l = { .fd = -1 }, busy = { .fd = -1 };
        eg_op_id id = 0;

        enroll(f, "alice", &enrolled);

        /* No scan queued: libfprint 1.94 waits for one forever. */
        assert_int_equal(start(f, SCANNER, EG_OP_FINGER_VERIFY, enrolled.data, enrolled.data_len,
                               TEMPLATE_FORMAT, &l, &id),
                         0);
        assert_int_equal(start(f, SCANNER, EG_OP_FINGER_ENROLL, NULL, 0, NULL, &busy, NULL),
                         -EBUSY);
        run_until(f->event, &l.calls, 100);
        assert_int_equal(l.calls, 0);
        assert_int_equal(eg_operation_cancel(f->manager, id), 0);
        run_until(f->event, &l.calls, WAIT_MS);
        assert_int_equal(l.calls, 1);
        assert_int_equal(l.status, -ECANCELED);

        /* The scanner serves again once libfprint lets go of the cancelled verify.
         * The pause only keeps the next SCAN from reaching the driver before the
         * plugin's thread has seen the cancel (it would feed the cancelled verify). */
        run_until(f->event, NULL, 50);
        verify(f, &enrolled, "SCAN alice", &l);
        assert_int_equal(l.status, 0);
        assert_true(l.match);
        outcome_clear(&enrolled);
        outcome_clear(&l);
        outcome_clear(&busy);
}

static void test_unplug(void **state) {
        struct fixture *f = *state;
        struct outcome_log enrolled = { .fd = -1 }, l = { .fd = -1 };
        uint64_t end;

        enroll(f, "alice", &enrolled);
        assert_int_equal(start(f, SCANNER, EG_OP_FINGER_VERIFY, enrolled.data, enrolled.data_len,
                               TEMPLATE_FORMAT, &l, NULL),
                         0);
        run_until(f->event, &l.calls, 50);
        send_command(f, "UNPLUG");
        run_until(f->event, &l.calls, WAIT_MS);
        assert_int_equal(l.calls, 1);
        assert_int_equal(l.status, -ENODEV);

        end = now_ms() + WAIT_MS;
        while (eg_device_find(f->manager, SCANNER) && now_ms() < end)
                run_until(f->event, NULL, 10);
        assert_null(eg_device_find(f->manager, SCANNER));
        assert_int_equal(f->events.removed, 1);
        assert_int_equal(start(f, SCANNER, EG_OP_FINGER_VERIFY, enrolled.data, enrolled.data_len,
                               TEMPLATE_FORMAT, &l, NULL),
                         -ENODEV);
        /* The other scanner is untouched. */
        assert_non_null(eg_device_find(f->manager, IMAGER));
        outcome_clear(&enrolled);
        outcome_clear(&l);
}

static void expect_invalid(struct fixture *f, const char *device, const void *template, size_t len,
                           const char *format, int32_t finger, const char *message_part) {
        struct outcome_log l = { .fd = -1 };
        struct eg_op_args a = { .size = sizeof(a),
                                .kind = EG_OP_FINGER_VERIFY,
                                .data = template,
                                .data_len = len,
                                .format = format,
                                .finger = finger };

        assert_int_equal(eg_operation_start(f->manager, device, &a, 0, on_done, &l, NULL), 0);
        run_until(f->event, &l.calls, WAIT_MS);
        assert_int_equal(l.calls, 1);
        assert_int_equal(l.status, -EINVAL);
        if (!strstr(l.message, message_part))
                fail_msg("message '%s' lacks '%s'", l.message, message_part);
        outcome_clear(&l);
}

static void test_shutdown_during_verify(void **state) {
        struct fixture *f = *state;
        struct outcome_log enrolled = { .fd = -1 }, l = { .fd = -1 };
        uint64_t t0;

        enroll(f, "alice", &enrolled);
        assert_int_equal(start(f, SCANNER, EG_OP_FINGER_VERIFY, enrolled.data, enrolled.data_len,
                               TEMPLATE_FORMAT, &l, NULL),
                         0);
        run_until(f->event, &l.calls, 50);
        assert_int_equal(l.calls, 0);

        /* Stopping cancels the waiting verify and closes the device: quickly,
         * not by the plugin's 2 s close timeout. */
        t0 = now_ms();
        eg_manager_free(TAKE_PTR(f->manager));
        assert_true(now_ms() - t0 < 1000);
        outcome_clear(&enrolled);
        outcome_clear(&l);
}

/* `template` (a serialised print) again, claiming to come from driver `driver`: what a
 * registry or a caller may hand over, whatever libfprint would write. */
static GBytes *template_with_driver(const struct outcome_log *template, const char *driver) {
        g_autoptr(GVariant) print = NULL, changed = NULL;
        g_autoptr(GBytes) body = NULL;
        GVariant *children[16];
        size_t n;
        GByteArray *out;

        /* libfprint's three-byte header ("FP3"), then the GVariant. */
        assert_true(template->data_len > 3 && memcmp(template->data, "FP", 2) == 0);
        body = g_bytes_new(template->data + 3, template->data_len - 3);
        print = g_variant_new_from_bytes(G_VARIANT_TYPE("(issbymsmsia{sv}v)"), body, FALSE);
        n = g_variant_n_children(print);
        assert_true(n <= G_N_ELEMENTS(children));
        for (size_t i = 0; i < n; i++)
                children[i] =
                        i == 1 ? g_variant_new_string(driver) : g_variant_get_child_value(print, i);
        changed = g_variant_ref_sink(g_variant_new_tuple(children, n));
        out = g_byte_array_new();
        g_byte_array_append(out, template->data, 3);
        g_byte_array_append(out, g_variant_get_data(changed), g_variant_get_size(changed));
        return g_byte_array_free_to_bytes(out);
}

static void test_bad_templates(void **state) {
        struct fixture *f = *state;
        struct outcome_log enrolled = { .fd = -1 }, l = { .fd = -1 };
        static const char garbage[] = "this is not a fingerprint template";

        expect_invalid(f, SCANNER, garbage, sizeof(garbage), TEMPLATE_FORMAT, 0,
                       "template is not a serialised libfprint print");
        expect_invalid(f, SCANNER, garbage, sizeof(garbage), "iso-19794-2", 0,
                       "template format 'iso-19794-2' is not supported");
        expect_invalid(f, SCANNER, garbage, sizeof(garbage), NULL, 0, "'(none)' is not supported");
        expect_invalid(f, SCANNER, NULL, 0, TEMPLATE_FORMAT, 0, "no template to verify against");
        expect_invalid(f, SCANNER, garbage, sizeof(garbage), TEMPLATE_FORMAT, 11,
                       "finger position 11 is not an ISO/IEC 19794-2 position");
        expect_invalid(f, SCANNER, garbage, sizeof(garbage), TEMPLATE_FORMAT, -1,
                       "finger position -1 is not");

        /* A real template of the right-index finger refuses another finger. */
        {
                struct eg_op_args a = { .size = sizeof(a),
                                        .kind = EG_OP_FINGER_ENROLL,
                                        .finger = 2 };

                assert_int_equal(
                        eg_operation_start(f->manager, SCANNER, &a, 0, on_done, &enrolled, NULL),
                        0);
                for (int stage = 0; stage < 5; stage++)
                        send_command(f, "SCAN alice");
                run_until(f->event, &enrolled.calls, WAIT_MS);
                assert_int_equal(enrolled.status, 0);
        }
        expect_invalid(f, SCANNER, enrolled.data, enrolled.data_len, TEMPLATE_FORMAT, 7,
                       "enrolled for another finger");
        /* ...and another driver's scanner refuses it altogether. */
        expect_invalid(f, IMAGER, enrolled.data, enrolled.data_len, TEMPLATE_FORMAT, 0,
                       "enrolled with libfprint driver 'virtual_device', this scanner uses "
                       "'virtual_image'");

        /* The driver named in a template is the caller's text, not ours: however long, it
         * gives a refusal now, not an answer egated cannot take and a deadline that faults
         * the scanner. */
        {
                g_autofree char *driver = g_strnfill(2000, 'x');
                g_autoptr(GBytes) foreign = template_with_driver(&enrolled, driver);
                gsize len = 0;
                const void *data = g_bytes_get_data(foreign, &len);

                expect_invalid(f, SCANNER, data, len, TEMPLATE_FORMAT, 0,
                               "enrolled with libfprint driver 'xxxx");
                assert_int_equal(eg_device_find(f->manager, SCANNER)->state, EG_DEVICE_ONLINE);
        }

        /* None of that reached libfprint: the scanner still verifies. */
        verify(f, &enrolled, "SCAN alice", &l);
        assert_int_equal(l.status, 0);
        assert_true(l.match);
        outcome_clear(&enrolled);
        outcome_clear(&l);
}

static void test_finger_events(void **state) {
        struct fixture *f = *state;
        struct outcome_log enrolled = { .fd = -1 }, l = { .fd = -1 };
        unsigned present, removed;

        enroll(f, "alice", &enrolled);
        run_until(f->event, NULL, 20); /* let the enrolment's events arrive */
        present = f->events.finger_present;
        removed = f->events.finger_removed;
        assert_true(present >= 1); /* every stage is a touch */

        verify(f, &enrolled, "SCAN alice", &l);
        run_until(f->event, NULL, 20);
        assert_int_equal(f->events.finger_present, present + 1);
        assert_int_equal(f->events.finger_removed, removed + 1);
        assert_false(eg_device_find(f->manager, SCANNER)->finger_present);
        outcome_clear(&enrolled);
        outcome_clear(&l);
}

/*
 * libfprint runs NBIS minutiae detection on every capture and answers "retry"
 * when it finds none, so the test image needs ridges with minutiae: parallel
 * ridges ~9 px apart (500 dpi) with six dislocations, each a ridge ending or
 * bifurcation.
 */
#define IMAGE_SIZE 256
static void synthetic_fingerprint(uint8_t *pixels) {
        static const double cx[] = { 70, 180, 120, 60, 200, 130 };
        static const double cy[] = { 60, 80, 130, 190, 200, 230 };

        for (int y = 0; y < IMAGE_SIZE; y++)
                for (int x = 0; x < IMAGE_SIZE; x++) {
                        double phase = 2 * M_PI * (x * 0.8 + y * 0.6) / 9.0;

                        for (int k = 0; k < 6; k++)
                                phase += (k % 2 ? -1 : 1) * atan2(y - cy[k], x - cx[k]);
                        pixels[y * IMAGE_SIZE + x] = (uint8_t) (127.5 + 127.5 * cos(phase));
                }
}

static void test_capture_image(void **state) {
        struct fixture *f = *state;
        struct outcome_log l = { .fd = -1 };
        const int32_t size[2] = { IMAGE_SIZE, IMAGE_SIZE };
        static uint8_t pixels[IMAGE_SIZE * IMAGE_SIZE], file[sizeof(pixels) + 64];
        static const char header[] = "P5\n256 256\n255\n";
        int fd, seals;
        ssize_t n;

        synthetic_fingerprint(pixels);
        assert_int_equal(start(f, IMAGER, EG_OP_FINGER_CAPTURE, NULL, 0, NULL, &l, NULL), 0);
        /* virtual_image protocol: width and height as native int32, then the pixels. */
        fd = connect_virtual(f, f->image_socket);
        assert_int_equal(write(fd, size, sizeof(size)), (ssize_t) sizeof(size));
        assert_int_equal(write(fd, pixels, sizeof(pixels)), (ssize_t) sizeof(pixels));
        run_until(f->event, &l.calls, WAIT_MS);
        close(fd);

        assert_int_equal(l.calls, 1);
        if (l.status != 0)
                fail_msg("capture failed: %s", l.message);
        assert_string_equal(l.format, "image/x-portable-graymap");
        assert_true(l.fd >= 0);
        seals = fcntl(l.fd, F_GET_SEALS);
        assert_true(seals >= 0);
        assert_true(seals & F_SEAL_WRITE);
        assert_true(seals & F_SEAL_SHRINK);
        n = pread(l.fd, file, sizeof(file), 0);
        assert_int_equal(n, (ssize_t) (strlen(header) + sizeof(pixels)));
        assert_memory_equal(file, header, strlen(header));
        assert_memory_equal(file + strlen(header), pixels, sizeof(pixels));
        outcome_clear(&l);
}

static void test_declarations(void **state) {
        struct fixture *f =
                fixture_new("[device.scanner]\nplugin = fprint\nclass = fingerprint-scanner\n"
                            "device-id = 0\ndriver = virtual_device\n"
                            "[device.second]\nplugin = fprint\nclass = fingerprint-scanner\n"
                            "driver = virtual_device\n"
                            "[device.unknown]\nplugin = fprint\nclass = fingerprint-scanner\n"
                            "driver = no_such_driver\n"
                            "[device.typo]\nplugin = fprint\nclass = fingerprint-scanner\n"
                            "drvier = virtual_device\n",
                            NULL);

        *state = f;
        /* The first declaration takes the only virtual_device; nothing is shared. */
        assert_non_null(eg_device_find(f->manager, SCANNER));
        assert_null(eg_device_find(f->manager, "fprint-second"));
        assert_null(eg_device_find(f->manager, "fprint-unknown"));
        assert_null(eg_device_find(f->manager, "fprint-typo"));
}

static void test_open_failure_faults(void **state) {
        struct fixture *f = fixture_new(default_devices, "/nonexistent-egate-dir/device.sock");
        struct outcome_log l = { .fd = -1 };
        struct eg_device *d;

        *state = f;
        run_until(f->event, &f->events.faults, WAIT_MS);
        assert_int_equal(f->events.faults, 1);
        assert_non_null(strstr(f->events.fault, "cannot open the fingerprint device"));
        d = eg_device_find(f->manager, SCANNER);
        assert_non_null(d);
        assert_int_equal(d->state, EG_DEVICE_FAULTED);

        assert_int_equal(start(f, SCANNER, EG_OP_FINGER_ENROLL, NULL, 0, NULL, &l, NULL), 0);
        run_until(f->event, &l.calls, WAIT_MS);
        assert_int_equal(l.status, -EIO);
        assert_non_null(strstr(l.message, "cannot open the fingerprint device"));
        outcome_clear(&l);
}

/* libfprint needs GLib's default context; the plugin will not share it. */
static void test_default_context_taken(void **state) {
        struct fixture *f;

        assert_true(g_main_context_acquire(NULL));
        f = fixture_new(default_devices, NULL);
        *state = f;
        assert_null(eg_device_find(f->manager, SCANNER));
        g_main_context_release(NULL);
}

static int teardown_own(void **state) {
        return *state ? teardown(state) : 0;
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_devices, setup, teardown),
                cmocka_unit_test_setup_teardown(test_enroll, setup, teardown),
                cmocka_unit_test_setup_teardown(test_verify_match_and_mismatch, setup, teardown),
                cmocka_unit_test_setup_teardown(test_verify_retry_and_error, setup, teardown),
                cmocka_unit_test_setup_teardown(test_slow_scan_keeps_loop_running, setup, teardown),
                cmocka_unit_test_setup_teardown(test_cancel_then_reuse, setup, teardown),
                cmocka_unit_test_setup_teardown(test_unplug, setup, teardown),
                cmocka_unit_test_setup_teardown(test_shutdown_during_verify, setup, teardown),
                cmocka_unit_test_setup_teardown(test_bad_templates, setup, teardown),
                cmocka_unit_test_setup_teardown(test_finger_events, setup, teardown),
                cmocka_unit_test_setup_teardown(test_capture_image, setup, teardown),
                cmocka_unit_test_teardown(test_declarations, teardown_own),
                cmocka_unit_test_teardown(test_open_failure_faults, teardown_own),
                cmocka_unit_test_teardown(test_default_context_taken, teardown_own),
        };

        log_set_max_level(getenv("EGATE_TEST_DEBUG") ? LOG_DEBUG : LOG_WARNING);
        return cmocka_run_group_tests(tests, NULL, NULL);
}
