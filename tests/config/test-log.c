/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* log.c: levels, the stderr line format, personal data, target selection, threads. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config-test-util.h"
#include "log.h"

static int setup(void **state) {
        unsetenv("JOURNAL_STREAM");
        log_setup(EG_LOG_TARGET_STDERR);
        log_set_max_level(LOG_INFO);
        log_set_personal_data(false);
        return 0;
}

static void test_level_names(void **state) {
        static const struct {
                const char *s;
                int level;
        } good[] = {
                { "emerg", LOG_EMERG },  { "alert", LOG_ALERT },     { "crit", LOG_CRIT },
                { "err", LOG_ERR },      { "warning", LOG_WARNING }, { "notice", LOG_NOTICE },
                { "info", LOG_INFO },    { "debug", LOG_DEBUG },     { "error", LOG_ERR },
                { "warn", LOG_WARNING }, { "critical", LOG_CRIT },   { "emergency", LOG_EMERG },
                { "panic", LOG_EMERG },  { "DEBUG", LOG_DEBUG },     { "Info", LOG_INFO },
                { "0", LOG_EMERG },      { "7", LOG_DEBUG },         { "4", LOG_WARNING },
        };
        static const char *const bad[] = { "",    "8",      "-1",    "07",      "10",
                                           "inf", "debug ", " info", "verbose", "3x" };

        for (size_t i = 0; i < ELEMENTSOF(good); i++)
                assert_int_equal(log_level_from_string(good[i].s), good[i].level);
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                assert_int_equal(log_level_from_string(bad[i]), -EINVAL);
        assert_int_equal(log_level_from_string(NULL), -EINVAL);

        /* Every level has a name that parses back to it. */
        for (int level = LOG_EMERG; level <= LOG_DEBUG; level++)
                assert_int_equal(log_level_from_string(log_level_to_string(level)), level);
        assert_string_equal(log_level_to_string(LOG_ERR), "err");
        assert_string_equal(log_level_to_string(LOG_WARNING), "warning");
        assert_null(log_level_to_string(-1));
        assert_null(log_level_to_string(8));
}

static void test_object_kind_names(void **state) {
        assert_null(log_object_kind_to_string(EG_LOG_OBJECT_NONE));
        assert_string_equal(log_object_kind_to_string(EG_LOG_OBJECT_DAEMON), "daemon");
        assert_string_equal(log_object_kind_to_string(EG_LOG_OBJECT_CONFIG), "config");
        assert_string_equal(log_object_kind_to_string(EG_LOG_OBJECT_PLUGIN), "plugin");
        assert_string_equal(log_object_kind_to_string(EG_LOG_OBJECT_DEVICE), "device");
        assert_string_equal(log_object_kind_to_string(EG_LOG_OBJECT_LANE), "lane");
        assert_string_equal(log_object_kind_to_string(EG_LOG_OBJECT_BUS), "bus");
        assert_null(log_object_kind_to_string((enum eg_log_object) 99));
}

static void test_max_level(void **state) {
        char *out;

        assert_int_equal(log_get_max_level(), LOG_INFO);

        test_stderr_begin();
        log_debug("hidden %d", 1);
        log_info("shown %d", 2);
        log_set_max_level(LOG_WARNING);
        log_notice("hidden %d", 3);
        log_warning("shown %d", 4);
        log_set_max_level(LOG_DEBUG);
        log_debug("shown %d", 5);
        out = test_stderr_end();
        assert_string_equal(out, "egated: shown 2\negated: shown 4\negated: shown 5\n");
        free(out);

        /* Out-of-range levels are clamped. */
        log_set_max_level(99);
        assert_int_equal(log_get_max_level(), LOG_DEBUG);
        log_set_max_level(-3);
        assert_int_equal(log_get_max_level(), LOG_EMERG);
}

