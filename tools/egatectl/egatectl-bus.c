/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus-errors.h"
#include "egatectl-bus.h"
#include "egatectl.h"
#include "output.h"

int egctl_bus_open(sd_bus **ret) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        const char *which = arg.user_bus ? "session" : "system";
        int r;

        /* egated's error names, so sd_bus_error_get_errno() knows them too. */
        r = eg_bus_errors_register();
        if (r < 0) {
                egctl_error("cannot register the D-Bus error names: %s", strerror(-r));
                return EGCTL_EXIT_FAILURE;
        }
        r = arg.user_bus ? sd_bus_open_user(&bus) : sd_bus_open_system(&bus);
        if (r < 0) {
                egctl_error("cannot connect to the %s bus: %s", which, strerror(-r));
                /* No bus at all: egated cannot be running on it either. */
                if (r == -ENOENT || r == -ECONNREFUSED || r == -ENOMEDIUM)
                        return EGCTL_EXIT_NOT_RUNNING;
                return r == -EACCES || r == -EPERM ? EGCTL_EXIT_PERMISSION : EGCTL_EXIT_FAILURE;
        }
        r = sd_bus_set_method_call_timeout(bus, arg.timeout_usec);
        if (r < 0) {
                egctl_error("cannot set the call timeout: %s", strerror(-r));
                return EGCTL_EXIT_FAILURE;
        }
        *ret = TAKE_PTR(bus);
        return EGCTL_EXIT_OK;
}

static const struct {
        const char *name;
        int status;
} error_statuses[] = {
        { EG_BUS_ERROR_NOT_FOUND, EGCTL_EXIT_NOT_FOUND },
        { "org.freedesktop.DBus.Error.UnknownObject", EGCTL_EXIT_NOT_FOUND },
        { EG_BUS_ERROR_PERMISSION_DENIED, EGCTL_EXIT_PERMISSION },
        { "org.freedesktop.DBus.Error.AccessDenied", EGCTL_EXIT_PERMISSION },
        { "org.freedesktop.DBus.Error.InteractiveAuthorizationRequired", EGCTL_EXIT_PERMISSION },
        { EG_BUS_ERROR_BUSY, EGCTL_EXIT_BUSY },
        { EG_BUS_ERROR_ALREADY_CLAIMED, EGCTL_EXIT_BUSY },
        { EG_BUS_ERROR_NOT_CLAIMED, EGCTL_EXIT_BUSY },
        { EG_BUS_ERROR_DEVICE_FAILED, EGCTL_EXIT_DEVICE },
        { EG_BUS_ERROR_TIMEOUT, EGCTL_EXIT_DEVICE },
        { EG_BUS_ERROR_NO_MEDIA, EGCTL_EXIT_DEVICE },
        { EG_BUS_ERROR_TRY_AGAIN, EGCTL_EXIT_DEVICE },
        { EG_BUS_ERROR_CANCELLED, EGCTL_EXIT_DEVICE },
        /* Our own --timeout ran out: the operation did not finish in time. */
        { "org.freedesktop.DBus.Error.NoReply", EGCTL_EXIT_DEVICE },
        { "org.freedesktop.DBus.Error.Timeout", EGCTL_EXIT_DEVICE },
        { "org.freedesktop.DBus.Error.TimedOut", EGCTL_EXIT_DEVICE },
        { "org.freedesktop.DBus.Error.ServiceUnknown", EGCTL_EXIT_NOT_RUNNING },
        { "org.freedesktop.DBus.Error.NameHasNoOwner", EGCTL_EXIT_NOT_RUNNING },
        { EG_BUS_ERROR_INVALID_ARGUMENT, EGCTL_EXIT_USAGE },
        { "org.freedesktop.DBus.Error.InvalidArgs", EGCTL_EXIT_USAGE },
};

