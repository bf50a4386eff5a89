/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Records and lane events the trail could not take, kept on disk until it can.
 *
 * A record whose write fails (the database damaged, an I/O error) refers its
 * traveller and stays with the lane, in memory, to be written when the trail
 * is writable again; a refused lane event stays with the trail the same way.
 * A restart before then would lose them; and a damaged database is only left
 * behind by a restart.  So the worker also appends each to the spool beside
 * the database ("audit.db.spool": one JSON object per line, 0600, synced),
 * once, and the next time the trail opens it takes the spool's entries in.
 * Taking them is idempotent: a record written meanwhile is already there (the
 * transaction id is unique), and so is an event (same lane, time, kind, text).
 *
 * A full disk is the likeliest reason for a failed write, and would take no
 * spool line either; so the spool keeps room in advance: whenever the trail
 * opens, EG_AUDIT_SPOOL_RESERVE bytes past its end are allocated to it
 * (fallocate, size unchanged), and appends fill that room without asking the
 * file system for more.  A record beyond the room, or on a file system that
 * cannot reserve, lives in memory only (an event: until egated stops).  Worker thread only.
 */
#pragma once

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "audit/audit-store.h"

#define EG_AUDIT_SPOOL_SUFFIX ".spool"
#define EG_AUDIT_SPOOL_LINE_MAX (1024 * 1024) /* bytes; a record is far smaller */
/* Room kept for records a full disk refuses.  A lane closes after its first refused record, so
 * at most one record per lane needs it before an operator acts; a spool line is at most ~6 KiB
 * (the demo's largest record is 4.3 KiB, escaped once more in the line).  1 MiB holds ~170:
 * two or three for each of 64 lanes, and is nothing on a gate's disk. */
#define EG_AUDIT_SPOOL_RESERVE (1024 * 1024)

/* One spool line: a transaction's record, or a lane event. */
struct eg_audit_spool_entry {
        bool is_event;
        struct eg_audit_columns record; /* a record's searchable fields */
        struct eg_audit_event event; /* an event's lane, transaction_id, time_usec and kind */
        char *json; /* the record or event as the trail stores it */
};

/* Append one entry and sync it.  0, or a negative errno (nothing half written stays
 * unterminated: a line is only complete with its newline). */
int eg_audit_spool_append(const char *path, const struct eg_audit_spool_entry *e);

/*
 * Make sure the spool exists (empty, 0600, its directory entry synced) with
 * EG_AUDIT_SPOOL_RESERVE bytes of room past its end.  -EOPNOTSUPP where the
 * file system cannot reserve; the spool still works there, without the room.
 */
int eg_audit_spool_reserve(const char *path);

/* The spool line of an entry, with its newline (*ret_line, the caller frees). */
int eg_audit_spool_format_line(const struct eg_audit_spool_entry *e, char **ret_line);

/* One spool line (without its newline) back into an entry; its json is the caller's to free.
 * -EBADMSG for anything but a complete, well-formed line. */
int eg_audit_spool_parse_line(const char *line, struct eg_audit_spool_entry *ret);

/*
 * Take the spool at `path` into the trail: every entry is inserted (one the trail already holds
 * counts as taken).  Then the spool is removed, or, when some lines could not be read,
 * renamed to "<path>.bad-<usec>" and kept for an operator.  Returns the number of entries
 * taken, 0 when there is no spool, or the error that stopped it (the spool stays as it is,
 * to be taken next time).
 */
int eg_audit_spool_import(sqlite3 *db, struct eg_audit_store_writer *w, const char *path,
                          uint64_t now_usec);
