/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pcsc: the SDK entry points and the main thread's bookkeeping (which device
 * uses which reader).  None of this calls PC/SC, not even shutdown(): the
 * SCardCancel() that stops the monitor runs on a thread of its own (see
 * pcsc-monitor.c, pcsc-plugin.h and README.md).
 *
 * egated.conf:
 *   [plugin.pcsc]
 *   auto-readers = true       ; every reader nobody declared becomes a device
 *   lane = A1                 ; lane and role suggested for those
 *   role = chip-reader
 *
 *   [device.chip]
 *   plugin = pcsc
 *   class = chip-reader
 *   reader = OMNIKEY          ; a substring of the PC/SC reader name; none: any reader
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pcsc-plugin.h"

#define DEVICE_OPS                                                                                 \
        (EG_OP_BIT(EG_OP_CHIP_CONNECT) | EG_OP_BIT(EG_OP_CHIP_TRANSMIT) |                          \
         EG_OP_BIT(EG_OP_CHIP_DISCONNECT))

static void emit(struct pcsc_device *d, enum eg_event_type type, const char *message) {
        struct eg_event e = { .size = sizeof(e), .type = type, .message = message };
        int r = eg_host_emit(d->plugin->host, d->id, &e);

        if (r < 0)
                eg_host_log(d->plugin->host, EG_LOG_WARNING,
                            "device %s: cannot report an event: %s", d->key, strerror(-r));
}

void pcsc_device_free(void *userdata) {
        struct pcsc_device *d = userdata;

        free(d->key);
        free(d->match);
        free(d);
}

/* --- devices and readers --- */

static bool reader_matches(const struct pcsc_device *d, const struct pcsc_reader *r) {
        return !d->match || strstr(r->name, d->match);
}

static struct pcsc_reader *reader_find(struct pcsc_plugin *p, const char *name) {
        for (struct pcsc_reader *r = p->readers; r; r = r->next)
                if (strcmp(r->name, name) == 0)
                        return r;
        return NULL;
}

static struct pcsc_reader *free_reader_for(struct pcsc_plugin *p, const struct pcsc_device *d) {
        for (struct pcsc_reader *r = p->readers; r; r = r->next)
                if (!r->device && reader_matches(d, r))
                        return r;
        return NULL;
}

static void bind(struct pcsc_device *d, struct pcsc_reader *r) {
        d->reader = r;
        r->device = d;
        eg_host_log(d->plugin->host, EG_LOG_INFO, "device %s uses PC/SC reader \"%s\"", d->key,
                    r->name);
        if (d->faulted) {
                d->faulted = false;
                emit(d, EG_EVENT_RECOVERED, NULL);
        }
        if (r->present)
                emit(d, EG_EVENT_CHIP_PRESENT, NULL);
}

static void unbind(struct pcsc_device *d, bool report) {
        struct pcsc_reader *r = d->reader;

        if (!r)
                return;
        if (report && r->present)
                emit(d, EG_EVENT_CHIP_REMOVED, NULL);
        r->device = NULL;
        d->reader = NULL;
}

static void report_missing_reader(struct pcsc_device *d) {
        char message[CHIP_MESSAGE_MAX];

        if (d->match)
                (void) snprintf(message, sizeof(message), "no PC/SC reader matching \"%s\"",
                                d->match);
        else
                (void) snprintf(message, sizeof(message), "no PC/SC reader");
        d->faulted = true;
        emit(d, EG_EVENT_FAULT, message);
}

static int device_new(struct pcsc_plugin *p, const char *key, const char *match, bool declared,
                      struct pcsc_device **ret);

/* Device ids must be stable: the key comes from the reader's name. */
static void reader_key(const char *name, char *key, size_t size) {
        size_t n = 0;

        for (const char *c = name; *c && n + 1 < size; c++) {
                bool ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                          (*c >= '0' && *c <= '9') || strchr("_-.:", *c);
                key[n++] = ok ? *c : '_';
        }
        key[n] = '\0';
}

