/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The mock's passport chips (chip-passports.h) on their own: the mock PKI
 * (one CSCA per issuing state, the csca-output file), the files of a chip,
 * BAC enforced with the key of the chip's MRZ, the key seed against the
 * core's MRZ parser, what each behaviour does to the chip, and a chip with
 * chip.access "pace" (EF.CardAccess; PACE and BAC both open it).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "chip-passports.h"
#include "crypto-test-util.h"
#include "emrtd/mrz.h"
#include "emrtd/pa.h"
#include "emrtd/pace.h"
#include "emrtd/security-infos.h"
#include "emrtd/tlv.h"
#include "emrtd/trust-store.h"
#include "mock-macro.h"

#define UTO_L1 "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<"
#define UTO_L2 "L898902C36UTO7408122F1204159ZE184226B<<<<<10"
#define USA_L1 "P<USAEXAMPLE<<AVERY<JORDAN<<<<<<<<<<<<<<<<<<"
#define USA_L2 "5700142111USA8502142F3209033<<<<<<<<<<<<<<06"
#define D_L1 "P<D<<MUSTERMANN<<ERIKA<<<<<<<<<<<<<<<<<<<<<<"
#define D_L2 "C01X00T478D<<6408125F2702283<<<<<<<<<<<<<<<4"
/* A TD1 card with a 13-character document number (D23145890AB12). */
#define TD1_LONG                                                                                   \
        "'I<UTOD23145890<AB125<<<<<<<<<<','7408122F1204159UTO<<<<<<<<<<<6',"                       \
        "'ERIKSSON<<ANNA<MARIA<<<<<<<<<<'"

static const char scenario[] =
        "{'name':'chips','travellers':["
        " {'id':'uto','mrz':['" UTO_L1 "','" UTO_L2 "']},"
        " {'id':'usa','mrz':['" USA_L1 "','" USA_L2 "'],'chip':{'behaviour':'pa-fail'}},"
        " {'id':'deu','mrz':['" D_L1 "','" D_L2 "'],'chip':{'behaviour':'clone'}},"
        " {'id':'td1','mrz':[" TD1_LONG "]},"
        " {'id':'bac','mrz':['" UTO_L1 "','" UTO_L2 "'],'chip':{'behaviour':'bac-fail'}},"
        " {'id':'other-name','mrz':['" UTO_L1 "','" UTO_L2 "'],"
        "  'chip':{'dg1_mrz':['P<UTOERIKSSON<<ANNIKA<<<<<<<<<<<<<<<<<<<<<<<','" UTO_L2 "']}},"
        " {'id':'nochip','mrz':['P<KORHONG<<GILDONG<<<<<<<<<<<<<<<<<<<<<<<<<<','" UTO_L2 "'],"
        "  'chip':{'present':false}}]}";

struct fixture {
        struct mock_scenario *scenario;
        struct mock_chips *chips;
};

/* The scenario text with ' for ", loaded. */
static struct mock_scenario *load(const char *json) {
        _cleanup_(freep) char *text = strdup(json), *error = NULL;
        struct mock_scenario *s = NULL;

        assert_non_null(text);
        for (char *p = text; *p; p++)
                if (*p == '\'')
                        *p = '"';
        if (mock_scenario_load_buffer(text, strlen(text), &s, &error) < 0)
                fail_msg("scenario: %s", error);
        return s;
}

static int setup(void **state) {
        struct fixture *f = calloc(1, sizeof(*f));
        _cleanup_(freep) char *error = NULL;

        assert_non_null(f);
        f->scenario = load(scenario);
        if (mock_chips_new(f->scenario, &f->chips, &error) < 0)
                fail_msg("chips: %s", error);
        assert_null(error);
        *state = f;
        return 0;
}

static int teardown(void **state) {
        struct fixture *f = *state;

        mock_chips_free(f->chips);
        mock_scenario_free(f->scenario);
        free(f);
        return 0;
}

static const struct mock_traveller *traveller(struct fixture *f, const char *id) {
        const struct mock_traveller *t = mock_scenario_find_traveller(f->scenario, id);

        assert_non_null(t);
        return t;
}

