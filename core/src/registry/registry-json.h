/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The registry's JSON: the import format (a document {"members": [...]}, or
 * one member for Add) into struct eg_member, and one member with its status
 * history out again for Show.  The format is documented in docs/registry.md.
 *
 * Input is hostile until proven otherwise: every field is checked, unknown
 * fields are refused, and each error names where it is
 * ("members[3].passports[0].expiry: not a date (YYYY-MM-DD)") but never
 * quotes a value, which may be personal data.
 *
 * Pure functions (json-c, OpenSSL's base64): no I/O, no logging, so the
 * parser can be fuzzed on its own (tests/registry/fuzz-import.c).
 */
#pragma once

#include <stddef.h>

#include "registry.h"

#define EG_REGISTRY_IMPORT_MAX (64u << 20) /* bytes of one import document */
#define EG_REGISTRY_MEMBER_JSON_MAX (8u << 20)
#define EG_REGISTRY_IMPORT_MEMBERS_MAX 1000000u
#define EG_REGISTRY_PASSPORTS_MAX 8u
#define EG_REGISTRY_FINGERS_MAX 20u
#define EG_REGISTRY_TEMPLATE_MAX (1u << 20)
#define EG_REGISTRY_FACE_MAX (4u << 20)
#define EG_REGISTRY_FORMAT_MAX 64u
#define EG_REGISTRY_MIME_MAX 64u
#define EG_REGISTRY_REASON_MAX 256u

struct eg_member_list {
        struct eg_member **members;
        size_t n;
};

void eg_member_list_done(struct eg_member_list *l);

/*
 * An import document.  Returns 0, -EINVAL with *ret_error set ("where: what"),
 * -EMSGSIZE for a document over EG_REGISTRY_IMPORT_MAX, or -ENOMEM.
 * today is used to refuse birth dates in the future (NULL: no such check).
 */
int eg_registry_json_parse_import(const char *text, size_t len, const struct eg_date *today,
                                  struct eg_member_list *ret, char **ret_error);

/* One member object; error paths start with "member". */
int eg_registry_json_parse_member(const char *text, size_t len, const struct eg_date *today,
                                  struct eg_member **ret, char **ret_error);

/* The same for a member already parsed as JSON (the external bridge's answer carries it in an
 * envelope); error paths start with "member" too.  o is not modified or released. */
struct json_object;
int eg_registry_json_parse_member_object(struct json_object *o, const struct eg_date *today,
                                         struct eg_member **ret, char **ret_error);

/* Checks shared with the D-Bus layer and the backend. */
bool eg_member_id_is_valid(const char *id);
bool eg_template_format_is_valid(const char *format);
/* Pad an issuing state to three characters with '<' ("D" -> "D<<"): 0 or -EINVAL. */
int eg_issuing_state_normalize(const char *s, char out[static 4]);
bool eg_document_number_is_valid(const char *s);

struct eg_member_history_entry {
        enum eg_member_status status;
        bool removed; /* the member was removed (status is then meaningless) */
        char changed_at[21]; /* "YYYY-MM-DDTHH:MM:SSZ" */
        char *reason;
        char *actor;
};

void eg_member_history_free(struct eg_member_history_entry *h, size_t n);

/*
 * The Show document: the member (personal data: birth date, passports with
 * their numbers; fingers and face by size and format, never their bytes),
 * created/updated, and the status history.  NULL on OOM.
 */
char *eg_registry_json_show(const struct eg_member *m, const char *created, const char *updated,
                            const struct eg_member_history_entry *history, size_t n_history);
