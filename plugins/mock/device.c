/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What every mock device shares: the SDK entry points, the op list, fault
 * injection, latency, unplug/replug and crash. */
#include <stdio.h>

#include "mock.h"
#include "worker.h"

static const struct mock_class *class_for(enum eg_device_class c) {
        switch (c) {
        case EG_CLASS_DOCUMENT_READER:
                return &mock_document_reader_class;
        case EG_CLASS_CHIP_READER:
                return &mock_chip_reader_class;
        case EG_CLASS_FINGERPRINT_SCANNER:
                return &mock_fingerprint_class;
        case EG_CLASS_CAMERA:
                return &mock_camera_class;
        case EG_CLASS_DOOR:
                return &mock_door_class;
        case EG_CLASS_PRESENCE_SENSOR:
                return &mock_presence_class;
        case EG_CLASS_INDICATOR:
                return &mock_indicator_class;
        default:
                return NULL;
        }
}

uint32_t mock_device_latency(struct mock_device *d, unsigned timing) {
        if (d->latency_ms >= 0 && timing < EG_OP_MAX_)
                return (uint32_t) d->latency_ms;
        return mock_latency_ms(&d->plugin->latency, timing);
}

void mock_device_emit(struct mock_device *d, enum eg_event_type type, int64_t value,
                      const char *zone, const char *message) {
        struct eg_event ev = {
                .size = sizeof(ev),
                .type = type,
                .value = value,
                .zone = zone,
                .message = message,
        };

        if (!d->attached)
                return;
        (void) eg_host_emit(d->plugin->host, d->id, &ev);
}

static void op_free(struct mock_op *op) {
        free(op->data);
        free(op->format);
        free(op->zone);
        free(op);
}

static void release(struct mock_device *d, struct mock_op *op) {
        const struct mock_class *c = d->cls;

        if (!op->active)
                return;
        op->active = false;
        if (c->release)
                c->release(d, op);
}

void mock_op_forget(struct mock_op *op) {
        struct mock_device *d = op->device;

        release(d, op);
        for (struct mock_op **p = &d->ops; *p; p = &(*p)->next)
                if (*p == op) {
                        *p = op->next;
                        break;
                }
        mock_timer_stop(d->plugin, &op->timer);
        mock_timer_stop(d->plugin, &op->deadline);
        op_free(op);
}

void mock_op_complete(struct mock_op *op, struct eg_op_result *result) {
        struct mock_device *d = op->device;

        result->size = sizeof(*result);
        if (d->attached)
                (void) eg_host_complete(d->plugin->host, op->id, result);
        else if (result->fd >= 0)
                (void) close(result->fd);
        mock_op_forget(op);
}

void mock_op_end(struct mock_op *op, int status, const char *message) {
        struct eg_op_result r = {
                .status = status,
                .message = message,
                .fd = -1,
        };

        mock_op_complete(op, &r);
}

static void op_timer_fired(void *userdata) {
        struct mock_op *op = userdata;
        struct mock_device *d = op->device;

        mock_timer_fired(&op->timer);
        if (op->injected_error) {
                mock_op_end(op, -EIO, "injected fault");
                return;
        }
        d->cls->finish(d, op);
}

int mock_op_delay(struct mock_op *op, uint64_t delay_ms) {
        int r;

        delay_ms += op->extra_delay_ms;
        op->extra_delay_ms = 0; /* an injected delay applies once per op */
        op->state = MOCK_OP_DELAYING;
        r = mock_timer_start(op->device->plugin, &op->timer, delay_ms, op_timer_fired, op);
        if (r < 0) {
                mock_log(op->device->plugin, EG_LOG_ERROR, "device %s: cannot add a timer: %s",
                         op->device->key, strerror(-r));
                mock_op_end(op, -EIO, "mock: cannot add a timer");
        }
        return r;
}

/* The op stays until the daemon cancels it or the device goes away. */
static void op_hang(struct mock_op *op) {
        mock_timer_stop(op->device->plugin, &op->timer);
        mock_timer_stop(op->device->plugin, &op->deadline);
        op->state = MOCK_OP_HANGING;
}

static void drop_all_ops(struct mock_device *d) {
        mock_timer_stop(d->plugin, &d->removal);
        if (d->plugin->worker)
                mock_worker_drop_owner(d->plugin->worker, d);
        while (d->ops)
                mock_op_forget(d->ops);
}

