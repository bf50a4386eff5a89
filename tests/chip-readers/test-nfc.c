/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The nfc plugin in a real manager, driving the real libnfc (pn532_uart
 * driver) against the PN532 emulator on a pseudo-terminal, which bridges
 * InDataExchange to the card emulator.  The core's chip session reads the
 * passport end to end; the emulator's knobs take the chip away, slow it
 * down and break the serial link.  Run with LIBNFC_AUTO_SCAN=false and
 * LIBNFC_INTRUSIVE_SCAN=false (meson test sets them), so that libnfc never
 * probes the machine's serial ports.
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
#include <unistd.h>

#include "chip-test-util.h"
#include "host.h"
#include "log.h"
#include "pn532-emulator.h"

#define DEVICE "nfc-chip"
#define DG2_EXTRA 3000

static struct {
        char dir[256];
        const char *plugin_dir;
        struct eg_test_pki *pki;
        struct eg_trust_store *trust;
        struct eg_test_passport *passport;
} g;

struct fixture {
        struct chip_harness h;
        struct pn532_emu *emu;
        struct eg_test_card *card;
};

static struct eg_chip_session_options options(void) {
        return (struct eg_chip_session_options){ .mrz_information = g.passport->mrz_information,
                                                 .trust = g.trust,
                                                 .apdu_timeout_ms = 2000 };
}

static void manager_start(struct fixture *f, const char *connstring) {
        static const char template[] = "[daemon]\n"
                                       "plugin-dirs = %s\n"
                                       "operation-timeout-ms = 5000\n"
                                       "[device.chip]\n"
                                       "plugin = nfc\n"
                                       "class = chip-reader\n"
                                       "connstring = %s\n"
                                       "poll-interval-ms = 50\n";
        char *text = NULL;

        assert_true(asprintf(&text, template, g.plugin_dir, connstring) > 0);
        chip_harness_start(&f->h, text, g.dir, DEVICE);
        free(text);
        assert_non_null(eg_device_find(f->h.manager, DEVICE));
}

/* The emulated reader, with the passport in its field or not. */
static int setup_with(void **state, bool chip) {
        struct fixture *f = calloc(1, sizeof(*f));
        char connstring[128];

        assert_non_null(f);
        f->card = eg_test_card_new(g.passport);
        assert_non_null(f->card);
        assert_int_equal(pn532_emu_start(chip ? f->card : NULL, &f->emu), 0);
        (void) snprintf(connstring, sizeof(connstring), "pn532_uart:%s", pn532_emu_path(f->emu));
        manager_start(f, connstring);
        if (chip) {
                chip_harness_wait_count(&f->h, &f->h.events.present, 1, 5000);
                assert_true(eg_device_find(f->h.manager, DEVICE)->chip_present);
        }
        *state = f;
        return 0;
}

static int setup(void **state) {
        return setup_with(state, true);
}

static int setup_empty(void **state) {
        return setup_with(state, false);
}

static int teardown(void **state) {
        struct fixture *f = *state;

        chip_harness_stop(&f->h);
        pn532_emu_stop(f->emu);
        eg_test_card_free(f->card);
        free(f);
        return 0;
}

static void assert_complete_read(const struct eg_chip_read_result *r) {
        const struct eg_test_passport *p = g.passport;

        chip_assert_check(&r->access, EG_CHECK_SUCCESSFUL, NULL, "BAC");
        chip_assert_check(&r->read, EG_CHECK_SUCCESSFUL, NULL, NULL);
        chip_assert_check(&r->pa.check, EG_CHECK_SUCCESSFUL, NULL, NULL);
        assert_true(r->have_mrz);
        assert_string_equal(r->mrz.document_number, "M12345678");
        for (unsigned dg = 1; dg <= 2; dg++) {
                assert_int_equal(r->dg[dg].len, p->file_len[dg]);
                assert_memory_equal(r->dg[dg].data, p->file[dg], p->file_len[dg]);
        }
        assert_false(r->chip_removed);
}