static const struct eg_test_passport *chip(struct fixture *f, const char *id) {
        const struct eg_test_passport *p = NULL;

        assert_int_equal(mock_chips_passport(f->chips, traveller(f, id), &p), 0);
        assert_non_null(p);
        return p;
}

/* The key seed the daemon derives from the printed MRZ. */
static void printed_key_seed(const struct mock_traveller *t, char out[static 40]) {
        char text[3 * 45];
        struct eg_mrz m;

        assert_true(mock_mrz_join(&t->mrz, text, sizeof(text)) > 0);
        assert_int_equal(eg_mrz_parse(text, &(struct eg_date){ 2026, 1, 1 }, &m, NULL), 0);
        snprintf(out, 40, "%s", m.mrz_information);
}

static void test_pki_per_state(void **state) {
        struct fixture *f = *state;
        const char *want[][2] = { { "egate mock UTO CSCA", "" },
                                  { "egate mock USA CSCA", "US" },
                                  { "egate mock D CSCA", "DE" } };
        char cn[64], c[8];

        /* UTO, USA and D: the chipless KOR passport needs none. */
        assert_int_equal(mock_chips_n_csca(f->chips), 3);
        assert_null(mock_chips_csca(f->chips, 3));
        for (size_t i = 0; i < 3; i++) {
                X509_NAME *subject = X509_get_subject_name(mock_chips_csca(f->chips, i));

                assert_true(X509_NAME_get_text_by_NID(subject, NID_commonName, cn, sizeof(cn)) > 0);
                assert_string_equal(cn, want[i][0]);
                if (X509_NAME_get_text_by_NID(subject, NID_countryName, c, sizeof(c)) < 0)
                        c[0] = '\0';
                assert_string_equal(c, want[i][1]);
                /* Self-signed: a trust anchor. */
                assert_int_equal(X509_check_issued(mock_chips_csca(f->chips, i),
                                                   mock_chips_csca(f->chips, i)),
                                 X509_V_OK);
        }
}

static void test_csca_output(void **state) {
        struct fixture *f = *state;
        char dir[] = "/tmp/test-mock-chip-XXXXXX", path[128], missing[160];
        struct eg_trust_load_report report = {};
        struct eg_trust_store *ts = NULL;
        struct dirent *e;
        struct stat st;
        unsigned n = 0;
        DIR *d;

        assert_non_null(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/mock-csca.pem", dir);
        assert_int_equal(mock_chips_write_csca(f->chips, path), 0);
        /* Again: replaced, not appended to. */
        assert_int_equal(mock_chips_write_csca(f->chips, path), 0);
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0644);

        /* What egated's csca-directory makes of it. */
        assert_int_equal(eg_trust_store_new(&ts), 0);
        assert_int_equal(eg_trust_store_load_csca_dir(ts, dir, &report), 0);
        assert_int_equal(report.n_failed, 0);
        assert_int_equal(ts->n_csca, 3);
        eg_trust_store_unref(ts);

        /* No temporary file is left behind. */
        d = opendir(dir);
        assert_non_null(d);
        while ((e = readdir(d)))
                if (e->d_name[0] != '.') {
                        assert_string_equal(e->d_name, "mock-csca.pem");
                        n++;
                }
        closedir(d);
        assert_int_equal(n, 1);

        /* The directory must exist. */
        snprintf(missing, sizeof(missing), "%s/nowhere/mock-csca.pem", dir);
        assert_int_equal(mock_chips_write_csca(f->chips, missing), -ENOENT);
        assert_int_equal(mock_chips_write_csca(f->chips, ""), -EINVAL);

        assert_int_equal(unlink(path), 0);
        assert_int_equal(rmdir(dir), 0);
}

