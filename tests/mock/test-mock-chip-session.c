/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The mock chip reader as egated sees it: a real manager loads the built
 * mock plugin, a declared mock chip reader gets passports through the
 * control socket, and the core's chip session (core/src/emrtd/chip-session.h)
 * reads them with BAC, or PACE for chip.access "pace", and checks them
 * against the mock CSCAs the plugin wrote to csca-output.  Every chip
 * behaviour ends with its TR-03135 result and reason code, and the control
 * socket's "stats" counts the card emulator's APDUs and CPU time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "device.h"
#include "emrtd/atr.h"
#include "emrtd/chip-session.h"
#include "manager.h"

#define OK_L1 "P<USAEXAMPLE<<AVERY<JORDAN<<<<<<<<<<<<<<<<<<"
#define OK_L2 "5700142111USA8502142F3209033<<<<<<<<<<<<<<06"
#define PA_L1 "P<USASAMPLE<<DREW<<<<<<<<<<<<<<<<<<<<<<<<<<<"
#define PA_L2 "5700613590USA8802174M3507049<<<<<<<<<<<<<<06"
#define TD1_L1 "I<UTOD231458907<<<<<<<<<<<<<<<"
#define TD1_L2 "7408122F3204153UTO<<<<<<<<<<<2"
#define TD1_L3 "SPECIMEN<<ALEX<<<<<<<<<<<<<<<<"
/* Same document number and dates (same BAC key), another given name. */
#define OTHER_NAME_L1 "P<USAEXAMPLE<<AVERY<JAMIE<<<<<<<<<<<<<<<<<<<"
/* Another document number: the chip of another passport. */
#define OTHER_NUMBER_L2 "5700142122USA8502142F3209033<<<<<<<<<<<<<<04"

#define MRZ(a, b) "['" a "','" b "']"
#define OK_MRZ MRZ(OK_L1, OK_L2)
#define PA_MRZ MRZ(PA_L1, PA_L2)
#define TD1_MRZ "['" TD1_L1 "','" TD1_L2 "','" TD1_L3 "']"
#define OTHER_NAME_MRZ MRZ(OTHER_NAME_L1, OK_L2)
#define OTHER_NUMBER_MRZ MRZ(OK_L1, OTHER_NUMBER_L2)

/* One traveller per chip behaviour and access, all with mock chips of the scenario. */
static const char scenario[] =
        "{'name':'mock chips','travellers':["
        " {'id':'ok','mrz':" OK_MRZ "},"
        " {'id':'td1','mrz':" TD1_MRZ "},"
        " {'id':'pa-fail','mrz':" PA_MRZ ","
        "  'chip':{'behaviour':'pa-fail'}},"
        " {'id':'unreadable','mrz':" OK_MRZ ","
        "  'chip':{'behaviour':'unreadable'}},"
        " {'id':'removed','mrz':" OK_MRZ ","
        "  'chip':{'behaviour':'remove-mid-read'}},"
        " {'id':'bac-fail','mrz':" OK_MRZ ",'chip':{'behaviour':'bac-fail'}},"
        " {'id':'clone','mrz':" OK_MRZ ",'chip':{'behaviour':'clone'}},"
        " {'id':'slow','mrz':" OK_MRZ ","
        "  'chip':{'behaviour':'slow','delay_ms':2}},"
        " {'id':'dg1-name','mrz':" OK_MRZ ","
        "  'chip':{'dg1_mrz':" OTHER_NAME_MRZ "}},"
        " {'id':'dg1-number','mrz':" OK_MRZ ","
        "  'chip':{'dg1_mrz':" OTHER_NUMBER_MRZ "}},"
        " {'id':'pace','mrz':" OK_MRZ ",'chip':{'access':'pace'}},"
        " {'id':'pace-td1','mrz':" TD1_MRZ ","
        "  'chip':{'access':'pace'}},"
        " {'id':'pace-bac-fail','mrz':" OK_MRZ ","
        "  'chip':{'access':'pace','behaviour':'bac-fail'}},"
        " {'id':'pace-clone','mrz':" OK_MRZ ","
        "  'chip':{'access':'pace','behaviour':'clone'}},"
        " {'id':'pace-removed','mrz':" OK_MRZ ","
        "  'chip':{'access':'pace','behaviour':'remove-mid-read'}},"
        " {'id':'ext','mrz':" OK_MRZ ",'chip':{'extended_length':true}},"
        " {'id':'ext-pace','mrz':" OK_MRZ ","
        "  'chip':{'access':'pace','extended_length':true}},"
        " {'id':'ext-short-only','mrz':" OK_MRZ ","
        "  'chip':{'extended_length':true,'behaviour':'short-only'}},"
        " {'id':'ext-pace-short-only','mrz':" OK_MRZ ","
        "  'chip':{'access':'pace','extended_length':true,'behaviour':'short-only'}},"
        " {'id':'ext-pa-fail','mrz':" PA_MRZ ","
        "  'chip':{'extended_length':true,'behaviour':'pa-fail'}},"
        " {'id':'nochip','mrz':" OK_MRZ ",'chip':{'present':false}}]}";

