/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The external background backend against a fake bridge (tests/bridge-test-util.h: a
 * thread listening on a Unix socket in a temporary directory, scripted per connection:
 * answer, perhaps late, close half-way, say nothing, flood).  Checks go through the
 * wrappers the pipeline calls (eg_background_check/cancel/free) on an sd-event loop, so
 * the verdicts arrive as the pipeline sees them: once, from the loop, never from inside
 * check() or cancel().  The bridge records the question line it received and whether
 * egated hung up, and the fd count proves no connection is left behind.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/background.h"
#include "bridge-test-util.h"
#include "macro.h"

#define CLEAR "{\"result\":\"clear\"}\n"
#define WATCHLIST_HIT "{\"result\":\"watchlist-hit\"}\n"
#define LOST_STOLEN "{\"result\":\"lost-stolen\"}\n"

struct fixture {
        sd_event *event;
        struct bridge bridge;
        struct eg_background *background;
};

struct answer {
        unsigned calls;
        enum eg_background_verdict verdict;
        bool inside; /* set while the caller's own call runs */
        bool called_inside;
};

static void on_verdict(enum eg_background_verdict verdict, void *userdata) {
        struct answer *a = userdata;

        a->calls++;
        a->verdict = verdict;
        a->called_inside = a->called_inside || a->inside;
}

static const struct eg_background_query traveller = {
        .issuing_state = "KOR",
        .document_number = "M12345678",
        .nationality = "KOR",
        .birth_year = 1980,
        .birth_month = 1,
        .birth_day = 31,
};

/* ---- fixture ---- */

static int setup(void **state) {
        struct fixture *f = calloc(1, sizeof(*f));

        assert_non_null(f);
        f->event = event_new_warm();
        bridge_open(&f->bridge, "background.sock", NULL, NULL);
        assert_int_equal(eg_background_external_open(f->event, f->bridge.path, &f->background), 0);
        *state = f;
        return 0;
}

static int teardown(void **state) {
        struct fixture *f = *state;

        eg_background_free(f->background);
        bridge_close(&f->bridge);
        sd_event_unref(f->event);
        free(f);
        return 0;
}

/* One check of q, run to its verdict: exactly one callback, from the loop. */
static enum eg_background_verdict check_query(struct fixture *f,
                                              const struct eg_background_query *q) {
        struct answer a = {};

        a.inside = true;
        assert_int_equal(eg_background_check(f->background, q, on_verdict, &a, NULL), 0);
        a.inside = false;
        run_to_one_answer(f->event, &a.calls, &a.called_inside);
        return a.verdict;
}

/* One check answered by the script on one connection; the bridge saw egated hang up and no
 * descriptor is left behind. */
static enum eg_background_verdict checked_by_raw(struct fixture *f, struct bridge_script script) {
        unsigned fds = count_fds();
        enum eg_background_verdict v;

        script.connections = 1;
        assert_int_equal(bridge_run(&f->bridge, script), 0);
        v = check_query(f, &traveller);
        bridge_join_expect(&f->bridge, 1, script.act != ACT_REPLY_CLOSE ? 1 : -1, fds);
        return v;
}

static enum eg_background_verdict checked_by(struct fixture *f, enum bridge_act act,
                                             const char *reply) {
        return checked_by_raw(f, (struct bridge_script){ .act = act, .reply = reply });
}

/* The traveller's document number and birth date, in every form, are not in the log. */
static void assert_no_personal_data(const char *log) {
        static const char *const secrets[] = { "M12345678", "1980-01-31", "19800131", "800131" };

        for (size_t i = 0; i < ELEMENTSOF(secrets); i++)
                if (strcasestr(log, secrets[i]))
                        fail_msg("the log has %s", secrets[i]);
}

/* ---- the answers ---- */

static void test_clear(void **state) {
        struct fixture *f = *state;

        assert_int_equal(checked_by(f, ACT_REPLY, CLEAR), EG_BACKGROUND_CLEAR);
        /* The question, exactly as documented. */
        assert_string_equal(f->bridge.conn[0].question,
                            "{\"version\":1,\"op\":\"check\",\"issuing_state\":\"KOR\","
                            "\"document_number\":\"M12345678\",\"nationality\":\"KOR\","
                            "\"birth_date\":\"1980-01-31\"}\n");
}

