/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * nfc: the SDK entry points, all on egated's main thread; none calls libnfc
 * (see nfc-plugin.h and README.md).
 *
 * egated.conf:
 *   [device.chip]
 *   plugin = nfc
 *   class = chip-reader
 *   connstring = pn532_uart:/dev/ttyUSB0
 *   poll-interval-ms = 250    ; optional, 50..5000
 *
 * or a udev rule: TAG+="egate", ENV{ID_EGATE_CLASS}="chip-reader",
 *                 ENV{ID_EGATE_NFC_CONNSTRING}="pn532_uart:$devnode"
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nfc-plugin.h"

#define DEVICE_OPS                                                                                 \
        (EG_OP_BIT(EG_OP_CHIP_CONNECT) | EG_OP_BIT(EG_OP_CHIP_TRANSMIT) |                          \
         EG_OP_BIT(EG_OP_CHIP_DISCONNECT))

void reader_free(void *userdata) {
        struct nfc_reader *r = userdata;

        free(r->key);
        free(r->syspath);
        free(r);
}

static int device_start(void *data, eg_op_id op, const struct eg_op_args *args) {
        struct nfc_reader *r = data;

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
        return chip_worker_submit(r->worker, op, args, NULL);
}

static void device_cancel(void *data, eg_op_id op) {
        struct nfc_reader *r = data;

        chip_worker_cancel(r->worker, op);
}

static void device_close(void *data) {
        struct nfc_reader *r = data;
        struct nfc_plugin *p = r->plugin;

        if (!r->worker) { /* reader_add() could not start it */
                reader_free(r);
                return;
        }
        for (struct nfc_reader **link = &p->readers; *link; link = &(*link)->next)
                if (*link == r) {
                        *link = r->next;
                        break;
                }
        /* The worker may be inside libnfc: it frees `r` when it is done. */
        chip_worker_stop(r->worker);
}

static const struct eg_device_ops reader_device_ops = {
        .size = sizeof(struct eg_device_ops),
        .start = device_start,
        .cancel = device_cancel,
        .close = device_close,
};

static int invalid(struct nfc_plugin *p, const char *device, const char *what, const char *value) {
        eg_host_log(p->host, EG_LOG_ERROR, "device %s: %s '%s'", device, what, value);
        return -EINVAL;
}

static int check_connstring(struct nfc_plugin *p, const char *device, const char *v) {
        if (v[0] == '\0' || !strchr(v, ':') || strlen(v) >= sizeof(nfc_connstring))
                return invalid(p, device,
                               "connstring must be a libnfc connection string like "
                               "pn532_uart:/dev/ttyUSB0, not",
                               v);
        for (const char *c = v; *c; c++)
                if ((unsigned char) *c < 0x20 || *c == 0x7F)
                        return invalid(p, device, "connstring has control characters:", v);
        return 0;
}

static int parse_poll(struct nfc_plugin *p, const char *device, const char *v, unsigned *ret) {
        unsigned long n;
        char *end;

        errno = 0;
        n = strtoul(v, &end, 10);
        if (v[0] < '0' || v[0] > '9' || errno != 0 || *end != '\0' || n < NFC_MIN_POLL_MS ||
            n > NFC_MAX_POLL_MS) {
                eg_host_log(p->host, EG_LOG_ERROR,
                            "device %s: invalid value '%s' for poll-interval-ms: expected %d to "
                            "%d",
                            device, v, NFC_MIN_POLL_MS, NFC_MAX_POLL_MS);
                return -EINVAL;
        }
        *ret = (unsigned) n;
        return 0;
}

/* Register the device, then start its worker: the worker reports events with its id. */
static int reader_add(struct nfc_plugin *p, const char *key, const char *connstring,
                      unsigned poll_ms, const char *lane, const char *role, const char *syspath) {
        struct nfc_reader *r = calloc(1, sizeof(*r));
        struct eg_device_desc desc;
        char name[160];
        int k;

        if (!r)
                return -ENOMEM;
        r->plugin = p;
        r->mailbox = p->mailbox;
        r->poll_ms = poll_ms;
        (void) snprintf(r->connstring, sizeof(r->connstring), "%s", connstring);
        r->key = strdup(key);
        r->syspath = syspath ? strdup(syspath) : NULL;
        if (!r->key || (syspath && !r->syspath)) {
                reader_free(r);
                return -ENOMEM;
        }
        desc = (struct eg_device_desc){
                .size = sizeof(desc),
                .device_class = EG_CLASS_CHIP_READER,
                .key = key,
                .vendor = "libnfc",
                .model = "NFC reader",
                .lane = lane,
                .role = role,
                .supported_ops = DEVICE_OPS,
                .ops = &reader_device_ops,
                .device_data = r,
        };
        k = eg_host_device_add(p->host, &desc, &r->id);
        if (k < 0) {
                eg_host_log(p->host, EG_LOG_WARNING, "device %s: cannot add it: %s", key,
                            strerror(-k));
                reader_free(r);
                return k;
        }
        (void) snprintf(name, sizeof(name), "nfc %s", key);
        k = chip_worker_start(p->mailbox, name, &reader_worker_ops, r, (uint64_t) poll_ms * 1000u,
                              &r->worker);
        if (k < 0) {
                /* close() needs the worker: take the device back by hand. */
                r->worker = NULL;
                (void) eg_host_device_remove(p->host, r->id);
                return k;
        }
        r->next = p->readers;
        p->readers = r;
        return 0;
}

