/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A device's life on the GLib thread: open once, run one libfprint action at
 * a time from the pending queue, report the finger and unplugging, close.
 */
#include <errno.h>
#include <string.h>

#include "egate-fprint.h"

#define UNPLUGGED_MESSAGE "fingerprint device unplugged"

void fprint_emit(struct fprint_device *d, enum eg_event_type type, const char *message) {
        struct eg_event e = { .size = sizeof(e), .type = type, .message = message };

        (void) eg_host_emit(d->plugin->host, d->id, &e);
}

static void fail_pending(struct fprint_device *d, int status, const char *message) {
        struct fprint_request *req;

        while ((req = g_queue_pop_head(&d->pending))) {
                fprint_request_fail(req, status, message);
                fprint_request_free(req);
        }
}

static void run_next(struct fprint_device *d) {
        while (!d->running && d->state == FPRINT_DEVICE_OPEN && !d->closing) {
                struct fprint_request *req = g_queue_pop_head(&d->pending);

                if (!req)
                        return;
                d->running = req;
                if (!fprint_operation_begin(req))
                        fprint_request_free(g_steal_pointer(&d->running)); /* answered already */
        }
}

static void finish_close(struct fprint_device *d) {
        struct fprint_plugin *p = d->plugin;

        p->live_devices = g_list_remove(p->live_devices, d);
        fprint_device_free(d);
        fprint_closing_done(p);
}

static void on_closed(GObject *source, GAsyncResult *res, gpointer userdata) {
        struct fprint_device *d = userdata;
        g_autoptr(GError) error = NULL;

        /* A removed device refuses to close cleanly; it is gone either way. */
        if (!fp_device_close_finish(FP_DEVICE(source), res, &error) &&
            d->state != FPRINT_DEVICE_REMOVED)
                eg_host_log(d->plugin->host, EG_LOG_WARNING, "%s: close failed: %s", d->name,
                            error->message);
        finish_close(d);
}

static void close_now(struct fprint_device *d) {
        if (d->fp && fp_device_is_open(d->fp))
                fp_device_close(d->fp, NULL, on_closed, d);
        else
                finish_close(d);
}

static void mark_broken(struct fprint_device *d, const char *reason) {
        d->state = FPRINT_DEVICE_BROKEN;
        g_free(d->broken_reason);
        d->broken_reason = g_strdup(reason);
        eg_host_log(d->plugin->host, EG_LOG_ERROR, "%s: %s", d->name, reason);
        fprint_emit(d, EG_EVENT_FAULT, reason);
        fail_pending(d, -EIO, reason);
}

static void on_opened(GObject *source, GAsyncResult *res, gpointer userdata) {
        struct fprint_device *d = userdata;
        g_autoptr(GError) error = NULL;
        g_autofree char *reason = NULL;
        bool ok = fp_device_open_finish(FP_DEVICE(source), res, &error);

        g_clear_object(&d->open_cancellable);
        if (d->closing) {
                close_now(d);
                return;
        }
        if (!ok) {
                if (d->state == FPRINT_DEVICE_REMOVED)
                        return;
                reason = g_strdup_printf("cannot open the fingerprint device: %s", error->message);
                mark_broken(d, reason);
                return;
        }
        if (d->state == FPRINT_DEVICE_OPENING)
                d->state = FPRINT_DEVICE_OPEN;
        eg_host_log(d->plugin->host, EG_LOG_INFO, "%s: %s (%s) open", d->name, d->candidate->name,
                    d->candidate->driver);
        run_next(d);
}

static void on_finger_status(GObject *object, GParamSpec *pspec, gpointer userdata) {
        struct fprint_device *d = userdata;
        bool present = (fp_device_get_finger_status(d->fp) & FP_FINGER_STATUS_PRESENT) != 0;

        if (present == d->finger_present)
                return;
        d->finger_present = present;
        fprint_emit(d, present ? EG_EVENT_FINGER_PRESENT : EG_EVENT_FINGER_REMOVED, NULL);
}

/*
 * libfprint notifies "removed" at once, but emits the "removed" signal only
 * after the action in progress ends, which on some drivers (the 1.94 virtual
 * device waiting for a scan) is never: so act on the notification.
 */
