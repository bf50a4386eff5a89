/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * egate plugin SDK: device classes, operations and events.
 *
 * Everything in this header is plain data: numbers, strings, byte buffers
 * and file descriptors.  No structure here points into the daemon, so the
 * same plugin can later run in its own process behind an IPC proxy without
 * being rebuilt.
 *
 * Every structure that crosses the plugin boundary starts with a uint32_t
 * `size` that the producer sets to sizeof() of the structure it was compiled
 * against.  Structures only ever grow at the end (see docs/sdk-abi.md).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Device classes.  The numeric values are ABI: never renumber. */
enum eg_device_class {
        EG_CLASS_INVALID = 0,
        EG_CLASS_DOCUMENT_READER = 1, /* printed MRZ, page images */
        EG_CLASS_CHIP_READER = 2, /* APDUs to the passport's chip */
        EG_CLASS_FINGERPRINT_SCANNER = 3, /* capture, enrol, verify 1:1 */
        EG_CLASS_CAMERA = 4, /* face frames */
        EG_CLASS_DOOR = 5, /* entry/exit doors and flaps */
        EG_CLASS_PRESENCE_SENSOR = 6, /* zone occupancy, beams */
        EG_CLASS_INDICATOR = 7, /* lights, buzzer, messages */
        EG_CLASS_MAX_ = 8,
};

#define EG_CLASS_BIT(c) (UINT32_C(1) << (unsigned) (c))

/*
 * Operation kinds: each class's operation table.  A device declares the
 * subset it implements in eg_device_desc.supported_ops (EG_OP_BIT()); the
 * daemon refuses a request for an undeclared kind with -EOPNOTSUPP before the
 * plugin sees it.  The numeric values are ABI: never renumber.
 */
enum eg_op_kind {
        EG_OP_INVALID = 0,

        /* DocumentReader */
        EG_OP_DOCUMENT_READ_MRZ = 1, /* -> result.text: MRZ lines, '\n'-separated */
        EG_OP_DOCUMENT_CAPTURE_PAGE = 2, /* args.light -> result.fd + result.format */

        /* ChipReader: the eMRTD protocol itself lives in the daemon. */
        EG_OP_CHIP_CONNECT = 3, /* -> result.data: ATR or ATS/UID */
        EG_OP_CHIP_TRANSMIT = 4, /* args.data: C-APDU -> result.data: R-APDU incl. SW1 SW2 */
        EG_OP_CHIP_DISCONNECT = 5, /* switch the field off / release the card */

        /* FingerprintScanner */
        EG_OP_FINGER_CAPTURE = 6, /* -> result.fd + result.format (image) */
        EG_OP_FINGER_ENROLL = 7, /* args.finger -> result.data (template) + result.format */
        EG_OP_FINGER_VERIFY = 8, /* args.data (template), args.format, args.finger
                                   * -> result.score, result.threshold, result.match */

        /* Camera */
        EG_OP_CAMERA_CAPTURE = 9, /* -> result.fd + result.format */

        /* Door */
        EG_OP_DOOR_OPEN = 10, /* unlock and open (motorised) or release */
        EG_OP_DOOR_CLOSE = 11, /* close (motorised); completes when closed */
        EG_OP_DOOR_LOCK = 12, /* engage the lock; completes when locked */
        EG_OP_DOOR_SAFE_STATE = 13, /* go to the declared fail-safe/fail-secure state */

        /* PresenceSensor */
        EG_OP_PRESENCE_READ = 14, /* args.zone -> result.value: people in the zone */

        /* Indicator */
        EG_OP_INDICATOR_SET = 15, /* args.light, args.pattern, args.buzzer,
                                   * args.message_id, args.language */

        /* DocumentReader, since ABI 1.2: the data page's optical security
         * (TR-03135-1 §5.5.3 model identification, §5.5.4.2 spectral checks)
         * -> result.document_model + result.optical_* (below) */
        EG_OP_DOCUMENT_INSPECT = 16,

        EG_OP_MAX_ = 17,
};

