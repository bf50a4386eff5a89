/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * serial-mrz: OCR and swipe passport readers that send the MRZ as text over
 * a serial port (USB CDC-ACM, USB-serial adapters, RS-232).  README.md is
 * the reference for integrators.  Only the public SDK is used.
 *
 *   mrz-framer.c     bytes -> whole MRZs (pure logic)
 *   serial-port.c    opening and configuring the tty
 *   serial-options.c the settings and their validation
 *   serial-reader.c  the device: document state, operations, reconnection
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <egate/plugin.h>

#include "serial-options.h"
#include "serial-reader.h"

#define KEY_MAX 128

struct serial_plugin {
        struct eg_host *host;
};

static int serial_init(struct eg_host *host, void **data) {
        struct serial_plugin *plugin = calloc(1, sizeof(*plugin));

        if (!plugin)
                return -ENOMEM;
        plugin->host = host;
        *data = plugin;
        return 0;
}

static void serial_shutdown(void *data) {
        free(data); /* the readers were closed with their devices */
}

static int serial_declare_device(void *data, const struct eg_device_config *config) {
        struct serial_plugin *plugin = data;
        struct serial_options o;
        int r = 0;

        if (config->device_class != EG_CLASS_DOCUMENT_READER) {
                eg_host_log(plugin->host, EG_LOG_ERROR,
                            "device %s: the serial-mrz plugin "
                            "drives document readers only",
                            config->name);
                return -EINVAL;
        }
        serial_options_init(&o);
        for (size_t i = 0; r == 0 && i < config->n_properties; i++) {
                const struct eg_property *p = &config->properties[i];

                r = serial_options_set(&o, plugin->host, config->name, p->key, p->value);
                if (r == -ENOENT) {
                        eg_host_log(plugin->host, EG_LOG_ERROR,
                                    "device %s (document-reader): "
                                    "unknown property '%s' (known: device, baud, line-ending, "
                                    "framing, frame-timeout-ms, reconnect-ms, document-hold-ms, "
                                    "removal-marker)",
                                    config->name, p->key);
                        r = -EINVAL;
                }
        }
        if (r == 0)
                r = serial_options_check(&o, plugin->host, config->name);
        if (r == 0)
                /* Declared devices are known by their section name. */
                r = serial_reader_add(plugin->host, config->name, config->name, NULL, NULL, NULL,
                                      &o);
        serial_options_done(&o);
        return r;
}

static const char *candidate_property(const struct eg_candidate *c, const char *key) {
        for (size_t i = 0; i < c->n_properties; i++)
                if (c->properties[i].key && strcmp(c->properties[i].key, key) == 0)
                        return c->properties[i].value;
        return NULL;
}

/* Device keys are [A-Za-z0-9_.:-]; USB serial numbers may hold anything. */
static void key_from(const char *s, char *key) {
        size_t n = 0;

        for (; *s && n < KEY_MAX - 1; s++, n++) {
                char c = *s;
                bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                          (c >= '0' && c <= '9') || strchr("_.:-", c);

                key[n] = ok ? c : '_';
        }
        key[n] = '\0';
}

static int serial_probe(void *data, const struct eg_candidate *c) {
        struct serial_plugin *plugin = data;
        const char *egate_class, *id, *serial, *baud;
        struct serial_options o;
        char key[KEY_MAX];
        int r;

        egate_class = candidate_property(c, "ID_EGATE_CLASS");
        if (!c->subsystem || strcmp(c->subsystem, "tty") != 0 || !c->devnode || !egate_class ||
            strcmp(egate_class, "document-reader") != 0)
                return -ENODEV;

        /* The key must survive replugs and restarts: the reader's serial number, else the
         * port it is plugged into. */
        serial = candidate_property(c, "ID_SERIAL_SHORT");
        id = serial && serial[0] ? serial : candidate_property(c, "ID_PATH");
        if (!id || !id[0]) {
                eg_host_log(plugin->host, EG_LOG_ERROR,
                            "%s: neither ID_SERIAL_SHORT nor "
                            "ID_PATH is set, so the reader has no stable name: not used",
                            c->devnode);
                return -EINVAL;
        }
        key_from(id, key);

        serial_options_init(&o);
        r = serial_options_set(&o, plugin->host, key, "device", c->devnode);
        baud = candidate_property(c, "ID_EGATE_BAUD");
        if (r == 0 && baud) {
                r = serial_options_set(&o, plugin->host, key, "baud", baud);
                if (r < 0)
                        eg_host_log(plugin->host, EG_LOG_ERROR,
                                    "%s: fix the udev property "
                                    "ID_EGATE_BAUD",
                                    c->devnode);
        }
        if (r == 0)
                r = serial_reader_add(plugin->host, key, key, serial,
                                      candidate_property(c, "ID_EGATE_LANE"),
                                      candidate_property(c, "ID_EGATE_ROLE"), &o);
        serial_options_done(&o);
        return r;
}

EG_PLUGIN_DEFINE(.name = "serial-mrz",
                 .version = "0.1.0",
                 .vendor = "egate project",
                 .classes = EG_CLASS_BIT(EG_CLASS_DOCUMENT_READER),
                 .matches = {
                         EG_MATCH_CONFIG_ENTRY,
                         EG_MATCH_UDEV_ENTRY("tty", "ID_EGATE_CLASS=document-reader"),
                 }) = {
        .size = sizeof(struct eg_plugin_ops),
        .init = serial_init,
        .shutdown = serial_shutdown,
        .declare_device = serial_declare_device,
        .probe = serial_probe,
};
