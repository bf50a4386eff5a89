/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Records as JSON (json-c) and the guard against personal data: a record
 * may only hold ids, codes, times, scores and a keyed hash, so every string
 * field has a character set that such values fit and that an MRZ line, a
 * name or a date of birth does not.  A caller bug that puts passport text
 * into a record is refused before anything reaches the disk.
 */
#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit-record.h"
#include "json-util.h"

static const char *const decisions[] = { "accept", "refer", "alarm" };
static const char *const results[] = { "successful", "failed", "undetermined", "not-supported",
                                       "aborted" };

/* Deliberately not isalnum(): the locale must not change what is accepted. */
static bool char_is_alnum(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool char_is_digit(char c) {
        return c >= '0' && c <= '9';
}

static bool in_vocabulary(const char *s, const char *const *words, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (streq(s, words[i]))
                        return true;
        return false;
}

/* NUL-terminated inside its field. */
#define TERMINATED(field) (memchr((field), '\0', sizeof(field)) != NULL)

/* Ids (transaction, lane, member, device): "A1-0001", "mock-A1-entry-door", "GE-100001". */
static bool is_id(const char *s) {
        if (!char_is_alnum(s[0]))
                return false;
        for (const char *c = s; *c; c++)
                if (!char_is_alnum(*c) && !strchr("._:-", *c))
                        return false;
        return true;
}

/*
 * Codes (steps, results, reasons, actions): "E_CHIP_NOT_FOUND", "fingerprint".
 * A code never needs four digits in a row; a document number or a date
 * almost always has them.
 */
static bool is_code(const char *s) {
        unsigned digits = 0;

        if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
                return false;
        for (const char *c = s; *c; c++) {
                if (!char_is_alnum(*c) && !strchr("_.-", *c))
                        return false;
                digits = char_is_digit(*c) ? digits + 1 : 0;
                if (digits >= 4)
                        return false;
        }
        return true;
}

/* Labels (device descriptions, operator identity, versions): "entry-door=mock-A1 mock/0.1.0",
 * "uid 1000 (:1.42)".  Printable ASCII without '<' (the MRZ filler), quotes and backslashes:
 * a vendor's version string may be creative, and a refused record refers every traveller. */
static bool is_label(const char *s) {
        if (!s[0])
                return false;
        for (const char *c = s; *c; c++)
                if (*c < 0x20 || *c > 0x7e || strchr("<\"\\", *c))
                        return false;
        return true;
}

static bool is_hex_hash(const char *s) {
        size_t n = 0;

        for (; s[n]; n++)
                if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')))
                        return false;
        return n == 64;
}

/* "UTO", "D", or as the MRZ writes it, "D<<". */
static bool is_issuing_state(const char *s) {
        size_t letters = 0, n = 0;

        while (s[letters] >= 'A' && s[letters] <= 'Z')
                letters++;
        for (n = letters; s[n] == '<'; n++)
                ;
        return letters >= 1 && s[n] == '\0' && n <= 3;
}

void eg_audit_strip_fillers(const char *in, char *out, size_t size) {
        size_t n = strcspn(in, "<");

        if (n >= size)
                n = size - 1;
        memcpy(out, in, n);
        out[n] = '\0';
}

/* Valid UTF-8 (no overlong forms, no surrogates) without control characters, C0, DEL or C1.
 * Its own copy: the audit module depends on nothing of the device layer. */
static bool is_printable_utf8(const char *s) {
        const unsigned char *p = (const unsigned char *) s;

        while (*p) {
                unsigned len, cp;

                if (*p < 0x80) {
                        if (*p < 0x20 || *p == 0x7f)
                                return false;
                        p++;
                        continue;
                }
                if ((*p & 0xe0) == 0xc0) {
                        len = 2;
                        cp = *p & 0x1f;
                } else if ((*p & 0xf0) == 0xe0) {
                        len = 3;
                        cp = *p & 0x0f;
                } else if ((*p & 0xf8) == 0xf0) {
                        len = 4;
                        cp = *p & 0x07;
                } else
                        return false;
                for (unsigned i = 1; i < len; i++) {
                        if ((p[i] & 0xc0) != 0x80)
                                return false;
                        cp = (cp << 6) | (p[i] & 0x3f);
                }
                if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
                    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
                    (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp <= 0x9f))
                        return false;
                p += len;
        }
        return true;
}

