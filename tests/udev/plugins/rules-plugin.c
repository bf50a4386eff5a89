/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Plugins that exist only for their descriptor: the udev rules generator reads
 * it from the file and never runs this code.  TEST_NAME and TEST_MATCHES come
 * from tests/udev/plugins/meson.build.
 */
#include <egate/plugin.h>
#include <errno.h>

/* A double quote cannot pass through the build's command line: spelled here. */
#ifdef TEST_QUOTE
#define TEST_MATCHES                                                                               \
        { EG_MATCH_UDEV_ENTRY("tty", "ID_EGATE_CLASS=a\"b") }
#endif

static int rules_init(struct eg_host *host, void **data) {
        *data = NULL;
        return 0;
}

static void rules_shutdown(void *data) {
}

static int rules_probe(void *data, const struct eg_candidate *candidate) {
        return -ENODEV;
}

EG_PLUGIN_DEFINE(.name = TEST_NAME, .version = "1.0.0", .vendor = "egate tests",
                 .classes = EG_CLASS_BIT(EG_CLASS_CHIP_READER) |
                            EG_CLASS_BIT(EG_CLASS_DOCUMENT_READER),
                 .matches = TEST_MATCHES) = {
        .size = sizeof(struct eg_plugin_ops),
        .init = rules_init,
        .shutdown = rules_shutdown,
        .probe = rules_probe,
};
