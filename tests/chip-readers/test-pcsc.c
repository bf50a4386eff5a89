/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The pcsc plugin in a real manager, against a real pcscd with vsmartcard's
 * vpcd driver and vicc-passport as the card, all in a private mount and
 * network namespace (peer-env.h).  The core's chip session reads the
 * passport end to end; readers and cards come and go by stopping pcscd and
 * the vicc; the vicc's knobs make a chip that leaves, is slow or sends bad
 * MACs.  Skipped (77) where namespaces are not permitted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "chip-test-util.h"
#include "log.h"
#include "peer-env.h"
#include "peer-pki.h"
#include "thread-count.h"

#define DEVICE "pcsc-chip"
#define AUTO_DEVICE "pcsc-Virtual_PCD_00_01"
#define DG2_EXTRA 15000

/* Set up once in main(), inside the namespace. */
static struct {
        char dir[256];
        char conf_dir[PATH_MAX];
        char pcscd_log[PATH_MAX];
        char vicc_log[PATH_MAX];
        const char *pcscd;
        const char *vicc;
        const char *plugin_dir;
        struct eg_test_pki *pki;
        struct eg_trust_store *trust;
        struct eg_test_passport *expected; /* what the vicc serves, built the same way */
} g;

struct fixture {
        struct chip_harness h;
        struct peer_process pcscd;
        struct peer_process vicc;
};

static bool device_state_is(struct chip_harness *h, const void *arg) {
        const struct eg_device *d = eg_device_find(h->manager, DEVICE);

        return d && d->state == *(const enum eg_device_state *) arg;
}

/* --- pcscd, the vicc and the manager --- */

static void start_pcscd(struct fixture *f) {
        if (pcscd_start(g.pcscd, g.conf_dir, g.pcscd_log, &f->pcscd) < 0) {
                peer_dump_log(g.pcscd_log);
                fail_msg("pcscd did not start");
        }
}

static void stop_vicc(struct fixture *f, int sig) {
        (void) peer_stop(&f->vicc, sig, 3000);
}

static void start_vicc(struct fixture *f, const char *const *extra) {
        const char *argv[24] = { g.vicc, "--pki", g.dir, "--dg2-extra", "15000" };
        size_t n = 5;
        unsigned want = f->h.events.present + 1;

        stop_vicc(f, SIGTERM); /* reaps one that left by itself (--leave-after) */
        for (; extra && *extra; extra++)
                argv[n++] = *extra;
        argv[n] = NULL;
        if (peer_spawn(argv, g.vicc_log, "ready", 10000, &f->vicc) < 0) {
                peer_dump_log(g.vicc_log);
                fail_msg("vicc-passport did not connect to vpcd");
        }
        /* pcscd polls vpcd for the card: it shows up within half a second. */
        chip_harness_wait_count(&f->h, &f->h.events.present, want, 5000);
}

/* The passport leaves: wait until the device says so.  vpcd takes a new vicc for
 * the same card if it connects before pcscd's next presence poll, so a test that
 * swaps passports must wait here first. */
static void remove_card(struct fixture *f, int sig) {
        unsigned want = f->h.events.removed + 1;

        stop_vicc(f, sig);
        chip_harness_wait_count(&f->h, &f->h.events.removed, want, 5000);
        assert_false(eg_device_find(f->h.manager, DEVICE)->chip_present);
}

static void manager_start(struct fixture *f, const char *extra_config) {
        static const char template[] = "[daemon]\n"
                                       "plugin-dirs = %s\n"
                                       "operation-timeout-ms = 5000\n"
                                       "%s"
                                       "[device.chip]\n"
                                       "plugin = pcsc\n"
                                       "class = chip-reader\n"
                                       "reader = Virtual PCD 00 00\n";
        char *text = NULL;

        assert_true(asprintf(&text, template, g.plugin_dir, extra_config ? extra_config : "") > 0);
        chip_harness_start(&f->h, text, g.dir, DEVICE);
        free(text);
}

