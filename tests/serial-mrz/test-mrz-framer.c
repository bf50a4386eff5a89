/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The serial-mrz plugin's framer on its own: bytes and timestamps in,
 * whole MRZs (or counted drops) out.  No port, no clock: every timing case
 * is exact.
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

#include "mrz-framer.h"
#include "specimens.h"

#define MS 1000u

struct reports {
        unsigned documents, removed, garbled, partial;
        char text[MRZ_TEXT_MAX];
        unsigned lines;
        size_t line_length;
        size_t garbled_length;
        bool data_outside_documents; /* a non-DOCUMENT report carried text */
};

static void collect(const struct mrz_framer_report *r, void *userdata) {
        struct reports *c = userdata;

        if (r->event != MRZ_FRAMER_DOCUMENT && r->text)
                c->data_outside_documents = true;
        switch (r->event) {
        case MRZ_FRAMER_DOCUMENT:
                c->documents++;
                assert_int_equal(strlen(r->text), r->length);
                snprintf(c->text, sizeof(c->text), "%s", r->text);
                c->lines = r->count;
                c->line_length = r->line_length;
                break;
        case MRZ_FRAMER_REMOVED:
                c->removed++;
                break;
        case MRZ_FRAMER_GARBLED:
                c->garbled++;
                c->garbled_length = r->length;
                assert_non_null(r->reason);
                break;
        case MRZ_FRAMER_PARTIAL_DROPPED:
                c->partial++;
                assert_non_null(r->reason);
                break;
        }
}

struct fixture {
        struct mrz_framer framer;
        struct reports got;
};

static struct fixture *fixture_new(enum mrz_framing framing, enum mrz_line_ending eol,
                                   const char *marker) {
        struct fixture *f = calloc(1, sizeof(*f));
        struct mrz_framer_options o = { .framing = framing,
                                        .line_ending = eol,
                                        .frame_timeout_usec = 300 * MS,
                                        .removal_marker = marker };

        assert_non_null(f);
        assert_int_equal(mrz_framer_init(&f->framer, &o, collect, &f->got), 0);
        return f;
}

static void feed(struct fixture *f, const char *s, uint64_t at_usec) {
        mrz_framer_feed(&f->framer, (const uint8_t *) s, strlen(s), at_usec);
}

static void feed_n(struct fixture *f, const void *data, size_t n, uint64_t at_usec) {
        mrz_framer_feed(&f->framer, data, n, at_usec);
}

static void assert_clean(struct fixture *f) {
        assert_false(f->got.data_outside_documents);
        free(f);
}

static void test_td3_each_line_ending(void **state) {
        static const char *const auto_inputs[] = {
                TD3_L1 "\r" TD3_L2 "\r", TD3_L1 "\n" TD3_L2 "\n", TD3_L1 "\r\n" TD3_L2 "\r\n",
                "\n\n" TD3_L1 "\r\n\r\n" TD3_L2 "\n", /* blank lines are neutral */
        };

        for (size_t i = 0; i < sizeof(auto_inputs) / sizeof(auto_inputs[0]); i++) {
                struct fixture *f = fixture_new(MRZ_FRAMING_LINES, MRZ_EOL_AUTO, NULL);

                feed(f, auto_inputs[i], 1000 * MS);
                assert_int_equal(f->got.documents, 1);
                assert_string_equal(f->got.text, TD3);
                assert_int_equal(f->got.lines, 2);
                assert_int_equal(f->got.line_length, 44);
                assert_int_equal(f->got.garbled, 0);
                assert_false(mrz_framer_busy(&f->framer));
                assert_clean(f);
        }
}

static void test_explicit_line_endings(void **state) {
        static const struct {
                enum mrz_line_ending eol;
                const char *input;
                unsigned documents;
        } cases[] = {
                { MRZ_EOL_CR, TD3_L1 "\r" TD3_L2 "\r", 1 },
                { MRZ_EOL_CR, TD3_L1 "\n" TD3_L2 "\n", 0 },
                { MRZ_EOL_CR, TD3_L1 "\r\n" TD3_L2 "\r\n", 0 }, /* the LF spoils the next line */
                { MRZ_EOL_LF, TD3_L1 "\n" TD3_L2 "\n", 1 },
                { MRZ_EOL_LF, TD3_L1 "\r" TD3_L2 "\r", 0 },
                { MRZ_EOL_LF, TD3_L1 "\r\n" TD3_L2 "\r\n", 0 },
                { MRZ_EOL_CRLF, TD3_L1 "\r\n" TD3_L2 "\r\n", 1 },
                { MRZ_EOL_CRLF, TD3_L1 "\n" TD3_L2 "\n", 0 },
                { MRZ_EOL_CRLF, TD3_L1 "\r" TD3_L2 "\r\n", 0 },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct fixture *f = fixture_new(MRZ_FRAMING_LINES, cases[i].eol, NULL);

                feed(f, cases[i].input, 1000 * MS);
                assert_int_equal(f->got.documents, cases[i].documents);
                if (cases[i].documents)
                        assert_string_equal(f->got.text, TD3);
                assert_clean(f);
        }
}

