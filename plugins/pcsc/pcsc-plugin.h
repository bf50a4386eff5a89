/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pcsc: ChipReader devices through pcsc-lite.  We are a client of pcscd,
 * which owns the readers; every PC/SC call may block (on pcscd, on the
 * reader, on the card), so none runs on egated's main thread:
 *
 *   monitor thread   one per plugin, its own SCARDCONTEXT: lists the readers
 *                    and waits in SCardGetStatusChange() for readers and cards
 *                    to come and go; reports through the mailbox.  Its stop's
 *                    SCardCancel() runs on a short-lived thread of its own.
 *   device workers   one per device (chip-worker.h), each with its own
 *                    SCARDCONTEXT: SCardConnect / SCardTransmit /
 *                    SCardDisconnect for the operations, in order.
 *   main thread      the SDK entry points and the mailbox: binds devices to
 *                    readers, adds and removes auto devices, emits events.
 *
 * Each field says which thread may touch it.
 */
#pragma once

#include <PCSC/winscard.h>
#include <egate/plugin.h>
#include <stdbool.h>

#include "chip-worker.h"

#define PCSC_PLUGIN_NAME "pcsc"
/* How long init() waits for the first look at pcscd's readers. */
#define PCSC_FIRST_SCAN_TIMEOUT_USEC (2 * 1000 * 1000)
/* SCardGetStatusChange() timeout: bounds how late the monitor sees a stop request
 * that raced with SCardCancel() or went without it. */
#define PCSC_MONITOR_POLL_MS 1000
/* Between attempts to reach pcscd when it is not running. */
#define PCSC_RECONNECT_MS 250
/* After a failed exchange, how long to wait for pcscd to notice the card left. */
#define PCSC_SETTLE_MS 1000
/* "SCardTransmit: SCARD_W_REMOVED_CARD (0x80100069)" and the like. */
#define PCSC_DETAIL_MAX 96

/* What the monitor thread reports to the main thread (chip_mail.kind). */
enum pcsc_mail_kind {
        PCSC_MAIL_READER_ADDED, /* text: reader name */
        PCSC_MAIL_READER_REMOVED, /* text: reader name */
        PCSC_MAIL_CARD, /* text: reader name, value: 1 present, 0 absent */
        PCSC_MAIL_SERVICE, /* value: 1 pcscd reachable, 0 not; text: why not */
};

struct pcsc_device;

/* A reader pcscd has.  Main thread only. */
struct pcsc_reader {
        char *name;
        bool present; /* a card in it, as last reported */
        struct pcsc_device *device; /* bound to it, or NULL */
        struct pcsc_reader *next;
};

struct pcsc_plugin;

struct pcsc_device {
        /* Main thread. */
        struct pcsc_plugin *plugin;
        eg_device_id id;
        char *key;
        char *match; /* declared: reader= (a substring); NULL: any reader */
        bool declared; /* from egated.conf; else auto-added for `reader` */
        bool faulted; /* we reported EG_EVENT_FAULT: no reader bound */
        struct pcsc_reader *reader;
        struct chip_worker *worker;
        struct pcsc_device *next;

        /* Worker thread. */
        SCARDCONTEXT context;
        bool has_context;
        SCARDHANDLE card;
        bool connected;
        DWORD protocol;
        char connected_reader[CHIP_TARGET_MAX];
};

struct pcsc_plugin {
        struct eg_host *host;
        struct chip_mailbox *mailbox;

        /* Main thread. */
        struct pcsc_reader *readers;
        struct pcsc_device *devices;
        bool auto_readers;
        char *auto_lane;
        char *auto_role;
        bool started; /* declarations are over: auto devices may be added */
        eg_source_id start_timer;

        struct pcsc_monitor *monitor; /* running; NULL once asked to stop */
};

/* pcsc-monitor.c */
/* Start the monitor thread and wait (PCSC_FIRST_SCAN_TIMEOUT_USEC at most) for
 * its first look at the readers. */
int pcsc_monitor_start(struct pcsc_plugin *p);
/* Ask it to end, without waiting: chip_mailbox_close() waits for it. */
void pcsc_monitor_stop(struct pcsc_plugin *p);

/* pcsc-card.c: the device worker's side. */
extern const struct chip_worker_ops pcsc_worker_ops;

/* pcsc-errors.c */
/* A PC/SC result as a negative errno (device.h's list) and a message naming the call. */
int pcsc_error(LONG rv, const char *call, char *message, size_t size);
/* pcscd itself is gone (stopped, restarted): the context must be established again. */
bool pcsc_service_lost(LONG rv);

/* pcsc-plugin.c */
void pcsc_handle_mail(void *userdata, const struct chip_mail *m);
/* The worker's release(): frees a closed device once its thread has ended. */
void pcsc_device_free(void *userdata);
