/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json-keys.h"
#include "registry-json.h"
#include "json-util.h"

#define JSON_DEPTH_MAX 10 /* document > members > member > fingers > finger is 5 */
#define PATH_MAX_LEN 160

DEFINE_TRIVIAL_CLEANUP_FUNC(json_tokener *, json_tokener_free)

void eg_member_list_done(struct eg_member_list *l) {
        if (!l)
                return;
        for (size_t i = 0; i < l->n; i++)
                eg_member_free(l->members[i]);
        free(l->members);
        *l = (struct eg_member_list){};
}

_printf_(3, 4) static int fail(char **error, const char *path, const char *fmt, ...) {
        _cleanup_free_ char *what = NULL;
        va_list ap;

        va_start(ap, fmt);
        if (vasprintf(&what, fmt, ap) < 0)
                what = NULL;
        va_end(ap);
        if (!what)
                return -ENOMEM;
        free(*error);
        if (asprintf(error, "%s%s%s", path, *path ? ": " : "", what) < 0) {
                *error = NULL;
                return -ENOMEM;
        }
        return -EINVAL;
}

static bool char_in(char c, const char *extra) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               (c && strchr(extra, c));
}

static bool word_is_valid(const char *s, size_t max, const char *extra) {
        size_t n = s ? strnlen(s, max + 1) : 0;

        if (n == 0 || n > max)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!char_in(s[i], extra))
                        return false;
        return true;
}

bool eg_member_id_is_valid(const char *id) {
        return word_is_valid(id, EG_MEMBER_ID_MAX, "._-");
}

bool eg_template_format_is_valid(const char *format) {
        return word_is_valid(format, EG_REGISTRY_FORMAT_MAX, "._-+");
}

int eg_issuing_state_normalize(const char *s, char out[static 4]) {
        size_t n = s ? strnlen(s, 4) : 0;

        if (n == 0 || n > 3 || s[0] == '<')
                return -EINVAL;
        for (size_t i = 0; i < 3; i++) {
                char c = i < n ? s[i] : '<';

                if (!((c >= 'A' && c <= 'Z') || c == '<'))
                        return -EINVAL;
                out[i] = c;
        }
        out[3] = '\0';
        return 0;
}

bool eg_document_number_is_valid(const char *s) {
        size_t n = s ? strnlen(s, EG_MEMBER_DOCUMENT_NUMBER_MAX + 1) : 0;

        if (n == 0 || n > EG_MEMBER_DOCUMENT_NUMBER_MAX)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9')))
                        return false;
        return true;
}

static bool mime_is_valid(const char *s) {
        return s && strncmp(s, "image/", 6) == 0 &&
               word_is_valid(s + 6, EG_REGISTRY_MIME_MAX - 6, ".+-");
}

/* A field name from the input is quoted in an error only when it is plainly a name. */
static const char *quotable(const char *key) {
        return word_is_valid(key, 32, "_-") ? key : "(a field with an unusual name)";
}

/* Paths are short (the nesting is bounded); a cut one still names the place. */
static void child_path(char out[static PATH_MAX_LEN], const char *path, const char *key) {
        int n = snprintf(out, PATH_MAX_LEN, "%s%s%s", path, *path ? "." : "", key);

        if (n < 0)
                out[0] = '\0';
}

static void index_path(char out[static PATH_MAX_LEN], const char *path, size_t i) {
        int n = snprintf(out, PATH_MAX_LEN, "%s[%zu]", path, i);

        if (n < 0)
                out[0] = '\0';
}

/* Every field of o must be one of names (NULL-terminated). */
static int check_fields(json_object *o, const char *path, const char *const *names, char **error) {
        struct json_object_iterator it = json_object_iter_begin(o);
        struct json_object_iterator end = json_object_iter_end(o);

        for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
                const char *key = json_object_iter_peek_name(&it);
                bool known = false;
                char p[PATH_MAX_LEN];

                for (const char *const *n = names; *n && !known; n++)
                        known = streq(key, *n);
                if (!known) {
                        child_path(p, path, quotable(key));
                        return fail(error, p,
                                    "unknown field (expected one of the fields in "
                                    "docs/registry.md)");
                }
        }
        return 0;
}

/* 1 found (*ret set), 0 absent or null and optional, <0 error. */
static int get_string(json_object *o, const char *path, const char *key, bool required,
                      const char **ret, char **error) {
        json_object *v = NULL;
        char p[PATH_MAX_LEN];

        child_path(p, path, key);
        if (!json_object_object_get_ex(o, key, &v) || !v) {
                if (required)
                        return fail(error, p, "missing");
                return 0;
        }
        if (!json_object_is_type(v, json_type_string))
                return fail(error, p, "not a string");
        *ret = json_object_get_string(v);
        if (strlen(*ret) != (size_t) json_object_get_string_len(v))
                return fail(error, p, "contains a NUL character");
        return 1;
}

