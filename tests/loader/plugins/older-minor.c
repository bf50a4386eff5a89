/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A plugin as built against SDK ABI 1.0: minor 0, and the structs carry their
 * 1.0 sizes (offsetof the end of the last 1.0 member) rather than sizeof, so
 * once the SDK appends members this stands for an older build.
 */
#include "test-plugin.h"

#define END_OF(type, member) (offsetof(type, member) + sizeof(((type *) NULL)->member))

__attribute__((visibility("default"))) const struct eg_plugin_descriptor egate_plugin_descriptor = {
        .size = END_OF(struct eg_plugin_descriptor, matches),
        .abi_major = 1,
        .abi_minor = 0,
        TEST_DESCRIPTOR_MEMBERS("older-minor"),
};

__attribute__((visibility("default"))) const struct eg_plugin_ops egate_plugin_ops = {
        .size = END_OF(struct eg_plugin_ops, probe),
        .init = test_init,
        .shutdown = test_shutdown,
        .declare_device = test_declare_device,
};