static void removal_fired(void *userdata) {
        struct mock_device *d = userdata;

        mock_timer_fired(&d->removal);
        (void) mock_device_detach(d);
}

static void schedule_removal(struct mock_device *d) {
        /* Not from inside start(): the daemon is in the middle of a call on it. */
        int r = mock_timer_start(d->plugin, &d->removal, 0, removal_fired, d);
        if (r < 0)
                (void) mock_device_detach(d);
}

void mock_device_crash(struct mock_device *d) {
        if (d->crashed || !d->attached)
                return;

        mock_log(d->plugin, EG_LOG_WARNING, "device %s: simulated crash", d->key);
        d->crashed = true;
        if (d->plugin->worker)
                mock_worker_drop_owner(d->plugin->worker, d);
        for (struct mock_op *op = d->ops; op; op = op->next) {
                release(d, op);
                op_hang(op);
        }
        mock_device_emit(d, EG_EVENT_FAULT, 0, NULL, "mock crash");
        schedule_removal(d);
}

static int copy_args(struct mock_op *op, const struct eg_op_args *args) {
        op->kind = args->kind;
        op->timeout_ms = args->timeout_ms;
        op->finger = args->finger;
        op->light = args->light;
        op->colour = args->colour;
        op->pattern = args->pattern;
        op->buzzer = args->buzzer;
        op->message_id = args->message_id;

        if (args->data && args->data_len > 0) {
                if (args->data_len > 65536 + 9) /* the longest extended APDU */
                        return -EINVAL;
                op->data = malloc(args->data_len);
                if (!op->data)
                        return -ENOMEM;
                memcpy(op->data, args->data, args->data_len);
                op->data_len = args->data_len;
        }
        if (args->format) {
                op->format = strndup(args->format, 64);
                if (!op->format)
                        return -ENOMEM;
        }
        if (args->zone) {
                op->zone = strndup(args->zone, 64);
                if (!op->zone)
                        return -ENOMEM;
        }
        if (args->language)
                (void) snprintf(op->language, sizeof(op->language), "%s", args->language);
        return 0;
}

static int device_start(void *device_data, eg_op_id id, const struct eg_op_args *args) {
        struct mock_device *d = device_data;
        struct mock_fault_rule fault;
        struct mock_op *op;
        int r;

        if (!d->attached)
                return -ENODEV;
        if (!args || args->kind <= EG_OP_INVALID || args->kind >= EG_OP_MAX_ ||
            !(d->supported_ops & EG_OP_BIT(args->kind)))
                return -EOPNOTSUPP;

        if (d->door.one_command_at_a_time && d->ops) {
                /* Like a door controller that takes one command at a time: only the safe
                 * state may interrupt (gpio-door.c does the same). */
                if (args->kind != EG_OP_DOOR_SAFE_STATE)
                        return -EBUSY;
                while (d->ops)
                        mock_op_end(d->ops, -ECANCELED, "superseded by the safe state");
        }

        op = calloc(1, sizeof(*op));
        if (!op)
                return -ENOMEM;
        op->device = d;
        op->id = id;
        r = copy_args(op, args);
        if (r < 0) {
                op_free(op);
                return r;
        }
        /* Append: ops are listed in the order they started. */
        struct mock_op **tail = &d->ops;
        while (*tail)
                tail = &(*tail)->next;
        *tail = op;
        d->op_counter++;
        d->started[args->kind]++;

        if (d->crashed) {
                op->state = MOCK_OP_HANGING;
                return 0;
        }

        if (mock_faults_check(&d->faults, op->kind, &fault)) {
                mock_log(d->plugin, EG_LOG_NOTICE, "device %s: injecting fault '%s' into %s",
                         d->key, mock_fault_kind_to_string(fault.fault),
                         mock_op_to_string(op->kind));
                switch (fault.fault) {
                case MOCK_FAULT_ERROR:
                        op->injected_error = true;
                        (void) mock_op_delay(op, mock_device_latency(d, op->kind));
                        return 0;
                case MOCK_FAULT_DELAY:
                        op->extra_delay_ms = fault.delay_ms;
                        break;
                case MOCK_FAULT_HANG:
                        op->state = MOCK_OP_HANGING;
                        return 0;
                case MOCK_FAULT_UNPLUG:
                        op->state = MOCK_OP_HANGING;
                        schedule_removal(d);
                        return 0;
                case MOCK_FAULT_CRASH:
                        op->state = MOCK_OP_HANGING;
                        mock_device_crash(d);
                        return 0;
                default:
                        break;
                }
        }

        op->active = true;
        d->cls->begin(d, op);
        return 0;
}

