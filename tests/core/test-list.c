/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The intrusive list (core/src/list.h): order after every mix of appends,
 * prepends and removals at the head, in the middle and at the tail, checked
 * against a plain array after each step; and appends after removals of the
 * tail, which is where the head's link to the tail must follow.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "list.h"
#include "macro.h"

#define N 64

struct item {
        unsigned value;
        EG_LIST_FIELDS(struct item, link);
};

/* The list holds exactly want[0..n), in that order. */
static void assert_order(struct item *head, const unsigned *want, size_t n) {
        struct item *i;
        size_t k = 0;

        EG_LIST_FOREACH (link, i, head) {
                assert_true(k < n);
                assert_int_equal(i->value, want[k]);
                k++;
        }
        assert_int_equal(k, n);
}

static void array_remove(unsigned *a, size_t *n, size_t at) {
        for (size_t k = at; k + 1 < *n; k++)
                a[k] = a[k + 1];
        (*n)--;
}

static void test_append_prepend_remove(void **state) {
        struct item items[N];
        struct item *head = NULL;
        unsigned want[N];
        size_t n = 0;

        for (unsigned v = 0; v < N; v++)
                items[v] = (struct item){ .value = v };
        /* Odd values appended, even ones prepended: 62 ... 2 0 1 3 ... 63. */
        for (unsigned v = 0; v < N; v++) {
                if (v % 2) {
                        EG_LIST_APPEND(link, head, &items[v]);
                        want[n++] = v;
                } else {
                        EG_LIST_PREPEND(link, head, &items[v]);
                        for (size_t k = n; k > 0; k--)
                                want[k] = want[k - 1];
                        want[0] = v;
                        n++;
                }
                assert_order(head, want, n);
        }

        /* A deterministic walk of removals: head, tail, middle, then appends again. */
        for (unsigned step = 0; n > 0; step++) {
                size_t at = step % 3 == 0 ? 0 : step % 3 == 1 ? n - 1 : n / 2;
                struct item *victim = &items[want[at]];

                EG_LIST_REMOVE(link, head, victim);
                assert_null(victim->link_next);
                assert_null(victim->link_prev);
                array_remove(want, &n, at);
                assert_order(head, want, n);
                /* Every fourth step the removed item comes back at the tail. */
                if (step % 4 == 3) {
                        EG_LIST_APPEND(link, head, victim);
                        want[n++] = victim->value;
                        assert_order(head, want, n);
                        /* ... and goes again, so the walk ends. */
                        EG_LIST_REMOVE(link, head, victim);
                        n--;
                        assert_order(head, want, n);
                }
        }
        assert_null(head);
}

static void test_tail_follows(void **state) {
        struct item a = { .value = 1 }, b = { .value = 2 }, c = { .value = 3 };
        struct item *head = NULL, *i, *next;
        unsigned want[3];

        EG_LIST_APPEND(link, head, &a);
        EG_LIST_APPEND(link, head, &b);
        EG_LIST_REMOVE(link, head, &b); /* the tail goes: a is head and tail */
        EG_LIST_APPEND(link, head, &c);
        want[0] = 1, want[1] = 3;
        assert_order(head, want, 2);
        EG_LIST_REMOVE(link, head, &a); /* the head goes: c is head and tail */
        EG_LIST_APPEND(link, head, &a);
        EG_LIST_PREPEND(link, head, &b);
        want[0] = 2, want[1] = 3, want[2] = 1;
        assert_order(head, want, 3);

        /* Removing while walking. */
        EG_LIST_FOREACH_SAFE (link, i, next, head)
                EG_LIST_REMOVE(link, head, i);
        assert_null(head);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_append_prepend_remove),
                cmocka_unit_test(test_tail_follows),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
