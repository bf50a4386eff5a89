/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>

#include "pcsc-plugin.h"

/* pcsc_stringify_error() writes a static buffer in some pcsc-lite versions: not from threads. */
#define CODE(c)                                                                                    \
        { c, #c }
static const struct {
        LONG code;
        const char *name;
} code_names[] = {
        CODE(SCARD_E_CANCELLED),
        CODE(SCARD_E_INVALID_HANDLE),
        CODE(SCARD_E_INVALID_PARAMETER),
        CODE(SCARD_E_INVALID_VALUE),
        CODE(SCARD_E_INSUFFICIENT_BUFFER),
        CODE(SCARD_E_NO_MEMORY),
        CODE(SCARD_E_NO_READERS_AVAILABLE),
        CODE(SCARD_E_NO_SERVICE),
        CODE(SCARD_E_NO_SMARTCARD),
        CODE(SCARD_E_NOT_TRANSACTED),
        CODE(SCARD_E_PROTO_MISMATCH),
        CODE(SCARD_E_READER_UNAVAILABLE),
        CODE(SCARD_E_SERVICE_STOPPED),
        CODE(SCARD_E_SHARING_VIOLATION),
        CODE(SCARD_E_TIMEOUT),
        CODE(SCARD_E_UNKNOWN_READER),
        CODE(SCARD_F_COMM_ERROR),
        CODE(SCARD_F_INTERNAL_ERROR),
        CODE(SCARD_W_REMOVED_CARD),
        CODE(SCARD_W_RESET_CARD),
        CODE(SCARD_W_UNPOWERED_CARD),
        CODE(SCARD_W_UNRESPONSIVE_CARD),
        CODE(SCARD_W_UNSUPPORTED_CARD),
};

static const char *code_name(LONG rv) {
        for (size_t i = 0; i < sizeof(code_names) / sizeof(code_names[0]); i++)
                if (code_names[i].code == rv)
                        return code_names[i].name;
        return "PC/SC error";
}

bool pcsc_service_lost(LONG rv) {
        switch (rv) {
        case SCARD_E_NO_SERVICE:
        case SCARD_E_SERVICE_STOPPED:
        case SCARD_E_INVALID_HANDLE:
        case SCARD_F_COMM_ERROR:
                return true;
        default:
                return false;
        }
}

int pcsc_error(LONG rv, const char *call, char *message, size_t size) {
        int r;

        switch (rv) {
        case SCARD_S_SUCCESS:
                return 0;
        case SCARD_E_NO_SMARTCARD:
        case SCARD_W_REMOVED_CARD:
                r = -ENOMSG; /* the chip session tells "none there" from "gone" by phase */
                break;
        case SCARD_E_READER_UNAVAILABLE:
        case SCARD_E_UNKNOWN_READER:
        case SCARD_E_NO_READERS_AVAILABLE:
        case SCARD_E_NO_SERVICE:
        case SCARD_E_SERVICE_STOPPED:
                r = -ENODEV;
                break;
        case SCARD_E_TIMEOUT:
                r = -ETIMEDOUT;
                break;
        case SCARD_E_CANCELLED:
                r = -ECANCELED;
                break;
        case SCARD_E_SHARING_VIOLATION:
                r = -EBUSY;
                break;
        case SCARD_E_NO_MEMORY:
                r = -ENOMEM;
                break;
        default:
                /* Mute or unsupported card, protocol mismatch, transmission
                 * failure, pcscd's own errors. */
                r = -EIO;
                break;
        }
        (void) snprintf(message, size, "%s: %s (0x%08lX)", call, code_name(rv), (unsigned long) rv);
        return r;
}
