/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The SQLite registry through its asynchronous API, on a real sd-event loop
 * with a temporary state directory: lookups, admin requests, the status
 * history, removal that leaves no trace, migrations from version 1 and the
 * file's mode.  Deadlines, cancel and the log: test-registry-async.c.
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
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "registry-test-util.h"
#include "registry/registry-json.h"
#include "registry/registry-sqlite.h"
#include "sqlite-fixture.h"

static void test_file_mode_and_schema(void **state) {
        struct fixture *f = *state;
        _cleanup_free_ char *path = NULL;
        struct stat st;
        sqlite3 *db;
        sqlite3_stmt *s;

        assert_true(asprintf(&path, "%s/registry.db", f->dir) > 0);
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0600);
        assert_int_equal(st.st_uid, geteuid());

        assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_step(s), SQLITE_ROW);
        assert_int_equal(sqlite3_column_int(s, 0), 2);
        sqlite3_finalize(s);
        assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &s, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_step(s), SQLITE_ROW);
        assert_string_equal((const char *) sqlite3_column_text(s, 0), "wal");
        sqlite3_finalize(s);
        sqlite3_close(db);
}

static void test_refuses_open_modes(void **state) {
        _cleanup_free_ char *dir = make_state_dir(), *path = NULL, *wal = NULL;
        struct eg_registry *r = NULL;
        sd_event *e = NULL;

        assert_non_null(dir);
        assert_int_equal(sd_event_new(&e), 0);
        /* A database others may read. */
        path = write_file(dir, "registry.db", "", 0644);
        assert_non_null(path);
        assert_int_equal(eg_registry_sqlite_open(e, dir, &r), -EPERM);
        assert_null(r);
        assert_int_equal(chmod(path, 0640), 0);
        assert_int_equal(eg_registry_sqlite_open(e, dir, &r), -EPERM);
        /* A fine database beside a WAL others may read. */
        assert_int_equal(chmod(path, 0600), 0);
        wal = write_file(dir, "registry.db-wal", "", 0604);
        assert_non_null(wal);
        assert_int_equal(eg_registry_sqlite_open(e, dir, &r), -EPERM);
        assert_int_equal(unlink(wal), 0);
        /* Someone else's file (root can make one). */
        if (geteuid() == 0) {
                assert_int_equal(chown(path, 65534, 65534), 0);
                assert_int_equal(eg_registry_sqlite_open(e, dir, &r), -EPERM);
                assert_int_equal(chown(path, 0, 0), 0);
        }
        /* A symlink is not followed. */
        assert_int_equal(unlink(path), 0);
        assert_int_equal(symlink("/tmp/elsewhere.db", path), 0);
        assert_true(eg_registry_sqlite_open(e, dir, &r) < 0);
        assert_int_equal(unlink(path), 0);
        /* And then it opens. */
        assert_int_equal(eg_registry_sqlite_open(e, dir, &r), 0);
        eg_registry_free(r);
        remove_tree(dir);
        sd_event_unref(e);
}

static void test_add_and_lookup(void **state) {
        struct fixture *f = *state;
        struct admin_log a = {};
        struct lookup_log l = {};
        char s[11];

        assert_int_equal(add_json(f, alice_json, &a), 0);
        assert_int_equal(a.count, 1);

        assert_int_equal(lookup(f, "USA", DOC_ALICE, &l), 0);
        assert_non_null(l.member);
        assert_string_equal(l.member->id, "GE-100001");
        assert_int_equal(l.member->status, EG_MEMBER_ACTIVE);
        assert_int_equal(eg_date_format_iso(&l.member->birth_date, s), 0);
        assert_string_equal(s, "1980-02-29");
        assert_true(l.member->has_enrolled);
        assert_int_equal(eg_date_format_iso(&l.member->enrolled, s), 0);
        assert_string_equal(s, "2023-05-02");
        assert_true(l.member->has_conditional_approval);
        assert_int_equal(l.member->n_passports, 1);
        assert_string_equal(l.member->passports[0].issuing_state, "USA");
        assert_string_equal(l.member->passports[0].document_number, DOC_ALICE);
        assert_int_equal(eg_date_format_iso(&l.member->passports[0].expiry, s), 0);
        assert_string_equal(s, "2031-04-30");
        assert_int_equal(l.member->n_fingers, 1);
        assert_int_equal(l.member->fingers[0].position, 2);
        assert_string_equal(l.member->fingers[0].format, "egate-mock");
        assert_int_equal(l.member->fingers[0].len, 20);
        assert_memory_equal(l.member->fingers[0].data, "TEMPLATE-SECRET-0001", 20);
        assert_non_null(l.member->face);
        assert_int_equal(l.member->face_len, 22);
        assert_memory_equal(l.member->face, "FACE-IMAGE-SECRET-0001", 22);
        assert_string_equal(l.member->face_mime, "image/jpeg");

        /* Another number, another state, a number nobody has. */
        assert_int_equal(lookup(f, "CAN", DOC_ALICE, &l), -ENOENT);
        assert_null(l.member);
        assert_int_equal(lookup(f, "USA", "X12345679", &l), -ENOENT);
        /* The same member twice is refused, and so is her passport under another id. */
        assert_int_equal(add_json(f, alice_json, &a), -EEXIST);
        assert_string_equal(a.message, "member.id: member GE-100001 already exists");
        eg_member_free(l.member);
        admin_log_done(&a);
}

