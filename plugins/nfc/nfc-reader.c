/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A reader's worker thread: opening the reader, polling the field, and the
 * chip operations as libnfc calls.
 *
 * Looking for a chip always starts from a cold field (RF off, then on, then
 * InListPassiveTarget): a chip that was selected, deselected or halted only
 * answers again after a power cycle, and a chip left in the middle of a
 * secure-messaging session must not be reused by the next one.  So the field
 * is polled only outside chip sessions (CHIP_CONNECT ... CHIP_DISCONNECT, or
 * NFC_SESSION_IDLE_MS without an operation).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "nfc-plugin.h"

static const nfc_modulation modulations[] = {
        { .nmt = NMT_ISO14443A, .nbr = NBR_106 },
        { .nmt = NMT_ISO14443B, .nbr = NBR_106 },
};

static void emit(struct nfc_reader *r, enum eg_event_type type, const char *message) {
        struct eg_event e = { .size = sizeof(e), .type = type, .message = message };

        (void) chip_mailbox_emit(r->mailbox, r->id, &e);
}

static void set_present(struct nfc_reader *r, bool present) {
        if (r->present == present)
                return;
        r->present = present;
        emit(r, present ? EG_EVENT_CHIP_PRESENT : EG_EVENT_CHIP_REMOVED, NULL);
}

static void close_device(struct nfc_reader *r) {
        if (r->device)
                nfc_close(r->device);
        r->device = NULL;
        r->connected = false;
        r->broken = false;
}

static void open_failed(struct nfc_reader *r, const char *why) {
        char message[CHIP_MESSAGE_MAX];

        r->next_open_usec = chip_now_usec() + NFC_REOPEN_MS * 1000u;
        if (r->faulted)
                return;
        (void) snprintf(message, sizeof(message), "cannot open the NFC reader (%.64s): %s",
                        r->connstring, why);
        chip_mailbox_log(r->mailbox, EG_LOG_WARNING, "device %s: %s; trying again every %d ms",
                         r->key, message, NFC_REOPEN_MS);
        r->faulted = true;
        set_present(r, false);
        emit(r, EG_EVENT_FAULT, message);
}

/* 0 with r->device open and set up; -ENODEV if it cannot be (reported once). */
static int ensure_open(struct nfc_reader *r, bool now) {
        nfc_device *d;

        if (r->broken)
                close_device(r);
        if (r->device)
                return 0;
        if (!now && chip_now_usec() < r->next_open_usec)
                return -ENODEV;
        if (!r->context) {
                nfc_init(&r->context);
                if (!r->context) {
                        open_failed(r, "libnfc cannot start (out of memory?)");
                        return -ENODEV;
                }
        }
        d = nfc_open(r->context, r->connstring);
        if (!d) {
                open_failed(r, "no PN53x answers there");
                return -ENODEV;
        }
        /* Initiator mode; a select that finds nothing returns at once instead of
         * waiting for a chip (libnfc's default); ISO/IEC 14443-4 activation (RATS)
         * done by the reader. */
        if (nfc_initiator_init(d) < 0 ||
            nfc_device_set_property_bool(d, NP_INFINITE_SELECT, false) < 0 ||
            nfc_device_set_property_bool(d, NP_AUTO_ISO14443_4, true) < 0) {
                open_failed(r, nfc_strerror(d));
                nfc_close(d);
                return -ENODEV;
        }
        r->device = d;
        chip_mailbox_log(r->mailbox, EG_LOG_INFO, "device %s: NFC reader %s open", r->key,
                         nfc_device_get_name(d));
        if (r->faulted) {
                r->faulted = false;
                emit(r, EG_EVENT_RECOVERED, NULL);
        }
        return 0;
}

/* 1: an ISO/IEC 14443-4 chip answered (in *t), freshly powered; 0: none; <0: libnfc error. */
static int activate(struct nfc_reader *r, nfc_target *t) {
        int k;

        r->connected = false;
        k = nfc_device_set_property_bool(r->device, NP_ACTIVATE_FIELD, false);
        if (k >= 0)
                k = nfc_device_set_property_bool(r->device, NP_ACTIVATE_FIELD, true);
        if (k < 0)
                return k;
        for (size_t i = 0; i < sizeof(modulations) / sizeof(modulations[0]); i++) {
                k = nfc_initiator_select_passive_target(r->device, modulations[i], NULL, 0, t);
                if (k < 0)
                        return k;
                if (k == 0)
                        continue;
                /* Type A: SAK bit 6 says ISO/IEC 14443-4 (a MIFARE Classic is no passport). */
                if (t->nm.nmt == NMT_ISO14443A && !(t->nti.nai.btSak & 0x20))
                        continue;
                return 1;
        }
        return 0;
}

/* A libnfc failure of the link itself: start over with a fresh nfc_open() next time. */
static bool link_error(int k) {
        return k == NFC_EIO || k == NFC_ENOTSUCHDEV || k == NFC_ESOFT || k == NFC_ECHIP;
}