static void test_files(void **state) {
        struct fixture *f = *state;
        const struct eg_test_passport *p = chip(f, "uto"), *again = NULL;
        static const uint8_t dg1_head[] = { 0x61, 0x5B, 0x5F, 0x1F, 0x58 };
        struct eg_tlv com, list;
        struct mock_traveller stranger = *traveller(f, "uto");

        /* Built with the rest, then kept. */
        assert_int_equal(mock_chips_passport(f->chips, traveller(f, "uto"), &again), 0);
        assert_ptr_equal(p, again);

        /* DG1: the chip MRZ in 5F1F. */
        assert_int_equal(p->file_len[1], sizeof(dg1_head) + 88);
        assert_memory_equal(p->file[1], dg1_head, sizeof(dg1_head));
        assert_memory_equal(p->file[1] + sizeof(dg1_head), UTO_L1 UTO_L2, 88);

        /* DG2 is as big as a real one's; DG14 (CA), DG15 (AA) and EF.SOD are there. */
        assert_in_range(p->file_len[2], 12000, 20000);
        assert_non_null(p->file[14]);
        assert_non_null(p->file[15]);
        assert_non_null(p->file[EG_TEST_FILE_SOD]);
        assert_null(p->file[EG_TEST_FILE_CARD_ACCESS]); /* chip.access "bac": no PACE */

        /* EF.COM lists exactly DG1, DG2, DG14 and DG15. */
        assert_int_equal(
                eg_tlv_parse(p->file[EG_TEST_FILE_COM], p->file_len[EG_TEST_FILE_COM], &com), 0);
        assert_int_equal(eg_tlv_find(com.value, com.length, 0x5C, &list), 0);
        assert_int_equal(list.length, 4);
        assert_memory_equal(list.value, "\x61\x75\x6E\x6F", 4);

        /* Only the scenario's travellers with a chip have one. */
        assert_int_equal(mock_chips_passport(f->chips, traveller(f, "nochip"), &again), -EINVAL);
        assert_int_equal(mock_chips_passport(f->chips, &stranger, &again), -EINVAL);
        assert_int_equal(mock_chips_passport(f->chips, NULL, &again), -EINVAL);

        /* A chip's DG1 is its own MRZ, not the printed one. */
        p = chip(f, "other-name");
        assert_memory_equal(p->file[1] + sizeof(dg1_head), "P<UTOERIKSSON<<ANNIKA<", 22);
}

/* Every chip is built up front, with the PKI: a lookup later builds nothing. */
static void test_built_at_load(void **state) {
        struct fixture *f = *state;
        const struct mock_scenario *s = f->scenario;
        size_t n = 0;

        /* Everyone but "nochip". */
        assert_int_equal(mock_chips_n_passports(f->chips), 6);
        for (size_t i = 0; i < s->n_travellers; i++) {
                const struct eg_test_passport *p = NULL, *again = NULL;

                if (!s->travellers[i].chip.present)
                        continue;
                assert_int_equal(mock_chips_passport(f->chips, &s->travellers[i], &p), 0);
                assert_non_null(p);
                assert_non_null(p->file[EG_TEST_FILE_SOD]);
                assert_int_equal(mock_chips_passport(f->chips, &s->travellers[i], &again), 0);
                assert_ptr_equal(p, again);
                n++;
        }
        assert_int_equal(n, 6);

        /* A scenario without travellers has no chip and no PKI. */
        {
                struct mock_scenario *empty = load("{'name':'empty','travellers':[]}");
                struct mock_chips *c = NULL;

                assert_int_equal(mock_chips_new(empty, &c, NULL), 0);
                assert_int_equal(mock_chips_n_passports(c), 0);
                assert_int_equal(mock_chips_n_csca(c), 0);
                mock_chips_free(c);
                mock_scenario_free(empty);
        }
}

/* A chip that cannot be built fails the whole set, naming its traveller. */
static void test_build_error(void **state) {
        struct mock_scenario *s = load("{'name':'broken','travellers':["
                                       " {'id':'first','mrz':['" UTO_L1 "','" UTO_L2 "']},"
                                       " {'id':'second','mrz':['" USA_L1 "','" USA_L2 "']}]}");
        struct mock_chips *c = NULL;
        _cleanup_(freep) char *error = NULL;

        /* No MRZ layout is 84 characters long: no BAC key, no chip.  The parser
         * never lets that through; the chip builder must not trust it. */
        s->travellers[1].chip.dg1_mrz.lines[1][40] = '\0';
        assert_int_equal(mock_chips_new(s, &c, &error), -EINVAL);
        assert_null(c);
        assert_non_null(error);
        assert_string_equal(error, "traveller 'second': cannot build the passport chip: "
                                   "Invalid argument");
        /* No message asked for: the same failure. */
        assert_int_equal(mock_chips_new(s, &c, NULL), -EINVAL);
        assert_null(c);
        mock_scenario_free(s);
}