static const char config_template[] = "[daemon]\n"
                                      "mock = true\n"
                                      "plugin-dirs = %s\n"
                                      "operation-timeout-ms = 2000\n"
                                      "[plugin.mock]\n"
                                      "scenario = %s/scenario.json\n"
                                      "latency = zero\n"
                                      "control-socket = %s/control.sock\n"
                                      "csca-output = %s/csca/mock-csca.pem\n"
                                      "[device.chip]\n"
                                      "plugin = mock\n"
                                      "class = chip-reader\n";

#define READER "mock-chip"

struct fixture {
        char dir[64];
        sd_event *event;
        struct eg_manager *manager;
        struct eg_trust_store *trust;
};

struct outcome {
        unsigned calls;
        struct eg_chip_read_result *result;
};

static uint64_t now_ms(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000u + (uint64_t) ts.tv_nsec / 1000000u;
}

static void run_until(sd_event *e, const unsigned *flag, unsigned ms) {
        uint64_t end = now_ms() + ms;

        while ((!flag || *flag == 0) && now_ms() < end)
                assert_true(sd_event_run(e, 10 * 1000) >= 0);
}

static void write_file(const char *path, const char *text, bool json) {
        FILE *f = fopen(path, "we");

        assert_non_null(f);
        for (const char *p = text; *p; p++)
                fputc(json && *p == '\'' ? '"' : *p, f);
        assert_int_equal(fclose(f), 0);
}

static int setup(void **state) {
        struct fixture *f = calloc(1, sizeof(*f));
        struct eg_config_errors errors = {};
        struct eg_trust_load_report report = {};
        struct eg_config *c = NULL;
        const char *plugins = getenv("EGATE_TEST_PLUGIN_DIR");
        char path[128], state_dir[96], *text = NULL;

        assert_non_null(f);
        assert_non_null(plugins);
        snprintf(f->dir, sizeof(f->dir), "/tmp/test-mock-chip-session-XXXXXX");
        assert_non_null(mkdtemp(f->dir));
        snprintf(path, sizeof(path), "%s/scenario.json", f->dir);
        write_file(path, scenario, true);
        snprintf(path, sizeof(path), "%s/csca", f->dir);
        assert_int_equal(mkdir(path, 0755), 0);
        snprintf(state_dir, sizeof(state_dir), "%s/state", f->dir);
        assert_int_equal(mkdir(state_dir, 0700), 0);

        assert_true(asprintf(&text, config_template, plugins, f->dir, f->dir, f->dir) > 0);
        if (eg_config_load_string("mock-chip.conf", text, &c, &errors) < 0)
                for (size_t i = 0; i < errors.n; i++)
                        fprintf(stderr, "%s\n", errors.messages[i]);
        assert_int_equal(errors.n, 0);
        eg_config_errors_clear(&errors);
        free(text);

        assert_int_equal(sd_event_new(&f->event), 0);
        assert_int_equal(
                eg_manager_new(f->event, c,
                               &(struct eg_manager_options){ .state_directory = state_dir },
                               &f->manager),
                0);
        assert_int_equal(eg_manager_start(f->manager), 0);
        run_until(f->event, NULL, 50);
        assert_non_null(eg_device_find(f->manager, READER));

        /* The trust store a deployment points at csca-directory = <dir>/csca. */
        assert_int_equal(eg_trust_store_new(&f->trust), 0);
        assert_int_equal(eg_trust_store_load_csca_dir(f->trust, path, &report), 0);
        assert_int_equal(report.n_failed, 0);
        assert_int_equal(f->trust->n_csca, 2); /* USA and UTO */
        *state = f;
        return 0;
}

