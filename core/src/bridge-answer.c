/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "bridge-answer.h"

static void json_wipe_strings(json_object *o) {
        switch (json_object_get_type(o)) {
        case json_type_string:
                explicit_bzero((char *) json_object_get_string(o),
                               (size_t) json_object_get_string_len(o));
                break;
        case json_type_object: {
                struct json_object_iterator it = json_object_iter_begin(o);
                struct json_object_iterator end = json_object_iter_end(o);

                for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it))
                        json_wipe_strings(json_object_iter_peek_value(&it));
                break;
        }
        case json_type_array:
                for (size_t i = 0; i < json_object_array_length(o); i++)
                        json_wipe_strings(json_object_array_get_idx(o, i));
                break;
        default:
                break;
        }
}

void eg_bridge_json_wipe_put(json_object **o) {
        if (!*o)
                return;
        json_wipe_strings(*o);
        json_object_put(*o);
        *o = NULL;
}

static bool is_digit(char c) {
        return c >= '0' && c <= '9';
}

static bool is_alnum(char c) {
        return is_digit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static bool has_document_like_word(const char *s, size_t len) {
        size_t run = 0, digits = 0;

        for (size_t i = 0; i <= len; i++) {
                if (i < len && is_alnum(s[i])) {
                        run++;
                        digits += is_digit(s[i]);
                        continue;
                }
                if (run >= 8 && digits >= 2)
                        return true;
                run = digits = 0;
        }
        return false;
}

static bool has_date_like(const char *s, size_t len) {
        static const char iso[] = "NNNN-NN-NN";
        size_t digits = 0;

        for (size_t i = 0; i < len; i++) {
                digits = is_digit(s[i]) ? digits + 1 : 0;
                if (digits >= 6)
                        return true;
                if (i + sizeof(iso) - 1 <= len) {
                        size_t k = 0;

                        while (k < sizeof(iso) - 1 &&
                               (iso[k] == 'N' ? is_digit(s[i + k]) : s[i + k] == iso[k]))
                                k++;
                        if (k == sizeof(iso) - 1)
                                return true;
                }
        }
        return false;
}

bool eg_bridge_text_is_loggable(const char *text, size_t len, size_t max,
                                const char *const *avoid) {
        if (!text || len == 0 || len > max || strnlen(text, len) != len)
                return false;
        for (size_t i = 0; i < len; i++)
                if (text[i] < 0x20 || text[i] > 0x7e)
                        return false;
        if (has_document_like_word(text, len) || has_date_like(text, len))
                return false;
        for (const char *const *a = avoid; a && *a; a++)
                if (**a && strcasestr(text, *a))
                        return false;
        return true;
}