static void test_td1_td2(void **state) {
        struct fixture *f = fixture_new(MRZ_FRAMING_LINES, MRZ_EOL_AUTO, NULL);

        feed(f, TD1_L1 "\n" TD1_L2 "\n", 1000 * MS);
        assert_int_equal(f->got.documents, 0); /* TD1 needs a third line */
        assert_true(mrz_framer_busy(&f->framer));
        feed(f, TD1_L3 "\n", 1010 * MS);
        assert_int_equal(f->got.documents, 1);
        assert_string_equal(f->got.text, TD1);
        assert_int_equal(f->got.lines, 3);

        feed(f, TD2_L1 "\r\n" TD2_L2 "\r\n", 2000 * MS);
        assert_int_equal(f->got.documents, 2);
        assert_string_equal(f->got.text, TD2);
        assert_int_equal(f->got.line_length, 36);
        assert_clean(f);
}

static void test_byte_by_byte(void **state) {
        struct fixture *f = fixture_new(MRZ_FRAMING_LINES, MRZ_EOL_AUTO, NULL);
        const char *s = TD3_L1 "\r\n" TD3_L2 "\r\n";
        uint64_t t = 1000 * MS;

        for (size_t i = 0; s[i]; i++, t += 2 * MS) /* 9600 baud is about 1 ms a byte */
                feed_n(f, s + i, 1, t);
        assert_int_equal(f->got.documents, 1);
        assert_string_equal(f->got.text, TD3);
        assert_clean(f);
}

static void test_frame_timeout(void **state) {
        struct fixture *f = fixture_new(MRZ_FRAMING_LINES, MRZ_EOL_AUTO, NULL);

        /* Just within the timeout: one MRZ. */
        feed(f, TD3_L1 "\n", 1000 * MS);
        assert_int_equal(mrz_framer_deadline(&f->framer), 1300 * MS);
        feed(f, TD3_L2 "\n", 1299 * MS);
        assert_int_equal(f->got.documents, 1);

        /* A longer gap: line 1 is dropped, line 2 alone starts a new partial. */
        feed(f, TD3_L1 "\n", 2000 * MS);
        feed(f, TD3_L2 "\n", 2300 * MS);
        assert_int_equal(f->got.documents, 1);
        assert_int_equal(f->got.partial, 1);

        /* expire() before the deadline keeps it, after drops and forgets it. */
        mrz_framer_expire(&f->framer, 2599 * MS);
        assert_true(mrz_framer_busy(&f->framer));
        mrz_framer_expire(&f->framer, 2600 * MS);
        assert_false(mrz_framer_busy(&f->framer));
        assert_int_equal(f->got.partial, 2);
        for (size_t i = 0; i < sizeof(f->framer.lines); i++)
                assert_int_equal(((const char *) f->framer.lines)[i], 0); /* wiped */

        /* A half line then silence is dropped too: the rest does not complete it. */
        feed(f, "P<UTOERIK", 3000 * MS);
        feed(f, "SSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n" TD3_L2 "\n", 3400 * MS);
        assert_int_equal(f->got.documents, 1);
        assert_clean(f);
}

