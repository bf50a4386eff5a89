/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared between the parts of the scenario parser. */
#pragma once

#include "scenario-json.h"
#include "scenario.h"

extern const char *const mock_chip_behaviour_names[MOCK_CHIP_BEHAVIOUR_MAX];
extern const char *const mock_chip_access_names[MOCK_CHIP_ACCESS_MAX];
extern const char *const mock_finger_outcome_names[MOCK_FINGER_OUTCOME_MAX];
extern const char *const mock_face_outcome_names[MOCK_FACE_OUTCOME_MAX];
extern const char *const mock_walk_names[MOCK_WALK_MAX];
extern const char *const mock_membership_status_names[MOCK_MEMBERSHIP_STATUS_MAX];
extern const char *const mock_fault_kind_names[MOCK_FAULT_KIND_MAX];
extern const char *const mock_background_names[MOCK_BACKGROUND_MAX];
extern const char *const mock_registry_names[MOCK_REGISTRY_MAX];
extern const char *const mock_optical_verdict_names[MOCK_OPTICAL_VERDICT_MAX];
extern const char *const mock_finger_position_names[MOCK_FINGER_POSITIONS + 1];

int mock_parse_travellers(struct mock_json_ctx *c, struct json_object *root,
                          struct mock_scenario *s);
void mock_traveller_done(struct mock_traveller *t);
