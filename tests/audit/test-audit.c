/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The audit trail through its asynchronous API on a real sd-event loop:
 * records written and read back, the JSON form, the document-hash key, the
 * file checks, the guard against personal data, and exports into files and
 * pipes (a closed pipe, a pipe nobody reads while the loop keeps ticking).
 */
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <setjmp.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "audit-test-util.h"
#include "audit/audit-record.h"
#include "audit/audit.h"
#include "macro.h"

#define T0 (1740816000ULL * TEST_USEC_PER_SEC) /* 2025-03-01T08:00:00Z */

struct fixture {
        char dir[64];
        char state[96];
        sd_event *event;
        struct eg_audit *audit;
};

static int setup(void **state) {
        struct fixture *f = calloc(1, sizeof(*f));

        assert_non_null(f);
        strcpy(f->dir, "/tmp/egate-audit-test-XXXXXX");
        assert_non_null(mkdtemp(f->dir));
        snprintf(f->state, sizeof(f->state), "%s/state", f->dir);
        assert_int_equal(sd_event_new(&f->event), 0);
        *state = f;
        return 0;
}

static int teardown(void **state) {
        struct fixture *f = *state;
        char cmd[128];

        f->audit = eg_audit_free(f->audit);
        sd_event_unref(f->event);
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
        assert_int_equal(system(cmd), 0);
        free(f);
        return 0;
}

static void open_audit(struct fixture *f) {
        assert_int_equal(eg_audit_open(f->event, f->state, &f->audit), 0);
}

static char *path_in(struct fixture *f, const char *name) {
        char *p = NULL;

        assert_true(asprintf(&p, "%s/%s", f->state, name) > 0);
        return p;
}