bool eg_audit_text_is_clean(const char *s) {
        size_t run = 0, digits = 0;

        if (!s || strlen(s) > 255 || !is_printable_utf8(s) || strchr(s, '<'))
                return false;
        /* A run of six or more letters and digits with four digits in it reads as a
         * document number ("L898902C3") or a date ("19740812"). */
        for (const char *c = s;; c++) {
                if (*c && char_is_alnum(*c)) {
                        run++;
                        digits += char_is_digit(*c);
                        continue;
                }
                if (run >= 6 && digits >= 4)
                        return false;
                run = digits = 0;
                if (!*c)
                        return true;
        }
}

static int refuse(const char **ret_field, const char *field) {
        if (ret_field)
                *ret_field = field;
        return -EINVAL;
}

static int check_step(const struct eg_audit_step *s, const char **ret_field) {
        if (!TERMINATED(s->step) || !is_code(s->step))
                return refuse(ret_field, "steps[].step");
        if (!TERMINATED(s->result) || !in_vocabulary(s->result, results, ELEMENTSOF(results)))
                return refuse(ret_field, "steps[].result");
        if (!TERMINATED(s->reason) || (s->reason[0] && !is_code(s->reason)))
                return refuse(ret_field, "steps[].reason");
        if (!TERMINATED(s->device) || (s->device[0] && !is_id(s->device)))
                return refuse(ret_field, "steps[].device");
        if (s->end_usec < s->start_usec)
                return refuse(ret_field, "steps[].end_usec");
        if (s->has_score && (!isfinite(s->score) || !isfinite(s->threshold)))
                return refuse(ret_field, "steps[].score");
        return 0;
}

static int check_action(const struct eg_audit_operator_action *a, const char **ret_field) {
        if (!TERMINATED(a->action) || !is_code(a->action))
                return refuse(ret_field, "operator_actions[].action");
        if (!TERMINATED(a->operator) || !is_label(a->operator))
                return refuse(ret_field, "operator_actions[].operator");
        if (!TERMINATED(a->reason) || !eg_audit_text_is_clean(a->reason))
                return refuse(ret_field, "operator_actions[].reason");
        return 0;
}

int eg_audit_record_check(const struct eg_audit_record *r, const char **ret_field) {
        int k;

        if (!r)
                return refuse(ret_field, "record");
        if (!TERMINATED(r->transaction_id) || !is_id(r->transaction_id))
                return refuse(ret_field, "transaction_id");
        if (!TERMINATED(r->lane) || !is_id(r->lane))
                return refuse(ret_field, "lane");
        if (r->start_usec == 0 || r->end_usec < r->start_usec)
                return refuse(ret_field, "start_usec/end_usec");
        if (!TERMINATED(r->decision) ||
            !in_vocabulary(r->decision, decisions, ELEMENTSOF(decisions)))
                return refuse(ret_field, "decision");
        if (r->n_reasons > EG_AUDIT_MAX_REASONS)
                return refuse(ret_field, "reasons");
        for (size_t i = 0; i < r->n_reasons; i++)
                if (!TERMINATED(r->reasons[i]) || !is_code(r->reasons[i]))
                        return refuse(ret_field, "reasons[]");
        if (!TERMINATED(r->document_hash) ||
            (r->document_hash[0] && !is_hex_hash(r->document_hash)))
                return refuse(ret_field, "document_hash");
        if (!TERMINATED(r->issuing_state) ||
            (r->issuing_state[0] && !is_issuing_state(r->issuing_state)))
                return refuse(ret_field, "issuing_state");
        if (!TERMINATED(r->member_id) || (r->member_id[0] && !is_id(r->member_id)))
                return refuse(ret_field, "member_id");
        if (r->n_steps > EG_AUDIT_MAX_STEPS)
                return refuse(ret_field, "steps");
        for (size_t i = 0; i < r->n_steps; i++)
                if ((k = check_step(&r->steps[i], ret_field)) < 0)
                        return k;
        if (r->n_actions > EG_AUDIT_MAX_OPERATOR_ACTIONS)
                return refuse(ret_field, "operator_actions");
        for (size_t i = 0; i < r->n_actions; i++)
                if ((k = check_action(&r->actions[i], ret_field)) < 0)
                        return k;
        if (r->n_devices > EG_AUDIT_MAX_DEVICES)
                return refuse(ret_field, "devices");
        for (size_t i = 0; i < r->n_devices; i++)
                if (!TERMINATED(r->devices[i]) || !is_label(r->devices[i]))
                        return refuse(ret_field, "devices[]");
        if (!TERMINATED(r->software_version) ||
            (r->software_version[0] && !is_label(r->software_version)))
                return refuse(ret_field, "software_version");
        return 0;
}

