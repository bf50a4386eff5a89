/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Discovery: udev devices tagged "egate" become candidates for the plugins'
 * probe().
 *
 * At start the already-initialized tagged devices are enumerated (coldplug);
 * an sd_device_monitor on the manager's event loop brings the rest (hotplug).
 * Only tagged devices are ever looked at, and ID_EGATE_IGNORE=1 always wins.
 * A candidate goes to the plugin named by ID_EGATE_PLUGIN if the rules set
 * one, otherwise to the active plugins whose descriptor matches it, in plugin
 * order: the first whose probe() returns 0 owns it, -ENODEV passes it on.
 * When the device goes, its owner hears of it through candidate_removed()
 * (SDK 1.1); for a plugin built against 1.0 egated removes the devices the
 * plugin added while probing it.
 *
 * Nothing here blocks or fails the daemon: without udev (a container, a
 * test) discovery logs why and egated serves its configured devices.
 */
#pragma once

#include <systemd/sd-device.h>

#include "macro.h"

struct eg_manager;
struct eg_discovery;

/* Start monitoring and offer the devices already present.  On error the
 * reason is logged and *ret is NULL; the return value is for tests. */
int eg_discovery_start(struct eg_manager *m, struct eg_discovery **ret);
/* Stop: plugins are not told; their devices go when the plugins stop. */
struct eg_discovery *eg_discovery_free(struct eg_discovery *d);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct eg_discovery *, eg_discovery_free)

/* One uevent (or an enumerated device, as SD_DEVICE_ADD): the monitor's
 * handler, public so tests can feed devices without a uevent source. */
void eg_discovery_handle_device(struct eg_discovery *d, sd_device *device,
                                sd_device_action_t action);

/* The plugin that owns the candidate at `syspath`, or NULL. */
const char *eg_discovery_owner(struct eg_discovery *d, const char *syspath);

/* Tests only.  The monitor filters on the tag in the kernel (a BPF program on
 * the tag bloom filter udevd fills in); umockdev's emulated uevents carry no
 * bloom, so the kernel would drop them all.  This drops the kernel filter;
 * the userspace tag check stays. */
int eg_discovery_drop_kernel_filter(struct eg_discovery *d);
