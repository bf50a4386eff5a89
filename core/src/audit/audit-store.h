/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The SQLite side of the audit trail: schema and migrations, inserts,
 * queries.  Only the worker thread (audit-worker.c) calls these.
 *
 * One table holds the records: the searchable fields as columns, the whole
 * record as JSON text.  Records are append-only (triggers refuse UPDATE and
 * DELETE).  A second table holds one heartbeat row the writability probe
 * rewrites.  A third, as append-only as the first, holds the lane events
 * (audit.h): what happened outside a transaction's record.
 */
#pragma once

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "audit/audit.h"

#define EG_AUDIT_DB_FILE "audit.db"

/* The searchable fields of a record, as stored in columns ("" stored as NULL). */
struct eg_audit_columns {
        char transaction_id[EG_AUDIT_ID_MAX];
        char lane[64];
        uint64_t start_usec, end_usec;
        char decision[16];
        char document_hash[65];
        char member_id[40];
};

/* Open an existing file (the caller created it 0600), set WAL and synchronous=FULL, bring the
 * schema up to date.  A schema newer than ours is refused (-EPROTONOSUPPORT). */
int eg_audit_store_open(const char *path, sqlite3 **ret);

/*
 * Is `check` (eg_audit_key_check()) the value of the key this trail's document hashes were made
 * with?  A trail without one yet (new, or from before the checks) takes it.  A different one is
 * refused: -EKEYREJECTED, logged with what an operator can do.
 */
int eg_audit_store_check_key(sqlite3 *db, const char *path, const char *check);

/* The errno for an SQLite result code: SQLITE_FULL -ENOSPC, I/O errors -EIO (or the system's
 * ENOSPC/EDQUOT), a duplicate transaction id -EEXIST, ... */
int eg_audit_store_errno(sqlite3 *db, int rc);

/*
 * The records' writer: its statements are prepared once and kept for the
 * connection (eg_audit_store_writer_clear() before closing it).
 */
struct eg_audit_store_writer {
        sqlite3_stmt *begin, *commit, *insert, *insert_event;
};
void eg_audit_store_writer_clear(struct eg_audit_store_writer *w);

/*
 * Group commit: n records in one transaction, so records that queued up
 * while the disk was busy with the last commit share the next sync.  Returns
 * after COMMIT (synchronous=FULL: on disk) with status[i] for each record: 0,
 * -EEXIST for a transaction id already recorded (the others are not
 * affected), or, for all of them, the error that failed the group (-ENOSPC,
 * -EIO, ...).  Returns the number written or that error.
 */
int eg_audit_store_insert_group(sqlite3 *db, struct eg_audit_store_writer *w, size_t n,
                                const struct eg_audit_columns *const columns[],
                                const char *const json[], uint64_t now_usec, int status[]);

/* Does the trail hold this lane event (same lane, time, kind and JSON text)? */
int eg_audit_store_has_event(sqlite3 *db, const struct eg_audit_event *ev, const char *json,
                             bool *ret);

/* One lane event in its own transaction; returns after COMMIT. */
int eg_audit_store_insert_event(sqlite3 *db, struct eg_audit_store_writer *w,
                                const struct eg_audit_event *ev, const char *json,
                                uint64_t now_usec);

/*
 * The writability probe: rewrite the heartbeat row in a transaction of its
 * own, with fresh random ballast as large as the largest record and its
 * index entries.  A probe that writes less could fit into WAL space a failed
 * record left allocated and report writable while a record still cannot be.
 */
#define EG_AUDIT_PROBE_BALLAST (64 * 1024)
int eg_audit_store_heartbeat(sqlite3 *db, uint64_t now_usec);

/* Newest `limit` records started in [since, until), oldest first, as a NULL-terminated
 * strv of JSON texts. */
int eg_audit_store_list(sqlite3 *db, uint64_t since_usec, uint64_t until_usec, size_t limit,
                        char ***ret, size_t *ret_n);
int eg_audit_store_get(sqlite3 *db, const char *transaction_id, char ***ret, size_t *ret_n);
/* The same for lane events by time, those of transaction_id only unless it is NULL or "". */
int eg_audit_store_list_events(sqlite3 *db, uint64_t since_usec, uint64_t until_usec, size_t limit,
                               const char *transaction_id, char ***ret, size_t *ret_n);

/* What an export reads: the records (by their start) or the lane events (by their time). */
enum eg_audit_store_table {
        EG_AUDIT_STORE_RECORDS,
        EG_AUDIT_STORE_EVENTS,
};

/* For exports: up to max rows of table in [since, until) (records: started, events: happened)
 * written after *seq, in the order written; fn gets each JSON text; *seq advances.  Returns
 * the number of rows seen.  The two tables number their rows independently. */
typedef int (*eg_audit_store_row_fn)(const char *json, size_t len, void *userdata);
int eg_audit_store_batch(sqlite3 *db, enum eg_audit_store_table table, uint64_t since_usec,
                         uint64_t until_usec, int64_t *seq, size_t max, eg_audit_store_row_fn fn,
                         void *userdata);
