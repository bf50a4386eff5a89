/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "attendance.h"
#include "lane.h"
#include "list.h"
#include "log.h"
#include "macro.h"
#include "manager.h"
#include "pipeline/pipeline.h"

struct eg_attendance {
        char *lane;
        char *who;
        EG_LIST_FIELDS(struct eg_attendance, attendances);
};

static void attendance_free(struct eg_attendance *a) {
        free(a->lane);
        free(a->who);
        free(a);
}

/* The pipeline logs the operator action and audits it (a lane event, or the current
 * transaction's record); readiness follows at once. */
static void lane_attendance_changed(struct eg_manager *m, const char *lane, const char *action,
                                    const char *who, const char *why) {
        struct eg_lane *l = eg_lane_find(m, lane);
        struct eg_pipeline *p = eg_pipeline_find(m, lane);

        if (p)
                eg_pipeline_note_operator(p, action, who, why);
        else
                log_lane(LOG_NOTICE, 0, lane, "%s by %s: %s", action, who, why);
        if (l)
                eg_lane_update_readiness(l);
}

int eg_attendance_begin(struct eg_manager *m, const char *lane, const char *who,
                        struct eg_attendance **ret) {
        struct eg_attendance *a;

        if (!m || !lane || !who || !ret)
                return -EINVAL;
        a = calloc(1, sizeof(*a));
        if (!a)
                return -ENOMEM;
        a->lane = strdup(lane);
        a->who = strdup(who);
        if (!a->lane || !a->who) {
                attendance_free(a);
                return -ENOMEM;
        }
        EG_LIST_APPEND(attendances, m->attendances, a);
        lane_attendance_changed(m, lane, "attend", who, "operator attends the lane");
        *ret = a;
        return 0;
}

void eg_attendance_end(struct eg_manager *m, struct eg_attendance *a, const char *why) {
        _cleanup_free_ char *lane = NULL, *who = NULL;

        if (!a)
                return;
        EG_LIST_REMOVE(attendances, m->attendances, a);
        lane = TAKE_PTR(a->lane);
        who = TAKE_PTR(a->who);
        attendance_free(a);
        if (!m->stopping)
                lane_attendance_changed(m, lane, "leave", who, why);
}

void eg_attendances_free(struct eg_manager *m) {
        struct eg_attendance *a;

        while ((a = m->attendances)) {
                EG_LIST_REMOVE(attendances, m->attendances, a);
                attendance_free(a);
        }
}

unsigned eg_lane_attendants(const struct eg_manager *m, const char *lane) {
        const struct eg_attendance *a;
        unsigned n = 0;

        EG_LIST_FOREACH (attendances, a, m->attendances)
                if (streq(a->lane, lane))
                        n++;
        return n;
}

const char *eg_attendance_lane(const struct eg_attendance *a) {
        return a->lane;
}
