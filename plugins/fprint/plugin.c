/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fprint: fingerprint scanners through libfprint 2.  The SDK entry points,
 * all on egated's main thread; none of them calls libfprint (see egate-fprint.h
 * and README.md for the thread design).
 *
 * egated.conf:
 *   [device.finger-scanner]
 *   plugin = fprint
 *   class = fingerprint-scanner
 *   driver = synaptics        ; optional: libfprint driver id
 *   device-id = 1-3           ; optional: libfprint device id
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "egate-fprint.h"

struct device_filter {
        const char *driver;
        const char *device_id;
};

/* ISO/IEC 19794-2 finger positions: 1-5 right thumb..little, 6-10 left. */
static bool finger_from_iso(int32_t iso, FpFinger *ret) {
        if (iso == 0)
                *ret = FP_FINGER_UNKNOWN;
        else if (iso >= 1 && iso <= 5)
                *ret = FP_FINGER_RIGHT_THUMB + (iso - 1);
        else if (iso >= 6 && iso <= 10)
                *ret = FP_FINGER_LEFT_THUMB + (iso - 6);
        else
                return false;
        return true;
}

static void complete_now(struct fprint_device *d, eg_op_id op, int status, const char *message) {
        struct eg_op_result r = {
                .size = sizeof(r), .status = status, .message = message, .fd = -1
        };

        (void) eg_host_complete(d->plugin->host, op, &r);
}

static int fprint_start(void *data, eg_op_id op, const struct eg_op_args *args) {
        struct fprint_device *d = data;
        struct fprint_request *req;
        eg_op_id idle = 0;
        FpFinger finger;
        char message[160];

        switch (args->kind) {
        case EG_OP_FINGER_VERIFY:
                if (!args->format || strcmp(args->format, FPRINT_TEMPLATE_FORMAT) != 0) {
                        snprintf(message, sizeof(message),
                                 "template format '%s' is not supported: this scanner verifies "
                                 "against " FPRINT_TEMPLATE_FORMAT " templates",
                                 args->format ? args->format : "(none)");
                        complete_now(d, op, -EINVAL, message);
                        return 0;
                }
                if (!args->data || args->data_len == 0) {
                        complete_now(d, op, -EINVAL, "no template to verify against");
                        return 0;
                }
                break;
        case EG_OP_FINGER_ENROLL:
        case EG_OP_FINGER_CAPTURE:
                break;
        default:
                return -EOPNOTSUPP;
        }
        if (!finger_from_iso(args->finger, &finger)) {
                snprintf(message, sizeof(message),
                         "finger position %d is not an ISO/IEC 19794-2 position (0-10)",
                         (int) args->finger);
                complete_now(d, op, -EINVAL, message);
                return 0;
        }
        /* One scanner, one finger: a second request waits for nobody. */
        if (!atomic_compare_exchange_strong(&d->active_op, &idle, op))
                return -EBUSY;

        req = g_new0(struct fprint_request, 1);
        req->device = d;
        req->op = op;
        req->kind = args->kind;
        req->finger = finger;
        req->cancellable = g_cancellable_new();
        if (args->kind == EG_OP_FINGER_VERIFY)
                req->template = g_bytes_new(args->data, args->data_len);
        fprint_post(d->plugin, &(struct fprint_message){
                                       .kind = FPRINT_MESSAGE_START, .device = d, .request = req });
        return 0;
}

static void fprint_cancel(void *data, eg_op_id op) {
        struct fprint_device *d = data;
        eg_op_id expected = op;

        (void) atomic_compare_exchange_strong(&d->active_op, &expected, 0);
        fprint_post(d->plugin, &(struct fprint_message){
                                       .kind = FPRINT_MESSAGE_CANCEL, .device = d, .op = op });
}

/* The GLib thread closes the libfprint device and frees `d` when it is done. */
static void fprint_close(void *data) {
        struct fprint_device *d = data;

        d->candidate->claimed = false;
        fprint_post(d->plugin,
                    &(struct fprint_message){ .kind = FPRINT_MESSAGE_CLOSE, .device = d });
}

static const struct eg_device_ops fprint_device_ops = {
        .size = sizeof(struct eg_device_ops),
        .start = fprint_start,
        .cancel = fprint_cancel,
        .close = fprint_close,
};

static int parse_properties(struct fprint_plugin *p, const struct eg_device_config *config,
                            struct device_filter *filter) {
        for (size_t i = 0; i < config->n_properties; i++) {
                const struct eg_property *prop = &config->properties[i];

                if (strcmp(prop->key, "driver") == 0)
                        filter->driver = prop->value;
                else if (strcmp(prop->key, "device-id") == 0)
                        filter->device_id = prop->value;
                else {
                        eg_host_log(p->host, EG_LOG_ERROR,
                                    "%s: unknown property '%s' (this plugin takes driver and "
                                    "device-id)",
                                    config->name, prop->key);
                        return -EINVAL;
                }
        }
        return 0;
}

