/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A full disk, for real: the trail lives on a 2 MiB tmpfs mounted in a
 * private mount namespace (the test re-executes itself under
 * `unshare --mount --propagation private`), is filled until a write fails,
 * and must then say so (done(-ENOSPC) or done(-EIO), Writable false, the
 * listener told), keep no partial record, and come back by itself (the
 * probe) once space is freed; a lane event refused meanwhile is kept and
 * written then.  Skipped (77) where namespaces or mounts are
 * not permitted.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "audit-test-util.h"
#include "audit/audit-spool.h"
#include "audit/audit.h"
#include "macro.h"

#define IN_NAMESPACE "--in-private-mount-namespace"
#define T0 (1740816000ULL * TEST_USEC_PER_SEC)

static char mount_dir[64];

struct watch {
        unsigned calls;
        bool last;
        bool back; /* told writable again */
};

static void on_writable(bool writable, void *userdata) {
        struct watch *w = userdata;

        w->calls++;
        w->last = writable;
        if (writable)
                w->back = true;
}

static int fill(const char *path, size_t size) {
        static const char block[4096];
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

        if (fd < 0)
                return -errno;
        for (size_t done = 0; done < size; done += sizeof(block))
                if (write(fd, block, sizeof(block)) != (ssize_t) sizeof(block))
                        break;
        close(fd);
        return 0;
}

/* A trail on the tmpfs, filled with records until the disk refused one. */
struct full_trail {
        char state_dir[96], filler[96], topup[96];
        char failed_id[32]; /* the record refused */
        unsigned written; /* the records that fitted */
        sd_event *e;
        struct eg_audit *a;
        struct eg_audit_record *r;
};

static void fill_trail(struct full_trail *t, const char *name, struct watch *w) {
        int status = 0;

        t->r = malloc(sizeof(*t->r));
        assert_non_null(t->r);
        snprintf(t->state_dir, sizeof(t->state_dir), "%s/%s", mount_dir, name);
        snprintf(t->filler, sizeof(t->filler), "%s/filler", mount_dir);
        snprintf(t->topup, sizeof(t->topup), "%s/topup", mount_dir);
        assert_int_equal(sd_event_new(&t->e), 0);
        assert_int_equal(eg_audit_open(t->e, t->state_dir, &t->a), 0);
        /* No probe while the disk is being filled: a record may fail where a probe still fits. */
        eg_audit_set_probe_interval(t->a, 3600 * TEST_USEC_PER_SEC);
        if (w)
                eg_audit_set_listener(t->a, on_writable, w);

        /* Freed later: room for the probe, a kept lane event, the failed record and a trail
         * opened again (its WAL and shared memory).  Then records until the disk says no. */
        assert_int_equal(fill(t->filler, 512 * 1024), 0);
        for (unsigned i = 0; i < 1000; i++) {
                snprintf(t->failed_id, sizeof(t->failed_id), "%s-%u", name, i);
                test_sample_record(t->a, t->r, t->failed_id, T0 + i * TEST_USEC_PER_SEC, "refer");
                status = test_write_sync(t->e, t->a, t->r);
                if (status < 0)
                        break;
                t->written++;
        }
        fprintf(stderr, "# %u record(s) fitted, then: %s\n", t->written, strerror(-status));
        assert_true(t->written > 0);
        assert_true(status == -ENOSPC || status == -EIO);
        assert_false(eg_audit_writable(t->a));
}

/* Not a byte left now; a lane event of `kind` is refused (and kept). */
static void refuse_event(struct full_trail *t, const char *kind) {
        _cleanup_(strv_freep) char **rows = NULL;
        struct eg_audit_event ev;
        size_t n = 0;

        assert_int_equal(fill(t->topup, 2048 * 1024), 0);
        test_sample_event(&ev, kind, NULL, T0);
        assert_int_equal(eg_audit_write_event(t->a, &ev), 0);
        assert_int_equal(test_list_events_sync(t->e, t->a, 0, 0, 0, NULL, &rows, &n), 0);
        assert_int_equal(n, 0);
}

/* egated starts again on the same trail, with space now. */
static void reopen_with_space(struct full_trail *t) {
        assert_int_equal(unlink(t->filler), 0);
        assert_int_equal(unlink(t->topup), 0);
        assert_int_equal(eg_audit_open(t->e, t->state_dir, &t->a), 0);
}

