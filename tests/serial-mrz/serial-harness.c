/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "serial-harness.h"

static int saved_stderr = -1;
static int capture_fd = -1;

uint64_t harness_now_ms(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000u + (uint64_t) ts.tv_nsec / 1000000u;
}

void pty_peer_open(struct pty_peer *p) {
        struct termios t;

        p->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
        assert_true(p->master >= 0);
        assert_int_equal(grantpt(p->master), 0);
        assert_int_equal(unlockpt(p->master), 0);
        assert_int_equal(ptsname_r(p->master, p->path, sizeof(p->path)), 0);
        /* Written in small steps with the loop running in between, never blocking. */
        assert_int_equal(fcntl(p->master, F_SETFL, O_NONBLOCK), 0);
        p->slave = open(p->path, O_RDWR | O_NOCTTY | O_CLOEXEC);
        assert_true(p->slave >= 0);
        /* Raw from the start: no echo piling up on the master, no CR -> NL before the plugin
         * configures the port itself. */
        assert_int_equal(tcgetattr(p->slave, &t), 0);
        cfmakeraw(&t);
        assert_int_equal(tcsetattr(p->slave, TCSANOW, &t), 0);
}

void pty_peer_close(struct pty_peer *p) {
        if (p->slave >= 0)
                close(p->slave);
        if (p->master >= 0)
                close(p->master);
        p->slave = p->master = -1;
}

static void relink(struct harness *h) {
        char tmp[160];

        (void) snprintf(tmp, sizeof(tmp), "%s.new", h->link);
        (void) unlink(tmp);
        assert_int_equal(symlink(h->pty.path, tmp), 0);
        assert_int_equal(rename(tmp, h->link), 0); /* atomic, as udev does it */
}

void harness_init(struct harness *h) {
        *h = (struct harness){ .pty = { .master = -1, .slave = -1 } };
        (void) snprintf(h->dir, sizeof(h->dir), "/tmp/egate-serial-mrz-XXXXXX");
        assert_non_null(mkdtemp(h->dir));
        (void) snprintf(h->link, sizeof(h->link), "%s/reader", h->dir);
        pty_peer_open(&h->pty);
        relink(h);
        assert_int_equal(sd_event_new(&h->event), 0);
}

void harness_done(struct harness *h) {
        if (saved_stderr >= 0)
                free(log_capture_stop()); /* a test failed while capturing: give stderr back */
        eg_manager_free(h->manager);
        h->manager = NULL;
        sd_event_unref(h->event);
        pty_peer_close(&h->pty);
        (void) unlink(h->link);
        (void) rmdir(h->dir);
}

static void on_event(struct eg_device *d, const struct eg_event *e, void *userdata) {
        struct harness *h = userdata;
        struct reader_events *ev = streq(d->id, READER_ID) ? &h->ev : &h->other;

        switch (e->type) {
        case EG_EVENT_DOCUMENT_PRESENT:
                ev->present++;
                break;
        case EG_EVENT_DOCUMENT_REMOVED:
                ev->removed++;
                break;
        case EG_EVENT_FAULT:
                ev->fault++;
                (void) snprintf(ev->fault_message, sizeof(ev->fault_message), "%s",
                                e->message ? e->message : "");
                break;
        case EG_EVENT_RECOVERED:
                ev->recovered++;
                break;
        default:
                break;
        }
}

static void start_config(struct harness *h, const char *text) {
        struct eg_config_errors errors = {};
        struct eg_manager_listener listener = { .device_event = on_event, .userdata = h };
        struct eg_config *c = NULL;

        if (eg_config_load_string("serial-mrz.conf", text, &c, &errors) < 0)
                for (size_t i = 0; i < errors.n; i++)
                        fprintf(stderr, "%s\n", errors.messages[i]);
        assert_int_equal(errors.n, 0);
        eg_config_errors_clear(&errors);
        assert_non_null(c);
        assert_int_equal(eg_manager_new(h->event, c, NULL, &h->manager), 0);
        assert_int_equal(eg_manager_add_listener(h->manager, &listener), 0);
        assert_int_equal(eg_manager_start(h->manager), 0);
}

void harness_start_section(struct harness *h, const char *class_name, const char *body) {
        const char *dir = getenv("EGATE_TEST_PLUGIN_DIR");
        char *text = NULL;

        assert_non_null(dir);
        assert_true(asprintf(&text,
                             "[daemon]\nplugin-dirs = %s\noperation-timeout-ms = 2000\n"
                             "[device.reader]\nplugin = serial-mrz\nclass = %s\n%s",
                             dir, class_name, body) > 0);
        start_config(h, text);
        free(text);
}

