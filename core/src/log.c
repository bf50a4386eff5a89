/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Logging for egated: the journal with structured fields under systemd, readable
 * one-line messages on stderr otherwise.  Plugins log from their own threads, so
 * the settings are atomics and every message leaves in a single write.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include "log.h"

/* Longest message kept; longer ones are truncated rather than split over lines. */
#define LOG_MESSAGE_MAX 2048

/* Both "MESSAGE=" (journal) and "egated: " (stderr) are 8 characters long, so one
 * buffer with room for either prefix serves both targets. */
#define LOG_PREFIX_LEN 8

#define LOG_JOURNAL_SOCKET "/run/systemd/journal/socket"

static atomic_int log_target = EG_LOG_TARGET_AUTO;
static atomic_int log_max_level = LOG_INFO;
static atomic_bool log_personal = false;
static _Atomic(eg_log_journal_sendv_t) log_journal_sendv; /* NULL: sd_journal_sendv() */

/* Serialises writes to stderr, so lines from different threads never interleave even
 * when a write() comes back short. */
static pthread_mutex_t log_stderr_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *const log_level_names[] = {
        [LOG_EMERG] = "emerg", [LOG_ALERT] = "alert",     [LOG_CRIT] = "crit",
        [LOG_ERR] = "err",     [LOG_WARNING] = "warning", [LOG_NOTICE] = "notice",
        [LOG_INFO] = "info",   [LOG_DEBUG] = "debug",
};

static const struct {
        const char *name;
        int level;
} log_level_aliases[] = {
        { "emergency", LOG_EMERG }, { "panic", LOG_EMERG },  { "critical", LOG_CRIT },
        { "error", LOG_ERR },       { "warn", LOG_WARNING },
};

static const char *const log_object_kind_names[] = {
        [EG_LOG_OBJECT_DAEMON] = "daemon", [EG_LOG_OBJECT_CONFIG] = "config",
        [EG_LOG_OBJECT_PLUGIN] = "plugin", [EG_LOG_OBJECT_DEVICE] = "device",
        [EG_LOG_OBJECT_LANE] = "lane",     [EG_LOG_OBJECT_BUS] = "bus",
};

int log_level_from_string(const char *s) {
        if (!s)
                return -EINVAL;

        for (size_t i = 0; i < ELEMENTSOF(log_level_names); i++)
                if (strcasecmp(s, log_level_names[i]) == 0)
                        return (int) i;
        for (size_t i = 0; i < ELEMENTSOF(log_level_aliases); i++)
                if (strcasecmp(s, log_level_aliases[i].name) == 0)
                        return log_level_aliases[i].level;

        /* The numeric syslog levels, as systemd accepts them. */
        if (s[0] >= '0' && s[0] <= '7' && s[1] == '\0')
                return s[0] - '0';

        return -EINVAL;
}

const char *log_level_to_string(int level) {
        if (level < 0 || (size_t) level >= ELEMENTSOF(log_level_names))
                return NULL;
        return log_level_names[level];
}

const char *log_object_kind_to_string(enum eg_log_object kind) {
        if ((size_t) kind >= ELEMENTSOF(log_object_kind_names))
                return NULL;
        return log_object_kind_names[kind];
}

void log_set_max_level(int level) {
        if (level < LOG_EMERG)
                level = LOG_EMERG;
        if (level > LOG_DEBUG)
                level = LOG_DEBUG;
        atomic_store(&log_max_level, level);
}

int log_get_max_level(void) {
        return atomic_load(&log_max_level);
}

void log_set_personal_data(bool enabled) {
        atomic_store(&log_personal, enabled);
}

bool log_personal_data_enabled(void) {
        return atomic_load(&log_personal);
}

static bool parse_decimal_ull(const char *s, const char **end, unsigned long long *ret) {
        char *e;

        /* strtoull() would also take whitespace and a sign: the variable is ours to trust
         * only if it has exactly the shape systemd writes. */
        if (*s < '0' || *s > '9')
                return false;
        errno = 0;
        *ret = strtoull(s, &e, 10);
        if (errno != 0)
                return false;
        *end = e;
        return true;
}

