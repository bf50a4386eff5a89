/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "audit/audit-key.h"
#include "audit/audit-store.h"
#include "log.h"

/*
 * The schema, one step per version: PRAGMA user_version counts the steps
 * applied.  Steps are never edited once released; a change is a new step.
 */
static const char *const migrations[] = {
        /* 1: records, append-only, and the probe's heartbeat row. */
        "CREATE TABLE records ("
        "        seq INTEGER PRIMARY KEY AUTOINCREMENT,"
        "        transaction_id TEXT NOT NULL UNIQUE,"
        "        lane TEXT NOT NULL,"
        "        start_usec INTEGER NOT NULL,"
        "        end_usec INTEGER NOT NULL,"
        "        decision TEXT NOT NULL,"
        "        document_hash TEXT,"
        "        member_id TEXT,"
        "        written_usec INTEGER NOT NULL,"
        "        record TEXT NOT NULL"
        ");"
        "CREATE INDEX records_by_start ON records (start_usec);"
        "CREATE INDEX records_by_document ON records (document_hash);"
        "CREATE INDEX records_by_member ON records (member_id);"
        "CREATE TRIGGER records_no_update BEFORE UPDATE ON records BEGIN"
        "        SELECT RAISE(ABORT, 'audit records are append-only');"
        "END;"
        "CREATE TRIGGER records_no_delete BEFORE DELETE ON records BEGIN"
        "        SELECT RAISE(ABORT, 'audit records are append-only');"
        "END;"
        "CREATE TABLE heartbeat ("
        "        id INTEGER PRIMARY KEY CHECK (id = 1),"
        "        time_usec INTEGER NOT NULL,"
        "        ballast BLOB"
        ");",
        /* 2: lane events, append-only: what happened outside a transaction's record. */
        "CREATE TABLE events ("
        "        seq INTEGER PRIMARY KEY AUTOINCREMENT,"
        "        lane TEXT NOT NULL,"
        "        time_usec INTEGER NOT NULL,"
        "        kind TEXT NOT NULL,"
        "        transaction_id TEXT,"
        "        written_usec INTEGER NOT NULL,"
        "        event TEXT NOT NULL"
        ");"
        "CREATE INDEX events_by_time ON events (time_usec);"
        "CREATE INDEX events_by_transaction ON events (transaction_id);"
        "CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN"
        "        SELECT RAISE(ABORT, 'audit events are append-only');"
        "END;"
        "CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN"
        "        SELECT RAISE(ABORT, 'audit events are append-only');"
        "END;",
        /* 3: which key the document hashes are made with (audit-key.h), set once. */
        "CREATE TABLE key_check ("
        "        id INTEGER PRIMARY KEY CHECK (id = 1),"
        "        value TEXT NOT NULL"
        ");"
        "CREATE TRIGGER key_check_no_update BEFORE UPDATE ON key_check BEGIN"
        "        SELECT RAISE(ABORT, 'the audit key check is set once');"
        "END;"
        "CREATE TRIGGER key_check_no_delete BEFORE DELETE ON key_check BEGIN"
        "        SELECT RAISE(ABORT, 'the audit key check is set once');"
        "END;",
};

DEFINE_TRIVIAL_CLEANUP_FUNC(sqlite3_stmt *, sqlite3_finalize)

int eg_audit_store_errno(sqlite3 *db, int rc) {
        int sys;

        switch (rc & 0xff) {
        case SQLITE_OK:
        case SQLITE_DONE:
        case SQLITE_ROW:
                return 0;
        case SQLITE_FULL:
                return -ENOSPC;
        case SQLITE_IOERR:
                sys = db ? sqlite3_system_errno(db) : 0;
                return sys == ENOSPC || sys == EDQUOT ? -sys : -EIO;
        case SQLITE_READONLY:
                return -EROFS;
        case SQLITE_PERM:
        case SQLITE_AUTH:
                return -EACCES;
        case SQLITE_NOMEM:
                return -ENOMEM;
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
                return -EBUSY;
        case SQLITE_CONSTRAINT:
                return -EEXIST;
        case SQLITE_CORRUPT:
        case SQLITE_NOTADB:
                return -EBADMSG;
        case SQLITE_CANTOPEN:
                sys = db ? sqlite3_system_errno(db) : 0;
                return sys > 0 ? -sys : -EIO;
        default:
                return -EIO;
        }
}

