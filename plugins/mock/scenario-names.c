/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The names of the scenario's values, as the JSON and the control socket spell them. */
#include "names.h"
#include "scenario-internal.h"

const char *const mock_chip_behaviour_names[MOCK_CHIP_BEHAVIOUR_MAX] = {
        [MOCK_CHIP_OK] = "ok",
        [MOCK_CHIP_UNREADABLE] = "unreadable",
        [MOCK_CHIP_SLOW] = "slow",
        [MOCK_CHIP_PA_FAIL] = "pa-fail",
        [MOCK_CHIP_REMOVE_MID_READ] = "remove-mid-read",
        [MOCK_CHIP_BAC_FAIL] = "bac-fail",
        [MOCK_CHIP_CLONE] = "clone",
        [MOCK_CHIP_SHORT_ONLY] = "short-only",
};

const char *const mock_chip_access_names[MOCK_CHIP_ACCESS_MAX] = {
        [MOCK_CHIP_ACCESS_BAC] = "bac",
        [MOCK_CHIP_ACCESS_PACE] = "pace",
};

const char *const mock_finger_outcome_names[MOCK_FINGER_OUTCOME_MAX] = {
        [MOCK_FINGER_MATCH] = "match",
        [MOCK_FINGER_NO_MATCH] = "no-match",
        [MOCK_FINGER_TIMEOUT] = "timeout",
        [MOCK_FINGER_POOR_QUALITY] = "poor-quality",
        [MOCK_FINGER_PRESENTATION_ATTACK] = "presentation-attack",
};

const char *const mock_face_outcome_names[MOCK_FACE_OUTCOME_MAX] = {
        [MOCK_FACE_MATCH] = "match",
        [MOCK_FACE_NO_MATCH] = "no-match",
        [MOCK_FACE_NO_FACE] = "no-face",
        [MOCK_FACE_MULTI_FACE] = "multi-face",
        [MOCK_FACE_PRESENTATION_ATTACK] = "presentation-attack",
};

const char *const mock_walk_names[MOCK_WALK_MAX] = {
        [MOCK_WALK_NORMAL] = "normal",
        [MOCK_WALK_TAILGATER] = "tailgater",
        [MOCK_WALK_TURNS_BACK] = "turns-back",
        [MOCK_WALK_TWO_PEOPLE] = "two-people",
        [MOCK_WALK_SLOW] = "slow",
        [MOCK_WALK_FORCES_EXIT] = "forces-exit",
        [MOCK_WALK_EXIT_INTRUDER] = "exit-intruder",
};

const char *const mock_membership_status_names[MOCK_MEMBERSHIP_STATUS_MAX] = {
        [MOCK_MEMBERSHIP_ACTIVE] = "active",       [MOCK_MEMBERSHIP_CONDITIONAL] = "conditional",
        [MOCK_MEMBERSHIP_SUSPENDED] = "suspended", [MOCK_MEMBERSHIP_REVOKED] = "revoked",
        [MOCK_MEMBERSHIP_EXPIRED] = "expired",     [MOCK_MEMBERSHIP_NONE] = "none",
};

const char *const mock_fault_kind_names[MOCK_FAULT_KIND_MAX] = {
        [MOCK_FAULT_ERROR] = "error",   [MOCK_FAULT_DELAY] = "delay", [MOCK_FAULT_HANG] = "hang",
        [MOCK_FAULT_UNPLUG] = "unplug", [MOCK_FAULT_CRASH] = "crash",
};

const char *const mock_background_names[MOCK_BACKGROUND_MAX] = {
        [MOCK_BACKGROUND_CLEAR] = "clear",
        [MOCK_BACKGROUND_WATCHLIST_HIT] = "watchlist-hit",
        [MOCK_BACKGROUND_LOST_STOLEN] = "lost-stolen",
        [MOCK_BACKGROUND_UNAVAILABLE] = "unavailable",
};

const char *const mock_registry_names[MOCK_REGISTRY_MAX] = {
        [MOCK_REGISTRY_OK] = "ok",
        [MOCK_REGISTRY_ERROR] = "error",
        [MOCK_REGISTRY_HANG] = "hang",
};

const char *const mock_optical_verdict_names[MOCK_OPTICAL_VERDICT_MAX] = {
        [MOCK_OPTICAL_PASSED] = "passed",
        [MOCK_OPTICAL_FAILED] = "failed",
        [MOCK_OPTICAL_UNDETERMINED] = "undetermined",
        [MOCK_OPTICAL_NOT_MADE] = "not-made",
};

/* Index = ISO/IEC 19794-2 finger position. */
const char *const mock_finger_position_names[MOCK_FINGER_POSITIONS + 1] = {
        [1] = "right-thumb",  [2] = "right-index",  [3] = "right-middle", [4] = "right-ring",
        [5] = "right-little", [6] = "left-thumb",   [7] = "left-index",   [8] = "left-middle",
        [9] = "left-ring",    [10] = "left-little",
};

#define NAME_OF(table, i) ((unsigned) (i) < ELEMENTSOF(table) ? (table)[i] : NULL)

const char *mock_chip_behaviour_to_string(enum mock_chip_behaviour b) {
        return NAME_OF(mock_chip_behaviour_names, b);
}

const char *mock_chip_access_to_string(enum mock_chip_access a) {
        return NAME_OF(mock_chip_access_names, a);
}

const char *mock_finger_outcome_to_string(enum mock_finger_outcome o) {
        return NAME_OF(mock_finger_outcome_names, o);
}

const char *mock_face_outcome_to_string(enum mock_face_outcome o) {
        return NAME_OF(mock_face_outcome_names, o);
}

const char *mock_walk_to_string(enum mock_walk w) {
        return NAME_OF(mock_walk_names, w);
}

const char *mock_membership_status_to_string(enum mock_membership_status s) {
        return NAME_OF(mock_membership_status_names, s);
}

const char *mock_fault_kind_to_string(enum mock_fault_kind k) {
        return NAME_OF(mock_fault_kind_names, k);
}

const char *mock_background_to_string(enum mock_background b) {
        return NAME_OF(mock_background_names, b);
}

const char *mock_registry_to_string(enum mock_registry r) {
        return NAME_OF(mock_registry_names, r);
}

const char *mock_optical_verdict_to_string(enum mock_optical_verdict v) {
        return NAME_OF(mock_optical_verdict_names, v);
}

int mock_fault_kind_from_string(const char *s) {
        for (unsigned i = 0; i < MOCK_FAULT_KIND_MAX; i++)
                if (streq_ptr(mock_fault_kind_names[i], s))
                        return (int) i;
        return -EINVAL;
}

const char *mock_finger_position_to_string(unsigned position) {
        return NAME_OF(mock_finger_position_names, position);
}