static void auto_add(struct pcsc_plugin *p, struct pcsc_reader *r) {
        struct pcsc_device *d;
        char key[129];

        reader_key(r->name, key, sizeof(key));
        if (key[0] == '\0' || device_new(p, key, NULL, false, &d) < 0) {
                eg_host_log(p->host, EG_LOG_WARNING,
                            "PC/SC reader \"%s\" could not be added as a device", r->name);
                return;
        }
        bind(d, r);
}

static void reader_added(struct pcsc_plugin *p, const char *name) {
        struct pcsc_reader *r;

        if (reader_find(p, name))
                return;
        r = calloc(1, sizeof(*r));
        if (!r || !(r->name = strdup(name))) {
                free(r);
                eg_host_log(p->host, EG_LOG_ERROR, "out of memory: PC/SC reader \"%s\" ignored",
                            name);
                return;
        }
        r->next = p->readers;
        p->readers = r;
        eg_host_log(p->host, EG_LOG_INFO, "PC/SC reader \"%s\" attached", name);

        for (struct pcsc_device *d = p->devices; d; d = d->next)
                if (d->declared && !d->reader && reader_matches(d, r)) {
                        bind(d, r);
                        return;
                }
        if (p->auto_readers && p->started)
                auto_add(p, r);
}

static void reader_removed(struct pcsc_plugin *p, const char *name) {
        struct pcsc_reader *r = reader_find(p, name), **link;
        struct pcsc_device *d;
        int k;

        if (!r)
                return;
        eg_host_log(p->host, EG_LOG_INFO, "PC/SC reader \"%s\" detached", name);
        for (link = &p->readers; *link != r; link = &(*link)->next)
                ;
        *link = r->next;

        d = r->device;
        if (d) {
                unbind(d, true);
                if (!d->declared) {
                        /* close() runs inside and forgets the device. */
                        k = eg_host_device_remove(p->host, d->id);
                        if (k < 0 && k != -ENOENT)
                                eg_host_log(p->host, EG_LOG_WARNING, "cannot remove device %s: %s",
                                            d->key, strerror(-k));
                } else {
                        struct pcsc_reader *other = free_reader_for(p, d);

                        if (other)
                                bind(d, other);
                        else
                                report_missing_reader(d);
                }
        }
        free(r->name);
        free(r);
}

static void card_changed(struct pcsc_plugin *p, const char *name, bool present) {
        struct pcsc_reader *r = reader_find(p, name);

        if (!r || r->present == present)
                return;
        r->present = present;
        if (r->device)
                emit(r->device, present ? EG_EVENT_CHIP_PRESENT : EG_EVENT_CHIP_REMOVED, NULL);
}

void pcsc_handle_mail(void *userdata, const struct chip_mail *m) {
        struct pcsc_plugin *p = userdata;

        switch ((enum pcsc_mail_kind) m->kind) {
        case PCSC_MAIL_READER_ADDED:
                reader_added(p, m->text);
                break;
        case PCSC_MAIL_READER_REMOVED:
                reader_removed(p, m->text);
                break;
        case PCSC_MAIL_CARD:
                card_changed(p, m->text, m->value != 0);
                break;
        case PCSC_MAIL_SERVICE:
                if (m->value)
                        eg_host_log(p->host, EG_LOG_INFO, "connected to pcscd");
                else
                        eg_host_log(p->host, EG_LOG_WARNING,
                                    "pcscd cannot be reached (%s): chip readers appear when it "
                                    "runs",
                                    m->text ? m->text : "?");
                break;
        }
}

/* --- a device's entry points --- */