static void test_question_lines(void **state) {
        struct fixture *f = *state;
        unsigned fds = count_fds();

        assert_int_equal(bridge_start(&f->bridge, ACT_REPLY, CLEAR, 3), 0);
        /* States padded to three as the registry's bridge sees them; the unknown as null. */
        assert_int_equal(check_query(f,
                                     &(struct eg_background_query){
                                             .issuing_state = "D",
                                             .document_number = "C01X00T47",
                                             .nationality = "D<<",
                                             .birth_year = 1975,
                                             .birth_month = 12,
                                             .birth_day = 1,
                                     }),
                         EG_BACKGROUND_CLEAR);
        assert_int_equal(check_query(f,
                                     &(struct eg_background_query){
                                             .issuing_state = "UTO",
                                             .document_number = "L898902C3",
                                     }),
                         EG_BACKGROUND_CLEAR);
        /* A long (TD1) number; an inner filler is passed on as read. */
        assert_int_equal(check_query(f,
                                     &(struct eg_background_query){
                                             .issuing_state = "UTO",
                                             .document_number = "D23145890734<9",
                                             .nationality = "",
                                             .birth_year = 2000,
                                             .birth_month = 2,
                                             .birth_day = 29,
                                     }),
                         EG_BACKGROUND_CLEAR);
        bridge_join_expect(&f->bridge, 3, -1, fds);
        assert_string_equal(f->bridge.conn[0].question,
                            "{\"version\":1,\"op\":\"check\",\"issuing_state\":\"D<<\","
                            "\"document_number\":\"C01X00T47\",\"nationality\":\"D<<\","
                            "\"birth_date\":\"1975-12-01\"}\n");
        assert_string_equal(f->bridge.conn[1].question,
                            "{\"version\":1,\"op\":\"check\",\"issuing_state\":\"UTO\","
                            "\"document_number\":\"L898902C3\",\"nationality\":null,"
                            "\"birth_date\":null}\n");
        assert_string_equal(f->bridge.conn[2].question,
                            "{\"version\":1,\"op\":\"check\",\"issuing_state\":\"UTO\","
                            "\"document_number\":\"D23145890734<9\",\"nationality\":null,"
                            "\"birth_date\":\"2000-02-29\"}\n");
}

static void test_hits(void **state) {
        struct fixture *f = *state;

        assert_int_equal(checked_by(f, ACT_REPLY, WATCHLIST_HIT), EG_BACKGROUND_WATCHLIST_HIT);
        assert_int_equal(checked_by(f, ACT_REPLY, LOST_STOLEN), EG_BACKGROUND_LOST_STOLEN);
        /* Trailing white space, \r included, is fine. */
        assert_int_equal(checked_by(f, ACT_REPLY, " {\"result\":\"lost-stolen\"} \r\n"),
                         EG_BACKGROUND_LOST_STOLEN);
}

static void test_hit_then_junk(void **state) {
        struct fixture *f = *state;

        /* After the newline nothing counts: junk, a second answer, a hang-up, a flood. */
        assert_int_equal(checked_by(f, ACT_REPLY, "{\"result\":\"watchlist-hit\"}\ngarbage"),
                         EG_BACKGROUND_WATCHLIST_HIT);
        assert_int_equal(checked_by(f, ACT_REPLY, WATCHLIST_HIT CLEAR),
                         EG_BACKGROUND_WATCHLIST_HIT);
        assert_int_equal(checked_by(f, ACT_REPLY_CLOSE, LOST_STOLEN "{\"resu"),
                         EG_BACKGROUND_LOST_STOLEN);
        assert_int_equal(checked_by(f, ACT_FLOOD, WATCHLIST_HIT), EG_BACKGROUND_WATCHLIST_HIT);
        /* Bytes of junk beyond the line's limit, in the same read as the hit. */
        {
                size_t n = strlen(WATCHLIST_HIT) + 3 * EG_BACKGROUND_EXTERNAL_LINE_MAX;
                _cleanup_free_ char *big = malloc(n + 1);

                assert_non_null(big);
                memset(big, 'x', n);
                memcpy(big, WATCHLIST_HIT, strlen(WATCHLIST_HIT));
                big[n] = '\0';
                assert_int_equal(checked_by(f, ACT_REPLY, big), EG_BACKGROUND_WATCHLIST_HIT);
        }
}