static int exec(sqlite3 *db, const char *sql) {
        return eg_audit_store_errno(db, sqlite3_exec(db, sql, NULL, NULL, NULL));
}

/* After a failed statement inside a transaction: SQLite may or may not have rolled back. */
static void rollback(sqlite3 *db) {
        if (!sqlite3_get_autocommit(db))
                (void) sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

static int pragma_text(sqlite3 *db, const char *sql, const char *want) {
        _cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
        int rc;

        rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
        if (rc != SQLITE_OK)
                return eg_audit_store_errno(db, rc);
        rc = sqlite3_step(st);
        if (rc != SQLITE_ROW)
                return eg_audit_store_errno(db, rc) ?: -EIO;
        if (want && strcasecmp((const char *) sqlite3_column_text(st, 0) ?: "", want) != 0)
                return -EOPNOTSUPP;
        return 0;
}

static int user_version(sqlite3 *db, int *ret) {
        _cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
        int rc;

        rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL);
        if (rc == SQLITE_OK)
                rc = sqlite3_step(st);
        if (rc != SQLITE_ROW)
                return eg_audit_store_errno(db, rc) ?: -EIO;
        *ret = sqlite3_column_int(st, 0);
        return 0;
}

static int migrate(sqlite3 *db, const char *path) {
        int n = (int) ELEMENTSOF(migrations), version = 0, r;
        char sql[64];

        r = exec(db, "BEGIN IMMEDIATE");
        if (r < 0)
                return log_error_errno(r, "audit trail: %s: cannot start the schema check: %m",
                                       path);
        r = user_version(db, &version);
        if (r < 0)
                goto fail;
        if (version > n) {
                rollback(db);
                log_error("audit trail: %s has schema version %d, newer than this egated knows "
                          "(%d): refusing to write to it",
                          path, version, n);
                return -EPROTONOSUPPORT;
        }
        for (int v = version; v < n; v++) {
                r = exec(db, migrations[v]);
                if (r < 0)
                        goto fail;
        }
        (void) snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", n);
        r = exec(db, sql);
        if (r >= 0)
                r = exec(db, "COMMIT");
        if (r < 0)
                goto fail;
        if (version < n)
                log_info("audit trail: %s schema version %d -> %d", path, version, n);
        return 0;
fail:
        rollback(db);
        return log_error_errno(r, "audit trail: %s: cannot bring the schema to version %d: %s",
                               path, n, sqlite3_errmsg(db));
}

int eg_audit_store_open(const char *path, sqlite3 **ret) {
        sqlite3 *db = NULL;
        int rc, r;

        rc = sqlite3_open_v2(path, &db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_NOMUTEX |
                                     SQLITE_OPEN_EXRESCODE,
                             NULL);
        if (rc != SQLITE_OK) {
                r = eg_audit_store_errno(db, rc);
                log_error_errno(r, "audit trail: cannot open %s: %s", path,
                                db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
                goto fail;
        }
        /* Our own file only: no schema-supplied SQL functions, no writes to sqlite_master. */
        (void) sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
        (void) sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
        (void) sqlite3_busy_timeout(db, 2000);

        r = pragma_text(db, "PRAGMA journal_mode = WAL", "wal");
        if (r < 0) {
                log_error_errno(r, "audit trail: %s: cannot switch to WAL: %s", path,
                                r == -EOPNOTSUPP ? "SQLite refused" : sqlite3_errmsg(db));
                goto fail;
        }
        /* FULL: in WAL mode, each commit syncs the WAL, so a reported write survives power loss. */
        r = exec(db, "PRAGMA synchronous = FULL");
        if (r >= 0)
                r = exec(db, "PRAGMA temp_store = MEMORY");
        if (r >= 0)
                r = exec(db, "PRAGMA journal_size_limit = 4194304");
        if (r < 0) {
                log_error_errno(r, "audit trail: %s: cannot configure SQLite: %s", path,
                                sqlite3_errmsg(db));
                goto fail;
        }
        r = migrate(db, path);
        if (r < 0)
                goto fail;
        *ret = db;
        return 0;
fail:
        sqlite3_close(db);
        return r;
}

/* The trail's key check value, or "" when none is set yet. */
static int stored_key_check(sqlite3 *db, char value[static 65]) {
        _cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
        const char *text;
        int rc;

        value[0] = '\0';
        rc = sqlite3_prepare_v2(db, "SELECT value FROM key_check WHERE id = 1", -1, &st, NULL);
        if (rc == SQLITE_OK)
                rc = sqlite3_step(st);
        if (rc == SQLITE_DONE)
                return 0;
        if (rc != SQLITE_ROW)
                return eg_audit_store_errno(db, rc) ?: -EIO;
        text = (const char *) sqlite3_column_text(st, 0);
        /* Anything but a value of ours cannot match, and says so below. */
        (void) snprintf(value, 65, "%s", text && text[0] ? text : "?");
        return 0;
}

static int has_records(sqlite3 *db, bool *ret) {
        _cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
        int rc;

        rc = sqlite3_prepare_v2(db, "SELECT 1 FROM records LIMIT 1", -1, &st, NULL);
        if (rc == SQLITE_OK)
                rc = sqlite3_step(st);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE)
                return eg_audit_store_errno(db, rc) ?: -EIO;
        *ret = rc == SQLITE_ROW;
        return 0;
}

