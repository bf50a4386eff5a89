/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A chip reader plugin for the discovery tests, written as a real USB plugin
 * would be: it never scans /dev, it takes the fd egated hands over, wraps it
 * with libusb and reads the device descriptor through it.
 *
 * Built twice (tests/discovery/meson.build):
 *   disc-acr     SDK 1.1, matches 072f:2200, has candidate_removed();
 *   disc-legacy  laid out as a plugin built against SDK 1.0 (minor 0, the 1.0
 *                ops size, no candidate_removed()), matches 076b:5421 and also
 *                072f:2200, to take what disc-acr declines.
 *
 * disc-acr appends "candidate_removed <syspath>" to the file named by
 * $EGATE_TEST_EVENT_LOG when egated reports a removal, so the test can tell
 * that call from egated's own clean-up for 1.0 plugins.
 *
 * Test knobs, as udev properties on the fake device:
 *   EGATE_TEST_DECLINE=<plugin>  that plugin's probe() returns -ENODEV;
 *   EGATE_TEST_FAIL=<plugin>     that plugin's probe() returns -EIO.
 *
 * CHIP_CONNECT claims interface 0 and sends one CCID PC_to_RDR_GetSlotStatus
 * over bulk OUT, reading the RDR_to_PC_SlotStatus from bulk IN; the result's
 * data is the reply (umockdev replays it from ccid-slot-status.ioctl).  It
 * does so synchronously inside start(), which a real plugin must not: the
 * transfer would block the daemon's loop.  umockdev answers at once.
 */
#include <errno.h>
#include <libusb.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef TEST_LEGACY
#define EG_PLUGIN_ABI_MINOR 0
#endif
#include <egate/plugin.h>

#ifndef TEST_NAME
#error "TEST_NAME must be defined"
#endif

#define CCID_EP_OUT 0x02
#define CCID_EP_IN 0x82
#define TRANSFER_TIMEOUT_MS 1000

struct reader {
        struct plugin *plugin;
        char *syspath;
        int fd; /* handed over by egated: ours to close */
        libusb_device_handle *usb;
        eg_device_id id;
        struct reader *next;
};

struct plugin {
        struct eg_host *host;
        libusb_context *usb;
        struct reader *readers;
};

static const char *property(const struct eg_candidate *c, const char *key) {
        for (size_t i = 0; i < c->n_properties; i++)
                if (strcmp(c->properties[i].key, key) == 0)
                        return c->properties[i].value;
        return NULL;
}

static bool knob_is_us(const struct eg_candidate *c, const char *knob) {
        const char *v = property(c, knob);

        return v && strcmp(v, TEST_NAME) == 0;
}

/* The SDK's key recipe: the serial number if it is a usable key, else the physical path. */
static int stable_key(const struct eg_candidate *c, char *buf, size_t size) {
        const char *sources[] = { property(c, "ID_SERIAL_SHORT"), property(c, "ID_PATH") };

        for (size_t s = 0; s < 2; s++) {
                const char *v = sources[s];
                size_t n = 0;

                if (!v || !*v || strlen(v) >= size)
                        continue;
                for (; v[n]; n++) {
                        char ch = v[n];

                        buf[n] = ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                                  (ch >= '0' && ch <= '9') || strchr("_-.:", ch))
                                         ? ch
                                         : '_';
                }
                buf[n] = '\0';
                return 0;
        }
        return -EINVAL;
}

static void reader_free(struct reader *r) {
        if (!r)
                return;
        if (r->usb)
                libusb_close(r->usb);
        if (r->fd >= 0)
                close(r->fd); /* libusb_close() leaves a wrapped fd open */
        free(r->syspath);
        free(r);
}

static void reader_unlink(struct reader *r) {
        for (struct reader **i = &r->plugin->readers; *i; i = &(*i)->next)
                if (*i == r) {
                        *i = r->next;
                        return;
                }
}

static int ccid_slot_status(struct reader *r, unsigned char *reply, int *reply_len) {
        /* PC_to_RDR_GetSlotStatus, slot 0, sequence 1. */
        unsigned char request[10] = { 0x65, 0, 0, 0, 0, 0, 1, 0, 0, 0 };
        int n = 0, e;

        e = libusb_claim_interface(r->usb, 0);
        if (e != 0)
                return -EIO;
        e = libusb_bulk_transfer(r->usb, CCID_EP_OUT, request, sizeof(request), &n,
                                 TRANSFER_TIMEOUT_MS);
        if (e == 0 && n == (int) sizeof(request))
                e = libusb_bulk_transfer(r->usb, CCID_EP_IN, reply, 64, reply_len,
                                         TRANSFER_TIMEOUT_MS);
        else if (e == 0)
                e = LIBUSB_ERROR_IO;
        (void) libusb_release_interface(r->usb, 0);
        return e == 0 ? 0 : -EIO;
}

static int reader_start(void *data, eg_op_id op, const struct eg_op_args *args) {
        struct reader *r = data;
        unsigned char reply[64];
        struct eg_op_result result = { .size = sizeof(result), .fd = -1 };
        int len = 0;

        if (args->kind != EG_OP_CHIP_CONNECT)
                return -EOPNOTSUPP;
        result.status = ccid_slot_status(r, reply, &len);
        if (result.status == 0) {
                result.data = reply;
                result.data_len = (size_t) len;
        } else
                result.message = "CCID slot status exchange failed";
        return eg_host_complete(r->plugin->host, op, &result);
}

static void reader_cancel(void *data, eg_op_id op) {
}

static void reader_close(void *data) {
        struct reader *r = data;

        reader_unlink(r);
        reader_free(r);
}

