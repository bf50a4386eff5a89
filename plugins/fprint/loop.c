/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The GLib thread and the two mailboxes between it and egated's main thread.
 *
 * libfprint does all its I/O through GLib sources, so it gets a thread of its
 * own that runs a GMainLoop.  That loop has to be on GLib's *global default*
 * context, not a private one: libfprint 1.94 iterates the global default
 * context in fp_context_enumerate() and posts USB hotplug and device-removed
 * work there with g_idle_add(), so with a private context enumeration never
 * finishes and unplugging goes unnoticed.  The thread therefore acquires the
 * default context for as long as the plugin runs; nothing else in egated
 * uses it.  egated's loop never waits for the thread: requests are queued in
 * the inbox and an idle source on that context drains them in order.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "egate-fprint.h"

static void maybe_quit(struct fprint_plugin *p) {
        if (p->quitting && p->n_closing == 0)
                g_main_loop_quit(p->loop);
}

static gboolean on_close_timeout(gpointer userdata) {
        struct fprint_plugin *p = userdata;

        eg_host_log(p->host, EG_LOG_WARNING,
                    "%u fingerprint device(s) did not close within %d ms; stopping anyway",
                    p->n_closing, FPRINT_CLOSE_TIMEOUT_MS);
        g_main_loop_quit(p->loop);
        return G_SOURCE_REMOVE;
}

void fprint_closing_done(struct fprint_plugin *p) {
        g_assert(p->n_closing > 0);
        p->n_closing--;
        maybe_quit(p);
}

static void handle_message(struct fprint_plugin *p, struct fprint_message *m) {
        switch (m->kind) {
        case FPRINT_MESSAGE_OPEN:
                p->live_devices = g_list_prepend(p->live_devices, m->device);
                fprint_device_open(m->device);
                break;
        case FPRINT_MESSAGE_START:
                fprint_device_submit(m->device, m->request);
                break;
        case FPRINT_MESSAGE_CANCEL:
                fprint_device_cancel(m->device, m->op);
                break;
        case FPRINT_MESSAGE_CLOSE:
                p->n_closing++;
                fprint_device_close(m->device);
                break;
        case FPRINT_MESSAGE_QUIT:
                p->quitting = true;
                /* Destroyed when the loop ends: the default context outlives us. */
                p->quit_timeout = g_timeout_source_new(FPRINT_CLOSE_TIMEOUT_MS);
                g_source_set_callback(p->quit_timeout, on_close_timeout, p, NULL);
                g_source_attach(p->quit_timeout, p->context);
                maybe_quit(p);
                break;
        }
}

static gboolean drain_inbox(gpointer userdata) {
        struct fprint_plugin *p = userdata;

        for (;;) {
                struct fprint_message *m;

                g_mutex_lock(&p->inbox_lock);
                m = g_queue_pop_head(&p->inbox);
                if (!m)
                        p->inbox_scheduled = false;
                g_mutex_unlock(&p->inbox_lock);
                if (!m)
                        break;
                handle_message(p, m);
                g_free(m);
        }
        return G_SOURCE_REMOVE;
}

/* Main thread.  One drain source at a time keeps the messages in order. */
void fprint_post(struct fprint_plugin *p, const struct fprint_message *m) {
        struct fprint_message *copy = g_memdup2(m, sizeof(*m));
        bool schedule;

        g_mutex_lock(&p->inbox_lock);
        g_queue_push_tail(&p->inbox, copy);
        schedule = !p->inbox_scheduled;
        p->inbox_scheduled = true;
        g_mutex_unlock(&p->inbox_lock);

        if (schedule) {
                GSource *idle = g_idle_source_new();

                g_source_set_priority(idle, G_PRIORITY_DEFAULT);
                g_source_set_callback(idle, drain_inbox, p, NULL);
                g_source_attach(idle, p->context);
                g_source_unref(idle);
        }
}