static int teardown(void **state) {
        struct fixture *f = *state;
        char cmd[128];

        if (!f)
                return 0;
        eg_manager_free(f->manager);
        sd_event_unref(f->event);
        eg_trust_store_unref(f->trust);
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
        assert_int_equal(system(cmd), 0);
        free(f);
        return 0;
}

#define REPLY_MAX 256

/* One control command; the plugin answers from the loop we run.  The reply line goes to
 * `reply` without its newline. */
static void control_reply(struct fixture *f, const char *line, char reply[static REPLY_MAX]) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        size_t n = 0;
        uint64_t end = now_ms() + 5000;
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

        reply[0] = '\0';
        assert_true(fd >= 0);
        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/control.sock", f->dir);
        assert_int_equal(connect(fd, (struct sockaddr *) &sa, sizeof(sa)), 0);
        assert_int_equal(write(fd, line, strlen(line)), (ssize_t) strlen(line));
        assert_int_equal(write(fd, "\n", 1), 1);
        while (!memchr(reply, '\n', n) && now_ms() < end) {
                struct pollfd p = { .fd = fd, .events = POLLIN };

                assert_true(sd_event_run(f->event, 10 * 1000) >= 0);
                if (poll(&p, 1, 0) == 1) {
                        ssize_t k = read(fd, reply + n, REPLY_MAX - 1 - n);
                        assert_true(k > 0);
                        n += (size_t) k;
                        reply[n] = '\0';
                }
        }
        close(fd);
        reply[strcspn(reply, "\n")] = '\0';
}

static void control(struct fixture *f, const char *line, const char *want) {
        char reply[REPLY_MAX];

        control_reply(f, line, reply);
        assert_string_equal(reply, want);
}

struct card_stats {
        uint64_t cpu_ns;
        uint64_t apdus;
};

/* "stats": exactly "OK card_cpu_ns=<n> card_apdus=<n>". */
static struct card_stats card_stats(struct fixture *f) {
        struct card_stats st = {};
        char reply[REPLY_MAX], again[REPLY_MAX];
        int end = -1;

        control_reply(f, "stats", reply);
        if (sscanf(reply, "OK card_cpu_ns=%" SCNu64 " card_apdus=%" SCNu64 "%n", &st.cpu_ns,
                   &st.apdus, &end) != 2 ||
            end != (int) strlen(reply))
                fail_msg("stats reply \"%s\"", reply);
        /* Decimal without leading zeros: the line prints back the same. */
        snprintf(again, sizeof(again), "OK card_cpu_ns=%" PRIu64 " card_apdus=%" PRIu64, st.cpu_ns,
                 st.apdus);
        assert_string_equal(reply, again);
        return st;
}

static void present(struct fixture *f, const char *traveller) {
        char line[96], want[128];

        snprintf(line, sizeof(line), "present-document chip %s", traveller);
        snprintf(want, sizeof(want), "OK document of %s on the reader of chip", traveller);
        control(f, line, want);
}

static void on_done(struct eg_chip_read_result *r, void *userdata) {
        struct outcome *o = userdata;

        o->calls++;
        if (o->result)
                eg_chip_read_result_free(o->result);
        o->result = r;
}

/* The key seed egated derives from the printed MRZ it read. */
static void printed(const char *mrz, struct eg_mrz *ret) {
        assert_int_equal(eg_mrz_parse(mrz, &(struct eg_date){ 2026, 1, 1 }, ret, NULL), 0);
}

/* Present `traveller`, read the chip with the printed MRZ's key, take the passport back.
 * prefer_pace as egated's pipeline sets it (steps-chip.c), or false: BAC only. */
static struct eg_chip_read_result *read_chip_as(struct fixture *f, const char *traveller,
                                                const char *printed_mrz, bool prefer_pace) {
        struct outcome out = {};
        struct eg_mrz m;
        struct eg_chip_session_options o = { .prefer_pace = prefer_pace, .trust = f->trust };

        present(f, traveller);
        printed(printed_mrz, &m);
        o.mrz_information = m.mrz_information;
        assert_int_equal(eg_chip_session_start(f->manager, READER, &o, on_done, &out, NULL), 0);
        run_until(f->event, &out.calls, 20000);
        assert_int_equal(out.calls, 1);
        run_until(f->event, NULL, 20);
        assert_int_equal(out.calls, 1);
        control(f, "remove-document chip", "OK document removed");
        return out.result;
}

