/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The registry worker's SQL: every statement is static text prepared once
 * (on first use, by the worker); every value is bound, none is ever pasted
 * into SQL.  Also the helpers the reads (registry-queries.c) and the changes
 * (registry-changes.c) share: binding and reading columns, transactions, and
 * turning failures into the caller's message.
 *
 * Failures are told to the caller in result.message: where and what, never
 * a value (values are personal data).  The log gets SQLite's generic error
 * strings, nothing else.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "registry-sqlite-internal.h"

static const char *const statements[STMT_MAX_] = {
        [STMT_BEGIN] = "BEGIN",
        [STMT_BEGIN_IMMEDIATE] = "BEGIN IMMEDIATE",
        [STMT_COMMIT] = "COMMIT",
        [STMT_ROLLBACK] = "ROLLBACK",
        [STMT_FIND_BY_PASSPORT] = "SELECT member_id FROM passports "
                                  "WHERE issuing_state = ?1 AND document_number = ?2",
        [STMT_FIND_BY_HOLDER] = "SELECT p.member_id FROM passports p JOIN members m "
                                "ON m.id = p.member_id WHERE p.issuing_state = ?1 "
                                "AND m.birth_date = ?2 ORDER BY p.member_id LIMIT 1",
        [STMT_MEMBER] = "SELECT status, birth_date, enrolled, conditional_approval, created, "
                        "updated FROM members WHERE id = ?1",
        [STMT_MEMBER_PASSPORTS] = "SELECT issuing_state, document_number, expiry FROM passports "
                                  "WHERE member_id = ?1 ORDER BY rowid",
        [STMT_MEMBER_FINGERS] = "SELECT position, format, template FROM fingers "
                                "WHERE member_id = ?1 ORDER BY position, rowid",
        [STMT_MEMBER_FACE] = "SELECT mime, image FROM faces WHERE member_id = ?1",
        [STMT_MEMBER_HISTORY] = "SELECT status, changed_at, reason, actor "
                                "FROM member_status_history WHERE member_id = ?1 ORDER BY rowid",
        [STMT_LIST] = "SELECT id, status, enrolled, conditional_approval, updated FROM members "
                      "ORDER BY id",
        [STMT_INSERT_MEMBER] = "INSERT INTO members (id, status, birth_date, enrolled, "
                               "conditional_approval, created, updated) "
                               "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
        [STMT_INSERT_PASSPORT] = "INSERT INTO passports (member_id, issuing_state, "
                                 "document_number, expiry) VALUES (?1, ?2, ?3, ?4)",
        [STMT_INSERT_FINGER] = "INSERT INTO fingers (member_id, position, format, template, "
                               "stored) VALUES (?1, ?2, ?3, ?4, ?5)",
        [STMT_INSERT_FACE] = "INSERT INTO faces (member_id, mime, image) VALUES (?1, ?2, ?3)",
        [STMT_INSERT_HISTORY] = "INSERT INTO member_status_history (member_id, status, "
                                "changed_at, reason, actor) VALUES (?1, ?2, ?3, ?4, ?5)",
        [STMT_SET_STATUS] = "UPDATE members SET status = ?2, enrolled = COALESCE(enrolled, ?3), "
                            "updated = ?4 WHERE id = ?1",
        [STMT_TOUCH_MEMBER] = "UPDATE members SET updated = ?2 WHERE id = ?1",
        [STMT_DELETE_FINGER] = "DELETE FROM fingers "
                               "WHERE member_id = ?1 AND position = ?2 AND format = ?3",
        [STMT_DELETE_MEMBER_FINGERS] = "DELETE FROM fingers WHERE member_id = ?1",
        [STMT_DELETE_MEMBER_FACE] = "DELETE FROM faces WHERE member_id = ?1",
        [STMT_DELETE_MEMBER_PASSPORTS] = "DELETE FROM passports WHERE member_id = ?1",
        [STMT_DELETE_MEMBER] = "DELETE FROM members WHERE id = ?1",
        /* Push the overwritten pages into the main file and empty the WAL, so a removed
         * member's old pages do not linger there. */
        [STMT_CHECKPOINT] = "PRAGMA wal_checkpoint(TRUNCATE)",
};

void registry_now(char out[static 21], struct eg_date *ret_today) {
        time_t t = time(NULL);
        struct tm tm;

        (void) gmtime_r(&t, &tm);
        (void) strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
        if (ret_today)
                eg_registry_today(ret_today);
}

