/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "scenario-json.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "scenario.h"

int mock_json_error(struct mock_json_ctx *c, const char *path, const char *fmt, ...) {
        char msg[512];
        va_list ap;

        if (c->error) /* keep the first one: later ones are often consequences */
                return -EINVAL;

        va_start(ap, fmt);
        (void) vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);

        if (asprintf(&c->error, "%s: %s", path && *path ? path : "(top level)", msg) < 0) {
                c->error = NULL;
                return -ENOMEM;
        }
        return -EINVAL;
}

const char *mock_json_quote(char *buf, size_t size, const char *s) {
        size_t n = 0, i;

        if (size < 8) {
                if (size > 0)
                        buf[0] = '\0';
                return buf;
        }
        for (i = 0; s[i] && n + 4 < size; i++)
                buf[n++] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
        if (s[i]) {
                n = n > size - 4 ? size - 4 : n;
                memcpy(buf + n, "...", 3);
                n += 3;
        }
        buf[n] = '\0';
        return buf;
}

const char *mock_json_path_key(char *buf, const char *parent, const char *key) {
        char quoted[40];

        (void) snprintf(buf, MOCK_PATH_MAX, "%s%s%s", parent, *parent ? "." : "",
                        mock_json_quote(quoted, sizeof(quoted), key));
        return buf;
}

const char *mock_json_path_index(char *buf, const char *parent, size_t index) {
        (void) snprintf(buf, MOCK_PATH_MAX, "%s[%zu]", parent, index);
        return buf;
}

const char *mock_json_type_phrase(enum json_type t) {
        switch (t) {
        case json_type_null:
                return "null";
        case json_type_boolean:
                return "a boolean";
        case json_type_double:
                return "a number with a fraction or exponent";
        case json_type_int:
                return "an integer";
        case json_type_object:
                return "an object";
        case json_type_array:
                return "an array";
        case json_type_string:
                return "a string";
        }
        return "something else";
}

int mock_json_expect_type(struct mock_json_ctx *c, const char *path, struct json_object *v,
                          enum json_type type) {
        enum json_type t = json_object_get_type(v);

        if (t == type)
                return 0;
        return mock_json_error(c, path, "expected %s, got %s", mock_json_type_phrase(type),
                               mock_json_type_phrase(t));
}

int mock_json_check_keys(struct mock_json_ctx *c, const char *path, struct json_object *obj,
                         const char *const *allowed) {
        json_object_object_foreach(obj, key, val) {
                bool known = false;
                char p[MOCK_PATH_MAX];

                (void) val;
                for (const char *const *a = allowed; *a; a++)
                        if (streq(*a, key)) {
                                known = true;
                                break;
                        }
                if (known)
                        continue;

                char list[512] = "";
                size_t n = 0;
                for (const char *const *a = allowed; *a && n < sizeof(list); a++)
                        n += (size_t) snprintf(list + n, sizeof(list) - n, "%s%s",
                                               a == allowed ? "" : ", ", *a);
                return mock_json_error(c, mock_json_path_key(p, path, key),
                                       "unknown key; expected %s", list);
        }
        return 0;
}

int mock_json_member(struct mock_json_ctx *c, const char *path, struct json_object *obj,
                     const char *key, enum json_type type, bool required,
                     struct json_object **ret) {
        struct json_object *v = NULL;
        char p[MOCK_PATH_MAX];

        *ret = NULL;
        if (!json_object_object_get_ex(obj, key, &v)) {
                if (required)
                        return mock_json_error(c, mock_json_path_key(p, path, key),
                                               "missing (required)");
                return 0;
        }
        if (mock_json_expect_type(c, mock_json_path_key(p, path, key), v, type) < 0)
                return -EINVAL;
        *ret = v;
        return 1;
}

int mock_json_text(struct mock_json_ctx *c, const char *path, struct json_object *v, size_t max_len,
                   const char **ret) {
        const char *s;
        size_t len;

        if (mock_json_expect_type(c, path, v, json_type_string) < 0)
                return -EINVAL;
        s = json_object_get_string(v);
        len = (size_t) json_object_get_string_len(v);
        if (len == 0)
                return mock_json_error(c, path, "must not be empty");
        if (len > max_len)
                return mock_json_error(c, path, "is %zu bytes long; the limit is %zu", len,
                                       max_len);
        if (strlen(s) != len)
                return mock_json_error(c, path, "contains a NUL character");
        for (size_t i = 0; i < len; i++)
                if ((unsigned char) s[i] < 0x20 || s[i] == 0x7f)
                        return mock_json_error(c, path, "contains a control character at byte %zu",
                                               i + 1);
        *ret = s;
        return 0;
}

int mock_json_string(struct mock_json_ctx *c, const char *path, struct json_object *obj,
                     const char *key, bool required, size_t max_len, const char **ret) {
        struct json_object *v;
        char p[MOCK_PATH_MAX];
        int r;

        *ret = NULL;
        r = mock_json_member(c, path, obj, key, json_type_string, required, &v);
        if (r <= 0)
                return r;
        return mock_json_text(c, mock_json_path_key(p, path, key), v, max_len, ret);
}

