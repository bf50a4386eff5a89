/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One MRZ reader on a serial port, as an egate DocumentReader.
 *
 * The document on the reader is the last complete MRZ it sent: DOCUMENT_PRESENT when one
 * arrives, DOCUMENT_REMOVED after document-hold-ms without a new read or when the reader
 * sends its removal marker.  The port may come and go (USB); the device stays registered,
 * reports a FAULT and retries every reconnect-ms.
 */
#pragma once

#include <egate/plugin.h>

#include "serial-options.h"

struct serial_reader;

/*
 * Take `options` (moved: the caller's copy is emptied), open the port and register the
 * device under `key`.  A port that is missing or busy right now is no reason to refuse:
 * the device is registered faulted and retried.  A port that cannot be an MRZ reader
 * (not a tty, no permission) refuses it with a logged reason.
 */
int serial_reader_add(struct eg_host *host, const char *name, const char *key, const char *serial,
                      const char *lane, const char *role, struct serial_options *options);