static void test_disk_full(void **state) {
        _cleanup_(strv_freep) char **rows = NULL;
        struct full_trail t = {};
        struct watch w = {};
        struct eg_audit_event ev;
        struct eg_audit *a;
        struct eg_audit_record *r;
        sd_event *e;
        size_t n = 0;

        fill_trail(&t, "state", &w);
        a = t.a;
        e = t.e;
        r = t.r;
        assert_int_equal(w.calls, 1);
        assert_false(w.last);

        /* Not a byte left now, not even for the probe's small write. */
        assert_int_equal(fill(t.topup, 2048 * 1024), 0);

        /* The failed record is nowhere, not even in part; the written ones all are. */
        assert_int_equal(test_get_sync(e, a, t.failed_id, &rows, &n), 0);
        assert_int_equal(n, 0);
        rows = (strv_free(rows), NULL);
        assert_int_equal(test_list_sync(e, a, 0, 0, EG_AUDIT_LIST_MAX, &rows, &n), 0);
        assert_int_equal(n, t.written);
        rows = (strv_free(rows), NULL);

        /* An operator acts while the disk is full: the event is refused, and kept. */
        test_sample_event(&ev, EG_AUDIT_EVENT_OPERATOR, NULL, T0);
        assert_int_equal(eg_audit_write_event(a, &ev), 0);
        assert_int_equal(test_list_events_sync(e, a, 0, 0, 0, NULL, &rows, &n), 0);
        assert_int_equal(n, 0);
        rows = (strv_free(rows), NULL);

        /* Still full: probes fail quietly and the trail stays not writable. */
        eg_audit_set_probe_interval(a, 30000);
        for (unsigned i = 0; i < 10; i++)
                (void) sd_event_run(e, 30000);
        assert_false(eg_audit_writable(a));
        assert_int_equal(w.calls, 1);

        /* Space again: the probe notices without anyone writing. */
        assert_int_equal(unlink(t.filler), 0);
        assert_int_equal(unlink(t.topup), 0);
        assert_true(test_run_until(e, &w.back, 10));
        assert_true(eg_audit_writable(a));
        assert_int_equal(w.calls, 2);

        /* The kept event went out with the trail writable again, nobody asking. */
        assert_int_equal(test_list_events_sync(e, a, 0, 0, 0, NULL, &rows, &n), 0);
        assert_int_equal(n, 1);
        rows = (strv_free(rows), NULL);

        /* The caller, who kept the failed record, writes it now. */
        test_sample_record(a, r, t.failed_id, T0, "refer");
        assert_int_equal(test_write_sync(e, a, r), 0);
        assert_int_equal(test_get_sync(e, a, t.failed_id, &rows, &n), 0);
        assert_int_equal(n, 1);

        eg_audit_free(a);
        sd_event_unref(e);
        free(r);
}

/*
 * egated stops while the disk refuses lane events: what it kept must not be
 * thrown away unwritten when the disk would now take it (space came back
 * before the next probe), nor may an event still queued be lost unsaid.
 */
static void test_stop_writes_kept_events(void **state) {
        _cleanup_(strv_freep) char **rows = NULL;
        struct full_trail t = {};
        size_t n = 0;

        fill_trail(&t, "stop", NULL);
        refuse_event(&t, EG_AUDIT_EVENT_OPERATOR);

        /* Space again, and egated stops before its next probe. */
        assert_int_equal(unlink(t.filler), 0);
        assert_int_equal(unlink(t.topup), 0);
        t.a = eg_audit_free(t.a);

        assert_int_equal(eg_audit_open(t.e, t.state_dir, &t.a), 0);
        assert_int_equal(test_list_events_sync(t.e, t.a, 0, 0, 0, NULL, &rows, &n), 0);
        assert_int_equal(n, 1);
        eg_audit_free(t.a);
        sd_event_unref(t.e);
        free(t.r);
}

/*
 * Lane events reach the disk in the order submitted: one submitted while an
 * older one waits for the disk goes behind it, also when the disk took it at
 * once (space came back before the probe noticed).
 */