int mock_json_name(struct mock_json_ctx *c, const char *path, struct json_object *v,
                   const char **ret) {
        const char *s;

        if (mock_json_text(c, path, v, MOCK_NAME_MAX, &s) < 0)
                return -EINVAL;
        for (size_t i = 0; s[i]; i++) {
                char ch = s[i];
                bool alnum = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                             (ch >= '0' && ch <= '9');

                if (!alnum && (i == 0 || (ch != '-' && ch != '_' && ch != '.')))
                        return mock_json_error(c, path,
                                               "invalid name: use letters, digits, '-', '_' "
                                               "and '.', starting with a letter or digit");
        }
        *ret = s;
        return 0;
}

int mock_json_bool(struct mock_json_ctx *c, const char *path, struct json_object *obj,
                   const char *key, bool def, bool *ret) {
        struct json_object *v;
        int r;

        *ret = def;
        r = mock_json_member(c, path, obj, key, json_type_boolean, false, &v);
        if (r <= 0)
                return r;
        *ret = json_object_get_boolean(v);
        return 0;
}

int mock_json_uint_value(struct mock_json_ctx *c, const char *path, struct json_object *v,
                         uint32_t max, uint32_t *ret) {
        int64_t i;

        if (mock_json_expect_type(c, path, v, json_type_int) < 0)
                return -EINVAL;
        /* json-c saturates beyond int64, which the range check below catches. */
        i = json_object_get_int64(v);
        if (i < 0)
                return mock_json_error(c, path, "must not be negative");
        if ((uint64_t) i > max)
                return mock_json_error(c, path,
                                       "%" PRIi64 " is too large; the limit is %" PRIu32 "%s", i,
                                       max, max == MOCK_MAX_MS ? " (one hour)" : "");
        *ret = (uint32_t) i;
        return 0;
}

int mock_json_uint(struct mock_json_ctx *c, const char *path, struct json_object *obj,
                   const char *key, uint32_t def, uint32_t max, uint32_t *ret) {
        struct json_object *v;
        char p[MOCK_PATH_MAX];
        int r;

        *ret = def;
        r = mock_json_member(c, path, obj, key, json_type_int, false, &v);
        if (r <= 0)
                return r;
        return mock_json_uint_value(c, mock_json_path_key(p, path, key), v, max, ret);
}

int mock_json_ms(struct mock_json_ctx *c, const char *path, struct json_object *obj,
                 const char *key, uint32_t def, uint32_t *ret) {
        return mock_json_uint(c, path, obj, key, def, MOCK_MAX_MS, ret);
}

int mock_json_enum_value(struct mock_json_ctx *c, const char *path, struct json_object *v,
                         const char *const *names, size_t n, int *ret) {
        char list[512] = "", quoted[40];
        const char *s;
        size_t len = 0;

        if (mock_json_expect_type(c, path, v, json_type_string) < 0)
                return -EINVAL;
        s = json_object_get_string(v);
        for (size_t i = 0; i < n; i++)
                if (names[i] && streq(names[i], s) &&
                    strlen(s) == (size_t) json_object_get_string_len(v)) {
                        *ret = (int) i;
                        return 0;
                }

        for (size_t i = 0; i < n && len < sizeof(list); i++)
                if (names[i])
                        len += (size_t) snprintf(list + len, sizeof(list) - len, "%s%s",
                                                 len > 0 ? ", " : "", names[i]);
        return mock_json_error(c, path, "unknown value '%s'; expected %s",
                               mock_json_quote(quoted, sizeof(quoted), s), list);
}

int mock_json_enum(struct mock_json_ctx *c, const char *path, struct json_object *obj,
                   const char *key, const char *const *names, size_t n, int def, int *ret) {
        struct json_object *v;
        char p[MOCK_PATH_MAX];
        int r;

        *ret = def;
        r = mock_json_member(c, path, obj, key, json_type_string, def < 0, &v);
        if (r <= 0)
                return r;
        return mock_json_enum_value(c, mock_json_path_key(p, path, key), v, names, n, ret);
}

int mock_json_array(struct mock_json_ctx *c, const char *path, struct json_object *obj,
                    const char *key, bool required, bool allow_empty, size_t max,
                    struct json_object **ret) {
        char p[MOCK_PATH_MAX];
        size_t n;
        int r;

        r = mock_json_member(c, path, obj, key, json_type_array, required, ret);
        if (r <= 0)
                return r;
        n = json_object_array_length(*ret);
        if (n == 0 && !allow_empty)
                return mock_json_error(c, mock_json_path_key(p, path, key), "must not be empty");
        if (n > max)
                return mock_json_error(c, mock_json_path_key(p, path, key),
                                       "has %zu entries; the limit is %zu", n, max);
        return 1;
}
