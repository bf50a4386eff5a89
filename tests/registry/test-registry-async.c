/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The SQLite registry's promises in time: a lookup that outlasts timeout_ms
 * (the worker slowed by its test hook) answers -ETIMEDOUT, a cancelled one
 * -ECANCELED, each exactly once and never from inside the call; freeing the
 * registry (even from one of its own callbacks) drops what is pending; and
 * whatever happens, no personal data reaches the log.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "registry-test-util.h"
#include "registry/registry-sqlite.h"
#include "sqlite-fixture.h"

static void test_timeout(void **state) {
        struct fixture *f = *state;
        struct admin_log a = {};
        struct lookup_log l = {};
        unsigned long long start;
        uint64_t id;

        assert_int_equal(add_json(f, alice_json, &a), 0);
        f->registry->timeout_ms = 100;
        eg_registry_sqlite_set_test_delay(f->registry, 700 * 1000);
        start = now_ms();
        assert_int_equal(eg_registry_lookup(f->registry, "USA", DOC_ALICE, on_lookup, &l, &id), 0);
        assert_true(run_until(f->event, &l.calls, 5000));
        assert_int_equal(l.status, -ETIMEDOUT);
        assert_null(l.member);
        assert_true(now_ms() - start >= 100);
        assert_true(now_ms() - start < 600);
        /* The worker's late answer is swallowed: still one call. */
        run_for(f->event, 900);
        assert_int_equal(l.calls, 1);
        /* Without the delay, lookups answer again. */
        eg_registry_sqlite_set_test_delay(f->registry, 0);
        f->registry->timeout_ms = 3000;
        assert_int_equal(lookup(f, "USA", DOC_ALICE, &l), 0);
        eg_member_free(l.member);
        admin_log_done(&a);
}

static void test_cancel(void **state) {
        struct fixture *f = *state;
        struct admin_log a = {};
        struct lookup_log first = {}, second = {};
        uint64_t id1, id2;

        assert_int_equal(add_json(f, alice_json, &a), 0);
        eg_registry_sqlite_set_test_delay(f->registry, 300 * 1000);
        assert_int_equal(eg_registry_lookup(f->registry, "USA", DOC_ALICE, on_lookup, &first, &id1),
                         0);
        assert_int_equal(
                eg_registry_lookup(f->registry, "USA", DOC_ALICE, on_lookup, &second, &id2), 0);
        assert_true(id1 != id2);
        run_for(f->event, 50); /* the first is with the worker, the second queued */
        second.inside = true;
        eg_registry_cancel(f->registry, id2);
        second.inside = false;
        first.inside = true;
        eg_registry_cancel(f->registry, id1);
        first.inside = false;
        assert_int_equal(first.calls + second.calls, 0); /* never from inside cancel */
        assert_true(run_until(f->event, &first.calls, 2000));
        assert_true(run_until(f->event, &second.calls, 2000));
        assert_int_equal(first.status, -ECANCELED);
        assert_int_equal(second.status, -ECANCELED);
        assert_null(first.member);
        run_for(f->event, 500);
        assert_int_equal(first.calls, 1);
        assert_int_equal(second.calls, 1);
        /* Cancelling twice, or what has ended, is harmless. */
        eg_registry_cancel(f->registry, id1);
        eg_registry_cancel(f->registry, 12345);
        run_for(f->event, 50);
        assert_int_equal(first.calls, 1);
        admin_log_done(&a);
}

static void test_free_with_pending(void **state) {
        struct fixture *f = *state;
        struct lookup_log l = {};
        struct admin_log a = {};

        eg_registry_sqlite_set_test_delay(f->registry, 200 * 1000);
        assert_int_equal(eg_registry_lookup(f->registry, "USA", DOC_ALICE, on_lookup, &l, NULL), 0);
        assert_int_equal(eg_registry_admin(f->registry,
                                           &(struct eg_registry_admin_request){
                                                   .kind = EG_REGISTRY_ADMIN_LIST },
                                           on_admin, &a),
                         0);
        eg_registry_free(f->registry);
        f->registry = NULL;
        run_for(f->event, 300);
        assert_int_equal(l.calls, 0);
        assert_int_equal(a.calls, 0);
}

