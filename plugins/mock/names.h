/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The names the mock uses on the outside: lane roles, device classes and
 * operation names (scenario files, control commands, status output).  One
 * table each, so the parser, the control interface and the README agree.
 */
#pragma once

#include <egate/device.h>
#include <stdint.h>

enum mock_role {
        MOCK_ROLE_DOCUMENT_READER = 0,
        MOCK_ROLE_CHIP_READER,
        MOCK_ROLE_FINGERPRINT_SCANNER,
        MOCK_ROLE_CAMERA,
        MOCK_ROLE_ENTRY_DOOR,
        MOCK_ROLE_EXIT_DOOR,
        MOCK_ROLE_PRESENCE_SENSOR,
        MOCK_ROLE_INDICATOR,
        MOCK_ROLE_MAX,
        MOCK_ROLE_NONE = -1, /* a device declared in egated.conf */
};

const char *mock_role_to_string(enum mock_role r); /* "document-reader", ... */
enum eg_device_class mock_role_class(enum mock_role r);

const char *mock_class_to_string(enum eg_device_class c); /* "door", ...; NULL if invalid */
const char *mock_class_model(enum eg_device_class c); /* "Mock Door", ... */
uint32_t mock_class_supported_ops(enum eg_device_class c);

/* Operation names as used in scenario "faults" and "latency" and in control
 * commands: "door-open", "chip-transmit", ... */
const char *mock_op_to_string(enum eg_op_kind k); /* NULL if invalid */
enum eg_op_kind mock_op_from_string(const char *s); /* EG_OP_INVALID if unknown */
enum eg_device_class mock_op_class(enum eg_op_kind k);

/* "a, b, c" list of the op names, for error messages. */
const char *mock_op_names_joined(void);

/* The optical checks of DOCUMENT_INSPECT as scenario files name them ("uv-dullness",
 * "ir-b900", ...), indexed by enum eg_optical_check.  NULL-terminated, so the parser can
 * refuse any other key of a traveller's "optical" object with the list. */
extern const char *const mock_optical_check_names[EG_OPTICAL_MAX_ + 1];