static void test_kept_events_stay_in_order(void **state) {
        _cleanup_free_ char *db = NULL;
        struct full_trail t = {};
        struct eg_audit_event ev;
        sqlite3 *s = NULL;
        sqlite3_stmt *st = NULL;
        struct watch w = {};

        fill_trail(&t, "order", &w);
        assert_int_equal(fill(t.topup, 2048 * 1024), 0);

        /* The first, refused and kept. */
        test_sample_event(&ev, EG_AUDIT_EVENT_OPERATOR, NULL, T0);
        assert_int_equal(eg_audit_write_event(t.a, &ev), 0);
        for (unsigned i = 0; i < 10; i++)
                (void) sd_event_run(t.e, 10000);

        /* Space again; the second comes before the probe. */
        assert_int_equal(unlink(t.filler), 0);
        assert_int_equal(unlink(t.topup), 0);
        test_sample_event(&ev, EG_AUDIT_EVENT_ALARM, NULL, T0 + TEST_USEC_PER_SEC);
        assert_int_equal(eg_audit_write_event(t.a, &ev), 0);
        eg_audit_set_probe_interval(t.a, 30000);
        assert_true(test_run_until(t.e, &w.back, 10));
        assert_true(eg_audit_writable(t.a));
        t.a = eg_audit_free(t.a);

        assert_true(asprintf(&db, "%s/audit.db", t.state_dir) > 0);
        assert_int_equal(sqlite3_open(db, &s), SQLITE_OK);
        assert_int_equal(
                sqlite3_prepare_v2(s, "SELECT kind FROM events ORDER BY seq", -1, &st, NULL),
                SQLITE_OK);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        assert_string_equal((const char *) sqlite3_column_text(st, 0), EG_AUDIT_EVENT_OPERATOR);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        assert_string_equal((const char *) sqlite3_column_text(st, 0), EG_AUDIT_EVENT_ALARM);
        assert_int_equal(sqlite3_step(st), SQLITE_DONE);
        sqlite3_finalize(st);
        sqlite3_close(s);
        sd_event_unref(t.e);
        free(t.r);
}

/* The lines of a file (each ends with its newline), and whether `needle` is in it. */
static size_t count_lines(const char *path, const char *needle, bool *found) {
        _cleanup_free_ char *line = NULL;
        size_t cap = 0, n = 0;
        FILE *f = fopen(path, "re");

        assert_non_null(f);
        *found = false;
        while (getline(&line, &cap, f) > 0) {
                n++;
                if (strstr(line, needle))
                        *found = true;
        }
        fclose(f);
        return n;
}

/*
 * The disk is full and egated stops before space comes back, so the lane's
 * copy of the refused record is gone with it.  The record still is not: the
 * spool had room kept for it, and the next trail takes it in.  The lane's
 * retries while the disk stays full add no second line.
 */
static void test_refused_record_outlives_restart(void **state) {
        _cleanup_(strv_freep) char **rows = NULL;
        _cleanup_free_ char *spool = NULL;
        struct full_trail t = {};
        bool found;
        size_t n = 0;

        fill_trail(&t, "restart", NULL);
        assert_int_equal(fill(t.topup, 2048 * 1024), 0);
        assert_true(test_write_sync(t.e, t.a, t.r) < 0); /* the lane tries again */

        assert_true(asprintf(&spool, "%s/" EG_AUDIT_DB_FILE EG_AUDIT_SPOOL_SUFFIX, t.state_dir) >
                    0);
        assert_int_equal(count_lines(spool, t.failed_id, &found), 1);
        assert_true(found);

        t.a = eg_audit_free(t.a);
        reopen_with_space(&t);
        assert_int_equal(test_get_sync(t.e, t.a, t.failed_id, &rows, &n), 0);
        assert_int_equal(n, 1);
        assert_non_null(strstr(rows[0], "\"decision\":\"refer\""));

        eg_audit_free(t.a);
        sd_event_unref(t.e);
        free(t.r);
}

/*
 * An operator acts while the disk is full and egated stops before space
 * comes back: the lane event waits in the spool, not in memory only, and the
 * next trail has it.
 */
static void test_refused_event_outlives_restart(void **state) {
        _cleanup_(strv_freep) char **rows = NULL;
        _cleanup_free_ char *spool = NULL;
        struct full_trail t = {};
        bool found;
        size_t n = 0;

        fill_trail(&t, "event", NULL);
        refuse_event(&t, EG_AUDIT_EVENT_OPERATOR);

        assert_true(asprintf(&spool, "%s/" EG_AUDIT_DB_FILE EG_AUDIT_SPOOL_SUFFIX, t.state_dir) >
                    0);
        t.a = eg_audit_free(t.a); /* its last try is refused too */
        /* The record and the event, each once. */
        assert_int_equal(count_lines(spool, "\"type\":\"event\"", &found), 2);
        assert_true(found);

        reopen_with_space(&t);
        assert_int_equal(test_list_events_sync(t.e, t.a, 0, 0, 0, NULL, &rows, &n), 0);
        assert_int_equal(n, 1);
        assert_non_null(strstr(rows[0], EG_AUDIT_EVENT_OPERATOR));

        eg_audit_free(t.a);
        sd_event_unref(t.e);
        free(t.r);
}