static void fail(struct nfc_reader *r, struct chip_reply *reply, int status, const char *text,
                 int nfc_error) {
        reply->status = status;
        if (nfc_error < 0)
                (void) snprintf(reply->message, sizeof(reply->message), "%s (libnfc: %.80s)", text,
                                r->device ? nfc_strerror(r->device) : "no device");
        else
                (void) snprintf(reply->message, sizeof(reply->message), "%s", text);
}

static void do_connect(struct nfc_reader *r, struct chip_reply *reply, uint8_t *buffer) {
        nfc_target t;
        int k;

        if (ensure_open(r, true) < 0) {
                fail(r, reply, -ENODEV, "the NFC reader cannot be opened", 0);
                return;
        }
        k = activate(r, &t);
        if (k < 0) {
                fail(r, reply, -EIO, "the NFC reader failed to look for a chip", k);
                r->broken = link_error(k);
                return;
        }
        set_present(r, k > 0);
        if (k == 0) {
                fail(r, reply, -ENOMSG, "no chip in the field", 0);
                return;
        }
        r->connected = true;
        r->last_op_usec = chip_now_usec();
        reply->data = buffer;
        reply->len = target_atr(&t, buffer, CHIP_RESPONSE_MAX);
}

static void do_transmit(struct nfc_reader *r, const struct chip_request *req,
                        struct chip_reply *reply, uint8_t *buffer) {
        uint64_t now = chip_now_usec();
        int timeout_ms, k, found;
        nfc_target t;

        if (!r->device || !r->connected) {
                fail(r, reply, -EIO, "no connection to the chip (CHIP_CONNECT first)", 0);
                return;
        }
        timeout_ms = req->deadline_usec > now ? (int) ((req->deadline_usec - now) / 1000u) : 1;
        k = nfc_initiator_transceive_bytes(r->device, req->capdu, req->capdu_len, buffer,
                                           CHIP_RESPONSE_MAX, timeout_ms > 0 ? timeout_ms : 1);
        r->last_op_usec = chip_now_usec();
        if (k >= 2) {
                reply->data = buffer;
                reply->len = (size_t) k;
                return;
        }
        r->connected = false;
        if (k == NFC_EOPABORTED) {
                fail(r, reply, -ECANCELED, "exchange aborted", 0);
                return;
        }
        if (k >= 0) {
                fail(r, reply, -EIO, "the chip answered without a status word", 0);
                return;
        }
        if (link_error(k)) {
                fail(r, reply, -EIO, "NFC reader link error", k);
                r->broken = true;
                return;
        }
        /* The chip did not answer (RF error, timeout): still in the field?  Looking
         * resets it, but this session is over anyway. */
        fail(r, reply, k == NFC_ETIMEOUT ? -ETIMEDOUT : -EIO, "exchange with the chip failed", k);
        found = activate(r, &t);
        if (found == 0) {
                set_present(r, false);
                fail(r, reply, -ENOMSG, "chip removed", 0);
        } else if (found < 0)
                r->broken = link_error(found);
}

static void reader_execute(void *userdata, const struct chip_request *req, struct chip_reply *reply,
                           uint8_t *buffer) {
        struct nfc_reader *r = userdata;

        switch (req->kind) {
        case EG_OP_CHIP_CONNECT:
                do_connect(r, reply, buffer);
                break;
        case EG_OP_CHIP_TRANSMIT:
                do_transmit(r, req, reply, buffer);
                break;
        case EG_OP_CHIP_DISCONNECT:
                if (r->device && r->connected)
                        (void) nfc_initiator_deselect_target(r->device);
                r->connected = false;
                break;
        default:
                fail(r, reply, -EOPNOTSUPP, "not a chip reader operation", 0);
                break;
        }
}

static void reader_idle(void *userdata) {
        struct nfc_reader *r = userdata;
        nfc_target t;
        int k;

        if (r->connected && chip_now_usec() - r->last_op_usec < NFC_SESSION_IDLE_MS * 1000u)
                return; /* a chip session owns the chip */
        if (ensure_open(r, false) < 0)
                return;
        k = activate(r, &t);
        if (k < 0) {
                chip_mailbox_log(r->mailbox, EG_LOG_DEBUG, "device %s: polling failed: %s", r->key,
                                 nfc_strerror(r->device));
                r->broken = link_error(k);
                return;
        }
        set_present(r, k > 0);
}

static void reader_finish(void *userdata) {
        struct nfc_reader *r = userdata;

        close_device(r);
        if (r->context)
                nfc_exit(r->context);
        r->context = NULL;
}

/*
 * A cancelled exchange runs to its timeout, which is its deadline.  Never
 * nfc_abort_command(): during an exchange it makes libnfc 1.8's pn532_uart
 * driver report success with no data, and pn53x_transceive() then tests a
 * byte of an uninitialised buffer for the NAD bit and calls abort() on it,
 * taking egated down (seen in tests/chip-readers, test_slow_chip).
 */
const struct chip_worker_ops reader_worker_ops = {
        .execute = reader_execute,
        .idle = reader_idle,
        .finish = reader_finish,
        .release = reader_free,
};
