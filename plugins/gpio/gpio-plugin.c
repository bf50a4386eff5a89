/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * gpio: doors, presence sensors and indicators wired to GPIO lines, through
 * the kernel's GPIO character device (libgpiod).  README.md is the reference
 * for integrators: configuration keys and electrical assumptions.
 */
#include <errno.h>
#include <stdlib.h>

#include "gpio-plugin.h"

static int gpio_init(struct eg_host *host, void **data) {
        struct gpio_plugin *plugin = calloc(1, sizeof(*plugin));

        if (!plugin)
                return -ENOMEM;
        plugin->host = host;
        *data = plugin;
        return 0;
}

static void gpio_shutdown(void *data) {
        /* Devices are closed (and their doors de-energised) before this runs. */
        free(data);
}

static int gpio_declare_device(void *data, const struct eg_device_config *config) {
        struct gpio_plugin *plugin = data;

        switch (config->device_class) {
        case EG_CLASS_DOOR:
                return gpio_door_declare(plugin, config);
        case EG_CLASS_PRESENCE_SENSOR:
                return gpio_presence_declare(plugin, config);
        case EG_CLASS_INDICATOR:
                return gpio_indicator_declare(plugin, config);
        default:
                eg_host_log(plugin->host, EG_LOG_ERROR,
                            "device %s: the gpio plugin drives doors, "
                            "presence sensors and indicators only",
                            config->name);
                return -EINVAL;
        }
}

/* Discovery (a later issue) will offer gpiochips that site udev rules tag with
 * ID_EGATE_CLASS; today devices are declared in egated.conf. */
EG_PLUGIN_DEFINE(.name = "gpio",
                 .version = "0.1.0",
                 .vendor = "egate project",
                 .classes = EG_CLASS_BIT(EG_CLASS_DOOR) | EG_CLASS_BIT(EG_CLASS_PRESENCE_SENSOR) |
                            EG_CLASS_BIT(EG_CLASS_INDICATOR),
                 .matches = {
                         EG_MATCH_CONFIG_ENTRY,
                         EG_MATCH_UDEV_ENTRY("gpio", "ID_EGATE_CLASS=door"),
                         EG_MATCH_UDEV_ENTRY("gpio", "ID_EGATE_CLASS=presence-sensor"),
                         EG_MATCH_UDEV_ENTRY("gpio", "ID_EGATE_CLASS=indicator"),
                 }) = {
        .size = sizeof(struct eg_plugin_ops),
        .init = gpio_init,
        .shutdown = gpio_shutdown,
        .declare_device = gpio_declare_device,
};
