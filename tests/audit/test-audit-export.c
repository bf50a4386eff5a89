/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The audit trail's exports on a real sd-event loop: into files and pipes, a
 * pipe closed before or during the export, and a pipe nobody reads while the
 * loop keeps ticking and other writes go through.  The lane events' exports
 * through the same machinery: each line an event as stored, never a record in
 * them nor an event in the records' exports.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "audit-fixture.h"
#include "audit/audit-record.h"
#include "macro.h"

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

/* --- export of lane events --- */

/* The whole of path (free it), "" when empty. */
static char *read_all(const char *path) {
        FILE *file = fopen(path, "re");
        char *buf = NULL;
        size_t len = 0;
        FILE *mem = open_memstream(&buf, &len);
        char chunk[4096];
        size_t n;

        assert_non_null(file);
        assert_non_null(mem);
        while ((n = fread(chunk, 1, sizeof(chunk), file)) > 0)
                assert_int_equal(fwrite(chunk, 1, n, mem), n);
        fclose(file);
        assert_int_equal(fclose(mem), 0);
        return buf;
}

/* The stored events in [since, until), as JSON lines: what an export must write, byte for byte. */
static char *expected_lines(struct fixture *f, uint64_t since, uint64_t until, size_t *ret_n) {
        _cleanup_(strv_freep) char **rows = NULL;
        char *buf = NULL;
        size_t len = 0, n = 0;
        FILE *mem = open_memstream(&buf, &len);

        assert_non_null(mem);
        assert_int_equal(test_list_events_sync(f->event, f->audit, since, until, EG_AUDIT_LIST_MAX,
                                               NULL, &rows, &n),
                         0);
        for (size_t i = 0; i < n; i++)
                fprintf(mem, "%s\n", rows[i]);
        assert_int_equal(fclose(mem), 0);
        *ret_n = n;
        return buf;
}

static void write_events(struct fixture *f, unsigned n, uint64_t first, bool long_detail) {
        for (unsigned i = 0; i < n; i++) {
                static const char *const kinds[] = { EG_AUDIT_EVENT_OPERATOR, EG_AUDIT_EVENT_ALARM,
                                                     EG_AUDIT_EVENT_EMERGENCY };
                struct eg_audit_event ev;

                test_sample_event(&ev, kinds[i % 3], i % 3 == 1 ? "A1-0001" : NULL,
                                  first + i * TEST_USEC_PER_SEC);
                if (long_detail) {
                        /* As large as an event gets: fewer of them fill a pipe. */
                        memset(ev.detail, 'x', sizeof(ev.detail) - 1);
                        ev.detail[sizeof(ev.detail) - 1] = '\0';
                }
                assert_int_equal(eg_audit_write_event(f->audit, &ev), 0);
        }
}

static void test_export_events_to_file(void **state) {
        struct fixture *f = *state;
        _cleanup_free_ char *out = NULL, *got = NULL, *want = NULL;
        struct export_call c = {};
        struct eg_audit_event ev;
        char first[32] = "";
        size_t n;
        int fd;

        open_audit(f);
        write_n(f, 4, T0);
        write_events(f, 5, T0, false);
        assert_true(asprintf(&out, "%s/events.jsonl", f->dir) > 0);

        /* All of them, each line exactly the stored JSON, in the order written. */
        fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        assert_int_equal(eg_audit_export_events(f->audit, fd, 0, 0, on_exported, &c), 0);
        close(fd);
        assert_true(test_run_until(f->event, &c.done, 20));
        assert_int_equal(c.status, 0);
        assert_int_equal(c.count, 5);
        got = read_all(out);
        want = expected_lines(f, 0, 0, &n);
        assert_int_equal(n, 5);
        assert_string_equal(got, want);
        assert_null(strstr(got, "\"document_hash\"")); /* no record among them */
        assert_int_equal(eg_audit_event_from_json(strtok(got, "\n"), &ev), 0);
        assert_string_equal(ev.kind, "operator");

        /* [since, until): the second and third. */
        c = (struct export_call){};
        got = (free(got), NULL);
        want = (free(want), NULL);
        fd = open(out, O_WRONLY | O_TRUNC | O_CLOEXEC);
        assert_int_equal(eg_audit_export_events(f->audit, fd, T0 + 1, T0 + 3 * TEST_USEC_PER_SEC,
                                                on_exported, &c),
                         0);
        close(fd);
        assert_true(test_run_until(f->event, &c.done, 20));
        assert_int_equal(c.status, 0);
        assert_int_equal(c.count, 2);
        got = read_all(out);
        want = expected_lines(f, T0 + 1, T0 + 3 * TEST_USEC_PER_SEC, &n);
        assert_int_equal(n, 2);
        assert_string_equal(got, want);
        assert_int_equal(eg_audit_event_from_json(strtok(got, "\n"), &ev), 0);
        assert_string_equal(ev.kind, "alarm");
        assert_string_equal(ev.transaction_id, "A1-0001");

        /* An empty range: an empty file, count 0. */
        c = (struct export_call){};
        got = (free(got), NULL);
        fd = open(out, O_WRONLY | O_TRUNC | O_CLOEXEC);
        assert_int_equal(eg_audit_export_events(f->audit, fd, T0 + 100 * TEST_USEC_PER_SEC, 0,
                                                on_exported, &c),
                         0);
        close(fd);
        assert_true(test_run_until(f->event, &c.done, 20));
        assert_int_equal(c.status, 0);
        assert_int_equal(c.count, 0);
        got = read_all(out);
        assert_string_equal(got, "");

        /* The records' export is as before: the 4 records, no event line among them. */
        c = (struct export_call){};
        got = (free(got), NULL);
        fd = open(out, O_WRONLY | O_TRUNC | O_CLOEXEC);
        assert_int_equal(eg_audit_export(f->audit, fd, 0, 0, on_exported, &c), 0);
        close(fd);
        assert_true(test_run_until(f->event, &c.done, 20));
        assert_int_equal(c.status, 0);
        assert_int_equal(c.count, 4);
        assert_int_equal(count_lines(out, first), 4);
        assert_string_equal(first, "A1-0001");
        got = read_all(out);
        assert_null(strstr(got, "\"kind\""));

        /* The same checks of the descriptor and the range as for records. */
        fd = open(out, O_RDONLY | O_CLOEXEC);
        assert_int_equal(eg_audit_export_events(f->audit, fd, 0, 0, on_exported, &c), -EBADF);
        close(fd);
        fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
        assert_int_equal(eg_audit_export_events(f->audit, fd, 0, 0, on_exported, &c), -EINVAL);
        assert_int_equal(eg_audit_export_events(f->audit, fd, 2, 1, on_exported, &c), -EINVAL);
        close(fd);
        assert_int_equal(eg_audit_export_events(f->audit, -1, 0, 0, on_exported, &c), -EBADF);
        assert_int_equal(eg_audit_export_events(f->audit, 1, 0, 0, NULL, &c), -EINVAL);
}