static void read_file(struct eg_test_card *card, struct eg_sm *sm, uint16_t fid,
                      const struct eg_test_passport *p, unsigned slot) {
        uint8_t *data = NULL;
        size_t len = 0;

        assert_int_equal(test_read_file(card, sm, fid, 0xDF, &data, &len), 0);
        assert_int_equal(len, p->file_len[slot]);
        assert_memory_equal(data, p->file[slot], len);
        free(data);
}

static uint16_t plain(struct eg_test_card *card, const char *hex) {
        uint8_t capdu[64], rapdu[EG_RAPDU_MAX + 64];
        size_t n = hex_to_bytes(hex, capdu, sizeof(capdu)), len = 0;

        assert_int_equal(eg_test_card_transmit(card, capdu, n, rapdu, &len), 0);
        assert_true(len >= 2);
        return (uint16_t) (rapdu[len - 2] << 8 | rapdu[len - 1]);
}

static void test_bac_enforced(void **state) {
        struct fixture *f = *state;
        const struct eg_test_passport *p = chip(f, "uto");
        struct eg_test_card *card = eg_test_card_new(p);
        struct eg_sm sm = {};
        char seed[40];

        assert_non_null(card);
        /* Without BAC: the application answers, its files do not. */
        assert_int_equal(plain(card, "00A4040C07A0000002471001"), 0x9000);
        assert_int_equal(plain(card, "00A4020C020101"), 0x6982);
        assert_int_equal(plain(card, "00B0810004"), 0x6982);
        assert_int_equal(plain(card, "0CB0000004"), 0x6987); /* SM objects missing */

        /* The wrong key. */
        assert_int_equal(test_select_and_bac(card, "X00000000<0000000<0000000<", &sm), -EACCES);

        /* The key the daemon derives from the printed MRZ opens it. */
        printed_key_seed(traveller(f, "uto"), seed);
        assert_string_equal(seed, p->mrz_information);
        assert_int_equal(test_select_and_bac(card, seed, &sm), 0);
        assert_true(eg_test_card_secure_messaging(card));
        read_file(card, &sm, 0x0101, p, 1);
        read_file(card, &sm, 0x0102, p, 2);
        read_file(card, &sm, 0x011D, p, EG_TEST_FILE_SOD);
        eg_sm_clear(&sm);
        eg_test_card_free(card);

        /* A TD1 card with a long document number. */
        p = chip(f, "td1");
        card = eg_test_card_new(p);
        printed_key_seed(traveller(f, "td1"), seed);
        assert_string_equal(seed, "D23145890AB12574081221204159");
        assert_int_equal(test_select_and_bac(card, seed, &sm), 0);
        read_file(card, &sm, 0x0101, p, 1);
        eg_sm_clear(&sm);
        eg_test_card_free(card);
}

/* Short garbage gets a status word, never a crash or an error. */
static void test_garbage(void **state) {
        struct fixture *f = *state;
        struct eg_test_card *card = eg_test_card_new(chip(f, "uto"));
        uint8_t capdu[12], rapdu[EG_RAPDU_MAX + 64];
        size_t len;

        assert_non_null(card);
        for (size_t n = 0; n <= sizeof(capdu); n++)
                for (unsigned fill = 0; fill < 256; fill += 15) {
                        memset(capdu, (int) fill, sizeof(capdu));
                        len = 0;
                        assert_int_equal(eg_test_card_transmit(card, capdu, n, rapdu, &len), 0);
                        assert_true(len >= 2);
                }
        assert_int_equal(plain(card, "00B0"), 0x6700);
        assert_int_equal(plain(card, "80A4040C07A0000002471001"), 0x6E00);
        assert_int_equal(plain(card, "00CA000000"), 0x6D00);
        eg_test_card_free(card);
}