static void test_line_format(void **state) {
        char *out;
        int r;

        test_stderr_begin();
        r = log_device(LOG_ERR, ETIMEDOUT, "door1", "Open failed after %d ms", 500);
        assert_int_equal(r, -ETIMEDOUT);
        r = log_device(LOG_ERR, -ETIMEDOUT, "door1", "Same with a negative error");
        assert_int_equal(r, -ETIMEDOUT);
        r = log_error_errno(EIO, "Read failed: %m");
        assert_int_equal(r, -EIO);
        r = log_object(LOG_INFO, 0, EG_LOG_OBJECT_CONFIG, NULL, "kind without object");
        assert_int_equal(r, 0);
        log_plugin(LOG_WARNING, 0, "mock", "plugin message");
        log_lane(LOG_NOTICE, 0, "A", "lane message");
        log_object(LOG_INFO, 0, EG_LOG_OBJECT_BUS, "org.egate.EGate1", "bus message");
        log_object(LOG_INFO, 0, EG_LOG_OBJECT_DAEMON, NULL, "daemon message");
        log_info("two\nlines\tand a tab");
        out = test_stderr_end();

        assert_string_equal(out,
                            "egated: device door1: Open failed after 500 ms: Connection timed out\n"
                            "egated: device door1: Same with a negative error: "
                            "Connection timed out\n"
                            "egated: Read failed: Input/output error\n"
                            "egated: config: kind without object\n"
                            "egated: plugin mock: plugin message\n"
                            "egated: lane A: lane message\n"
                            "egated: bus org.egate.EGate1: bus message\n"
                            "egated: daemon: daemon message\n"
                            "egated: two lines and a tab\n");
        free(out);
}

static void test_errno_and_return_values(void **state) {
        char *out;

        test_stderr_begin();
        /* Filtered messages still return the error. */
        errno = 42;
        assert_int_equal(log_debug_errno(EPERM, "hidden"), -EPERM);
        assert_int_equal(errno, 42);
        assert_int_equal(log_warning_errno(ENOENT, "shown"), -ENOENT);
        assert_int_equal(errno, 42); /* logging never clobbers errno */
        assert_int_equal(log_info("no error"), 0);
        assert_int_equal(log_oom(), -ENOMEM);
        out = test_stderr_end();
        assert_string_equal(out, "egated: shown: No such file or directory\n"
                                 "egated: no error\n"
                                 "egated: Out of memory.: Cannot allocate memory\n");
        free(out);
}

static void test_long_message_is_one_line(void **state) {
        char *big = malloc(10000), *out;

        assert_non_null(big);
        memset(big, 'x', 9999);
        big[9999] = '\0';

        test_stderr_begin();
        log_info("%s", big);
        log_info("after");
        out = test_stderr_end();

        char *nl = strchr(out, '\n');
        assert_non_null(nl);
        assert_true(nl - out < 2100);
        assert_string_equal(nl + 1, "egated: after\n");
        free(out);
        free(big);
}

static void test_personal_data(void **state) {
        static const char mrz[] = "P<KORHONG<<GILDONG<<<<<<<<<<<<<<<<<<<<<<<<<<";
        char *out;

        assert_false(log_personal_data_enabled());

        test_stderr_begin();
        log_personal(LOG_INFO, EG_LOG_OBJECT_LANE, "A", "MRZ line 1: %s", mrz);
        log_lane(LOG_INFO, 0, "A", "document read");
        out = test_stderr_end();
        assert_null(strstr(out, mrz));
        assert_null(strstr(out, "MRZ"));
        assert_string_equal(out, "egated: lane A: document read\n");
        free(out);

        /* Even at the most verbose level. */
        log_set_max_level(LOG_DEBUG);
        test_stderr_begin();
        log_personal(LOG_ERR, EG_LOG_OBJECT_NONE, NULL, "%s", mrz);
        out = test_stderr_end();
        assert_string_equal(out, "");
        free(out);

        log_set_personal_data(true);
        assert_true(log_personal_data_enabled());
        test_stderr_begin();
        log_personal(LOG_INFO, EG_LOG_OBJECT_LANE, "A", "MRZ line 1: %s", mrz);
        out = test_stderr_end();
        assert_string_equal(out, "egated: lane A: MRZ line 1: "
                                 "P<KORHONG<<GILDONG<<<<<<<<<<<<<<<<<<<<<<<<<<\n");
        free(out);

        /* The level filter applies to personal data too. */
        log_set_max_level(LOG_INFO);
        test_stderr_begin();
        log_personal(LOG_DEBUG, EG_LOG_OBJECT_LANE, "A", "%s", mrz);
        out = test_stderr_end();
        assert_string_equal(out, "");
        free(out);

        log_set_personal_data(false);
        test_stderr_begin();
        log_personal(LOG_INFO, EG_LOG_OBJECT_LANE, "A", "%s", mrz);
        out = test_stderr_end();
        assert_string_equal(out, "");
        free(out);
}

