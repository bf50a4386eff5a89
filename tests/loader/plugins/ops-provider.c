/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A library (not a plugin) that happens to export egate_plugin_ops. */
#include "test-plugin.h"

int ops_provider_touch(void);

__attribute__((visibility("default"))) int ops_provider_touch(void) {
        return 0;
}

__attribute__((visibility("default"))) const struct eg_plugin_ops egate_plugin_ops = {
        TEST_OPS_MEMBERS,
};