static struct eg_chip_read_result *read_chip(struct fixture *f, const char *traveller,
                                             const char *printed_mrz) {
        return read_chip_as(f, traveller, printed_mrz, true);
}

static void assert_check(const struct eg_check *c, enum eg_check_result result, const char *reason,
                         const char *detail_part) {
        bool reason_ok =
                (!c->reason || !reason) ? c->reason == reason : strcmp(c->reason, reason) == 0;

        if (c->result != result || !reason_ok)
                fail_msg("got %s/%s (%s), want %s/%s", eg_check_result_to_string(c->result),
                         c->reason ? c->reason : "-", c->detail, eg_check_result_to_string(result),
                         reason ? reason : "-");
        if (detail_part && !strstr(c->detail, detail_part))
                fail_msg("detail \"%s\" lacks \"%s\"", c->detail, detail_part);
}

static void assert_good_read(const struct eg_chip_read_result *r) {
        assert_check(&r->access, EG_CHECK_SUCCESSFUL, NULL, "BAC, 3DES");
        assert_check(&r->read, EG_CHECK_SUCCESSFUL, NULL, NULL);
        assert_check(&r->pa.check, EG_CHECK_SUCCESSFUL, NULL, NULL);
        assert_check(&r->authenticity, EG_CHECK_SUCCESSFUL, NULL, "Chip Authentication");
        assert_int_equal(r->access_protocol, EG_CHIP_ACCESS_BAC);
        assert_int_equal(r->auth_method, EG_CHIP_AUTH_CA);
        assert_true(r->have_mrz);
        assert_false(r->chip_removed);
}

static void test_good_read(void **state) {
        struct fixture *f = *state;
        struct eg_chip_read_result *r = read_chip(f, "ok", OK_L1 "\n" OK_L2);
        struct eg_mrz m;

        assert_good_read(r);
        /* The daemon's DG1 check: the chip's MRZ is the printed one. */
        printed(OK_L1 "\n" OK_L2, &m);
        assert_true(eg_mrz_equal_data(&r->mrz, &m));
        assert_check(&r->pa.issuer, EG_CHECK_SUCCESSFUL, NULL, "US");
        assert_int_equal(r->pa.dgs_verified, 1u << 1 | 1u << 2 | 1u << 14 | 1u << 15);
        /* A realistic DG2, read in short APDUs (the ATR offers no extended length). */
        assert_in_range(r->dg[2].len, 12000, 20000);
        assert_false(r->extended_length);
        assert_true(r->n_apdus > 60);
        eg_chip_read_result_free(r);

        /* A TD1 card from a state without an ISO 3166 code. */
        r = read_chip(f, "td1", TD1_L1 "\n" TD1_L2 "\n" TD1_L3);
        assert_good_read(r);
        assert_int_equal(r->mrz.format, EG_MRZ_TD1);
        assert_check(&r->pa.issuer, EG_CHECK_UNDETERMINED, NULL, NULL);
        eg_chip_read_result_free(r);

        /* The passport comes back: the same chip, cached, reads the same. */
        r = read_chip(f, "ok", OK_L1 "\n" OK_L2);
        assert_good_read(r);
        eg_chip_read_result_free(r);
}

static void test_pa_fail(void **state) {
        struct fixture *f = *state;
        struct eg_chip_read_result *r = read_chip(f, "pa-fail", PA_L1 "\n" PA_L2);

        assert_check(&r->access, EG_CHECK_SUCCESSFUL, NULL, NULL);
        assert_check(&r->read, EG_CHECK_SUCCESSFUL, NULL, NULL);
        assert_check(&r->pa.check, EG_CHECK_FAILED, EG_REASON_PA_DG_HASH,
                     "DG2 does not match its hash in EF.SOD");
        assert_check(&r->pa.signer, EG_CHECK_SUCCESSFUL, NULL, NULL);
        eg_chip_read_result_free(r);
}

