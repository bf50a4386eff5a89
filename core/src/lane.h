/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A lane: one e-gate, its devices by role, its mode and its policy.
 *
 * Roles come from the config ([lane.NAME] entry-door=...) or, where the
 * config leaves a role open, from the device's own hint (udev properties,
 * the mock scenario).  The lane is "ready" when every role it needs has an
 * online device; the pipeline (a later stage) drives it from there.
 */
#pragma once

#include <stdbool.h>

#include "config.h"
#include "list.h"

struct eg_manager;
struct eg_device;

#define EG_LANE_MAX_MULTI 8 /* presence sensors, indicators */

struct eg_lane {
        struct eg_manager *manager;
        char *name;
        enum eg_lane_mode mode;
        struct eg_policy policy; /* a copy: a reload swaps it between transactions */
        bool from_config; /* false: created from device hints (mock mode) */

        /* Device ids per role; presence sensors and indicators can be several. */
        char *roles[EG_ROLE_MAX_][EG_LANE_MAX_MULTI];
        bool ready;
        char *not_ready_reason;

        EG_LIST_FIELDS(struct eg_lane, lanes);
};

/* Build lanes from the config and from device hints; re-evaluate readiness. */
int eg_lanes_build(struct eg_manager *m);
void eg_lanes_free(struct eg_manager *m);

struct eg_lane *eg_lane_find(struct eg_manager *m, const char *name);
/* The lane and role a device serves, if any. */
struct eg_lane *eg_lane_of_device(struct eg_manager *m, const char *device_id,
                                  enum eg_lane_role *ret_role);

/* Recompute `ready` after a device came, went or changed state. */
void eg_lane_update_readiness(struct eg_lane *l);
void eg_lanes_update_readiness(struct eg_manager *m);

int eg_lane_set_mode(struct eg_lane *l, enum eg_lane_mode mode, const char *reason);