static int setup_with(void **state, const char *extra_config) {
        struct fixture *f = calloc(1, sizeof(*f));

        assert_non_null(f);
        f->vicc = (struct peer_process){ .out = -1 };
        start_pcscd(f);
        manager_start(f, extra_config);
        /* The plugin looked at pcscd's readers in init(): bound at once. */
        assert_non_null(eg_device_find(f->h.manager, DEVICE));
        assert_int_equal(eg_device_find(f->h.manager, DEVICE)->state, EG_DEVICE_ONLINE);
        assert_int_equal(f->h.events.faults, 0);
        *state = f;
        return 0;
}

static int setup(void **state) {
        return setup_with(state, NULL);
}

static int setup_auto(void **state) {
        return setup_with(state, "[plugin.pcsc]\nauto-readers = true\n");
}

static int teardown(void **state) {
        struct fixture *f = *state;

        stop_vicc(f, SIGTERM);
        chip_harness_stop(&f->h);
        if (pcscd_stop(&f->pcscd) != 0)
                peer_dump_log(g.pcscd_log);
        free(f);
        return 0;
}

/* --- reading --- */

static struct eg_chip_session_options options(void) {
        return (struct eg_chip_session_options){ .mrz_information = g.expected->mrz_information,
                                                 .trust = g.trust,
                                                 .apdu_timeout_ms = 3000 };
}

static void assert_complete_read(const struct eg_chip_read_result *r) {
        const struct eg_test_passport *p = g.expected;

        chip_assert_check(&r->access, EG_CHECK_SUCCESSFUL, NULL, "BAC");
        chip_assert_check(&r->read, EG_CHECK_SUCCESSFUL, NULL, NULL);
        chip_assert_check(&r->pa.check, EG_CHECK_SUCCESSFUL, NULL, NULL);
        assert_true(r->have_mrz);
        assert_string_equal(r->mrz.document_number, "M12345678");
        for (unsigned dg = 1; dg <= 2; dg++) {
                assert_int_equal(r->dg[dg].len, p->file_len[dg]);
                assert_memory_equal(r->dg[dg].data, p->file[dg], p->file_len[dg]);
        }
        assert_memory_equal(r->com.data, p->file[EG_TEST_FILE_COM], p->file_len[EG_TEST_FILE_COM]);
        assert_true(r->sod.len > 0);
        assert_false(r->chip_removed);
        /* The ATR vpcd passes on says extended length; pcscd and vpcd carry it. */
        assert_true(r->extended_length);
        assert_int_equal(r->atr_len, p->atr_len);
        assert_memory_equal(r->atr, p->atr, p->atr_len);
}

/* --- the tests --- */

static void test_full_read_with_pa(void **state) {
        struct fixture *f = *state;
        struct eg_chip_session_options o = options();
        struct chip_outcome out;
        unsigned apdus;

        start_vicc(f, NULL);
        assert_true(eg_device_find(f->h.manager, DEVICE)->chip_present);
        chip_read(&f->h, &o, &out);
        assert_complete_read(out.result);
        chip_assert_check(&out.result->authenticity, EG_CHECK_NOT_SUPPORTED,
                          EG_REASON_CHIP_AUTH_UNSUPPORTED, NULL);
        apdus = out.result->n_apdus;
        assert_true(apdus > 6);
        chip_outcome_done(&out);

        /* Again on the same chip: CHIP_CONNECT resets it, BAC starts afresh. */
        chip_read(&f->h, &o, &out);
        assert_complete_read(out.result);
        assert_int_equal(out.result->n_apdus, apdus);
        chip_outcome_done(&out);
        assert_int_equal(eg_device_find(f->h.manager, DEVICE)->state, EG_DEVICE_ONLINE);

        /* The same read with short APDUs only (the chip refuses extended ones). */
        remove_card(f, SIGTERM);
        start_vicc(f, (const char *[]){ "--short-only", NULL });
        chip_read(&f->h, &o, &out);
        chip_assert_check(&out.result->pa.check, EG_CHECK_SUCCESSFUL, NULL, NULL);
        assert_false(out.result->extended_length);
        assert_int_equal(out.result->dg[2].len, g.expected->file_len[2]);
        assert_true(out.result->n_apdus > apdus + DG2_EXTRA / 256);
        chip_outcome_done(&out);
}

