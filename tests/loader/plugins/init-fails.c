/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Loads fine; its init() fails, which the daemon (not the loader) turns into a refusal. */
#include "test-plugin.h"

static int init_fails(struct eg_host *host, void **plugin_data) {
        (void) host;
        (void) plugin_data;
        return -EIO;
}

EG_PLUGIN_DEFINE(TEST_DESCRIPTOR_MEMBERS("init-fails")) = {
        .size = sizeof(struct eg_plugin_ops),
        .init = init_fails,
        .shutdown = test_shutdown,
        .declare_device = test_declare_device,
};