#define MANY_EVENTS 300 /* ~ 100 KiB of JSON: more than a pipe's buffer */

static void test_export_events_through_pipe(void **state) {
        struct fixture *f = *state;
        _cleanup_free_ char *want = NULL;
        struct export_call c = {};
        struct reader rd = {};
        sd_event_source *src = NULL;
        size_t n;
        int p[2];

        open_audit(f);
        write_n(f, 2, T0);
        write_events(f, MANY_EVENTS, T0, true);
        want = expected_lines(f, 0, 0, &n);
        assert_int_equal(n, MANY_EVENTS);
        assert_true(strlen(want) > 65536);

        assert_int_equal(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
        assert_int_equal(sd_event_add_io(f->event, &src, p[0], EPOLLIN, on_readable, &rd), 0);
        assert_int_equal(eg_audit_export_events(f->audit, p[1], 0, 0, on_exported, &c), 0);
        close(p[1]);
        assert_true(test_run_until(f->event, &c.done, 20));
        assert_true(test_run_until(f->event, &rd.eof, 20));
        assert_int_equal(c.status, 0);
        assert_int_equal(c.count, MANY_EVENTS);
        assert_non_null(rd.buf);
        assert_string_equal(rd.buf, want);
        sd_event_source_disable_unref(src);
        close(p[0]);
        free(rd.buf);
}

/* A reader that stops: the events' export gives up as the records' does, the trail carries on. */
static void test_export_events_stuck_reader(void **state) {
        struct fixture *f = *state;
        _cleanup_free_ struct eg_audit_record *r = malloc(sizeof(*r));
        struct export_call c = {};
        int p[2];

        open_audit(f);
        write_events(f, MANY_EVENTS, T0, true);
        eg_audit_set_export_stall(f->audit, 500000);
        assert_int_equal(pipe2(p, O_CLOEXEC), 0); /* nobody ever reads p[0] */
        assert_int_equal(eg_audit_export_events(f->audit, p[1], 0, 0, on_exported, &c), 0);
        assert_true(test_run_until(f->event, &c.done, 10));
        assert_int_equal(c.status, -ETIMEDOUT);
        assert_true(c.count < MANY_EVENTS);

        test_sample_record(f->audit, r, "A1-AFTER", T0, "accept");
        assert_int_equal(test_write_sync(f->event, f->audit, r), 0);
        assert_true(eg_audit_writable(f->audit));
        close(p[0]);
        close(p[1]);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_export_to_file, setup, teardown),
                cmocka_unit_test_setup_teardown(test_export_through_pipe, setup, teardown),
                cmocka_unit_test_setup_teardown(test_export_closed_pipe, setup, teardown),
                cmocka_unit_test_setup_teardown(test_export_stuck_reader, setup, teardown),
                cmocka_unit_test_setup_teardown(test_export_events_to_file, setup, teardown),
                cmocka_unit_test_setup_teardown(test_export_events_through_pipe, setup, teardown),
                cmocka_unit_test_setup_teardown(test_export_events_stuck_reader, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
