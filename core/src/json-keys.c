/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "macro.h"
#include "json-keys.h"
#include "json-util.h"

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

/* Whether k, decoded, is the n bytes of s: 1 or 0, or <0. */
static int key_equals(const struct key *k, const char *s, size_t n) {
        _cleanup_(json_object_putp) json_object *d = NULL;
        int r;

        if (!memchr(k->text, '\\', k->len))
                return k->len == n && memcmp(k->text, s, n) == 0;
        r = decode(k, &d);
        if (r < 0)
                return r;
        return (size_t) json_object_get_string_len(d) == n &&
               memcmp(json_object_get_string(d), s, n) == 0;
}

static int same_key(const struct key *a, const struct key *b) {
        _cleanup_(json_object_putp) json_object *db = NULL;
        int r;

        if (!memchr(b->text, '\\', b->len))
                return key_equals(a, b->text, b->len);
        r = decode(b, &db);
        if (r < 0)
                return r;
        return key_equals(a, json_object_get_string(db), (size_t) json_object_get_string_len(db));
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

/*
 * Called for each key of an object, depth 1 being the top-level object's: at is the index
 * of the key's opening quote, end of its closing one.  f is the key's object, whose keys the
 * callback may keep.  >0 ends the walk with that value, <0 with that error.
 */
typedef int (*key_fn)(struct frame *f, size_t depth, const struct key *key, size_t at, size_t end,
                      void *userdata);

static int walk(const char *text, size_t len, key_fn fn, void *userdata) {
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
                                r = fn(top, depth, &key, i, end, userdata);
                                if (r != 0)
                                        return r;
                        }
                        i = end;
                        break;
                default:
                        break;
                }
        }
        return 0;
}

static int on_key_repeated(struct frame *f, size_t depth, const struct key *key, size_t at,
                           size_t end, void *userdata) {
        size_t *ret_offset = userdata;
        int r = add_key(f, key);

        if (r > 0)
                *ret_offset = at;
        return r;
}

int eg_json_find_repeated_key(const char *text, size_t len, size_t *ret_offset) {
        return walk(text, len, on_key_repeated, ret_offset);
}

struct member_walk {
        const char *text;
        size_t len;
        const char *key;
        int (*fn)(json_object *value, void *userdata);
        void *userdata;
};

static bool is_space_or_colon(char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ':';
}

static int on_top_member(struct frame *f, size_t depth, const struct key *key, size_t at,
                         size_t end, void *userdata) {
        struct member_walk *w = userdata;
        _cleanup_(json_tokener_freep) json_tokener *tok = NULL;
        _cleanup_(json_object_putp) json_object *value = NULL;
        size_t i = end + 1;
        int r;

        if (depth != 1)
                return 0;
        r = key_equals(key, w->key, strlen(w->key));
        if (r <= 0)
                return r;
        while (i < w->len && is_space_or_colon(w->text[i]))
                i++;
        tok = json_tokener_new();
        if (!tok)
                return -ENOMEM;
        /* The object goes on after the value: json-c stops where the value ends. */
        value = json_tokener_parse_ex(tok, w->text + i, (int) (w->len - i));
        if (json_tokener_get_error(tok) != json_tokener_success)
                return -EINVAL;
        r = w->fn(value, w->userdata);
        return r < 0 ? r : 0;
}

int eg_json_for_each_top_member(const char *text, size_t len, const char *key,
                                int (*fn)(json_object *value, void *userdata), void *userdata) {
        struct member_walk w = { text, len, key, fn, userdata };

        return walk(text, len, on_top_member, &w);
}
