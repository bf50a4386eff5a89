/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The PKI loader (core/src/pki-loader.c): the lists are read on a thread of their own and
 * the store reaches the event loop's callback; what cannot be read is an error there; a
 * loader freed before it finished calls nobody back and leaks nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <openssl/pem.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-event.h>
#include <unistd.h>

#include "emrtd/trust-store.h"
#include "pki-loader.h"
#include "test-passport.h"

struct fixture {
        char dir[64]; /* csca/ with one CSCA, crl/ with its CRL */
        char csca[96], crl[96];
        sd_event *event;
        pthread_t loop_thread;
        /* what done() saw */
        int calls, r;
        struct eg_trust_store *store;
        bool on_loop_thread;
};

static void write_pem(const char *path, void *object, bool is_crl) {
        FILE *f = fopen(path, "we");

        assert_non_null(f);
        assert_true(is_crl ? PEM_write_X509_CRL(f, object) : PEM_write_X509(f, object));
        assert_int_equal(fclose(f), 0);
}

static int setup(void **state) {
        struct fixture *f = calloc(1, sizeof(*f));
        struct eg_test_pki *pki;
        X509_CRL *crl;
        char path[160];

        assert_non_null(f);
        snprintf(f->dir, sizeof(f->dir), "/tmp/egate-pki-loader-XXXXXX");
        assert_non_null(mkdtemp(f->dir));
        snprintf(f->csca, sizeof(f->csca), "%s/csca", f->dir);
        snprintf(f->crl, sizeof(f->crl), "%s/crl", f->dir);
        assert_int_equal(mkdir(f->csca, 0700), 0);
        assert_int_equal(mkdir(f->crl, 0700), 0);
        assert_int_equal(eg_test_pki_new("KR", &pki), 0);
        snprintf(path, sizeof(path), "%s/csca.pem", f->csca);
        write_pem(path, pki->csca, false);
        crl = eg_test_pki_crl(pki, NULL);
        snprintf(path, sizeof(path), "%s/crl.pem", f->crl);
        write_pem(path, crl, true);
        X509_CRL_free(crl);
        eg_test_pki_free(pki);
        assert_int_equal(sd_event_new(&f->event), 0);
        f->loop_thread = pthread_self();
        *state = f;
        return 0;
}

static int teardown(void **state) {
        struct fixture *f = *state;
        char cmd[128];

        eg_trust_store_unref(f->store);
        sd_event_unref(f->event);
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
        assert_int_equal(system(cmd), 0);
        free(f);
        return 0;
}

static void on_done(int r, struct eg_trust_store *ts, void *userdata) {
        struct fixture *f = userdata;

        f->calls++;
        f->r = r;
        f->store = ts;
        f->on_loop_thread = pthread_equal(pthread_self(), f->loop_thread);
}

/* Runs the loop until done() or 10 s. */
static void run(struct fixture *f) {
        for (int i = 0; i < 1000 && f->calls == 0; i++)
                assert_true(sd_event_run(f->event, 10000) >= 0);
}

static void test_loads_off_the_loop(void **state) {
        struct fixture *f = *state;
        struct eg_pki_loader *l = NULL;

        assert_int_equal(eg_pki_loader_start(f->event, f->csca, f->crl, on_done, f, &l), 0);
        run(f);
        assert_int_equal(f->calls, 1);
        assert_int_equal(f->r, 0);
        assert_true(f->on_loop_thread);
        assert_non_null(f->store);
        assert_int_equal(f->store->n_csca, 1);
        assert_int_equal(f->store->n_crl, 1);
        assert_null(eg_pki_loader_free(l));
}

static void test_unreadable_directory_is_an_error(void **state) {
        struct fixture *f = *state;
        struct eg_pki_loader *l = NULL;
        char missing[128];

        snprintf(missing, sizeof(missing), "%s/missing", f->dir);
        assert_int_equal(eg_pki_loader_start(f->event, f->csca, missing, on_done, f, &l), 0);
        run(f);
        assert_int_equal(f->calls, 1);
        assert_int_equal(f->r, -ENOENT);
        assert_null(f->store);
        eg_pki_loader_free(l);
        f->calls = 0;
        /* A directory without a usable CSCA (here: only a CRL) is refused too. */
        assert_int_equal(eg_pki_loader_start(f->event, f->crl, NULL, on_done, f, &l), 0);
        run(f);
        assert_int_equal(f->calls, 1);
        assert_int_equal(f->r, -ENOENT);
        assert_null(f->store);
        eg_pki_loader_free(l);
}

static void test_nothing_configured(void **state) {
        struct fixture *f = *state;
        struct eg_pki_loader *l = NULL;

        assert_int_equal(eg_pki_loader_start(f->event, NULL, f->crl, on_done, f, &l), 0);
        run(f);
        assert_int_equal(f->calls, 1);
        assert_int_equal(f->r, 0);
        assert_null(f->store);
        eg_pki_loader_free(l);
}

/* Freed at once (egated stopping during a reload): the thread is waited for, its store
 * dropped (ASan's leak check), and nobody is called back. */
static void test_freed_before_done(void **state) {
        struct fixture *f = *state;
        struct eg_pki_loader *l = NULL;

        assert_int_equal(eg_pki_loader_start(f->event, f->csca, f->crl, on_done, f, &l), 0);
        assert_null(eg_pki_loader_free(l));
        for (int i = 0; i < 20; i++)
                assert_true(sd_event_run(f->event, 1000) >= 0);
        assert_int_equal(f->calls, 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_loads_off_the_loop, setup, teardown),
                cmocka_unit_test_setup_teardown(test_unreadable_directory_is_an_error, setup,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_nothing_configured, setup, teardown),
                cmocka_unit_test_setup_teardown(test_freed_before_done, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
