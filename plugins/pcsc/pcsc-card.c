/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A device's worker thread: the chip operations as PC/SC calls.  Everything
 * here runs on that thread with its own SCARDCONTEXT (pcsc-lite wants one
 * context per thread).
 *
 * The card is opened exclusively: a secure-messaging session counts every
 * APDU (the send sequence counter), so another application's APDU in the
 * middle would break the read.  CHIP_CONNECT and CHIP_DISCONNECT reset the
 * card rather than powering it down: on contactless readers powering down
 * switches the field off, and pcscd then reports the passport as removed
 * and inserted again, which the lane would take for the traveller's doing.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "pcsc-plugin.h"

/* The message: `text`, and the PC/SC call and code that led to it if given. */
static void fail(struct chip_reply *reply, int status, const char *text, const char *detail) {
        reply->status = status;
        if (detail)
                (void) snprintf(reply->message, sizeof(reply->message), "%s (%s)", text, detail);
        else
                (void) snprintf(reply->message, sizeof(reply->message), "%s", text);
}

static bool ensure_context(struct pcsc_device *d, struct chip_reply *reply) {
        char message[PCSC_DETAIL_MAX];
        LONG rv;

        if (d->has_context)
                return true;
        rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &d->context);
        if (rv != SCARD_S_SUCCESS) {
                int r = pcsc_error(rv, "SCardEstablishContext", message, sizeof(message));
                fail(reply, r == -ENODEV ? -ENODEV : -EIO, "pcscd cannot be reached", message);
                return false;
        }
        d->has_context = true;
        return true;
}

static void disconnect(struct pcsc_device *d, DWORD disposition) {
        if (!d->connected)
                return;
        (void) SCardDisconnect(d->card, disposition);
        d->connected = false;
}

static void drop_context(struct pcsc_device *d) {
        disconnect(d, SCARD_LEAVE_CARD);
        if (d->has_context)
                (void) SCardReleaseContext(d->context);
        d->has_context = false;
}

static void do_connect(struct pcsc_device *d, const struct chip_request *req,
                       struct chip_reply *reply, uint8_t *buffer) {
        char message[PCSC_DETAIL_MAX], name[CHIP_TARGET_MAX];
        DWORD name_len = sizeof(name), state = 0, protocol = 0, atr_len = MAX_ATR_SIZE;
        LONG rv = SCARD_E_NO_SERVICE;
        int r;

        if (!req->target[0]) {
                fail(reply, -ENODEV, "no PC/SC reader is attached for this device", NULL);
                return;
        }
        /* A read left behind (timed out, cancelled) ends here: this one starts
         * on a chip fresh from reset. */
        disconnect(d, SCARD_RESET_CARD);
        for (unsigned attempt = 0; attempt < 2; attempt++) {
                if (!ensure_context(d, reply))
                        return;
                rv = SCardConnect(d->context, req->target, SCARD_SHARE_EXCLUSIVE,
                                  SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &d->card, &d->protocol);
                if (!pcsc_service_lost(rv))
                        break;
                drop_context(d); /* pcscd restarted since: one more go with a new context */
        }
        if (rv != SCARD_S_SUCCESS) {
                r = pcsc_error(rv, "SCardConnect", message, sizeof(message));
                fail(reply, r, r == -ENOMSG ? "no chip in the field" : "cannot connect to the chip",
                     message);
                return;
        }
        d->connected = true;
        (void) snprintf(d->connected_reader, sizeof(d->connected_reader), "%s", req->target);

        rv = SCardStatus(d->card, name, &name_len, &state, &protocol, buffer, &atr_len);
        if (rv != SCARD_S_SUCCESS) {
                r = pcsc_error(rv, "SCardStatus", message, sizeof(message));
                disconnect(d, SCARD_LEAVE_CARD);
                fail(reply, r, r == -ENOMSG ? "chip removed while connecting" : "no ATR", message);
                return;
        }
        reply->data = buffer;
        reply->len = atr_len;
}

/*
 * A failed exchange: did the chip leave the field?  pcscd notices a removal
 * only at its next presence poll (every 400 ms for most drivers), so wait
 * for it a little, within the operation's deadline.
 */