/* --- the tests --- */

static void test_full_read_with_pa(void **state) {
        struct fixture *f = *state;
        struct eg_chip_session_options o = options();
        struct chip_outcome out;
        uint8_t hist[16];
        size_t k;

        chip_read(&f->h, &o, &out);
        assert_complete_read(out.result);
        /* PC/SC-style ATR from the ATS: the card's historical bytes, minus "extended
         * length", which a PN532 frame cannot carry: short READ BINARYs, 0xDF at most. */
        k = g.passport->atr[1] & 0x0F;
        memcpy(hist, g.passport->atr + 4, k);
        /* 80 73 xx xx 40: compact-TLV card capabilities, third byte "extended length". */
        assert_true(k == 5 && hist[1] == 0x73 && (hist[4] & 0x40));
        hist[4] &= (uint8_t) ~0x40;
        assert_int_equal(out.result->atr_len, 4 + k + 1);
        assert_memory_equal(out.result->atr, "\x3B\x85\x80\x01", 4);
        assert_memory_equal(out.result->atr + 4, hist, k);
        assert_false(out.result->extended_length);
        assert_true(out.result->n_apdus > 6 + DG2_EXTRA / 0xDF);
        assert_int_equal(out.result->n_apdus, pn532_emu_exchanges(f->emu));
        chip_outcome_done(&out);

        /* Again: CHIP_CONNECT powers the chip up afresh. */
        chip_read(&f->h, &o, &out);
        assert_complete_read(out.result);
        chip_outcome_done(&out);
        assert_int_equal(eg_device_find(f->h.manager, DEVICE)->state, EG_DEVICE_ONLINE);
        /* The chip stayed in the field all along: one "present", no "removed". */
        chip_harness_run(&f->h, NULL, NULL, 200);
        assert_int_equal(f->h.events.present, 1);
        assert_int_equal(f->h.events.removed, 0);
}

static void test_no_chip(void **state) {
        struct fixture *f = *state;
        struct eg_chip_session_options o = options();
        struct chip_outcome out;

        chip_harness_run(&f->h, NULL, NULL, 200);
        assert_int_equal(f->h.events.present, 0);
        assert_int_equal(f->h.events.faults, 0);
        chip_read(&f->h, &o, &out);
        chip_assert_check(&out.result->access, EG_CHECK_FAILED, EG_REASON_CHIP_NOT_FOUND,
                          "no chip in the field");
        chip_outcome_done(&out);
}

static void test_chip_comes_and_goes(void **state) {
        struct fixture *f = *state;

        for (unsigned i = 1; i <= 2; i++) {
                pn532_emu_set_card(f->emu, f->card);
                chip_harness_wait_count(&f->h, &f->h.events.present, i, 3000);
                assert_true(eg_device_find(f->h.manager, DEVICE)->chip_present);
                pn532_emu_set_card(f->emu, NULL);
                chip_harness_wait_count(&f->h, &f->h.events.removed, i, 3000);
                assert_false(eg_device_find(f->h.manager, DEVICE)->chip_present);
        }
}

static void test_chip_removed_mid_read(void **state) {
        struct fixture *f = *state;
        struct eg_chip_session_options o = options();
        struct chip_outcome out;

        /* The 12th APDU (a READ BINARY of EF.COM or DG1) finds the field empty. */
        pn532_emu_remove_card_after(f->emu, 12);
        chip_read(&f->h, &o, &out);
        chip_assert_check(&out.result->access, EG_CHECK_SUCCESSFUL, NULL, NULL);
        chip_assert_check(&out.result->read, EG_CHECK_ABORTED, EG_REASON_CHIP_READ_FAIL,
                          "chip removed during");
        assert_true(out.result->chip_removed);
        assert_int_equal(out.result->n_apdus, 12);
        chip_outcome_done(&out);
        assert_int_equal(f->h.events.removed, 1);
        assert_false(eg_device_find(f->h.manager, DEVICE)->chip_present);
}