/* GLib thread: device removal is a main-thread-only host call. */
void fprint_post_removal(struct fprint_plugin *p, eg_device_id id) {
        static const uint64_t one = 1;

        g_mutex_lock(&p->outbox_lock);
        g_array_append_val(p->outbox, id);
        g_mutex_unlock(&p->outbox_lock);
        if (write(p->outbox_fd, &one, sizeof(one)) < 0) {
                /* Only a saturated counter fails, and then a wake-up is pending anyway. */
        }
}

static void snapshot_devices(struct fprint_plugin *p) {
        GPtrArray *devices = fp_context_get_devices(p->fp_context);

        p->n_candidates = devices ? devices->len : 0;
        p->candidates = g_new0(struct fprint_candidate, p->n_candidates);
        for (size_t i = 0; i < p->n_candidates; i++) {
                FpDevice *fp = g_ptr_array_index(devices, i);
                struct fprint_candidate *c = &p->candidates[i];

                c->fp = g_object_ref(fp);
                c->driver = g_strdup(fp_device_get_driver(fp));
                c->device_id = g_strdup(fp_device_get_device_id(fp));
                c->name = g_strdup(fp_device_get_name(fp));
                c->can_capture = fp_device_has_feature(fp, FP_DEVICE_FEATURE_CAPTURE);
                c->can_verify = fp_device_has_feature(fp, FP_DEVICE_FEATURE_VERIFY);
        }
}

/* GLib thread, after the loop stopped: drop every libfprint object. */
static void release_glib_side(struct fprint_plugin *p) {
        /* Devices egated never closed, or that outlived the close timeout.
         * The context is not iterated again, so no callback can reach them. */
        while (p->live_devices) {
                struct fprint_device *d = p->live_devices->data;

                p->live_devices = g_list_delete_link(p->live_devices, p->live_devices);
                if (d->running)
                        fprint_request_free(g_steal_pointer(&d->running));
                fprint_device_free(d);
        }
        for (size_t i = 0; i < p->n_candidates; i++)
                g_clear_object(&p->candidates[i].fp);
        g_clear_object(&p->fp_context);
}

static void plugin_free_shared(struct fprint_plugin *p) {
        struct fprint_message *m;

        while ((m = g_queue_pop_head(&p->inbox))) {
                if (m->request)
                        fprint_request_free(m->request);
                g_free(m);
        }
        for (size_t i = 0; i < p->n_candidates; i++) {
                g_free(p->candidates[i].driver);
                g_free(p->candidates[i].device_id);
                g_free(p->candidates[i].name);
        }
        g_free(p->candidates);
        if (p->outbox_fd >= 0)
                close(p->outbox_fd);
        g_array_unref(p->outbox);
        g_main_loop_unref(p->loop);
        g_main_context_unref(p->context);
        g_mutex_clear(&p->ready_lock);
        g_cond_clear(&p->ready_cond);
        g_mutex_clear(&p->inbox_lock);
        g_mutex_clear(&p->outbox_lock);
        g_free(p);
}

/* Run what is already due, so nothing queued by libfprint outlives it. */
static void drain_context(struct fprint_plugin *p) {
        for (unsigned i = 0; i < 100 && g_main_context_iteration(p->context, FALSE); i++)
                ;
}

static gpointer loop_thread(gpointer userdata) {
        struct fprint_plugin *p = userdata;
        bool abandoned, owned;

        owned = g_main_context_acquire(p->context);
        if (owned) {
                /* Creating the context enumerates USB, udev and virtual devices (the
                 * FP_VIRTUAL_* variables are read here). */
                p->fp_context = fp_context_new();
                fp_context_enumerate(p->fp_context);
                snapshot_devices(p);
        }

        g_mutex_lock(&p->ready_lock);
        p->ready = true;
        p->start_error = owned ? 0 : -EBUSY;
        abandoned = p->abandoned;
        g_cond_signal(&p->ready_cond);
        g_mutex_unlock(&p->ready_lock);
        if (!owned) {
                if (abandoned)
                        plugin_free_shared(p);
                return NULL;
        }

        if (!abandoned)
                g_main_loop_run(p->loop);
        if (p->quit_timeout) {
                g_source_destroy(p->quit_timeout);
                g_clear_pointer(&p->quit_timeout, g_source_unref);
        }

        drain_context(p);
        release_glib_side(p);
        drain_context(p);
        g_main_context_release(p->context);
        if (abandoned)
                plugin_free_shared(p);
        return NULL;
}

