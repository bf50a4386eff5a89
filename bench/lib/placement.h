/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Where a case's whole world runs (the case, dbus-daemon, the services, all
 * inheriting it): on one CPU and, where allowed, at a raised priority.
 *
 * One CPU: unpinned, the scheduler spreads the client, dbus-daemon and the
 * two services over the CPUs differently from run to run, and a service that
 * happens to share a CPU with dbus-daemon answers at another speed: the p50
 * ratio of one case ranged from 1.0 to 2.9 between runs on our 2-CPU
 * machines.  Pinned, it stayed within 3 %.
 *
 * Priority (nice -10): pinned to a CPU shared with busy neighbours, a call is
 * preempted for whole time slices, and the longer side of a case is hit more
 * often, so its p99 ratio measured the neighbours (ratios of 30 and more).
 * Both sides inherit the same priority, so the comparison stays fair.
 */
#pragma once

/* cpu: NULL for the highest-numbered CPU this process may use, "any" for no
 * pinning, or a CPU number.  A priority that cannot be raised (no privilege)
 * is only reported. */
int bench_place(const char *cpu);