/* A broken serial link fails the read cleanly and quickly; the reader comes back. */
static void test_link_faults(void **state) {
        static const struct {
                enum pn532_fault fault;
                enum eg_check_result result;
                const char *reason;
                const char *detail;
        } cases[] = {
                { PN532_FAULT_BAD_CHECKSUM, EG_CHECK_FAILED, EG_REASON_CHIP_READ_FAIL,
                  "NFC reader link error" },
                { PN532_FAULT_GARBAGE, EG_CHECK_FAILED, EG_REASON_CHIP_READ_FAIL,
                  "NFC reader link error" },
                { PN532_FAULT_SILENT, EG_CHECK_ABORTED, EG_REASON_CHIP_TIMEOUT, "within 300 ms" },
        };
        struct fixture *f = *state;
        struct eg_chip_session_options o = options();
        struct chip_outcome out;

        o.apdu_timeout_ms = 300;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                uint64_t t0 = chip_test_now_ms();

                pn532_emu_set_fault(f->emu, cases[i].fault, 8);
                chip_read(&f->h, &o, &out);
                chip_assert_check(&out.result->access, EG_CHECK_SUCCESSFUL, NULL, NULL);
                chip_assert_check(&out.result->read, cases[i].result, cases[i].reason,
                                  cases[i].detail);
                assert_true(chip_test_now_ms() - t0 < 2000);
                chip_outcome_done(&out);

                pn532_emu_set_fault(f->emu, PN532_FAULT_NONE, 0);
                chip_read(&f->h, &o, &out);
                assert_complete_read(out.result);
                chip_outcome_done(&out);
        }
}

static void test_slow_chip(void **state) {
        struct fixture *f = *state;
        struct eg_test_card_faults slow = { .delay_ms = 400 };
        struct eg_chip_session_options o = options();
        struct chip_outcome out;
        uint64_t t0;

        eg_test_card_set_faults(f->card, &slow);
        o.apdu_timeout_ms = 150;
        t0 = chip_test_now_ms();
        chip_read(&f->h, &o, &out);
        chip_assert_check(&out.result->access, EG_CHECK_ABORTED, EG_REASON_CHIP_TIMEOUT,
                          "within 150 ms");
        assert_true(chip_test_now_ms() - t0 < 1500);
        chip_outcome_done(&out);

        /* The PN532 took libnfc's abort; the same chip, fast again, reads normally. */
        eg_test_card_set_faults(f->card, &(struct eg_test_card_faults){});
        o = options();
        chip_read(&f->h, &o, &out);
        assert_complete_read(out.result);
        chip_outcome_done(&out);
}

static void test_wrong_mrz(void **state) {
        struct fixture *f = *state;
        struct eg_chip_session_options o = options();
        struct chip_outcome out;
        char wrong[64];

        (void) snprintf(wrong, sizeof(wrong), "%s", g.passport->mrz_information);
        wrong[0] = wrong[0] == 'X' ? 'Y' : 'X';
        o.mrz_information = wrong;
        chip_read(&f->h, &o, &out);
        chip_assert_check(&out.result->access, EG_CHECK_FAILED, EG_REASON_CHIP_ACCESS_FAIL,
                          "BAC refused by the chip (SW 6300)");
        assert_null(out.result->dg[1].data);
        chip_outcome_done(&out);
}

static void test_bad_mac(void **state) {
        struct fixture *f = *state;
        struct eg_test_card_faults bad_mac = { .corrupt_response_mac = true };
        struct eg_chip_session_options o = options();
        struct chip_outcome out;

        eg_test_card_set_faults(f->card, &bad_mac);
        chip_read(&f->h, &o, &out);
        chip_assert_check(&out.result->access, EG_CHECK_SUCCESSFUL, NULL, NULL);
        chip_assert_check(&out.result->read, EG_CHECK_FAILED, EG_REASON_CHIP_READ_FAIL,
                          "response MAC mismatch");
        chip_outcome_done(&out);
}

