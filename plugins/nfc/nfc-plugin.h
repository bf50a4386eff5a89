/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * nfc: ChipReader devices through libnfc (PN53x-family readers: PN532 on a
 * UART, ACR122, ...).  libnfc blocks in every call, so each device has a
 * worker thread (chip-worker.h) that owns its nfc_context and nfc_device:
 * it runs the chip operations and, between them, polls the field for an
 * ISO/IEC 14443-4 chip (type A, then B), reporting EG_EVENT_CHIP_PRESENT /
 * _REMOVED through the mailbox (chip_mailbox_emit(): a worker left behind at
 * shutdown must not reach the host).
 *
 * The plugin never scans for readers: it opens the connstring it was given
 * ([device.X] connstring=, or the udev property ID_EGATE_NFC_CONNSTRING).
 */
#pragma once

#include <egate/plugin.h>
#include <nfc/nfc.h>
#include <stdbool.h>

#include "chip-worker.h"

#define NFC_PLUGIN_NAME "nfc"
#define NFC_DEFAULT_POLL_MS 250
#define NFC_MIN_POLL_MS 50
#define NFC_MAX_POLL_MS 5000
/* Between attempts to open a reader that is missing or does not answer. */
#define NFC_REOPEN_MS 2000
/* A session (CHIP_CONNECT ... CHIP_DISCONNECT) left without an operation this
 * long is over: polling, which resets the chip, may resume. */
#define NFC_SESSION_IDLE_MS 2000
#define NFC_UDEV_PROPERTY "ID_EGATE_NFC_CONNSTRING"

struct nfc_plugin;

struct nfc_reader {
        /* Main thread. */
        struct nfc_plugin *plugin;
        eg_device_id id;
        char *key;
        char *syspath; /* probed from udev; NULL when declared */
        struct chip_worker *worker;
        struct nfc_reader *next;

        /* Set before the worker starts, read-only after. */
        struct chip_mailbox *mailbox; /* the worker's only way to egated */
        nfc_connstring connstring;
        unsigned poll_ms;

        /* Worker thread. */
        nfc_context *context;
        bool faulted; /* we reported EG_EVENT_FAULT (cannot open) */
        bool broken; /* the link failed: close and open again before the next use */
        bool present; /* last reported chip presence */
        bool connected; /* inside a chip session: no polling */
        uint64_t next_open_usec;
        uint64_t last_op_usec;
        nfc_device *device;
};

struct nfc_plugin {
        struct eg_host *host;
        struct chip_mailbox *mailbox;
        struct nfc_reader *readers; /* main thread */
};

/* nfc-reader.c: the worker's side. */
extern const struct chip_worker_ops reader_worker_ops;
/* Build the PC/SC-style ATR (PC/SC part 3 §3.1.3.2.3) for a selected target,
 * with the extended-length capability cleared (see nfc-atr.c). */
size_t target_atr(const nfc_target *t, uint8_t *atr, size_t cap);

/* nfc-plugin.c */
void reader_free(void *userdata);