#define EG_OP_BIT(k) (UINT32_C(1) << (unsigned) (k))

/* Light sources for page capture. */
enum eg_page_light {
        EG_LIGHT_VISIBLE = 0,
        EG_LIGHT_INFRARED = 1,
        EG_LIGHT_ULTRAVIOLET = 2,
};

/*
 * The optical security checks a document reader can make of the data page
 * under its own light sources (TR-03135-1 §5.5.4.2), as bit numbers of the
 * eg_op_result.optical_* masks.  A reader sets each check it made in exactly
 * one mask; a check in none was not made.  The values are ABI: never renumber.
 */
enum eg_optical_check {
        EG_OPTICAL_UV_DULLNESS = 0, /* the page does not glow under UV (no optical brightener) */
        EG_OPTICAL_UV_PATTERNS = 1, /* the model's UV-fluorescent patterns are where they belong */
        EG_OPTICAL_IR_B900 = 2, /* B900 ink: the marked areas absorb infrared as they should */
        EG_OPTICAL_IR_MRZ = 3, /* the MRZ is printed in IR-absorbing ink */
        EG_OPTICAL_VISIBLE_PATTERNS = 4, /* the model's visible security printing */
        EG_OPTICAL_MAX_ = 5,
};

#define EG_OPTICAL_BIT(c) (UINT32_C(1) << (unsigned) (c))

/* Indicator lamp colours (TR-03135-1 §5.2) and patterns. */
enum eg_indicator_colour {
        EG_COLOUR_OFF = 0,
        EG_COLOUR_GREEN = 1,
        EG_COLOUR_RED = 2,
        EG_COLOUR_YELLOW = 3,
        EG_COLOUR_WHITE = 4,
};

enum eg_indicator_pattern {
        EG_PATTERN_STEADY = 0,
        EG_PATTERN_SLOW_FLASH = 1,
        EG_PATTERN_FAST_FLASH = 2,
};

/*
 * Arguments of one operation.  Only the fields the kind documents are
 * meaningful; the rest are zero.  Buffers and strings are owned by the
 * daemon and valid only for the duration of the start() call: a plugin
 * that needs them later copies them.
 */
struct eg_op_args {
        uint32_t size;
        enum eg_op_kind kind;
        uint32_t timeout_ms; /* the deadline the daemon enforces, for information */

        const uint8_t *data; /* CHIP_TRANSMIT: C-APDU; FINGER_VERIFY: template */
        size_t data_len;
        const char *format; /* FINGER_VERIFY: template format, e.g. "iso-19794-2" */
        int32_t finger; /* ISO/IEC 19794-2 finger position, 0 = any */
        enum eg_page_light light;
        const char *zone; /* PRESENCE_READ: zone name, NULL = the device's zone */

        enum eg_indicator_colour colour;
        enum eg_indicator_pattern pattern;
        bool buzzer;
        uint32_t message_id; /* guidance message shown to the traveller */
        const char *language; /* BCP 47, e.g. "ko", "en" */
};

/*
 * Result of one operation, posted with eg_host_complete().  The daemon copies
 * `text`, `data` and `format` before eg_host_complete() returns, and takes
 * ownership of `fd` even when the call fails (the plugin must not use or
 * close it afterwards; it should be a sealed memfd).
 *
 * `status` is 0 on success or a negative errno:
 *   -EIO        hardware or protocol error (message says which)
 *   -ENODEV     the device went away
 *   -ETIMEDOUT  the hardware timed out (the daemon also enforces the deadline)
 *   -ECANCELED  cancelled on request
 *   -ENOMSG     nothing to read (no document, no finger, no chip)
 *   -EAGAIN     retry: bad placement, poor quality (message says why)
 *   -EOPNOTSUPP the device cannot do this
 */
struct eg_op_result {
        uint32_t size;
        int32_t status;
        const char *message; /* human-readable detail, never personal data */

        const char *text; /* DOCUMENT_READ_MRZ */
        const uint8_t *data;
        size_t data_len;
        const char *format; /* MIME type of fd, or template format */
        int fd; /* image (memfd), -1 if none */