static void test_hit_irregular(void **state) {
        struct fixture *f = *state;
        _cleanup_free_ char *log = NULL;

        /* An answer that names a hit is a hit, whatever is wrong around it: unavailable
         * could let the traveller through (background-unavailable = continue). */
        capture_begin(f->bridge.dir);
        assert_int_equal(
                checked_by(f, ACT_REPLY, "{\"result\":\"watchlist-hit\",\"list\":\"interpol\"}\n"),
                EG_BACKGROUND_WATCHLIST_HIT);
        assert_int_equal(checked_by(f, ACT_REPLY, "{\"result\":\"lost-stolen\",\"message\":1}\n"),
                         EG_BACKGROUND_LOST_STOLEN);
        assert_int_equal(checked_by(f, ACT_REPLY, "{\"result\":\"watchlist-hit\"} ok\n"),
                         EG_BACKGROUND_WATCHLIST_HIT);
        /* The bridge hung up without the newline. */
        assert_int_equal(checked_by(f, ACT_REPLY_CLOSE, "{\"result\":\"watchlist-hit\"}"),
                         EG_BACKGROUND_WATCHLIST_HIT);
        log = capture_end(f->bridge.dir);
        assert_non_null(strstr(log, "unknown field in a \"watchlist-hit\" answer; taken as "
                                    "watchlist-hit all the same"));
        assert_non_null(strstr(log, "more after the answer at byte 27; taken as watchlist-hit"));
        assert_non_null(strstr(log, "without ending the answer line; taken as watchlist-hit"));
        assert_null(strstr(log, "interpol")); /* a field is never named nor quoted */
}

/* json-c keeps the last value of a key given twice: a hit named first must not turn into the
 * "clear" after it, nor into unavailable (background-unavailable = continue lets the
 * traveller through).  A hit in any "result" is the hit; two results naming none are
 * unavailable. */
static void test_repeated_result(void **state) {
        struct fixture *f = *state;
        static const struct {
                const char *reply;
                enum eg_background_verdict verdict;
        } cases[] = {
                { "{\"result\":\"watchlist-hit\",\"result\":\"clear\"}\n",
                  EG_BACKGROUND_WATCHLIST_HIT },
                { "{\"result\":\"clear\",\"result\":\"watchlist-hit\"}\n",
                  EG_BACKGROUND_WATCHLIST_HIT },
                { "{\"result\":\"lost-stolen\",\"result\":\"unavailable\"}\n",
                  EG_BACKGROUND_LOST_STOLEN },
                { "{\"result\":\"watchlist-hit\",\"result\":\"maybe\"}\n",
                  EG_BACKGROUND_WATCHLIST_HIT },
                { "{\"result\":\"watchlist-hit\",\"result\":1}\n", EG_BACKGROUND_WATCHLIST_HIT },
                /* The same key as json-c decodes it. */
                { "{\"result\":\"lost-stolen\",\"res\\u0075lt\":\"clear\"}\n",
                  EG_BACKGROUND_LOST_STOLEN },
                /* Both hits: watchlist-hit, as a bridge must answer when both apply. */
                { "{\"result\":\"lost-stolen\",\"result\":\"watchlist-hit\","
                  "\"result\":\"clear\"}\n",
                  EG_BACKGROUND_WATCHLIST_HIT },
                { "{\"result\":\"clear\",\"result\":\"clear\"}\n", EG_BACKGROUND_UNAVAILABLE },
                { "{\"result\":\"unavailable\",\"result\":\"clear\"}\n",
                  EG_BACKGROUND_UNAVAILABLE },
        };
        _cleanup_free_ char *log = NULL, *many = NULL;
        size_t n = 0;

        capture_begin(f->bridge.dir);
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                enum eg_background_verdict v = checked_by(f, ACT_REPLY, cases[i].reply);

                if (v != cases[i].verdict)
                        fail_msg("%s: %s", cases[i].reply, eg_background_verdict_to_string(v));
        }
        /* Cut short by a hang-up, the hit stands all the same. */
        assert_int_equal(checked_by(f, ACT_REPLY_CLOSE,
                                    "{\"result\":\"watchlist-hit\",\"result\":\"clear\"}"),
                         EG_BACKGROUND_WATCHLIST_HIT);
        /* Behind more fields than the scan for repeated keys compares. */
        many = malloc(1024);
        assert_non_null(many);
        n += (size_t) sprintf(many, "{");
        for (unsigned i = 0; i < 40; i++)
                n += (size_t) sprintf(many + n, "\"f%u\":0,", i);
        (void) sprintf(many + n, "\"result\":\"watchlist-hit\",\"result\":\"clear\"}\n");
        assert_int_equal(checked_by(f, ACT_REPLY, many), EG_BACKGROUND_WATCHLIST_HIT);
        log = capture_end(f->bridge.dir);
        assert_non_null(strstr(log, "a field given twice in one object at byte 26; taken as "
                                    "watchlist-hit all the same"));
        assert_non_null(strstr(log, "a field given twice in one object at byte 18; taken as "
                                    "watchlist-hit all the same"));
        assert_non_null(strstr(log, "a field given twice in one object at byte 18; the check "
                                    "is unavailable"));
        assert_non_null(strstr(log, "\"result\" given 2 times; taken as watchlist-hit"));
        assert_no_personal_data(log);
}