static void on_removed(GObject *object, GParamSpec *pspec, gpointer userdata) {
        struct fprint_device *d = userdata;
        gboolean removed = FALSE;

        g_object_get(object, "removed", &removed, NULL);
        if (!removed || d->state == FPRINT_DEVICE_REMOVED)
                return;
        d->state = FPRINT_DEVICE_REMOVED;
        eg_host_log(d->plugin->host, EG_LOG_WARNING, "%s: %s", d->name, UNPLUGGED_MESSAGE);
        fprint_emit(d, EG_EVENT_FAULT, UNPLUGGED_MESSAGE);
        if (d->running) {
                fprint_request_fail(d->running, -ENODEV, UNPLUGGED_MESSAGE);
                g_cancellable_cancel(d->running->cancellable);
        }
        fail_pending(d, -ENODEV, UNPLUGGED_MESSAGE);
        /* Removing a device from the registry is main-thread work. */
        fprint_post_removal(d->plugin, d->id);
}

void fprint_device_open(struct fprint_device *d) {
        d->fp = g_object_ref(d->candidate->fp);
        d->state = FPRINT_DEVICE_OPENING;
        d->finger_handler =
                g_signal_connect(d->fp, "notify::finger-status", G_CALLBACK(on_finger_status), d);
        d->removed_handler = g_signal_connect(d->fp, "notify::removed", G_CALLBACK(on_removed), d);
        d->open_cancellable = g_cancellable_new();
        fp_device_open(d->fp, d->open_cancellable, on_opened, d);
}

void fprint_device_submit(struct fprint_device *d, struct fprint_request *req) {
        switch (d->state) {
        case FPRINT_DEVICE_BROKEN:
                fprint_request_fail(req, -EIO, d->broken_reason);
                fprint_request_free(req);
                return;
        case FPRINT_DEVICE_REMOVED:
                fprint_request_fail(req, -ENODEV, UNPLUGGED_MESSAGE);
                fprint_request_free(req);
                return;
        case FPRINT_DEVICE_OPENING:
        case FPRINT_DEVICE_OPEN:
                break;
        }
        g_queue_push_tail(&d->pending, req);
        run_next(d);
}

/* egated has already answered its caller: stop the work, send nothing. */
void fprint_device_cancel(struct fprint_device *d, eg_op_id op) {
        if (d->running && d->running->op == op) {
                d->running->answered = true;
                g_cancellable_cancel(d->running->cancellable);
                return;
        }
        for (GList *l = d->pending.head; l; l = l->next) {
                struct fprint_request *req = l->data;

                if (req->op == op) {
                        g_queue_delete_link(&d->pending, l);
                        fprint_request_free(req);
                        return;
                }
        }
}

/* Called by an operation's callback once it has answered. */
void fprint_device_action_done(struct fprint_device *d) {
        fprint_request_free(g_steal_pointer(&d->running));
        if (d->closing)
                close_now(d);
        else
                run_next(d);
}

void fprint_device_close(struct fprint_device *d) {
        struct fprint_request *req;

        d->closing = true;
        if (d->finger_handler)
                g_clear_signal_handler(&d->finger_handler, d->fp);
        if (d->removed_handler)
                g_clear_signal_handler(&d->removed_handler, d->fp);
        while ((req = g_queue_pop_head(&d->pending)))
                fprint_request_free(req);

        /* Let libfprint finish what it is doing; its callback closes the device. */
        if (d->running) {
                d->running->answered = true;
                g_cancellable_cancel(d->running->cancellable);
                return;
        }
        if (d->open_cancellable) {
                g_cancellable_cancel(d->open_cancellable);
                return;
        }
        close_now(d);
}

void fprint_device_free(struct fprint_device *d) {
        struct fprint_request *req;

        if (!d)
                return;
        if (d->finger_handler)
                g_clear_signal_handler(&d->finger_handler, d->fp);
        if (d->removed_handler)
                g_clear_signal_handler(&d->removed_handler, d->fp);
        while ((req = g_queue_pop_head(&d->pending)))
                fprint_request_free(req);
        g_clear_object(&d->open_cancellable);
        g_clear_object(&d->fp);
        g_free(d->broken_reason);
        g_free(d->name);
        g_free(d);
}