/* --- to JSON --- */

static int append(json_object *array, json_object *v) {
        if (!v)
                return -ENOMEM;
        if (json_object_array_add(array, v) < 0) {
                json_object_put(v);
                return -ENOMEM;
        }
        return 0;
}

/* The shortest text that reads back as exactly d: "0.9", not "0.90000000000000002". */
static json_object *new_double(double d) {
        char buf[32];

        for (int precision = 1; precision <= 17; precision++) {
                (void) snprintf(buf, sizeof(buf), "%.*g", precision, d);
                if (strtod(buf, NULL) == d)
                        break;
        }
        return json_object_new_double_s(d, buf);
}

static json_object *step_to_json(const struct eg_audit_step *s) {
        _cleanup_(json_object_putp) json_object *o = json_object_new_object();

        if (!o || eg_json_add(o, "step", json_object_new_string(s->step)) < 0 ||
            eg_json_add(o, "result", json_object_new_string(s->result)) < 0 ||
            eg_json_add(o, "reason", json_object_new_string(s->reason)) < 0 ||
            eg_json_add(o, "start_usec", json_object_new_uint64(s->start_usec)) < 0 ||
            eg_json_add(o, "end_usec", json_object_new_uint64(s->end_usec)) < 0 ||
            eg_json_add(o, "attempt", json_object_new_uint64(s->attempt)) < 0 ||
            eg_json_add(o, "device", json_object_new_string(s->device)) < 0 ||
            eg_json_add(o, "timeout_ms", json_object_new_uint64(s->timeout_ms)) < 0)
                return NULL;
        if (s->has_score && (eg_json_add(o, "score", new_double(s->score)) < 0 ||
                             eg_json_add(o, "threshold", new_double(s->threshold)) < 0))
                return NULL;
        return TAKE_PTR(o);
}

static json_object *action_to_json(const struct eg_audit_operator_action *a) {
        _cleanup_(json_object_putp) json_object *o = json_object_new_object();

        if (!o || eg_json_add(o, "time_usec", json_object_new_uint64(a->time_usec)) < 0 ||
            eg_json_add(o, "action", json_object_new_string(a->action)) < 0 ||
            eg_json_add(o, "operator", json_object_new_string(a->operator)) < 0 ||
            eg_json_add(o, "reason", json_object_new_string(a->reason)) < 0)
                return NULL;
        return TAKE_PTR(o);
}

/* A new array attached to o as key: the record owns it from the start. */
static json_object *add_array(json_object *o, const char *key) {
        json_object *a = json_object_new_array();

        return eg_json_add(o, key, a) < 0 ? NULL : a;
}

static int add_lists(json_object *o, const struct eg_audit_record *r) {
        json_object *reasons, *steps, *actions, *devices;
        int k;

        if (!(reasons = add_array(o, "reasons")) || !(steps = add_array(o, "steps")) ||
            !(actions = add_array(o, "operator_actions")) || !(devices = add_array(o, "devices")))
                return -ENOMEM;
        for (size_t i = 0; i < r->n_reasons; i++)
                if ((k = append(reasons, json_object_new_string(r->reasons[i]))) < 0)
                        return k;
        for (size_t i = 0; i < r->n_steps; i++)
                if ((k = append(steps, step_to_json(&r->steps[i]))) < 0)
                        return k;
        for (size_t i = 0; i < r->n_actions; i++)
                if ((k = append(actions, action_to_json(&r->actions[i]))) < 0)
                        return k;
        for (size_t i = 0; i < r->n_devices; i++)
                if ((k = append(devices, json_object_new_string(r->devices[i]))) < 0)
                        return k;
        return 0;
}