static void device_cancel(void *device_data, eg_op_id id) {
        struct mock_device *d = device_data;

        if (d->plugin->worker)
                mock_worker_drop(d->plugin->worker, id);
        for (struct mock_op *op = d->ops; op; op = op->next)
                if (op->id == id) {
                        mock_op_forget(op);
                        return;
                }
}

static void device_close(void *device_data) {
        struct mock_device *d = device_data;

        if (!d->attached)
                return;
        drop_all_ops(d);
        d->attached = false;
        mock_log(d->plugin, EG_LOG_DEBUG, "device %s closed", d->key);
}

static const struct eg_device_ops device_ops = {
        .size = sizeof(struct eg_device_ops),
        .start = device_start,
        .cancel = device_cancel,
        .close = device_close,
};

int mock_device_new(struct mock_plugin *p, struct mock_lane *lane, const char *key,
                    enum eg_device_class device_class, enum mock_role role,
                    struct mock_device **ret) {
        const struct mock_class *cls = class_for(device_class);
        struct mock_device **devices;
        struct mock_device *d;

        if (!cls)
                return -EINVAL;
        if (mock_plugin_find_device(p, key))
                return -EEXIST;

        d = calloc(1, sizeof(*d));
        if (!d)
                return -ENOMEM;
        d->plugin = p;
        d->lane = lane;
        d->device_class = device_class;
        d->cls = cls;
        d->role = role;
        d->supported_ops = mock_class_supported_ops(device_class);
        d->fail_mode = EG_DOOR_FAIL_SECURE;
        d->latency_ms = -1;
        d->door.position = EG_DOOR_POSITION_CLOSED;
        d->door.lock = EG_DOOR_LOCK_LOCKED;
        d->key = strdup(key);
        if (!d->key) {
                free(d);
                return -ENOMEM;
        }

        devices = realloc(p->devices, (p->n_devices + 1) * sizeof(*devices));
        if (!devices) {
                free(d->key);
                free(d);
                return -ENOMEM;
        }
        p->devices = devices;
        p->devices[p->n_devices++] = d;
        *ret = d;
        return 0;
}

struct mock_device *mock_device_free(struct mock_device *d) {
        if (!d)
                return NULL;
        drop_all_ops(d);
        mock_chip_reader_done(d);
        free(d->key);
        free(d->zone);
        free(d);
        return NULL;
}

int mock_device_attach(struct mock_device *d) {
        struct mock_plugin *p = d->plugin;
        struct eg_device_desc desc = {
                .size = sizeof(desc),
                .device_class = d->device_class,
                .key = d->key,
                .vendor = "egate",
                .model = mock_class_model(d->device_class),
                .serial = d->key,
                .lane = d->lane && d->lane->config ? d->lane->name : NULL,
                .role = mock_role_to_string(d->role),
                .supported_ops = d->supported_ops,
                .fail_mode = d->fail_mode,
                .ops = &device_ops,
                .device_data = d,
        };
        int r;

        if (d->attached)
                return -EBUSY;
        r = eg_host_device_add(p->host, &desc, &d->id);
        if (r < 0) {
                mock_log(p, EG_LOG_ERROR, "device %s: the daemon refused it: %s", d->key,
                         strerror(-r));
                return r;
        }
        d->attached = true;
        d->crashed = false;
        d->cls->attached(d);
        return 0;
}

int mock_device_detach(struct mock_device *d) {
        int r;

        if (!d->attached)
                return -ENODEV;
        drop_all_ops(d);
        d->attached = false; /* before the call: the daemon may call close() from inside it */
        r = eg_host_device_remove(d->plugin->host, d->id);
        if (r < 0)
                mock_log(d->plugin, EG_LOG_WARNING, "device %s: removal failed: %s", d->key,
                         strerror(-r));
        return r;
}

struct mock_device *mock_plugin_find_device(struct mock_plugin *p, const char *key) {
        for (size_t i = 0; key && i < p->n_devices; i++)
                if (streq(p->devices[i]->key, key))
                        return p->devices[i];
        return NULL;
}
