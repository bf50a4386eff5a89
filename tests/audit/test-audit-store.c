/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The audit trail through its asynchronous API on a real sd-event loop: records
 * written and read back, the database across a reopen (schema, WAL, append-only),
 * queued writes when the trail is freed, freeing from a callback, cancelling,
 * writes committed in groups, and the JSON form.
 */
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "audit-fixture.h"
#include "audit/audit-record.h"
#include "audit/audit-spool.h"
#include "audit/audit-store.h"
#include "macro.h"

static void on_writable_back(bool writable, void *userdata) {
        if (writable)
                *(bool *) userdata = true;
}

static void parse(const char *json, struct eg_audit_record *r) {
        assert_int_equal(eg_audit_record_from_json(json, r), 0);
}

/* --- writing and reading back --- */

static void test_write_read_back(void **state) {
        struct fixture *f = *state;
        _cleanup_free_ struct eg_audit_record *want = malloc(sizeof(*want)),
                                              *got = malloc(sizeof(*got));
        _cleanup_(strv_freep) char **rows = NULL;
        size_t n = 0;

        open_audit(f);
        assert_true(eg_audit_writable(f->audit));
        for (unsigned i = 0; i < 3; i++) {
                char id[16];

                snprintf(id, sizeof(id), "A1-%04u", i + 1);
                test_sample_record(f->audit, want, id, T0 + i * TEST_USEC_PER_SEC, "refer");
                assert_int_equal(test_write_sync(f->event, f->audit, want), 0);
        }

        /* Everything, oldest first, each record exactly as written. */
        assert_int_equal(test_list_sync(f->event, f->audit, 0, 0, 0, &rows, &n), 0);
        assert_int_equal(n, 3);
        for (unsigned i = 0; i < 3; i++) {
                char id[16];

                snprintf(id, sizeof(id), "A1-%04u", i + 1);
                test_sample_record(f->audit, want, id, T0 + i * TEST_USEC_PER_SEC, "refer");
                parse(rows[i], got);
                assert_string_equal(got->transaction_id, id);
                assert_memory_equal(got, want, sizeof(*got));
        }
        rows = (strv_free(rows), NULL);

        /* The newest two, still oldest first. */
        assert_int_equal(test_list_sync(f->event, f->audit, 0, 0, 2, &rows, &n), 0);
        assert_int_equal(n, 2);
        parse(rows[0], got);
        assert_string_equal(got->transaction_id, "A1-0002");
        parse(rows[1], got);
        assert_string_equal(got->transaction_id, "A1-0003");
        rows = (strv_free(rows), NULL);

        /* [since, until): only the record that started at T0 + 1 s. */
        assert_int_equal(test_list_sync(f->event, f->audit, T0 + TEST_USEC_PER_SEC,
                                        T0 + 2 * TEST_USEC_PER_SEC, 0, &rows, &n),
                         0);
        assert_int_equal(n, 1);
        parse(rows[0], got);
        assert_string_equal(got->transaction_id, "A1-0002");
        rows = (strv_free(rows), NULL);

        assert_int_equal(test_list_sync(f->event, f->audit, T0 + 5, T0, 0, &rows, &n), -EINVAL);

        assert_int_equal(test_get_sync(f->event, f->audit, "A1-0003", &rows, &n), 0);
        assert_int_equal(n, 1);
        parse(rows[0], got);
        assert_int_equal(got->start_usec, T0 + 2 * TEST_USEC_PER_SEC);
        rows = (strv_free(rows), NULL);
        assert_int_equal(test_get_sync(f->event, f->audit, "A1-9999", &rows, &n), 0);
        assert_int_equal(n, 0);
        rows = (strv_free(rows), NULL);

        /* A transaction is recorded once; a duplicate is the caller's bug, not the disk's. */
        test_sample_record(f->audit, want, "A1-0001", T0, "accept");
        assert_int_equal(test_write_sync(f->event, f->audit, want), -EEXIST);
        assert_true(eg_audit_writable(f->audit));
}