static void test_no_chip(void **state) {
        struct fixture *f = *state;
        struct eg_chip_session_options o = options();
        struct chip_outcome out;

        assert_false(eg_device_find(f->h.manager, DEVICE)->chip_present);
        chip_read(&f->h, &o, &out);
        chip_assert_check(&out.result->access, EG_CHECK_FAILED, EG_REASON_CHIP_NOT_FOUND,
                          "no chip in the field");
        chip_outcome_done(&out);
}

static void test_card_inserted_and_removed(void **state) {
        struct fixture *f = *state;

        assert_int_equal(f->h.events.present, 0);
        for (unsigned i = 1; i <= 2; i++) {
                start_vicc(f, NULL);
                assert_int_equal(f->h.events.present, i);
                assert_true(eg_device_find(f->h.manager, DEVICE)->chip_present);
                remove_card(f, i == 1 ? SIGTERM : SIGKILL);
                assert_int_equal(f->h.events.removed, i);
        }
}

static void test_readers_come_and_go(void **state) {
        struct fixture *f = *state;
        struct eg_chip_session_options o = options();
        enum eg_device_state want;
        struct chip_outcome out;

        /* auto-readers: the second slot is a device of its own; the first is the
         * declared device's, so it gets no second one. */
        chip_harness_run(&f->h, chip_harness_device_exists, AUTO_DEVICE, 3000);
        assert_non_null(eg_device_find(f->h.manager, AUTO_DEVICE));
        assert_null(eg_device_find(f->h.manager, "pcsc-Virtual_PCD_00_00"));
        assert_string_equal(eg_device_find(f->h.manager, AUTO_DEVICE)->model, "PC/SC reader");

        /* pcscd goes: the readers go with it. */
        start_vicc(f, NULL);
        assert_int_equal(pcscd_stop(&f->pcscd), 0);
        chip_harness_run(&f->h, chip_harness_device_gone, AUTO_DEVICE, 5000);
        assert_null(eg_device_find(f->h.manager, AUTO_DEVICE));
        want = EG_DEVICE_FAULTED;
        chip_harness_run(&f->h, device_state_is, &want, 5000);
        assert_int_equal(eg_device_find(f->h.manager, DEVICE)->state, EG_DEVICE_FAULTED);
        assert_string_equal(eg_device_find(f->h.manager, DEVICE)->last_error,
                            "no PC/SC reader matching \"Virtual PCD 00 00\"");
        assert_int_equal(f->h.events.faults, 1);
        assert_int_equal(f->h.events.removed, 1); /* the card went with its reader */
        stop_vicc(f, SIGTERM);

        /* pcscd is back: so are the readers, and the declared device recovers. */
        start_pcscd(f);
        chip_harness_run(&f->h, chip_harness_device_exists, AUTO_DEVICE, 5000);
        assert_non_null(eg_device_find(f->h.manager, AUTO_DEVICE));
        want = EG_DEVICE_ONLINE;
        chip_harness_run(&f->h, device_state_is, &want, 5000);
        assert_int_equal(f->h.events.recovered, 1);

        /* The worker's PC/SC context died with the old pcscd: reading still works. */
        start_vicc(f, NULL);
        chip_read(&f->h, &o, &out);
        assert_complete_read(out.result);
        chip_outcome_done(&out);
}

