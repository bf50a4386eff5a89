/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Logging for egated.  Under systemd (JOURNAL_STREAM names our stderr) the
 * messages go to the journal with structured fields (EGATE_OBJECT_KIND,
 * EGATE_OBJECT, ERRNO, ...); otherwise to stderr as readable lines prefixed
 * with the object:  "egated: device mock-entry-door: open timed out".
 *
 * Personal data (document numbers, names, MRZ lines, images, templates)
 * only ever goes through log_personal(), which drops the message unless
 * --log-personal-data was given.
 */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <sys/uio.h>
#include <syslog.h>

#include "macro.h"

enum eg_log_object {
        EG_LOG_OBJECT_NONE = 0,
        EG_LOG_OBJECT_DAEMON,
        EG_LOG_OBJECT_CONFIG,
        EG_LOG_OBJECT_PLUGIN,
        EG_LOG_OBJECT_DEVICE,
        EG_LOG_OBJECT_LANE,
        EG_LOG_OBJECT_BUS,
};

enum eg_log_target {
        EG_LOG_TARGET_AUTO = 0, /* journal if JOURNAL_STREAM matches stderr, else stderr */
        EG_LOG_TARGET_STDERR,
        EG_LOG_TARGET_JOURNAL,
};

/* AUTO is resolved here (or at the first message if log_setup() is never called).
 * JOURNAL without a running journald (no /run/systemd/journal/socket) means stderr. */
void log_setup(enum eg_log_target target);
enum eg_log_target log_get_target(void); /* never AUTO */
/* Tests only: send journal messages through `sendv` instead of sd_journal_sendv() (NULL
 * restores it).  While one is set, JOURNAL is used even without a journald socket. */
typedef int (*eg_log_journal_sendv_t)(const struct iovec *iov, int n);
void log_set_journal_sendv(eg_log_journal_sendv_t sendv);

void log_set_max_level(int level);
int log_get_max_level(void);
void log_set_personal_data(bool enabled);
bool log_personal_data_enabled(void);

/* "err", "warning", "notice", "info", "debug" (and syslog aliases); -EINVAL if unknown. */
int log_level_from_string(const char *s);
const char *log_level_to_string(int level);
/* "daemon", "config", "plugin", "device", "lane", "bus"; NULL for NONE. */
const char *log_object_kind_to_string(enum eg_log_object kind);

/*
 * Returns -abs(error) (or 0 when error is 0) so callers can `return log_..._errno(r, ...)`.
 * errno is set to abs(error) while formatting, so "%m" names the error; when the format has
 * no "%m", ": <strerror>" is appended instead.  errno is preserved across the call.
 */
int log_internal(int level, int error, enum eg_log_object kind, const char *object, bool personal,
                 const char *file, int line, const char *func, const char *format, ...)
        _printf_(9, 10);
int log_internalv(int level, int error, enum eg_log_object kind, const char *object, bool personal,
                  const char *file, int line, const char *func, const char *format, va_list ap)
        _printf_(9, 0);

#define log_full_errno(level, error, ...)                                                          \
        log_internal(level, error, EG_LOG_OBJECT_NONE, NULL, false, __FILE__, __LINE__, __func__,  \
                     __VA_ARGS__)
#define log_debug(...) log_full_errno(LOG_DEBUG, 0, __VA_ARGS__)
#define log_info(...) log_full_errno(LOG_INFO, 0, __VA_ARGS__)
#define log_notice(...) log_full_errno(LOG_NOTICE, 0, __VA_ARGS__)
#define log_warning(...) log_full_errno(LOG_WARNING, 0, __VA_ARGS__)
#define log_error(...) log_full_errno(LOG_ERR, 0, __VA_ARGS__)
#define log_debug_errno(e, ...) log_full_errno(LOG_DEBUG, e, __VA_ARGS__)
#define log_warning_errno(e, ...) log_full_errno(LOG_WARNING, e, __VA_ARGS__)
#define log_error_errno(e, ...) log_full_errno(LOG_ERR, e, __VA_ARGS__)
#define log_oom() log_error_errno(ENOMEM, "Out of memory.")

/* Object-prefixed logging: kind is EG_LOG_OBJECT_*, object its name. */
#define log_object(level, error, kind, object, ...)                                                \
        log_internal(level, error, kind, object, false, __FILE__, __LINE__, __func__, __VA_ARGS__)
#define log_plugin(level, error, name, ...)                                                        \
        log_object(level, error, EG_LOG_OBJECT_PLUGIN, name, __VA_ARGS__)
#define log_device(level, error, id, ...)                                                          \
        log_object(level, error, EG_LOG_OBJECT_DEVICE, id, __VA_ARGS__)
#define log_lane(level, error, name, ...)                                                          \
        log_object(level, error, EG_LOG_OBJECT_LANE, name, __VA_ARGS__)

/* The whole message is personal data: dropped unless --log-personal-data. */
#define log_personal(level, kind, object, ...)                                                     \
        log_internal(level, 0, kind, object, true, __FILE__, __LINE__, __func__, __VA_ARGS__)
