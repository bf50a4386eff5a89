/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Method calls answered later, when the device operation, audit job or registry request
 * they wait for ends.  The bus keeps every such call in one list so that each gets exactly
 * one answer: its work's, or ShuttingDown when egated stops first.  Without that, a caller
 * whose work is dropped at the stop would hear nothing from egated itself.
 */
#pragma once

#include <stddef.h>
#include <systemd/sd-bus.h>

#include "list.h"

struct eg_bus;
struct eg_op_outcome;

struct eg_bus_call {
        struct eg_bus *bus;
        sd_bus_message *message;
        EG_LIST_FIELDS(struct eg_bus_call, calls);
};

/*
 * Keep m until it is answered: a zeroed object of `size` bytes that begins with a struct
 * eg_bus_call (the method's own state may follow, owning nothing: the bus frees the object
 * when egated stops), or NULL when out of memory.
 */
void *eg_bus_call_keep(struct eg_bus *b, sd_bus_message *m, size_t size);

/* Answered, or not started after all: forget the call and free its object. */
void eg_bus_call_free(struct eg_bus_call *c);

/* The error for the call whose operation failed with o.  egated's stop cancels every
 * operation: their callers learn that egated is stopping, not that somebody cancelled. */
int eg_bus_call_operation_error(struct eg_bus_call *c, const struct eg_op_outcome *o,
                                sd_bus_error *error);

/*
 * The answer to m could not be built or sent (error < 0): a string sd-bus refuses, such as
 * a stored text that is not valid UTF-8 in a hand-edited database, or no memory.  Answers
 * org.freedesktop.DBus.Error.Failed instead, so that the caller is not left to its timeout,
 * and logs why (never the data).  Returns what sending that answer returned.
 */
int eg_bus_reply_failed(sd_bus_message *m, int error);

/*
 * When the event loop ends (egated stops), every call still kept is answered ShuttingDown
 * and the answers are flushed, before sd-bus closes the connection from its own exit
 * source.  What those calls wait for never calls back once the loop has ended: the manager,
 * the audit trail and the registry drop their callbacks when they are freed.
 */
int eg_bus_calls_register(struct eg_bus *b);
/* The same for calls left when the bus objects go without the loop having ended (start-up
 * failures); then stop watching the loop. */
void eg_bus_calls_done(struct eg_bus *b);
