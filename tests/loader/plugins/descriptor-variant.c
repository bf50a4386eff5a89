/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A plugin whose descriptor differs from a valid one in the members meson
 * overrides with -DTEST_*= (see meson.build): one module per bad descriptor.
 */
#include "test-plugin.h"

#ifndef TEST_SIZE
#define TEST_SIZE sizeof(struct eg_plugin_descriptor)
#endif
#ifndef TEST_ABI_MAJOR
#define TEST_ABI_MAJOR EG_SDK_ABI_MAJOR
#endif
#ifndef TEST_ABI_MINOR
#define TEST_ABI_MINOR EG_SDK_ABI_MINOR
#endif
#ifndef TEST_NAME
#error "TEST_NAME must be defined"
#endif
#ifndef TEST_VERSION
#define TEST_VERSION "1.0.0"
#endif
#ifndef TEST_CLASSES
#define TEST_CLASSES EG_CLASS_BIT(EG_CLASS_DOOR)
#endif
#ifndef TEST_FLAGS
#define TEST_FLAGS 0
#endif
#ifndef TEST_MATCHES
#define TEST_MATCHES                                                                               \
        { EG_MATCH_CONFIG_ENTRY }
#endif

__attribute__((visibility("default"))) const struct eg_plugin_descriptor egate_plugin_descriptor = {
        .size = TEST_SIZE,
        .abi_major = TEST_ABI_MAJOR,
        .abi_minor = TEST_ABI_MINOR,
        .name = TEST_NAME,
        .version = TEST_VERSION,
        .vendor = "egate tests",
        .classes = TEST_CLASSES,
        .flags = TEST_FLAGS,
        .matches = TEST_MATCHES,
};

__attribute__((visibility("default"))) const struct eg_plugin_ops egate_plugin_ops = {
        TEST_OPS_MEMBERS,
};