static void test_lookup_pads_issuing_state(void **state) {
        struct fixture *f = *state;
        struct admin_log a = {};
        struct lookup_log l = {};

        assert_int_equal(import_text(f, import_json, &a), 0);
        assert_int_equal(a.count, 3);
        /* Imported as "D", looked up as the MRZ has it, and the other way round. */
        assert_int_equal(lookup(f, "D<<", DOC_BOB, &l), 0);
        assert_string_equal(l.member->id, "GE-2");
        assert_string_equal(l.member->passports[0].issuing_state, "D<<");
        assert_int_equal(l.member->fingers[0].position, 7);
        assert_int_equal(lookup(f, "D", DOC_BOB, &l), 0);
        /* A member with two passports answers to both. */
        assert_int_equal(lookup(f, "CAN", "P2", &l), 0);
        assert_string_equal(l.member->id, "GE-1");
        assert_int_equal(l.member->n_passports, 2);
        assert_int_equal(l.member->status, EG_MEMBER_SUSPENDED);
        /* Malformed queries are refused before they start. */
        assert_int_equal(eg_registry_lookup(f->registry, "usa", DOC_BOB, on_lookup, &l, NULL),
                         -EINVAL);
        assert_int_equal(eg_registry_lookup(f->registry, "USA", "B<1", on_lookup, &l, NULL),
                         -EINVAL);
        assert_int_equal(eg_registry_lookup(f->registry, "USA", "", on_lookup, &l, NULL), -EINVAL);
        eg_member_free(l.member);
        admin_log_done(&a);
}

static int lookup_holder(struct fixture *f, const char *state, int y, int m, int d,
                         struct lookup_log *l) {
        struct eg_date birth = { y, m, d };

        eg_member_free(l->member);
        *l = (struct lookup_log){ .inside = true };
        assert_int_equal(eg_registry_lookup_holder(f->registry, state, &birth, on_lookup, l, NULL),
                         0);
        l->inside = false;
        assert_true(run_until(f->event, &l->calls, 10000));
        assert_false(l->called_inside);
        return l->status;
}

/* A member's new passport is not registered: the holder lookup words the referral. */
static void test_lookup_holder(void **state) {
        struct fixture *f = *state;
        struct admin_log a = {};
        struct lookup_log l = {};
        struct eg_date bad = { 2001, 2, 29 };

        assert_int_equal(import_text(f, import_json, &a), 0);
        assert_int_equal(lookup_holder(f, "CAN", 1960, 1, 1, &l), 0);
        assert_string_equal(l.member->id, "GE-1");
        assert_int_equal(l.member->n_passports, 2);
        assert_int_equal(lookup_holder(f, "D", 1975, 7, 1, &l), 0);
        assert_string_equal(l.member->id, "GE-2");
        /* It only words a referral and may be a stranger: GE-2's template stays home. */
        assert_int_equal(l.member->n_fingers, 0);
        assert_null(l.member->face);
        assert_int_equal(lookup(f, "D", DOC_BOB, &l), 0);
        assert_int_equal(l.member->n_fingers, 1);
        assert_int_equal(add_json(f, alice_json, &a), 0);
        assert_int_equal(lookup_holder(f, "USA", 1980, 2, 29, &l), 0);
        assert_string_equal(l.member->id, "GE-100001");
        assert_int_equal(l.member->n_fingers, 0);
        assert_null(l.member->face);
        assert_null(l.member->face_mime);
        assert_int_equal(lookup_holder(f, "FRA", 1960, 1, 1, &l), -ENOENT);
        assert_int_equal(lookup_holder(f, "USA", 1960, 1, 2, &l), -ENOENT);
        assert_null(l.member);
        assert_int_equal(eg_registry_lookup_holder(f->registry, "USA", &bad, on_lookup, &l, NULL),
                         -EINVAL);
        assert_int_equal(eg_registry_lookup_holder(f->registry, "usa", &bad, on_lookup, &l, NULL),
                         -EINVAL);
        eg_member_free(l.member);
        admin_log_done(&a);
}