static void test_unavailable(void **state) {
        struct fixture *f = *state;
        _cleanup_free_ char *log = NULL;
        static const char *const withheld[] = {
                /* The question's own number (any case), birth date, or anything shaped like
                 * a document number; control characters; too long. */
                "{\"result\":\"unavailable\",\"message\":\"no answer for m12345678\"}\n",
                "{\"result\":\"unavailable\",\"message\":\"born 1980-01-31: ambiguous\"}\n",
                "{\"result\":\"unavailable\",\"message\":\"dob 800131 ambiguous\"}\n",
                "{\"result\":\"unavailable\",\"message\":\"record ZQ7654321 locked\"}\n",
                "{\"result\":\"unavailable\",\"message\":\"bad\\nline\"}\n",
                "{\"result\":\"unavailable\",\"message\":\"\\u00e9chec\"}\n",
                "{\"result\":\"unavailable\",\"message\":\"long long long long long long long "
                "long long long long long long long long long long long long long long long long "
                "long long long long\"}\n",
        };

        capture_begin(f->bridge.dir);
        assert_int_equal(checked_by(f, ACT_REPLY,
                                    "{\"result\":\"unavailable\",\"message\":\"watchlist service "
                                    "unreachable\"}\n"),
                         EG_BACKGROUND_UNAVAILABLE);
        assert_int_equal(checked_by(f, ACT_REPLY, "{\"result\":\"unavailable\"}\n"),
                         EG_BACKGROUND_UNAVAILABLE);
        for (size_t i = 0; i < ELEMENTSOF(withheld); i++)
                if (checked_by(f, ACT_REPLY, withheld[i]) != EG_BACKGROUND_UNAVAILABLE)
                        fail_msg("not unavailable: %s", withheld[i]);
        /* A message that is not a string: unavailable all the same. */
        assert_int_equal(checked_by(f, ACT_REPLY, "{\"result\":\"unavailable\",\"message\":5}\n"),
                         EG_BACKGROUND_UNAVAILABLE);
        log = capture_end(f->bridge.dir);
        /* A plain operational reason reaches the operator... */
        assert_non_null(strstr(log, "the background check is unavailable: watchlist service "
                                    "unreachable"));
        assert_non_null(strstr(log, "(no reason given)"));
        assert_non_null(strstr(log, "\"message\" is not a string"));
        /* ...one that echoes the question, or could forge a log line, does not. */
        assert_no_personal_data(log);
        assert_null(strstr(log, "ZQ7654321"));
        assert_null(strstr(log, "bad"));
        assert_null(strstr(log, "\xc3\xa9"));
        assert_null(strstr(log, "long long"));
        assert_non_null(strstr(log, "reason withheld"));
}