static int plugin_declare(void *data, const struct eg_device_config *c) {
        struct nfc_plugin *p = data;
        const char *connstring = NULL;
        unsigned poll_ms = NFC_DEFAULT_POLL_MS;

        if (c->device_class != EG_CLASS_CHIP_READER) {
                eg_host_log(p->host, EG_LOG_ERROR,
                            "device %s: the nfc plugin provides chip readers only (class = "
                            "chip-reader)",
                            c->name);
                return -EINVAL;
        }
        for (size_t i = 0; i < c->n_properties; i++) {
                const struct eg_property *prop = &c->properties[i];

                if (strcmp(prop->key, "connstring") == 0) {
                        if (check_connstring(p, c->name, prop->value) < 0)
                                return -EINVAL;
                        connstring = prop->value;
                } else if (strcmp(prop->key, "poll-interval-ms") == 0) {
                        if (parse_poll(p, c->name, prop->value, &poll_ms) < 0)
                                return -EINVAL;
                } else {
                        eg_host_log(p->host, EG_LOG_ERROR,
                                    "device %s: unknown key '%s' (the nfc plugin knows: "
                                    "connstring, poll-interval-ms)",
                                    c->name, prop->key);
                        return -EINVAL;
                }
        }
        if (!connstring) {
                eg_host_log(p->host, EG_LOG_ERROR,
                            "device %s: connstring= is required (e.g. pn532_uart:/dev/ttyUSB0); "
                            "the nfc plugin never scans for readers",
                            c->name);
                return -EINVAL;
        }
        return reader_add(p, c->name, connstring, poll_ms, NULL, NULL, NULL);
}

static const char *candidate_property(const struct eg_candidate *c, const char *key) {
        for (size_t i = 0; i < c->n_properties; i++)
                if (strcmp(c->properties[i].key, key) == 0)
                        return c->properties[i].value;
        return NULL;
}

/* docs/sdk.md "Stable keys": the serial number, else the port, tamed. */
static void stable_key(const struct eg_candidate *c, char *key, size_t size) {
        const char *src = candidate_property(c, "ID_SERIAL_SHORT");
        size_t n = 0;

        if (!src || !src[0])
                src = candidate_property(c, "ID_PATH");
        if (!src || !src[0])
                src = c->syspath;
        for (; src && *src && n + 1 < size; src++) {
                bool ok = (*src >= 'a' && *src <= 'z') || (*src >= 'A' && *src <= 'Z') ||
                          (*src >= '0' && *src <= '9') || strchr("_-.:", *src);
                key[n++] = ok ? *src : '_';
        }
        key[n] = '\0';
}

static int plugin_probe(void *data, const struct eg_candidate *c) {
        struct nfc_plugin *p = data;
        const char *connstring = candidate_property(c, NFC_UDEV_PROPERTY);
        char key[129];

        if (!connstring) {
                eg_host_log(p->host, EG_LOG_INFO,
                            "%s: no " NFC_UDEV_PROPERTY " (e.g. pn532_uart:$devnode) in its udev "
                            "properties: not taken",
                            c->syspath);
                return -ENODEV;
        }
        stable_key(c, key, sizeof(key));
        if (!key[0] || check_connstring(p, c->syspath, connstring) < 0)
                return -ENODEV;
        return reader_add(p, key, connstring, NFC_DEFAULT_POLL_MS,
                          candidate_property(c, "ID_EGATE_LANE"),
                          candidate_property(c, "ID_EGATE_ROLE"), c->syspath);
}

static void plugin_candidate_removed(void *data, const char *syspath) {
        struct nfc_plugin *p = data;

        for (struct nfc_reader *r = p->readers, *next; r; r = next) {
                next = r->next;
                /* close() runs inside and unlinks r. */
                if (r->syspath && strcmp(r->syspath, syspath) == 0)
                        (void) eg_host_device_remove(p->host, r->id);
        }
}

static void ignore_mail(void *userdata, const struct chip_mail *m) {
}

static int plugin_init(struct eg_host *host, void **data) {
        struct nfc_plugin *p = calloc(1, sizeof(*p));
        int r;

        if (!p)
                return -ENOMEM;
        p->host = host;
        r = chip_mailbox_new(host, ignore_mail, p, &p->mailbox);
        if (r < 0) {
                free(p);
                return r;
        }
        *data = p;
        return 0;
}

static void plugin_shutdown(void *data) {
        struct nfc_plugin *p = data;

        /* Every device is closed by now; this waits for their workers, a while. */
        chip_mailbox_close(p->mailbox);
        free(p);
}

EG_PLUGIN_DEFINE(.name = NFC_PLUGIN_NAME, .version = "0.1.0", .vendor = "egate project",
                 .classes = EG_CLASS_BIT(EG_CLASS_CHIP_READER),
                 .matches = { EG_MATCH_CONFIG_ENTRY,
                              EG_MATCH_UDEV_ENTRY("tty", "ID_EGATE_CLASS=chip-reader") }) = {
        .size = sizeof(struct eg_plugin_ops),
        .init = plugin_init,
        .shutdown = plugin_shutdown,
        .declare_device = plugin_declare,
        .probe = plugin_probe,
        .candidate_removed = plugin_candidate_removed,
};