static void test_target_selection(void **state) {
        char value[64];
        struct stat st;

        unsetenv("JOURNAL_STREAM");
        log_setup(EG_LOG_TARGET_AUTO);
        assert_int_equal(log_get_target(), EG_LOG_TARGET_STDERR);

        /* What systemd sets when stderr is connected to the journal. */
        assert_int_equal(fstat(STDERR_FILENO, &st), 0);
        snprintf(value, sizeof(value), "%llu:%llu", (unsigned long long) st.st_dev,
                 (unsigned long long) st.st_ino);
        setenv("JOURNAL_STREAM", value, 1);
        log_setup(EG_LOG_TARGET_AUTO);
        assert_int_equal(log_get_target(), EG_LOG_TARGET_JOURNAL);

        /* Inherited from a parent whose stderr went to the journal, but ours does not. */
        snprintf(value, sizeof(value), "%llu:%llu", (unsigned long long) st.st_dev,
                 (unsigned long long) st.st_ino + 1);
        setenv("JOURNAL_STREAM", value, 1);
        log_setup(EG_LOG_TARGET_AUTO);
        assert_int_equal(log_get_target(), EG_LOG_TARGET_STDERR);

        static const char *const garbage[] = { "",
                                               ":",
                                               "1",
                                               "1:",
                                               ":1",
                                               "a:b",
                                               "1:2x",
                                               " 1:2",
                                               "-1:2",
                                               "1:2:3",
                                               "99999999999999999999999:1" };
        for (size_t i = 0; i < ELEMENTSOF(garbage); i++) {
                setenv("JOURNAL_STREAM", garbage[i], 1);
                log_setup(EG_LOG_TARGET_AUTO);
                assert_int_equal(log_get_target(), EG_LOG_TARGET_STDERR);
        }

        /* Explicit choices are taken as they are, if there is a journal to send to. */
        log_setup(EG_LOG_TARGET_JOURNAL);
        assert_int_equal(log_get_target(), access("/run/systemd/journal/socket", F_OK) >= 0
                                                   ? EG_LOG_TARGET_JOURNAL
                                                   : EG_LOG_TARGET_STDERR);
        log_setup(EG_LOG_TARGET_STDERR);
        assert_int_equal(log_get_target(), EG_LOG_TARGET_STDERR);
        unsetenv("JOURNAL_STREAM");
}

static void test_journal_fallback(void **state) {
        char *out;

        /* With no journald to talk to, messages must still come out on stderr. */
        if (access("/run/systemd/journal/socket", F_OK) >= 0)
                skip();

        log_setup(EG_LOG_TARGET_JOURNAL);
        assert_int_equal(log_get_target(), EG_LOG_TARGET_STDERR);
        test_stderr_begin();
        log_device(LOG_ERR, EIO, "cam1", "capture failed");
        out = test_stderr_end();
        log_setup(EG_LOG_TARGET_STDERR);
        assert_string_equal(out, "egated: device cam1: capture failed: Input/output error\n");
        free(out);
}

/* What the last journal message consisted of, as the fake sd_journal_sendv() saw it. */
static char journal_fields[16][512];
static int journal_n, journal_result;

static int fake_journal_sendv(const struct iovec *iov, int n) {
        assert_in_range(n, 1, ELEMENTSOF(journal_fields));
        for (int i = 0; i < n; i++) {
                size_t len = iov[i].iov_len < 511 ? iov[i].iov_len : 511;

                memcpy(journal_fields[i], iov[i].iov_base, len);
                journal_fields[i][len] = '\0';
        }
        journal_n = n;
        return journal_result;
}

static const char *journal_field(const char *name) {
        size_t len = strlen(name);

        for (int i = 0; i < journal_n; i++)
                if (strncmp(journal_fields[i], name, len) == 0 && journal_fields[i][len] == '=')
                        return journal_fields[i] + len + 1;
        return NULL;
}

