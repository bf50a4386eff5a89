/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A full disk, for real: the trail lives on a 512 KiB tmpfs mounted in a
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

static void test_disk_full(void **state) {
        _cleanup_free_ struct eg_audit_record *r = malloc(sizeof(*r));
        _cleanup_(strv_freep) char **rows = NULL;
        char state_dir[96], filler[96], topup[96], failed_id[32] = "";
        struct eg_audit *a = NULL;
        struct watch w = {};
        struct eg_audit_event ev;
        sd_event *e = NULL;
        unsigned written = 0;
        size_t n = 0;
        int status = 0;

        assert_non_null(r);
        snprintf(state_dir, sizeof(state_dir), "%s/state", mount_dir);
        snprintf(filler, sizeof(filler), "%s/filler", mount_dir);
        snprintf(topup, sizeof(topup), "%s/topup", mount_dir);
        assert_int_equal(sd_event_new(&e), 0);
        assert_int_equal(eg_audit_open(e, state_dir, &a), 0);
        /* No probe while the disk is being filled: a record may fail where a probe still fits. */
        eg_audit_set_probe_interval(a, 3600 * TEST_USEC_PER_SEC);
        eg_audit_set_listener(a, on_writable, &w);

        /* Room to free later; then records until the disk says no. */
        /* Freed later: room for the probe, a kept lane event and the failed record. */
        assert_int_equal(fill(filler, 192 * 1024), 0);
        for (unsigned i = 0; i < 1000; i++) {
                char id[32];

                snprintf(id, sizeof(id), "FULL-%u", i);
                test_sample_record(a, r, id, T0 + i * TEST_USEC_PER_SEC, "refer");
                status = test_write_sync(e, a, r);
                if (status < 0) {
                        strcpy(failed_id, id);
                        break;
                }
                written++;
        }
        fprintf(stderr, "# %u record(s) fitted, then: %s\n", written, strerror(-status));
        assert_true(written > 0);
        assert_true(status == -ENOSPC || status == -EIO);
        assert_false(eg_audit_writable(a));
        assert_int_equal(w.calls, 1);
        assert_false(w.last);

        /* Not a byte left now, not even for the probe's small write. */
        assert_int_equal(fill(topup, 1024 * 1024), 0);

        /* The failed record is nowhere, not even in part; the written ones all are. */
        assert_int_equal(test_get_sync(e, a, failed_id, &rows, &n), 0);
        assert_int_equal(n, 0);
        rows = (strv_free(rows), NULL);
        assert_int_equal(test_list_sync(e, a, 0, 0, EG_AUDIT_LIST_MAX, &rows, &n), 0);
        assert_int_equal(n, written);
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
        assert_int_equal(unlink(filler), 0);
        assert_int_equal(unlink(topup), 0);
        assert_true(test_run_until(e, &w.back, 10));
        assert_true(eg_audit_writable(a));
        assert_int_equal(w.calls, 2);

        /* The kept event went out with the trail writable again, nobody asking. */
        assert_int_equal(test_list_events_sync(e, a, 0, 0, 0, NULL, &rows, &n), 0);
        assert_int_equal(n, 1);
        rows = (strv_free(rows), NULL);

        /* The caller, who kept the failed record, writes it now. */
        test_sample_record(a, r, failed_id, T0, "refer");
        assert_int_equal(test_write_sync(e, a, r), 0);
        assert_int_equal(test_get_sync(e, a, failed_id, &rows, &n), 0);
        assert_int_equal(n, 1);

        eg_audit_free(a);
        sd_event_unref(e);
}

static int run_in_namespace(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_disk_full),
        };
        int r;

        strcpy(mount_dir, "/tmp/egate-audit-full-XXXXXX");
        if (!mkdtemp(mount_dir)) {
                perror("mkdtemp");
                return 1;
        }
        if (mount("tmpfs", mount_dir, "tmpfs", MS_NOSUID | MS_NODEV, "size=512k,mode=0700") < 0) {
                printf("skip: cannot mount a tmpfs in the private namespace: %s\n",
                       strerror(errno));
                (void) rmdir(mount_dir);
                return 77;
        }
        r = cmocka_run_group_tests(tests, NULL, NULL);
        (void) umount2(mount_dir, MNT_DETACH);
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
