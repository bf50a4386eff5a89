/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The syntax of egated.conf values: names, booleans, numbers, lists, paths. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config-internal.h"

/* Deliberately not isalnum(): the locale must not change what a valid name is. */
static bool char_is_name(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '-';
}

bool config_name_is_valid(const char *s) {
        size_t n = 0;

        if (!s)
                return false;
        for (; s[n]; n++)
                if (!char_is_name(s[n]) || n >= CONFIG_NAME_MAX)
                        return false;
        return n > 0;
}

int config_parse_boolean(const char *s) {
        static const char *const yes[] = { "yes", "true", "on", "1" };
        static const char *const no[] = { "no", "false", "off", "0" };

        for (size_t i = 0; i < ELEMENTSOF(yes); i++) {
                if (strcasecmp(s, yes[i]) == 0)
                        return 1;
                if (strcasecmp(s, no[i]) == 0)
                        return 0;
        }
        return -EINVAL;
}

int config_parse_unsigned(const char *s, unsigned *ret) {
        unsigned v = 0;

        /* Digits only: no sign, no blanks, no hex or octal prefixes that strtoul() would
         * quietly accept. */
        if (!*s)
                return -EINVAL;
        for (; *s; s++) {
                if (*s < '0' || *s > '9')
                        return -EINVAL;
                if (v > (UINT_MAX - (unsigned) (*s - '0')) / 10)
                        return -ERANGE;
                v = v * 10 + (unsigned) (*s - '0');
        }
        *ret = v;
        return 0;
}

static const char *skip_blanks(const char *s) {
        return s + strspn(s, " \t");
}

int config_split_list(const char *s, const char *separators, char ***ret) {
        _cleanup_(strv_freep) char **l = NULL;
        const char *p = skip_blanks(s);
        int r;

        /* An empty value is an empty list, which is not the same as "not set". */
        l = calloc(1, sizeof(char *));
        if (!l)
                return -ENOMEM;
        if (!*p) {
                *ret = TAKE_PTR(l);
                return 0;
        }

        for (;;) {
                size_t n = strcspn(p, separators), len = n;
                char *item;

                while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
                        len--;
                if (len == 0)
                        return -EINVAL; /* "a,,b" or a trailing separator */

                item = strndup(p, len);
                if (!item)
                        return -ENOMEM;
                r = strv_push(&l, item);
                if (r < 0) {
                        free(item);
                        return r;
                }

                if (!p[n])
                        break;
                p = skip_blanks(p + n + 1);
        }

        *ret = TAKE_PTR(l);
        return 0;
}

static bool entry_is_empty(const struct config_entry *e) {
        return e->value[0] == '\0';
}

int config_get_boolean(struct config_parser *p, const struct config_entry *e, bool *ret) {
        int r;

        if (entry_is_empty(e)) {
                config_error(p, e->where, "missing value for %s", e->key);
                return 0;
        }
        r = config_parse_boolean(e->value);
        if (r < 0) {
                config_error(p, e->where, "invalid value '%s' for %s: expected a boolean", e->value,
                             e->key);
                return 0;
        }
        *ret = r;
        return 1;
}

int config_get_unsigned(struct config_parser *p, const struct config_entry *e, unsigned min,
                        unsigned max, unsigned *ret) {
        unsigned v;
        int r;

        if (entry_is_empty(e)) {
                config_error(p, e->where, "missing value for %s", e->key);
                return 0;
        }
        r = config_parse_unsigned(e->value, &v);
        if (r == -EINVAL) {
                config_error(p, e->where, "invalid value '%s' for %s: expected a decimal integer",
                             e->value, e->key);
                return 0;
        }
        if (r < 0 || v < min || v > max) {
                config_error(p, e->where, "%s must be between %u and %u", e->key, min, max);
                return 0;
        }
        *ret = v;
        return 1;
}

int config_get_name(struct config_parser *p, const struct config_entry *e, const char *what,
                    char **ret) {
        if (entry_is_empty(e)) {
                config_error(p, e->where, "missing value for %s", e->key);
                return 0;
        }
        if (!config_name_is_valid(e->value)) {
                config_error(p, e->where,
                             "invalid %s name '%s' for %s: expected 1 to %u characters from "
                             "A-Z, a-z, 0-9, '_' and '-'",
                             what, e->value, e->key, CONFIG_NAME_MAX);
                return 0;
        }
        if (free_and_strdup(ret, e->value) < 0)
                return -ENOMEM;
        return 1;
}

int config_get_list(struct config_parser *p, const struct config_entry *e, const char *separators,
                    bool allow_empty, char ***ret) {
        char **l = NULL;
        int r;

        r = config_split_list(e->value, separators, &l);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                config_error(p, e->where, "invalid value '%s' for %s: empty list item", e->value,
                             e->key);
                return 0;
        }
        if (!allow_empty && !l[0]) {
                strv_free(l);
                config_error(p, e->where, "missing value for %s", e->key);
                return 0;
        }

        strv_free(*ret);
        *ret = l;
        return 1;
}

int config_get_absolute_path(struct config_parser *p, const struct config_entry *e, char **ret) {
        if (entry_is_empty(e)) {
                config_error(p, e->where, "missing value for %s", e->key);
                return 0;
        }
        if (e->value[0] != '/') {
                config_error(p, e->where, "%s must be an absolute path, not '%s'", e->key,
                             e->value);
                return 0;
        }
        if (free_and_strdup(ret, e->value) < 0)
                return -ENOMEM;
        return 1;
}