int eg_audit_store_check_key(sqlite3 *db, const char *path, const char *check) {
        _cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
        char stored[65];
        bool older = false;
        int rc, r;

        r = stored_key_check(db, stored);
        if (r < 0)
                return log_error_errno(r, "audit trail: %s: cannot read the key check: %m", path);
        if (stored[0]) {
                if (streq(stored, check))
                        return 0;
                log_error("audit trail: " EG_AUDIT_KEY_FILE " beside %s is not the key its "
                          "document hashes were made with: new hashes would never match the "
                          "old ones.  Restore the trail's key, or move " EG_AUDIT_DB_FILE "* "
                          "aside to start a new trail with this key",
                          path);
                return -EKEYREJECTED;
        }
        r = has_records(db, &older);
        if (r < 0)
                return log_error_errno(r, "audit trail: %s: cannot read the records: %m", path);
        rc = sqlite3_prepare_v2(db, "INSERT INTO key_check (id, value) VALUES (1, ?)", -1, &st,
                                NULL);
        if (rc == SQLITE_OK)
                rc = sqlite3_bind_text(st, 1, check, -1, SQLITE_STATIC);
        if (rc == SQLITE_OK)
                rc = sqlite3_step(st);
        if (rc != SQLITE_DONE) {
                r = eg_audit_store_errno(db, rc) ?: -EIO;
                return log_error_errno(r, "audit trail: %s: cannot store the key check: %s", path,
                                       sqlite3_errmsg(db));
        }
        /* Written before keys were checked: the key it has now is taken as its own. */
        if (older)
                log_notice("audit trail: %s had no key check; the present " EG_AUDIT_KEY_FILE
                           " is now the one it accepts",
                           path);
        return 0;
}

static int bind_text_or_null(sqlite3_stmt *st, int i, const char *s) {
        return s && *s ? sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC) : sqlite3_bind_null(st, i);
}

static int64_t clamp(uint64_t v) {
        return v > INT64_MAX ? INT64_MAX : (int64_t) v;
}

/* Prepared once per connection: a record's write then parses no SQL. */
static int writer_prepare(sqlite3 *db, sqlite3_stmt **st, const char *sql) {
        if (*st) {
                (void) sqlite3_reset(*st);
                (void) sqlite3_clear_bindings(*st);
                return 0;
        }
        return eg_audit_store_errno(
                db, sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL));
}

void eg_audit_store_writer_clear(struct eg_audit_store_writer *w) {
        sqlite3_finalize(w->begin);
        sqlite3_finalize(w->commit);
        sqlite3_finalize(w->insert);
        sqlite3_finalize(w->insert_event);
        *w = (struct eg_audit_store_writer){};
}

static int writer_step(sqlite3 *db, sqlite3_stmt *st) {
        int rc = sqlite3_step(st);

        (void) sqlite3_reset(st);
        return rc == SQLITE_DONE ? 0 : eg_audit_store_errno(db, rc) ?: -EIO;
}

static int writer_begin(sqlite3 *db, struct eg_audit_store_writer *w) {
        int r = writer_prepare(db, &w->begin, "BEGIN IMMEDIATE");

        return r < 0 ? r : writer_step(db, w->begin);
}