/* The key seed the chip is made with equals the core parser's for every layout. */
static void test_key_seed_like_the_core(void **state) {
        static const char *const mrzs[] = {
                UTO_L1 UTO_L2,
                USA_L1 USA_L2,
                D_L1 D_L2,
                "I<UTOD23145890<AB125<<<<<<<<<<7408122F1204159UTO<<<<<<<<<<<6"
                "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
                "I<UTOD231458907<<<<<<<<<<<<<<<7408122F3204153UTO<<<<<<<<<<<2"
                "SPECIMEN<<ALEX<<<<<<<<<<<<<<<<",
                "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<D23145890<UTO7408122F1204159AB11<<<8",
                "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<D231458907UTO7408122F1204159<<<<<<<6",
        };
        char seed[EG_TEST_MRZ_INFORMATION_MAX + 1];
        struct eg_mrz m;
        struct eg_mrz_error err;

        for (size_t i = 0; i < ELEMENTSOF(mrzs); i++) {
                size_t len = strlen(mrzs[i]);

                if (eg_mrz_parse_concatenated(mrzs[i], len, &(struct eg_date){ 2026, 1, 1 }, &m,
                                              &err) < 0)
                        fail_msg("MRZ %zu: %s", i, err.message);
                assert_int_equal(eg_test_mrz_information(mrzs[i], len, seed), 0);
                assert_string_equal(seed, m.mrz_information);
        }
        assert_int_equal(eg_test_mrz_information(UTO_L1, 44, seed), -EINVAL);
}

static void pa(struct fixture *f, const struct eg_test_passport *p, struct eg_pa_result *ret) {
        struct eg_trust_store *ts = NULL;
        struct eg_pa_input in = { .sod = p->file[EG_TEST_FILE_SOD],
                                  .sod_len = p->file_len[EG_TEST_FILE_SOD] };
        char state[4] = {};

        assert_int_equal(eg_trust_store_new(&ts), 0);
        for (size_t i = 0; i < mock_chips_n_csca(f->chips); i++)
                assert_int_equal(eg_trust_store_add_csca(ts, mock_chips_csca(f->chips, i)), 0);
        for (unsigned dg = 1; dg <= 16; dg++) {
                in.dg[dg] = p->file[dg];
                in.dg_len[dg] = p->file_len[dg];
        }
        memcpy(state, p->mrz + 2, 3);
        in.issuing_state = state;
        eg_pa_verify(ts, &in, ret);
        eg_trust_store_unref(ts);
}

static void test_behaviours(void **state) {
        struct fixture *f = *state;
        struct eg_test_card_faults faults;
        struct eg_pa_result r;
        struct eg_test_card *card;
        struct eg_sm sm = {};
        char seed[40];

        /* ok: passive authentication passes against the mock CSCAs. */
        pa(f, chip(f, "uto"), &r);
        assert_int_equal(r.check.result, EG_CHECK_SUCCESSFUL);
        pa(f, chip(f, "deu"), &r); /* D: the DS says C=DE */
        assert_int_equal(r.check.result, EG_CHECK_SUCCESSFUL);
        assert_int_equal(r.issuer.result, EG_CHECK_SUCCESSFUL);

        /* pa-fail: DG2 was changed after signing. */
        pa(f, chip(f, "usa"), &r);
        assert_int_equal(r.check.result, EG_CHECK_FAILED);
        assert_string_equal(r.check.reason, EG_REASON_PA_DG_HASH);
        assert_string_equal(r.check.detail, "DG2 does not match its hash in EF.SOD");
        assert_int_equal(r.signature.result, EG_CHECK_SUCCESSFUL);
        assert_int_equal(r.signer.result, EG_CHECK_SUCCESSFUL);

        /* bac-fail: the printed MRZ does not open the chip. */
        card = eg_test_card_new(chip(f, "bac"));
        printed_key_seed(traveller(f, "bac"), seed);
        assert_string_not_equal(seed, chip(f, "bac")->mrz_information);
        assert_int_equal(test_select_and_bac(card, seed, &sm), -EACCES);
        assert_int_equal(plain(card, "00A4020C020101"), 0x6982);
        eg_test_card_free(card);
        /* ... and its DG1 still carries the printed MRZ. */
        assert_memory_equal(chip(f, "bac")->file[1] + 5, UTO_L1 UTO_L2, 88);

        /* clone: the card answers AA and CA with keys of its own. */
        faults = mock_chips_card_faults(traveller(f, "deu"));
        assert_true(faults.ca_wrong_key);
        assert_true(faults.aa_wrong_signature);
        faults = mock_chips_card_faults(traveller(f, "uto"));
        assert_false(faults.ca_wrong_key || faults.aa_wrong_signature);
}