static void test_survives_reopen(void **state) {
        struct fixture *f = *state;
        _cleanup_(strv_freep) char **rows = NULL;
        _cleanup_free_ char *db = NULL;
        sqlite3 *s = NULL;
        sqlite3_stmt *st = NULL;
        size_t n = 0;

        open_audit(f);
        write_n(f, 2, T0);
        f->audit = eg_audit_free(f->audit);
        open_audit(f);
        assert_int_equal(test_list_sync(f->event, f->audit, 0, 0, 0, &rows, &n), 0);
        assert_int_equal(n, 2);
        f->audit = eg_audit_free(f->audit);

        /* Schema version 3, WAL, the searchable columns filled, the key check set once. */
        db = path_in(f, "audit.db");
        assert_int_equal(sqlite3_open(db, &s), SQLITE_OK);
        assert_int_equal(sqlite3_prepare_v2(s, "PRAGMA user_version", -1, &st, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        assert_int_equal(sqlite3_column_int(st, 0), 3);
        sqlite3_finalize(st);
        assert_int_equal(
                sqlite3_prepare_v2(s, "SELECT length(value) FROM key_check", -1, &st, NULL),
                SQLITE_OK);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        assert_int_equal(sqlite3_column_int(st, 0), 64);
        assert_int_equal(sqlite3_step(st), SQLITE_DONE);
        sqlite3_finalize(st);
        assert_int_not_equal(sqlite3_exec(s, "UPDATE key_check SET value = 'x'", NULL, NULL, NULL),
                             SQLITE_OK);
        assert_int_not_equal(sqlite3_exec(s, "DELETE FROM key_check", NULL, NULL, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_prepare_v2(s, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        assert_string_equal((const char *) sqlite3_column_text(st, 0), "wal");
        sqlite3_finalize(st);
        assert_int_equal(sqlite3_prepare_v2(s,
                                            "SELECT lane, decision, member_id, "
                                            "length(document_hash) FROM records "
                                            "WHERE transaction_id = 'A1-0002'",
                                            -1, &st, NULL),
                         SQLITE_OK);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        assert_string_equal((const char *) sqlite3_column_text(st, 0), "A1");
        assert_string_equal((const char *) sqlite3_column_text(st, 1), "refer");
        assert_string_equal((const char *) sqlite3_column_text(st, 2), "GE-100001");
        assert_int_equal(sqlite3_column_int(st, 3), 64);
        sqlite3_finalize(st);
        /* Append-only. */
        assert_int_not_equal(sqlite3_exec(s, "DELETE FROM records", NULL, NULL, NULL), SQLITE_OK);
        assert_int_not_equal(
                sqlite3_exec(s, "UPDATE records SET decision = 'accept'", NULL, NULL, NULL),
                SQLITE_OK);
        /* A schema from the future is refused, not overwritten. */
        assert_int_equal(sqlite3_exec(s, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
        sqlite3_close(s);
        assert_int_equal(eg_audit_open(f->event, f->state, &f->audit), -EPROTONOSUPPORT);
        assert_null(f->audit);
}

/* The page of the database where `table` starts, overwritten with garbage. */
static void damage_table(const char *db, const char *table) {
        _cleanup_(closep) int fd = -1;
        sqlite3 *s = NULL;
        sqlite3_stmt *st = NULL;
        char garbage[4096];
        int root, page_size;

        assert_int_equal(sqlite3_open(db, &s), SQLITE_OK);
        assert_int_equal(sqlite3_prepare_v2(s, "SELECT rootpage FROM sqlite_master WHERE name = ?",
                                            -1, &st, NULL),
                         SQLITE_OK);
        assert_int_equal(sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC), SQLITE_OK);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        root = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
        assert_int_equal(sqlite3_prepare_v2(s, "PRAGMA page_size", -1, &st, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        page_size = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
        assert_int_equal(sqlite3_close(s), SQLITE_OK); /* the last one: checkpointed, no WAL */
        assert_true(root > 1 && page_size <= (int) sizeof(garbage));

        memset(garbage, 0xa5, sizeof(garbage));
        fd = open(db, O_WRONLY | O_CLOEXEC);
        assert_true(fd >= 0);
        assert_int_equal(pwrite(fd, garbage, page_size, (off_t) (root - 1) * page_size), page_size);
}

/*
 * A damaged database does not repair itself: once a write found it damaged,
 * the trail stays not writable, even though the probe's heartbeat row (on
 * pages of its own) can still be rewritten.  Before, the probe reported the
 * trail writable again every few seconds, the lanes reopened, and the next
 * traveller's record failed again.  A file that is no database at all is
 * refused at the start and left as it is.
 */
static void test_damaged_database(void **state) {
        struct fixture *f = *state;
        _cleanup_free_ struct eg_audit_record *r = malloc(sizeof(*r));
        _cleanup_free_ char *db = path_in(f, EG_AUDIT_DB_FILE);
        static const char not_a_db[] = "this is not an SQLite database, but it is long enough to "
                                       "look like one's header to a careless reader.";
        struct stat st;
        bool back = false;
        int fd;

        open_audit(f);
        write_n(f, 3, T0);
        f->audit = eg_audit_free(f->audit);
        damage_table(db, "records");

        open_audit(f);
        eg_audit_set_listener(f->audit, on_writable_back, &back);
        test_sample_record(f->audit, r, "D-1", T0 + 100 * TEST_USEC_PER_SEC, "accept");
        assert_int_equal(test_write_sync(f->event, f->audit, r), -EBADMSG);
        assert_false(eg_audit_writable(f->audit));
        eg_audit_set_probe_interval(f->audit, 20000);
        assert_false(test_run_until(f->event, &back, 1));
        assert_false(eg_audit_writable(f->audit));
        f->audit = eg_audit_free(f->audit);

        fd = open(db, O_WRONLY | O_TRUNC | O_CLOEXEC);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, not_a_db, sizeof(not_a_db)), sizeof(not_a_db));
        close(fd);
        assert_int_equal(eg_audit_open(f->event, f->state, &f->audit), -EBADMSG);
        assert_null(f->audit);
        assert_int_equal(stat(db, &st), 0);
        assert_int_equal(st.st_size, sizeof(not_a_db));
}

/* Where the file system can keep room for a file (fallocate), the spool has its room. */
static void assert_spool_empty_with_room(const char *spool) {
        _cleanup_free_ char *probe = NULL;
        struct stat st;
        bool can_reserve;
        int fd;

        assert_true(asprintf(&probe, "%s.probe", spool) > 0);
        fd = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        assert_true(fd >= 0);
        can_reserve = fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 4096) == 0;
        close(fd);
        assert_int_equal(unlink(probe), 0);

        assert_int_equal(stat(spool, &st), 0);
        assert_int_equal(st.st_size, 0);
        assert_int_equal(st.st_mode & 0777, 0600);
        if (can_reserve)
                assert_true((uint64_t) st.st_blocks * 512 >= EG_AUDIT_SPOOL_RESERVE);
        else
                fprintf(stderr, "# this file system keeps no room for files: not checked\n");
}

/*
 * The record a damaged database refused survives the restart that replaces the database:
 * it waits in the spool and is taken in when the next trail opens, and the spool goes.
 */
static void test_spool_outlives_damaged_database(void **state) {
        struct fixture *f = *state;
        _cleanup_free_ struct eg_audit_record *r = malloc(sizeof(*r));
        _cleanup_free_ char *db = path_in(f, EG_AUDIT_DB_FILE),
                            *spool = path_in(f, EG_AUDIT_DB_FILE EG_AUDIT_SPOOL_SUFFIX),
                            *aside = path_in(f, "audit.db.damaged");
        _cleanup_(strv_freep) char **rows = NULL;
        struct stat st;
        size_t n = 0;

        open_audit(f);
        write_n(f, 3, T0);
        f->audit = eg_audit_free(f->audit);
        damage_table(db, "records");

        open_audit(f);
        test_sample_record(f->audit, r, "D-2", T0 + 100 * TEST_USEC_PER_SEC, "refer");
        assert_int_equal(test_write_sync(f->event, f->audit, r), -EBADMSG);
        f->audit = eg_audit_free(f->audit);
        assert_int_equal(stat(spool, &st), 0);
        assert_true(st.st_size > 0);
        assert_int_equal(st.st_mode & 0777, 0600);

        /* What an operator does: the damaged file aside, egated started again. */
        assert_int_equal(rename(db, aside), 0);
        open_audit(f);
        assert_int_equal(test_get_sync(f->event, f->audit, "D-2", &rows, &n), 0);
        assert_int_equal(n, 1);
        assert_non_null(strstr(rows[0], "\"decision\":\"refer\""));
        /* Taken: the spool is empty again, its room kept for the next time. */
        assert_spool_empty_with_room(spool);
}

/*
 * A spool with lines that cannot be read: the good ones are taken in (also one already in
 * the trail), the spool is kept aside for an operator, not removed.
 */
static void test_spool_with_bad_lines(void **state) {
        struct fixture *f = *state;
        _cleanup_free_ char *spool = path_in(f, EG_AUDIT_DB_FILE EG_AUDIT_SPOOL_SUFFIX);
        static const char *const unread[] = { "S-5", "S-6", "S-7", "S-8", "S-9" };
        _cleanup_(strv_freep) char **rows = NULL;
        char record[] = "{\"transaction_id\":\"S-1\"}";
        struct eg_audit_spool_entry entry = { .record = { .transaction_id = "S-1",
                                                          .lane = "A1",
                                                          .start_usec = T0,
                                                          .end_usec = T0 + 1,
                                                          .decision = "refer" },
                                              .json = record };
        static const char *const bad[] = {
                "not json\n",
                "{\"version\":2,\"transaction_id\":\"S-9\",\"lane\":\"A1\",\"start_usec\":1,"
                "\"end_usec\":2,\"decision\":\"refer\",\"record\":\"{}\"}\n",
                "{\"version\":1,\"transaction_id\":\"S-8\",\"lane\":\"A1\",\"start_usec\":-1,"
                "\"end_usec\":2,\"decision\":\"refer\",\"record\":\"{}\"}\n",
                "{\"version\":1,\"transaction_id\":\"S-7\",\"lane\":\"A1\",\"start_usec\":1,"
                "\"end_usec\":2,\"decision\":\"refer\",\"record\":\"[1]\"}\n",
                "{\"version\":1,\"transaction_id\":\"S-6\",\"lane\":\"A1\",\"start_usec\":1,"
                "\"end_usec\":2,\"decision\":\"refer\",\"record\":\"{}\",\"extra\":1}\n",
                "{\"version\":1,\"transaction_id\":\"S-5\"", /* cut short: no newline */
        };
        DIR *d;
        struct dirent *e;
        bool set_aside = false;
        size_t n = 0;
        FILE *out;

        open_audit(f);
        f->audit = eg_audit_free(f->audit);
        assert_int_equal(eg_audit_spool_append(spool, &entry), 0);
        assert_int_equal(eg_audit_spool_append(spool, &entry), 0);
        out = fopen(spool, "a");
        assert_non_null(out);
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                fputs(bad[i], out);
        fclose(out);

        open_audit(f);
        assert_int_equal(test_get_sync(f->event, f->audit, "S-1", &rows, &n), 0);
        assert_int_equal(n, 1); /* the same record twice: taken once */
        for (size_t i = 0; i < ELEMENTSOF(unread); i++) {
                char **none = NULL;

                assert_int_equal(test_get_sync(f->event, f->audit, unread[i], &none, &n), 0);
                assert_int_equal(n, 0);
                strv_free(none);
        }
        assert_spool_empty_with_room(spool);
        d = opendir(f->state);
        assert_non_null(d);
        while ((e = readdir(d)))
                if (strncmp(e->d_name, "audit.db.spool.bad-", 19) == 0)
                        set_aside = true;
        closedir(d);
        assert_true(set_aside);
}

/* Queued writes reach the disk even when the trail is freed before they finish. */

static void test_free_keeps_queued_writes(void **state) {
        struct fixture *f = *state;
        _cleanup_free_ struct eg_audit_record *r = malloc(sizeof(*r));
        _cleanup_(strv_freep) char **rows = NULL;
        bool called = false;
        size_t n = 0;

        open_audit(f);
        for (unsigned i = 0; i < 5; i++) {
                char id[16];

                snprintf(id, sizeof(id), "Q-%u", i);
                test_sample_record(f->audit, r, id, T0 + i, "accept");
                assert_int_equal(eg_audit_write(f->audit, r, on_done_flag, &called), 0);
        }
        f->audit = eg_audit_free(f->audit);
        assert_false(called);
        open_audit(f);
        assert_int_equal(test_list_sync(f->event, f->audit, 0, 0, 0, &rows, &n), 0);
        assert_int_equal(n, 5);
}

/* Freeing the trail from its own callback is allowed. */
struct free_in_callback {
        struct fixture *f;
        unsigned calls;
};

static void on_done_free(int status, void *userdata) {
        struct free_in_callback *c = userdata;

        c->calls++;
        c->f->audit = eg_audit_free(c->f->audit);
}

static void test_free_from_callback(void **state) {
        struct fixture *f = *state;
        _cleanup_free_ struct eg_audit_record *r = malloc(sizeof(*r));
        struct free_in_callback c = { .f = f };

        open_audit(f);
        test_sample_record(f->audit, r, "F-1", T0, "accept");
        assert_int_equal(eg_audit_write(f->audit, r, on_done_free, &c), 0);
        test_sample_record(f->audit, r, "F-2", T0, "accept");
        assert_int_equal(eg_audit_write(f->audit, r, on_done_free, &c), 0);
        while (f->audit)
                assert_true(sd_event_run(f->event, 5 * TEST_USEC_PER_SEC) > 0);
        /* Let any late wake-up come: the second callback must never run. */
        (void) sd_event_run(f->event, 100000);
        assert_int_equal(c.calls, 1);
}

/* A cancelled caller is never called back; its write still happens. */
static void on_rows_flag(int status, char **rows, size_t n, void *userdata) {
        *(bool *) userdata = true;
}

static void test_cancel(void **state) {
        struct fixture *f = *state;
        _cleanup_free_ struct eg_audit_record *r = malloc(sizeof(*r));
        _cleanup_(strv_freep) char **rows = NULL;
        bool written = false, listed = false, other = false;
        size_t n = 0;

        open_audit(f);
        test_sample_record(f->audit, r, "C-1", T0, "accept");
        assert_int_equal(eg_audit_write(f->audit, r, on_done_flag, &written), 0);
        assert_int_equal(eg_audit_list(f->audit, 0, 0, 0, on_rows_flag, &listed), 0);
        test_sample_record(f->audit, r, "C-2", T0 + 1, "accept");
        assert_int_equal(eg_audit_write(f->audit, r, on_done_flag, &other), 0);
        eg_audit_cancel(f->audit, &written);
        eg_audit_cancel(f->audit, &listed);
        assert_true(test_run_until(f->event, &other, 20));
        assert_false(written);
        assert_false(listed);
        assert_int_equal(test_get_sync(f->event, f->audit, "C-1", &rows, &n), 0);
        assert_int_equal(n, 1);
}

/* --- group commit --- */

static void columns_for(struct eg_audit_columns *c, const char *id, uint64_t start) {
        *c = (struct eg_audit_columns){ .start_usec = start, .end_usec = start + 1 };
        snprintf(c->transaction_id, sizeof(c->transaction_id), "%s", id);
        snprintf(c->lane, sizeof(c->lane), "L1");
        snprintf(c->decision, sizeof(c->decision), "accept");
}

/* One group: a duplicate id fails that record alone, inside the group or against the table. */
static void test_group_statuses(void **state) {
        struct fixture *f = *state;
        _cleanup_free_ char *path = NULL;
        struct eg_audit_store_writer w = {};
        struct eg_audit_columns c[4];
        const struct eg_audit_columns *cp[4] = { &c[0], &c[1], &c[2], &c[3] };
        const char *json[4] = { "{\"n\":1}", "{\"n\":2}", "{\"n\":3}", "{\"n\":4}" };
        _cleanup_(strv_freep) char **rows = NULL;
        int status[4];
        size_t n = 0;
        sqlite3 *db = NULL;

        open_audit(f); /* creates the 0600 file and its schema */
        f->audit = eg_audit_free(f->audit);
        path = path_in(f, EG_AUDIT_DB_FILE);
        assert_int_equal(eg_audit_store_open(path, &db), 0);

        columns_for(&c[0], "G-A", T0);
        columns_for(&c[1], "G-B", T0 + 1);
        columns_for(&c[2], "G-A", T0 + 2);
        columns_for(&c[3], "G-C", T0 + 3);
        assert_int_equal(eg_audit_store_insert_group(db, &w, 4, cp, json, T0, status), 3);
        assert_int_equal(status[0], 0);
        assert_int_equal(status[1], 0);
        assert_int_equal(status[2], -EEXIST);
        assert_int_equal(status[3], 0);

        /* The statements are reused: a second group against what is now in the table. */
        columns_for(&c[0], "G-B", T0 + 4);
        columns_for(&c[1], "G-D", T0 + 5);
        assert_int_equal(eg_audit_store_insert_group(db, &w, 2, cp, json, T0, status), 1);
        assert_int_equal(status[0], -EEXIST);
        assert_int_equal(status[1], 0);

        assert_int_equal(eg_audit_store_list(db, 0, INT64_MAX, 100, &rows, &n), 0);
        assert_int_equal(n, 4);
        assert_string_equal(rows[0], "{\"n\":1}");
        assert_string_equal(rows[1], "{\"n\":2}");
        assert_string_equal(rows[2], "{\"n\":4}");
        assert_string_equal(rows[3], "{\"n\":2}");
        eg_audit_store_writer_clear(&w);
        assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

/* Writes submitted in a burst (the worker groups what queued up): each gets its own answer. */
struct burst {
        unsigned answered;
        int status[12];
};

struct burst_call {
        struct burst *b;
        unsigned i;
};

static void on_burst_done(int status, void *userdata) {
        struct burst_call *call = userdata;

        call->b->status[call->i] = status;
        call->b->answered++;
}

static void test_burst_of_writes(void **state) {
        struct fixture *f = *state;
        _cleanup_free_ struct eg_audit_record *r = malloc(sizeof(*r));
        _cleanup_(strv_freep) char **rows = NULL;
        struct burst b = {};
        struct burst_call calls[12];
        size_t n = 0;

        open_audit(f);
        for (unsigned i = 0; i < ELEMENTSOF(calls); i++) {
                char id[16];

                /* The eighth repeats the third's id. */
                snprintf(id, sizeof(id), "B-%u", i == 7 ? 2 : i);
                test_sample_record(f->audit, r, id, T0 + i, "accept");
                calls[i] = (struct burst_call){ .b = &b, .i = i };
                assert_int_equal(eg_audit_write(f->audit, r, on_burst_done, &calls[i]), 0);
        }
        while (b.answered < ELEMENTSOF(calls))
                assert_true(sd_event_run(f->event, 5 * TEST_USEC_PER_SEC) > 0);
        for (unsigned i = 0; i < ELEMENTSOF(calls); i++)
                assert_int_equal(b.status[i], i == 7 ? -EEXIST : 0);
        assert_true(eg_audit_writable(f->audit));
        assert_int_equal(test_list_sync(f->event, f->audit, 0, 0, 0, &rows, &n), 0);
        assert_int_equal(n, ELEMENTSOF(calls) - 1);
}

/* --- JSON --- */

static void test_json_round_trip(void **state) {
        _cleanup_free_ struct eg_audit_record *r = malloc(sizeof(*r)),
                                              *back = malloc(sizeof(*back));
        _cleanup_free_ char *json = NULL, *json2 = NULL;

        test_sample_record(NULL, r, "A1-0042", T0, "refer");
        strcpy(r->document_hash,
               "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
        assert_int_equal(eg_audit_record_check(r, NULL), 0);
        assert_int_equal(eg_audit_record_to_json(r, &json), 0);
        assert_non_null(strstr(json, "\"format\":1"));
        assert_non_null(strstr(json, "\"score\":0.83,\"threshold\":0.5"));
        assert_non_null(strstr(json, "\"transaction_id\":\"A1-0042\""));
        assert_non_null(strstr(json, "\"reasons\":[\"E_FINGER_NO_MATCH\",\"operator-veto\"]"));
        assert_int_equal(eg_audit_record_from_json(json, back), 0);
        assert_memory_equal(back, r, sizeof(*r));
        /* And back to the very same text. */
        assert_int_equal(eg_audit_record_to_json(back, &json2), 0);
        assert_string_equal(json, json2);

        /* A step without a comparison has no score members at all. */
        assert_int_equal(strstr(strstr(json, "\"step\":\"face\""), "\"score\"") == NULL, true);

        /* The issuing state is stored without MRZ fillers. */
        free(json);
        strcpy(r->issuing_state, "D<<");
        assert_int_equal(eg_audit_record_to_json(r, &json), 0);
        assert_non_null(strstr(json, "\"issuing_state\":\"D\""));

        assert_int_equal(eg_audit_record_from_json("{\"transaction_id\": 5}", back), -EBADMSG);
        assert_int_equal(eg_audit_record_from_json("not json", back), -EBADMSG);
        assert_int_equal(eg_audit_record_from_json(NULL, back), -EBADMSG);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_write_read_back, setup, teardown),
                cmocka_unit_test_setup_teardown(test_survives_reopen, setup, teardown),
                cmocka_unit_test_setup_teardown(test_damaged_database, setup, teardown),
                cmocka_unit_test_setup_teardown(test_spool_outlives_damaged_database, setup,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_spool_with_bad_lines, setup, teardown),
                cmocka_unit_test_setup_teardown(test_free_keeps_queued_writes, setup, teardown),
                cmocka_unit_test_setup_teardown(test_free_from_callback, setup, teardown),
                cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
                cmocka_unit_test_setup_teardown(test_group_statuses, setup, teardown),
                cmocka_unit_test_setup_teardown(test_burst_of_writes, setup, teardown),
                cmocka_unit_test(test_json_round_trip),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
