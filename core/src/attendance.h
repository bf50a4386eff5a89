/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Operators attending lanes (domain notes §9 step 0: "operator at station").  An
 * operator's console declares that someone watches a lane; a lane whose policy says
 * operator-attendance = required takes no traveller while nobody does
 * (E_LANE_NO_OPERATOR): alarms, referrals and a traveller stuck in the mantrap need a
 * person to answer them.  Attendances are kept by lane name, so a reload that rebuilds
 * the lanes keeps them; the bus ties each to its caller's connection.
 */
#pragma once

struct eg_manager;
struct eg_attendance;

/* who: the operator as the log and the audit trail name them.  The lane need not
 * exist (yet): a console may attend a lane a reload is about to bring back. */
int eg_attendance_begin(struct eg_manager *m, const char *lane, const char *who,
                        struct eg_attendance **ret);
/* Ends it (why: "left", "the console's connection closed", ...) and frees it. */
void eg_attendance_end(struct eg_manager *m, struct eg_attendance *a, const char *why);
void eg_attendances_free(struct eg_manager *m);

unsigned eg_lane_attendants(const struct eg_manager *m, const char *lane);
const char *eg_attendance_lane(const struct eg_attendance *a);
