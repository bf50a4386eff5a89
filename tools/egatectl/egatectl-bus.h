/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The connection to egated and what its errors mean for egatectl's exit
 * status.  Calls go to org.egate.EGate1 with the --timeout in force.
 */
#pragma once

#include <stdarg.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "macro.h"

/*
 * Connect to the system bus (the session bus with --user).  Returns
 * EGCTL_EXIT_OK, or says why not and returns the exit status.
 */
int egctl_bus_open(sd_bus **ret);

/* The exit status for a failed call: from the error's name, else from r. */
int egctl_exit_status(const sd_bus_error *error, int r);

/*
 * "egatectl: WHAT: message (error name)" on stderr, a hint when egated is not
 * running, and the exit status.  error may be unset: r says what failed then.
 */
_printf_(3, 4) int egctl_bus_fail(const sd_bus_error *error, int r, const char *what_fmt, ...);

/* The same, but an unknown object path reads "no such KIND" (a device, a lane). */
int egctl_object_fail(const sd_bus_error *error, int r, const char *kind, const char *what);

/* Object paths from ids and names, and back; NULL when out of memory or not ours. */
char *egctl_device_path(const char *id);
char *egctl_lane_path(const char *name);
char *egctl_path_to_name(const char *prefix, const char *path);

/* The class interface ("org.egate.EGate1.Door") of a device class ("door"); NULL if unknown. */
const char *egctl_class_interface(const char *device_class);

/* A method call on egated; error is set on failure (local failures included). */
int egctl_call(sd_bus *bus, const char *path, const char *iface, const char *member,
               sd_bus_error *error, sd_bus_message **reply, const char *types, ...);

/* Read one string property. */
int egctl_get_string(sd_bus *bus, const char *path, const char *iface, const char *property,
                     sd_bus_error *error, char **ret);

/* Watch org.egate.EGate1 come and go (NameOwnerChanged, filtered by the bus). */
int egctl_match_daemon_owner(sd_bus *bus, sd_bus_slot **slot, sd_bus_message_handler_t callback,
                             void *userdata);

/*
 * An event loop that ends with EGCTL_EXIT_OK on SIGINT or SIGTERM (blocked
 * here, so they arrive as events), with bus attached to it.  Returns an exit
 * status.
 */
int egctl_event_new(sd_bus *bus, sd_event **ret);