static void test_journal_fields(void **state) {
        char *out, expected_line[16];
        const char *file;
        int line;

        log_set_journal_sendv(fake_journal_sendv);
        log_setup(EG_LOG_TARGET_JOURNAL);
        assert_int_equal(log_get_target(), EG_LOG_TARGET_JOURNAL);
        journal_result = 0;

        test_stderr_begin();
        line = __LINE__ + 1;
        log_device(LOG_ERR, EIO, "cam1", "capture failed after %d tries", 3);
        assert_int_equal(journal_n, 9);
        assert_string_equal(journal_field("MESSAGE"),
                            "device cam1: capture failed after 3 tries: Input/output error");
        assert_string_equal(journal_field("PRIORITY"), "3");
        assert_string_equal(journal_field("SYSLOG_IDENTIFIER"), "egated");
        file = journal_field("CODE_FILE");
        assert_non_null(file);
        assert_non_null(strstr(file, "test-log.c"));
        snprintf(expected_line, sizeof(expected_line), "%d", line);
        assert_string_equal(journal_field("CODE_LINE"), expected_line);
        assert_string_equal(journal_field("CODE_FUNC"), "test_journal_fields");
        assert_string_equal(journal_field("ERRNO"), "5");
        assert_string_equal(journal_field("EGATE_OBJECT_KIND"), "device");
        assert_string_equal(journal_field("EGATE_OBJECT"), "cam1");
        assert_null(journal_field("EGATE_PERSONAL_DATA"));

        /* Only the fields that apply; newlines are fine in the journal. */
        log_info("plain\nmessage");
        assert_int_equal(journal_n, 6);
        assert_string_equal(journal_field("MESSAGE"), "plain\nmessage");
        assert_string_equal(journal_field("PRIORITY"), "6");
        assert_null(journal_field("ERRNO"));
        assert_null(journal_field("EGATE_OBJECT_KIND"));
        assert_null(journal_field("EGATE_OBJECT"));

        /* Personal data: dropped unless enabled, and marked when it is sent. */
        journal_n = 0;
        log_personal(LOG_INFO, EG_LOG_OBJECT_LANE, "A", "MRZ %s", "P<KORHONG<<GILDONG");
        assert_int_equal(journal_n, 0);
        log_set_personal_data(true);
        log_personal(LOG_INFO, EG_LOG_OBJECT_LANE, "A", "MRZ %s", "P<KORHONG<<GILDONG");
        log_set_personal_data(false);
        assert_string_equal(journal_field("MESSAGE"), "lane A: MRZ P<KORHONG<<GILDONG");
        assert_string_equal(journal_field("EGATE_PERSONAL_DATA"), "1");
        assert_string_equal(journal_field("EGATE_OBJECT_KIND"), "lane");

        /* A journal that refuses the message: it goes to stderr instead. */
        journal_result = -ECONNREFUSED;
        log_lane(LOG_WARNING, 0, "A", "journal refused this");
        out = test_stderr_end();
        assert_string_equal(out, "egated: lane A: journal refused this\n");
        free(out);

        log_set_journal_sendv(NULL);
        log_setup(EG_LOG_TARGET_STDERR);
}

#define THREADS 8
#define LINES_PER_THREAD 500

static void *log_thread(void *userdata) {
        char name[16];

        snprintf(name, sizeof(name), "t%d", (int) (intptr_t) userdata);
        for (int i = 0; i < LINES_PER_THREAD; i++)
                log_lane(LOG_INFO, 0, name, "message %d %s", i,
                         "padding-padding-padding-padding-padding-padding-padding-padding");
        return NULL;
}

static void test_threads(void **state) {
        pthread_t threads[THREADS];
        int counts[THREADS] = {};
        char *out, *line, *save = NULL;
        size_t lines = 0;

        test_stderr_begin();
        for (int i = 0; i < THREADS; i++)
                assert_int_equal(
                        pthread_create(&threads[i], NULL, log_thread, (void *) (intptr_t) i), 0);
        for (int i = 0; i < THREADS; i++)
                assert_int_equal(pthread_join(threads[i], NULL), 0);
        out = test_stderr_end();

        /* Every line whole, none lost, each thread's in order. */
        for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                int t, i, consumed = 0;

                assert_int_equal(
                        sscanf(line, "egated: lane t%d: message %d %*s%n", &t, &i, &consumed), 2);
                assert_int_equal((size_t) consumed, strlen(line));
                assert_in_range(t, 0, THREADS - 1);
                assert_int_equal(i, counts[t]);
                counts[t]++;
                lines++;
        }
        assert_int_equal(lines, THREADS * LINES_PER_THREAD);
        free(out);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup(test_level_names, setup),
                cmocka_unit_test_setup(test_object_kind_names, setup),
                cmocka_unit_test_setup(test_max_level, setup),
                cmocka_unit_test_setup(test_line_format, setup),
                cmocka_unit_test_setup(test_errno_and_return_values, setup),
                cmocka_unit_test_setup(test_long_message_is_one_line, setup),
                cmocka_unit_test_setup(test_personal_data, setup),
                cmocka_unit_test_setup(test_target_selection, setup),
                cmocka_unit_test_setup(test_journal_fallback, setup),
                cmocka_unit_test_setup(test_journal_fields, setup),
                cmocka_unit_test_setup(test_threads, setup),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