static int get_date(json_object *o, const char *path, const char *key, bool required,
                    struct eg_date *ret, char **error) {
        const char *s = NULL;
        char p[PATH_MAX_LEN];
        int r;

        r = get_string(o, path, key, required, &s, error);
        if (r <= 0)
                return r;
        child_path(p, path, key);
        if (eg_date_parse_iso(s, ret) < 0)
                return fail(error, p, "not a date (YYYY-MM-DD)");
        return 1;
}

static int base64_decode(const char *s, size_t len, uint8_t **ret, size_t *ret_len) {
        EVP_ENCODE_CTX *ctx;
        uint8_t *out;
        int n = 0, m = 0, r;

        if (len > INT_MAX - 8)
                return -EMSGSIZE;
        out = malloc(len + 8);
        ctx = EVP_ENCODE_CTX_new();
        if (!out || !ctx) {
                free(out);
                EVP_ENCODE_CTX_free(ctx);
                return -ENOMEM;
        }
        EVP_DecodeInit(ctx);
        r = EVP_DecodeUpdate(ctx, out, &n, (const unsigned char *) s, (int) len);
        if (r >= 0)
                r = EVP_DecodeFinal(ctx, out + n, &m);
        EVP_ENCODE_CTX_free(ctx);
        if (r < 0) {
                explicit_bzero(out, len + 8);
                free(out);
                return -EINVAL;
        }
        *ret = out;
        *ret_len = (size_t) n + (size_t) m;
        return 0;
}

/* A base64 field: 1..max bytes once decoded. */
static int get_base64(json_object *o, const char *path, const char *key, size_t max, uint8_t **ret,
                      size_t *ret_len, char **error) {
        const char *s = NULL;
        char p[PATH_MAX_LEN];
        uint8_t *data = NULL;
        size_t len = 0;
        int r;

        r = get_string(o, path, key, true, &s, error);
        if (r < 0)
                return r;
        child_path(p, path, key);
        if (strlen(s) > (max / 3 + 2) * 4 + max / 32 + 64) /* room for line breaks */
                return fail(error, p, "too large (at most %zu bytes)", max);
        r = base64_decode(s, strlen(s), &data, &len);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return fail(error, p, "not base64");
        if (len == 0 || len > max) {
                explicit_bzero(data, len);
                free(data);
                return len == 0 ? fail(error, p, "empty")
                                : fail(error, p, "too large (at most %zu bytes)", max);
        }
        *ret = data;
        *ret_len = len;
        return 0;
}

static int get_array(json_object *o, const char *path, const char *key, bool required,
                     json_object **ret, char **error) {
        json_object *v = NULL;
        char p[PATH_MAX_LEN];

        child_path(p, path, key);
        if (!json_object_object_get_ex(o, key, &v) || !v) {
                if (required)
                        return fail(error, p, "missing");
                return 0;
        }
        if (!json_object_is_type(v, json_type_array))
                return fail(error, p, "not a list");
        *ret = v;
        return 1;
}

static int parse_passport(json_object *o, const char *path, struct eg_member_passport *ret,
                          char **error) {
        static const char *const fields[] = { "issuing_state", "document_number", "expiry", NULL };
        const char *state = NULL, *number = NULL;
        char p[PATH_MAX_LEN];
        int r;

        if (!json_object_is_type(o, json_type_object))
                return fail(error, path, "not an object");
        r = check_fields(o, path, fields, error);
        if (r < 0)
                return r;
        r = get_string(o, path, "issuing_state", true, &state, error);
        if (r < 0)
                return r;
        child_path(p, path, "issuing_state");
        if (eg_issuing_state_normalize(state, ret->issuing_state) < 0)
                return fail(error, p,
                            "not an ICAO 9303 code (1 to 3 letters A-Z, '<' filling, "
                            "e.g. \"USA\" or \"D<<\")");
        r = get_string(o, path, "document_number", true, &number, error);
        if (r < 0)
                return r;
        child_path(p, path, "document_number");
        if (!eg_document_number_is_valid(number))
                return fail(error, p, "1 to %d letters A-Z and digits (no '<' fillers)",
                            EG_MEMBER_DOCUMENT_NUMBER_MAX);
        strcpy(ret->document_number, number);
        r = get_date(o, path, "expiry", true, &ret->expiry, error);
        return r < 0 ? r : 0;
}

