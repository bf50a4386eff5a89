/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The wrapper's promises, whatever a backend does: one callback per lookup,
 * from the loop, -ETIMEDOUT at the registry's deadline (and the backend's
 * request cancelled), -ECANCELED after a cancel, nothing after free.  A
 * scripted backend plays the misbehaving plugin.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry-test-util.h"
#include "registry/registry.h"

enum behaviour {
        ANSWER_INSIDE, /* calls back from inside lookup() */
        ANSWER_NEVER, /* until told to */
        ANSWER_NULL, /* "found" without a member */
        REFUSE, /* lookup() fails */
        ANSWER_AND_FAIL /* calls back, then fails */
};

struct fake {
        enum behaviour behaviour;
        unsigned lookups, cancels, frees;
        uint64_t last_cancel;
        eg_registry_lookup_fn done;
        void *userdata;
};

static struct eg_member *new_member(void) {
        struct eg_member *m = calloc(1, sizeof(*m));

        assert_non_null(m);
        strcpy(m->id, "GE-1");
        m->passports = calloc(1, sizeof(*m->passports));
        m->n_passports = 1;
        strcpy(m->passports[0].document_number, "SECRET1");
        return m;
}

static int fake_lookup(void *backend, const char *state, const char *number,
                       eg_registry_lookup_fn done, void *userdata, uint64_t *ret_request) {
        struct fake *f = backend;

        f->lookups++;
        f->done = done;
        f->userdata = userdata;
        *ret_request = 1000 + f->lookups;
        switch (f->behaviour) {
        case ANSWER_INSIDE:
                done(0, new_member(), userdata);
                return 0;
        case ANSWER_NULL:
                done(0, NULL, userdata);
                return 0;
        case REFUSE:
                return -EHOSTDOWN;
        case ANSWER_AND_FAIL:
                done(-ENOENT, NULL, userdata);
                return -EIO;
        default:
                return 0;
        }
}

static void fake_cancel(void *backend, uint64_t request) {
        struct fake *f = backend;

        f->cancels++;
        f->last_cancel = request;
}

static void fake_free(void *backend) {
        ((struct fake *) backend)->frees++;
}

static const struct eg_registry_backend_ops fake_ops = {
        .name = "fake",
        .lookup = fake_lookup,
        .cancel = fake_cancel,
        .free = fake_free,
};

struct answer {
        unsigned calls;
        int status;
        bool had_member;
        bool inside;
        bool called_inside;
};

static void on_answer(int status, struct eg_member *m, void *userdata) {
        struct answer *a = userdata;

        a->calls++;
        a->status = status;
        a->had_member = m != NULL;
        a->called_inside = a->inside;
        eg_member_free(m);
}

struct fixture {
        sd_event *event;
        struct fake fake;
        struct eg_registry *registry;
};

static int setup(void **state) {
        struct fixture *f = calloc(1, sizeof(*f));

        assert_non_null(f);
        assert_int_equal(sd_event_new(&f->event), 0);
        assert_int_equal(eg_registry_new(f->event, &fake_ops, &f->fake, 200, &f->registry), 0);
        *state = f;
        return 0;
}

static int teardown(void **state) {
        struct fixture *f = *state;

        eg_registry_free(f->registry);
        if (f->registry)
                assert_int_equal(f->fake.frees, 1);
        sd_event_unref(f->event);
        free(f);
        return 0;
}

static uint64_t start(struct fixture *f, struct answer *a) {
        uint64_t id = 0;

        a->inside = true;
        assert_int_equal(eg_registry_lookup(f->registry, "USA", "X1", on_answer, a, &id), 0);
        a->inside = false;
        return id;
}

static void test_answer_inside_is_deferred(void **state) {
        struct fixture *f = *state;
        struct answer a = {};

        f->fake.behaviour = ANSWER_INSIDE;
        start(f, &a);
        assert_int_equal(a.calls, 0);
        assert_true(run_until(f->event, &a.calls, 1000));
        assert_false(a.called_inside);
        assert_int_equal(a.status, 0);
        assert_true(a.had_member);
        run_for(f->event, 300); /* the deadline was disarmed */
        assert_int_equal(a.calls, 1);
        assert_int_equal(f->fake.cancels, 0);
}