static void test_list_and_show(void **state) {
        struct fixture *f = *state;
        struct admin_log a = {};

        assert_int_equal(import_text(f, import_json, &a), 0);
        assert_int_equal(
                admin(f, (struct eg_registry_admin_request){ .kind = EG_REGISTRY_ADMIN_LIST }, &a),
                0);
        assert_int_equal(a.n_summaries, 3);
        assert_string_equal(a.summaries[0].id, "GE-1");
        assert_string_equal(a.summaries[1].id, "GE-2");
        assert_string_equal(a.summaries[2].id, "GE-3");
        assert_int_equal(a.summaries[2].status, EG_MEMBER_CONDITIONAL);
        assert_false(a.summaries[2].has_enrolled);
        assert_true(a.summaries[2].has_conditional_approval);
        assert_int_equal(strlen(a.summaries[0].updated), 20);

        assert_int_equal(admin(f,
                               (struct eg_registry_admin_request){ .kind = EG_REGISTRY_ADMIN_SHOW,
                                                                   .member_id = "GE-2" },
                               &a),
                         0);
        assert_non_null(a.json);
        assert_non_null(strstr(a.json, "\"document_number\":\"" DOC_BOB "\""));
        assert_non_null(strstr(a.json, "\"issuing_state\":\"D<<\""));
        assert_non_null(strstr(a.json, "\"finger\":\"left-index\""));
        assert_non_null(strstr(a.json, "\"bytes\":20"));
        assert_non_null(strstr(a.json, "\"reason\":\"imported\""));
        assert_non_null(strstr(a.json, "\"actor\":\"uid 0 (test)\""));
        /* Templates are never shown, only their size. */
        assert_null(strstr(a.json, "VEVNUExBVEUt"));
        assert_null(strstr(a.json, "TEMPLATE-SECRET"));

        assert_int_equal(admin(f,
                               (struct eg_registry_admin_request){ .kind = EG_REGISTRY_ADMIN_SHOW,
                                                                   .member_id = "GE-9" },
                               &a),
                         -ENOENT);
        assert_string_equal(a.message, "no member GE-9");
        assert_int_equal(admin(f,
                               (struct eg_registry_admin_request){ .kind = EG_REGISTRY_ADMIN_SHOW,
                                                                   .member_id = "GE 9;--" },
                               &a),
                         -EINVAL);
        admin_log_done(&a);
}