static int parse_finger(json_object *o, const char *path, struct eg_member_finger *ret,
                        char **error) {
        static const char *const fields[] = { "position", "finger", "format", "template", NULL };
        json_object *v = NULL;
        const char *name = NULL, *format = NULL;
        char p[PATH_MAX_LEN];
        int position = -1, r;

        if (!json_object_is_type(o, json_type_object))
                return fail(error, path, "not an object");
        r = check_fields(o, path, fields, error);
        if (r < 0)
                return r;
        child_path(p, path, "position");
        if (json_object_object_get_ex(o, "position", &v) && v) {
                int64_t n;

                if (!json_object_is_type(v, json_type_int))
                        return fail(error, p, "not a whole number");
                n = json_object_get_int64(v);
                if (n < 1 || n > 10)
                        return fail(error, p,
                                    "1 (right thumb) to 10 (left little), "
                                    "ISO/IEC 19794-2");
                position = (int) n;
        }
        r = get_string(o, path, "finger", false, &name, error);
        if (r < 0)
                return r;
        child_path(p, path, "finger");
        if (r > 0) {
                int k = eg_finger_position_from_string(name);

                if (k < 0)
                        return fail(error, p,
                                    "not a finger name (right-thumb, right-index, "
                                    "right-middle, right-ring, right-little, "
                                    "left-thumb, ... left-little)");
                if (position >= 0 && position != k)
                        return fail(error, p, "names another finger than position");
                position = k;
        }
        if (position < 0)
                return fail(error, path, "give the finger's position (1-10) or finger name");
        ret->position = position;

        r = get_string(o, path, "format", true, &format, error);
        if (r < 0)
                return r;
        child_path(p, path, "format");
        if (!eg_template_format_is_valid(format))
                return fail(error, p, "1 to %u letters, digits, '.', '_', '-' or '+'",
                            EG_REGISTRY_FORMAT_MAX);
        ret->format = strdup(format);
        if (!ret->format)
                return -ENOMEM;
        return get_base64(o, path, "template", EG_REGISTRY_TEMPLATE_MAX, &ret->data, &ret->len,
                          error);
}

static int parse_face(json_object *o, const char *path, struct eg_member *m, char **error) {
        static const char *const fields[] = { "mime", "image", NULL };
        const char *mime = NULL;
        char p[PATH_MAX_LEN];
        int r;

        if (!json_object_is_type(o, json_type_object))
                return fail(error, path, "not an object");
        r = check_fields(o, path, fields, error);
        if (r < 0)
                return r;
        r = get_string(o, path, "mime", true, &mime, error);
        if (r < 0)
                return r;
        child_path(p, path, "mime");
        if (!mime_is_valid(mime))
                return fail(error, p, "not an image type (e.g. image/jpeg, image/png)");
        m->face_mime = strdup(mime);
        if (!m->face_mime)
                return -ENOMEM;
        return get_base64(o, path, "image", EG_REGISTRY_FACE_MAX, &m->face, &m->face_len, error);
}

static int parse_passports(json_object *o, const char *path, struct eg_member *m, char **error) {
        json_object *a = NULL;
        char p[PATH_MAX_LEN], q[PATH_MAX_LEN];
        size_t n;
        int r;

        r = get_array(o, path, "passports", true, &a, error);
        if (r < 0)
                return r;
        child_path(p, path, "passports");
        n = json_object_array_length(a);
        if (n == 0)
                return fail(error, p, "at least one passport is needed (lookups go by passport)");
        if (n > EG_REGISTRY_PASSPORTS_MAX)
                return fail(error, p, "at most %u passports", EG_REGISTRY_PASSPORTS_MAX);
        m->passports = calloc(n, sizeof(*m->passports));
        if (!m->passports)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                index_path(q, p, i);
                r = parse_passport(json_object_array_get_idx(a, i), q, &m->passports[i], error);
                m->n_passports = i + 1;
                if (r < 0)
                        return r;
                for (size_t k = 0; k < i; k++)
                        if (streq(m->passports[k].issuing_state, m->passports[i].issuing_state) &&
                            streq(m->passports[k].document_number, m->passports[i].document_number))
                                return fail(error, q, "the same passport as %s[%zu]", p, k);
        }
        return 0;
}

