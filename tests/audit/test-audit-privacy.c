/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The audit trail's protection of what it keeps: the document-hash key (HMAC
 * known answer, created once and reused, loose, damaged or foreign keys refused), the
 * permissions and ownership of its files, and the guard against personal data
 * in records.
 */
#include <errno.h>
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
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "audit-fixture.h"
#include "audit/audit-record.h"
#include "macro.h"

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

/* A trail whose key is gone is not given a new one behind the operator's back: every document
 * hash in it would stop matching the new ones.  Only an empty trail gets a key. */
static void test_missing_key_of_a_trail(void **state) {
        struct fixture *f = *state;
        _cleanup_free_ char *key_path = path_in(f, "audit.key"), *db = path_in(f, "audit.db");
        uint8_t first[32];
        struct stat st;
        int fd;

        open_audit(f);
        write_n(f, 2, T0);
        f->audit = eg_audit_free(f->audit);
        fd = open(key_path, O_RDONLY);
        assert_int_equal(read(fd, first, sizeof(first)), 32);
        close(fd);

        assert_int_equal(unlink(key_path), 0);
        assert_int_equal(eg_audit_open(f->event, f->state, &f->audit), -ENOKEY);
        assert_null(f->audit);
        assert_int_equal(stat(key_path, &st), -1);

        /* The key restored, the trail goes on with it. */
        write_file(key_path, first, sizeof(first), 0600);
        open_audit(f);
        f->audit = eg_audit_free(f->audit);

        /* The old trail moved aside (it stays readable), a fresh one gets a fresh key. */
        assert_int_equal(unlink(key_path), 0);
        assert_int_equal(unlink(db), 0);
        open_audit(f);
        assert_int_equal(stat(key_path, &st), 0);
        assert_int_equal(st.st_size, 32);
}

static void read_key(const char *path, uint8_t key[32]) {
        int fd = open(path, O_RDONLY | O_CLOEXEC);

        assert_true(fd >= 0);
        assert_int_equal(read(fd, key, 32), 32);
        close(fd);
}

/* Another key of the right size (the wrong backup restored, another gate's key) would make the
 * new document hashes unmatchable to the old ones without a word: refused. */
static void test_other_key_of_a_trail(void **state) {
        struct fixture *f = *state;
        _cleanup_free_ char *key_path = path_in(f, "audit.key");
        _cleanup_(strv_freep) char **rows = NULL;
        uint8_t first[32], other[32];
        size_t n = 0;

        open_audit(f);
        write_n(f, 2, T0);
        f->audit = eg_audit_free(f->audit);
        read_key(key_path, first);

        memcpy(other, first, sizeof(other));
        other[31] ^= 0x01;
        write_file(key_path, other, sizeof(other), 0600);
        assert_int_equal(eg_audit_open(f->event, f->state, &f->audit), -EKEYREJECTED);
        assert_null(f->audit);

        /* The trail's own key back: it goes on, records and all. */
        write_file(key_path, first, sizeof(first), 0600);
        open_audit(f);
        assert_int_equal(test_list_sync(f->event, f->audit, 0, 0, EG_AUDIT_LIST_MAX, &rows, &n), 0);
        assert_int_equal(n, 2);
}

/* A trail written before keys were checked takes the key it has, and from then on only that. */
static void test_older_trail_takes_its_key(void **state) {
        struct fixture *f = *state;
        _cleanup_free_ char *key_path = path_in(f, "audit.key"), *db = path_in(f, "audit.db");
        uint8_t first[32], other[32];
        sqlite3 *s = NULL;

        open_audit(f);
        write_n(f, 2, T0);
        f->audit = eg_audit_free(f->audit);
        read_key(key_path, first);
        /* Back to schema version 2, as an egated from before the key check left it. */
        assert_int_equal(sqlite3_open(db, &s), SQLITE_OK);
        assert_int_equal(
                sqlite3_exec(s, "DROP TABLE key_check; PRAGMA user_version = 2", NULL, NULL, NULL),
                SQLITE_OK);
        assert_int_equal(sqlite3_close(s), SQLITE_OK);

        open_audit(f);
        f->audit = eg_audit_free(f->audit);

        memcpy(other, first, sizeof(other));
        other[0] ^= 0x80;
        write_file(key_path, other, sizeof(other), 0600);
        assert_int_equal(eg_audit_open(f->event, f->state, &f->audit), -EKEYREJECTED);
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

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_hmac_known_answer, setup, teardown),
                cmocka_unit_test_setup_teardown(test_key_created_and_reused, setup, teardown),
                cmocka_unit_test_setup_teardown(test_missing_key_of_a_trail, setup, teardown),
                cmocka_unit_test_setup_teardown(test_other_key_of_a_trail, setup, teardown),
                cmocka_unit_test_setup_teardown(test_older_trail_takes_its_key, setup, teardown),
                cmocka_unit_test_setup_teardown(test_refuses_loose_files, setup, teardown),
                cmocka_unit_test_setup_teardown(test_rejects_personal_data, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