static void test_garbled_lines(void **state) {
        struct fixture *f = fixture_new(MRZ_FRAMING_LINES, MRZ_EOL_AUTO, NULL);
        static char noise[10 * 1024];
        uint32_t seed = 12345;

        feed(f, "p<utoeriksson<<anna<maria<<<<<<<<<<<<<<<<<<<\n", 1000 * MS); /* lowercase */
        feed(f, "L898902C36UTO7408122F1204159ZE184226B<<<<<1\n", 1001 * MS); /* 43 */
        feed(f, "L898902C36UTO7408122F1204159ZE184226B<<<<<100\n", 1002 * MS); /* 45 */
        feed(f, "P<UTO ERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<\n", 1003 * MS); /* a space */
        assert_int_equal(f->got.garbled, 4);

        /* A garbled line between two good ones breaks the MRZ. */
        feed(f,
             TD3_L1 "\n"
                    "GARBAGE\n" TD3_L2 "\n",
             1004 * MS);
        assert_int_equal(f->got.documents, 0);
        assert_int_equal(f->got.partial, 1);
        feed(f, "\x01\n", 1004 * MS); /* line 2 was left waiting: noise drops it too */
        assert_int_equal(f->got.partial, 2);

        /* Lines of different formats do not make one MRZ. */
        feed(f, TD3_L1 "\n" TD2_L2 "\n", 1005 * MS);
        assert_int_equal(f->got.documents, 0);
        assert_int_equal(f->got.partial, 3);

        /* 10 KiB without a line end: one garbled line, bounded memory. */
        memset(noise, 'A', sizeof(noise));
        feed_n(f, noise, sizeof(noise), 1006 * MS);
        feed(f, "\n", 1007 * MS);
        assert_int_equal(f->got.garbled_length, MRZ_LINE_MAX + 1);

        /* Binary noise, NULs and line ends included. */
        for (size_t i = 0; i < sizeof(noise); i++) {
                seed = seed * 1103515245u + 12345u;
                noise[i] = (char) (seed >> 16);
        }
        feed_n(f, noise, sizeof(noise), 1008 * MS);
        feed(f, "\n", 1009 * MS);
        assert_int_equal(f->got.documents, 0);

        feed(f, TD3_L1 "\n" TD3_L2 "\n", 1010 * MS);
        assert_int_equal(f->got.documents, 1);
        assert_string_equal(f->got.text, TD3);
        assert_clean(f);
}

static void test_extra_line_starts_over(void **state) {
        struct fixture *f = fixture_new(MRZ_FRAMING_LINES, MRZ_EOL_AUTO, NULL);

        feed(f, TD3_L1 "\n" TD3_L2 "\n" TD3_L1 "\n", 1000 * MS);
        assert_int_equal(f->got.documents, 1);
        assert_true(mrz_framer_busy(&f->framer)); /* the third line waits for a partner */
        feed(f, TD3_OLD_L2 "\n", 1100 * MS);
        assert_int_equal(f->got.documents, 2);
        assert_string_equal(f->got.text, TD3_OLD);
        assert_clean(f);
}

static void test_stx_etx(void **state) {
        struct fixture *f = fixture_new(MRZ_FRAMING_STX_ETX, MRZ_EOL_AUTO, NULL);
        char big[MRZ_FRAME_MAX + 10];

        /* Bare lines are not frames. */
        feed(f, TD3_L1 "\r" TD3_L2 "\r", 1000 * MS);
        assert_int_equal(f->got.documents, 0);

        /* Last line without a line end, a checksum byte after ETX. */
        feed(f,
             "\x02" TD3_L1 "\r" TD3_L2 "\x03"
             "\x5a",
             1100 * MS);
        assert_int_equal(f->got.documents, 1);
        assert_string_equal(f->got.text, TD3);

        feed(f, "\x02" TD1_L1 "\r\n" TD1_L2 "\r\n" TD1_L3 "\r\n\x03", 1200 * MS);
        assert_int_equal(f->got.documents, 2);
        assert_string_equal(f->got.text, TD1);

        /* Incomplete, too many lines, mixed lengths, garbled line, empty. */
        feed(f, "\x02" TD3_L1 "\r\x03", 1300 * MS);
        feed(f, "\x02" TD3_L1 "\r" TD3_L2 "\r" TD3_L2 "\r\x03", 1301 * MS);
        feed(f, "\x02" TD3_L1 "\r" TD2_L2 "\r\x03", 1302 * MS);
        feed(f, "\x02" TD3_L1 "\rGARBAGE\r" TD3_L2 "\r\x03", 1303 * MS);
        feed(f, "\x02\x03", 1304 * MS);
        assert_int_equal(f->got.documents, 2);

        /* An unfinished frame is dropped when the next one starts. */
        feed(f, "\x02" TD3_L1 "\r", 1400 * MS);
        feed(f, "\x02" TD3_L1 "\r" TD3_OLD_L2 "\r\x03", 1401 * MS);
        assert_int_equal(f->got.documents, 3);
        assert_string_equal(f->got.text, TD3_OLD);

        /* Longer than any MRZ: dropped up to the next STX. */
        memset(big, 'A', sizeof(big));
        big[0] = 0x02;
        feed_n(f, big, sizeof(big), 1500 * MS);
        feed(f, TD3_L1 "\r" TD3_L2 "\x03", 1501 * MS);
        assert_int_equal(f->got.documents, 3);
        assert_false(mrz_framer_busy(&f->framer));

        /* A frame whose ETX never comes times out. */
        feed(f, "\x02" TD3_L1 "\r" TD3_L2, 1600 * MS);
        assert_true(mrz_framer_busy(&f->framer));
        feed(f, "\x03", 2000 * MS);
        assert_int_equal(f->got.documents, 3);
        assert_clean(f);
}