/*
 * A lane event in the spool that the trail wrote after all, once space came
 * back: the next start takes it as written already, not a second time.
 */
static void test_spooled_event_written_once(void **state) {
        _cleanup_(strv_freep) char **rows = NULL;
        struct full_trail t = {};
        struct watch w = {};
        size_t n = 0;

        fill_trail(&t, "once", &w);
        refuse_event(&t, EG_AUDIT_EVENT_ALARM);

        assert_int_equal(unlink(t.filler), 0);
        assert_int_equal(unlink(t.topup), 0);
        eg_audit_set_probe_interval(t.a, 30000);
        assert_true(test_run_until(t.e, &w.back, 10));
        assert_int_equal(test_list_events_sync(t.e, t.a, 0, 0, 0, NULL, &rows, &n), 0);
        assert_int_equal(n, 1);
        rows = (strv_free(rows), NULL);

        t.a = eg_audit_free(t.a);
        assert_int_equal(eg_audit_open(t.e, t.state_dir, &t.a), 0);
        assert_int_equal(test_list_events_sync(t.e, t.a, 0, 0, 0, NULL, &rows, &n), 0);
        assert_int_equal(n, 1);

        eg_audit_free(t.a);
        sd_event_unref(t.e);
        free(t.r);
}

/* Each test on a fresh, empty tmpfs: what one test left must not fill the next one's disk. */
static int mount_tmpfs(void **state) {
        if (mount("tmpfs", mount_dir, "tmpfs", MS_NOSUID | MS_NODEV, "size=2m,mode=0700") < 0) {
                fprintf(stderr, "cannot mount a tmpfs on %s: %s\n", mount_dir, strerror(errno));
                return -1;
        }
        return 0;
}

static int umount_tmpfs(void **state) {
        return umount2(mount_dir, MNT_DETACH) < 0 ? -1 : 0;
}

static int run_in_namespace(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_disk_full, mount_tmpfs, umount_tmpfs),
                cmocka_unit_test_setup_teardown(test_stop_writes_kept_events, mount_tmpfs,
                                                umount_tmpfs),
                cmocka_unit_test_setup_teardown(test_kept_events_stay_in_order, mount_tmpfs,
                                                umount_tmpfs),
                cmocka_unit_test_setup_teardown(test_refused_record_outlives_restart, mount_tmpfs,
                                                umount_tmpfs),
                cmocka_unit_test_setup_teardown(test_refused_event_outlives_restart, mount_tmpfs,
                                                umount_tmpfs),
                cmocka_unit_test_setup_teardown(test_spooled_event_written_once, mount_tmpfs,
                                                umount_tmpfs),
        };
        int r;

        strcpy(mount_dir, "/tmp/egate-audit-full-XXXXXX");
        if (!mkdtemp(mount_dir)) {
                perror("mkdtemp");
                return 1;
        }
        if (mount_tmpfs(NULL) < 0) {
                printf("skip: cannot mount a tmpfs in the private namespace: %s\n",
                       strerror(errno));
                (void) rmdir(mount_dir);
                return 77;
        }
        (void) umount_tmpfs(NULL);
        r = cmocka_run_group_tests(tests, NULL, NULL);
        (void) rmdir(mount_dir);
        return r;
}

/* Can this process make a mount namespace at all?  Asked in a child, so we stay as we are. */
static bool namespaces_permitted(void) {
        pid_t pid = fork();
        int status;

        if (pid == 0)
                _exit(unshare(CLONE_NEWNS) < 0 ? 1 : 0);
        return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
               WEXITSTATUS(status) == 0;
}

int main(int argc, char *argv[]) {
        char self[4096];
        ssize_t n;

        if (argc > 1 && streq(argv[1], IN_NAMESPACE))
                return run_in_namespace();

        if (!namespaces_permitted()) {
                printf("skip: no private mount namespace here (needs root or CAP_SYS_ADMIN)\n");
                return 77;
        }
        n = readlink("/proc/self/exe", self, sizeof(self) - 1);
        if (n < 0) {
                perror("readlink /proc/self/exe");
                return 1;
        }
        self[n] = '\0';
        fflush(stdout);
        execlp("unshare", "unshare", "--mount", "--propagation", "private", "--", self,
               IN_NAMESPACE, (char *) NULL);
        printf("skip: cannot run unshare(1): %s\n", strerror(errno));
        return 77;
}