static bool card_left(struct pcsc_device *d, uint64_t deadline_usec) {
        SCARD_READERSTATE s = { .szReader = d->connected_reader,
                                .dwCurrentState = SCARD_STATE_UNAWARE };
        uint64_t now = chip_now_usec(), until = now + PCSC_SETTLE_MS * 1000u;

        if (deadline_usec < until)
                until = deadline_usec > 50000 ? deadline_usec - 50000 : 0;
        if (SCardGetStatusChange(d->context, 0, &s, 1) != SCARD_S_SUCCESS)
                return false;
        while (s.dwEventState & SCARD_STATE_PRESENT) {
                now = chip_now_usec();
                if (now >= until)
                        return false;
                s.dwCurrentState = s.dwEventState & ~SCARD_STATE_CHANGED;
                if (SCardGetStatusChange(d->context, (DWORD) ((until - now) / 1000u), &s, 1) !=
                    SCARD_S_SUCCESS)
                        return false;
        }
        return true;
}

static void do_transmit(struct pcsc_device *d, const struct chip_request *req,
                        struct chip_reply *reply, uint8_t *buffer) {
        const SCARD_IO_REQUEST *pci =
                d->protocol == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
        char message[PCSC_DETAIL_MAX];
        DWORD len = CHIP_RESPONSE_MAX;
        LONG rv;
        int r;

        if (!d->connected) {
                fail(reply, -EIO, "no connection to the chip (CHIP_CONNECT first)", NULL);
                return;
        }
        if (req->capdu_len == 0) {
                fail(reply, -EINVAL, "empty C-APDU", NULL);
                return;
        }
        rv = SCardTransmit(d->card, pci, req->capdu, (DWORD) req->capdu_len, NULL, buffer, &len);
        if (rv == SCARD_S_SUCCESS && len >= 2) {
                reply->data = buffer;
                reply->len = len;
                return;
        }
        if (rv == SCARD_S_SUCCESS) {
                /* Some drivers (vpcd among them) report a chip that vanished in the
                 * middle of the exchange as an empty answer. */
                (void) snprintf(message, sizeof(message),
                                "SCardTransmit: %lu-byte answer, no status word",
                                (unsigned long) len);
                r = -EIO;
        } else
                r = pcsc_error(rv, "SCardTransmit", message, sizeof(message));
        if (pcsc_service_lost(rv)) {
                drop_context(d);
                fail(reply, -ENODEV, "pcscd went away", message);
                return;
        }
        if (r != -ENOMSG && r != -ENODEV && r != -ECANCELED && card_left(d, req->deadline_usec))
                r = -ENOMSG;
        if (r == -ENOMSG) {
                disconnect(d, SCARD_LEAVE_CARD);
                fail(reply, r, "chip removed", message);
                return;
        }
        fail(reply, r, "exchange with the chip failed", message);
}

static void pcsc_execute(void *userdata, const struct chip_request *req, struct chip_reply *reply,
                         uint8_t *buffer) {
        struct pcsc_device *d = userdata;

        switch (req->kind) {
        case EG_OP_CHIP_CONNECT:
                do_connect(d, req, reply, buffer);
                break;
        case EG_OP_CHIP_TRANSMIT:
                do_transmit(d, req, reply, buffer);
                break;
        case EG_OP_CHIP_DISCONNECT:
                disconnect(d, SCARD_RESET_CARD);
                break;
        default:
                fail(reply, -EOPNOTSUPP, "not a chip reader operation", NULL);
                break;
        }
}

static void pcsc_finish(void *userdata) {
        drop_context(userdata);
}

/*
 * A cancelled exchange runs to its end on the worker, which drops the
 * answer; the next request waits for it.  PC/SC cannot abort an
 * SCardTransmit() in progress: SCardCancel() only ends SCardGetStatusChange().
 */
const struct chip_worker_ops pcsc_worker_ops = {
        .execute = pcsc_execute,
        .finish = pcsc_finish,
        .release = pcsc_device_free,
};
