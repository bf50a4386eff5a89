/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* egate_plugin_descriptor names a function, not data. */
#include "test-plugin.h"

int egate_plugin_descriptor(void);

__attribute__((visibility("default"))) int egate_plugin_descriptor(void) {
        return 0;
}

__attribute__((visibility("default"))) const struct eg_plugin_ops egate_plugin_ops = {
        TEST_OPS_MEMBERS,
};
