/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Lane events in the audit trail: written durably and read back in order,
 * filtered by time and transaction, the guard against personal data, queued
 * events written when the trail is freed, the schema migration that adds
 * them to a trail of the first version, and the JSON form.
 */
#include <errno.h>
#include <setjmp.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "audit-fixture.h"
#include "audit/audit-record.h"
#include "macro.h"

static void parse(const char *json, struct eg_audit_event *ev) {
        assert_int_equal(eg_audit_event_from_json(json, ev), 0);
}

static void write_three(struct fixture *f, struct eg_audit_event ev[3]) {
        test_sample_event(&ev[0], EG_AUDIT_EVENT_OPERATOR, NULL, T0);
        test_sample_event(&ev[1], EG_AUDIT_EVENT_ALARM, "A1-0001", T0 + TEST_USEC_PER_SEC);
        test_sample_event(&ev[2], EG_AUDIT_EVENT_EMERGENCY, NULL, T0 + 2 * TEST_USEC_PER_SEC);
        for (unsigned i = 0; i < 3; i++)
                assert_int_equal(eg_audit_write_event(f->audit, &ev[i]), 0);
}

static void test_write_list(void **state) {
        struct fixture *f = *state;
        struct eg_audit_event ev[3], got;
        _cleanup_(strv_freep) char **rows = NULL;
        size_t n = 0;

        open_audit(f);
        write_three(f, ev);

        /* Everything, oldest first, each exactly as written (the list runs after the writes). */
        assert_int_equal(test_list_events_sync(f->event, f->audit, 0, 0, 0, NULL, &rows, &n), 0);
        assert_int_equal(n, 3);
        for (unsigned i = 0; i < 3; i++) {
                parse(rows[i], &got);
                assert_memory_equal(&got, &ev[i], sizeof(got));
        }
        rows = (strv_free(rows), NULL);

        /* One transaction's events. */
        assert_int_equal(test_list_events_sync(f->event, f->audit, 0, 0, 0, "A1-0001", &rows, &n),
                         0);
        assert_int_equal(n, 1);
        parse(rows[0], &got);
        assert_string_equal(got.kind, "alarm");
        assert_string_equal(got.reason, "E_WATCHLIST_HIT");
        rows = (strv_free(rows), NULL);

        /* A time range, and the newest of a limit. */
        assert_int_equal(test_list_events_sync(f->event, f->audit, T0 + 1,
                                               T0 + 2 * TEST_USEC_PER_SEC, 0, NULL, &rows, &n),
                         0);
        assert_int_equal(n, 1);
        parse(rows[0], &got);
        assert_string_equal(got.kind, "alarm");
        rows = (strv_free(rows), NULL);
        assert_int_equal(test_list_events_sync(f->event, f->audit, 0, 0, 1, NULL, &rows, &n), 0);
        assert_int_equal(n, 1);
        parse(rows[0], &got);
        assert_string_equal(got.kind, "emergency");
        rows = (strv_free(rows), NULL);

        /* Records and events do not mix. */
        assert_int_equal(test_list_sync(f->event, f->audit, 0, 0, 0, &rows, &n), 0);
        assert_int_equal(n, 0);
        assert_true(eg_audit_writable(f->audit));

        /* Bad queries. */
        assert_int_equal(eg_audit_list_events(f->audit, 5, 4, 0, NULL, NULL, NULL), -EINVAL);
}

/* What would put personal data or nonsense into the trail is refused, and nothing written. */
static void test_refused(void **state) {
        struct fixture *f = *state;
        struct eg_audit_event ev;
        _cleanup_(strv_freep) char **rows = NULL;
        const char *field = NULL;
        size_t n = 0;

        open_audit(f);
#define REFUSED(kind, change, want_field)                                                          \
        do {                                                                                       \
                test_sample_event(&ev, kind, NULL, T0);                                            \
                change;                                                                            \
                assert_int_equal(eg_audit_event_check(&ev, &field), -EINVAL);                      \
                assert_string_equal(field, want_field);                                            \
                assert_int_equal(eg_audit_write_event(f->audit, &ev), -EINVAL);                    \
        } while (0)
        REFUSED(EG_AUDIT_EVENT_OPERATOR, strcpy(ev.kind, "gossip"), "kind");
        REFUSED(EG_AUDIT_EVENT_OPERATOR, ev.lane[0] = '\0', "lane");
        REFUSED(EG_AUDIT_EVENT_OPERATOR, ev.time_usec = 0, "time_usec");
        REFUSED(EG_AUDIT_EVENT_OPERATOR, strcpy(ev.operator, ""), "operator");
        REFUSED(EG_AUDIT_EVENT_ALARM, strcpy(ev.operator, "uid 0"), "operator");
        REFUSED(EG_AUDIT_EVENT_OPERATOR, strcpy(ev.detail, "passport L898902C3 looked odd"),
                "detail");
        REFUSED(EG_AUDIT_EVENT_OPERATOR, strcpy(ev.detail, "born 19740812"), "detail");
        REFUSED(EG_AUDIT_EVENT_ALARM, strcpy(ev.reason, "E_20240101"), "reason");
        REFUSED(EG_AUDIT_EVENT_ALARM, strcpy(ev.action, "P<UTOERIKSSON"), "action");
        REFUSED(EG_AUDIT_EVENT_EMERGENCY, strcpy(ev.transaction_id, "A1 0001"), "transaction_id");
        REFUSED(EG_AUDIT_EVENT_OPERATOR, memset(ev.detail, 'x', sizeof(ev.detail)), "detail");
        REFUSED(EG_AUDIT_EVENT_ALARM, strcpy(ev.detail, "P<UTOERIKSSON<<ANNA"), "detail");
        REFUSED(EG_AUDIT_EVENT_EMERGENCY, strcpy(ev.detail, "line\nbreak"), "detail");
#undef REFUSED
        /* egated's own detail may name a device by its serial number; an operator's may not
         * hold such a run of digits. */
        test_sample_event(&ev, EG_AUDIT_EVENT_EMERGENCY, NULL, T0);
        strcpy(ev.detail, "emergency input on gpio-serial-00412345");
        assert_int_equal(eg_audit_event_check(&ev, &field), 0);
        assert_int_equal(test_list_events_sync(f->event, f->audit, 0, 0, 0, NULL, &rows, &n), 0);
        assert_int_equal(n, 0);
        assert_true(eg_audit_writable(f->audit));
}