/* The stored form: compact, '/' left alone. */
static int to_text(json_object *o, char **ret) {
        const char *text = json_object_to_json_string_ext(
                o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);

        if (!text)
                return -ENOMEM;
        *ret = strdup(text);
        return *ret ? 0 : -ENOMEM;
}

int eg_audit_record_to_json(const struct eg_audit_record *r, char **ret) {
        _cleanup_(json_object_putp) json_object *o = json_object_new_object();
        char state[sizeof(r->issuing_state)];
        int k;

        if (!o)
                return -ENOMEM;
        eg_audit_strip_fillers(r->issuing_state, state, sizeof(state));
        if ((k = eg_json_add(o, "format", json_object_new_int(EG_AUDIT_JSON_FORMAT))) < 0 ||
            (k = eg_json_add(o, "transaction_id", json_object_new_string(r->transaction_id))) < 0 ||
            (k = eg_json_add(o, "lane", json_object_new_string(r->lane))) < 0 ||
            (k = eg_json_add(o, "start_usec", json_object_new_uint64(r->start_usec))) < 0 ||
            (k = eg_json_add(o, "end_usec", json_object_new_uint64(r->end_usec))) < 0 ||
            (k = eg_json_add(o, "decision", json_object_new_string(r->decision))) < 0 ||
            (k = eg_json_add(o, "document_hash", json_object_new_string(r->document_hash))) < 0 ||
            (k = eg_json_add(o, "issuing_state", json_object_new_string(state))) < 0 ||
            (k = eg_json_add(o, "member_id", json_object_new_string(r->member_id))) < 0 ||
            (k = eg_json_add(o, "software_version", json_object_new_string(r->software_version))) <
                    0 ||
            (k = add_lists(o, r)) < 0)
                return k;
        return to_text(o, ret);
}

/* --- from JSON --- */

static int get_string(json_object *o, const char *key, char *out, size_t size) {
        json_object *v;
        const char *s;

        if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
                return -EBADMSG;
        s = json_object_get_string(v);
        if (strlen(s) >= size)
                return -EBADMSG;
        strcpy(out, s);
        return 0;
}

static int get_u64(json_object *o, const char *key, uint64_t *ret) {
        json_object *v;

        if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
                return -EBADMSG;
        *ret = json_object_get_uint64(v);
        return 0;
}

static int get_double(json_object *o, const char *key, double *ret) {
        json_object *v;

        if (!json_object_object_get_ex(o, key, &v) ||
            !(json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int)))
                return -EBADMSG;
        *ret = json_object_get_double(v);
        return 0;
}

static json_object *get_array(json_object *o, const char *key, size_t max, size_t *ret_n) {
        json_object *v;

        if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_array) ||
            json_object_array_length(v) > max)
                return NULL;
        *ret_n = json_object_array_length(v);
        return v;
}

static int step_from_json(json_object *o, struct eg_audit_step *s) {
        uint64_t attempt, timeout;
        json_object *v;

        if (!json_object_is_type(o, json_type_object) ||
            get_string(o, "step", s->step, sizeof(s->step)) < 0 ||
            get_string(o, "result", s->result, sizeof(s->result)) < 0 ||
            get_string(o, "reason", s->reason, sizeof(s->reason)) < 0 ||
            get_u64(o, "start_usec", &s->start_usec) < 0 ||
            get_u64(o, "end_usec", &s->end_usec) < 0 || get_u64(o, "attempt", &attempt) < 0 ||
            get_string(o, "device", s->device, sizeof(s->device)) < 0 ||
            get_u64(o, "timeout_ms", &timeout) < 0 || attempt > UINT32_MAX || timeout > UINT32_MAX)
                return -EBADMSG;
        s->attempt = (unsigned) attempt;
        s->timeout_ms = (uint32_t) timeout;
        s->has_score = json_object_object_get_ex(o, "score", &v);
        if (s->has_score && (get_double(o, "score", &s->score) < 0 ||
                             get_double(o, "threshold", &s->threshold) < 0))
                return -EBADMSG;
        return 0;
}