static void test_status_history(void **state) {
        struct fixture *f = *state;
        struct admin_log a = {};
        struct lookup_log l = {};
        const char *p;

        assert_int_equal(import_text(f, import_json, &a), 0);
        /* A conditional applicant becomes active: enrolment completes today. */
        assert_int_equal(set_status(f, "GE-3", EG_MEMBER_ACTIVE, "enrolment interview done", &a),
                         0);
        assert_int_equal(lookup(f, "KOR", "M00000001", &l), 0);
        assert_int_equal(l.member->status, EG_MEMBER_ACTIVE);
        assert_true(l.member->has_enrolled);
        assert_int_equal(set_status(f, "GE-3", EG_MEMBER_SUSPENDED, "pending review", &a), 0);
        assert_int_equal(set_status(f, "GE-3", EG_MEMBER_SUSPENDED, "again", &a), -EINVAL);
        assert_string_equal(a.message, "member GE-3 is already suspended");
        assert_int_equal(set_status(f, "GE-3", EG_MEMBER_REVOKED, "customs violation", &a), 0);
        assert_int_equal(set_status(f, "GE-3", EG_MEMBER_ACTIVE, "appeal", &a), -EINVAL);
        assert_non_null(strstr(a.message, "revoked, which is final"));
        assert_int_equal(set_status(f, "GE-3", EG_MEMBER_CONDITIONAL, "why", &a), -EINVAL);
        assert_int_equal(set_status(f, "GE-3", EG_MEMBER_EXPIRED, "", &a), -EINVAL);
        assert_non_null(strstr(a.message, "a reason is required"));
        assert_int_equal(set_status(f, "GE-404", EG_MEMBER_EXPIRED, "gone", &a), -ENOENT);
        assert_int_equal(lookup(f, "KOR", "M00000001", &l), 0);
        assert_int_equal(l.member->status, EG_MEMBER_REVOKED);

        assert_int_equal(admin(f,
                               (struct eg_registry_admin_request){ .kind = EG_REGISTRY_ADMIN_SHOW,
                                                                   .member_id = "GE-3" },
                               &a),
                         0);
        /* conditional (imported) -> active -> suspended -> revoked, in that order. */
        p = strstr(a.json, "\"history\":");
        assert_non_null(p);
        p = strstr(p, "\"status\":\"conditional\"");
        assert_non_null(p);
        p = strstr(p, "\"status\":\"active\",\"changed_at\"");
        assert_non_null(p);
        assert_non_null(strstr(p, "\"reason\":\"enrolment interview done\",\"actor\":\"uid 1000 "
                                  "(:1.7)\""));
        p = strstr(p, "\"status\":\"suspended\"");
        assert_non_null(p);
        p = strstr(p, "\"status\":\"revoked\"");
        assert_non_null(p);
        assert_null(strstr(p + 1, "\"status\":"));
        eg_member_free(l.member);
        admin_log_done(&a);
}

static struct eg_date day_of(time_t t, bool local) {
        struct tm tm;

        assert_non_null(local ? localtime_r(&t, &tm) : gmtime_r(&t, &tm));
        return (struct eg_date){ tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday };
}

/* Activation completes enrolment on the gate's day, the local one the lanes judge by: in a
 * zone far from UTC the UTC date is another day for much of it (a US evening enrolled
 * "tomorrow" would not pass the gate that night, and keep its membership a day longer). */
static void test_activation_enrols_on_the_gates_day(void **state) {
        struct fixture *f = *state;
        struct admin_log a = {};
        struct lookup_log l = {};
        struct eg_date utc, before, after;
        time_t now = time(NULL);

        /* Whichever of UTC+14 and UTC-12 is on another day than UTC now. */
        utc = day_of(now, false);
        assert_int_equal(setenv("TZ", "EAST-14", 1), 0);
        tzset();
        before = day_of(now, true);
        if (eg_date_compare(&utc, &before) == 0) {
                assert_int_equal(setenv("TZ", "WEST+12", 1), 0);
                tzset();
                before = day_of(now, true);
        }
        assert_int_not_equal(eg_date_compare(&utc, &before), 0);

        assert_int_equal(import_text(f, import_json, &a), 0);
        assert_int_equal(set_status(f, "GE-3", EG_MEMBER_ACTIVE, "enrolment interview done", &a),
                         0);
        after = day_of(time(NULL), true);
        assert_int_equal(lookup(f, "KOR", "M00000001", &l), 0);
        assert_true(l.member->has_enrolled);
        /* That day (or the next, if its midnight passed meanwhile), not UTC's. */
        assert_true(eg_date_compare(&l.member->enrolled, &before) == 0 ||
                    eg_date_compare(&l.member->enrolled, &after) == 0);

        assert_int_equal(unsetenv("TZ"), 0);
        tzset();
        eg_member_free(l.member);
        admin_log_done(&a);
}

