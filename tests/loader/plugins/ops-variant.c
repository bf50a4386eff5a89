/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A plugin with a valid descriptor whose egate_plugin_ops is wrong in the way
 * meson picks with -DTEST_OPS_<VARIANT> (see meson.build).
 */
#include "test-plugin.h"

__attribute__((visibility("default"))) const struct eg_plugin_descriptor egate_plugin_descriptor = {
        .size = sizeof(struct eg_plugin_descriptor),
        .abi_major = EG_SDK_ABI_MAJOR,
        .abi_minor = EG_SDK_ABI_MINOR,
        TEST_DESCRIPTOR_MEMBERS(TEST_NAME),
};

#if defined(TEST_OPS_SHORT_OBJECT)
/* Only the size field: an object too small to be the ops table at all. */
__attribute__((visibility("default"))) const uint32_t egate_plugin_ops =
        sizeof(struct eg_plugin_ops);
#elif defined(TEST_OPS_OVERSIZE)
__attribute__((visibility("default"))) const struct eg_plugin_ops egate_plugin_ops = {
        .size = sizeof(struct eg_plugin_ops) + 8,
        .init = test_init,
        .shutdown = test_shutdown,
        .declare_device = test_declare_device,
};
#else
__attribute__((visibility("default"))) const struct eg_plugin_ops egate_plugin_ops = {
#if defined(TEST_OPS_SMALL_SIZE)
        .size = 4,
#else
        .size = sizeof(struct eg_plugin_ops),
#endif
#if !defined(TEST_OPS_NO_INIT)
        .init = test_init,
#endif
#if !defined(TEST_OPS_NO_SHUTDOWN)
        .shutdown = test_shutdown,
#endif
#if !defined(TEST_OPS_NO_DECLARE)
        .declare_device = test_declare_device,
#endif
};
#endif
