/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* egate_plugin_descriptor is a 16-byte object, far less than any descriptor. */
#include "test-plugin.h"

__attribute__((visibility("default"))) const uint32_t egate_plugin_descriptor[4] = {
        sizeof(struct eg_plugin_descriptor),
        EG_SDK_ABI_MAJOR | (EG_SDK_ABI_MINOR << 16),
};

__attribute__((visibility("default"))) const struct eg_plugin_ops egate_plugin_ops = {
        TEST_OPS_MEMBERS,
};