static struct fprint_candidate *find_candidate(struct fprint_plugin *p,
                                               const struct device_filter *filter) {
        for (size_t i = 0; i < p->n_candidates; i++) {
                struct fprint_candidate *c = &p->candidates[i];

                if (c->claimed)
                        continue;
                if (filter->driver && g_strcmp0(filter->driver, c->driver) != 0)
                        continue;
                if (filter->device_id && g_strcmp0(filter->device_id, c->device_id) != 0)
                        continue;
                return c;
        }
        return NULL;
}

static void log_no_candidate(struct fprint_plugin *p, const char *name,
                             const struct device_filter *filter) {
        g_autoptr(GString) found = g_string_new(NULL);

        for (size_t i = 0; i < p->n_candidates; i++)
                g_string_append_printf(found, "%s%s driver=%s device-id=%s%s", i ? "," : "",
                                       p->candidates[i].name, p->candidates[i].driver,
                                       p->candidates[i].device_id,
                                       p->candidates[i].claimed ? " (in use)" : "");
        eg_host_log(p->host, EG_LOG_ERROR,
                    "%s: no free libfprint device with driver=%s device-id=%s; libfprint found: %s",
                    name, filter->driver ? filter->driver : "any",
                    filter->device_id ? filter->device_id : "any",
                    found->len ? found->str : "nothing");
}

static int fprint_declare_device(void *data, const struct eg_device_config *config) {
        struct fprint_plugin *p = data;
        struct device_filter filter = {};
        struct fprint_candidate *c;
        struct fprint_device *d;
        struct eg_device_desc desc;
        int r;

        if (config->device_class != EG_CLASS_FINGERPRINT_SCANNER) {
                eg_host_log(p->host, EG_LOG_ERROR,
                            "%s: this plugin only drives fingerprint scanners", config->name);
                return -EINVAL;
        }
        r = parse_properties(p, config, &filter);
        if (r < 0)
                return r;
        c = find_candidate(p, &filter);
        if (!c) {
                log_no_candidate(p, config->name, &filter);
                return -ENODEV;
        }

        d = g_new0(struct fprint_device, 1);
        d->plugin = p;
        d->candidate = c;
        d->name = g_strdup(config->name);
        g_queue_init(&d->pending);

        desc = (struct eg_device_desc){
                .size = sizeof(desc),
                .device_class = EG_CLASS_FINGERPRINT_SCANNER,
                .key = config->name, /* declared devices use their config name as key */
                .model = c->name,
                .supported_ops = EG_OP_BIT(EG_OP_FINGER_ENROLL) |
                                 (c->can_verify ? EG_OP_BIT(EG_OP_FINGER_VERIFY) : 0) |
                                 (c->can_capture ? EG_OP_BIT(EG_OP_FINGER_CAPTURE) : 0),
                .ops = &fprint_device_ops,
                .device_data = d,
        };
        r = eg_host_device_add(p->host, &desc, &d->id);
        if (r < 0) {
                fprint_device_free(d);
                return r;
        }
        c->claimed = true;
        /* Opening is asynchronous: a failure becomes an EG_EVENT_FAULT. */
        fprint_post(p, &(struct fprint_message){ .kind = FPRINT_MESSAGE_OPEN, .device = d });
        return 0;
}

static int fprint_init(struct eg_host *host, void **data) {
        struct fprint_plugin *p = g_new0(struct fprint_plugin, 1);
        int r;

        p->host = host;
        p->outbox_fd = -1;
        r = fprint_loop_start(p); /* frees p on failure */
        if (r < 0) {
                eg_host_log(host, EG_LOG_ERROR, "libfprint did not start: %s", strerror(-r));
                return r;
        }
        eg_host_log(host, EG_LOG_INFO, "libfprint found %zu device(s)", p->n_candidates);
        *data = p;
        return 0;
}

static void fprint_shutdown(void *data) {
        fprint_loop_stop(data);
}

EG_PLUGIN_DEFINE(.name = "fprint",
                 .version = "1.0.0",
                 .vendor = "egate project",
                 .classes = EG_CLASS_BIT(EG_CLASS_FINGERPRINT_SCANNER),
                 .matches = {
                         EG_MATCH_CONFIG_ENTRY,
                         EG_MATCH_UDEV_ENTRY("usb", "ID_EGATE_CLASS=fingerprint-scanner"),
                 }) = {
        .size = sizeof(struct eg_plugin_ops),
        .init = fprint_init,
        .shutdown = fprint_shutdown,
        .declare_device = fprint_declare_device,
};