/*
 * The rest by errno: sd_bus_error_get_errno() knows the standard names,
 * "System.Error.EFOO" and egated's own (the map registered in
 * egctl_bus_open()), so a reply names the same failure whichever way egated
 * spelled it.
 */
static int exit_status_from_errno(int e) {
        switch (e) {
        case ENODEV:
        case ENOENT:
        case ENXIO:
                return EGCTL_EXIT_NOT_FOUND;
        case EACCES:
        case EPERM:
                return EGCTL_EXIT_PERMISSION;
        case EBUSY:
        case EADDRINUSE:
        case ENOLCK:
                return EGCTL_EXIT_BUSY;
        case EIO:
        case ETIMEDOUT:
        case ENOMSG:
        case EAGAIN:
        case ECANCELED:
                return EGCTL_EXIT_DEVICE;
        case EINVAL:
        case EMSGSIZE:
                return EGCTL_EXIT_USAGE;
        case EHOSTDOWN:
        case ENOTCONN:
        case ECONNRESET:
                return EGCTL_EXIT_NOT_RUNNING;
        default:
                return EGCTL_EXIT_FAILURE;
        }
}

static bool starts_with(const char *s, const char *prefix) {
        return strncmp(s, prefix, strlen(prefix)) == 0;
}

int egctl_exit_status(const sd_bus_error *error, int r) {
        if (!sd_bus_error_is_set(error))
                return exit_status_from_errno(r < 0 ? -r : r);
        for (size_t i = 0; i < ELEMENTSOF(error_statuses); i++)
                if (sd_bus_error_has_name(error, error_statuses[i].name))
                        return error_statuses[i].status;
        /* sd-bus calls any name it does not know EIO: only known families go by errno. */
        if (starts_with(error->name, "System.Error.") ||
            starts_with(error->name, "org.freedesktop.DBus.Error.") ||
            starts_with(error->name, "org.egate.EGate1.Error."))
                return exit_status_from_errno(sd_bus_error_get_errno(error));
        return EGCTL_EXIT_FAILURE;
}

int egctl_bus_fail(const sd_bus_error *error, int r, const char *what_fmt, ...) {
        _cleanup_free_ char *what = NULL;
        int status = egctl_exit_status(error, r);
        va_list ap;

        va_start(ap, what_fmt);
        if (vasprintf(&what, what_fmt, ap) < 0)
                what = NULL;
        va_end(ap);

        /* The message may quote a plugin's words, so it is escaped like any
         * string from the daemon. */
        if (sd_bus_error_is_set(error)) {
                _cleanup_free_ char *message = escape_control(
                        error->message && *error->message ? error->message : "no message");
                _cleanup_free_ char *name = escape_control(error->name);

                egctl_error("%s: %s (%s)", what ? what : "failed", message ? message : "?",
                            name ? name : "?");
        } else
                egctl_error("%s: %s", what ? what : "failed", strerror(r < 0 ? -r : EIO));
        if (status == EGCTL_EXIT_NOT_RUNNING)
                fprintf(stderr, "egatectl: is egated running? It owns %s on the %s bus.\n",
                        EGCTL_BUS_NAME, arg.user_bus ? "session" : "system");
        return status;
}

int egctl_object_fail(const sd_bus_error *error, int r, const char *kind, const char *what) {
        if (sd_bus_error_has_name(error, "org.freedesktop.DBus.Error.UnknownObject")) {
                egctl_error("%s: no such %s (%s)", what, kind, error->name);
                return EGCTL_EXIT_NOT_FOUND;
        }
        return egctl_bus_fail(error, r, "%s", what);
}

char *egctl_device_path(const char *id) {
        char *path = NULL;

        if (sd_bus_path_encode(EGCTL_DEVICE_PREFIX, id, &path) < 0)
                return NULL;
        return path;
}

char *egctl_lane_path(const char *name) {
        char *path = NULL;

        if (sd_bus_path_encode(EGCTL_LANE_PREFIX, name, &path) < 0)
                return NULL;
        return path;
}