        double score; /* FINGER_VERIFY: comparison score */
        double threshold; /* FINGER_VERIFY: the threshold the plugin applied */
        bool match;
        int64_t value; /* PRESENCE_READ: count */

        /* Since ABI 1.2.  DOCUMENT_INSPECT: the model the reader identified the
         * document as, in the reader's own naming (printable ASCII, e.g.
         * "KOR-P-2021"; never personal data), NULL or "" when it knows no model
         * that fits; and each optical check it made, in one of the masks. */
        const char *document_model;
        uint32_t optical_passed; /* EG_OPTICAL_BIT()s */
        uint32_t optical_failed;
        uint32_t optical_undetermined; /* made, but the reader could not tell (glare, wear) */

        /* Since ABI 1.2.  FINGER_CAPTURE, FINGER_VERIFY, CAMERA_CAPTURE: the device's own
         * presentation attack detection (ISO/IEC 30107-1) judged the sample an artefact: a
         * fake finger, a printed, replayed or masked face.  egated raises a silent operator
         * alarm whatever a comparison says; false when the device has no PAD. */
        bool presentation_attack;
        /* Since ABI 1.2.  CAMERA_CAPTURE: the faces the camera found in the frame, 0 when it
         * does not count them.  More than one: egated asks the traveller to stand alone and
         * captures again (A_MULTI_FACE), the frame is never compared. */
        uint32_t faces;
};

/* Door position and lock state, reported with EG_EVENT_DOOR_*. */
enum eg_door_position {
        EG_DOOR_POSITION_UNKNOWN = 0,
        EG_DOOR_POSITION_CLOSED = 1,
        EG_DOOR_POSITION_OPEN = 2,
        EG_DOOR_POSITION_MOVING = 3,
};

enum eg_door_lock {
        EG_DOOR_LOCK_UNKNOWN = 0,
        EG_DOOR_LOCK_LOCKED = 1,
        EG_DOOR_LOCK_UNLOCKED = 2,
};

/*
 * What a door does on a fault, on power loss and when the daemon stops:
 * fail-secure stays closed and locked (keeps the border), fail-safe opens
 * (keeps people safe, e.g. on an evacuation route).  Declared by the plugin
 * or the config; EG_OP_DOOR_SAFE_STATE makes the hardware do it.
 */
enum eg_door_fail_mode {
        EG_DOOR_FAIL_SECURE = 0,
        EG_DOOR_FAIL_SAFE = 1,
};

/* Events a device reports on its own.  Values are ABI: never renumber. */
enum eg_event_type {
        EG_EVENT_INVALID = 0,
        EG_EVENT_DOCUMENT_PRESENT = 1,
        EG_EVENT_DOCUMENT_REMOVED = 2,
        EG_EVENT_CHIP_PRESENT = 3,
        EG_EVENT_CHIP_REMOVED = 4,
        EG_EVENT_FINGER_PRESENT = 5,
        EG_EVENT_FINGER_REMOVED = 6,
        EG_EVENT_DOOR_POSITION = 7, /* value: enum eg_door_position */
        EG_EVENT_DOOR_LOCK = 8, /* value: enum eg_door_lock */
        EG_EVENT_DOOR_FORCED = 9, /* opened without a command */
        EG_EVENT_DOOR_HELD_OPEN = 10,
        EG_EVENT_OCCUPANCY = 11, /* zone, value: people in the zone */
        EG_EVENT_BEAM = 12, /* zone: beam name, value: 1 broken, 0 clear */
        EG_EVENT_EMERGENCY = 13, /* value: 1 active, 0 cleared */
        EG_EVENT_FAULT = 14, /* message: what broke; the device stops serving */
        EG_EVENT_RECOVERED = 15, /* the device serves again */
        EG_EVENT_MAX_ = 16,
};

struct eg_event {
        uint32_t size;
        enum eg_event_type type;
        int64_t value;
        const char *zone; /* OCCUPANCY, BEAM */
        const char *message; /* FAULT: reason, never personal data */
};

#ifdef __cplusplus
}
#endif
