/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Ownership helpers in the systemd style: _cleanup_ frees on scope exit,
 * TAKE_PTR()/TAKE_FD() hand ownership on explicitly. */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _unused_ __attribute__((unused))
#define _warn_unused_result_ __attribute__((warn_unused_result))

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

/* All of `n` bytes to `fd`, through short writes and EINTR: 0, or -errno. */
static inline int loop_write(int fd, const void *p, size_t n) {
        const char *b = p;

        while (n > 0) {
                ssize_t k = write(fd, b, n);

                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                b += k;
                n -= (size_t) k;
        }
        return 0;
}

#define TAKE_PTR(p)                                                                                \
        ({                                                                                         \
                __typeof__(p) _taken = (p);                                                        \
                (p) = NULL;                                                                        \
                _taken;                                                                            \
        })

#define TAKE_FD(fd)                                                                                \
        ({                                                                                         \
                int _taken_fd = (fd);                                                              \
                (fd) = -1;                                                                         \
                _taken_fd;                                                                         \
        })

#define DEFINE_TRIVIAL_CLEANUP_FUNC(type, func)                                                    \
        static inline void func##p(type *p) {                                                      \
                if (*p)                                                                            \
                        func(*p);                                                                  \
        }

#define _cleanup_free_ _cleanup_(freep)

static inline void freep(void *p) {
        free(*(void **) p);
}

static inline void closep(int *fd) {
        if (*fd >= 0) {
                int saved = errno;
                (void) close(*fd);
                errno = saved;
        }
}

static inline void fclosep(FILE **f) {
        if (*f)
                (void) fclose(*f);
}

static inline void strv_free(char **l) {
        if (!l)
                return;
        for (char **i = l; *i; i++)
                free(*i);
        free(l);
}
DEFINE_TRIVIAL_CLEANUP_FUNC(char **, strv_free)

static inline size_t strv_length(char *const *l) {
        size_t n = 0;
        while (l && l[n])
                n++;
        return n;
}

static inline bool strv_contains(char *const *l, const char *s) {
        for (; l && *l; l++)
                if (strcmp(*l, s) == 0)
                        return true;
        return false;
}

static inline int strv_push(char ***l, char *value) {
        size_t n = strv_length(*l);
        char **m = realloc(*l, sizeof(char *) * (n + 2));
        if (!m)
                return -ENOMEM;
        m[n] = value;
        m[n + 1] = NULL;
        *l = m;
        return 0;
}

static inline int strv_extend(char ***l, const char *value) {
        char *copy = strdup(value);
        if (!copy)
                return -ENOMEM;
        int r = strv_push(l, copy);
        if (r < 0)
                free(copy);
        return r;
}

static inline int free_and_strdup(char **p, const char *s) {
        char *copy = NULL;
        if (s) {
                copy = strdup(s);
                if (!copy)
                        return -ENOMEM;
        }
        free(*p);
        *p = copy;
        return 0;
}

static inline const char *strna(const char *s) {
        return s ? s : "n/a";
}

static inline int streq_ptr(const char *a, const char *b) {
        if (!a || !b)
                return a == b;
        return strcmp(a, b) == 0;
}

#define streq(a, b) (strcmp((a), (b)) == 0)