static void on_outbox(int fd, uint32_t revents, void *userdata) {
        struct fprint_plugin *p = userdata;
        GArray *ids;
        uint64_t counter;

        (void) read(fd, &counter, sizeof(counter));
        g_mutex_lock(&p->outbox_lock);
        ids = p->outbox;
        p->outbox = g_array_new(FALSE, FALSE, sizeof(eg_device_id));
        g_mutex_unlock(&p->outbox_lock);

        for (guint i = 0; i < ids->len; i++) {
                eg_device_id id = g_array_index(ids, eg_device_id, i);
                int r = eg_host_device_remove(p->host, id);

                /* -ENOENT: egated dropped it first (shutdown, reload). */
                if (r < 0 && r != -ENOENT)
                        eg_host_log(p->host, EG_LOG_WARNING,
                                    "cannot remove unplugged device %" PRIu64 ": %s", id,
                                    strerror(-r));
        }
        g_array_unref(ids);
}

/*
 * Main thread, from init.  Waits (bounded) for the first enumeration because
 * a device's operations depend on its features, which declare_device needs.
 * On failure `p` is gone: freed here, or, after -ETIMEDOUT (libfprint did
 * not finish in time), owned by the thread, which frees it when done.
 */
int fprint_loop_start(struct fprint_plugin *p) {
        g_autoptr(GError) error = NULL;
        gint64 deadline;
        bool ready;
        int r;

        p->context = g_main_context_ref(g_main_context_default());
        p->loop = g_main_loop_new(p->context, FALSE);
        g_mutex_init(&p->ready_lock);
        g_cond_init(&p->ready_cond);
        g_mutex_init(&p->inbox_lock);
        g_mutex_init(&p->outbox_lock);
        g_queue_init(&p->inbox);
        p->outbox = g_array_new(FALSE, FALSE, sizeof(eg_device_id));
        p->outbox_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (p->outbox_fd < 0) {
                r = -errno;
                plugin_free_shared(p);
                return r;
        }
        r = eg_host_io_add(p->host, p->outbox_fd, EPOLLIN, on_outbox, p, &p->outbox_source);
        if (r < 0) {
                plugin_free_shared(p);
                return r;
        }

        p->thread = g_thread_try_new("egate-fprint", loop_thread, p, &error);
        if (!p->thread) {
                eg_host_log(p->host, EG_LOG_ERROR, "cannot start the libfprint thread: %s",
                            error->message);
                eg_host_source_remove(p->host, p->outbox_source);
                plugin_free_shared(p);
                return -EAGAIN;
        }

        deadline = g_get_monotonic_time() + FPRINT_ENUMERATE_TIMEOUT_USEC;
        g_mutex_lock(&p->ready_lock);
        while (!p->ready)
                if (!g_cond_wait_until(&p->ready_cond, &p->ready_lock, deadline))
                        break;
        ready = p->ready;
        r = p->start_error;
        if (!ready) {
                /* Hand `p` to the thread: it frees everything once libfprint returns. */
                eg_host_source_remove(p->host, p->outbox_source);
                p->abandoned = true;
                g_thread_unref(p->thread);
        }
        g_mutex_unlock(&p->ready_lock);
        if (!ready)
                return -ETIMEDOUT;
        if (r < 0) {
                eg_host_log(p->host, EG_LOG_ERROR,
                            "GLib's default main context belongs to another thread; libfprint "
                            "needs it (is another GLib user in this process?)");
                g_thread_join(p->thread);
                eg_host_source_remove(p->host, p->outbox_source);
                plugin_free_shared(p);
        }
        return r;
}

/* Main thread, from shutdown: every device is closed (or closing) by now. */
void fprint_loop_stop(struct fprint_plugin *p) {
        fprint_post(p, &(struct fprint_message){ .kind = FPRINT_MESSAGE_QUIT });
        g_thread_join(p->thread);
        eg_host_source_remove(p->host, p->outbox_source);
        plugin_free_shared(p);
}