static void test_no_bridge(void **state) {
        struct fixture *f = *state;
        struct eg_background *b = NULL;
        _cleanup_free_ char *missing = NULL, *refusing = NULL;
        _cleanup_free_ char *log = NULL;
        unsigned long long start;
        unsigned fds = count_fds();
        int fd;

        capture_begin(f->bridge.dir);
        /* No socket at all: it opens all the same (the bridge may start later). */
        assert_true(asprintf(&missing, "%s/nobody.sock", f->bridge.dir) > 0);
        assert_int_equal(eg_background_external_open(f->event, missing, &b), 0);
        eg_background_free(f->background);
        f->background = b;
        start = now_ms();
        assert_int_equal(check_query(f, &traveller), EG_BACKGROUND_UNAVAILABLE);
        assert_true(now_ms() - start < 500); /* at once, not at a deadline */

        /* A socket nobody listens on. */
        assert_true(asprintf(&refusing, "%s/refusing.sock", f->bridge.dir) > 0);
        fd = unix_socket_bind(refusing, false);
        assert_true(fd >= 0);
        assert_int_equal(eg_background_external_open(f->event, refusing, &b), 0);
        eg_background_free(f->background);
        f->background = b;
        assert_int_equal(check_query(f, &traveller), EG_BACKGROUND_UNAVAILABLE);
        close(fd);
        log = capture_end(f->bridge.dir);
        assert_non_null(strstr(log, "nobody.sock: cannot connect"));
        assert_non_null(strstr(log, "refusing.sock: cannot connect"));
        assert_no_personal_data(log);
        assert_int_equal(count_fds(), fds);
}

static void test_never_answers_cancel(void **state) {
        struct fixture *f = *state;
        struct answer a = {};
        unsigned fds = count_fds();
        uint64_t id;

        assert_int_equal(bridge_start(&f->bridge, ACT_SILENT, NULL, 1), 0);
        assert_int_equal(eg_background_check(f->background, &traveller, on_verdict, &a, &id), 0);
        run_for(f->event, 100); /* connected, the question sent */
        assert_int_equal(a.calls, 0);
        a.inside = true;
        eg_background_cancel(f->background, id);
        eg_background_cancel(f->background, id); /* twice: still one answer */
        eg_background_cancel(f->background, id + 1000); /* unknown: ignored */
        a.inside = false;
        assert_int_equal(a.calls, 0);
        assert_true(run_until(f->event, &a.calls, 2000));
        run_for(f->event, 100);
        assert_int_equal(a.calls, 1);
        assert_false(a.called_inside);
        assert_int_equal(a.verdict, EG_BACKGROUND_UNAVAILABLE);
        bridge_join_expect(&f->bridge, -1, 1, fds);
}

/* As the pipeline does: its timer (background-timeout-ms) cancels the check. */
struct deadline {
        struct eg_background *background;
        uint64_t request;
};

static int on_deadline(sd_event_source *s, uint64_t usec, void *userdata) {
        struct deadline *d = userdata;

        eg_background_cancel(d->background, d->request);
        return 0;
}

static void test_late_answer(void **state) {
        struct fixture *f = *state;
        _cleanup_(sd_event_source_unrefp) sd_event_source *timer = NULL;
        struct deadline d = { .background = f->background };
        struct answer a = {};
        unsigned long long start;
        unsigned fds = count_fds();

        /* The bridge finds a hit, but only after the deadline: egated has hung up by then,
         * and the one callback was "unavailable" (what the pipeline decides at its
         * deadline anyway). */
        assert_int_equal(bridge_run(&f->bridge, (struct bridge_script){ .act = ACT_REPLY,
                                                                        .reply = WATCHLIST_HIT,
                                                                        .delay_ms = 400,
                                                                        .connections = 1 }),
                         0);
        start = now_ms();
        assert_int_equal(eg_background_check(f->background, &traveller, on_verdict, &a, &d.request),
                         0);
        assert_int_equal(sd_event_add_time_relative(f->event, &timer, CLOCK_MONOTONIC, 150 * 1000,
                                                    0, on_deadline, &d),
                         0);
        assert_true(run_until(f->event, &a.calls, 5000));
        assert_int_equal(a.verdict, EG_BACKGROUND_UNAVAILABLE);
        assert_true(now_ms() - start >= 150);
        run_for(f->event, 600); /* the late hit comes to nothing */
        assert_int_equal(a.calls, 1);
        bridge_join_expect(&f->bridge, -1, 1, fds);
}

