/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Enrol, verify and capture as libfprint actions, and the mapping of their
 * outcomes onto egate results.  GLib thread only.
 *
 * Templates and images are personal data: they go to egated in results and
 * never into a log line.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "egate-fprint.h"

void fprint_request_free(struct fprint_request *req) {
        if (!req)
                return;
        g_clear_pointer(&req->template, g_bytes_unref);
        g_clear_object(&req->cancellable);
        g_free(req);
}

/* Returns whether egated was handed the result (and with it any fd). */
static bool answer(struct fprint_request *req, const struct eg_op_result *result) {
        struct fprint_device *d = req->device;
        eg_op_id expected = req->op;
        int r;

        if (req->answered)
                return false;
        req->answered = true;
        /* Free the device for the next operation before egated hears of this
         * one, so a caller that starts again at once is not refused as busy. */
        (void) atomic_compare_exchange_strong(&d->active_op, &expected, 0);
        r = eg_host_complete(d->plugin->host, req->op, result);
        if (r < 0) {
                struct eg_op_result failed = { .size = sizeof(failed),
                                               .status = -EIO,
                                               .message = "the scanner's result could not be "
                                                          "passed on",
                                               .fd = -1 };

                /* Refused (too large, out of memory): the caller still gets an answer now,
                 * not the deadline that would fault a scanner which did nothing wrong.  The
                 * fd, if any, is egated's either way. */
                eg_host_log(d->plugin->host, EG_LOG_ERROR,
                            "%s: cannot pass on the result of operation %" PRIu64 ": %s", d->name,
                            req->op, strerror(-r));
                (void) eg_host_complete(d->plugin->host, req->op, &failed);
        }
        return true;
}

/* A template's driver name is the caller's text: shown cut short, in printable ASCII. */
static char *driver_for_message(const char *driver) {
        char *s = g_strndup(driver ? driver : "", 32);

        for (char *c = s; *c; c++)
                if (*c < 0x20 || *c > 0x7e || *c == '\'')
                        *c = '?';
        return s;
}

void fprint_request_answer(struct fprint_request *req, const struct eg_op_result *result) {
        (void) answer(req, result);
}

void fprint_request_fail(struct fprint_request *req, int status, const char *message) {
        struct eg_op_result r = {
                .size = sizeof(r), .status = status, .message = message, .fd = -1
        };

        (void) answer(req, &r);
}

static const char *retry_message(int code) {
        switch (code) {
        case FP_DEVICE_RETRY_TOO_SHORT:
                return "swipe too short";
        case FP_DEVICE_RETRY_CENTER_FINGER:
                return "finger not centred";
        case FP_DEVICE_RETRY_REMOVE_FINGER:
                return "remove and retry";
        case FP_DEVICE_RETRY_GENERAL:
        default:
                return "poor scan, try again";
        }
}

static void fail_with_error(struct fprint_request *req, const GError *error) {
        g_autofree char *message = NULL;

        if (error->domain == FP_DEVICE_RETRY) {
                fprint_request_fail(req, -EAGAIN, retry_message(error->code));
                return;
        }
        if (g_error_matches(error, FP_DEVICE_ERROR, FP_DEVICE_ERROR_REMOVED)) {
                fprint_request_fail(req, -ENODEV, "fingerprint device unplugged");
                return;
        }
        if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
                /* Only reached when nobody asked for it (egated ignores its own cancels). */
                fprint_request_fail(req, -ECANCELED, "cancelled");
                return;
        }
        if (g_error_matches(error, FP_DEVICE_ERROR, FP_DEVICE_ERROR_NOT_SUPPORTED)) {
                fprint_request_fail(req, -EOPNOTSUPP, error->message);
                return;
        }
        message = g_strdup_printf("fingerprint device error: %s", error->message);
        fprint_request_fail(req, -EIO, message);
}

static void on_enroll_progress(FpDevice *fp, gint stage, FpPrint *print, gpointer userdata,
                               GError *error) {
        struct fprint_request *req = userdata;
        struct fprint_device *d = req->device;

        /* libfprint asks for the stage again after a retry: the enrolment goes on. */
        if (error)
                eg_host_log(d->plugin->host, EG_LOG_INFO, "%s: enrol stage %d: %s, scanning again",
                            d->name, stage + 1, retry_message(error->code));
        else
                eg_host_log(d->plugin->host, EG_LOG_DEBUG, "%s: enrol stage %d of %d done", d->name,
                            stage, fp_device_get_nr_enroll_stages(fp));
}