static void test_deadline(void **state) {
        struct fixture *f = *state;
        struct answer a = {};
        unsigned long long t0 = now_ms();

        f->fake.behaviour = ANSWER_NEVER;
        start(f, &a);
        assert_true(run_until(f->event, &a.calls, 2000));
        assert_int_equal(a.status, -ETIMEDOUT);
        assert_true(now_ms() - t0 >= 200);
        assert_int_equal(f->fake.cancels, 1);
        assert_int_equal(f->fake.last_cancel, 1001);
        /* The backend answers after all, with a member: swallowed and freed. */
        f->fake.done(0, new_member(), f->fake.userdata);
        run_for(f->event, 50);
        assert_int_equal(a.calls, 1);
}

static void test_cancel(void **state) {
        struct fixture *f = *state;
        struct answer a = {};
        uint64_t id;

        f->fake.behaviour = ANSWER_NEVER;
        id = start(f, &a);
        a.inside = true;
        eg_registry_cancel(f->registry, id);
        a.inside = false;
        assert_int_equal(a.calls, 0);
        assert_int_equal(f->fake.cancels, 1);
        assert_true(run_until(f->event, &a.calls, 1000));
        assert_false(a.called_inside);
        assert_int_equal(a.status, -ECANCELED);
        /* The backend's answer to the cancelled request changes nothing. */
        f->fake.done(-ECANCELED, NULL, f->fake.userdata);
        run_for(f->event, 300);
        assert_int_equal(a.calls, 1);
}

static void test_cancel_before_a_deferred_answer(void **state) {
        struct fixture *f = *state;
        struct answer a = {};
        uint64_t id;

        f->fake.behaviour = ANSWER_INSIDE;
        id = start(f, &a);
        eg_registry_cancel(f->registry, id);
        assert_true(run_until(f->event, &a.calls, 1000));
        assert_int_equal(a.status, -ECANCELED);
        assert_false(a.had_member);
}

static void test_found_without_member(void **state) {
        struct fixture *f = *state;
        struct answer a = {};

        f->fake.behaviour = ANSWER_NULL;
        start(f, &a);
        assert_true(run_until(f->event, &a.calls, 1000));
        assert_int_equal(a.status, -EIO);
}

static void test_refusals(void **state) {
        struct fixture *f = *state;
        struct answer a = {};
        struct eg_registry_admin_request req = { .kind = EG_REGISTRY_ADMIN_LIST };

        f->fake.behaviour = REFUSE;
        assert_int_equal(eg_registry_lookup(f->registry, "USA", "X1", on_answer, &a, NULL),
                         -EHOSTDOWN);
        f->fake.behaviour = ANSWER_AND_FAIL;
        assert_int_equal(eg_registry_lookup(f->registry, "USA", "X1", on_answer, &a, NULL), -EIO);
        run_for(f->event, 300);
        assert_int_equal(a.calls, 0);
        /* Nor a holder lookup. */
        assert_int_equal(eg_registry_lookup_holder(f->registry, "USA",
                                                   &(struct eg_date){ 1980, 1, 1 }, on_answer, &a,
                                                   NULL),
                         -EOPNOTSUPP);
        /* A read-only backend has no admin. */
        assert_int_equal(eg_registry_admin(f->registry, &req, (eg_registry_admin_fn) abort, NULL),
                         -EOPNOTSUPP);
        assert_int_equal(eg_registry_lookup(f->registry, "USA", "X1", NULL, &a, NULL), -EINVAL);
        assert_int_equal(eg_registry_new(f->event, NULL, NULL, 0, &(struct eg_registry *){ NULL }),
                         -EINVAL);
}

static void test_free_drops_pending(void **state) {
        struct fixture *f = *state;
        struct answer a = {}, b = {};

        f->fake.behaviour = ANSWER_NEVER;
        start(f, &a);
        f->fake.behaviour = ANSWER_INSIDE; /* scheduled, not delivered */
        start(f, &b);
        eg_registry_free(f->registry);
        f->registry = NULL;
        assert_int_equal(f->fake.frees, 1);
        run_for(f->event, 400);
        assert_int_equal(a.calls + b.calls, 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_answer_inside_is_deferred, setup, teardown),
                cmocka_unit_test_setup_teardown(test_deadline, setup, teardown),
                cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
                cmocka_unit_test_setup_teardown(test_cancel_before_a_deferred_answer, setup,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_found_without_member, setup, teardown),
                cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
                cmocka_unit_test_setup_teardown(test_free_drops_pending, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
