/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Names of the optical security checks a document reader makes of the data
 * page (enum eg_optical_check, SDK 1.2), as the bus, the audit details and
 * the mock scenario spell them.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "egate/device.h"

/* "uv-dullness", ...; NULL for a value this daemon does not know. */
const char *eg_optical_check_to_string(enum eg_optical_check c);

/* The checks in `mask`, comma-separated ("uv-dullness, ir-b900"), truncated to `size`. */
void eg_optical_checks_format(uint32_t mask, char *buf, size_t size);
