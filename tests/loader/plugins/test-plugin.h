/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Entry points shared by the loader's test plugins: they are loaded, never run for real. */
#pragma once

#include <egate/plugin.h>
#include <errno.h>

__attribute__((unused)) static int test_init(struct eg_host *host, void **plugin_data) {
        (void) host;
        *plugin_data = NULL;
        return 0;
}

__attribute__((unused)) static void test_shutdown(void *plugin_data) {
        (void) plugin_data;
}

__attribute__((unused)) static int test_declare_device(void *plugin_data,
                                                       const struct eg_device_config *config) {
        (void) plugin_data;
        (void) config;
        return -ENODEV;
}

/* The members of a complete SDK 1.0 struct eg_plugin_ops. */
#define TEST_OPS_MEMBERS                                                                           \
        .size = sizeof(struct eg_plugin_ops), .init = test_init, .shutdown = test_shutdown,        \
        .declare_device = test_declare_device

/* A complete, valid descriptor body for a plugin called `n` (after .size/.abi_*). */
#define TEST_DESCRIPTOR_MEMBERS(n)                                                                 \
        .name = n, .version = "1.0.0", .vendor = "egate tests",                                    \
        .classes = EG_CLASS_BIT(EG_CLASS_DOOR), .matches = { EG_MATCH_CONFIG_ENTRY }
