/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared by registry-sqlite.c (queue, worker, loop side), registry-schema.c
 * and what the worker does (registry-statements.c, -queries.c, -changes.c). */
#pragma once

#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "list.h"
#include "registry.h"

#define EG_REGISTRY_SCHEMA_VERSION 2
#define EG_REGISTRY_BUSY_TIMEOUT_MS 5000

/* Every statement the worker runs: static SQL, values only ever bound. */
enum registry_stmt {
        STMT_BEGIN,
        STMT_BEGIN_IMMEDIATE,
        STMT_COMMIT,
        STMT_ROLLBACK,
        STMT_FIND_BY_PASSPORT,
        STMT_FIND_BY_HOLDER,
        STMT_MEMBER,
        STMT_MEMBER_PASSPORTS,
        STMT_MEMBER_FINGERS,
        STMT_MEMBER_FACE,
        STMT_MEMBER_HISTORY,
        STMT_LIST,
        STMT_INSERT_MEMBER,
        STMT_INSERT_PASSPORT,
        STMT_INSERT_FINGER,
        STMT_INSERT_FACE,
        STMT_INSERT_HISTORY,
        STMT_SET_STATUS,
        STMT_TOUCH_MEMBER,
        STMT_DELETE_FINGER,
        STMT_DELETE_MEMBER_FINGERS,
        STMT_DELETE_MEMBER_FACE,
        STMT_DELETE_MEMBER_PASSPORTS,
        STMT_DELETE_MEMBER,
        STMT_CHECKPOINT,
        STMT_MAX_,
};

struct registry_request {
        uint64_t id;
        bool is_lookup;
        bool by_holder; /* lookup_holder(): issuing_state and birth_date */
        struct eg_date birth_date;
        enum eg_registry_admin_kind kind;
        bool cancelled; /* under the lock */

        /* In. */
        char issuing_state[4];
        char document_number[EG_MEMBER_DOCUMENT_NUMBER_MAX + 1];
        char *member_id;
        char *json;
        int fd;
        enum eg_member_status status;
        char *reason;
        char *actor;
        struct eg_member_finger finger;

        /* Out. */
        int lookup_status;
        struct eg_member *member;
        struct eg_registry_admin_result result;

        eg_registry_lookup_fn lookup_done;
        eg_registry_admin_fn admin_done;
        void *userdata;
        EG_LIST_FIELDS(struct registry_request, requests);
};

/* One connection and the worker thread that alone uses it.  The backend has two: one for
 * the changes, and a read-only one for the lanes' lookups, which write-ahead logging lets
 * read the last committed state while a change (a long import) is being written. */
struct registry_sqlite {
        sqlite3 *db;
        char *path;
        sqlite3_stmt *stmts[STMT_MAX_]; /* prepared on first use, by the worker */

        pthread_mutex_t lock;
        pthread_cond_t wake;
        pthread_t thread;
        bool thread_started;
        bool stopping;
        struct registry_request *queue; /* waiting */
        struct registry_request *running;
        struct registry_request *done; /* answered, for the loop */
        uint64_t next_id;
        uint64_t test_delay_usec;

        int event_fd;
        sd_event_source *event_source;
        bool dispatching; /* delivering answers: a free() now is finished afterwards */
        bool free_requested;
};

/* registry-schema.c: open with the file checks, pragmas and migrations. */
int registry_db_open(const char *path, sqlite3 **ret);
/* A second, read-only connection to the file registry_db_open() opened and migrated. */
int registry_db_open_reader(const char *path, sqlite3 **ret);

/* Everything below runs on the worker thread. */

/* registry-queries.c: the one entry point, and the reads. */
void registry_execute(struct registry_sqlite *b, struct registry_request *req);
/* The member id's row and its passports, and with biometrics its templates and face
 * (created/updated may be NULL): 0, -ENOENT, -ENOMEM, or -EIO with SQLite's code in
 * *ret_rc. */
int registry_load_member(struct registry_sqlite *b, const char *id, bool biometrics,
                         struct eg_member **ret, char created[21], char updated[21], int *ret_rc);
int registry_no_member(struct eg_registry_admin_result *res, const char *id);
/* The member a request names, without templates or face (a change needs its status, not
 * its biometrics), or res->message saying why not (no such member, storage error, out of
 * memory) and a negative errno. */
int registry_load_requested_member(struct registry_sqlite *b, struct registry_request *req,
                                   struct eg_member **ret);

/* registry-changes.c: each returns 0 or a negative errno with res->message set. */
int registry_add(struct registry_sqlite *b, struct registry_request *req);
int registry_import(struct registry_sqlite *b, struct registry_request *req);
int registry_set_status(struct registry_sqlite *b, struct registry_request *req);
int registry_remove(struct registry_sqlite *b, struct registry_request *req);
int registry_store_finger(struct registry_sqlite *b, struct registry_request *req);

/* registry-statements.c */
void registry_statements_finalize(struct registry_sqlite *b);
/* The statement, reset and unbound; NULL with *rc set when it cannot be prepared. */
sqlite3_stmt *registry_statement(struct registry_sqlite *b, enum registry_stmt id, int *rc);
/* Run a statement without rows (BEGIN, COMMIT, ...): SQLITE_OK or the error. */
int registry_run(struct registry_sqlite *b, enum registry_stmt id);
/* Step a statement whose values are bound, expecting no row; resets it. */
int registry_step_done(sqlite3_stmt *s);
void registry_rollback(struct registry_sqlite *b); /* if a transaction is open */
int registry_begin_write(struct registry_sqlite *b, struct eg_registry_admin_result *res);
int registry_commit(struct registry_sqlite *b, struct eg_registry_admin_result *res);
bool registry_is_constraint(int rc);
/* A storage failure: logged with SQLite's generic words, told to res (may be NULL); -EIO. */
int registry_storage_error(struct registry_sqlite *b, int rc, const char *what,
                           struct eg_registry_admin_result *res);
/* Set res->message; returns -abs(error). */
_printf_(3, 4) int registry_refuse(struct eg_registry_admin_result *res, int error, const char *fmt,
                                   ...);
/* NULL (has false or an invalid date) or "YYYY-MM-DD" in buf, bound SQLITE_STATIC. */
int registry_bind_date(sqlite3_stmt *s, int i, bool has, const struct eg_date *d, char buf[11]);
bool registry_column_date(sqlite3_stmt *s, int i, struct eg_date *ret);
void registry_column_copy(sqlite3_stmt *s, int i, char *out, size_t size);
void *registry_column_blob_dup(sqlite3_stmt *s, int i, size_t *ret_len);

/* "YYYY-MM-DDTHH:MM:SSZ" of now, UTC (when a row changed), and the gate's calendar day
 * (eg_registry_today(): the day an activation completes enrolment). */
void registry_now(char out[static 21], struct eg_date *ret_today);
