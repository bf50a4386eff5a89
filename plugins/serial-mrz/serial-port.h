/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The serial port itself: the baud rates termios knows, and opening a tty
 * the way an MRZ reader needs it (non-blocking, raw, 8N1, no flow control,
 * exclusive).  Nothing here blocks.
 */
#pragma once

#include <stdbool.h>
#include <termios.h>

/* The termios speed for a rate in bits per second; false if termios has none. */
bool serial_baud_to_speed(unsigned baud, speed_t *ret);

/*
 * Open `path` and configure it.  Returns the fd, or a negative errno:
 * -ENOTTY when it is not a terminal, -EBUSY when another program holds it
 * exclusively, otherwise what open() or tcsetattr() said.  Input already
 * queued (from before we listened) is discarded: it belongs to nobody now.
 */
int serial_port_open(const char *path, speed_t speed);

/* Errors that mean "not there right now" (unplugged, not yet enumerated,
 * held by a prober): worth retrying, unlike a path that is not a tty. */
bool serial_port_error_is_transient(int error);