static void test_cancel_after_answer(void **state) {
        struct fixture *f = *state;
        struct answer a = {};
        uint64_t id;
        int fd;

        /* The descriptor the check's socket gets: the lowest free one. */
        fd = next_fd();

        assert_int_equal(bridge_start(&f->bridge, ACT_REPLY, WATCHLIST_HIT, 1), 0);
        assert_int_equal(eg_background_check(f->background, &traveller, on_verdict, &a, &id), 0);
        assert_true(fcntl(fd, F_GETFD) >= 0);
        /* One loop iteration at a time, until egated has read the hit and hung up: the
         * verdict is then on its way, not yet delivered. */
        assert_true(run_until_closed(f->event, fd, 5000));
        assert_int_equal(a.calls, 0);
        /* A cancel now does not turn the hit into "unavailable". */
        eg_background_cancel(f->background, id);
        assert_true(run_until(f->event, &a.calls, 2000));
        run_for(f->event, 50);
        assert_int_equal(a.calls, 1);
        assert_int_equal(a.verdict, EG_BACKGROUND_WATCHLIST_HIT);
        bridge_join(&f->bridge);
}

static void test_closes_mid_line(void **state) {
        struct fixture *f = *state;

        assert_int_equal(checked_by(f, ACT_REPLY_CLOSE, "{\"result\":\"cle"),
                         EG_BACKGROUND_UNAVAILABLE);
        assert_int_equal(checked_by(f, ACT_REPLY_CLOSE, "{\"result\":\"watchlist-"),
                         EG_BACKGROUND_UNAVAILABLE);
        assert_int_equal(checked_by(f, ACT_REPLY_CLOSE, NULL), EG_BACKGROUND_UNAVAILABLE);
        /* A whole clear without its newline is not a whole line (only a hit counts so). */
        assert_int_equal(checked_by(f, ACT_REPLY_CLOSE, "{\"result\":\"clear\"}"),
                         EG_BACKGROUND_UNAVAILABLE);
        /* A whole line followed by a close is fine. */
        assert_int_equal(checked_by(f, ACT_REPLY_CLOSE, CLEAR), EG_BACKGROUND_CLEAR);
}

static void test_garbage(void **state) {
        struct fixture *f = *state;
        static const char *const bad[] = {
                "this is not JSON\n",
                "M12345678\n", /* an echo of the question's number: not logged either */
                "{\"result\":\"clear\"\n",
                "\n",
                "\r\n",
                "[\"clear\"]\n",
                "\"clear\"\n",
                "{\"result\":\"clear\"} {\"x\":1}\n",
                "{\"result\":\"clear\",}\n", /* strict JSON */
                "{'result':'clear'}\n",
        };
        _cleanup_free_ char *log = NULL;

        capture_begin(f->bridge.dir);
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                if (checked_by(f, ACT_REPLY, bad[i]) != EG_BACKGROUND_UNAVAILABLE)
                        fail_msg("accepted: %s", bad[i]);
        /* A NUL byte inside the line. */
        assert_int_equal(checked_by_raw(f,
                                        (struct bridge_script){
                                                .act = ACT_REPLY,
                                                .reply = "{\"result\":\"clear\"\0}\n",
                                                .reply_len = 20,
                                        }),
                         EG_BACKGROUND_UNAVAILABLE);
        log = capture_end(f->bridge.dir);
        assert_non_null(strstr(log, "not valid JSON at byte"));
        assert_non_null(strstr(log, "a NUL byte"));
        assert_non_null(strstr(log, "the check is unavailable"));
        assert_no_personal_data(log);
}

static void test_unknown_result(void **state) {
        struct fixture *f = *state;
        static const char *const bad[] = {
                "{\"result\":\"maybe\"}\n",
                "{\"result\":\"CLEAR\"}\n",
                "{\"result\":\"not-supported\"}\n",
                "{\"result\":\"hit\"}\n",
                "{\"result\":1}\n",
                "{\"result\":null}\n",
                "{}\n",
                "{\"verdict\":\"clear\"}\n",
        };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                if (checked_by(f, ACT_REPLY, bad[i]) != EG_BACKGROUND_UNAVAILABLE)
                        fail_msg("accepted: %s", bad[i]);
}