static void test_import_is_all_or_nothing(void **state) {
        struct fixture *f = *state;
        struct admin_log a = {};
        struct lookup_log l = {};
        char *bad;

        /* members[2] has a bad date: nothing from the document goes in. */
        bad = strdup(import_json);
        assert_non_null(bad);
        memcpy(strstr(bad, "2028-01-01"), "2028-13-01", 10);
        assert_int_equal(import_text(f, bad, &a), -EINVAL);
        assert_string_equal(a.message, "members[2].passports[0].expiry: not a date (YYYY-MM-DD)");
        free(bad);
        assert_int_equal(
                admin(f, (struct eg_registry_admin_request){ .kind = EG_REGISTRY_ADMIN_LIST }, &a),
                0);
        assert_int_equal(a.n_summaries, 0);

        /* A conflict found by the database (members[1] reuses members[0]'s passport): the
         * rows of members[0] are rolled back too. */
        assert_int_equal(
                import_text(
                        f,
                        "{\"members\": ["
                        " {\"id\": \"A\", \"status\": \"active\", \"birth_date\": \"1990-01-01\","
                        "  \"enrolled\": \"2020-01-01\", \"passports\": [{\"issuing_state\": "
                        "\"FRA\", \"document_number\": \"F1\", \"expiry\": \"2030-01-01\"}]},"
                        " {\"id\": \"B\", \"status\": \"active\", \"birth_date\": \"1990-01-01\","
                        "  \"enrolled\": \"2020-01-01\", \"passports\": [{\"issuing_state\": "
                        "\"FRA\", \"document_number\": \"F1\", \"expiry\": \"2031-01-01\"}]}]}",
                        &a),
                -EEXIST);
        assert_string_equal(a.message, "members[1].passports[0]: already registered to member A");
        assert_int_equal(lookup(f, "FRA", "F1", &l), -ENOENT);

        /* An id that exists already. */
        assert_int_equal(add_json(f, alice_json, &a), 0);
        assert_int_equal(
                import_text(f,
                            "{\"members\": [ {\"id\": \"GE-100001\", \"status\": \"active\","
                            " \"birth_date\": \"1990-01-01\", \"enrolled\": \"2020-01-01\","
                            " \"passports\": [{\"issuing_state\": \"FRA\", \"document_number\":"
                            " \"F2\", \"expiry\": \"2030-01-01\"}]}]}",
                            &a),
                -EEXIST);
        assert_string_equal(a.message, "members[0].id: member GE-100001 already exists");
        assert_int_equal(lookup(f, "FRA", "F2", &l), -ENOENT);

        /* Not a regular file. */
        {
                int fds[2];

                assert_int_equal(pipe(fds), 0);
                assert_int_equal(admin(f,
                                       (struct eg_registry_admin_request){
                                               .kind = EG_REGISTRY_ADMIN_IMPORT, .fd = fds[0] },
                                       &a),
                                 -EINVAL);
                assert_string_equal(a.message, "the import must be a regular file");
                close(fds[0]);
                close(fds[1]);
        }
        eg_member_free(l.member);
        admin_log_done(&a);
}

static void test_remove_wipes(void **state) {
        struct fixture *f = *state;
        _cleanup_free_ char *path = NULL, *wal = NULL;
        struct admin_log a = {};
        struct lookup_log l = {};
        char *bytes;
        size_t len;
        sqlite3 *db;
        sqlite3_stmt *s;

        assert_int_equal(add_json(f, alice_json, &a), 0);
        assert_int_equal(admin(f,
                               (struct eg_registry_admin_request){
                                       .kind = EG_REGISTRY_ADMIN_REMOVE,
                                       .member_id = "GE-100001",
                                       .reason = "left the programme",
                               },
                               &a),
                         0);
        assert_int_equal(lookup(f, "USA", DOC_ALICE, &l), -ENOENT);
        assert_int_equal(admin(f,
                               (struct eg_registry_admin_request){
                                       .kind = EG_REGISTRY_ADMIN_REMOVE,
                                       .member_id = "GE-100001",
                                       .reason = "twice",
                               },
                               &a),
                         -ENOENT);
        assert_int_equal(admin(f,
                               (struct eg_registry_admin_request){
                                       .kind = EG_REGISTRY_ADMIN_REMOVE,
                                       .member_id = "GE-2",
                               },
                               &a),
                         -EINVAL); /* no reason */

        /* Neither the file nor its WAL still holds her number, template or face. */
        assert_true(asprintf(&path, "%s/registry.db", f->dir) > 0);
        assert_true(asprintf(&wal, "%s/registry.db-wal", f->dir) > 0);
        for (int i = 0; i < 2; i++) {
                bytes = read_file(i == 0 ? path : wal, &len);
                if (!bytes)
                        continue;
                assert_false(contains(bytes, len, DOC_ALICE, strlen(DOC_ALICE)));
                assert_false(contains(bytes, len, "TEMPLATE-SECRET-0001", 20));
                assert_false(contains(bytes, len, "FACE-IMAGE-SECRET", 17));
                assert_false(contains(bytes, len, "1980-02-29", 10));
                free(bytes);
        }
        /* The history keeps who removed whom, when and why. */
        assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_prepare_v2(db,
                                            "SELECT status, reason, actor FROM "
                                            "member_status_history WHERE member_id = 'GE-100001' "
                                            "ORDER BY rowid DESC LIMIT 1",
                                            -1, &s, NULL),
                         SQLITE_OK);
        assert_int_equal(sqlite3_step(s), SQLITE_ROW);
        assert_string_equal((const char *) sqlite3_column_text(s, 0), "removed");
        assert_string_equal((const char *) sqlite3_column_text(s, 1), "left the programme");
        assert_string_equal((const char *) sqlite3_column_text(s, 2), "uid 0 (test)");
        sqlite3_finalize(s);
        assert_int_equal(sqlite3_prepare_v2(db,
                                            "SELECT (SELECT count(*) FROM fingers) + (SELECT "
                                            "count(*) FROM faces) + (SELECT count(*) FROM "
                                            "passports) + (SELECT count(*) FROM members)",
                                            -1, &s, NULL),
                         SQLITE_OK);
        assert_int_equal(sqlite3_step(s), SQLITE_ROW);
        assert_int_equal(sqlite3_column_int(s, 0), 0);
        sqlite3_finalize(s);
        sqlite3_close(db);
        admin_log_done(&a);
}

