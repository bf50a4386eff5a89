/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A well-formed plugin: two classes, one match of each kind. */
#include "test-plugin.h"

EG_PLUGIN_DEFINE(.name = "good", .version = "1.2.3", .vendor = "egate tests",
                 .classes = EG_CLASS_BIT(EG_CLASS_DOOR) | EG_CLASS_BIT(EG_CLASS_INDICATOR),
                 .matches = {
                         EG_MATCH_CONFIG_ENTRY,
                         EG_MATCH_UDEV_ENTRY("tty", "ID_EGATE_ROLE=door"),
                         EG_MATCH_USB_ENTRY(0x1234, 0x5678),
                 }) = {
        TEST_OPS_MEMBERS,
};