static int writer_commit(sqlite3 *db, struct eg_audit_store_writer *w) {
        int r = writer_prepare(db, &w->commit, "COMMIT");

        return r < 0 ? r : writer_step(db, w->commit);
}

static int insert_one(sqlite3 *db, struct eg_audit_store_writer *w,
                      const struct eg_audit_columns *c, const char *json, uint64_t now_usec) {
        sqlite3_stmt *st;
        int rc, r;

        r = writer_prepare(db, &w->insert,
                           "INSERT INTO records (transaction_id, lane, start_usec, end_usec, "
                           "decision, document_hash, member_id, written_usec, record) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
        if (r < 0)
                return r;
        st = w->insert;
        rc = sqlite3_bind_text(st, 1, c->transaction_id, -1, SQLITE_STATIC);
        if (rc == SQLITE_OK)
                rc = sqlite3_bind_text(st, 2, c->lane, -1, SQLITE_STATIC);
        if (rc == SQLITE_OK)
                rc = sqlite3_bind_int64(st, 3, clamp(c->start_usec));
        if (rc == SQLITE_OK)
                rc = sqlite3_bind_int64(st, 4, clamp(c->end_usec));
        if (rc == SQLITE_OK)
                rc = sqlite3_bind_text(st, 5, c->decision, -1, SQLITE_STATIC);
        if (rc == SQLITE_OK)
                rc = bind_text_or_null(st, 6, c->document_hash);
        if (rc == SQLITE_OK)
                rc = bind_text_or_null(st, 7, c->member_id);
        if (rc == SQLITE_OK)
                rc = sqlite3_bind_int64(st, 8, clamp(now_usec));
        if (rc == SQLITE_OK)
                rc = sqlite3_bind_text(st, 9, json, -1, SQLITE_STATIC);
        r = rc == SQLITE_OK ? writer_step(db, st) : eg_audit_store_errno(db, rc);
        (void) sqlite3_clear_bindings(st);
        return r;
}

int eg_audit_store_insert_group(sqlite3 *db, struct eg_audit_store_writer *w, size_t n,
                                const struct eg_audit_columns *const columns[],
                                const char *const json[], uint64_t now_usec, int status[]) {
        size_t n_inserted = 0;
        int r;

        r = writer_begin(db, w);
        if (r < 0)
                goto fail;
        for (size_t i = 0; i < n; i++) {
                r = insert_one(db, w, columns[i], json[i], now_usec);
                /* A constraint failure backs out only its own statement (SQLite's ABORT): a
                 * duplicate id fails that record alone.  Anything else (disk full, I/O error)
                 * may have ended the transaction, so the whole group fails. */
                if (r == -EEXIST) {
                        status[i] = r;
                        continue;
                }
                if (r < 0)
                        goto fail;
                status[i] = 0;
                n_inserted++;
        }
        r = writer_commit(db, w);
        if (r < 0)
                goto fail;
        return (int) n_inserted;
fail:
        rollback(db);
        for (size_t i = 0; i < n; i++)
                status[i] = r;
        return r;
}

int eg_audit_store_insert_event(sqlite3 *db, struct eg_audit_store_writer *w,
                                const struct eg_audit_event *ev, const char *json,
                                uint64_t now_usec) {
        sqlite3_stmt *st;
        int rc, r;

        r = writer_begin(db, w);
        if (r < 0)
                goto fail;
        r = writer_prepare(db, &w->insert_event,
                           "INSERT INTO events (lane, time_usec, kind, transaction_id, "
                           "written_usec, event) VALUES (?, ?, ?, ?, ?, ?)");
        if (r < 0)
                goto fail;
        st = w->insert_event;
        rc = sqlite3_bind_text(st, 1, ev->lane, -1, SQLITE_STATIC);
        if (rc == SQLITE_OK)
                rc = sqlite3_bind_int64(st, 2, clamp(ev->time_usec));
        if (rc == SQLITE_OK)
                rc = sqlite3_bind_text(st, 3, ev->kind, -1, SQLITE_STATIC);
        if (rc == SQLITE_OK)
                rc = bind_text_or_null(st, 4, ev->transaction_id);
        if (rc == SQLITE_OK)
                rc = sqlite3_bind_int64(st, 5, clamp(now_usec));
        if (rc == SQLITE_OK)
                rc = sqlite3_bind_text(st, 6, json, -1, SQLITE_STATIC);
        r = rc == SQLITE_OK ? writer_step(db, st) : eg_audit_store_errno(db, rc);
        (void) sqlite3_clear_bindings(st);
        if (r < 0)
                goto fail;
        r = writer_commit(db, w);
        if (r < 0)
                goto fail;
        return 0;
fail:
        rollback(db);
        return r;
}

int eg_audit_store_has_event(sqlite3 *db, const struct eg_audit_event *ev, const char *json,
                             bool *ret) {
        _cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
        int rc;

        /* events_by_time narrows it to the events of that microsecond. */
        rc = sqlite3_prepare_v2(db,
                                "SELECT 1 FROM events WHERE time_usec = ? AND lane = ? AND "
                                "kind = ? AND event = ? LIMIT 1",
                                -1, &st, NULL);
        if (rc == SQLITE_OK)
                rc = sqlite3_bind_int64(st, 1, clamp(ev->time_usec));
        if (rc == SQLITE_OK)
                rc = sqlite3_bind_text(st, 2, ev->lane, -1, SQLITE_STATIC);
        if (rc == SQLITE_OK)
                rc = sqlite3_bind_text(st, 3, ev->kind, -1, SQLITE_STATIC);
        if (rc == SQLITE_OK)
                rc = sqlite3_bind_text(st, 4, json, -1, SQLITE_STATIC);
        if (rc == SQLITE_OK)
                rc = sqlite3_step(st);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE)
                return eg_audit_store_errno(db, rc) ?: -EIO;
        *ret = rc == SQLITE_ROW;
        return 0;
}

