/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Defines only the descriptor; egate_plugin_ops comes from a library it links
 * (libops-provider.so), which dlsym() would happily return.
 */
#include "test-plugin.h"

__attribute__((visibility("default"))) const struct eg_plugin_descriptor egate_plugin_descriptor = {
        .size = sizeof(struct eg_plugin_descriptor),
        .abi_major = EG_SDK_ABI_MAJOR,
        .abi_minor = EG_SDK_ABI_MINOR,
        TEST_DESCRIPTOR_MEMBERS("ops-in-dependency"),
};

/* A real reference, so the link keeps libops-provider.so as DT_NEEDED under --as-needed. */
int ops_provider_touch(void);
__attribute__((used)) static int (*const keep_provider)(void) = ops_provider_touch;
