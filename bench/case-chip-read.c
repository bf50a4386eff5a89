/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * chip-read: a whole passport chip read through egated's chip session and
 * the pcsc plugin, against the bare transport it runs on.
 *
 * The world, in a private mount and network namespace (the case needs root
 * or user namespaces): pcscd with vsmartcard's vpcd driver, the
 * vicc-passport emulator (tests/chip-readers) serving the card emulator's
 * passport with a 15 KB DG2 and BAC enforced, and egated's manager in this
 * process with the pcsc plugin from the build tree (the same code egated
 * runs; the D-Bus layer has no part in a chip read).
 *
 * Subject: one read (eg_chip_session): CHIP_CONNECT, BAC, EF.COM, DG1, DG2,
 * EF.SOD with secure messaging, passive authentication against the test
 * CSCA, CHIP_DISCONNECT.
 * Baseline: what the same number of APDUs costs on the same path with
 * nothing else: SCardConnect + SCardStatus, N bare GET CHALLENGEs (N = the
 * read's APDU count), SCardDisconnect, from a plain PC/SC client.
 *
 * Target: 5x.  The subject also does the secure messaging's 3DES on 16 KB
 * (the emulator on its side too), BAC and passive authentication, which the
 * baseline does not: the ratio gates regressions of the whole path, and
 * params says how much is egated's own (one APDU through the plugin and
 * bare, the read's phases).  docs/benchmarks.md has the numbers.
 *
 * The APDUs and bytes of a read are also checked against the least the
 * chip allows (params): per file, SELECT and ceil(size / largest answer)
 * READ BINARYs, plus SELECT application, GET CHALLENGE and MUTUAL
 * AUTHENTICATE; bytes received against the files' sizes.  Target for both:
 * 1.1x, reported as params.apdu_verdict and params.bytes_verdict.
 */
#include <PCSC/winscard.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ab.h"
#include "config.h"
#include "emrtd/chip-session.h"
#include "log.h"
#include "manager.h"
#include "options.h"
#include "peer-env.h"
#include "peer-pki.h"
#include "result.h"
#include "timing.h"

#define CASE "chip-read"
#define READER "Virtual PCD 00 00"
#define DEVICE "pcsc-chip"
#define DG2_EXTRA "15000"
#define TARGET 5.0
#define COUNT_TARGET 1.1
#define READ_TIMEOUT_MS 10000u

struct chip_case {
        char dir[256];
        char conf_dir[PATH_MAX], pcscd_log[PATH_MAX], vicc_log[PATH_MAX];
        struct peer_process pcscd, vicc;
        struct eg_test_pki *pki;
        struct eg_trust_store *trust;
        char mrz_information[64];
        sd_event *event;
        struct eg_manager *manager;
        SCARDCONTEXT context;
        bool has_context;
        unsigned apdus_per_read; /* from the warm-up read */

        struct eg_chip_read_result *result; /* the read in flight's, once done */
};

static void on_read_done(struct eg_chip_read_result *r, void *userdata) {
        ((struct chip_case *) userdata)->result = r;
}

static int run_loop_until_done(struct chip_case *c, unsigned ms) {
        uint64_t end = bench_now_ns() + (uint64_t) ms * 1000000u;

        while (!c->result) {
                int r;

                if (bench_now_ns() > end)
                        return -ETIMEDOUT;
                r = sd_event_run(c->event, 10 * 1000);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* One read; the result stays in c->result for the caller to look at and free. */
static int chip_read(struct chip_case *c) {
        struct eg_chip_session_options o = { .mrz_information = c->mrz_information,
                                             .trust = c->trust,
                                             .apdu_timeout_ms = 3000 };
        int r;

        c->result = NULL;
        r = eg_chip_session_start(c->manager, DEVICE, &o, on_read_done, c, NULL);
        if (r < 0)
                return r;
        r = run_loop_until_done(c, READ_TIMEOUT_MS);
        if (r < 0)
                return r;
        if (c->result->pa.check.result != EG_CHECK_SUCCESSFUL ||
            c->result->read.result != EG_CHECK_SUCCESSFUL) {
                fprintf(stderr, CASE ": read failed: access %s (%s), read %s (%s), PA %s (%s)\n",
                        eg_check_result_to_string(c->result->access.result),
                        c->result->access.detail, eg_check_result_to_string(c->result->read.result),
                        c->result->read.detail,
                        eg_check_result_to_string(c->result->pa.check.result),
                        c->result->pa.check.detail);
                return -EIO;
        }
        return 0;
}

static int subject(void *ctx) {
        struct chip_case *c = ctx;
        int r = chip_read(c);

        eg_chip_read_result_free(c->result);
        c->result = NULL;
        return r;
}

/* The same number of APDUs as a read, each the cheapest the chip answers. */
static int baseline(void *ctx) {
        static const uint8_t get_challenge[] = { 0x00, 0x84, 0x00, 0x00, 0x08 };
        struct chip_case *c = ctx;
        uint8_t atr[MAX_ATR_SIZE], answer[64];
        char name[128];
        DWORD protocol, state, atr_len = sizeof(atr), name_len = sizeof(name), len;
        SCARDHANDLE card;
        LONG rv;

        rv = SCardConnect(c->context, READER, SCARD_SHARE_EXCLUSIVE,
                          SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &card, &protocol);
        if (rv == SCARD_S_SUCCESS)
                rv = SCardStatus(card, name, &name_len, &state, &protocol, atr, &atr_len);
        for (unsigned i = 0; rv == SCARD_S_SUCCESS && i < c->apdus_per_read; i++) {
                len = sizeof(answer);
                rv = SCardTransmit(card, SCARD_PCI_T1, get_challenge, sizeof(get_challenge), NULL,
                                   answer, &len);
                if (rv == SCARD_S_SUCCESS && (len != 10 || answer[8] != 0x90))
                        rv = SCARD_E_NOT_TRANSACTED;
        }
        (void) SCardDisconnect(card, SCARD_RESET_CARD);
        if (rv != SCARD_S_SUCCESS) {
                fprintf(stderr, CASE ": baseline: PC/SC error 0x%08lX\n", (unsigned long) rv);
                return -EIO;
        }
        return 0;
}

/* --- one APDU through the plugin, and bare, for params --- */

struct op_wait {
        bool done;
        int status;
};

static void on_op_done(struct eg_manager *m, const char *device_id, eg_op_id op,
                       struct eg_op_outcome *outcome, void *userdata) {
        struct op_wait *w = userdata;

        w->done = true;
        w->status = outcome->status;
}

static int plugin_op(struct chip_case *c, enum eg_op_kind kind) {
        static const uint8_t get_challenge[] = { 0x00, 0x84, 0x00, 0x00, 0x08 };
        struct eg_op_args args = { .size = sizeof(args), .kind = kind };
        struct op_wait w = {};
        uint64_t end = bench_now_ns() + 3000000000ull;
        int r;

        if (kind == EG_OP_CHIP_TRANSMIT) {
                args.data = get_challenge;
                args.data_len = sizeof(get_challenge);
        }
        r = eg_operation_start(c->manager, DEVICE, &args, 3000, on_op_done, &w, NULL);
        while (r >= 0 && !w.done && bench_now_ns() < end)
                r = sd_event_run(c->event, 10 * 1000);
        if (r < 0)
                return r;
        return w.done ? w.status : -ETIMEDOUT;
}

/* The p50 of `n` GET CHALLENGEs as CHIP_TRANSMIT operations, and straight through PC/SC. */
static int per_apdu(struct chip_case *c, unsigned n, uint64_t *ret_plugin, uint64_t *ret_bare) {
        static const uint8_t get_challenge[] = { 0x00, 0x84, 0x00, 0x00, 0x08 };
        struct bench_samples plugin = {}, bare = {};
        struct bench_summary sp, sb;
        uint8_t answer[64];
        SCARDHANDLE card = 0;
        DWORD protocol, len;
        bool connected = false;
        int r = plugin_op(c, EG_OP_CHIP_CONNECT);

        for (unsigned i = 0; r >= 0 && i < n; i++) {
                uint64_t t0 = bench_now_ns();

                r = plugin_op(c, EG_OP_CHIP_TRANSMIT);
                if (r >= 0)
                        r = bench_samples_add(&plugin, bench_now_ns() - t0);
        }
        (void) plugin_op(c, EG_OP_CHIP_DISCONNECT);
        if (r >= 0) {
                connected = SCardConnect(c->context, READER, SCARD_SHARE_EXCLUSIVE,
                                         SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &card,
                                         &protocol) == SCARD_S_SUCCESS;
                if (!connected)
                        r = -EIO;
        }
        for (unsigned i = 0; r >= 0 && i < n; i++) {
                uint64_t t0 = bench_now_ns();

                len = sizeof(answer);
                if (SCardTransmit(card, SCARD_PCI_T1, get_challenge, sizeof(get_challenge), NULL,
                                  answer, &len) != SCARD_S_SUCCESS)
                        r = -EIO;
                else
                        r = bench_samples_add(&bare, bench_now_ns() - t0);
        }
        if (connected)
                (void) SCardDisconnect(card, SCARD_RESET_CARD);
        if (r >= 0 &&
            (bench_samples_summarize(&plugin, &sp) < 0 || bench_samples_summarize(&bare, &sb) < 0))
                r = -ENODATA;
        if (r >= 0) {
                *ret_plugin = sp.p50;
                *ret_bare = sb.p50;
        }
        bench_samples_clear(&plugin);
        bench_samples_clear(&bare);
        return r;
}

/* --- the least a read can take --- */

struct minimum {
        unsigned apdus;
        uint64_t file_bytes;
        size_t largest_answer;
        unsigned files;
};

static void count_file(struct minimum *m, const struct eg_chip_file *f) {
        if (!f->data)
                return;
        m->files++;
        m->apdus += 1 + (unsigned) ((f->len + m->largest_answer - 1) / m->largest_answer);
        m->file_bytes += f->len;
}

static struct minimum minimum_for(const struct eg_chip_read_result *r) {
        /* What the session asks for at most in one READ BINARY: extended length
         * keeps a protected answer under 64 KiB, short APDUs under 256 bytes. */
        struct minimum m = { .apdus = 3, .largest_answer = r->extended_length ? 0xF000 : 0xDF };

        count_file(&m, &r->card_access);
        count_file(&m, &r->com);
        for (unsigned dg = 1; dg <= EG_DG_MAX; dg++)
                count_file(&m, &r->dg[dg]);
        count_file(&m, &r->sod);
        return m;
}

/* --- the world --- */

static int start_world(struct chip_case *c, const struct bench_options *o) {
        static const char *const names[] = { "Virtual PCD" };
        static const uint16_t ports[] = { PEER_VPCD_PORT };
        struct eg_test_passport_options po = {};
        struct eg_test_passport *p = NULL;
        const char *tmp = getenv("TMPDIR");
        int r;

        (void) snprintf(c->dir, sizeof(c->dir), "%s/egate-bench-chip-XXXXXX", tmp ? tmp : "/tmp");
        if (!mkdtemp(c->dir))
                return bench_case_failed(CASE, -errno, "cannot make a temporary directory");
        (void) snprintf(c->conf_dir, sizeof(c->conf_dir), "%s/reader.conf.d", c->dir);
        (void) snprintf(c->pcscd_log, sizeof(c->pcscd_log), "%s/pcscd.log", c->dir);
        (void) snprintf(c->vicc_log, sizeof(c->vicc_log), "%s/vicc.log", c->dir);
        r = pcscd_write_config(c->conf_dir, names, ports, 1);
        if (r < 0)
                return bench_case_failed(CASE, r, "cannot write pcscd's reader configuration");
        if (eg_test_pki_new("KR", &c->pki) < 0 || peer_pki_save(c->pki, c->dir) < 0 ||
            eg_trust_store_new(&c->trust) < 0 ||
            eg_trust_store_add_csca(c->trust, c->pki->csca) < 0)
                return bench_case_failed(CASE, -EIO, "cannot make the test PKI");
        /* The passport the vicc serves has the specimen's MRZ: take its key seed. */
        po.pki = c->pki;
        if (eg_test_passport_new(&po, &p) < 0)
                return bench_case_failed(CASE, -EIO, "cannot make the test passport");
        (void) snprintf(c->mrz_information, sizeof(c->mrz_information), "%s", p->mrz_information);
        eg_test_passport_free(p);

        r = pcscd_start(CHIP_READ_PCSCD, c->conf_dir, c->pcscd_log, &c->pcscd);
        if (r < 0) {
                peer_dump_log(c->pcscd_log);
                return bench_case_failed(CASE, r, "pcscd did not start");
        }
        const char *vicc_argv[] = {
                CHIP_READ_VICC, "--pki", c->dir, "--dg2-extra", DG2_EXTRA, NULL
        };
        r = peer_spawn(vicc_argv, c->vicc_log, "ready", 10000, &c->vicc);
        if (r < 0) {
                peer_dump_log(c->vicc_log);
                return bench_case_failed(CASE, r, "vicc-passport did not connect to vpcd");
        }
        if (SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &c->context) != SCARD_S_SUCCESS)
                return bench_case_failed(CASE, -EIO, "cannot reach pcscd for the baseline");
        c->has_context = true;
        (void) o;
        return 0;
}

static int start_manager(struct chip_case *c, const struct bench_options *o) {
        struct eg_manager_options mo = { .state_directory = c->dir };
        struct eg_config_errors errors = {};
        struct eg_config *config = NULL;
        _cleanup_free_ char *text = NULL;
        struct eg_device *d;
        uint64_t end;
        int r;

        if (asprintf(&text,
                     "[daemon]\nplugin-dirs = %s/plugins/pcsc\n"
                     "[device.chip]\nplugin = pcsc\nclass = chip-reader\nreader = " READER "\n",
                     o->build_root) < 0)
                return -ENOMEM;
        r = eg_config_load_string("chip-read.conf", text, &config, &errors);
        eg_config_errors_clear(&errors);
        if (r < 0)
                return bench_case_failed(CASE, r, "bad manager configuration");
        r = sd_event_new(&c->event);
        if (r >= 0)
                r = eg_manager_new(c->event, config, &mo, &c->manager);
        if (r >= 0)
                r = eg_manager_start(c->manager);
        if (r < 0)
                return bench_case_failed(CASE, r, "cannot start the manager");
        /* pcscd polls vpcd for the card: it shows up within half a second. */
        end = bench_now_ns() + 5000000000ull;
        for (;;) {
                d = eg_device_find(c->manager, DEVICE);
                if (d && d->chip_present)
                        return 0;
                if (bench_now_ns() > end)
                        return bench_case_failed(CASE, -ETIMEDOUT,
                                                 d ? "the chip never showed up in the reader"
                                                   : "the pcsc plugin added no device (is it "
                                                     "built?)");
                (void) sd_event_run(c->event, 10 * 1000);
        }
}

static void stop_world(struct chip_case *c) {
        char cmd[PATH_MAX];

        if (c->manager)
                eg_manager_free(c->manager);
        sd_event_unref(c->event);
        if (c->has_context)
                (void) SCardReleaseContext(c->context);
        (void) peer_stop(&c->vicc, SIGTERM, 2000);
        (void) pcscd_stop(&c->pcscd);
        eg_trust_store_unref(c->trust);
        eg_test_pki_free(c->pki);
        if (c->dir[0] && strncmp(c->dir + strlen(c->dir) - 6, "XXXXXX", 6) != 0) {
                (void) snprintf(cmd, sizeof(cmd), "rm -rf '%s'", c->dir);
                (void) system(cmd);
        }
}

static const char *verdict(double ratio, double target) {
        return ratio >= 0 && ratio <= target ? "PASS" : "FAIL";
}

static int run(struct chip_case *c, const struct bench_options *o) {
        _cleanup_(json_object_putp) json_object *params = json_object_new_object();
        struct bench_samples a = {}, b = {};
        struct bench_result result = {
                .case_name = CASE,
                .metric = "latency",
                .baseline_name = "PC/SC connect, as many bare GET CHALLENGEs, disconnect",
                .subject_name = "chip read: BAC, EF.COM, DG1, DG2, EF.SOD, passive authentication",
                .target = TARGET,
                .rounds = o->rounds,
                .per_round = o->per_round,
        };
        struct minimum min;
        double apdu_ratio, bytes_ratio;
        uint64_t bytes_received, bytes_sent;
        struct eg_chip_timings t;
        uint64_t plugin_ns, bare_ns;
        unsigned apdus;
        bool extended;
        int r;

        /* The warm-up read tells the APDU count the baseline mirrors. */
        r = chip_read(c);
        if (r < 0) {
                eg_chip_read_result_free(c->result);
                return bench_case_failed(CASE, r, "the first read failed");
        }
        min = minimum_for(c->result);
        apdus = c->result->n_apdus;
        bytes_received = c->result->bytes_received;
        bytes_sent = c->result->bytes_sent;
        extended = c->result->extended_length;
        t = c->result->timings;
        c->apdus_per_read = apdus;
        eg_chip_read_result_free(c->result);
        c->result = NULL;

        r = bench_ab(o->rounds, o->per_round, baseline, subject, c, &a, &b);
        if (r < 0)
                return bench_case_failed(CASE, r, "a read failed");
        r = per_apdu(c, 200, &plugin_ns, &bare_ns);
        if (r < 0)
                return bench_case_failed(CASE, r, "single APDUs failed");
        if (bench_samples_summarize(&a, &result.baseline) < 0 ||
            bench_samples_summarize(&b, &result.subject) < 0)
                return bench_case_failed(CASE, -ENODATA, "no samples");

        apdu_ratio = (double) apdus / min.apdus;
        bytes_ratio = (double) bytes_received / (double) min.file_bytes;
        if (!params)
                return bench_case_failed(CASE, -ENOMEM, "out of memory");
        json_object_object_add(params, "apdus", json_object_new_int64(apdus));
        json_object_object_add(params, "min_apdus", json_object_new_int64(min.apdus));
        json_object_object_add(params, "apdu_ratio", json_object_new_double(apdu_ratio));
        json_object_object_add(params, "apdu_verdict",
                               json_object_new_string(verdict(apdu_ratio, COUNT_TARGET)));
        json_object_object_add(params, "bytes_received", json_object_new_int64(bytes_received));
        json_object_object_add(params, "bytes_sent", json_object_new_int64(bytes_sent));
        json_object_object_add(params, "file_bytes", json_object_new_int64(min.file_bytes));
        json_object_object_add(params, "bytes_ratio", json_object_new_double(bytes_ratio));
        json_object_object_add(params, "bytes_verdict",
                               json_object_new_string(verdict(bytes_ratio, COUNT_TARGET)));
        json_object_object_add(params, "files", json_object_new_int64(min.files));
        json_object_object_add(params, "largest_answer",
                               json_object_new_int64((int64_t) min.largest_answer));
        json_object_object_add(params, "extended_length", json_object_new_boolean(extended));
        /* One GET CHALLENGE as a CHIP_TRANSMIT operation and straight through PC/SC (p50, ns). */
        json_object_object_add(params, "plugin_apdu_ns", json_object_new_int64(plugin_ns));
        json_object_object_add(params, "bare_apdu_ns", json_object_new_int64(bare_ns));
        /* Where the first read's time went, in microseconds. */
        json_object_object_add(params, "connect_us", json_object_new_int64(t.connect_usec));
        json_object_object_add(params, "access_us", json_object_new_int64(t.access_usec));
        json_object_object_add(params, "read_us", json_object_new_int64(t.read_usec));
        json_object_object_add(params, "pa_us", json_object_new_int64(t.pa_usec));
        json_object_object_add(params, "auth_us", json_object_new_int64(t.auth_usec));
        json_object_object_add(params, "total_us", json_object_new_int64(t.total_usec));
        result.params = params;
        fprintf(stderr,
                CASE ": %u APDUs per read (least %u: %.2fx), %" PRIu64 " bytes received "
                     "for %" PRIu64 " bytes of files (%.2fx)\n",
                apdus, min.apdus, apdu_ratio, bytes_received, min.file_bytes, bytes_ratio);
        r = bench_result_print(&result, stdout);
        bench_samples_clear(&a);
        bench_samples_clear(&b);
        return r;
}

int main(int argc, char *argv[]) {
        struct bench_options o = BENCH_OPTIONS_INIT(20, 5);
        struct chip_case c = { .pcscd = { .out = -1 }, .vicc = { .out = -1 } };
        char why[512];
        int r;

        r = bench_options_parse(argc, argv, CASE,
                                "a passport chip read through the pcsc plugin, pcscd and vpcd, "
                                "against bare APDUs on the same path",
                                &o);
        if (r <= 0)
                return r < 0 ? 2 : 0;
        if (access(CHIP_READ_PCSCD, X_OK) < 0 || access(PEER_VPCD_DRIVER, R_OK) < 0)
                return bench_case_failed(CASE, -ENOENT,
                                         "needs pcscd (" CHIP_READ_PCSCD ") and vsmartcard-vpcd "
                                         "(" PEER_VPCD_DRIVER ")") < 0;
        /* Before any thread starts: a threaded process cannot enter a mount namespace. */
        if (peer_isolate(why, sizeof(why)) < 0)
                return bench_case_failed(CASE, -EPERM, why) < 0;
        (void) bench_handle_interrupts();
        log_set_max_level(LOG_WARNING);

        r = start_world(&c, &o);
        if (r >= 0)
                r = start_manager(&c, &o);
        if (r >= 0)
                r = run(&c, &o);
        stop_world(&c);
        return r < 0;
}