static void write_n(struct fixture *f, unsigned n, uint64_t first_start) {
        _cleanup_free_ struct eg_audit_record *r = malloc(sizeof(*r));

        assert_non_null(r);
        for (unsigned i = 0; i < n; i++) {
                char id[32];

                snprintf(id, sizeof(id), "A1-%04u", i + 1);
                test_sample_record(f->audit, r, id, first_start + i * TEST_USEC_PER_SEC,
                                   i % 3 == 0 ? "accept" : "refer");
                assert_int_equal(test_write_sync(f->event, f->audit, r), 0);
        }
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

        /* Schema version 1, WAL, the searchable columns filled. */
        db = path_in(f, "audit.db");
        assert_int_equal(sqlite3_open(db, &s), SQLITE_OK);
        assert_int_equal(sqlite3_prepare_v2(s, "PRAGMA user_version", -1, &st, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        assert_int_equal(sqlite3_column_int(st, 0), 1);
        sqlite3_finalize(st);
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

/* Queued writes reach the disk even when the trail is freed before they finish. */
static void on_done_flag(int status, void *userdata) {
        *(bool *) userdata = true;
}

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

/* --- the key and the document hash --- */

static void write_file(const char *path, const void *data, size_t len, mode_t mode) {
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

        assert_true(fd >= 0);
        assert_int_equal(fchmod(fd, mode), 0);
        assert_int_equal(write(fd, data, len), (ssize_t) len);
        assert_int_equal(close(fd), 0);
}

static void expected_hmac(const uint8_t *key, const char *input, char hex[65]) {
        unsigned char mac[EVP_MAX_MD_SIZE];
        unsigned len = 0;

        assert_non_null(HMAC(EVP_sha256(), key, 32, (const unsigned char *) input, strlen(input),
                             mac, &len));
        assert_int_equal(len, 32);
        for (unsigned i = 0; i < len; i++)
                snprintf(hex + 2 * i, 3, "%02x", mac[i]);
}

static void test_hmac_known_answer(void **state) {
        struct fixture *f = *state;
        _cleanup_free_ char *key_path = path_in(f, "audit.key");
        uint8_t key[32];
        char got[65], want[65];

        for (unsigned i = 0; i < sizeof(key); i++)
                key[i] = (uint8_t) (0xa0 + i);
        assert_int_equal(mkdir(f->state, 0700), 0);
        write_file(key_path, key, sizeof(key), 0600);
        open_audit(f);

        assert_int_equal(eg_audit_document_hash(f->audit, "UTO", "L898902C3", got), 0);
        expected_hmac(key, "UTO<L898902C3", want);
        assert_string_equal(got, want);
        /* As the MRZ writes them, with fillers: the same input. */
        assert_int_equal(eg_audit_document_hash(f->audit, "D<<", "C01X00T4<", got), 0);
        expected_hmac(key, "D<C01X00T4", want);
        assert_string_equal(got, want);
        /* Another document, another hash. */
        assert_int_equal(eg_audit_document_hash(f->audit, "UTO", "L898902C4", got), 0);
        expected_hmac(key, "UTO<L898902C3", want);
        assert_string_not_equal(got, want);

        assert_int_equal(eg_audit_document_hash(f->audit, "UTO", "", got), -EINVAL);
        assert_int_equal(eg_audit_document_hash(f->audit, "uto", "L898902C3", got), -EINVAL);
        assert_int_equal(eg_audit_document_hash(f->audit, "UTOX", "L898902C3", got), -EINVAL);
        assert_int_equal(eg_audit_document_hash(f->audit, "UTO", "L89 8902", got), -EINVAL);
}

static void test_key_created_and_reused(void **state) {
        struct fixture *f = *state;
        _cleanup_free_ char *key_path = path_in(f, "audit.key");
        uint8_t first[32], again[32];
        char h1[65], h2[65];
        struct stat st;
        int fd;

        open_audit(f);
        assert_int_equal(stat(key_path, &st), 0);
        assert_true(S_ISREG(st.st_mode));
        assert_int_equal(st.st_mode & 07777, 0600);
        assert_int_equal(st.st_size, 32);
        assert_int_equal(st.st_uid, geteuid());
        assert_int_equal(stat(f->state, &st), 0);
        assert_int_equal(st.st_mode & 0077, 0);
        fd = open(key_path, O_RDONLY);
        assert_int_equal(read(fd, first, sizeof(first)), 32);
        close(fd);
        assert_int_equal(eg_audit_document_hash(f->audit, "UTO", "L898902C3", h1), 0);
        f->audit = eg_audit_free(f->audit);

        open_audit(f);
        assert_int_equal(eg_audit_document_hash(f->audit, "UTO", "L898902C3", h2), 0);
        assert_string_equal(h1, h2);
        fd = open(key_path, O_RDONLY);
        assert_int_equal(read(fd, again, sizeof(again)), 32);
        close(fd);
        assert_memory_equal(first, again, sizeof(first));
        f->audit = eg_audit_free(f->audit);

        /* A loose key is refused, and so is one of the wrong size (never replaced). */
        assert_int_equal(chmod(key_path, 0640), 0);
        assert_int_equal(eg_audit_open(f->event, f->state, &f->audit), -EPERM);
        write_file(key_path, first, 16, 0600);
        assert_int_equal(eg_audit_open(f->event, f->state, &f->audit), -EBADMSG);
        assert_int_equal(stat(key_path, &st), 0);
        assert_int_equal(st.st_size, 16);
}

/* --- the files' permissions --- */

static void test_refuses_loose_files(void **state) {
        struct fixture *f = *state;
        _cleanup_free_ char *db = path_in(f, "audit.db"), *wal = path_in(f, "audit.db-wal");

        open_audit(f);
        f->audit = eg_audit_free(f->audit);

        assert_int_equal(chmod(db, 0644), 0);
        assert_int_equal(eg_audit_open(f->event, f->state, &f->audit), -EPERM);
        assert_int_equal(chmod(db, 0640), 0);
        assert_int_equal(eg_audit_open(f->event, f->state, &f->audit), -EPERM);
        assert_int_equal(chmod(db, 0600), 0);

        /* A readable WAL would show the records as well. */
        write_file(wal, "", 0, 0604);
        assert_int_equal(eg_audit_open(f->event, f->state, &f->audit), -EPERM);
        assert_int_equal(unlink(wal), 0);

        /* Another user's file (only root can make one here). */
        if (geteuid() == 0) {
                assert_int_equal(chown(db, 65534, 65534), 0);
                assert_int_equal(eg_audit_open(f->event, f->state, &f->audit), -EPERM);
                assert_int_equal(chown(db, 0, 0), 0);
        }

        /* A symlink in place of the database is not followed. */
        assert_int_equal(rename(db, wal), 0);
        assert_int_equal(symlink(wal, db), 0);
        assert_true(eg_audit_open(f->event, f->state, &f->audit) < 0);
        assert_int_equal(unlink(db), 0);
        assert_int_equal(rename(wal, db), 0);

        /* A state directory others may write to is refused. */
        assert_int_equal(chmod(f->state, 0777), 0);
        assert_int_equal(eg_audit_open(f->event, f->state, &f->audit), -EPERM);
        assert_int_equal(chmod(f->state, 0700), 0);

        open_audit(f);
        assert_true(eg_audit_writable(f->audit));
}

/* --- the guard against personal data --- */

static void expect_refused(struct fixture *f, struct eg_audit_record *r, const char *field) {
        const char *got = NULL;
        bool called = false;

        assert_int_equal(eg_audit_record_check(r, &got), -EINVAL);
        assert_non_null(got);
        assert_string_equal(got, field);
        assert_int_equal(eg_audit_write(f->audit, r, on_done_flag, &called), -EINVAL);
        (void) sd_event_run(f->event, 0);
        assert_false(called);
}

static void test_rejects_personal_data(void **state) {
        struct fixture *f = *state;
        _cleanup_free_ struct eg_audit_record *r = malloc(sizeof(*r));
        _cleanup_(strv_freep) char **rows = NULL;
        size_t n = 99;

#define FRESH() test_sample_record(f->audit, r, "A1-0007", T0, "refer")
        open_audit(f);

        FRESH();
        assert_int_equal(eg_audit_record_check(r, NULL), 0);

        /* An MRZ line in a reason: the caller bug this guard exists for. */
        FRESH();
        strcpy(r->reasons[0], "P<UTOERIKSSON<<ANNA<MARIA");
        expect_refused(f, r, "reasons[]");
        FRESH();
        strcpy(r->reasons[1], "L898902C36UTO7408122F1204");
        expect_refused(f, r, "reasons[]");
        /* A bare document number or date of birth in a code. */
        FRESH();
        strcpy(r->reasons[0], "L898902C3");
        expect_refused(f, r, "reasons[]");
        FRESH();
        strcpy(r->steps[3].reason, "DOB_740812");
        expect_refused(f, r, "steps[].reason");
        FRESH();
        strcpy(r->steps[0].step, "ERIKSSON ANNA");
        expect_refused(f, r, "steps[].step");
        FRESH();
        strcpy(r->steps[0].result, "passed");
        expect_refused(f, r, "steps[].result");
        /* Operator-typed text: free, but nothing that reads as a document or a date. */
        FRESH();
        strcpy(r->actions[0].reason, "passport L898902C3 damaged");
        expect_refused(f, r, "operator_actions[].reason");
        FRESH();
        strcpy(r->actions[0].reason, "born 19740812");
        expect_refused(f, r, "operator_actions[].reason");
        FRESH();
        strcpy(r->actions[0].reason, "name ERIKSSON<<ANNA");
        expect_refused(f, r, "operator_actions[].reason");
        FRESH();
        strcpy(r->actions[0].reason, "bell\a");
        expect_refused(f, r, "operator_actions[].reason");
        /* Ids, hashes, vocabularies. */
        FRESH();
        strcpy(r->member_id, "ERIKSSON<<ANNA");
        expect_refused(f, r, "member_id");
        FRESH();
        strcpy(r->transaction_id, "A1 0007");
        expect_refused(f, r, "transaction_id");
        FRESH();
        strcpy(r->document_hash, "L898902C3");
        expect_refused(f, r, "document_hash");
        FRESH();
        strcpy(r->issuing_state, "U1O");
        expect_refused(f, r, "issuing_state");
        FRESH();
        strcpy(r->decision, "maybe");
        expect_refused(f, r, "decision");
        FRESH();
        strcpy(r->devices[0], "camera=P<UTOERIKSSON");
        expect_refused(f, r, "devices[]");
        FRESH();
        strcpy(r->devices[1], "camera=cam-1 \"ERIKSSON\"");
        expect_refused(f, r, "devices[]");
        /* A creative vendor version is fine. */
        FRESH();
        strcpy(r->devices[1], "camera=acme-cam-1 acme/2.3~rc1_b4 [x86]");
        assert_int_equal(eg_audit_record_check(r, NULL), 0);
        FRESH();
        r->n_steps = EG_AUDIT_MAX_STEPS + 1;
        expect_refused(f, r, "steps");
        FRESH();
        memset(r->lane, 'A', sizeof(r->lane)); /* not terminated */
        expect_refused(f, r, "lane");
#undef FRESH

        assert_true(eg_audit_writable(f->audit));
        assert_int_equal(test_list_sync(f->event, f->audit, 0, 0, 0, &rows, &n), 0);
        assert_int_equal(n, 0);

        assert_true(eg_audit_text_is_clean("door jammed at 14:00, reset by hand"));
        assert_true(eg_audit_text_is_clean("Grenzkontrolle: Tür blockiert"));
        assert_false(eg_audit_text_is_clean("row\nbreak"));
        assert_false(eg_audit_text_is_clean("overlong \xc0\xaf slash"));
        assert_false(eg_audit_text_is_clean("C1 \xc2\x85 control"));
        assert_false(eg_audit_text_is_clean("cut \xe2\x82"));
        assert_false(eg_audit_text_is_clean(NULL));
}

/* --- export --- */

struct export_call {
        bool done;
        int status;
        uint64_t count;
};

static void on_exported(int status, uint64_t count, void *userdata) {
        struct export_call *c = userdata;

        c->status = status;
        c->count = count;
        c->done = true;
}

static size_t count_lines(const char *path, char first_id[32]) {
        FILE *file = fopen(path, "re");
        char *line = NULL;
        size_t len = 0, n = 0;

        assert_non_null(file);
        while (getline(&line, &len, file) > 0) {
                _cleanup_free_ struct eg_audit_record *r = malloc(sizeof(*r));

                assert_int_equal(line[strlen(line) - 1], '\n');
                line[strlen(line) - 1] = '\0';
                assert_int_equal(eg_audit_record_from_json(line, r), 0);
                if (n == 0 && first_id)
                        strcpy(first_id, r->transaction_id);
                n++;
        }
        free(line);
        fclose(file);
        return n;
}

static void test_export_to_file(void **state) {
        struct fixture *f = *state;
        _cleanup_free_ char *out = NULL;
        struct export_call c = {};
        char first[32] = "";
        int fd, pair[2];

        open_audit(f);
        write_n(f, 5, T0);
        assert_true(asprintf(&out, "%s/export.jsonl", f->dir) > 0);

        fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        assert_int_equal(eg_audit_export(f->audit, fd, 0, 0, on_exported, &c), 0);
        close(fd); /* the trail has its own copy */
        assert_true(test_run_until(f->event, &c.done, 20));
        assert_int_equal(c.status, 0);
        assert_int_equal(c.count, 5);
        assert_int_equal(count_lines(out, first), 5);
        assert_string_equal(first, "A1-0001");

        c = (struct export_call){};
        fd = open(out, O_WRONLY | O_TRUNC | O_CLOEXEC);
        assert_int_equal(eg_audit_export(f->audit, fd, T0 + 2 * TEST_USEC_PER_SEC,
                                         T0 + 4 * TEST_USEC_PER_SEC, on_exported, &c),
                         0);
        close(fd);
        assert_true(test_run_until(f->event, &c.done, 20));
        assert_int_equal(c.count, 2);
        assert_int_equal(count_lines(out, first), 2);
        assert_string_equal(first, "A1-0003");

        /* Only pipes and regular files open for writing. */
        fd = open(out, O_RDONLY | O_CLOEXEC);
        assert_int_equal(eg_audit_export(f->audit, fd, 0, 0, on_exported, &c), -EBADF);
        close(fd);
        fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
        assert_int_equal(eg_audit_export(f->audit, fd, 0, 0, on_exported, &c), -EINVAL);
        close(fd);
        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), 0);
        assert_int_equal(eg_audit_export(f->audit, pair[0], 0, 0, on_exported, &c), -EINVAL);
        close(pair[0]);
        close(pair[1]);
        assert_int_equal(eg_audit_export(f->audit, -1, 0, 0, on_exported, &c), -EBADF);
}

/* A reader on the loop: the export arrives complete through a non-blocking pipe. */
struct reader {
        char *buf;
        size_t len;
        bool eof;
};

static int on_readable(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        struct reader *rd = userdata;
        char chunk[4096];
        ssize_t n = read(fd, chunk, sizeof(chunk));

        if (n <= 0) {
                rd->eof = true;
                return sd_event_source_set_enabled(s, SD_EVENT_OFF);
        }
        rd->buf = realloc(rd->buf, rd->len + (size_t) n + 1);
        assert_non_null(rd->buf);
        memcpy(rd->buf + rd->len, chunk, (size_t) n);
        rd->len += (size_t) n;
        rd->buf[rd->len] = '\0';
        return 0;
}

static void test_export_through_pipe(void **state) {
        struct fixture *f = *state;
        struct export_call c = {};
        struct reader rd = {};
        sd_event_source *src = NULL;
        size_t lines = 0;
        int p[2];

        open_audit(f);
        write_n(f, 40, T0); /* ~ 300 KiB: many times a pipe's buffer */
        assert_int_equal(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
        assert_int_equal(sd_event_add_io(f->event, &src, p[0], EPOLLIN, on_readable, &rd), 0);
        assert_int_equal(eg_audit_export(f->audit, p[1], 0, 0, on_exported, &c), 0);
        close(p[1]);
        assert_true(test_run_until(f->event, &c.done, 20));
        assert_true(test_run_until(f->event, &rd.eof, 20));
        assert_int_equal(c.status, 0);
        assert_int_equal(c.count, 40);
        for (size_t i = 0; i < rd.len; i++)
                lines += rd.buf[i] == '\n';
        assert_int_equal(lines, 40);
        sd_event_source_disable_unref(src);
        close(p[0]);
        free(rd.buf);
}

static void test_export_closed_pipe(void **state) {
        struct fixture *f = *state;
        _cleanup_free_ struct eg_audit_record *r = malloc(sizeof(*r));
        struct export_call c = {};
        int p[2], k;

        open_audit(f);
        write_n(f, 40, T0);

        /* Closed before the export starts: told at once or through done(), never a SIGPIPE. */
        assert_int_equal(pipe2(p, O_CLOEXEC), 0);
        close(p[0]);
        k = eg_audit_export(f->audit, p[1], 0, 0, on_exported, &c);
        close(p[1]);
        if (k == 0) {
                assert_true(test_run_until(f->event, &c.done, 20));
                assert_int_equal(c.status, -EPIPE);
        } else
                assert_int_equal(k, -EPIPE);

        /* Closed in the middle: the pipe is full, then the reader goes away. */
        c = (struct export_call){};
        assert_int_equal(pipe2(p, O_CLOEXEC), 0);
        assert_int_equal(eg_audit_export(f->audit, p[1], 0, 0, on_exported, &c), 0);
        close(p[1]);
        (void) sd_event_run(f->event, 200000);
        assert_false(c.done);
        close(p[0]);
        assert_true(test_run_until(f->event, &c.done, 20));
        assert_int_equal(c.status, -EPIPE);
        assert_true(c.count < 40);

        /* And the trail carries on. */
        test_sample_record(f->audit, r, "A1-AFTER", T0, "accept");
        assert_int_equal(test_write_sync(f->event, f->audit, r), 0);
        assert_true(eg_audit_writable(f->audit));
}

/* A 10 ms ticker on the loop measures whether anything holds it. */
struct ticker {
        unsigned ticks;
        uint64_t last, max_gap;
};

static int on_tick(sd_event_source *s, uint64_t usec, void *userdata) {
        struct ticker *t = userdata;
        uint64_t now;

        assert_int_equal(sd_event_now(sd_event_source_get_event(s), CLOCK_MONOTONIC, &now), 0);
        if (t->last && now - t->last > t->max_gap)
                t->max_gap = now - t->last;
        t->last = now;
        t->ticks++;
        return sd_event_source_set_time_relative(s, 10000);
}

static void test_export_stuck_reader(void **state) {
        struct fixture *f = *state;
        _cleanup_free_ struct eg_audit_record *r = malloc(sizeof(*r));
        struct export_call c = {};
        struct ticker t = {};
        sd_event_source *tick = NULL;
        bool written = false;
        uint64_t start, now;
        int p[2];

        open_audit(f);
        write_n(f, 40, T0);
        eg_audit_set_export_stall(f->audit, 1500000);
        assert_int_equal(pipe2(p, O_CLOEXEC), 0); /* nobody ever reads p[0] */
        assert_int_equal(
                sd_event_add_time_relative(f->event, &tick, CLOCK_MONOTONIC, 10000, 1, on_tick, &t),
                0);
        assert_int_equal(sd_event_source_set_enabled(tick, SD_EVENT_ON), 0);
        assert_int_equal(eg_audit_export(f->audit, p[1], 0, 0, on_exported, &c), 0);

        /* A record written while the export waits is not held up by it. */
        test_sample_record(f->audit, r, "A1-LATE", T0, "accept");
        assert_int_equal(sd_event_now(f->event, CLOCK_MONOTONIC, &start), 0);
        assert_int_equal(eg_audit_write(f->audit, r, on_done_flag, &written), 0);
        assert_true(test_run_until(f->event, &written, 5));
        assert_int_equal(sd_event_now(f->event, CLOCK_MONOTONIC, &now), 0);
        assert_true(now - start < 1000000);
        assert_false(c.done);

        /* The loop keeps ticking while the export is stuck, then the export gives up. */
        assert_true(test_run_until(f->event, &c.done, 10));
        assert_int_equal(c.status, -ETIMEDOUT);
        assert_true(c.count < 40);
        fprintf(stderr, "# %u ticks, longest gap %llu us\n", t.ticks,
                (unsigned long long) t.max_gap);
        assert_true(t.ticks >= 60);
        assert_true(t.max_gap < 100000);

        sd_event_source_disable_unref(tick);
        close(p[0]);
        close(p[1]);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_write_read_back, setup, teardown),
                cmocka_unit_test_setup_teardown(test_survives_reopen, setup, teardown),
                cmocka_unit_test_setup_teardown(test_free_keeps_queued_writes, setup, teardown),
                cmocka_unit_test_setup_teardown(test_free_from_callback, setup, teardown),
                cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
                cmocka_unit_test(test_json_round_trip),
                cmocka_unit_test_setup_teardown(test_hmac_known_answer, setup, teardown),
                cmocka_unit_test_setup_teardown(test_key_created_and_reused, setup, teardown),
                cmocka_unit_test_setup_teardown(test_refuses_loose_files, setup, teardown),
                cmocka_unit_test_setup_teardown(test_rejects_personal_data, setup, teardown),
                cmocka_unit_test_setup_teardown(test_export_to_file, setup, teardown),
                cmocka_unit_test_setup_teardown(test_export_through_pipe, setup, teardown),
                cmocka_unit_test_setup_teardown(test_export_closed_pipe, setup, teardown),
                cmocka_unit_test_setup_teardown(test_export_stuck_reader, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
