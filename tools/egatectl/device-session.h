/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One device, used through one bus connection.  egated binds a claim to the
 * connection that made it, so claim, class method and release must all go
 * through the same sd_bus: this is that connection.
 */
#pragma once

#include <stdbool.h>
#include <systemd/sd-bus.h>

struct device_session {
        sd_bus *bus;
        char *id;
        char *path;
        char *device_class;
        char *what; /* "door mock-A1-entry-door": how messages name the action */
        bool claimed;
};

#define DEVICE_SESSION_INIT                                                                        \
        {}

/*
 * Connect, check the device exists (else exit status 3) and, when classes is
 * not NULL, that it is of one of them (else 2).  Returns an exit status,
 * having said what went wrong.
 */
int device_session_open(struct device_session *s, const char *verb, const char *id,
                        const char *const *classes);

/* Claim the device for this connection; exit status. */
int device_session_claim(struct device_session *s);

/* A method of the device's class interface on the session's connection; exit status. */
int device_session_call(struct device_session *s, const char *member, sd_bus_message **reply,
                        const char *types, ...);

/*
 * Hold the claim until SIGINT or SIGTERM (then 0), until it is taken away (5),
 * the device goes away (3) or egated stops (7).
 */
int device_session_hold(struct device_session *s);

/*
 * The end of a claimed operation that ended with status: with --keep-claim and
 * success, hold the claim; otherwise release it.  Returns the final status.
 */
int device_session_finish(struct device_session *s, int status);

/* Release a claim still held, close, free. */
void device_session_done(struct device_session *s);