/* PACE as egated's chip session runs it: EF.CardAccess read in plain from the master file,
 * then MSE:Set AT and GENERAL AUTHENTICATE.  0 with *sm set up, or the protocol's error. */
static int run_pace(struct eg_test_card *card, const char *mrz_information, struct eg_sm *sm) {
        struct eg_pace *pace = NULL;
        const char *reason = NULL;
        uint8_t *ca = NULL, data[512];
        size_t ca_len = 0, len;
        struct eg_capdu c;
        uint16_t sw;
        int r;

        assert_int_equal(test_read_file(card, NULL, 0x011C, 0xDF, &ca, &ca_len), 0);
        r = eg_pace_new(ca, ca_len, EG_PACE_MRZ, mrz_information, &pace, &reason);
        free(ca);
        if (r < 0)
                return r;
        while ((r = eg_pace_next_command(pace, &c, &reason)) > 0) {
                r = test_exchange(card, NULL, &c, data, sizeof(data), &len, &sw);
                if (r == 0)
                        r = eg_pace_handle_response(pace, data, len, sw, &reason);
                if (r < 0)
                        break;
        }
        if (r == 0)
                r = eg_pace_session(pace, sm);
        eg_pace_free(pace);
        return r;
}

static void dg14_ca_cipher(const struct eg_test_passport *p, enum eg_cipher want) {
        struct eg_security_infos si = {};
        const char *reason = NULL;

        assert_int_equal(eg_security_infos_parse_dg14(p->file[14], p->file_len[14], &si, &reason),
                         0);
        assert_true(si.has_ca_info);
        assert_true(si.ca_ecdh);
        assert_non_null(si.ca_public_key);
        assert_int_equal(si.ca_cipher, want);
        assert_true(si.has_aa_info);
        eg_security_infos_done(&si);
}

/* chip.access "pace": EF.CardAccess with PACE-GM on P-256 and AES-128, Chip Authentication
 * in AES-128 too, and BAC still answered. */