static void test_store_finger(void **state) {
        struct fixture *f = *state;
        struct admin_log a = {};
        struct lookup_log l = {};
        struct eg_member_finger finger = { .position = 6,
                                           .format = (char *) "egate-mock",
                                           .data = (uint8_t *) "ENROLLED-FINGER-0003",
                                           .len = 20 };
        struct eg_registry_admin_request req = { .kind = EG_REGISTRY_ADMIN_STORE_FINGER,
                                                 .member_id = "GE-100001",
                                                 .finger = &finger };

        assert_int_equal(add_json(f, alice_json, &a), 0);
        assert_int_equal(admin(f, req, &a), 0);
        /* The same finger and format again replaces it. */
        finger.data = (uint8_t *) "ENROLLED-FINGER-0004";
        assert_int_equal(admin(f, req, &a), 0);
        assert_int_equal(lookup(f, "USA", DOC_ALICE, &l), 0);
        assert_int_equal(l.member->n_fingers, 2);
        assert_int_equal(l.member->fingers[0].position, 2);
        assert_int_equal(l.member->fingers[1].position, 6);
        assert_memory_equal(l.member->fingers[1].data, "ENROLLED-FINGER-0004", 20);

        finger.position = 11;
        assert_int_equal(admin(f, req, &a), -EINVAL);
        finger.position = 1;
        finger.format = (char *) "bad format";
        assert_int_equal(admin(f, req, &a), -EINVAL);
        finger.format = (char *) "egate-mock";
        req.member_id = "GE-404";
        assert_int_equal(admin(f, req, &a), -ENOENT);
        req.kind = EG_REGISTRY_ADMIN_EXISTS;
        assert_int_equal(admin(f, req, &a), -ENOENT);
        req.member_id = "GE-100001";
        assert_int_equal(admin(f, req, &a), 0);
        eg_member_free(l.member);
        admin_log_done(&a);
}

/* A version 1 database as the first release wrote it, with one member. */
static const char v1_schema[] =
        "CREATE TABLE members (id TEXT PRIMARY KEY NOT NULL, status TEXT NOT NULL CHECK (status "
        "IN ('conditional', 'active', 'suspended', 'revoked', 'expired')), birth_date TEXT NOT "
        "NULL, enrolled TEXT, conditional_approval TEXT, created TEXT NOT NULL, updated TEXT NOT "
        "NULL);"
        "CREATE TABLE member_status_history (member_id TEXT NOT NULL, status TEXT NOT NULL, "
        "changed_at TEXT NOT NULL, reason TEXT NOT NULL, actor TEXT NOT NULL);"
        "CREATE TABLE passports (member_id TEXT NOT NULL REFERENCES members(id) ON DELETE "
        "CASCADE, issuing_state TEXT NOT NULL, document_number TEXT NOT NULL, expiry TEXT NOT "
        "NULL, UNIQUE (issuing_state, document_number));"
        "CREATE TABLE fingers (member_id TEXT NOT NULL REFERENCES members(id) ON DELETE CASCADE, "
        "position INTEGER NOT NULL CHECK (position BETWEEN 1 AND 10), format TEXT NOT NULL, "
        "template BLOB NOT NULL);"
        "CREATE TABLE faces (member_id TEXT NOT NULL UNIQUE REFERENCES members(id) ON DELETE "
        "CASCADE, mime TEXT NOT NULL, image BLOB NOT NULL);"
        "INSERT INTO members VALUES ('OLD-1', 'active', '1970-01-01', '2021-06-01', NULL, "
        "'2021-06-01T10:00:00Z', '2021-06-01T10:00:00Z');"
        "INSERT INTO passports VALUES ('OLD-1', 'GBR', '123456789', '2029-12-31');"
        "INSERT INTO fingers VALUES ('OLD-1', 1, 'egate-mock', x'0102');"
        "PRAGMA user_version = 1;";