static void test_unknown_field(void **state) {
        struct fixture *f = *state;
        static const char *const bad[] = {
                "{\"result\":\"clear\",\"extra\":1}\n",
                "{\"version\":1,\"result\":\"clear\"}\n",
                "{\"result\":\"clear\",\"message\":\"all fine\"}\n",
                "{\"result\":\"clear\",\"Result\":\"watchlist-hit\"}\n",
                "{\"result\":\"unavailable\",\"retry\":true}\n",
        };
        _cleanup_free_ char *log = NULL;

        /* A misspelt or unexpected key must not turn into "clear". */
        capture_begin(f->bridge.dir);
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                if (checked_by(f, ACT_REPLY, bad[i]) != EG_BACKGROUND_UNAVAILABLE)
                        fail_msg("accepted: %s", bad[i]);
        log = capture_end(f->bridge.dir);
        assert_non_null(strstr(log, "unknown field in a \"clear\" answer"));
        assert_non_null(strstr(log, "unknown field in a \"unavailable\" answer"));
        assert_null(strstr(log, "extra"));
        assert_null(strstr(log, "all fine"));
}

static void test_over_long_line(void **state) {
        struct fixture *f = *state;
        _cleanup_free_ char *log = NULL, *exact = NULL, *over = NULL;
        size_t n = EG_BACKGROUND_EXTERNAL_LINE_MAX;

        capture_begin(f->bridge.dir);
        assert_int_equal(checked_by(f, ACT_FLOOD, NULL), EG_BACKGROUND_UNAVAILABLE);
        log = capture_end(f->bridge.dir);
        assert_non_null(strstr(log, "the answer is longer than 4096 bytes"));
        /* egated stopped at its limit rather than reading whatever came. */
        assert_true(f->bridge.flooded >= EG_BACKGROUND_EXTERNAL_LINE_MAX);
        assert_true(f->bridge.flooded < (4u << 20));

        /* The limit exactly: a line of 4096 bytes and its newline is read; 4097 is not. */
        exact = padded_line(CLEAR, n);
        over = padded_line(CLEAR, n + 1);
        assert_int_equal(checked_by(f, ACT_REPLY, exact), EG_BACKGROUND_CLEAR);
        assert_int_equal(checked_by(f, ACT_REPLY, over), EG_BACKGROUND_UNAVAILABLE);
}

static void test_free_with_pending(void **state) {
        struct fixture *f = *state;
        struct answer a = {}, b = {};
        unsigned fds = count_fds();
        uint64_t id;

        assert_int_equal(bridge_start(&f->bridge, ACT_SILENT, NULL, 1), 0);
        assert_int_equal(eg_background_check(f->background, &traveller, on_verdict, &a, NULL), 0);
        run_for(f->event, 100); /* connected, the question sent */
        /* A second one, cancelled: its "unavailable" is scheduled but not delivered.  (Its
         * connection waits in the listener's backlog: the bridge serves one.) */
        assert_int_equal(eg_background_check(f->background, &traveller, on_verdict, &b, &id), 0);
        eg_background_cancel(f->background, id);
        eg_background_free(TAKE_PTR(f->background));
        run_for(f->event, 300);
        assert_int_equal(a.calls + b.calls, 0);
        bridge_join_expect(&f->bridge, -1, 1, fds);
}

static void test_one_connection_per_question(void **state) {
        struct fixture *f = *state;
        struct answer a = {}, b = {};
        unsigned fds = count_fds();

        assert_int_equal(bridge_start(&f->bridge, ACT_REPLY, LOST_STOLEN, 2), 0);
        assert_int_equal(eg_background_check(f->background, &traveller, on_verdict, &a, NULL), 0);
        assert_int_equal(eg_background_check(f->background,
                                             &(struct eg_background_query){
                                                     .issuing_state = "USA",
                                                     .document_number = "X1",
                                                     .nationality = "USA",
                                             },
                                             on_verdict, &b, NULL),
                         0);
        assert_true(run_until(f->event, &a.calls, 15000));
        assert_true(run_until(f->event, &b.calls, 15000));
        assert_int_equal(a.verdict, EG_BACKGROUND_LOST_STOLEN);
        assert_int_equal(b.verdict, EG_BACKGROUND_LOST_STOLEN);
        bridge_join_expect(&f->bridge, 2, 2, fds);
        assert_non_null(strstr(f->bridge.conn[0].question, "\"document_number\":\"M12345678\""));
        assert_non_null(strstr(f->bridge.conn[1].question, "\"document_number\":\"X1\""));
}