/* systemd sets JOURNAL_STREAM=<dev>:<ino> of the stream it connected to our stdout and
 * stderr; if stderr is still that stream, the journal is listening on the other end. */
static bool journal_stream_is_stderr(void) {
        const char *e = getenv("JOURNAL_STREAM"), *p;
        unsigned long long dev, ino;
        struct stat st;

        if (!e)
                return false;
        if (!parse_decimal_ull(e, &p, &dev) || *p != ':')
                return false;
        if (!parse_decimal_ull(p + 1, &p, &ino) || *p != '\0')
                return false;
        if (fstat(STDERR_FILENO, &st) < 0)
                return false;

        return (unsigned long long) st.st_dev == dev && (unsigned long long) st.st_ino == ino;
}

static enum eg_log_target log_target_resolve(enum eg_log_target target) {
        switch (target) {
        case EG_LOG_TARGET_AUTO:
                return journal_stream_is_stderr() ? EG_LOG_TARGET_JOURNAL : EG_LOG_TARGET_STDERR;
        case EG_LOG_TARGET_JOURNAL:
                /* sd_journal_sendv() reports success when there is no journald at all, so
                 * without its socket the messages would vanish: keep them on stderr. */
                if (!atomic_load(&log_journal_sendv) && access(LOG_JOURNAL_SOCKET, F_OK) < 0)
                        return EG_LOG_TARGET_STDERR;
                return target;
        default:
                return EG_LOG_TARGET_STDERR;
        }
}

void log_set_journal_sendv(eg_log_journal_sendv_t sendv) {
        atomic_store(&log_journal_sendv, sendv);
}

void log_setup(enum eg_log_target target) {
        int saved_errno = errno;

        atomic_store(&log_target, (int) log_target_resolve(target));
        errno = saved_errno;
}

enum eg_log_target log_get_target(void) {
        enum eg_log_target t = (enum eg_log_target) atomic_load(&log_target);

        if (t == EG_LOG_TARGET_AUTO) {
                /* Several threads may race here; they all store the same answer. */
                t = log_target_resolve(t);
                atomic_store(&log_target, (int) t);
        }
        return t;
}

/* `line` starts with LOG_PREFIX_LEN bytes of room and has one spare byte after its NUL. */
static void log_write_stderr(char *line, size_t len) {
        memcpy(line, "egated: ", LOG_PREFIX_LEN);

        /* One message, one line: a newline from a plugin or an object name must not be able
         * to forge a second, separate-looking message. */
        for (size_t i = LOG_PREFIX_LEN; i < len; i++)
                if ((unsigned char) line[i] < 0x20 || line[i] == 0x7f)
                        line[i] = ' ';
        line[len] = '\n';

        (void) pthread_mutex_lock(&log_stderr_lock);
        (void) loop_write(STDERR_FILENO, line, len + 1);
        (void) pthread_mutex_unlock(&log_stderr_lock);
}

/* The iovec of what snprintf() put into `buf`, truncated if it did not fit. */
static struct iovec iovec_of_snprintf(char *buf, size_t size, int k) {
        size_t len = k < 0 ? 0 : (size_t) k;

        return (struct iovec){ .iov_base = buf, .iov_len = len < size ? len : size - 1 };
}

