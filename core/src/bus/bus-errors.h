/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The closed set of org.egate.EGate1.Error.* names, mapped to errnos with
 * sd_bus_error_add_map() so sd_bus_error_set_errnof() and clients agree.
 */
#pragma once

#include <systemd/sd-bus.h>

#define EG_BUS_ERROR_NOT_FOUND "org.egate.EGate1.Error.NotFound"
#define EG_BUS_ERROR_BUSY "org.egate.EGate1.Error.Busy"
#define EG_BUS_ERROR_NOT_CLAIMED "org.egate.EGate1.Error.NotClaimed"
#define EG_BUS_ERROR_ALREADY_CLAIMED "org.egate.EGate1.Error.AlreadyClaimed"
#define EG_BUS_ERROR_PERMISSION_DENIED "org.egate.EGate1.Error.PermissionDenied"
#define EG_BUS_ERROR_INVALID_ARGUMENT "org.egate.EGate1.Error.InvalidArgument"
#define EG_BUS_ERROR_TIMEOUT "org.egate.EGate1.Error.Timeout"
#define EG_BUS_ERROR_DEVICE_FAILED "org.egate.EGate1.Error.DeviceFailed"
#define EG_BUS_ERROR_PLUGIN_FAILED "org.egate.EGate1.Error.PluginFailed"
#define EG_BUS_ERROR_NOT_SUPPORTED "org.egate.EGate1.Error.NotSupported"
#define EG_BUS_ERROR_CANCELLED "org.egate.EGate1.Error.Cancelled"
#define EG_BUS_ERROR_NO_MEDIA "org.egate.EGate1.Error.NoMedia"
#define EG_BUS_ERROR_TRY_AGAIN "org.egate.EGate1.Error.TryAgain"
#define EG_BUS_ERROR_SHUTTING_DOWN "org.egate.EGate1.Error.ShuttingDown"
#define EG_BUS_ERROR_NO_TRANSACTION "org.egate.EGate1.Error.NoTransaction"

extern const sd_bus_error_map eg_bus_error_map[];

/* Register the map once per process. */
int eg_bus_errors_register(void);

/*
 * Set `error` for a failed device operation: the name from the errno, the
 * message from the plugin's words when it gave some.  Returns -abs(status).
 */
int eg_bus_error_from_operation(sd_bus_error *error, int status, const char *message);