static int pcsc_start(void *data, eg_op_id op, const struct eg_op_args *args) {
        struct pcsc_device *d = data;

        switch (args->kind) {
        case EG_OP_CHIP_TRANSMIT:
                if (!args->data || args->data_len == 0)
                        return -EINVAL;
                break;
        case EG_OP_CHIP_CONNECT:
        case EG_OP_CHIP_DISCONNECT:
                break;
        default:
                return -EOPNOTSUPP;
        }
        return chip_worker_submit(d->worker, op, args, d->reader ? d->reader->name : NULL);
}

static void pcsc_cancel(void *data, eg_op_id op) {
        struct pcsc_device *d = data;

        chip_worker_cancel(d->worker, op);
}

static void pcsc_close(void *data) {
        struct pcsc_device *d = data;
        struct pcsc_plugin *p = d->plugin;

        unbind(d, false);
        for (struct pcsc_device **link = &p->devices; *link; link = &(*link)->next)
                if (*link == d) {
                        *link = d->next;
                        break;
                }
        /* The worker may be inside pcsc-lite: it frees `d` when it is done. */
        chip_worker_stop(d->worker);
}

static const struct eg_device_ops pcsc_device_ops = {
        .size = sizeof(struct eg_device_ops),
        .start = pcsc_start,
        .cancel = pcsc_cancel,
        .close = pcsc_close,
};

static int device_new(struct pcsc_plugin *p, const char *key, const char *match, bool declared,
                      struct pcsc_device **ret) {
        struct pcsc_device *d = calloc(1, sizeof(*d));
        struct eg_device_desc desc;
        char name[160];
        int r;

        if (!d)
                return -ENOMEM;
        d->plugin = p;
        d->declared = declared;
        d->key = strdup(key);
        d->match = match ? strdup(match) : NULL;
        if (!d->key || (match && !d->match)) {
                pcsc_device_free(d);
                return -ENOMEM;
        }
        (void) snprintf(name, sizeof(name), "pcsc %s", key);
        r = chip_worker_start(p->mailbox, name, &pcsc_worker_ops, d, 0, &d->worker);
        if (r < 0) {
                pcsc_device_free(d);
                return r;
        }
        desc = (struct eg_device_desc){
                .size = sizeof(desc),
                .device_class = EG_CLASS_CHIP_READER,
                .key = key,
                .vendor = "PC/SC",
                .model = "PC/SC reader",
                .lane = declared ? NULL : p->auto_lane,
                .role = declared ? NULL : p->auto_role,
                .supported_ops = DEVICE_OPS,
                .ops = &pcsc_device_ops,
                .device_data = d,
        };
        r = eg_host_device_add(p->host, &desc, &d->id);
        if (r < 0) {
                eg_host_log(p->host, EG_LOG_WARNING, "device %s: cannot add it: %s", key,
                            strerror(-r));
                chip_worker_stop(d->worker); /* frees d once the thread is joined */
                return r;
        }
        d->next = p->devices;
        p->devices = d;
        *ret = d;
        return 0;
}

/* --- the plugin's entry points --- */

static int pcsc_declare(void *data, const struct eg_device_config *c) {
        struct pcsc_plugin *p = data;
        const char *match = NULL;
        struct pcsc_device *d;
        struct pcsc_reader *r;
        int k;

        if (c->device_class != EG_CLASS_CHIP_READER) {
                eg_host_log(p->host, EG_LOG_ERROR,
                            "device %s: the pcsc plugin provides chip readers only (class = "
                            "chip-reader)",
                            c->name);
                return -EINVAL;
        }
        for (size_t i = 0; i < c->n_properties; i++) {
                const struct eg_property *prop = &c->properties[i];

                if (strcmp(prop->key, "reader") != 0) {
                        eg_host_log(p->host, EG_LOG_ERROR,
                                    "device %s: unknown key '%s' (the pcsc plugin knows: reader)",
                                    c->name, prop->key);
                        return -EINVAL;
                }
                if (prop->value[0] == '\0') {
                        eg_host_log(p->host, EG_LOG_ERROR,
                                    "device %s: reader= is empty: give part of the PC/SC reader "
                                    "name, or leave the key out for any reader",
                                    c->name);
                        return -EINVAL;
                }
                match = prop->value;
        }

        /* What the monitor found so far, so that the device binds at once. */
        chip_mailbox_dispatch(p->mailbox);
        k = device_new(p, c->name, match, true, &d);
        if (k < 0)
                return k;
        r = free_reader_for(p, d);
        if (r)
                bind(d, r);
        else
                report_missing_reader(d);
        return 0;
}

