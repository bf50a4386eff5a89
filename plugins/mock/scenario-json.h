/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Typed, path-naming accessors over json-c for the strict scenario parser.
 * Every accessor either succeeds or records the first error as
 * "<path>: <what is wrong>" and returns -EINVAL, so the parser reads as a
 * list of fields and the messages stay uniform.
 */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mock-macro.h"

#define MOCK_PATH_MAX 160

struct mock_json_ctx {
        char *error; /* the first error, "path: message" */
};

int mock_json_error(struct mock_json_ctx *c, const char *path, const char *fmt, ...) _printf_(3, 4);

/* "parent.key" / "parent[i]" into buf (MOCK_PATH_MAX); the root's children
 * have no leading dot.  Input-provided keys are sanitised. */
const char *mock_json_path_key(char *buf, const char *parent, const char *key);
const char *mock_json_path_index(char *buf, const char *parent, size_t index);

/* Printable rendition of an input string for messages: non-printable bytes
 * become '?', long strings are cut with "...". */
const char *mock_json_quote(char *buf, size_t size, const char *s);

/* Refuse any key not in `allowed` (NULL-terminated). */
int mock_json_check_keys(struct mock_json_ctx *c, const char *path, struct json_object *obj,
                         const char *const *allowed);

/* Member `key` of `obj` with the given type.  Returns 1 and *ret if present,
 * 0 (and *ret = NULL) if absent and optional, -EINVAL otherwise. */
int mock_json_member(struct mock_json_ctx *c, const char *path, struct json_object *obj,
                     const char *key, enum json_type type, bool required, struct json_object **ret);

/* "an integer", "null", ...: what a value is, for messages about a value of a wrong type. */
const char *mock_json_type_phrase(enum json_type t);

int mock_json_expect_type(struct mock_json_ctx *c, const char *path, struct json_object *v,
                          enum json_type type);

/* A string of 1..max_len bytes without control characters. */
int mock_json_text(struct mock_json_ctx *c, const char *path, struct json_object *v, size_t max_len,
                   const char **ret);
int mock_json_string(struct mock_json_ctx *c, const char *path, struct json_object *obj,
                     const char *key, bool required, size_t max_len, const char **ret);
/* A name: 1..MOCK_NAME_MAX of [A-Za-z0-9_.-], starting with a letter or digit. */
int mock_json_name(struct mock_json_ctx *c, const char *path, struct json_object *v,
                   const char **ret);

int mock_json_bool(struct mock_json_ctx *c, const char *path, struct json_object *obj,
                   const char *key, bool def, bool *ret);
/* An integer 0..max. */
int mock_json_uint_value(struct mock_json_ctx *c, const char *path, struct json_object *v,
                         uint32_t max, uint32_t *ret);
int mock_json_uint(struct mock_json_ctx *c, const char *path, struct json_object *obj,
                   const char *key, uint32_t def, uint32_t max, uint32_t *ret);
/* A duration in milliseconds, 0..one hour. */
int mock_json_ms(struct mock_json_ctx *c, const char *path, struct json_object *obj,
                 const char *key, uint32_t def, uint32_t *ret);

/* One of `names` (n entries, NULL entries skipped). */
int mock_json_enum_value(struct mock_json_ctx *c, const char *path, struct json_object *v,
                         const char *const *names, size_t n, int *ret);
int mock_json_enum(struct mock_json_ctx *c, const char *path, struct json_object *obj,
                   const char *key, const char *const *names, size_t n, int def, int *ret);

/* An array of 1..max items (min 0 if allow_empty). */
int mock_json_array(struct mock_json_ctx *c, const char *path, struct json_object *obj,
                    const char *key, bool required, bool allow_empty, size_t max,
                    struct json_object **ret);