static int parse_fingers(json_object *o, const char *path, struct eg_member *m, char **error) {
        json_object *a = NULL;
        char p[PATH_MAX_LEN], q[PATH_MAX_LEN];
        size_t n;
        int r;

        r = get_array(o, path, "fingers", false, &a, error);
        if (r <= 0)
                return r;
        child_path(p, path, "fingers");
        n = json_object_array_length(a);
        if (n > EG_REGISTRY_FINGERS_MAX)
                return fail(error, p, "at most %u templates", EG_REGISTRY_FINGERS_MAX);
        if (n == 0)
                return 0;
        m->fingers = calloc(n, sizeof(*m->fingers));
        if (!m->fingers)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                struct eg_member_finger *f = &m->fingers[i];

                index_path(q, p, i);
                m->n_fingers = i + 1; /* counted first: a half-parsed finger is freed too */
                r = parse_finger(json_object_array_get_idx(a, i), q, f, error);
                if (r < 0)
                        return r;
                for (size_t k = 0; k < i; k++)
                        if (m->fingers[k].position == f->position &&
                            streq(m->fingers[k].format, f->format))
                                return fail(error, q, "the same finger and format as %s[%zu]", p,
                                            k);
        }
        return 0;
}

static int parse_member(json_object *o, const char *path, const struct eg_date *today,
                        struct eg_member **ret, char **error) {
        static const char *const fields[] = {
                "id",        "status",  "birth_date", "enrolled", "conditional_approval",
                "passports", "fingers", "face",       NULL
        };
        _cleanup_(eg_member_freep) struct eg_member *m = NULL;
        const char *id = NULL, *status = NULL;
        json_object *face = NULL;
        char p[PATH_MAX_LEN];
        int r;

        if (!json_object_is_type(o, json_type_object))
                return fail(error, path, "not an object");
        r = check_fields(o, path, fields, error);
        if (r < 0)
                return r;
        m = calloc(1, sizeof(*m));
        if (!m)
                return -ENOMEM;

        r = get_string(o, path, "id", true, &id, error);
        if (r < 0)
                return r;
        child_path(p, path, "id");
        if (!eg_member_id_is_valid(id))
                return fail(error, p, "1 to %d letters, digits, '.', '_' or '-'", EG_MEMBER_ID_MAX);
        strcpy(m->id, id);

        r = get_string(o, path, "status", true, &status, error);
        if (r < 0)
                return r;
        child_path(p, path, "status");
        r = eg_member_status_from_string(status);
        if (r < 0)
                return fail(error, p,
                            "not one of conditional, active, suspended, revoked, "
                            "expired");
        m->status = r;

        r = get_date(o, path, "birth_date", true, &m->birth_date, error);
        if (r < 0)
                return r;
        child_path(p, path, "birth_date");
        if (today && eg_date_compare(&m->birth_date, today) > 0)
                return fail(error, p, "in the future");

        r = get_date(o, path, "enrolled", false, &m->enrolled, error);
        if (r < 0)
                return r;
        m->has_enrolled = r > 0;
        r = get_date(o, path, "conditional_approval", false, &m->conditional_approval, error);
        if (r < 0)
                return r;
        m->has_conditional_approval = r > 0;

        if (m->status != EG_MEMBER_CONDITIONAL && !m->has_enrolled) {
                child_path(p, path, "enrolled");
                return fail(error, p, "missing (required unless the status is conditional)");
        }
        if (m->status == EG_MEMBER_CONDITIONAL && !m->has_conditional_approval) {
                child_path(p, path, "conditional_approval");
                return fail(error, p, "missing (required for the status conditional)");
        }
        if (m->has_enrolled && m->has_conditional_approval &&
            eg_date_compare(&m->conditional_approval, &m->enrolled) > 0) {
                child_path(p, path, "conditional_approval");
                return fail(error, p, "later than enrolled");
        }
        if (m->has_enrolled && eg_date_compare(&m->enrolled, &m->birth_date) < 0) {
                child_path(p, path, "enrolled");
                return fail(error, p, "before birth_date");
        }

        r = parse_passports(o, path, m, error);
        if (r < 0)
                return r;
        r = parse_fingers(o, path, m, error);
        if (r < 0)
                return r;
        child_path(p, path, "face");
        if (json_object_object_get_ex(o, "face", &face) && face) {
                r = parse_face(face, p, m, error);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(m);
        return 0;
}

static int parse_document(const char *text, size_t len, size_t max, json_object **ret,
                          char **error) {
        _cleanup_(json_tokener_freep) json_tokener *tok = NULL;
        _cleanup_(json_object_putp) json_object *root = NULL;
        enum json_tokener_error e;
        size_t end;
        int r;

        if (len > max)
                return -EMSGSIZE;
        if (len == 0)
                return fail(error, "", "empty document");
        tok = json_tokener_new_ex(JSON_DEPTH_MAX);
        if (!tok)
                return -ENOMEM;
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
        root = json_tokener_parse_ex(tok, text, (int) len);
        e = json_tokener_get_error(tok);
        if (e == json_tokener_continue)
                return fail(error, "", "not valid JSON: the document ends early");
        if (!root || e != json_tokener_success)
                return fail(error, "", "not valid JSON at byte %zu: %s",
                            json_tokener_get_parse_end(tok), json_tokener_error_desc(e));
        for (end = json_tokener_get_parse_end(tok); end < len; end++)
                if (!strchr(" \t\r\n", text[end]))
                        return fail(error, "",
                                    "not valid JSON at byte %zu: more after the "
                                    "document",
                                    end);
        r = eg_json_find_repeated_key(text, len, &end);
        if (r == -ENOMEM)
                return r;
        if (r != 0)
                return fail(error, "", "a field given twice in one object at byte %zu", end);
        *ret = TAKE_PTR(root);
        return 0;
}

struct id_at {
        const char *id;
        size_t index;
};

static int compare_id_at(const void *a, const void *b) {
        const struct id_at *x = a, *y = b;
        int c = strcmp(x->id, y->id);

        return c != 0 ? c : (x->index > y->index) - (x->index < y->index);
}

/* The same id twice in one document would be refused by the database as "already exists",
 * naming a member the registry does not have: say where the first one is instead. */
static int check_ids_distinct(const struct eg_member_list *l, char **error) {
        _cleanup_free_ struct id_at *ids = calloc(l->n, sizeof(*ids));
        char p[PATH_MAX_LEN], q[PATH_MAX_LEN];

        if (!ids)
                return -ENOMEM;
        for (size_t i = 0; i < l->n; i++)
                ids[i] = (struct id_at){ l->members[i]->id, i };
        qsort(ids, l->n, sizeof(*ids), compare_id_at);
        for (size_t i = 1; i < l->n; i++)
                if (streq(ids[i - 1].id, ids[i].id)) {
                        index_path(p, "members", ids[i].index);
                        child_path(q, p, "id");
                        return fail(error, q, "the same id as members[%zu]", ids[i - 1].index);
                }
        return 0;
}

int eg_registry_json_parse_import(const char *text, size_t len, const struct eg_date *today,
                                  struct eg_member_list *ret, char **ret_error) {
        static const char *const fields[] = { "members", NULL };
        _cleanup_(json_object_putp) json_object *root = NULL;
        _cleanup_(eg_member_list_done) struct eg_member_list l = {};
        json_object *a = NULL;
        char p[PATH_MAX_LEN];
        size_t n;
        int r;

        *ret_error = NULL;
        r = parse_document(text, len, EG_REGISTRY_IMPORT_MAX, &root, ret_error);
        if (r < 0)
                return r;
        if (!json_object_is_type(root, json_type_object))
                return fail(ret_error, "", "the document must be an object {\"members\": [...]}");
        r = check_fields(root, "", fields, ret_error);
        if (r < 0)
                return r;
        r = get_array(root, "", "members", true, &a, ret_error);
        if (r < 0)
                return r;
        n = json_object_array_length(a);
        if (n == 0)
                return fail(ret_error, "members", "the list is empty: nothing to import");
        if (n > EG_REGISTRY_IMPORT_MEMBERS_MAX)
                return fail(ret_error, "members", "at most %u members in one import",
                            EG_REGISTRY_IMPORT_MEMBERS_MAX);
        l.members = calloc(n, sizeof(*l.members));
        if (!l.members)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                index_path(p, "members", i);
                r = parse_member(json_object_array_get_idx(a, i), p, today, &l.members[i],
                                 ret_error);
                if (r < 0)
                        return r;
                l.n = i + 1;
        }
        r = check_ids_distinct(&l, ret_error);
        if (r < 0)
                return r;
        *ret = l;
        l = (struct eg_member_list){};
        return 0;
}

int eg_registry_json_parse_member(const char *text, size_t len, const struct eg_date *today,
                                  struct eg_member **ret, char **ret_error) {
        _cleanup_(json_object_putp) json_object *root = NULL;
        int r;

        *ret_error = NULL;
        r = parse_document(text, len, EG_REGISTRY_MEMBER_JSON_MAX, &root, ret_error);
        if (r < 0)
                return r;
        return parse_member(root, "member", today, ret, ret_error);
}

int eg_registry_json_parse_member_object(json_object *o, const struct eg_date *today,
                                         struct eg_member **ret, char **ret_error) {
        *ret_error = NULL;
        return parse_member(o, "member", today, ret, ret_error);
}
