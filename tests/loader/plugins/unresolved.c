/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Valid, but needs a function nothing provides: dlopen(RTLD_NOW) fails. */
#include "test-plugin.h"

int egate_test_missing_function(void);

static int init_calls_missing(struct eg_host *host, void **plugin_data) {
        (void) host;
        *plugin_data = NULL;
        return egate_test_missing_function();
}

EG_PLUGIN_DEFINE(TEST_DESCRIPTOR_MEMBERS("unresolved")) = {
        .size = sizeof(struct eg_plugin_ops),
        .init = init_calls_missing,
        .shutdown = test_shutdown,
        .declare_device = test_declare_device,
};