static void test_removal_marker(void **state) {
        struct fixture *f = fixture_new(MRZ_FRAMING_LINES, MRZ_EOL_AUTO, "#REMOVED");
        struct fixture *g = fixture_new(MRZ_FRAMING_STX_ETX, MRZ_EOL_AUTO, "#REMOVED");

        feed(f, TD3_L1 "\n#REMOVED\n" TD3_L2 "\n", 1000 * MS);
        assert_int_equal(f->got.removed, 1);
        assert_int_equal(f->got.documents, 0); /* the marker broke the MRZ */
        feed(f, "#REMOVED!\n", 1001 * MS);
        assert_int_equal(f->got.removed, 1);
        assert_int_equal(f->got.garbled, 1);
        assert_clean(f);

        feed(g, "#REMOVED\n", 1000 * MS);
        assert_int_equal(g->got.removed, 0); /* outside a frame */
        feed(g, "\x02#REMOVED\x03", 1001 * MS);
        assert_int_equal(g->got.removed, 1);
        feed(g, "\x02#REMOVED\r" TD3_L1 "\x03", 1002 * MS);
        assert_int_equal(g->got.removed, 1);
        assert_clean(g);
}

/* A line with a lone CR in it is corrupt even when its other bytes spell the marker: CRLF
 * mode keeps no lone CR in the line, and the framer once took "#REM\rOVED" for the marker
 * (found by fuzz-mrz-framer). */
static void test_marker_with_lone_cr(void **state) {
        struct fixture *f = fixture_new(MRZ_FRAMING_LINES, MRZ_EOL_CRLF, "#REMOVED");
        struct fixture *g = fixture_new(MRZ_FRAMING_STX_ETX, MRZ_EOL_CRLF, "#REMOVED");

        feed(f, TD3_L1 "\r\n#REM\rOVED\r\n", 1000 * MS);
        assert_int_equal(f->got.removed, 0);
        assert_int_equal(f->got.garbled, 1);
        assert_int_equal(f->got.partial, 1); /* the garbled line drops line 1 */
        feed(f, "#REMOVED\r\n", 1001 * MS);
        assert_int_equal(f->got.removed, 1);
        assert_clean(f);

        feed(g, "\x02#REM\rOVED\x03", 1000 * MS);
        assert_int_equal(g->got.removed, 0);
        assert_int_equal(g->got.garbled, 2); /* the line, then its frame */
        feed(g, "\x02#REMOVED\x03", 1001 * MS);
        assert_int_equal(g->got.removed, 1);
        assert_clean(g);
}

static void test_reset_and_init(void **state) {
        struct mrz_framer_options o = { .frame_timeout_usec = 0 };
        struct fixture *f = fixture_new(MRZ_FRAMING_LINES, MRZ_EOL_AUTO, NULL);
        struct mrz_framer bad;

        assert_int_equal(mrz_framer_init(&bad, &o, NULL, NULL), -EINVAL);
        o.frame_timeout_usec = 1;
        o.removal_marker = "0123456789012345678901234567890123";
        assert_int_equal(mrz_framer_init(&bad, &o, NULL, NULL), -EINVAL);
        /* As the header says: 1..32 printable characters, no spaces. */
        o.removal_marker = "";
        assert_int_equal(mrz_framer_init(&bad, &o, NULL, NULL), -EINVAL);
        o.removal_marker = "NO DOC";
        assert_int_equal(mrz_framer_init(&bad, &o, NULL, NULL), -EINVAL);
        o.removal_marker = "#OUT\r";
        assert_int_equal(mrz_framer_init(&bad, &o, NULL, NULL), -EINVAL);
        o.removal_marker = "#OUT";
        assert_int_equal(mrz_framer_init(&bad, &o, NULL, NULL), 0);

        feed(f, TD3_L1 "\n" TD3_L2, 1000 * MS);
        mrz_framer_reset(&f->framer);
        assert_false(mrz_framer_busy(&f->framer));
        assert_int_equal(f->got.partial, 0); /* silent */
        for (size_t i = 0; i < sizeof(f->framer.line); i++)
                assert_int_equal(f->framer.line[i], 0);
        feed(f, "\n", 1001 * MS);
        assert_int_equal(f->got.documents, 0);
        assert_clean(f);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_td3_each_line_ending),
                cmocka_unit_test(test_explicit_line_endings),
                cmocka_unit_test(test_td1_td2),
                cmocka_unit_test(test_byte_by_byte),
                cmocka_unit_test(test_frame_timeout),
                cmocka_unit_test(test_garbled_lines),
                cmocka_unit_test(test_extra_line_starts_over),
                cmocka_unit_test(test_stx_etx),
                cmocka_unit_test(test_removal_marker),
                cmocka_unit_test(test_marker_with_lone_cr),
                cmocka_unit_test(test_reset_and_init),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
