/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The fixture of the audit trail's unit tests: see audit-fixture.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "audit-fixture.h"
#include "macro.h"

int setup(void **state) {
        struct fixture *f = calloc(1, sizeof(*f));

        assert_non_null(f);
        strcpy(f->dir, "/tmp/egate-audit-test-XXXXXX");
        assert_non_null(mkdtemp(f->dir));
        snprintf(f->state, sizeof(f->state), "%s/state", f->dir);
        assert_int_equal(sd_event_new(&f->event), 0);
        *state = f;
        return 0;
}

int teardown(void **state) {
        struct fixture *f = *state;
        char cmd[128];

        f->audit = eg_audit_free(f->audit);
        sd_event_unref(f->event);
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
        assert_int_equal(system(cmd), 0);
        free(f);
        return 0;
}

void open_audit(struct fixture *f) {
        assert_int_equal(eg_audit_open(f->event, f->state, &f->audit), 0);
}

char *path_in(struct fixture *f, const char *name) {
        char *p = NULL;

        assert_true(asprintf(&p, "%s/%s", f->state, name) > 0);
        return p;
}

void write_n(struct fixture *f, unsigned n, uint64_t first_start) {
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

void on_done_flag(int status, void *userdata) {
        *(bool *) userdata = true;
}