int eg_audit_store_heartbeat(sqlite3 *db, uint64_t now_usec) {
        _cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
        int rc, r;

        r = exec(db, "BEGIN IMMEDIATE");
        if (r < 0)
                goto fail;
        rc = sqlite3_prepare_v2(db,
                                "INSERT INTO heartbeat (id, time_usec, ballast) "
                                "VALUES (1, ?1, randomblob(?2)) "
                                "ON CONFLICT (id) DO UPDATE SET time_usec = excluded.time_usec, "
                                "ballast = excluded.ballast",
                                -1, &st, NULL);
        if (rc == SQLITE_OK)
                rc = sqlite3_bind_int64(st, 1, clamp(now_usec));
        if (rc == SQLITE_OK)
                rc = sqlite3_bind_int(st, 2, EG_AUDIT_PROBE_BALLAST);
        if (rc == SQLITE_OK)
                rc = sqlite3_step(st);
        if (rc != SQLITE_DONE) {
                r = eg_audit_store_errno(db, rc) ?: -EIO;
                goto fail;
        }
        r = exec(db, "COMMIT");
        if (r < 0)
                goto fail;
        return 0;
fail:
        rollback(db);
        return r;
}

/* Run a prepared query whose first column is the record, collecting the texts. */
static int collect(sqlite3 *db, sqlite3_stmt *st, char ***ret, size_t *ret_n) {
        _cleanup_(strv_freep) char **rows = calloc(1, sizeof(char *));
        size_t n = 0;
        int rc;

        if (!rows)
                return -ENOMEM;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                const char *text = (const char *) sqlite3_column_text(st, 0);

                if (!text)
                        continue;
                if (strv_extend(&rows, text) < 0)
                        return -ENOMEM;
                n++;
        }
        if (rc != SQLITE_DONE)
                return eg_audit_store_errno(db, rc) ?: -EIO;
        *ret = TAKE_PTR(rows);
        *ret_n = n;
        return 0;
}

int eg_audit_store_list(sqlite3 *db, uint64_t since_usec, uint64_t until_usec, size_t limit,
                        char ***ret, size_t *ret_n) {
        _cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
        int rc;

        rc = sqlite3_prepare_v2(db,
                                "SELECT record FROM ("
                                "  SELECT seq, start_usec, record FROM records"
                                "  WHERE start_usec >= ? AND start_usec < ?"
                                "  ORDER BY start_usec DESC, seq DESC LIMIT ?"
                                ") ORDER BY start_usec ASC, seq ASC",
                                -1, &st, NULL);
        if (rc == SQLITE_OK)
                rc = sqlite3_bind_int64(st, 1, clamp(since_usec));
        if (rc == SQLITE_OK)
                rc = sqlite3_bind_int64(st, 2, clamp(until_usec));
        if (rc == SQLITE_OK)
                rc = sqlite3_bind_int64(st, 3, (int64_t) limit);
        if (rc != SQLITE_OK)
                return eg_audit_store_errno(db, rc);
        return collect(db, st, ret, ret_n);
}

