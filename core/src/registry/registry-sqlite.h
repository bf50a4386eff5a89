/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The default registry backend: SQLite in <state_directory>/registry.db
 * (0600, owned by the daemon's user; WAL, synchronous=FULL, foreign keys,
 * secure_delete).  SQLite work runs on two worker threads, one for changes
 * and one (with a read-only connection) for lookups, so a long import never
 * holds a lane's lookup up; answers come back to the event loop through
 * eventfds.  Schema and migrations: registry-schema.c and docs/registry.md.
 */
#pragma once

#include <systemd/sd-event.h>

#include "registry.h"

#define EG_REGISTRY_SQLITE_FILE "registry.db"

/*
 * Open (creating if needed) and migrate the database, then start the worker.
 * Returns -EPERM for a file with group/other permissions or another owner,
 * -EPROTO for a schema newer than this egated knows, -EIO when SQLite fails;
 * each logged with the reason.
 */
int eg_registry_sqlite_open(sd_event *e, const char *state_dir, struct eg_registry **ret);

/* Tests only: both workers wait this long before each request (0: not at all). */
void eg_registry_sqlite_set_test_delay(struct eg_registry *r, uint64_t usec);