void harness_start_no_device(struct harness *h) {
        const char *dir = getenv("EGATE_TEST_PLUGIN_DIR");
        char *text = NULL;

        assert_non_null(dir);
        assert_true(asprintf(&text, "[daemon]\nplugin-dirs = %s\n", dir) > 0);
        start_config(h, text);
        free(text);
}

void harness_start(struct harness *h, const char *extra) {
        char *body = NULL;

        assert_true(asprintf(&body, "device = %s\n%s", h->link, extra ? extra : "") > 0);
        harness_start_section(h, "document-reader", body);
        free(body);
}

void harness_run(struct harness *h, unsigned ms) {
        uint64_t end = harness_now_ms() + ms;

        while (harness_now_ms() < end)
                assert_true(sd_event_run(h->event, 5 * 1000) >= 0);
}

bool harness_run_until(struct harness *h, const unsigned *counter, unsigned target, unsigned ms) {
        uint64_t end = harness_now_ms() + ms;

        while (*counter < target && harness_now_ms() < end)
                assert_true(sd_event_run(h->event, 5 * 1000) >= 0);
        return *counter >= target;
}

void harness_write(struct harness *h, const void *data, size_t n) {
        const uint8_t *p = data;
        uint64_t end = harness_now_ms() + 3000;

        while (n > 0) {
                ssize_t k = write(h->pty.master, p, n);

                if (k < 0) {
                        assert_true(errno == EAGAIN || errno == EINTR);
                        assert_true(harness_now_ms() < end); /* the plugin stopped reading */
                        assert_true(sd_event_run(h->event, 5 * 1000) >= 0);
                        continue;
                }
                p += k;
                n -= (size_t) k;
        }
}

void harness_write_str(struct harness *h, const char *s) {
        harness_write(h, s, strlen(s));
}

void harness_unplug(struct harness *h) {
        pty_peer_close(&h->pty);
        /* Like a by-id link when the USB device goes: the plugin must not find a recycled
         * /dev/pts/N of some other program behind the old link. */
        (void) unlink(h->link);
}

void harness_plug(struct harness *h) {
        pty_peer_open(&h->pty);
        relink(h);
}

static void on_done(struct eg_manager *m, const char *device_id, eg_op_id op,
                    struct eg_op_outcome *o, void *userdata) {
        struct op_result *r = userdata;

        r->calls++;
        r->status = o->status;
        (void) snprintf(r->text, sizeof(r->text), "%s", o->text ? o->text : "");
        (void) snprintf(r->message, sizeof(r->message), "%s", o->message ? o->message : "");
}

int harness_read_start(struct harness *h, const char *device, uint32_t timeout_ms,
                       struct op_result *o) {
        struct eg_op_args a = { .size = sizeof(a), .kind = EG_OP_DOCUMENT_READ_MRZ };

        *o = (struct op_result){};
        return eg_operation_start(h->manager, device, &a, timeout_ms, on_done, o, NULL);
}

void harness_read(struct harness *h, const char *device, uint32_t timeout_ms, struct op_result *o) {
        assert_int_equal(harness_read_start(h, device, timeout_ms, o), 0);
        assert_true(harness_run_until(h, &o->calls, 1, timeout_ms + 1000));
        harness_run(h, 10); /* exactly once: nothing may follow */
        assert_int_equal(o->calls, 1);
}

enum eg_device_state harness_state(struct harness *h, const char *device) {
        struct eg_device *d = eg_device_find(h->manager, device);

        assert_non_null(d);
        return d->state;
}

void log_capture_start(void) {
        assert_int_equal(saved_stderr, -1);
        capture_fd = memfd_create("egate-test-log", MFD_CLOEXEC);
        assert_true(capture_fd >= 0);
        saved_stderr = dup(STDERR_FILENO);
        assert_true(saved_stderr >= 0);
        assert_true(dup2(capture_fd, STDERR_FILENO) >= 0);
}

char *log_capture_stop(void) {
        off_t size = lseek(capture_fd, 0, SEEK_END);
        char *text;

        assert_true(dup2(saved_stderr, STDERR_FILENO) >= 0);
        close(saved_stderr);
        saved_stderr = -1;
        assert_true(size >= 0);
        text = calloc(1, (size_t) size + 1);
        assert_non_null(text);
        assert_int_equal(pread(capture_fd, text, (size_t) size, 0), size);
        close(capture_fd);
        capture_fd = -1;
        if (getenv("EGATE_TEST_DEBUG"))
                fprintf(stderr, "%s", text);
        return text;
}