static void on_enrolled(GObject *source, GAsyncResult *res, gpointer userdata) {
        struct fprint_request *req = userdata;
        struct fprint_device *d = req->device;
        g_autoptr(GError) error = NULL;
        g_autoptr(FpPrint) print = fp_device_enroll_finish(FP_DEVICE(source), res, &error);
        g_autofree guchar *data = NULL;
        gsize len = 0;

        if (!print)
                fail_with_error(req, error);
        else if (!fp_print_serialize(print, &data, &len, &error)) {
                g_autofree char *message =
                        g_strdup_printf("cannot serialise the enrolled print: %s", error->message);

                fprint_request_fail(req, -EIO, message);
        } else {
                struct eg_op_result r = { .size = sizeof(r),
                                          .data = data,
                                          .data_len = len,
                                          .format = FPRINT_TEMPLATE_FORMAT,
                                          .fd = -1 };

                fprint_request_answer(req, &r);
        }
        fprint_device_action_done(d);
}

static void begin_enroll(struct fprint_request *req) {
        struct fprint_device *d = req->device;
        FpPrint *template = fp_print_new(d->fp);

        fp_print_set_finger(template, req->finger);
        /* The template is floating: fp_device_enroll() takes it. */
        fp_device_enroll(d->fp, template, req->cancellable, on_enroll_progress, req, NULL,
                         on_enrolled, req);
}

static void on_verified(GObject *source, GAsyncResult *res, gpointer userdata) {
        struct fprint_request *req = userdata;
        struct fprint_device *d = req->device;
        g_autoptr(GError) error = NULL;
        gboolean match = FALSE;

        if (!fp_device_verify_finish(FP_DEVICE(source), res, &match, NULL, &error))
                fail_with_error(req, error);
        else {
                struct eg_op_result r = {
                        .size = sizeof(r),
                        .fd = -1,
                        .match = match,
                        .score = match ? FPRINT_SCORE_MATCH : FPRINT_SCORE_NO_MATCH,
                        .threshold = FPRINT_THRESHOLD,
                };

                fprint_request_answer(req, &r);
        }
        fprint_device_action_done(d);
}

static bool begin_verify(struct fprint_request *req) {
        struct fprint_device *d = req->device;
        g_autoptr(GError) error = NULL;
        g_autoptr(FpPrint) print = NULL;
        g_autofree char *message = NULL;
        const guchar *bytes;
        gsize len = 0;
        FpFinger finger;

        bytes = g_bytes_get_data(req->template, &len);
        print = fp_print_deserialize(bytes, len, &error);
        if (!print) {
                message = g_strdup_printf("template is not a serialised libfprint print (%s)",
                                          error->message);
                fprint_request_fail(req, -EINVAL, message);
                return false;
        }
        if (!fp_print_compatible(print, d->fp)) {
                g_autofree char *driver = driver_for_message(fp_print_get_driver(print));

                message = g_strdup_printf("template was enrolled with libfprint driver '%s', "
                                          "this scanner uses '%s'",
                                          driver, d->candidate->driver);
                fprint_request_fail(req, -EINVAL, message);
                return false;
        }
        finger = fp_print_get_finger(print);
        if (req->finger != FP_FINGER_UNKNOWN && finger != FP_FINGER_UNKNOWN &&
            finger != req->finger) {
                fprint_request_fail(req, -EINVAL, "template was enrolled for another finger");
                return false;
        }
        fp_device_verify(d->fp, print, req->cancellable, NULL, NULL, NULL, on_verified, req);
        return true;
}

static void on_captured(GObject *source, GAsyncResult *res, gpointer userdata) {
        struct fprint_request *req = userdata;
        struct fprint_device *d = req->device;
        g_autoptr(GError) error = NULL;
        g_autoptr(FpImage) image = fp_device_capture_finish(FP_DEVICE(source), res, &error);
        int fd = -1, r;

        if (!image)
                fail_with_error(req, error);
        else if ((r = fprint_image_to_memfd(image, &fd)) < 0) {
                g_autofree char *message =
                        g_strdup_printf("cannot store the captured image: %s", strerror(-r));

                fprint_request_fail(req, -EIO, message);
        } else {
                struct eg_op_result result = { .size = sizeof(result),
                                               .fd = fd,
                                               .format = FPRINT_IMAGE_FORMAT };

                /* egated owns the fd once handed over; otherwise it is ours to close. */
                if (!answer(req, &result))
                        close(fd);
        }
        fprint_device_action_done(d);
}

bool fprint_operation_begin(struct fprint_request *req) {
        switch (req->kind) {
        case EG_OP_FINGER_ENROLL:
                begin_enroll(req);
                return true;
        case EG_OP_FINGER_VERIFY:
                return begin_verify(req);
        case EG_OP_FINGER_CAPTURE:
                fp_device_capture(req->device->fp, TRUE, req->cancellable, on_captured, req);
                return true;
        default:
                fprint_request_fail(req, -EOPNOTSUPP, "not a fingerprint operation");
                return false;
        }
}