static int action_from_json(json_object *o, struct eg_audit_operator_action *a) {
        if (!json_object_is_type(o, json_type_object) ||
            get_u64(o, "time_usec", &a->time_usec) < 0 ||
            get_string(o, "action", a->action, sizeof(a->action)) < 0 ||
            get_string(o, "operator", a->operator, sizeof(a->operator)) < 0 ||
            get_string(o, "reason", a->reason, sizeof(a->reason)) < 0)
                return -EBADMSG;
        return 0;
}

static int lists_from_json(json_object *o, struct eg_audit_record *r) {
        json_object *reasons, *steps, *actions, *devices;

        reasons = get_array(o, "reasons", EG_AUDIT_MAX_REASONS, &r->n_reasons);
        steps = get_array(o, "steps", EG_AUDIT_MAX_STEPS, &r->n_steps);
        actions = get_array(o, "operator_actions", EG_AUDIT_MAX_OPERATOR_ACTIONS, &r->n_actions);
        devices = get_array(o, "devices", EG_AUDIT_MAX_DEVICES, &r->n_devices);
        if (!reasons || !steps || !actions || !devices)
                return -EBADMSG;
        for (size_t i = 0; i < r->n_reasons; i++) {
                json_object *v = json_object_array_get_idx(reasons, i);

                if (!json_object_is_type(v, json_type_string) ||
                    strlen(json_object_get_string(v)) >= sizeof(r->reasons[i]))
                        return -EBADMSG;
                strcpy(r->reasons[i], json_object_get_string(v));
        }
        for (size_t i = 0; i < r->n_steps; i++)
                if (step_from_json(json_object_array_get_idx(steps, i), &r->steps[i]) < 0)
                        return -EBADMSG;
        for (size_t i = 0; i < r->n_actions; i++)
                if (action_from_json(json_object_array_get_idx(actions, i), &r->actions[i]) < 0)
                        return -EBADMSG;
        for (size_t i = 0; i < r->n_devices; i++) {
                json_object *v = json_object_array_get_idx(devices, i);

                if (!json_object_is_type(v, json_type_string) ||
                    strlen(json_object_get_string(v)) >= sizeof(r->devices[i]))
                        return -EBADMSG;
                strcpy(r->devices[i], json_object_get_string(v));
        }
        return 0;
}

int eg_audit_record_from_json(const char *json, struct eg_audit_record *ret) {
        _cleanup_(json_object_putp) json_object *o = NULL;
        struct eg_audit_record *r = ret;

        if (!json)
                return -EBADMSG;
        o = json_tokener_parse(json);
        if (!o || !json_object_is_type(o, json_type_object))
                return -EBADMSG;
        memset(r, 0, sizeof(*r));
        if (get_string(o, "transaction_id", r->transaction_id, sizeof(r->transaction_id)) < 0 ||
            get_string(o, "lane", r->lane, sizeof(r->lane)) < 0 ||
            get_u64(o, "start_usec", &r->start_usec) < 0 ||
            get_u64(o, "end_usec", &r->end_usec) < 0 ||
            get_string(o, "decision", r->decision, sizeof(r->decision)) < 0 ||
            get_string(o, "document_hash", r->document_hash, sizeof(r->document_hash)) < 0 ||
            get_string(o, "issuing_state", r->issuing_state, sizeof(r->issuing_state)) < 0 ||
            get_string(o, "member_id", r->member_id, sizeof(r->member_id)) < 0 ||
            get_string(o, "software_version", r->software_version, sizeof(r->software_version)) <
                    0 ||
            lists_from_json(o, r) < 0)
                return -EBADMSG;
        return 0;
}

/* --- lane events --- */

static const char *const event_kinds[] = { EG_AUDIT_EVENT_OPERATOR, EG_AUDIT_EVENT_ALARM,
                                           EG_AUDIT_EVENT_EMERGENCY };

