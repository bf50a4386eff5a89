/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The descriptor is not const, so it lands in writable .data. */
#include "test-plugin.h"

__attribute__((visibility("default"))) struct eg_plugin_descriptor egate_plugin_descriptor = {
        .size = sizeof(struct eg_plugin_descriptor),
        .abi_major = EG_SDK_ABI_MAJOR,
        .abi_minor = EG_SDK_ABI_MINOR,
        TEST_DESCRIPTOR_MEMBERS("writable-descriptor"),
};

__attribute__((visibility("default"))) const struct eg_plugin_ops egate_plugin_ops = {
        TEST_OPS_MEMBERS,
};