char *egctl_path_to_name(const char *prefix, const char *path) {
        char *name = NULL;

        if (sd_bus_path_decode(path, prefix, &name) <= 0)
                return NULL;
        return name;
}

const char *egctl_class_interface(const char *device_class) {
        static const struct {
                const char *class_name;
                const char *iface;
        } classes[] = {
                { "document-reader", EGCTL_IFACE("DocumentReader") },
                { "chip-reader", EGCTL_IFACE("ChipReader") },
                { "fingerprint-scanner", EGCTL_IFACE("FingerprintScanner") },
                { "camera", EGCTL_IFACE("Camera") },
                { "door", EGCTL_IFACE("Door") },
                { "presence-sensor", EGCTL_IFACE("PresenceSensor") },
                { "indicator", EGCTL_IFACE("Indicator") },
        };

        for (size_t i = 0; device_class && i < ELEMENTSOF(classes); i++)
                if (streq(classes[i].class_name, device_class))
                        return classes[i].iface;
        return NULL;
}

int egctl_call(sd_bus *bus, const char *path, const char *iface, const char *member,
               sd_bus_error *error, sd_bus_message **reply, const char *types, ...) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        va_list ap;
        int r;

        r = sd_bus_message_new_method_call(bus, &m, EGCTL_BUS_NAME, path, iface, member);
        if (r < 0)
                return sd_bus_error_set_errno(error, r);
        if (types) {
                va_start(ap, types);
                r = sd_bus_message_appendv(m, types, ap);
                va_end(ap);
                if (r < 0)
                        return sd_bus_error_set_errno(error, r);
        }
        /* Timeout 0: the connection's, set from --timeout. */
        return sd_bus_call(bus, m, 0, error, reply);
}

int egctl_get_string(sd_bus *bus, const char *path, const char *iface, const char *property,
                     sd_bus_error *error, char **ret) {
        return sd_bus_get_property_string(bus, EGCTL_BUS_NAME, path, iface, property, error, ret);
}

int egctl_match_daemon_owner(sd_bus *bus, sd_bus_slot **slot, sd_bus_message_handler_t callback,
                             void *userdata) {
        return sd_bus_add_match(bus, slot,
                                "type='signal',sender='org.freedesktop.DBus',"
                                "path='/org/freedesktop/DBus',interface='org.freedesktop.DBus',"
                                "member='NameOwnerChanged',arg0='" EGCTL_BUS_NAME "'",
                                callback, userdata);
}

static int on_exit_signal(sd_event_source *source, const struct signalfd_siginfo *si,
                          void *userdata) {
        return sd_event_exit(sd_event_source_get_event(source), EGCTL_EXIT_OK);
}

int egctl_event_new(sd_bus *bus, sd_event **ret) {
        _cleanup_(sd_event_unrefp) sd_event *event = NULL;
        sigset_t mask;
        int r;

        sigemptyset(&mask);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGTERM);
        r = sigprocmask(SIG_BLOCK, &mask, NULL) < 0 ? -errno : 0;
        if (r >= 0)
                r = sd_event_new(&event);
        if (r >= 0)
                r = sd_event_add_signal(event, NULL, SIGINT, on_exit_signal, NULL);
        if (r >= 0)
                r = sd_event_add_signal(event, NULL, SIGTERM, on_exit_signal, NULL);
        if (r >= 0)
                r = sd_bus_attach_event(bus, event, SD_EVENT_PRIORITY_NORMAL);
        /* A bus that goes away ends the loop rather than leaving it waiting forever. */
        if (r >= 0)
                r = sd_bus_set_exit_on_disconnect(bus, true);
        if (r < 0) {
                egctl_error("cannot set up the event loop: %s", strerror(-r));
                return EGCTL_EXIT_FAILURE;
        }
        *ret = TAKE_PTR(event);
        return EGCTL_EXIT_OK;
}