static int query_int(const char *path, const char *sql) {
        sqlite3 *db;
        sqlite3_stmt *s;
        int v;

        assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_step(s), SQLITE_ROW);
        v = sqlite3_column_int(s, 0);
        sqlite3_finalize(s);
        sqlite3_close(db);
        return v;
}

static void test_migrates_from_v1(void **state) {
        _cleanup_free_ char *dir = make_state_dir(), *path = NULL;
        struct fixture f = {};
        struct admin_log a = {};
        struct lookup_log l = {};
        sqlite3 *db;

        assert_non_null(dir);
        path = write_file(dir, "registry.db", "", 0600);
        assert_non_null(path);
        assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_exec(db, v1_schema, NULL, NULL, NULL), SQLITE_OK);
        sqlite3_close(db);

        assert_int_equal(sd_event_new(&f.event), 0);
        f.dir = dir;
        assert_int_equal(eg_registry_sqlite_open(f.event, dir, &f.registry), 0);
        assert_int_equal(lookup(&f, "GBR", "123456789", &l), 0);
        assert_string_equal(l.member->id, "OLD-1");
        assert_int_equal(l.member->n_fingers, 1);
        /* The new column works for rows written after the migration. */
        assert_int_equal(add_json(&f, alice_json, &a), 0);
        eg_registry_free(f.registry);

        assert_int_equal(query_int(path, "PRAGMA user_version"), 2);
        assert_int_equal(query_int(path, "SELECT count(*) FROM sqlite_master WHERE type = "
                                         "'index' AND name = 'member_status_history_member'"),
                         1);
        assert_int_equal(query_int(path, "SELECT count(*) FROM fingers WHERE stored IS NOT NULL"),
                         1);
        assert_int_equal(query_int(path, "SELECT count(*) FROM fingers WHERE stored IS NULL"), 1);

        /* Opening again changes nothing. */
        assert_int_equal(eg_registry_sqlite_open(f.event, dir, &f.registry), 0);
        eg_registry_free(f.registry);
        assert_int_equal(query_int(path, "PRAGMA user_version"), 2);

        /* A database from a newer egated is left alone. */
        assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
        sqlite3_close(db);
        assert_int_equal(eg_registry_sqlite_open(f.event, dir, &f.registry), -EPROTO);
        assert_int_equal(query_int(path, "PRAGMA user_version"), 99);

        eg_member_free(l.member);
        admin_log_done(&a);
        remove_tree(dir);
        sd_event_unref(f.event);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_file_mode_and_schema, setup, teardown),
                cmocka_unit_test(test_refuses_open_modes),
                cmocka_unit_test_setup_teardown(test_add_and_lookup, setup, teardown),
                cmocka_unit_test_setup_teardown(test_lookup_pads_issuing_state, setup, teardown),
                cmocka_unit_test_setup_teardown(test_lookup_holder, setup, teardown),
                cmocka_unit_test_setup_teardown(test_list_and_show, setup, teardown),
                cmocka_unit_test_setup_teardown(test_status_history, setup, teardown),
                cmocka_unit_test_setup_teardown(test_activation_enrols_on_the_gates_day, setup,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_import_is_all_or_nothing, setup, teardown),
                cmocka_unit_test_setup_teardown(test_remove_wipes, setup, teardown),
                cmocka_unit_test_setup_teardown(test_store_finger, setup, teardown),
                cmocka_unit_test(test_migrates_from_v1),
        };

        log_setup(EG_LOG_TARGET_STDERR);
        return cmocka_run_group_tests(tests, NULL, NULL);
}
