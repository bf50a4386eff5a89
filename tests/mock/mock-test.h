/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Helpers shared by the plugin-level tests (a booted mock on a fake host). */
#pragma once

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fake-host.h"
#include "mock.h"

static char mock_test_dir[64], mock_test_path[128];

static inline void mock_test_cleanup(void) {
        (void) unlink(mock_test_path);
        (void) rmdir(mock_test_dir);
}

/* Writes `json` (single quotes turned into double ones) to a temporary file,
 * removed at exit, and returns its path (the same one every time). */
static inline const char *mock_test_write_scenario(const char *json) {
        char *path = mock_test_path;
        FILE *f;

        if (!mock_test_dir[0]) {
                snprintf(mock_test_dir, sizeof(mock_test_dir), "/tmp/test-mock-XXXXXX");
                assert_non_null(mkdtemp(mock_test_dir));
                atexit(mock_test_cleanup);
        }
        snprintf(mock_test_path, sizeof(mock_test_path), "%s/scenario.json", mock_test_dir);
        f = fopen(path, "we");
        assert_non_null(f);
        for (const char *p = json; *p; p++)
                fputc(*p == '\'' ? '"' : *p, f);
        assert_int_equal(fclose(f), 0);
        return path;
}

static inline struct eg_op_args mock_test_args(enum eg_op_kind kind) {
        return (struct eg_op_args){ .size = sizeof(struct eg_op_args), .kind = kind };
}

/* Start an op that must be accepted; returns its id. */
static inline eg_op_id mock_test_start(struct eg_host *h, const char *key,
                                       const struct eg_op_args *args) {
        eg_op_id op = 0;
        int r = fake_host_start(h, key, args, &op);

        if (r != 0)
                fail_msg("start of op %d on %s: %d", args->kind, key, r);
        return op;
}

/* Run `ms` of virtual time; the op must have completed by then. */
static inline const struct fake_completion *mock_test_done(struct eg_host *h, eg_op_id op,
                                                           uint64_t ms) {
        const struct fake_completion *c;

        fake_host_run(h, ms);
        c = fake_host_completion(h, op);
        if (!c)
                fail_msg("op %" PRIu64 " did not complete", op);
        return c;
}

static inline const struct fake_completion *mock_test_op(struct eg_host *h, const char *key,
                                                         enum eg_op_kind kind, uint64_t ms) {
        struct eg_op_args a = mock_test_args(kind);

        return mock_test_done(h, mock_test_start(h, key, &a), ms);
}

static inline void mock_test_command(struct mock_plugin *p, const char *line,
                                     const char *expected) {
        char reply[4096];

        mock_control_execute(p, line, reply, sizeof(reply));
        if (strcmp(reply, expected) != 0)
                fail_msg("command '%s'\n  expected: %s\n  got:      %s", line, expected, reply);
}

static inline void mock_test_command_prefix(struct mock_plugin *p, const char *line,
                                            const char *prefix) {
        char reply[4096];

        mock_control_execute(p, line, reply, sizeof(reply));
        if (strncmp(reply, prefix, strlen(prefix)) != 0)
                fail_msg("command '%s'\n  expected prefix: %s\n  got:             %s", line, prefix,
                         reply);
}