static int log_write_journal(char *message, size_t len, int level, int error,
                             enum eg_log_object kind, const char *object, bool personal,
                             const char *file, int line, const char *func) {
        char priority[sizeof("PRIORITY=") + 12], code_line[sizeof("CODE_LINE=") + 12];
        char errno_field[sizeof("ERRNO=") + 12], code_file[512], code_func[256];
        char object_kind[64], object_name[320];
        eg_log_journal_sendv_t sendv = atomic_load(&log_journal_sendv);
        struct iovec iov[10];
        size_t n = 0;

        memcpy(message, "MESSAGE=", LOG_PREFIX_LEN);
        iov[n++] = (struct iovec){ .iov_base = message, .iov_len = len };

#define LOG_IOV_FIELD(buf, ...)                                                                    \
        (iov[n++] = iovec_of_snprintf(buf, sizeof(buf), snprintf(buf, sizeof(buf), __VA_ARGS__)))

        LOG_IOV_FIELD(priority, "PRIORITY=%i", level);
        iov[n++] = (struct iovec){ .iov_base = (char *) "SYSLOG_IDENTIFIER=egated",
                                   .iov_len = strlen("SYSLOG_IDENTIFIER=egated") };
        LOG_IOV_FIELD(code_file, "CODE_FILE=%s", strna(file));
        LOG_IOV_FIELD(code_line, "CODE_LINE=%i", line);
        LOG_IOV_FIELD(code_func, "CODE_FUNC=%s", strna(func));
        if (error != 0)
                LOG_IOV_FIELD(errno_field, "ERRNO=%i", error);
        if (log_object_kind_to_string(kind))
                LOG_IOV_FIELD(object_kind, "EGATE_OBJECT_KIND=%s", log_object_kind_to_string(kind));
        if (object)
                LOG_IOV_FIELD(object_name, "EGATE_OBJECT=%s", object);
        if (personal)
                iov[n++] = (struct iovec){ .iov_base = (char *) "EGATE_PERSONAL_DATA=1",
                                           .iov_len = strlen("EGATE_PERSONAL_DATA=1") };
#undef LOG_IOV_FIELD

        return (sendv ?: sd_journal_sendv)(iov, (int) n);
}

int log_internalv(int level, int error, enum eg_log_object kind, const char *object, bool personal,
                  const char *file, int line, const char *func, const char *format, va_list ap) {
        /* Room for the 8-byte prefix in front and a newline behind the NUL-terminated text. */
        char buf[LOG_PREFIX_LEN + LOG_MESSAGE_MAX + 1];
        char *text = buf + LOG_PREFIX_LEN;
        const char *kind_name = log_object_kind_to_string(kind);
        int saved_errno = errno, e, k;
        size_t n = 0;

        e = error == INT_MIN ? INT_MAX : abs(error);
        level = LOG_PRI(level);

        if (level > log_get_max_level())
                goto finish;
        if (personal && !log_personal_data_enabled())
                goto finish;

        if (kind_name && object)
                k = snprintf(text, LOG_MESSAGE_MAX, "%s %s: ", kind_name, object);
        else if (kind_name)
                k = snprintf(text, LOG_MESSAGE_MAX, "%s: ", kind_name);
        else if (object)
                k = snprintf(text, LOG_MESSAGE_MAX, "%s: ", object);
        else
                k = 0;
        n = k < 0 ? 0 : (size_t) k;
        if (n >= LOG_MESSAGE_MAX)
                n = LOG_MESSAGE_MAX - 1;

        errno = e;
        k = vsnprintf(text + n, LOG_MESSAGE_MAX - n, format, ap);
        if (k > 0)
                n += (size_t) k;
        if (n >= LOG_MESSAGE_MAX)
                n = LOG_MESSAGE_MAX - 1;

        if (e != 0 && !strstr(format, "%m")) {
                errno = e;
                k = snprintf(text + n, LOG_MESSAGE_MAX - n, ": %m");
                if (k > 0)
                        n += (size_t) k;
                if (n >= LOG_MESSAGE_MAX)
                        n = LOG_MESSAGE_MAX - 1;
        }

        if (log_get_target() != EG_LOG_TARGET_JOURNAL ||
            log_write_journal(buf, LOG_PREFIX_LEN + n, level, e, kind, object, personal, file, line,
                              func) < 0)
                /* Journal gone (or never there): the message still goes somewhere. */
                log_write_stderr(buf, LOG_PREFIX_LEN + n);

finish:
        errno = saved_errno;
        return -e;
}

int log_internal(int level, int error, enum eg_log_object kind, const char *object, bool personal,
                 const char *file, int line, const char *func, const char *format, ...) {
        va_list ap;
        int r;

        va_start(ap, format);
        r = log_internalv(level, error, kind, object, personal, file, line, func, format, ap);
        va_end(ap);
        return r;
}
