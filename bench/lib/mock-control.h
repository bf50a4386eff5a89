/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One command on the mock plugin's control socket (plugins/mock/control.c):
 * set the scene a case needs, e.g. someone in the mantrap for the camera. */
#pragma once

#include <stddef.h>

/* Sends `command`, reads the one reply line; 0 if it starts with "OK",
 * -EPROTO otherwise (the reply is printed on stderr). */
int bench_mock_command(const char *socket_path, const char *command);

/* The same, keeping the reply line ("OK ...") in reply (size bytes). */
int bench_mock_query(const char *socket_path, const char *command, char *reply, size_t size);
