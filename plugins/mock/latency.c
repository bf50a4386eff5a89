/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "latency.h"

#include "mock-macro.h"
#include "names.h"

/* Typical figures of real gate hardware; see README.md "Latency". */
static const uint32_t realistic_ms[MOCK_TIMING_MAX] = {
        [EG_OP_DOCUMENT_READ_MRZ] = 800, [EG_OP_DOCUMENT_CAPTURE_PAGE] = 600,
        [EG_OP_CHIP_CONNECT] = 150,      [EG_OP_CHIP_TRANSMIT] = 25,
        [EG_OP_CHIP_DISCONNECT] = 20,    [EG_OP_FINGER_CAPTURE] = 500,
        [EG_OP_FINGER_ENROLL] = 1500,    [EG_OP_FINGER_VERIFY] = 700,
        [EG_OP_CAMERA_CAPTURE] = 400,    [EG_OP_DOOR_OPEN] = 1200,
        [EG_OP_DOOR_CLOSE] = 1200,       [EG_OP_DOOR_LOCK] = 200,
        [EG_OP_DOOR_SAFE_STATE] = 1200,  [EG_OP_PRESENCE_READ] = 10,
        [EG_OP_INDICATOR_SET] = 5,       [EG_OP_DOCUMENT_INSPECT] = 600,
        [MOCK_TIMING_WALK] = 1500,       [MOCK_TIMING_FINGER_PLACE] = 400,
};

void mock_latency_init(struct mock_latency *l, enum mock_latency_profile profile) {
        *l = (struct mock_latency){ .profile = profile };
        if (profile == MOCK_LATENCY_REALISTIC)
                memcpy(l->ms, realistic_ms, sizeof(l->ms));
}

static const char *const profile_names[MOCK_LATENCY_PROFILE_MAX] = {
        [MOCK_LATENCY_REALISTIC] = "realistic",
        [MOCK_LATENCY_ZERO] = "zero",
};

const char *mock_latency_profile_to_string(enum mock_latency_profile p) {
        if (p < 0 || p >= MOCK_LATENCY_PROFILE_MAX)
                return NULL;
        return profile_names[p];
}

int mock_latency_profile_from_string(const char *s) {
        for (unsigned i = 0; i < MOCK_LATENCY_PROFILE_MAX; i++)
                if (streq_ptr(profile_names[i], s))
                        return (int) i;
        return -EINVAL;
}

const char *mock_timing_to_string(enum mock_timing t) {
        if (t == MOCK_TIMING_WALK)
                return "walk";
        if (t == MOCK_TIMING_FINGER_PLACE)
                return "finger-place";
        return mock_op_to_string((enum eg_op_kind) t);
}

int mock_timing_from_string(const char *s) {
        enum eg_op_kind k;

        if (!s)
                return -EINVAL;
        if (streq(s, "walk"))
                return MOCK_TIMING_WALK;
        if (streq(s, "finger-place"))
                return MOCK_TIMING_FINGER_PLACE;
        k = mock_op_from_string(s);
        if (k == EG_OP_INVALID)
                return -EINVAL;
        return (int) k;
}