static void test_pace_chip(void **state) {
        static const uint8_t aid[] = { 0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01 };
        struct mock_scenario *s =
                load("{'name':'pace','travellers':["
                     " {'id':'pace','mrz':['" UTO_L1 "','" UTO_L2 "'],'chip':{'access':'pace'}},"
                     " {'id':'bac','mrz':['" UTO_L1 "','" UTO_L2 "'],'chip':{'access':'bac'}},"
                     " {'id':'pace-bac-fail','mrz':['" USA_L1 "','" USA_L2 "'],"
                     "  'chip':{'access':'pace','behaviour':'bac-fail'}},"
                     " {'id':'pace-td1','mrz':[" TD1_LONG "],'chip':{'access':'pace'}}]}");
        struct fixture g = { .scenario = s };
        struct eg_capdu select = { .ins = 0xA4, .p1 = 0x04, .p2 = 0x0C, .data = aid, .lc = 7 };
        const struct eg_test_passport *p;
        struct eg_test_card *card;
        struct eg_sm sm = {};
        struct eg_tlv com, list;
        struct eg_pa_result pa_result;
        uint8_t buf[16], *dg1 = NULL;
        size_t len, dg1_len = 0;
        uint16_t sw;
        char seed[40];

        assert_int_equal(mock_chips_new(s, &g.chips, NULL), 0);
        p = chip(&g, "pace");

        /* EF.CardAccess offers PACE-GM, ECDH on P-256 (parameterId 12), AES-128:
         * id-PACE-ECDH-GM-AES-CBC-CMAC-128 is 0.4.0.127.0.7.2.2.4.2.2. */
        assert_non_null(p->file[EG_TEST_FILE_CARD_ACCESS]);
        assert_true(eg_pace_supported(p->file[EG_TEST_FILE_CARD_ACCESS],
                                      p->file_len[EG_TEST_FILE_CARD_ACCESS]));
        assert_non_null(memmem(p->file[EG_TEST_FILE_CARD_ACCESS],
                               p->file_len[EG_TEST_FILE_CARD_ACCESS],
                               "\x06\x0A\x04\x00\x7F\x00\x07\x02\x02\x04\x02\x02", 12));
        assert_non_null(memmem(p->file[EG_TEST_FILE_CARD_ACCESS],
                               p->file_len[EG_TEST_FILE_CARD_ACCESS], "\x02\x01\x0C", 3));
        dg14_ca_cipher(p, EG_CIPHER_AES128);
        /* EF.COM lists the same data groups (EF.CardAccess is in the master file), and
         * EF.SOD covers DG14 with its PACEInfo. */
        assert_int_equal(
                eg_tlv_parse(p->file[EG_TEST_FILE_COM], p->file_len[EG_TEST_FILE_COM], &com), 0);
        assert_int_equal(eg_tlv_find(com.value, com.length, 0x5C, &list), 0);
        assert_int_equal(list.length, 4);
        assert_memory_equal(list.value, "\x61\x75\x6E\x6F", 4);
        pa(&g, p, &pa_result);
        assert_int_equal(pa_result.check.result, EG_CHECK_SUCCESSFUL);

        /* PACE with the key the daemon derives from the printed MRZ: AES-128 secure
         * messaging, then the application is selected under it and its files read. */
        card = eg_test_card_new(p);
        assert_non_null(card);
        printed_key_seed(traveller(&g, "pace"), seed);
        assert_int_equal(run_pace(card, seed, &sm), 0);
        assert_int_equal(sm.cipher, EG_CIPHER_AES128);
        assert_true(eg_test_card_secure_messaging(card));
        assert_int_equal(test_exchange(card, &sm, &select, buf, sizeof(buf), &len, &sw), 0);
        assert_int_equal(sw, 0x9000);
        assert_int_equal(test_read_file(card, &sm, 0x0101, 0xDF, &dg1, &dg1_len), 0);
        assert_int_equal(dg1_len, p->file_len[1]);
        assert_memory_equal(dg1, p->file[1], dg1_len);
        free(dg1);
        eg_sm_clear(&sm);
        eg_test_card_free(card);

        /* The same chip still opens with BAC (ICAO 9303-11 §4.2: a PACE chip may). */
        card = eg_test_card_new(p);
        assert_int_equal(test_select_and_bac(card, seed, &sm), 0);
        assert_int_equal(sm.cipher, EG_CIPHER_3DES);
        read_file(card, &sm, 0x0101, p, 1);
        eg_sm_clear(&sm);
        eg_test_card_free(card);

        /* A TD1 card with a long document number: PACE hashes the same key seed. */
        p = chip(&g, "pace-td1");
        card = eg_test_card_new(p);
        printed_key_seed(traveller(&g, "pace-td1"), seed);
        assert_int_equal(run_pace(card, seed, &sm), 0);
        eg_sm_clear(&sm);
        eg_test_card_free(card);

        /* bac-fail on a PACE chip: the printed MRZ opens it by neither protocol. */
        p = chip(&g, "pace-bac-fail");
        assert_non_null(p->file[EG_TEST_FILE_CARD_ACCESS]);
        card = eg_test_card_new(p);
        printed_key_seed(traveller(&g, "pace-bac-fail"), seed);
        assert_int_equal(run_pace(card, seed, &sm), -EACCES);
        assert_int_equal(test_select_and_bac(card, seed, &sm), -EACCES);
        eg_test_card_free(card);

        /* "bac" is the default chip: no EF.CardAccess, 3DES Chip Authentication. */
        p = chip(&g, "bac");
        assert_null(p->file[EG_TEST_FILE_CARD_ACCESS]);
        dg14_ca_cipher(p, EG_CIPHER_3DES);
        dg14_ca_cipher(chip(*state, "uto"), EG_CIPHER_3DES);

        mock_chips_free(g.chips);
        mock_scenario_free(s);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_pki_per_state), cmocka_unit_test(test_csca_output),
                cmocka_unit_test(test_files),         cmocka_unit_test(test_bac_enforced),
                cmocka_unit_test(test_garbage),       cmocka_unit_test(test_key_seed_like_the_core),
                cmocka_unit_test(test_behaviours),    cmocka_unit_test(test_built_at_load),
                cmocka_unit_test(test_build_error),   cmocka_unit_test(test_pace_chip),
        };

        return cmocka_run_group_tests_name("mock-chip", tests, setup, teardown);
}
