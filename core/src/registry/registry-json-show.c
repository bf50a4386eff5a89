/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The Show document (registry-json.h): a member and its status history as JSON, with
 * templates and face by size only. */
#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "registry-json.h"
#include "json-util.h"

void eg_member_history_free(struct eg_member_history_entry *h, size_t n) {
        for (size_t i = 0; h && i < n; i++) {
                free(h[i].reason);
                free(h[i].actor);
        }
        free(h);
}

static json_object *date_or_null(bool has, const struct eg_date *d) {
        char s[11];

        if (!has || eg_date_format_iso(d, s) < 0)
                return json_object_new_null();
        return json_object_new_string(s);
}

/* json-c has no "null" object: NULL stands for it, which eg_json_add() would take for OOM. */
static int add_date(json_object *o, const char *key, bool has, const struct eg_date *d) {
        json_object *v = date_or_null(has, d);

        if (!v)
                return json_object_object_add(o, key, NULL) < 0 ? -ENOMEM : 0;
        return eg_json_add(o, key, v);
}

static int show_member(json_object *o, const struct eg_member *m) {
        json_object *passports, *fingers;
        int r;

        r = eg_json_add(o, "id", json_object_new_string(m->id));
        if (r >= 0)
                r = eg_json_add(o, "status",
                                json_object_new_string(eg_member_status_to_string(m->status)));
        if (r >= 0)
                r = add_date(o, "birth_date", true, &m->birth_date);
        if (r >= 0)
                r = add_date(o, "enrolled", m->has_enrolled, &m->enrolled);
        if (r >= 0)
                r = add_date(o, "conditional_approval", m->has_conditional_approval,
                             &m->conditional_approval);
        if (r < 0)
                return r;

        passports = json_object_new_array();
        r = eg_json_add(o, "passports", passports);
        for (size_t i = 0; r >= 0 && i < m->n_passports; i++) {
                json_object *p = json_object_new_object();

                r = json_object_array_add(passports, p) < 0 || !p ? -ENOMEM : 0;
                if (r < 0) {
                        json_object_put(p);
                        break;
                }
                r = eg_json_add(p, "issuing_state",
                                json_object_new_string(m->passports[i].issuing_state));
                if (r >= 0)
                        r = eg_json_add(p, "document_number",
                                        json_object_new_string(m->passports[i].document_number));
                if (r >= 0)
                        r = add_date(p, "expiry", true, &m->passports[i].expiry);
        }
        if (r < 0)
                return r;

        fingers = json_object_new_array();
        r = eg_json_add(o, "fingers", fingers);
        for (size_t i = 0; r >= 0 && i < m->n_fingers; i++) {
                const struct eg_member_finger *f = &m->fingers[i];
                json_object *j = json_object_new_object();

                r = json_object_array_add(fingers, j) < 0 || !j ? -ENOMEM : 0;
                if (r < 0) {
                        json_object_put(j);
                        break;
                }
                r = eg_json_add(j, "position", json_object_new_int(f->position));
                if (r >= 0)
                        r = eg_json_add(j, "finger",
                                        json_object_new_string(
                                                strna(eg_finger_position_to_string(f->position))));
                if (r >= 0)
                        r = eg_json_add(j, "format",
                                        json_object_new_string(f->format ? f->format : ""));
                if (r >= 0)
                        r = eg_json_add(j, "bytes", json_object_new_int64((int64_t) f->len));
        }
        if (r < 0)
                return r;

        if (m->face) {
                json_object *face = json_object_new_object();

                r = eg_json_add(o, "face", face);
                if (r >= 0)
                        r = eg_json_add(face, "mime",
                                        json_object_new_string(m->face_mime ? m->face_mime : ""));
                if (r >= 0)
                        r = eg_json_add(face, "bytes",
                                        json_object_new_int64((int64_t) m->face_len));
        } else
                r = json_object_object_add(o, "face", NULL) < 0 ? -ENOMEM : 0;
        return r;
}

char *eg_registry_json_show(const struct eg_member *m, const char *created, const char *updated,
                            const struct eg_member_history_entry *history, size_t n_history) {
        _cleanup_(json_object_putp) json_object *o = json_object_new_object();
        json_object *h;
        const char *text;
        int r;

        if (!o)
                return NULL;
        r = show_member(o, m);
        if (r >= 0)
                r = eg_json_add(o, "created", json_object_new_string(strna(created)));
        if (r >= 0)
                r = eg_json_add(o, "updated", json_object_new_string(strna(updated)));
        if (r < 0)
                return NULL;
        h = json_object_new_array();
        r = eg_json_add(o, "history", h);
        for (size_t i = 0; r >= 0 && i < n_history; i++) {
                json_object *e = json_object_new_object();

                r = json_object_array_add(h, e) < 0 || !e ? -ENOMEM : 0;
                if (r < 0) {
                        json_object_put(e);
                        break;
                }
                r = eg_json_add(e, "status",
                                json_object_new_string(
                                        history[i].removed
                                                ? "removed"
                                                : eg_member_status_to_string(history[i].status)));
                if (r >= 0)
                        r = eg_json_add(e, "changed_at",
                                        json_object_new_string(history[i].changed_at));
                if (r >= 0)
                        r = eg_json_add(e, "reason",
                                        json_object_new_string(strna(history[i].reason)));
                if (r >= 0)
                        r = eg_json_add(e, "actor",
                                        json_object_new_string(strna(history[i].actor)));
        }
        if (r < 0)
                return NULL;
        text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
                                                         JSON_C_TO_STRING_NOSLASHESCAPE);
        return text ? strdup(text) : NULL;
}