static void test_chip_removed_mid_read(void **state) {
        struct fixture *f = *state;
        struct eg_chip_session_options o = options();
        struct chip_outcome out;
        uint64_t end;

        /* The chip leaves while the 8th APDU is under way (the READ BINARY of DG1,
         * after SELECT EF.CardAccess, SELECT, BAC and EF.COM): the vicc drops the
         * connection instead of answering. */
        start_vicc(f, (const char *[]){ "--leave-after", "7", NULL });
        chip_read(&f->h, &o, &out);
        chip_assert_check(&out.result->access, EG_CHECK_SUCCESSFUL, NULL, NULL);
        chip_assert_check(&out.result->read, EG_CHECK_ABORTED, EG_REASON_CHIP_READ_FAIL,
                          "chip removed during");
        assert_true(out.result->chip_removed);
        chip_assert_check(&out.result->pa.check, EG_CHECK_ABORTED, NULL, "not reached");
        chip_outcome_done(&out);
        chip_harness_wait_count(&f->h, &f->h.events.removed, 1, 5000);

        /* The vicc killed outright in the middle of the read (50 ms per APDU). */
        start_vicc(f, (const char *[]){ "--delay-ms", "50", NULL });
        chip_read_start(&f->h, &o, &out);
        end = chip_test_now_ms() + 400;
        while (chip_test_now_ms() < end && out.calls == 0)
                assert_true(sd_event_run(f->h.event, 10 * 1000) >= 0);
        assert_int_equal(out.calls, 0);
        stop_vicc(f, SIGKILL);
        chip_read_finish(&f->h, &out);
        assert_true(out.result->chip_removed);
        chip_assert_check(&out.result->read, EG_CHECK_ABORTED, EG_REASON_CHIP_READ_FAIL,
                          "chip removed during");
        chip_outcome_done(&out);
}

static void test_slow_chip(void **state) {
        struct fixture *f = *state;
        struct eg_chip_session_options o = options();
        struct chip_outcome out;
        uint64_t t0;

        start_vicc(f, (const char *[]){ "--delay-ms", "400", NULL });
        o.apdu_timeout_ms = 150;
        t0 = chip_test_now_ms();
        chip_read(&f->h, &o, &out);
        chip_assert_check(&out.result->access, EG_CHECK_ABORTED, EG_REASON_CHIP_TIMEOUT,
                          "within 150 ms");
        assert_true(chip_test_now_ms() - t0 < 1500);
        chip_outcome_done(&out);
        remove_card(f, SIGTERM);

        /* The exchange egated gave up on finished in the background; the next
         * chip reads normally. */
        start_vicc(f, NULL);
        o = options();
        chip_read(&f->h, &o, &out);
        assert_complete_read(out.result);
        chip_outcome_done(&out);
}

/*
 * A chip that takes its time while pcscd hangs: the worker is inside
 * SCardTransmit(), the monitor inside SCardGetStatusChange(), and the
 * SCardCancel() of the stop would wait for pcscd too.  egated's stop must
 * still end, within CHIP_STOP_TIMEOUT_USEC; when pcscd comes back the
 * threads left behind return into the plugin, which the manager has
 * unloaded by then, and must end cleanly.
 */
static void test_hung_pcscd(void **state) {
        unsigned threads_before = thread_count();
        struct eg_chip_session_options o;
        struct chip_outcome out;
        struct fixture *f;
        uint64_t t0, took;

        assert_int_equal(setup(state), 0);
        f = *state;
        start_vicc(f, (const char *[]){ "--delay-ms", "5000", NULL });
        /* egated gives up on the first APDU; the worker stays inside it. */
        o = options();
        o.apdu_timeout_ms = 300;
        chip_read(&f->h, &o, &out);
        chip_assert_check(&out.result->access, EG_CHECK_ABORTED, EG_REASON_CHIP_TIMEOUT, NULL);
        chip_outcome_done(&out);
        assert_int_equal(kill(f->pcscd.pid, SIGSTOP), 0);
        chip_harness_run(&f->h, NULL, NULL, 200);

        t0 = chip_test_now_ms();
        chip_harness_stop(&f->h);
        took = chip_test_now_ms() - t0;
        assert_int_equal(kill(f->pcscd.pid, SIGCONT), 0);
        if (took < 2900 || took > 5000)
                fail_msg("stopping took %u ms; the plugin waits 3000 for its threads",
                         (unsigned) took);

        /* The chip answers after its delay: every thread left behind ends. */
        assert_true(thread_count_falls_to(threads_before, 15000));
}