static void test_refusals(void **state) {
        struct fixture *f = *state;
        struct eg_background *b = NULL;
        uint64_t id;
        static const struct eg_background_query bad[] = {
                { .issuing_state = "<<<", .document_number = "M1" },
                { .issuing_state = "kor", .document_number = "M1" },
                { .issuing_state = "KORE", .document_number = "M1" },
                { .issuing_state = NULL, .document_number = "M1" },
                { .issuing_state = "KOR", .document_number = "m1" },
                { .issuing_state = "KOR", .document_number = "" },
                { .issuing_state = "KOR", .document_number = NULL },
                { .issuing_state = "KOR", .document_number = "<M1" },
                { .issuing_state = "KOR", .document_number = "M1\"}" },
                { .issuing_state = "KOR", .document_number = "ABCDEFGHIJKLMNOPQRSTUVW" },
                { .issuing_state = "KOR", .document_number = "M1", .nationality = "K0R" },
                { .issuing_state = "KOR",
                  .document_number = "M1",
                  .birth_year = 1980,
                  .birth_month = 2,
                  .birth_day = 30 },
                { .issuing_state = "KOR", .document_number = "M1", .birth_year = 1980 },
        };

        assert_int_equal(eg_background_external_open(f->event, "background.sock", &b), -EINVAL);
        assert_int_equal(eg_background_external_open(f->event, "", &b), -EINVAL);
        assert_int_equal(eg_background_external_open(f->event, NULL, &b), -EINVAL);
        assert_int_equal(eg_background_external_open(NULL, f->bridge.path, &b), -EINVAL);
        assert_false(eg_background_external_socket_path_is_valid(long_socket_path(false)));
        assert_int_equal(eg_background_external_open(f->event, long_socket_path(false), &b),
                         -EINVAL);
        assert_true(eg_background_external_socket_path_is_valid(long_socket_path(true)));
        assert_null(b);
        assert_string_equal(f->background->ops->name, "external");

        /* Bad questions never reach the bridge, and no callback follows. */
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                if (eg_background_check(f->background, &bad[i], (eg_background_done_fn) abort, NULL,
                                        &id) != -EINVAL)
                        fail_msg("accepted query %zu", i);
        run_for(f->event, 50);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
                cmocka_unit_test_setup_teardown(test_clear, setup, teardown),
                cmocka_unit_test_setup_teardown(test_question_lines, setup, teardown),
                cmocka_unit_test_setup_teardown(test_hits, setup, teardown),
                cmocka_unit_test_setup_teardown(test_hit_then_junk, setup, teardown),
                cmocka_unit_test_setup_teardown(test_hit_irregular, setup, teardown),
                cmocka_unit_test_setup_teardown(test_repeated_result, setup, teardown),
                cmocka_unit_test_setup_teardown(test_unavailable, setup, teardown),
                cmocka_unit_test_setup_teardown(test_no_bridge, setup, teardown),
                cmocka_unit_test_setup_teardown(test_never_answers_cancel, setup, teardown),
                cmocka_unit_test_setup_teardown(test_late_answer, setup, teardown),
                cmocka_unit_test_setup_teardown(test_cancel_after_answer, setup, teardown),
                cmocka_unit_test_setup_teardown(test_closes_mid_line, setup, teardown),
                cmocka_unit_test_setup_teardown(test_garbage, setup, teardown),
                cmocka_unit_test_setup_teardown(test_unknown_result, setup, teardown),
                cmocka_unit_test_setup_teardown(test_unknown_field, setup, teardown),
                cmocka_unit_test_setup_teardown(test_over_long_line, setup, teardown),
                cmocka_unit_test_setup_teardown(test_free_with_pending, setup, teardown),
                cmocka_unit_test_setup_teardown(test_one_connection_per_question, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