static const struct eg_device_ops reader_ops = {
        .size = sizeof(struct eg_device_ops),
        .start = reader_start,
        .cancel = reader_cancel,
        .close = reader_close,
};

static int reader_probe(void *data, const struct eg_candidate *c) {
        struct plugin *p = data;
        struct libusb_device_descriptor dd;
        const char *forced = property(c, "ID_EGATE_PLUGIN");
        char key[128], model[64];
        struct reader *r;
        int e;

        if (knob_is_us(c, "EGATE_TEST_DECLINE"))
                return -ENODEV;
        if (knob_is_us(c, "EGATE_TEST_FAIL"))
                return -EIO;
        if (c->fd < 0) {
                eg_host_log(p->host, EG_LOG_ERROR, "%s: no fd handed over", c->syspath);
                return -EBADF;
        }
        if (stable_key(c, key, sizeof(key)) < 0)
                return -ENODEV;

        r = calloc(1, sizeof(*r));
        if (!r)
                return -ENOMEM;
        r->plugin = p;
        r->fd = -1;
        r->syspath = strdup(c->syspath);
        if (!r->syspath) {
                reader_free(r);
                return -ENOMEM;
        }
        e = libusb_wrap_sys_device(p->usb, (intptr_t) c->fd, &r->usb);
        if (e != 0) {
                eg_host_log(p->host, EG_LOG_ERROR, "%s: libusb cannot wrap the fd: %s", c->syspath,
                            libusb_error_name(e));
                reader_free(r);
                return -EIO;
        }
        e = libusb_get_device_descriptor(libusb_get_device(r->usb), &dd);
        /* What the device says must be what udev said, unless a rule forced us. */
        if (e != 0 || ((dd.idVendor != c->usb_vendor || dd.idProduct != c->usb_product) &&
                       !(forced && strcmp(forced, TEST_NAME) == 0))) {
                reader_free(r);
                return -ENODEV;
        }
        r->fd = c->fd; /* probe() returns 0 below: the fd is ours from here on */

        snprintf(model, sizeof(model), "%04x:%04x bcdDevice %x.%02x", dd.idVendor, dd.idProduct,
                 dd.bcdDevice >> 8, dd.bcdDevice & 0xff);
        struct eg_device_desc desc = {
                .size = sizeof(desc),
                .device_class = EG_CLASS_CHIP_READER,
                .key = key,
                .vendor = "Test",
                .model = model,
                .serial = property(c, "ID_SERIAL_SHORT"),
                .lane = property(c, "ID_EGATE_LANE"),
                .role = property(c, "ID_EGATE_ROLE"),
                .supported_ops = EG_OP_BIT(EG_OP_CHIP_CONNECT),
                .ops = &reader_ops,
                .device_data = r,
        };
        e = eg_host_device_add(p->host, &desc, &r->id);
        if (e < 0) {
                /* Declining hands the fd back: egated closes it. */
                r->fd = -1;
                reader_free(r);
                return e;
        }
        r->next = p->readers;
        p->readers = r;
        return 0;
}

#ifndef TEST_LEGACY
static void reader_candidate_removed(void *data, const char *syspath) {
        struct plugin *p = data;
        const char *log = getenv("EGATE_TEST_EVENT_LOG");
        FILE *f = log ? fopen(log, "ae") : NULL;

        if (f) {
                fprintf(f, "candidate_removed %s\n", syspath);
                fclose(f);
        }

        for (struct reader *r = p->readers; r; r = r->next)
                if (strcmp(r->syspath, syspath) == 0) {
                        /* close() follows from egated and frees the reader. */
                        (void) eg_host_device_remove(p->host, r->id);
                        return;
                }
}
#endif

static int reader_init(struct eg_host *host, void **data) {
        struct plugin *p = calloc(1, sizeof(*p));
        int e;

        if (!p)
                return -ENOMEM;
        p->host = host;
        /* Never enumerate: every device comes from egated as an fd. */
        (void) libusb_set_option(NULL, LIBUSB_OPTION_NO_DEVICE_DISCOVERY);
        e = libusb_init(&p->usb);
        if (e != 0) {
                eg_host_log(host, EG_LOG_ERROR, "libusb_init: %s", libusb_error_name(e));
                free(p);
                return -EIO;
        }
        *data = p;
        return 0;
}

static void reader_shutdown(void *data) {
        struct plugin *p = data;

        /* Devices are closed before shutdown(): no reader is left. */
        libusb_exit(p->usb);
        free(p);
}

#ifdef TEST_LEGACY
#define END_OF(type, member) (offsetof(type, member) + sizeof(((type *) NULL)->member))
#define TEST_OPS_SIZE END_OF(struct eg_plugin_ops, probe)
#define TEST_MATCHES                                                                               \
        { EG_MATCH_USB_ENTRY(0x076b, 0x5421), EG_MATCH_USB_ENTRY(0x072f, 0x2200) }
#else
#define TEST_OPS_SIZE sizeof(struct eg_plugin_ops)
#define TEST_MATCHES                                                                               \
        { EG_MATCH_USB_ENTRY(0x072f, 0x2200) }
#endif

EG_PLUGIN_DEFINE(.name = TEST_NAME, .version = "1.0.0", .vendor = "egate tests",
                 .classes = EG_CLASS_BIT(EG_CLASS_CHIP_READER), .matches = TEST_MATCHES) = {
        .size = TEST_OPS_SIZE,
        .init = reader_init,
        .shutdown = reader_shutdown,
        .probe = reader_probe,
#ifndef TEST_LEGACY
        .candidate_removed = reader_candidate_removed,
#endif
};