static void test_wrong_mrz(void **state) {
        struct fixture *f = *state;
        struct eg_chip_session_options o = options();
        struct chip_outcome out;
        char wrong[64];

        start_vicc(f, NULL);
        (void) snprintf(wrong, sizeof(wrong), "%s", g.expected->mrz_information);
        wrong[0] = wrong[0] == 'X' ? 'Y' : 'X';
        o.mrz_information = wrong;
        chip_read(&f->h, &o, &out);
        chip_assert_check(&out.result->access, EG_CHECK_FAILED, EG_REASON_CHIP_ACCESS_FAIL,
                          "BAC refused by the chip (SW 6300)");
        chip_assert_check(&out.result->read, EG_CHECK_ABORTED, NULL, "not reached");
        assert_null(out.result->dg[1].data);
        chip_outcome_done(&out);
}

static void test_bad_mac(void **state) {
        struct fixture *f = *state;
        struct eg_chip_session_options o = options();
        struct chip_outcome out;

        start_vicc(f, (const char *[]){ "--corrupt-mac", NULL });
        chip_read(&f->h, &o, &out);
        chip_assert_check(&out.result->access, EG_CHECK_SUCCESSFUL, NULL, NULL);
        chip_assert_check(&out.result->read, EG_CHECK_FAILED, EG_REASON_CHIP_READ_FAIL,
                          "response MAC mismatch");
        chip_outcome_done(&out);
}

/* Bad declarations are refused, the rest of the manager keeps going. */
static void test_bad_config(void **state) {
        static const char template[] = "[daemon]\nplugin-dirs = %s\n"
                                       "[device.typo]\nplugin = pcsc\nclass = chip-reader\n"
                                       "raeder = Virtual\n"
                                       "[device.empty]\nplugin = pcsc\nclass = chip-reader\n"
                                       "reader =\n"
                                       "[device.door]\nplugin = pcsc\nclass = door\n"
                                       "[device.ghost]\nplugin = pcsc\nclass = chip-reader\n"
                                       "reader = No Such Reader\n";
        struct fixture f = { .vicc = { .out = -1 } };
        struct eg_device *d;
        char *text = NULL;

        start_pcscd(&f);
        assert_true(asprintf(&text, template, g.plugin_dir) > 0);
        chip_harness_start(&f.h, text, g.dir, "pcsc-ghost");
        free(text);
        assert_null(eg_device_find(f.h.manager, "pcsc-typo"));
        assert_null(eg_device_find(f.h.manager, "pcsc-empty"));
        assert_null(eg_device_find(f.h.manager, "pcsc-door"));
        /* A reader that may be plugged in later: the device waits, faulted. */
        chip_harness_run(&f.h, NULL, NULL, 50);
        d = eg_device_find(f.h.manager, "pcsc-ghost");
        assert_non_null(d);
        assert_int_equal(d->state, EG_DEVICE_FAULTED);
        assert_string_equal(d->last_error, "no PC/SC reader matching \"No Such Reader\"");
        assert_int_equal(f.h.events.faults, 1);
        chip_harness_stop(&f.h);
        assert_int_equal(pcscd_stop(&f.pcscd), 0);
        *state = NULL;
}

/* --- main --- */

