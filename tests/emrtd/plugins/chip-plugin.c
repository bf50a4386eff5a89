/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A ChipReader for tests: CHIP_CONNECT, CHIP_TRANSMIT and CHIP_DISCONNECT
 * go to the card emulator in the test executable (see chip-bridge.h).  A
 * slow chip's delay is applied with a host timer, never by blocking; a chip
 * that leaves is reported with EG_EVENT_CHIP_REMOVED and -ENOMSG.
 */
#include <dlfcn.h>
#include <egate/plugin.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "chip-bridge.h"

#define RESPONSE_MAX (65536 + 2 + 64)

struct reader {
        struct eg_host *host;
        eg_device_id id;
        char key[64];
        eg_op_id op;
        eg_source_id timer;
        struct eg_op_result result;
        uint8_t data[RESPONSE_MAX];
        char message[64];
};

static const struct eg_test_chip_bridge *bridge(void) {
        return dlsym(RTLD_DEFAULT, EG_TEST_CHIP_BRIDGE_SYMBOL);
}

static void complete(void *userdata) {
        struct reader *d = userdata;

        d->timer = 0;
        (void) eg_host_complete(d->host, d->op, &d->result);
}

static int reader_start(void *data, eg_op_id op, const struct eg_op_args *args) {
        struct reader *d = data;
        const struct eg_test_chip_bridge *b = bridge();
        unsigned delay = 0;
        size_t len = 0;
        int r = 0;

        if (!b)
                return -ENOSYS;
        d->op = op;
        d->result = (struct eg_op_result){ .size = sizeof(d->result), .fd = -1 };
        switch (args->kind) {
        case EG_OP_CHIP_CONNECT:
                r = b->connect(d->key, d->data, sizeof(d->data), &len, &delay);
                break;
        case EG_OP_CHIP_TRANSMIT:
                r = b->transmit(d->key, args->data, args->data_len, d->data, sizeof(d->data), &len,
                                &delay);
                if (r == -ENODEV) {
                        struct eg_event e = { .size = sizeof(e), .type = EG_EVENT_CHIP_REMOVED };
                        (void) eg_host_emit(d->host, d->id, &e);
                        r = -ENOMSG;
                }
                break;
        case EG_OP_CHIP_DISCONNECT:
                break;
        default:
                return -EOPNOTSUPP;
        }
        d->result.status = r;
        if (r < 0) {
                strcpy(d->message, r == -ENOMSG ? "no chip in the field" : "card emulator error");
                d->result.message = d->message;
        } else {
                d->result.data = d->data;
                d->result.data_len = len;
        }
        if (delay == 0) {
                complete(d);
                return 0;
        }
        return eg_host_timer_add(d->host, (uint64_t) delay * 1000u, complete, d, &d->timer);
}

static void reader_cancel(void *data, eg_op_id op) {
        struct reader *d = data;

        if (d->timer) {
                eg_host_source_remove(d->host, d->timer);
                d->timer = 0;
        }
}

static void reader_close(void *data) {
        struct reader *d = data;

        reader_cancel(d, 0);
        free(d);
}

static const struct eg_device_ops reader_ops = {
        .size = sizeof(struct eg_device_ops),
        .start = reader_start,
        .cancel = reader_cancel,
        .close = reader_close,
};

static int chip_declare(void *data, const struct eg_device_config *c) {
        struct reader *d;
        struct eg_device_desc desc;
        int r;

        if (c->device_class != EG_CLASS_CHIP_READER || strlen(c->name) >= sizeof(d->key))
                return -EINVAL;
        d = calloc(1, sizeof(*d));
        if (!d)
                return -ENOMEM;
        d->host = data;
        strcpy(d->key, c->name);
        desc = (struct eg_device_desc){
                .size = sizeof(desc),
                .device_class = EG_CLASS_CHIP_READER,
                .key = c->name,
                .vendor = "Test",
                .model = "Card emulator",
                .serial = c->name,
                .supported_ops = EG_OP_BIT(EG_OP_CHIP_CONNECT) | EG_OP_BIT(EG_OP_CHIP_TRANSMIT) |
                                 EG_OP_BIT(EG_OP_CHIP_DISCONNECT),
                .ops = &reader_ops,
                .device_data = d,
        };
        r = eg_host_device_add(d->host, &desc, &d->id);
        if (r < 0)
                free(d);
        return r;
}

static int chip_init(struct eg_host *host, void **data) {
        *data = host;
        return 0;
}

static void chip_shutdown(void *data) {
}

EG_PLUGIN_DEFINE(.name = "testchip", .version = "1.0", .vendor = "egate tests",
                 .classes = EG_CLASS_BIT(EG_CLASS_CHIP_READER),
                 .matches = { EG_MATCH_CONFIG_ENTRY }) = {
        .size = sizeof(struct eg_plugin_ops),
        .init = chip_init,
        .shutdown = chip_shutdown,
        .declare_device = chip_declare,
};
