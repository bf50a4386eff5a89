/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Which plugin a discovered device is for: the descriptor's EG_MATCH_USB and
 * EG_MATCH_UDEV entries against a candidate.  Pure functions on plain data,
 * shared by the daemon's discovery and by the udev rules generator, which
 * must agree on what a match means.
 *
 *   EG_MATCH_USB   ID_VENDOR_ID and ID_MODEL_ID equal the match's ids, on a
 *                  USB device node (subsystem "usb", DEVTYPE "usb_device"), or,
 *                  when the match names a subsystem, on a device of that
 *                  subsystem (a USB serial port, a hidraw node).
 *   EG_MATCH_UDEV  the subsystem is the match's, and when the match has a
 *                  property KEY=VALUE, the device's KEY is exactly VALUE.
 */
#pragma once

#include <egate/plugin.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EG_UDEV_TAG "egate"

/* Properties the udev rules set and discovery reads (udev/71-egate.rules). */
#define EG_PROP_CANDIDATE "ID_EGATE_CANDIDATE"
#define EG_PROP_IGNORE "ID_EGATE_IGNORE"
#define EG_PROP_PLUGIN "ID_EGATE_PLUGIN"
#define EG_PROP_LANE "ID_EGATE_LANE"
#define EG_PROP_ROLE "ID_EGATE_ROLE"

/* The value of `key` among the candidate's properties, or NULL. */
const char *eg_candidate_property(const struct eg_candidate *c, const char *key);

/* Exactly four hexadecimal digits, as udev writes ID_VENDOR_ID. */
int eg_parse_usb_id(const char *s, uint16_t *ret);

/* The subsystem (and devtype, or NULL for any) an EG_MATCH_USB entry applies to. */
const char *eg_match_usb_subsystem(const struct eg_match *m, const char **ret_devtype);

bool eg_match_applies(const struct eg_match *m, const struct eg_candidate *c);
/* Any entry of the descriptor applies. */
bool eg_descriptor_matches(const struct eg_plugin_descriptor *d, const struct eg_candidate *c);

/* Could a device satisfy both entries?  Entries of two different plugins that
 * overlap would both claim it: the rules generator refuses that. */
bool eg_matches_overlap(const struct eg_match *a, const struct eg_match *b);

/* "usb 072f:2200", "usb 072f:2200 on tty", "udev video4linux ID_EGATE_CLASS=camera". */
void eg_match_describe(const struct eg_match *m, char *buf, size_t size);