/* From the loop, after init() and the declarations: now readers nobody
 * declared may become devices of their own. */
static void on_started(void *userdata) {
        struct pcsc_plugin *p = userdata;

        p->start_timer = 0;
        p->started = true;
        chip_mailbox_dispatch(p->mailbox);
        if (!p->auto_readers)
                return;
        for (struct pcsc_reader *r = p->readers; r; r = r->next)
                if (!r->device)
                        auto_add(p, r);
}

static int parse_bool(const char *v, bool *ret) {
        static const char *const yes[] = { "true", "yes", "on", "1" };
        static const char *const no[] = { "false", "no", "off", "0" };

        for (size_t i = 0; i < 4; i++) {
                if (strcmp(v, yes[i]) == 0) {
                        *ret = true;
                        return 0;
                }
                if (strcmp(v, no[i]) == 0) {
                        *ret = false;
                        return 0;
                }
        }
        return -EINVAL;
}

static void plugin_free(struct pcsc_plugin *p) {
        while (p->readers) {
                struct pcsc_reader *r = p->readers;

                p->readers = r->next;
                free(r->name);
                free(r);
        }
        free(p->auto_lane);
        free(p->auto_role);
        free(p);
}

static int pcsc_init(struct eg_host *host, void **data) {
        struct pcsc_plugin *p = calloc(1, sizeof(*p));
        const char *v;
        int r;

        if (!p)
                return -ENOMEM;
        p->host = host;

        v = eg_host_config_get(host, "auto-readers");
        if (v && parse_bool(v, &p->auto_readers) < 0) {
                eg_host_log(host, EG_LOG_ERROR,
                            "[plugin.pcsc] invalid value '%s' for auto-readers: expected true or "
                            "false",
                            v);
                plugin_free(p);
                return -EINVAL;
        }
        v = eg_host_config_get(host, "lane");
        if (v && !(p->auto_lane = strdup(v))) {
                plugin_free(p);
                return -ENOMEM;
        }
        v = eg_host_config_get(host, "role");
        if (v && !(p->auto_role = strdup(v))) {
                plugin_free(p);
                return -ENOMEM;
        }

        r = chip_mailbox_new(host, pcsc_handle_mail, p, &p->mailbox);
        if (r < 0) {
                plugin_free(p);
                return r;
        }
        r = pcsc_monitor_start(p);
        if (r >= 0)
                r = eg_host_timer_add(host, 0, on_started, p, &p->start_timer);
        if (r < 0) {
                pcsc_monitor_stop(p);
                chip_mailbox_close(p->mailbox);
                plugin_free(p);
                return r;
        }
        *data = p;
        return 0;
}

static void pcsc_shutdown(void *data) {
        struct pcsc_plugin *p = data;

        pcsc_monitor_stop(p);
        if (p->start_timer)
                eg_host_source_remove(p->host, p->start_timer);
        /* Every device is closed by now; this waits for their workers and the
         * monitor, a while. */
        chip_mailbox_close(p->mailbox);
        plugin_free(p);
}

EG_PLUGIN_DEFINE(.name = PCSC_PLUGIN_NAME, .version = "0.1.0", .vendor = "egate project",
                 .classes = EG_CLASS_BIT(EG_CLASS_CHIP_READER),
                 .matches = { EG_MATCH_CONFIG_ENTRY }) = {
        .size = sizeof(struct eg_plugin_ops),
        .init = pcsc_init,
        .shutdown = pcsc_shutdown,
        .declare_device = pcsc_declare,
};