static void test_unreadable(void **state) {
        struct fixture *f = *state;
        struct eg_chip_read_result *r = read_chip(f, "unreadable", OK_L1 "\n" OK_L2);

        assert_check(&r->access, EG_CHECK_FAILED, EG_REASON_CHIP_ACCESS_FAIL,
                     "the chip does not answer");
        assert_check(&r->read, EG_CHECK_ABORTED, NULL, "not reached");
        assert_int_equal(r->n_apdus, 0);
        eg_chip_read_result_free(r);

        /* No chip at all. */
        r = read_chip(f, "nochip", OK_L1 "\n" OK_L2);
        assert_check(&r->access, EG_CHECK_FAILED, EG_REASON_CHIP_NOT_FOUND, "no chip");
        eg_chip_read_result_free(r);
}

static void test_removed_mid_read(void **state) {
        struct fixture *f = *state;
        struct eg_chip_read_result *r = read_chip(f, "removed", OK_L1 "\n" OK_L2);

        assert_check(&r->access, EG_CHECK_SUCCESSFUL, NULL, NULL);
        assert_check(&r->read, EG_CHECK_ABORTED, EG_REASON_CHIP_READ_FAIL, "chip removed");
        assert_check(&r->pa.check, EG_CHECK_ABORTED, NULL, "not reached");
        assert_true(r->chip_removed);
        eg_chip_read_result_free(r);
}

static void test_bac_fail(void **state) {
        struct fixture *f = *state;
        struct eg_chip_read_result *r;

        /* The behaviour: a chip personalised with another document number. */
        r = read_chip(f, "bac-fail", OK_L1 "\n" OK_L2);
        assert_check(&r->access, EG_CHECK_FAILED, EG_REASON_CHIP_ACCESS_FAIL,
                     "MRZ does not match the chip");
        assert_null(r->dg[1].data);
        eg_chip_read_result_free(r);

        /* The same through dg1_mrz: the chip is another passport's. */
        r = read_chip(f, "dg1-number", OK_L1 "\n" OK_L2);
        assert_check(&r->access, EG_CHECK_FAILED, EG_REASON_CHIP_ACCESS_FAIL,
                     "MRZ does not match the chip");
        eg_chip_read_result_free(r);

        /* Its own MRZ opens it. */
        r = read_chip(f, "dg1-number", OK_L1 "\n" OTHER_NUMBER_L2);
        assert_good_read(r);
        eg_chip_read_result_free(r);
}

static void test_dg1_differs(void **state) {
        struct fixture *f = *state;
        struct eg_chip_read_result *r = read_chip(f, "dg1-name", OK_L1 "\n" OK_L2);
        struct eg_mrz m;

        /* Same key, genuine chip: everything passes, but DG1 is not the printed MRZ. */
        assert_good_read(r);
        printed(OK_L1 "\n" OK_L2, &m);
        assert_false(eg_mrz_equal_data(&r->mrz, &m));
        assert_string_equal(r->mrz.secondary_identifier, "AVERY JAMIE");
        eg_chip_read_result_free(r);
}

static void test_clone(void **state) {
        struct fixture *f = *state;
        struct eg_chip_read_result *r = read_chip(f, "clone", OK_L1 "\n" OK_L2);

        assert_check(&r->pa.check, EG_CHECK_SUCCESSFUL, NULL, NULL);
        assert_check(&r->authenticity, EG_CHECK_FAILED, EG_REASON_CHIP_CLONE_SUSPECT,
                     "Chip Authentication");
        eg_chip_read_result_free(r);
}

static void test_slow(void **state) {
        struct fixture *f = *state;
        struct eg_chip_read_result *r = read_chip(f, "slow", OK_L1 "\n" OK_L2);

        assert_good_read(r);
        /* 2 ms more for every APDU. */
        assert_true(r->timings.total_usec >= (uint64_t) r->n_apdus * 2000);
        eg_chip_read_result_free(r);
}

