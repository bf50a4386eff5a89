/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * egatectl: the command-line client of egated's D-Bus API (org.egate.EGate1).
 *
 *   main.c            command line, verb table, help
 *   egatectl-bus.c    connection, calls, D-Bus errors and exit statuses
 *   bus-json.c        D-Bus values and objects as JSON (the one data model)
 *   output.c          human tables and fields, escaping, JSON documents
 *   cmd-*.c           one file per group of verbs
 *
 * Verbs return an exit status (EGCTL_EXIT_*) after saying what went wrong on
 * stderr; they never return negative errnos to main().
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "macro.h"

enum {
        EGCTL_EXIT_OK = 0,
        EGCTL_EXIT_FAILURE = 1,
        EGCTL_EXIT_USAGE = 2, /* bad command line, or InvalidArgument from the daemon */
        EGCTL_EXIT_NOT_FOUND = 3, /* no such device or lane */
        EGCTL_EXIT_PERMISSION = 4, /* PermissionDenied, AccessDenied */
        EGCTL_EXIT_BUSY = 5, /* Busy, AlreadyClaimed, NotClaimed, a claim lost */
        EGCTL_EXIT_DEVICE = 6, /* DeviceFailed, Timeout, NoMedia, TryAgain, Cancelled */
        EGCTL_EXIT_NOT_RUNNING = 7, /* egated is not on the bus */
};

#define EGCTL_BUS_NAME "org.egate.EGate1"
#define EGCTL_ROOT_PATH "/org/egate/EGate1"
#define EGCTL_DEVICE_PREFIX "/org/egate/EGate1/Device"
#define EGCTL_LANE_PREFIX "/org/egate/EGate1/Lane"
#define EGCTL_IFACE(name) "org.egate.EGate1." name
#define EGCTL_IFACE_PREFIX "org.egate.EGate1."

#define EGCTL_DEFAULT_TIMEOUT_USEC (25ULL * 1000000ULL)

/* What the command line asked for; verbs read it, main() fills it. */
struct egctl_options {
        bool user_bus;
        bool json;
        uint64_t timeout_usec;
        /* Device operations. */
        bool keep_claim;
        /* indicator */
        bool buzzer;
        uint32_t message_id;
        const char *language;
        /* capture */
        const char *light;
        const char *output;
        /* audit (AUDIT) */
        const char *since, *until; /* TIME, parsed by the verb */
        uint32_t limit; /* 0: egated's default */
        const char *transaction; /* audit events --transaction: NULL for all */
        bool events; /* audit export --events: the lane events instead of the records */
};

extern struct egctl_options arg;

/* "egatectl: what: why" on stderr. */
_printf_(1, 2) void egctl_error(const char *fmt, ...);
_printf_(1, 2) void egctl_warning(const char *fmt, ...);

/* Verbs: argv[0] is the verb itself, argc counts it. */
int verb_status(int argc, char **argv);
int verb_plugins(int argc, char **argv);
int verb_devices(int argc, char **argv);
int verb_device(int argc, char **argv);
int verb_lanes(int argc, char **argv);
int verb_lane(int argc, char **argv);
int verb_lane_mode(int argc, char **argv);
int verb_open_door(int argc, char **argv);
int verb_decide(int argc, char **argv);
int verb_abort(int argc, char **argv);
int verb_attend(int argc, char **argv);
int verb_monitor(int argc, char **argv);
int verb_claim(int argc, char **argv);
int verb_release(int argc, char **argv);
int verb_force_release(int argc, char **argv);
int verb_door(int argc, char **argv);
int verb_indicator(int argc, char **argv);
int verb_read_mrz(int argc, char **argv);
int verb_inspect(int argc, char **argv);
int verb_capture(int argc, char **argv);
int verb_presence(int argc, char **argv);
int verb_audit(int argc, char **argv); /* cmd-audit.c */
int verb_member(int argc, char **argv); /* cmd-member.c */