static int prepare(void) {
        static const char *const names[] = { "Virtual PCD" };
        static const uint16_t ports[] = { PEER_VPCD_PORT };
        struct eg_test_passport_options po = { .dg2_extra = DG2_EXTRA };
        const char *tmp = getenv("TMPDIR");

        (void) snprintf(g.dir, sizeof(g.dir), "%s/egate-pcsc-XXXXXX", tmp ? tmp : "/tmp");
        if (!mkdtemp(g.dir))
                return -errno;
        (void) snprintf(g.conf_dir, sizeof(g.conf_dir), "%s/reader.conf.d", g.dir);
        (void) snprintf(g.pcscd_log, sizeof(g.pcscd_log), "%s/pcscd.log", g.dir);
        (void) snprintf(g.vicc_log, sizeof(g.vicc_log), "%s/vicc.log", g.dir);
        if (pcscd_write_config(g.conf_dir, names, ports, 1) < 0)
                return -EIO;
        if (eg_test_pki_new("KR", &g.pki) < 0 || peer_pki_save(g.pki, g.dir) < 0)
                return -EIO;
        if (eg_trust_store_new(&g.trust) < 0 || eg_trust_store_add_csca(g.trust, g.pki->csca) < 0)
                return -EIO;
        po.pki = g.pki;
        return eg_test_passport_new(&po, &g.expected);
}

static void cleanup(void) {
        char cmd[PATH_MAX + 16];

        eg_test_passport_free(g.expected);
        eg_trust_store_unref(g.trust);
        eg_test_pki_free(g.pki);
        if (g.dir[0] && !getenv("EGATE_TEST_KEEP")) {
                (void) snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g.dir);
                (void) system(cmd);
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_full_read_with_pa, setup, teardown),
                cmocka_unit_test_setup_teardown(test_no_chip, setup, teardown),
                cmocka_unit_test_setup_teardown(test_card_inserted_and_removed, setup, teardown),
                cmocka_unit_test_setup_teardown(test_readers_come_and_go, setup_auto, teardown),
                cmocka_unit_test_setup_teardown(test_chip_removed_mid_read, setup, teardown),
                cmocka_unit_test_setup_teardown(test_slow_chip, setup, teardown),
                cmocka_unit_test_teardown(test_hung_pcscd, teardown),
                cmocka_unit_test_setup_teardown(test_wrong_mrz, setup, teardown),
                cmocka_unit_test_setup_teardown(test_bad_mac, setup, teardown),
                cmocka_unit_test(test_bad_config),
        };
        char why[512];
        int r;

        g.pcscd = getenv("EGATE_PCSCD") ? getenv("EGATE_PCSCD") : "/usr/sbin/pcscd";
        g.vicc = getenv("EGATE_VICC_PASSPORT");
        g.plugin_dir = getenv("EGATE_TEST_PLUGIN_DIR");
        if (!g.vicc || !g.plugin_dir) {
                fprintf(stderr, "EGATE_VICC_PASSPORT and EGATE_TEST_PLUGIN_DIR must be set "
                                "(meson test does)\n");
                return 1;
        }
        if (access(g.pcscd, X_OK) < 0 || access(PEER_VPCD_DRIVER, R_OK) < 0) {
                printf("SKIP: needs pcscd (%s) and vsmartcard-vpcd (%s)\n", g.pcscd,
                       PEER_VPCD_DRIVER);
                return 77;
        }
        /* Before any thread: unshare() refuses a mount namespace to a threaded process. */
        if (peer_isolate(why, sizeof(why)) < 0) {
                printf("SKIP: %s\n", why);
                return 77;
        }
        if (prepare() < 0) {
                fprintf(stderr, "cannot prepare the test PKI and pcscd configuration\n");
                cleanup();
                return 1;
        }
        log_set_max_level(getenv("EGATE_TEST_DEBUG") ? LOG_DEBUG : LOG_WARNING);
        if (getenv("EGATE_TEST_FILTER"))
                cmocka_set_test_filter(getenv("EGATE_TEST_FILTER"));
        r = cmocka_run_group_tests(tests, NULL, NULL);
        cleanup();
        return r;
}