static void assert_good_pace_read(const struct eg_chip_read_result *r) {
        /* What egated's audit record shows as the chip-access step's detail. */
        assert_check(&r->access, EG_CHECK_SUCCESSFUL, NULL, "PACE, AES-128 secure messaging");
        assert_check(&r->read, EG_CHECK_SUCCESSFUL, NULL, NULL);
        assert_check(&r->pa.check, EG_CHECK_SUCCESSFUL, NULL, NULL);
        assert_check(&r->authenticity, EG_CHECK_SUCCESSFUL, NULL,
                     "Chip Authentication verified (AES-128)");
        assert_int_equal(r->access_protocol, EG_CHIP_ACCESS_PACE);
        assert_int_equal(r->sm_cipher, EG_CIPHER_AES128);
        assert_int_equal(r->auth_method, EG_CHIP_AUTH_CA);
        assert_non_null(r->card_access.data);
        assert_true(r->have_mrz);
        assert_false(r->chip_removed);
}

/* chip.access "pace": the chip session prefers PACE when EF.CardAccess offers it. */
static void test_pace(void **state) {
        struct fixture *f = *state;
        struct eg_chip_read_result *r = read_chip(f, "pace", OK_L1 "\n" OK_L2);
        struct eg_mrz m;

        assert_good_pace_read(r);
        printed(OK_L1 "\n" OK_L2, &m);
        assert_true(eg_mrz_equal_data(&r->mrz, &m));
        assert_int_equal(r->pa.dgs_verified, 1u << 1 | 1u << 2 | 1u << 14 | 1u << 15);
        assert_in_range(r->dg[2].len, 12000, 20000);
        eg_chip_read_result_free(r);

        r = read_chip(f, "pace-td1", TD1_L1 "\n" TD1_L2 "\n" TD1_L3);
        assert_good_pace_read(r);
        assert_int_equal(r->mrz.format, EG_MRZ_TD1);
        eg_chip_read_result_free(r);

        /* A reader that does not do PACE still gets in with BAC; Chip Authentication then
         * moves secure messaging from 3DES to the chip's AES-128. */
        r = read_chip_as(f, "pace", OK_L1 "\n" OK_L2, false);
        assert_check(&r->access, EG_CHECK_SUCCESSFUL, NULL, "BAC, 3DES secure messaging");
        assert_int_equal(r->access_protocol, EG_CHIP_ACCESS_BAC);
        assert_check(&r->read, EG_CHECK_SUCCESSFUL, NULL, NULL);
        assert_check(&r->pa.check, EG_CHECK_SUCCESSFUL, NULL, NULL);
        assert_check(&r->authenticity, EG_CHECK_SUCCESSFUL, NULL,
                     "Chip Authentication verified (AES-128)");
        eg_chip_read_result_free(r);

        /* The behaviours work on a PACE chip too.  A wrong key fails PACE (no BAC retry). */
        r = read_chip(f, "pace-bac-fail", OK_L1 "\n" OK_L2);
        assert_check(&r->access, EG_CHECK_FAILED, EG_REASON_CHIP_ACCESS_FAIL,
                     "PACE: chip refused the PACE password (MRZ)");
        assert_int_equal(r->access_protocol, EG_CHIP_ACCESS_NONE);
        assert_null(r->dg[1].data);
        eg_chip_read_result_free(r);

        r = read_chip(f, "pace-clone", OK_L1 "\n" OK_L2);
        assert_check(&r->access, EG_CHECK_SUCCESSFUL, NULL, "PACE, AES-128");
        assert_check(&r->pa.check, EG_CHECK_SUCCESSFUL, NULL, NULL);
        assert_check(&r->authenticity, EG_CHECK_FAILED, EG_REASON_CHIP_CLONE_SUSPECT,
                     "Chip Authentication");
        eg_chip_read_result_free(r);

        /* EF.CardAccess is the first READ BINARY, EF.COM's the second: PACE is done. */
        r = read_chip(f, "pace-removed", OK_L1 "\n" OK_L2);
        assert_check(&r->access, EG_CHECK_SUCCESSFUL, NULL, "PACE");
        assert_check(&r->read, EG_CHECK_ABORTED, EG_REASON_CHIP_READ_FAIL, "chip removed");
        assert_true(r->chip_removed);
        eg_chip_read_result_free(r);

        /* A BAC chip read by the same PACE-preferring reader: EF.CardAccess is missing. */
        r = read_chip(f, "ok", OK_L1 "\n" OK_L2);
        assert_good_read(r);
        assert_null(r->card_access.data);
        eg_chip_read_result_free(r);
}