int eg_audit_store_get(sqlite3 *db, const char *transaction_id, char ***ret, size_t *ret_n) {
        _cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
        int rc;

        rc = sqlite3_prepare_v2(db, "SELECT record FROM records WHERE transaction_id = ?", -1, &st,
                                NULL);
        if (rc == SQLITE_OK)
                rc = sqlite3_bind_text(st, 1, transaction_id, -1, SQLITE_STATIC);
        if (rc != SQLITE_OK)
                return eg_audit_store_errno(db, rc);
        return collect(db, st, ret, ret_n);
}

int eg_audit_store_list_events(sqlite3 *db, uint64_t since_usec, uint64_t until_usec, size_t limit,
                               const char *transaction_id, char ***ret, size_t *ret_n) {
        _cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
        int rc;

        rc = sqlite3_prepare_v2(db,
                                "SELECT event FROM ("
                                "  SELECT seq, time_usec, event FROM events"
                                "  WHERE time_usec >= ?1 AND time_usec < ?2"
                                "  AND (?3 IS NULL OR transaction_id = ?3)"
                                "  ORDER BY time_usec DESC, seq DESC LIMIT ?4"
                                ") ORDER BY time_usec ASC, seq ASC",
                                -1, &st, NULL);
        if (rc == SQLITE_OK)
                rc = sqlite3_bind_int64(st, 1, clamp(since_usec));
        if (rc == SQLITE_OK)
                rc = sqlite3_bind_int64(st, 2, clamp(until_usec));
        if (rc == SQLITE_OK)
                rc = bind_text_or_null(st, 3, transaction_id);
        if (rc == SQLITE_OK)
                rc = sqlite3_bind_int64(st, 4, (int64_t) limit);
        if (rc != SQLITE_OK)
                return eg_audit_store_errno(db, rc);
        return collect(db, st, ret, ret_n);
}

int eg_audit_store_batch(sqlite3 *db, enum eg_audit_store_table table, uint64_t since_usec,
                         uint64_t until_usec, int64_t *seq, size_t max, eg_audit_store_row_fn fn,
                         void *userdata) {
        /* Names cannot be bound: one whole statement per table. */
        static const char *const sql[] = {
                [EG_AUDIT_STORE_RECORDS] = "SELECT seq, record FROM records"
                                           " WHERE seq > ? AND start_usec >= ? AND start_usec < ?"
                                           " ORDER BY seq LIMIT ?",
                [EG_AUDIT_STORE_EVENTS] = "SELECT seq, event FROM events"
                                          " WHERE seq > ? AND time_usec >= ? AND time_usec < ?"
                                          " ORDER BY seq LIMIT ?",
        };
        _cleanup_(sqlite3_finalizep) sqlite3_stmt *st = NULL;
        int rc, r, n = 0;

        if ((size_t) table >= ELEMENTSOF(sql))
                return -EINVAL;
        rc = sqlite3_prepare_v2(db, sql[table], -1, &st, NULL);
        if (rc == SQLITE_OK)
                rc = sqlite3_bind_int64(st, 1, *seq);
        if (rc == SQLITE_OK)
                rc = sqlite3_bind_int64(st, 2, clamp(since_usec));
        if (rc == SQLITE_OK)
                rc = sqlite3_bind_int64(st, 3, clamp(until_usec));
        if (rc == SQLITE_OK)
                rc = sqlite3_bind_int64(st, 4, (int64_t) max);
        if (rc != SQLITE_OK)
                return eg_audit_store_errno(db, rc);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                const char *text = (const char *) sqlite3_column_text(st, 1);

                *seq = sqlite3_column_int64(st, 0);
                if (!text)
                        continue;
                r = fn(text, (size_t) sqlite3_column_bytes(st, 1), userdata);
                if (r < 0)
                        return r;
                n++;
        }
        if (rc != SQLITE_DONE)
                return eg_audit_store_errno(db, rc) ?: -EIO;
        return n;
}