/*
 * A reader found by udev: the candidate is handed to the plugin as egated's
 * discovery would (tests/discovery covers how egated gets there).
 */
static void test_probe(void **state) {
        struct fixture *f = *state;
        struct eg_plugin *p = eg_plugin_find(f->h.manager, "nfc");
        char connstring[128];
        struct eg_property props[] = {
                { "ID_EGATE_CLASS", "chip-reader" }, { "ID_EGATE_NFC_CONNSTRING", connstring },
                { "ID_SERIAL_SHORT", "PN532 #7" },   { "ID_EGATE_LANE", "A1" },
                { "ID_EGATE_ROLE", "chip-reader" },
        };
        struct eg_candidate c = { .size = sizeof(c),
                                  .subsystem = "tty",
                                  .syspath = "/sys/devices/fake/ttyUSB7",
                                  .devnode = "/dev/ttyUSB7",
                                  .properties = props,
                                  .n_properties = 5,
                                  .fd = -1 };
        struct eg_device *d;

        assert_non_null(p);
        assert_non_null(p->module.ops.probe);
        (void) snprintf(connstring, sizeof(connstring), "pn532_uart:%s", pn532_emu_path(f->emu));

        /* Without the connstring property it is not ours. */
        c.n_properties = 1;
        assert_int_equal(p->module.ops.probe(p->plugin_data, &c), -ENODEV);
        c.n_properties = 5;

        /* The declared device has the reader open; release it for the probed one. */
        assert_int_equal(
                eg_host_device_remove(&p->host, eg_device_find(f->h.manager, DEVICE)->handle), 0);
        assert_int_equal(p->module.ops.probe(p->plugin_data, &c), 0);
        d = eg_device_find(f->h.manager, "nfc-PN532__7");
        assert_non_null(d);
        assert_string_equal(d->lane_hint, "A1");
        assert_string_equal(d->role_hint, "chip-reader");
        f->h.device_id = "nfc-PN532__7";
        chip_harness_wait_count(&f->h, &f->h.events.present, 2, 5000);
        assert_true(eg_device_find(f->h.manager, "nfc-PN532__7")->chip_present);

        p->module.ops.candidate_removed(p->plugin_data, c.syspath);
        assert_null(eg_device_find(f->h.manager, "nfc-PN532__7"));
}

static bool device_faulted(struct chip_harness *h, const void *id) {
        const struct eg_device *d = eg_device_find(h->manager, id);

        return d && d->state == EG_DEVICE_FAULTED;
}

/* Nothing at the connstring: the device is there, faulted, and says why. */
static void test_reader_missing(void **state) {
        struct fixture f = {};
        struct eg_device *d;

        manager_start(&f, "pn532_uart:/dev/egate-no-such-tty");
        chip_harness_run(&f.h, device_faulted, DEVICE, 3000);
        d = eg_device_find(f.h.manager, DEVICE);
        assert_int_equal(d->state, EG_DEVICE_FAULTED);
        assert_non_null(strstr(d->last_error, "cannot open the NFC reader "
                                              "(pn532_uart:/dev/egate-no-such-tty)"));
        assert_int_equal(f.h.events.faults, 1);
        /* Retried every 2 s without a second report. */
        chip_harness_run(&f.h, NULL, NULL, 2500);
        assert_int_equal(f.h.events.faults, 1);
        chip_harness_stop(&f.h);
        *state = NULL;
}

