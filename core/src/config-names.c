/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The names egated.conf, the D-Bus API and the logs use for modes, roles and classes. */
#include <errno.h>

#include "config.h"

static const char *const lane_mode_names[EG_LANE_MODE_MAX_] = {
        [EG_LANE_MODE_AUTOMATIC] = "automatic",
        [EG_LANE_MODE_MANUAL] = "manual",
        [EG_LANE_MODE_CLOSED] = "closed",
        [EG_LANE_MODE_EMERGENCY] = "emergency",
};

static const char *const lane_role_names[EG_ROLE_MAX_] = {
        [EG_ROLE_DOCUMENT_READER] = "document-reader",
        [EG_ROLE_CHIP_READER] = "chip-reader",
        [EG_ROLE_FINGERPRINT_SCANNER] = "fingerprint-scanner",
        [EG_ROLE_CAMERA] = "camera",
        [EG_ROLE_ENTRY_DOOR] = "entry-door",
        [EG_ROLE_EXIT_DOOR] = "exit-door",
        [EG_ROLE_PRESENCE_SENSOR] = "presence-sensor",
        [EG_ROLE_INDICATOR] = "indicator",
};

static const enum eg_device_class lane_role_classes[EG_ROLE_MAX_] = {
        [EG_ROLE_DOCUMENT_READER] = EG_CLASS_DOCUMENT_READER,
        [EG_ROLE_CHIP_READER] = EG_CLASS_CHIP_READER,
        [EG_ROLE_FINGERPRINT_SCANNER] = EG_CLASS_FINGERPRINT_SCANNER,
        [EG_ROLE_CAMERA] = EG_CLASS_CAMERA,
        [EG_ROLE_ENTRY_DOOR] = EG_CLASS_DOOR,
        [EG_ROLE_EXIT_DOOR] = EG_CLASS_DOOR,
        [EG_ROLE_PRESENCE_SENSOR] = EG_CLASS_PRESENCE_SENSOR,
        [EG_ROLE_INDICATOR] = EG_CLASS_INDICATOR,
};

/* EG_CLASS_INVALID has no name on purpose: it can be neither configured nor shown. */
static const char *const device_class_names[EG_CLASS_MAX_] = {
        [EG_CLASS_DOCUMENT_READER] = "document-reader",
        [EG_CLASS_CHIP_READER] = "chip-reader",
        [EG_CLASS_FINGERPRINT_SCANNER] = "fingerprint-scanner",
        [EG_CLASS_CAMERA] = "camera",
        [EG_CLASS_DOOR] = "door",
        [EG_CLASS_PRESENCE_SENSOR] = "presence-sensor",
        [EG_CLASS_INDICATOR] = "indicator",
};

static const char *name_lookup(const char *const *names, size_t n, unsigned i) {
        return i < n ? names[i] : NULL;
}

static int name_index(const char *const *names, size_t n, const char *s) {
        if (!s)
                return -EINVAL;
        for (size_t i = 0; i < n; i++)
                if (names[i] && streq(names[i], s))
                        return (int) i;
        return -EINVAL;
}

const char *eg_lane_mode_to_string(enum eg_lane_mode m) {
        return name_lookup(lane_mode_names, ELEMENTSOF(lane_mode_names), (unsigned) m);
}

int eg_lane_mode_from_string(const char *s) {
        return name_index(lane_mode_names, ELEMENTSOF(lane_mode_names), s);
}

const char *eg_lane_role_to_string(enum eg_lane_role r) {
        return name_lookup(lane_role_names, ELEMENTSOF(lane_role_names), (unsigned) r);
}

int eg_lane_role_from_string(const char *s) {
        return name_index(lane_role_names, ELEMENTSOF(lane_role_names), s);
}

enum eg_device_class eg_lane_role_class(enum eg_lane_role r) {
        if ((unsigned) r >= ELEMENTSOF(lane_role_classes))
                return EG_CLASS_INVALID;
        return lane_role_classes[r];
}

const char *eg_device_class_to_string(enum eg_device_class c) {
        return name_lookup(device_class_names, ELEMENTSOF(device_class_names), (unsigned) c);
}

int eg_device_class_from_string(const char *s) {
        return name_index(device_class_names, ELEMENTSOF(device_class_names), s);
}
