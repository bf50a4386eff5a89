/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "names.h"

#include "mock-macro.h"

static const char *const role_names[MOCK_ROLE_MAX] = {
        [MOCK_ROLE_DOCUMENT_READER] = "document-reader",
        [MOCK_ROLE_CHIP_READER] = "chip-reader",
        [MOCK_ROLE_FINGERPRINT_SCANNER] = "fingerprint-scanner",
        [MOCK_ROLE_CAMERA] = "camera",
        [MOCK_ROLE_ENTRY_DOOR] = "entry-door",
        [MOCK_ROLE_EXIT_DOOR] = "exit-door",
        [MOCK_ROLE_PRESENCE_SENSOR] = "presence-sensor",
        [MOCK_ROLE_INDICATOR] = "indicator",
};

static const enum eg_device_class role_classes[MOCK_ROLE_MAX] = {
        [MOCK_ROLE_DOCUMENT_READER] = EG_CLASS_DOCUMENT_READER,
        [MOCK_ROLE_CHIP_READER] = EG_CLASS_CHIP_READER,
        [MOCK_ROLE_FINGERPRINT_SCANNER] = EG_CLASS_FINGERPRINT_SCANNER,
        [MOCK_ROLE_CAMERA] = EG_CLASS_CAMERA,
        [MOCK_ROLE_ENTRY_DOOR] = EG_CLASS_DOOR,
        [MOCK_ROLE_EXIT_DOOR] = EG_CLASS_DOOR,
        [MOCK_ROLE_PRESENCE_SENSOR] = EG_CLASS_PRESENCE_SENSOR,
        [MOCK_ROLE_INDICATOR] = EG_CLASS_INDICATOR,
};

const char *mock_role_to_string(enum mock_role r) {
        if (r < 0 || r >= MOCK_ROLE_MAX)
                return NULL;
        return role_names[r];
}

enum eg_device_class mock_role_class(enum mock_role r) {
        if (r < 0 || r >= MOCK_ROLE_MAX)
                return EG_CLASS_INVALID;
        return role_classes[r];
}

static const struct {
        const char *name;
        const char *model;
} class_names[EG_CLASS_MAX_] = {
        [EG_CLASS_DOCUMENT_READER] = { "document-reader", "Mock Document Reader" },
        [EG_CLASS_CHIP_READER] = { "chip-reader", "Mock Chip Reader" },
        [EG_CLASS_FINGERPRINT_SCANNER] = { "fingerprint-scanner", "Mock Fingerprint Scanner" },
        [EG_CLASS_CAMERA] = { "camera", "Mock Camera" },
        [EG_CLASS_DOOR] = { "door", "Mock Door" },
        [EG_CLASS_PRESENCE_SENSOR] = { "presence-sensor", "Mock Presence Sensor" },
        [EG_CLASS_INDICATOR] = { "indicator", "Mock Indicator" },
};

const char *mock_class_to_string(enum eg_device_class c) {
        if (c <= EG_CLASS_INVALID || c >= EG_CLASS_MAX_)
                return NULL;
        return class_names[c].name;
}

const char *mock_class_model(enum eg_device_class c) {
        if (c <= EG_CLASS_INVALID || c >= EG_CLASS_MAX_)
                return NULL;
        return class_names[c].model;
}

static const struct {
        const char *name;
        enum eg_device_class device_class;
} op_table[EG_OP_MAX_] = {
        [EG_OP_DOCUMENT_READ_MRZ] = { "document-read-mrz", EG_CLASS_DOCUMENT_READER },
        [EG_OP_DOCUMENT_CAPTURE_PAGE] = { "document-capture-page", EG_CLASS_DOCUMENT_READER },
        [EG_OP_CHIP_CONNECT] = { "chip-connect", EG_CLASS_CHIP_READER },
        [EG_OP_CHIP_TRANSMIT] = { "chip-transmit", EG_CLASS_CHIP_READER },
        [EG_OP_CHIP_DISCONNECT] = { "chip-disconnect", EG_CLASS_CHIP_READER },
        [EG_OP_FINGER_CAPTURE] = { "finger-capture", EG_CLASS_FINGERPRINT_SCANNER },
        [EG_OP_FINGER_ENROLL] = { "finger-enroll", EG_CLASS_FINGERPRINT_SCANNER },
        [EG_OP_FINGER_VERIFY] = { "finger-verify", EG_CLASS_FINGERPRINT_SCANNER },
        [EG_OP_CAMERA_CAPTURE] = { "camera-capture", EG_CLASS_CAMERA },
        [EG_OP_DOOR_OPEN] = { "door-open", EG_CLASS_DOOR },
        [EG_OP_DOOR_CLOSE] = { "door-close", EG_CLASS_DOOR },
        [EG_OP_DOOR_LOCK] = { "door-lock", EG_CLASS_DOOR },
        [EG_OP_DOOR_SAFE_STATE] = { "door-safe-state", EG_CLASS_DOOR },
        [EG_OP_PRESENCE_READ] = { "presence-read", EG_CLASS_PRESENCE_SENSOR },
        [EG_OP_INDICATOR_SET] = { "indicator-set", EG_CLASS_INDICATOR },
        [EG_OP_DOCUMENT_INSPECT] = { "document-inspect", EG_CLASS_DOCUMENT_READER },
};

const char *mock_op_to_string(enum eg_op_kind k) {
        if (k <= EG_OP_INVALID || k >= EG_OP_MAX_)
                return NULL;
        return op_table[k].name;
}

enum eg_op_kind mock_op_from_string(const char *s) {
        if (!s)
                return EG_OP_INVALID;
        for (unsigned k = EG_OP_INVALID + 1; k < EG_OP_MAX_; k++)
                if (streq(op_table[k].name, s))
                        return (enum eg_op_kind) k;
        return EG_OP_INVALID;
}

enum eg_device_class mock_op_class(enum eg_op_kind k) {
        if (k <= EG_OP_INVALID || k >= EG_OP_MAX_)
                return EG_CLASS_INVALID;
        return op_table[k].device_class;
}

uint32_t mock_class_supported_ops(enum eg_device_class c) {
        uint32_t mask = 0;

        for (unsigned k = EG_OP_INVALID + 1; k < EG_OP_MAX_; k++)
                if (op_table[k].device_class == c)
                        mask |= EG_OP_BIT(k);
        return mask;
}

const char *mock_op_names_joined(void) {
        return "document-read-mrz, document-capture-page, chip-connect, chip-transmit, "
               "chip-disconnect, finger-capture, finger-enroll, finger-verify, camera-capture, "
               "door-open, door-close, door-lock, door-safe-state, presence-read, indicator-set, "
               "document-inspect";
}

const char *const mock_optical_check_names[EG_OPTICAL_MAX_ + 1] = {
        [EG_OPTICAL_UV_DULLNESS] = "uv-dullness",
        [EG_OPTICAL_UV_PATTERNS] = "uv-patterns",
        [EG_OPTICAL_IR_B900] = "ir-b900",
        [EG_OPTICAL_IR_MRZ] = "ir-mrz",
        [EG_OPTICAL_VISIBLE_PATTERNS] = "visible-patterns",
        [EG_OPTICAL_MAX_] = NULL,
};