/* Events queued when the trail is freed still reach the disk. */
static void test_free_keeps_queued_events(void **state) {
        struct fixture *f = *state;
        struct eg_audit_event ev[3];
        _cleanup_(strv_freep) char **rows = NULL;
        size_t n = 0;

        open_audit(f);
        write_three(f, ev);
        f->audit = eg_audit_free(f->audit);
        open_audit(f);
        assert_int_equal(test_list_events_sync(f->event, f->audit, 0, 0, 0, NULL, &rows, &n), 0);
        assert_int_equal(n, 3);
}

/* A trail of schema version 1 (records only) gains the events table, keeping its records. */
static void test_migration_from_version_1(void **state) {
        struct fixture *f = *state;
        struct eg_audit_event ev[3];
        _cleanup_(strv_freep) char **rows = NULL;
        _cleanup_free_ char *db = NULL;
        sqlite3 *s = NULL;
        sqlite3_stmt *st = NULL;
        size_t n = 0;

        open_audit(f);
        write_n(f, 2, T0);
        f->audit = eg_audit_free(f->audit);

        /* Back to what version 1 wrote: no events table (nor what later versions added). */
        db = path_in(f, "audit.db");
        assert_int_equal(sqlite3_open(db, &s), SQLITE_OK);
        assert_int_equal(sqlite3_exec(s,
                                      "DROP TABLE events; DROP TABLE key_check; "
                                      "PRAGMA user_version = 1;",
                                      NULL, NULL, NULL),
                         SQLITE_OK);
        sqlite3_close(s);

        open_audit(f);
        write_three(f, ev);
        assert_int_equal(test_list_events_sync(f->event, f->audit, 0, 0, 0, NULL, &rows, &n), 0);
        assert_int_equal(n, 3);
        rows = (strv_free(rows), NULL);
        assert_int_equal(test_list_sync(f->event, f->audit, 0, 0, 0, &rows, &n), 0);
        assert_int_equal(n, 2);
        f->audit = eg_audit_free(f->audit);

        /* The latest version now, and events as append-only as records. */
        assert_int_equal(sqlite3_open(db, &s), SQLITE_OK);
        assert_int_equal(sqlite3_prepare_v2(s, "PRAGMA user_version", -1, &st, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        assert_int_equal(sqlite3_column_int(st, 0), 3);
        sqlite3_finalize(st);
        assert_int_not_equal(sqlite3_exec(s, "DELETE FROM events", NULL, NULL, NULL), SQLITE_OK);
        assert_int_not_equal(
                sqlite3_exec(s, "UPDATE events SET kind = 'operator'", NULL, NULL, NULL),
                SQLITE_OK);
        sqlite3_close(s);
}

static void test_json(void **state) {
        struct eg_audit_event ev, back;
        _cleanup_free_ char *json = NULL, *json2 = NULL;

        /* Empty optional fields are left out, and read back as empty. */
        test_sample_event(&ev, EG_AUDIT_EVENT_EMERGENCY, NULL, T0);
        assert_int_equal(eg_audit_event_to_json(&ev, &json), 0);
        assert_null(strstr(json, "transaction_id"));
        assert_null(strstr(json, "operator"));
        assert_null(strstr(json, "reason"));
        assert_non_null(strstr(json, "\"kind\":\"emergency\""));
        parse(json, &back);
        assert_memory_equal(&back, &ev, sizeof(ev));

        test_sample_event(&ev, EG_AUDIT_EVENT_OPERATOR, "A1-0009", T0);
        assert_int_equal(eg_audit_event_to_json(&ev, &json2), 0);
        parse(json2, &back);
        assert_memory_equal(&back, &ev, sizeof(ev));

        /* Not events. */
        assert_int_equal(eg_audit_event_from_json("[]", &back), -EBADMSG);
        assert_int_equal(eg_audit_event_from_json("{\"lane\":\"A1\"}", &back), -EBADMSG);
        assert_int_equal(eg_audit_event_from_json("{\"lane\":\"A1\",\"time_usec\":1,\"kind\":"
                                                  "\"alarm\",\"action\":\"x\",\"detail\":\"d\","
                                                  "\"reason\":5}",
                                                  &back),
                         -EBADMSG);
        assert_int_equal(eg_audit_event_from_json(NULL, &back), -EBADMSG);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_write_list, setup, teardown),
                cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
                cmocka_unit_test_setup_teardown(test_free_keeps_queued_events, setup, teardown),
                cmocka_unit_test_setup_teardown(test_migration_from_version_1, setup, teardown),
                cmocka_unit_test(test_json),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