/* The card emulator's CPU time, as the control socket's "stats" reports it: every APDU the
 * chip session sent is counted, and answering them took CPU time. */
static void test_card_stats(void **state) {
        struct fixture *f = *state;
        struct eg_chip_read_result *r;
        struct card_stats before, after, again;

        before = card_stats(f);
        r = read_chip(f, "ok", OK_L1 "\n" OK_L2);
        assert_good_read(r);
        after = card_stats(f);
        assert_int_equal(after.apdus - before.apdus, r->n_apdus);
        assert_true(after.cpu_ns > before.cpu_ns);
        print_message("card emulator, BAC chip: %" PRIu64 " APDUs in %" PRIu64 " us of CPU\n",
                      after.apdus - before.apdus, (after.cpu_ns - before.cpu_ns) / 1000);
        eg_chip_read_result_free(r);

        /* The control commands themselves do not count. */
        again = card_stats(f);
        assert_int_equal(again.apdus, after.apdus);
        assert_int_equal(again.cpu_ns, after.cpu_ns);

        before = after;
        r = read_chip(f, "pace", OK_L1 "\n" OK_L2);
        assert_good_pace_read(r);
        after = card_stats(f);
        assert_int_equal(after.apdus - before.apdus, r->n_apdus);
        assert_true(after.cpu_ns > before.cpu_ns);
        print_message("card emulator, PACE chip: %" PRIu64 " APDUs in %" PRIu64 " us of CPU\n",
                      after.apdus - before.apdus, (after.cpu_ns - before.cpu_ns) / 1000);
        eg_chip_read_result_free(r);

        /* An unreadable chip never reaches the emulator. */
        before = after;
        r = read_chip(f, "unreadable", OK_L1 "\n" OK_L2);
        after = card_stats(f);
        assert_int_equal(after.apdus, before.apdus);
        assert_int_equal(after.cpu_ns, before.cpu_ns);
        eg_chip_read_result_free(r);
}

/* The ATR the chip reader gave, as the chip session kept it: PC/SC contactless form with a
 * good TCK, and the historical bytes the scenario asked for. */
static void assert_atr(const struct eg_chip_read_result *r, bool extended_length) {
        uint8_t tck = 0;

        assert_true(r->atr_len >= 5);
        assert_memory_equal(r->atr, "\x3B", 1);
        assert_memory_equal(r->atr + 2, "\x80\x01", 2);
        for (size_t i = 1; i < r->atr_len; i++)
                tck ^= r->atr[i];
        assert_int_equal(tck, 0); /* TCK makes the XOR of T0..TCK zero */
        assert_int_equal(eg_atr_extended_length(r->atr, r->atr_len), extended_length);
        if (extended_length) {
                /* Compact-TLV: card capabilities with "extended Lc and Le", issuer's data. */
                assert_int_equal(r->atr_len, 20);
                assert_int_equal(r->atr[1], 0x8F);
                assert_memory_equal(r->atr + 4,
                                    "\x80\x73\x94\x01\x40\x59"
                                    "EGATEMOCK",
                                    15);
        } else {
                assert_int_equal(r->atr_len, 15);
                assert_memory_equal(r->atr,
                                    "\x3B\x8A\x80\x01"
                                    "EGATE-MOCK",
                                    14);
        }
}

/* The APDUs of one read, counted by the chip session and by the card emulator alike.
 * prefer_pace as in read_chip_as(): egated's pipeline tries PACE, so even a BAC chip's
 * read starts with a SELECT of EF.CardAccess. */
static struct eg_chip_read_result *read_counted(struct fixture *f, const char *traveller,
                                                bool prefer_pace, const char *what) {
        struct card_stats before = card_stats(f), after;
        struct eg_chip_read_result *r = read_chip_as(f, traveller, OK_L1 "\n" OK_L2, prefer_pace);

        after = card_stats(f);
        assert_int_equal(after.apdus - before.apdus, r->n_apdus);
        print_message("%s: %u APDUs, %zu bytes of DG2\n", what, r->n_apdus, r->dg[2].len);
        return r;
}

/* chip.extended_length: the ATR announces extended Lc/Le, so the chip session reads whole
 * files in extended READ BINARYs (DG2 in one instead of 67 short ones), with BAC and with
 * PACE, and the passport still passes.  A chip that announces it but refuses extended APDUs
 * ("short-only") makes egated fall back to short ones after its probe. */
