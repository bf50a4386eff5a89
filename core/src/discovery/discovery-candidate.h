/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * From a udev device (sd_device) to what a plugin's probe() sees: struct
 * eg_candidate with every property, the USB ids, and for USB device nodes
 * the opened node.  Also the opt-in check: only devices our udev rules
 * tagged are ever offered, and ID_EGATE_IGNORE=1 always wins.
 */
#pragma once

#include <egate/plugin.h>
#include <stdbool.h>
#include <systemd/sd-device.h>

/* udev properties passed to a plugin at most; the rest are dropped (logged). */
#define EG_CANDIDATE_MAX_PROPERTIES 256

/* Owns what candidate points to: the property array, and a reference on the
 * sd_device whose strings it borrows. */
struct eg_candidate_data {
        struct eg_candidate candidate;
        struct eg_property *properties;
        sd_device *device;
};

int eg_candidate_data_init(struct eg_candidate_data *cd, sd_device *device);
void eg_candidate_data_done(struct eg_candidate_data *cd);

/* Is this a node the daemon opens and hands over (a USB device node)? */
bool eg_candidate_wants_fd(const struct eg_candidate *c);
/* Open the node for the plugin: a new fd, or a negative errno. */
int eg_candidate_open_node(const struct eg_candidate *c);

/* Tagged "egate" and not ignored.  When not, *ret_reason says why (static text). */
bool eg_device_is_eligible(sd_device *device, const char **ret_reason);
