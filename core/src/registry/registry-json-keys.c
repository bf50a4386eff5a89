/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <string.h>

#include "macro.h"
#include "registry-json-keys.h"

#define DEPTH_MAX 32 /* json-c refused deeper documents before this runs */
#define KEYS_COMPARED 32

struct key {
        const char *text; /* between the quotes, escapes undone only when compared */
        size_t len;
};

struct frame {
        bool object;
        bool expect_key;
        struct key keys[KEYS_COMPARED];
        size_t n_keys;
};

DEFINE_TRIVIAL_CLEANUP_FUNC(json_object *, json_object_put)
DEFINE_TRIVIAL_CLEANUP_FUNC(json_tokener *, json_tokener_free)

/* The end of the string whose opening quote is at i: the index of its closing quote.
 * json-c takes single quotes too, even when strict. */
static int string_end(const char *text, size_t len, size_t i, size_t *ret) {
        char quote = text[i];

        for (i++; i < len; i++) {
                if (text[i] == '\\')
                        i++;
                else if (text[i] == quote) {
                        *ret = i;
                        return 0;
                }
        }
        return -EINVAL;
}

/* A key with escapes, as json-c reads it. */
static int decode(const struct key *k, json_object **ret) {
        _cleanup_(json_tokener_freep) json_tokener *tok = json_tokener_new();
        json_object *o;

        if (!tok)
                return -ENOMEM;
        /* The quotes around the key are in the text, just outside it. */
        o = json_tokener_parse_ex(tok, k->text - 1, (int) (k->len + 2));
        if (!o || !json_object_is_type(o, json_type_string)) {
                json_object_put(o);
                return -EINVAL;
        }
        *ret = o;
        return 0;
}

static int same_key(const struct key *a, const struct key *b) {
        _cleanup_(json_object_putp) json_object *da = NULL, *db = NULL;
        int r;

        if (!memchr(a->text, '\\', a->len) && !memchr(b->text, '\\', b->len))
                return a->len == b->len && memcmp(a->text, b->text, a->len) == 0;
        r = decode(a, &da);
        if (r >= 0)
                r = decode(b, &db);
        if (r < 0)
                return r;
        return json_object_get_string_len(da) == json_object_get_string_len(db) &&
               memcmp(json_object_get_string(da), json_object_get_string(db),
                      (size_t) json_object_get_string_len(da)) == 0;
}

/* 1 when key repeats one of f's, 0 when not (and it is remembered), <0 on error. */
static int add_key(struct frame *f, const struct key *key) {
        for (size_t i = 0; i < f->n_keys; i++) {
                int r = same_key(&f->keys[i], key);

                if (r != 0)
                        return r;
        }
        if (f->n_keys < KEYS_COMPARED)
                f->keys[f->n_keys++] = *key;
        return 0;
}

int eg_json_find_repeated_key(const char *text, size_t len, size_t *ret_offset) {
        struct frame stack[DEPTH_MAX];
        size_t depth = 0;

        for (size_t i = 0; i < len; i++) {
                struct frame *top = depth > 0 ? &stack[depth - 1] : NULL;
                size_t end;
                int r;

                switch (text[i]) {
                case '{':
                case '[':
                        if (depth == DEPTH_MAX)
                                return -EINVAL;
                        stack[depth++] = (struct frame){ .object = text[i] == '{',
                                                         .expect_key = text[i] == '{' };
                        break;
                case '}':
                case ']':
                        if (depth == 0)
                                return -EINVAL;
                        depth--;
                        break;
                case ',':
                        if (top && top->object)
                                top->expect_key = true;
                        break;
                case '"':
                case '\'':
                        if (string_end(text, len, i, &end) < 0)
                                return -EINVAL;
                        if (top && top->object && top->expect_key) {
                                const struct key key = { text + i + 1, end - i - 1 };

                                top->expect_key = false;
                                r = add_key(top, &key);
                                if (r < 0)
                                        return r;
                                if (r > 0) {
                                        *ret_offset = i;
                                        return 1;
                                }
                        }
                        i = end;
                        break;
                default:
                        break;
                }
        }
        return 0;
}