void registry_statements_finalize(struct registry_sqlite *b) {
        for (size_t i = 0; i < STMT_MAX_; i++) {
                sqlite3_finalize(b->stmts[i]);
                b->stmts[i] = NULL;
        }
}

/* The statement, reset and unbound; NULL with *rc set when it cannot be prepared. */
sqlite3_stmt *registry_statement(struct registry_sqlite *b, enum registry_stmt id, int *rc) {
        sqlite3_stmt *s = b->stmts[id];

        if (s) {
                (void) sqlite3_reset(s);
                (void) sqlite3_clear_bindings(s);
                *rc = SQLITE_OK;
                return s;
        }
        *rc = sqlite3_prepare_v3(b->db, statements[id], -1, SQLITE_PREPARE_PERSISTENT, &s, NULL);
        if (*rc != SQLITE_OK) {
                log_error("registry: cannot prepare statement %d: %s", (int) id,
                          sqlite3_errmsg(b->db));
                sqlite3_finalize(s);
                return NULL;
        }
        b->stmts[id] = s;
        return s;
}

bool registry_is_constraint(int rc) {
        return (rc & 0xff) == SQLITE_CONSTRAINT;
}

/* A storage failure: logged with SQLite's generic words, told to the caller as -EIO. */
int registry_storage_error(struct registry_sqlite *b, int rc, const char *what,
                           struct eg_registry_admin_result *res) {
        log_error("registry: %s: %s (SQLite error %d)", what, sqlite3_errstr(rc), rc);
        if (res) {
                free(res->message);
                if (asprintf(&res->message, "the registry's storage failed while %s: %s", what,
                             sqlite3_errstr(rc)) < 0)
                        res->message = NULL;
        }
        return -EIO;
}

_printf_(3, 4) int registry_refuse(struct eg_registry_admin_result *res, int error, const char *fmt,
                                   ...) {
        va_list ap;

        free(res->message);
        va_start(ap, fmt);
        if (vasprintf(&res->message, fmt, ap) < 0)
                res->message = NULL;
        va_end(ap);
        return -abs(error);
}

/* Run a statement without rows (BEGIN, COMMIT, ...). */
int registry_run(struct registry_sqlite *b, enum registry_stmt id) {
        int rc;
        sqlite3_stmt *s = registry_statement(b, id, &rc);

        if (!s)
                return rc;
        rc = sqlite3_step(s);
        (void) sqlite3_reset(s);
        return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
}

void registry_rollback(struct registry_sqlite *b) {
        if (!sqlite3_get_autocommit(b->db))
                (void) registry_run(b, STMT_ROLLBACK);
}

int registry_bind_date(sqlite3_stmt *s, int i, bool has, const struct eg_date *d, char buf[11]) {
        if (!has || eg_date_format_iso(d, buf) < 0)
                return sqlite3_bind_null(s, i);
        return sqlite3_bind_text(s, i, buf, -1, SQLITE_STATIC);
}

bool registry_column_date(sqlite3_stmt *s, int i, struct eg_date *ret) {
        const char *t = (const char *) sqlite3_column_text(s, i);

        return t && eg_date_parse_iso(t, ret) >= 0;
}

void registry_column_copy(sqlite3_stmt *s, int i, char *out, size_t size) {
        const char *t = (const char *) sqlite3_column_text(s, i);

        (void) snprintf(out, size, "%s", t ? t : "");
}

void *registry_column_blob_dup(sqlite3_stmt *s, int i, size_t *ret_len) {
        const void *p = sqlite3_column_blob(s, i);
        int n = sqlite3_column_bytes(s, i);
        void *copy;

        *ret_len = 0;
        if (!p || n <= 0)
                return NULL;
        copy = malloc((size_t) n);
        if (copy) {
                memcpy(copy, p, (size_t) n);
                *ret_len = (size_t) n;
        }
        return copy;
}

/* Steps a statement with its bindings done; SQLITE_DONE expected. */
int registry_step_done(sqlite3_stmt *s) {
        int rc = sqlite3_step(s);

        (void) sqlite3_reset(s);
        return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

int registry_begin_write(struct registry_sqlite *b, struct eg_registry_admin_result *res) {
        int rc = registry_run(b, STMT_BEGIN_IMMEDIATE);

        return rc == SQLITE_OK ? 0 : registry_storage_error(b, rc, "starting a change", res);
}

int registry_commit(struct registry_sqlite *b, struct eg_registry_admin_result *res) {
        int rc = registry_run(b, STMT_COMMIT);

        if (rc == SQLITE_OK)
                return 0;
        registry_rollback(b);
        return registry_storage_error(b, rc, "committing a change", res);
}
