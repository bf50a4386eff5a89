/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "bus-errors.h"

/* One name per errno: the reverse lookup (errno -> name) takes the first. */
const sd_bus_error_map eg_bus_error_map[] = {
        SD_BUS_ERROR_MAP(EG_BUS_ERROR_NOT_FOUND, ENODEV),
        SD_BUS_ERROR_MAP(EG_BUS_ERROR_NOT_FOUND, ENOENT),
        SD_BUS_ERROR_MAP(EG_BUS_ERROR_BUSY, EBUSY),
        SD_BUS_ERROR_MAP(EG_BUS_ERROR_NOT_CLAIMED, ENOLCK),
        SD_BUS_ERROR_MAP(EG_BUS_ERROR_ALREADY_CLAIMED, EADDRINUSE),
        SD_BUS_ERROR_MAP(EG_BUS_ERROR_PERMISSION_DENIED, EACCES),
        SD_BUS_ERROR_MAP(EG_BUS_ERROR_PERMISSION_DENIED, EPERM),
        SD_BUS_ERROR_MAP(EG_BUS_ERROR_INVALID_ARGUMENT, EINVAL),
        SD_BUS_ERROR_MAP(EG_BUS_ERROR_INVALID_ARGUMENT, EMSGSIZE),
        SD_BUS_ERROR_MAP(EG_BUS_ERROR_TIMEOUT, ETIMEDOUT),
        SD_BUS_ERROR_MAP(EG_BUS_ERROR_DEVICE_FAILED, EIO),
        SD_BUS_ERROR_MAP(EG_BUS_ERROR_PLUGIN_FAILED, ENOEXEC),
        SD_BUS_ERROR_MAP(EG_BUS_ERROR_NOT_SUPPORTED, EOPNOTSUPP),
        SD_BUS_ERROR_MAP(EG_BUS_ERROR_CANCELLED, ECANCELED),
        SD_BUS_ERROR_MAP(EG_BUS_ERROR_NO_MEDIA, ENOMSG),
        SD_BUS_ERROR_MAP(EG_BUS_ERROR_TRY_AGAIN, EAGAIN),
        SD_BUS_ERROR_MAP(EG_BUS_ERROR_SHUTTING_DOWN, ESHUTDOWN),
        SD_BUS_ERROR_MAP(EG_BUS_ERROR_NO_TRANSACTION, ESRCH),
        SD_BUS_ERROR_MAP_END,
};

int eg_bus_errors_register(void) {
        static int registered = 0;
        int r;

        if (registered)
                return 0;
        r = sd_bus_error_add_map(eg_bus_error_map);
        if (r < 0)
                return r;
        registered = 1;
        return 0;
}

int eg_bus_error_from_operation(sd_bus_error *error, int status, const char *message) {
        int e = status < 0 ? -status : status;

        if (e == 0)
                e = EIO;
        /* Errnos outside our map would surface as generic names: fold them into
         * DeviceFailed so clients only ever see the documented set. */
        switch (e) {
        case ENODEV:
        case ENOENT:
        case EBUSY:
        case EACCES:
        case EPERM:
        case EINVAL:
        case EMSGSIZE:
        case ETIMEDOUT:
        case EIO:
        case EOPNOTSUPP:
        case ECANCELED:
        case ENOMSG:
        case EAGAIN:
        case ESHUTDOWN:
        case ENOLCK:
        case EADDRINUSE:
        case ENOEXEC:
        case ESRCH:
                break;
        default:
                return sd_bus_error_setf(error, EG_BUS_ERROR_DEVICE_FAILED, "%s",
                                         message && *message ? message : strerror(e));
        }
        /* Name the error from our own map: sd_bus_error_set_errnof() would prefer
         * sd-bus's built-in names (org.freedesktop.DBus.Error.Timeout, ...). */
        for (const sd_bus_error_map *m = eg_bus_error_map; m->name; m++)
                if (m->code == e)
                        return sd_bus_error_setf(error, m->name, "%s",
                                                 message && *message ? message : strerror(e));
        return sd_bus_error_set_errnof(error, e, "%s", message && *message ? message : strerror(e));
}