/* A callback that frees the registry it came from. */
static void free_in_callback(int status, struct eg_member *member, void *userdata) {
        struct fixture *f = userdata;

        eg_member_free(member);
        eg_registry_free(f->registry);
        f->registry = NULL;
}

static void test_free_from_callback(void **state) {
        struct fixture *f = *state;
        struct lookup_log other = {};

        assert_int_equal(
                eg_registry_lookup(f->registry, "USA", DOC_ALICE, free_in_callback, f, NULL), 0);
        assert_int_equal(eg_registry_lookup(f->registry, "USA", DOC_BOB, on_lookup, &other, NULL),
                         0);
        run_for(f->event, 300);
        assert_null(f->registry);
        assert_int_equal(other.calls, 0);
}

/* Another process writing the database (an administrator's sqlite3 in a transaction) must
 * not hold the lanes up: with write-ahead logging a lookup reads what was committed, well
 * within its deadline.  (egated's own connection keeps a shared lock on the file, so nobody
 * can take it exclusively while egated runs.) */
static void test_database_locked_by_a_writer(void **state) {
        struct fixture *f = *state;
        _cleanup_free_ char *path = NULL;
        struct admin_log a = {};
        struct lookup_log l = {};
        sqlite3 *other;

        assert_int_equal(add_json(f, alice_json, &a), 0);
        assert_true(asprintf(&path, "%s/registry.db", f->dir) > 0);
        assert_int_equal(sqlite3_open_v2(path, &other, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
        assert_int_equal(
                sqlite3_exec(other, "BEGIN IMMEDIATE; DELETE FROM passports;", NULL, NULL, NULL),
                SQLITE_OK);
        assert_int_equal(sqlite3_exec(other, "PRAGMA locking_mode = EXCLUSIVE", NULL, NULL, NULL),
                         SQLITE_OK);

        f->registry->timeout_ms = 300;
        assert_int_equal(lookup(f, "USA", DOC_ALICE, &l), 0);
        assert_string_equal(l.member->id, "GE-100001");

        assert_int_equal(sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
        sqlite3_close(other);
        eg_member_free(l.member);
        admin_log_done(&a);
}

/* An import is one long transaction; the lanes' lookups must not wait behind it. */
static void test_lookup_during_import(void **state) {
        struct fixture *f = *state;
        _cleanup_free_ char *text = NULL, *path = NULL;
        struct admin_log a = {}, imported = {};
        struct lookup_log l = {};
        size_t size = 0;
        FILE *m;
        int fd;

        assert_int_equal(add_json(f, alice_json, &a), 0);
        m = open_memstream(&text, &size);
        assert_non_null(m);
        fputs("{\"members\": [", m);
        for (unsigned i = 0; i < 40000; i++)
                fprintf(m,
                        "%s{\"id\": \"BULK-%u\", \"status\": \"active\", \"birth_date\": "
                        "\"1970-01-01\", \"enrolled\": \"2024-01-01\", \"passports\": "
                        "[{\"issuing_state\": \"FRA\", \"document_number\": \"B%08u\", "
                        "\"expiry\": \"2031-01-01\"}]}",
                        i ? "," : "", i, i);
        fputs("]}", m);
        assert_int_equal(fclose(m), 0);
        path = write_file(f->dir, "bulk.json", text, 0600);
        assert_non_null(path);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        assert_true(fd >= 0);
        assert_int_equal(eg_registry_admin(f->registry,
                                           &(struct eg_registry_admin_request){
                                                   .kind = EG_REGISTRY_ADMIN_IMPORT,
                                                   .fd = fd,
                                                   .actor = "uid 0 (test)" },
                                           on_admin, &imported),
                         0);
        close(fd);

        f->registry->timeout_ms = 300;
        assert_int_equal(lookup(f, "USA", DOC_ALICE, &l), 0);
        assert_string_equal(l.member->id, "GE-100001");
        /* It answered while the import was still going. */
        assert_int_equal(imported.calls, 0);
        assert_true(run_until(f->event, &imported.calls, 120000));
        assert_int_equal(imported.status, 0);
        assert_int_equal(imported.count, 40000);
        assert_int_equal(lookup(f, "FRA", "B00039999", &l), 0);
        eg_member_free(l.member);
        admin_log_done(&a);
        admin_log_done(&imported);
}

/* Everything a member consists of must stay out of the log, whatever happens. */
static void test_no_personal_data_in_logs(void **state) {
        struct fixture *f = *state;
        _cleanup_free_ char *log_path = NULL, *text = NULL;
        struct admin_log a = {};
        struct lookup_log l = {};
        int saved, fd;
        char *bad;
        size_t len;
        static const char *const secrets[] = {
                DOC_ALICE,    DOC_BOB,           "M00000001",    "1980-02-29", "1975-07-01",
                "2031-04-30", "TEMPLATE-SECRET", "VEVNUExBVEUt", "FACE-IMAGE", "RkFDRS1J",
        };

        assert_true(asprintf(&log_path, "%s/stderr.log", f->dir) > 0);
        fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        assert_true(fd >= 0);
        fflush(stderr);
        saved = dup(STDERR_FILENO);
        assert_true(dup2(fd, STDERR_FILENO) >= 0);
        close(fd);
        log_setup(EG_LOG_TARGET_STDERR);
        log_set_max_level(LOG_DEBUG);

        (void) add_json(f, alice_json, &a);
        (void) add_json(f, alice_json, &a); /* exists */
        (void) import_text(f, import_json, &a);
        (void) import_text(f, import_json, &a); /* conflicts */
        bad = strdup(import_json);
        assert_non_null(bad);
        memcpy(strstr(bad, DOC_BOB), "b9876543!", 9);
        (void) import_text(f, bad, &a);
        free(bad);
        (void) lookup(f, "USA", DOC_ALICE, &l);
        (void) lookup(f, "USA", "Z99999999", &l);
        (void) admin(f,
                     (struct eg_registry_admin_request){ .kind = EG_REGISTRY_ADMIN_SHOW,
                                                         .member_id = "GE-100001" },
                     &a);
        (void) set_status(f, "GE-2", EG_MEMBER_SUSPENDED, "review", &a);
        f->registry->timeout_ms = 50;
        eg_registry_sqlite_set_test_delay(f->registry, 200 * 1000);
        (void) lookup(f, "USA", DOC_ALICE, &l);
        eg_registry_sqlite_set_test_delay(f->registry, 0);
        run_for(f->event, 300);
        (void) admin(f,
                     (struct eg_registry_admin_request){ .kind = EG_REGISTRY_ADMIN_REMOVE,
                                                         .member_id = "GE-100001",
                                                         .reason = "test" },
                     &a);

        fflush(stderr);
        assert_true(dup2(saved, STDERR_FILENO) >= 0);
        close(saved);
        text = read_file(log_path, &len);
        assert_non_null(text);
        /* The log did get the actions... */
        assert_non_null(strstr(text, "member GE-100001 added by uid 0 (test)"));
        assert_non_null(strstr(text, "took longer than 50 ms"));
        /* ...and none of the data. */
        for (size_t i = 0; i < ELEMENTSOF(secrets); i++) {
                if (strstr(text, secrets[i]))
                        fprintf(stderr, "the log has %s:\n%s\n", secrets[i], text);
                assert_null(strstr(text, secrets[i]));
        }
        eg_member_free(l.member);
        admin_log_done(&a);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
                cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
                cmocka_unit_test_setup_teardown(test_free_with_pending, setup, teardown),
                cmocka_unit_test_setup_teardown(test_free_from_callback, setup, teardown),
                cmocka_unit_test_setup_teardown(test_database_locked_by_a_writer, setup, teardown),
                cmocka_unit_test_setup_teardown(test_lookup_during_import, setup, teardown),
                cmocka_unit_test_setup_teardown(test_no_personal_data_in_logs, setup, teardown),
        };

        log_setup(EG_LOG_TARGET_STDERR);
        return cmocka_run_group_tests(tests, NULL, NULL);
}