static void test_extended_length(void **state) {
        struct fixture *f = *state;
        struct eg_chip_read_result *r;
        unsigned bac_short, pace_short;

        r = read_counted(f, "ok", true, "BAC, short APDUs");
        assert_good_read(r);
        assert_atr(r, false);
        assert_false(r->extended_length);
        bac_short = r->n_apdus;
        assert_true(bac_short > 80);
        eg_chip_read_result_free(r);

        r = read_counted(f, "ext", true, "BAC, extended length");
        assert_good_read(r);
        assert_atr(r, true);
        assert_true(r->extended_length);
        assert_int_equal(r->pa.dgs_verified, 1u << 1 | 1u << 2 | 1u << 14 | 1u << 15);
        assert_in_range(r->dg[2].len, 12000, 20000);
        assert_true(r->n_apdus < 35);
        assert_true(r->n_apdus + 50 < bac_short);
        eg_chip_read_result_free(r);

        r = read_counted(f, "pace", true, "PACE, short APDUs");
        assert_good_pace_read(r);
        assert_atr(r, false);
        assert_false(r->extended_length);
        pace_short = r->n_apdus;
        assert_true(pace_short > 80);
        eg_chip_read_result_free(r);

        r = read_counted(f, "ext-pace", true, "PACE, extended length");
        assert_good_pace_read(r);
        assert_atr(r, true);
        assert_true(r->extended_length);
        assert_int_equal(r->pa.dgs_verified, 1u << 1 | 1u << 2 | 1u << 14 | 1u << 15);
        assert_in_range(r->dg[2].len, 12000, 20000);
        assert_true(r->n_apdus < 35);
        assert_true(r->n_apdus + 50 < pace_short);
        eg_chip_read_result_free(r);

        /* The same chip read again by a reader without PACE: BAC, still extended. */
        r = read_counted(f, "ext-pace", false, "BAC on a PACE chip, extended length");
        assert_check(&r->access, EG_CHECK_SUCCESSFUL, NULL, "BAC, 3DES secure messaging");
        assert_check(&r->pa.check, EG_CHECK_SUCCESSFUL, NULL, NULL);
        assert_check(&r->authenticity, EG_CHECK_SUCCESSFUL, NULL, "AES-128");
        assert_true(r->extended_length);
        assert_true(r->n_apdus < 35);
        eg_chip_read_result_free(r);

        /* The ATR promises extended length, the chip answers 6700: the first command is the
         * probe, sent again short, and the rest of the read is the short one. */
        r = read_counted(f, "ext-short-only", true, "BAC, extended length refused");
        assert_good_read(r);
        assert_atr(r, true);
        assert_false(r->extended_length);
        assert_int_equal(r->n_apdus, bac_short + 1);
        eg_chip_read_result_free(r);

        r = read_counted(f, "ext-pace-short-only", true, "PACE, extended length refused");
        assert_good_pace_read(r);
        assert_atr(r, true);
        assert_false(r->extended_length);
        assert_int_equal(r->n_apdus, pace_short + 1);
        eg_chip_read_result_free(r);

        /* Behaviours still work with extended length: the substituted photo is caught. */
        r = read_chip_as(f, "ext-pa-fail", PA_L1 "\n" PA_L2, false);
        assert_true(r->extended_length);
        assert_check(&r->read, EG_CHECK_SUCCESSFUL, NULL, NULL);
        assert_check(&r->pa.check, EG_CHECK_FAILED, EG_REASON_PA_DG_HASH,
                     "DG2 does not match its hash in EF.SOD");
        eg_chip_read_result_free(r);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_good_read),
                cmocka_unit_test(test_pa_fail),
                cmocka_unit_test(test_unreadable),
                cmocka_unit_test(test_removed_mid_read),
                cmocka_unit_test(test_bac_fail),
                cmocka_unit_test(test_dg1_differs),
                cmocka_unit_test(test_clone),
                cmocka_unit_test(test_slow),
                cmocka_unit_test(test_pace),
                cmocka_unit_test(test_card_stats),
                cmocka_unit_test(test_extended_length),
        };

        return cmocka_run_group_tests_name("mock-chip-session", tests, setup, teardown);
}
