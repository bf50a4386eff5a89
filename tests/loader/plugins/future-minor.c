/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A plugin built against the next minor: its descriptor and ops are larger
 * than egated's (members appended), and it asks for an ABI egated lacks.
 */
#include "test-plugin.h"

struct future_descriptor {
        struct eg_plugin_descriptor base;
        uint32_t added_in_next_minor;
        uint32_t another;
};

struct future_ops {
        struct eg_plugin_ops base;
        int (*added_in_next_minor)(void *plugin_data);
};

static int test_added(void *plugin_data) {
        (void) plugin_data;
        return 0;
}

__attribute__((visibility("default"))) const struct future_descriptor egate_plugin_descriptor = {
        .base = {
                .size = sizeof(struct future_descriptor),
                .abi_major = EG_SDK_ABI_MAJOR,
                .abi_minor = EG_SDK_ABI_MINOR + 1,
                TEST_DESCRIPTOR_MEMBERS("future-minor"),
        },
        .added_in_next_minor = 0xfeedfaceu,
        .another = 0xfeedfaceu,
};

__attribute__((visibility("default"))) const struct future_ops egate_plugin_ops = {
        .base = {
                .size = sizeof(struct future_ops),
                .init = test_init,
                .shutdown = test_shutdown,
                .declare_device = test_declare_device,
        },
        .added_in_next_minor = test_added,
};