int eg_audit_event_check(const struct eg_audit_event *ev, const char **ret_field) {
        bool is_operator;

        if (!ev)
                return refuse(ret_field, "event");
        if (!TERMINATED(ev->lane) || !is_id(ev->lane))
                return refuse(ret_field, "lane");
        if (!TERMINATED(ev->transaction_id) ||
            (ev->transaction_id[0] && !is_id(ev->transaction_id)))
                return refuse(ret_field, "transaction_id");
        if (ev->time_usec == 0)
                return refuse(ret_field, "time_usec");
        if (!TERMINATED(ev->kind) || !in_vocabulary(ev->kind, event_kinds, ELEMENTSOF(event_kinds)))
                return refuse(ret_field, "kind");
        if (!TERMINATED(ev->action) || !is_code(ev->action))
                return refuse(ret_field, "action");
        if (!TERMINATED(ev->reason) || (ev->reason[0] && !is_code(ev->reason)))
                return refuse(ret_field, "reason");
        /* Who acted is what an operator event is about; nobody else has an operator. */
        is_operator = streq(ev->kind, EG_AUDIT_EVENT_OPERATOR);
        if (!TERMINATED(ev->operator) || (is_operator ? !is_label(ev->operator) : ev->operator[0]))
                return refuse(ret_field, "operator");
        /* An operator types the detail: the free-text rule.  Otherwise egated wrote it (an
         * alarm's detail, the emergency input's device id, which may hold a serial number's
         * digits): a label. */
        if (!TERMINATED(ev->detail) ||
            !(is_operator ? eg_audit_text_is_clean(ev->detail) : is_label(ev->detail)))
                return refuse(ret_field, "detail");
        return 0;
}

static int add_unless_empty(json_object *o, const char *key, const char *s) {
        return s[0] ? eg_json_add(o, key, json_object_new_string(s)) : 0;
}

int eg_audit_event_to_json(const struct eg_audit_event *ev, char **ret) {
        _cleanup_(json_object_putp) json_object *o = json_object_new_object();
        int k;

        if (!o)
                return -ENOMEM;
        if ((k = eg_json_add(o, "format", json_object_new_int(EG_AUDIT_JSON_FORMAT))) < 0 ||
            (k = eg_json_add(o, "lane", json_object_new_string(ev->lane))) < 0 ||
            (k = add_unless_empty(o, "transaction_id", ev->transaction_id)) < 0 ||
            (k = eg_json_add(o, "time_usec", json_object_new_uint64(ev->time_usec))) < 0 ||
            (k = eg_json_add(o, "kind", json_object_new_string(ev->kind))) < 0 ||
            (k = eg_json_add(o, "action", json_object_new_string(ev->action))) < 0 ||
            (k = add_unless_empty(o, "reason", ev->reason)) < 0 ||
            (k = add_unless_empty(o, "operator", ev->operator)) < 0 ||
            (k = eg_json_add(o, "detail", json_object_new_string(ev->detail))) < 0)
                return k;
        return to_text(o, ret);
}

/* An optional string member: absent is "", present must be a string that fits. */
static int get_optional_string(json_object *o, const char *key, char *out, size_t size) {
        if (!json_object_object_get_ex(o, key, NULL)) {
                out[0] = '\0';
                return 0;
        }
        return get_string(o, key, out, size);
}

int eg_audit_event_from_json(const char *json, struct eg_audit_event *ret) {
        _cleanup_(json_object_putp) json_object *o = NULL;

        if (!json)
                return -EBADMSG;
        o = json_tokener_parse(json);
        if (!o || !json_object_is_type(o, json_type_object))
                return -EBADMSG;
        memset(ret, 0, sizeof(*ret));
        if (get_string(o, "lane", ret->lane, sizeof(ret->lane)) < 0 ||
            get_optional_string(o, "transaction_id", ret->transaction_id,
                                sizeof(ret->transaction_id)) < 0 ||
            get_u64(o, "time_usec", &ret->time_usec) < 0 ||
            get_string(o, "kind", ret->kind, sizeof(ret->kind)) < 0 ||
            get_string(o, "action", ret->action, sizeof(ret->action)) < 0 ||
            get_optional_string(o, "reason", ret->reason, sizeof(ret->reason)) < 0 ||
            get_optional_string(o, "operator", ret->operator, sizeof(ret->operator)) < 0 ||
            get_string(o, "detail", ret->detail, sizeof(ret->detail)) < 0)
                return -EBADMSG;
        return 0;
}