static void test_bad_config(void **state) {
        static const char template[] = "[daemon]\nplugin-dirs = %s\n"
                                       "[device.none]\nplugin = nfc\nclass = chip-reader\n"
                                       "[device.typo]\nplugin = nfc\nclass = chip-reader\n"
                                       "connstring = pn532_uart:/dev/ttyUSB0\nconnstrng = x\n"
                                       "[device.nocolon]\nplugin = nfc\nclass = chip-reader\n"
                                       "connstring = /dev/ttyUSB0\n"
                                       "[device.fast]\nplugin = nfc\nclass = chip-reader\n"
                                       "connstring = pn532_uart:/dev/ttyUSB0\n"
                                       "poll-interval-ms = 5\n"
                                       "[device.door]\nplugin = nfc\nclass = door\n"
                                       "connstring = pn532_uart:/dev/ttyUSB0\n";
        static const char *const refused[] = { "nfc-none", "nfc-typo", "nfc-nocolon", "nfc-fast",
                                               "nfc-door" };
        struct chip_harness h;
        char *text = NULL;

        assert_true(asprintf(&text, template, g.plugin_dir) > 0);
        chip_harness_start(&h, text, g.dir, "nfc-none");
        free(text);
        for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
                if (eg_device_find(h.manager, refused[i]))
                        fail_msg("%s was accepted", refused[i]);
        chip_harness_stop(&h);
        *state = NULL;
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_full_read_with_pa, setup, teardown),
                cmocka_unit_test_setup_teardown(test_no_chip, setup_empty, teardown),
                cmocka_unit_test_setup_teardown(test_chip_comes_and_goes, setup_empty, teardown),
                cmocka_unit_test_setup_teardown(test_chip_removed_mid_read, setup, teardown),
                cmocka_unit_test_setup_teardown(test_link_faults, setup, teardown),
                cmocka_unit_test_setup_teardown(test_slow_chip, setup, teardown),
                cmocka_unit_test_setup_teardown(test_wrong_mrz, setup, teardown),
                cmocka_unit_test_setup_teardown(test_bad_mac, setup, teardown),
                cmocka_unit_test_setup_teardown(test_probe, setup, teardown),
                cmocka_unit_test(test_reader_missing),
                cmocka_unit_test(test_bad_config),
        };
        struct eg_test_passport_options po = { .dg2_extra = DG2_EXTRA };
        const char *tmp = getenv("TMPDIR");
        char cmd[300];
        int r;

        g.plugin_dir = getenv("EGATE_TEST_PLUGIN_DIR");
        if (!g.plugin_dir) {
                fprintf(stderr, "EGATE_TEST_PLUGIN_DIR must be set (meson test does)\n");
                return 1;
        }
        /* Without these libnfc would probe the machine's serial ports. */
        if (!getenv("LIBNFC_AUTO_SCAN") || !getenv("LIBNFC_INTRUSIVE_SCAN")) {
                fprintf(stderr, "set LIBNFC_AUTO_SCAN=false and LIBNFC_INTRUSIVE_SCAN=false\n");
                return 1;
        }
        (void) snprintf(g.dir, sizeof(g.dir), "%s/egate-nfc-XXXXXX", tmp ? tmp : "/tmp");
        if (!mkdtemp(g.dir)) {
                perror("mkdtemp");
                return 1;
        }
        po.pki = NULL;
        if (eg_test_pki_new("KR", &g.pki) < 0 || eg_trust_store_new(&g.trust) < 0 ||
            eg_trust_store_add_csca(g.trust, g.pki->csca) < 0)
                return 1;
        po.pki = g.pki;
        if (eg_test_passport_new(&po, &g.passport) < 0)
                return 1;

        log_set_max_level(getenv("EGATE_TEST_DEBUG") ? LOG_DEBUG : LOG_WARNING);
        if (getenv("EGATE_TEST_FILTER"))
                cmocka_set_test_filter(getenv("EGATE_TEST_FILTER"));
        r = cmocka_run_group_tests(tests, NULL, NULL);

        eg_test_passport_free(g.passport);
        eg_trust_store_unref(g.trust);
        eg_test_pki_free(g.pki);
        (void) snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g.dir);
        if (!getenv("EGATE_TEST_KEEP"))
                (void) system(cmd);
        return r;
}
