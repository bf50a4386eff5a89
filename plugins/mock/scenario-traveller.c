/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The "travellers" array of a scenario: documents, chips, registry records,
 * fingers, faces and how each traveller walks. */
#include <stdio.h>

#include "names.h"
#include "scenario-internal.h"

void mock_traveller_done(struct mock_traveller *t) {
        free(t->id);
        free(t->label);
        free(t->document.model);
        free(t->membership.registered_passport);
        free(t->fingerprint.identity);
}

/* Never quotes the lines: an MRZ is personal data. */
static int parse_mrz(struct mock_json_ctx *c, const char *path, struct json_object *v,
                     struct mock_mrz *m) {
        size_t n, expected = 0;

        if (mock_json_expect_type(c, path, v, json_type_array) < 0)
                return -EINVAL;
        n = json_object_array_length(v);
        if (n != 2 && n != 3)
                return mock_json_error(c, path,
                                       "expected 2 lines (TD2, TD3) or 3 lines (TD1), "
                                       "got %zu",
                                       n);

        *m = (struct mock_mrz){ .n_lines = (unsigned) n };
        for (size_t i = 0; i < n; i++) {
                struct json_object *line = json_object_array_get_idx(v, i);
                char p[MOCK_PATH_MAX];
                const char *s;
                size_t len;

                mock_json_path_index(p, path, i);
                if (mock_json_expect_type(c, p, line, json_type_string) < 0)
                        return -EINVAL;
                s = json_object_get_string(line);
                len = (size_t) json_object_get_string_len(line);
                if (i == 0) {
                        expected = mock_mrz_expected_length(n, len);
                        if (len != expected)
                                return mock_json_error(
                                        c, p,
                                        n == 3 ? "line is %zu characters; TD1 lines have 30"
                                               : "line is %zu characters; expected 36 (TD2) or 44 "
                                                 "(TD3)",
                                        len);
                } else if (len != expected)
                        return mock_json_error(c, p, "line is %zu characters; %s lines have %zu",
                                               len, expected == 36 ? "TD2" : "TD3", expected);
                for (size_t j = 0; j < len; j++)
                        if (!mock_mrz_char_is_valid(s[j]))
                                return mock_json_error(c, p,
                                                       "character %zu is not allowed; an MRZ "
                                                       "has only A-Z, 0-9 and '<'",
                                                       j + 1);
                memcpy(m->lines[i], s, len + 1);
        }
        return 0;
}

static int parse_chip(struct mock_json_ctx *c, const char *tp, struct json_object *traveller,
                      struct mock_traveller *t) {
        static const char *const keys[] = { "present",   "dg1_mrz",  "access", "extended_length",
                                            "behaviour", "delay_ms", NULL };
        struct json_object *chip, *dg1;
        char p[MOCK_PATH_MAX], pp[MOCK_PATH_MAX];
        int a, b, r;

        t->chip.present = true;
        t->chip.dg1_mrz = t->mrz;
        t->chip.access = MOCK_CHIP_ACCESS_BAC;
        t->chip.extended_length = false;
        t->chip.behaviour = MOCK_CHIP_OK;

        r = mock_json_member(c, tp, traveller, "chip", json_type_object, false, &chip);
        if (r <= 0)
                return r;
        mock_json_path_key(p, tp, "chip");
        if (mock_json_check_keys(c, p, chip, keys) < 0 ||
            mock_json_bool(c, p, chip, "present", true, &t->chip.present) < 0)
                return -EINVAL;

        if (!t->chip.present) {
                for (const char *const *k = keys + 1; *k; k++)
                        if (json_object_object_get_ex(chip, *k, NULL))
                                return mock_json_error(c, mock_json_path_key(pp, p, *k),
                                                       "not allowed when present is false");
                return 0;
        }

        if (json_object_object_get_ex(chip, "dg1_mrz", &dg1) &&
            parse_mrz(c, mock_json_path_key(pp, p, "dg1_mrz"), dg1, &t->chip.dg1_mrz) < 0)
                return -EINVAL;

        if (mock_json_enum(c, p, chip, "access", mock_chip_access_names, MOCK_CHIP_ACCESS_MAX,
                           MOCK_CHIP_ACCESS_BAC, &a) < 0)
                return -EINVAL;
        t->chip.access = (enum mock_chip_access) a;

        if (mock_json_bool(c, p, chip, "extended_length", false, &t->chip.extended_length) < 0)
                return -EINVAL;

        if (mock_json_enum(c, p, chip, "behaviour", mock_chip_behaviour_names,
                           MOCK_CHIP_BEHAVIOUR_MAX, MOCK_CHIP_OK, &b) < 0)
                return -EINVAL;
        t->chip.behaviour = (enum mock_chip_behaviour) b;
        /* Without the ATR's promise no reader sends an extended APDU to refuse. */
        if (t->chip.behaviour == MOCK_CHIP_SHORT_ONLY && !t->chip.extended_length)
                return mock_json_error(c, mock_json_path_key(pp, p, "behaviour"),
                                       "'short-only' is only valid with extended_length true");

        if (t->chip.behaviour == MOCK_CHIP_SLOW)
                return mock_json_ms(c, p, chip, "delay_ms", 2000, &t->chip.delay_ms);
        if (json_object_object_get_ex(chip, "delay_ms", NULL))
                return mock_json_error(c, mock_json_path_key(pp, p, "delay_ms"),
                                       "only valid with behaviour 'slow'");
        return 0;
}

/* The model a reader names the document as: the SDK wants printable ASCII.  null says the
 * reader knows no model that fits. */
static int parse_document_model(struct mock_json_ctx *c, const char *path, struct json_object *v,
                                char **ret) {
        const char *s;

        if (json_object_is_type(v, json_type_null))
                return 0;
        if (!json_object_is_type(v, json_type_string))
                return mock_json_error(c, path, "expected a string or null, got %s",
                                       mock_json_type_phrase(json_object_get_type(v)));
        /* The SDK reads "" as no model too; one spelling is enough. */
        if (json_object_get_string_len(v) == 0)
                return mock_json_error(c, path, "must not be empty; null says no known model fits");
        if (mock_json_text(c, path, v, MOCK_DOCUMENT_MODEL_MAX, &s) < 0)
                return -EINVAL;
        for (size_t i = 0; s[i]; i++)
                if ((unsigned char) s[i] > 0x7e)
                        return mock_json_error(c, path,
                                               "byte %zu is not printable ASCII; a model name "
                                               "has only characters from ' ' to '~'",
                                               i + 1);
        *ret = strdup(s);
        return *ret ? 0 : -ENOMEM;
}

/* Puts the check in the mask of its verdict and takes it out of the others. */
static void set_optical_verdict(struct mock_traveller *t, enum eg_optical_check check,
                                enum mock_optical_verdict verdict) {
        uint32_t bit = EG_OPTICAL_BIT(check);

        t->document.optical_passed &= ~bit;
        t->document.optical_failed &= ~bit;
        t->document.optical_undetermined &= ~bit;
        if (verdict == MOCK_OPTICAL_PASSED)
                t->document.optical_passed |= bit;
        else if (verdict == MOCK_OPTICAL_FAILED)
                t->document.optical_failed |= bit;
        else if (verdict == MOCK_OPTICAL_UNDETERMINED)
                t->document.optical_undetermined |= bit;
}

/*
 * What DOCUMENT_INSPECT finds.  A reader that identified the model makes every check it
 * knows: all passed unless "optical" says otherwise.  One that knows no model has no
 * reference to compare with, so by default it makes none; "optical" may still name checks
 * it makes, as readers do make the model-independent ones (UV dullness, the MRZ's IR ink).
 */
static int parse_document(struct mock_json_ctx *c, const char *tp, struct json_object *traveller,
                          struct mock_traveller *t) {
        static const char *const keys[] = { "model", "optical", NULL };
        struct json_object *doc, *model, *optical;
        char p[MOCK_PATH_MAX], pp[MOCK_PATH_MAX], pc[MOCK_PATH_MAX];
        int r;

        r = mock_json_member(c, tp, traveller, "document", json_type_object, false, &doc);
        if (r < 0)
                return r;
        mock_json_path_key(p, tp, "document");
        if (doc && mock_json_check_keys(c, p, doc, keys) < 0)
                return -EINVAL;

        if (doc && json_object_object_get_ex(doc, "model", &model)) {
                r = parse_document_model(c, mock_json_path_key(pp, p, "model"), model,
                                         &t->document.model);
                if (r < 0)
                        return r;
        } else {
                t->document.model = strdup(MOCK_DOCUMENT_MODEL_DEFAULT);
                if (!t->document.model)
                        return -ENOMEM;
        }

        for (unsigned check = 0; check < EG_OPTICAL_MAX_; check++)
                set_optical_verdict(t, (enum eg_optical_check) check,
                                    t->document.model ? MOCK_OPTICAL_PASSED
                                                      : MOCK_OPTICAL_NOT_MADE);

        if (!doc)
                return 0;
        r = mock_json_member(c, p, doc, "optical", json_type_object, false, &optical);
        if (r <= 0)
                return r;
        mock_json_path_key(pp, p, "optical");
        if (mock_json_check_keys(c, pp, optical, mock_optical_check_names) < 0)
                return -EINVAL;
        for (unsigned check = 0; check < EG_OPTICAL_MAX_; check++) {
                struct json_object *v;
                int verdict;

                if (!json_object_object_get_ex(optical, mock_optical_check_names[check], &v))
                        continue;
                if (mock_json_enum_value(
                            c, mock_json_path_key(pc, pp, mock_optical_check_names[check]), v,
                            mock_optical_verdict_names, MOCK_OPTICAL_VERDICT_MAX, &verdict) < 0)
                        return -EINVAL;
                set_optical_verdict(t, (enum eg_optical_check) check,
                                    (enum mock_optical_verdict) verdict);
        }
        return 0;
}

static bool is_leap(unsigned y) {
        return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* ISO 8601 calendar date, extended format: YYYY-MM-DD. */
static int parse_date(struct mock_json_ctx *c, const char *path, struct json_object *v,
                      struct mock_date *d) {
        static const unsigned days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
        const char *s;
        unsigned y = 0, m = 0, day = 0;

        if (mock_json_expect_type(c, path, v, json_type_string) < 0)
                return -EINVAL;
        s = json_object_get_string(v);
        if (json_object_get_string_len(v) != 10 || s[4] != '-' || s[7] != '-')
                goto invalid;
        for (int i = 0; i < 10; i++) {
                if (i == 4 || i == 7)
                        continue;
                if (s[i] < '0' || s[i] > '9')
                        goto invalid;
                unsigned digit = (unsigned) (s[i] - '0');
                if (i < 4)
                        y = y * 10 + digit;
                else if (i < 7)
                        m = m * 10 + digit;
                else
                        day = day * 10 + digit;
        }
        if (y < 1900 || y > 2199 || m < 1 || m > 12 || day < 1 ||
            day > days[m - 1] + (m == 2 && is_leap(y)))
                goto invalid;
        *d = (struct mock_date){ .year = y, .month = m, .day = day };
        return 0;

invalid:
        return mock_json_error(c, path,
                               "not a valid ISO 8601 calendar date (YYYY-MM-DD, "
                               "years 1900-2199)");
}

static int date_compare(const struct mock_date *a, const struct mock_date *b) {
        unsigned x = a->year * 10000 + a->month * 100 + a->day;
        unsigned y = b->year * 10000 + b->month * 100 + b->day;

        return x < y ? -1 : x > y;
}

static int parse_document_number(struct mock_json_ctx *c, const char *path, struct json_object *v,
                                 char **ret) {
        const char *s;

        if (mock_json_text(c, path, v, 20, &s) < 0)
                return -EINVAL;
        for (size_t i = 0; s[i]; i++)
                if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9')))
                        return mock_json_error(c, path,
                                               "character %zu is not allowed; a "
                                               "document number has only A-Z and 0-9",
                                               i + 1);
        *ret = strdup(s);
        return *ret ? 0 : -ENOMEM;
}

static int parse_fingers(struct mock_json_ctx *c, const char *path, struct json_object *v,
                         struct mock_membership *m) {
        if (mock_json_expect_type(c, path, v, json_type_array) < 0)
                return -EINVAL;
        if (json_object_array_length(v) > MOCK_FINGER_POSITIONS)
                return mock_json_error(c, path, "has %zu entries; a person has %d fingers",
                                       json_object_array_length(v), MOCK_FINGER_POSITIONS);

        for (size_t i = 0; i < json_object_array_length(v); i++) {
                char p[MOCK_PATH_MAX];
                int pos;

                mock_json_path_index(p, path, i);
                if (mock_json_enum_value(c, p, json_object_array_get_idx(v, i),
                                         mock_finger_position_names, MOCK_FINGER_POSITIONS + 1,
                                         &pos) < 0)
                        return -EINVAL;
                for (size_t j = 0; j < m->n_fingers; j++)
                        if (m->fingers[j] == (unsigned) pos)
                                return mock_json_error(c, p, "duplicate finger '%s'",
                                                       mock_finger_position_names[pos]);
                m->fingers[m->n_fingers++] = (unsigned) pos;
        }
        return 0;
}

static int parse_membership(struct mock_json_ctx *c, const char *tp, struct json_object *traveller,
                            struct mock_traveller *t) {
        static const char *const keys[] = {
                "status", "enrolled", "conditional_approval", "registered_passport", "fingers", NULL
        };
        struct mock_membership *m = &t->membership;
        struct json_object *ms, *v;
        char p[MOCK_PATH_MAX], pp[MOCK_PATH_MAX];
        int status, r;

        m->status = MOCK_MEMBERSHIP_NONE;
        r = mock_json_member(c, tp, traveller, "membership", json_type_object, false, &ms);
        if (r <= 0)
                return r;
        mock_json_path_key(p, tp, "membership");
        if (mock_json_check_keys(c, p, ms, keys) < 0 ||
            mock_json_enum(c, p, ms, "status", mock_membership_status_names,
                           MOCK_MEMBERSHIP_STATUS_MAX, -1, &status) < 0)
                return -EINVAL;
        m->status = (enum mock_membership_status) status;

        if (m->status == MOCK_MEMBERSHIP_NONE) {
                for (const char *const *k = keys + 1; *k; k++)
                        if (json_object_object_get_ex(ms, *k, NULL))
                                return mock_json_error(c, mock_json_path_key(pp, p, *k),
                                                       "not allowed when status is none");
                return 0;
        }

        if (json_object_object_get_ex(ms, "enrolled", &v)) {
                if (parse_date(c, mock_json_path_key(pp, p, "enrolled"), v, &m->enrolled) < 0)
                        return -EINVAL;
                m->has_enrolled = true;
        } else if (m->status != MOCK_MEMBERSHIP_CONDITIONAL)
                return mock_json_error(c, mock_json_path_key(pp, p, "enrolled"),
                                       "missing (required for status %s)",
                                       mock_membership_status_names[m->status]);

        if (json_object_object_get_ex(ms, "conditional_approval", &v)) {
                if (parse_date(c, mock_json_path_key(pp, p, "conditional_approval"), v,
                               &m->conditional_approval) < 0)
                        return -EINVAL;
                m->has_conditional_approval = true;
        } else if (m->status == MOCK_MEMBERSHIP_CONDITIONAL)
                return mock_json_error(c, mock_json_path_key(pp, p, "conditional_approval"),
                                       "missing (required for status conditional)");

        if (m->has_enrolled && m->has_conditional_approval &&
            date_compare(&m->enrolled, &m->conditional_approval) < 0)
                return mock_json_error(c, mock_json_path_key(pp, p, "enrolled"),
                                       "is before conditional_approval");

        if (json_object_object_get_ex(ms, "registered_passport", &v) &&
            parse_document_number(c, mock_json_path_key(pp, p, "registered_passport"), v,
                                  &m->registered_passport) < 0)
                return -EINVAL;

        if (json_object_object_get_ex(ms, "fingers", &v) &&
            parse_fingers(c, mock_json_path_key(pp, p, "fingers"), v, m) < 0)
                return -EINVAL;
        return 0;
}

static int parse_outcomes(struct mock_json_ctx *c, const char *path, struct json_object *obj,
                          const char *const *names, size_t n_names, int *outcomes,
                          size_t *n_outcomes) {
        struct json_object *list;
        char p[MOCK_PATH_MAX], pi[MOCK_PATH_MAX];
        int r;

        r = mock_json_array(c, path, obj, "behaviour", false, false, MOCK_MAX_ATTEMPTS, &list);
        if (r <= 0)
                return r;
        mock_json_path_key(p, path, "behaviour");
        *n_outcomes = 0;
        for (size_t i = 0; i < json_object_array_length(list); i++) {
                if (mock_json_enum_value(c, mock_json_path_index(pi, p, i),
                                         json_object_array_get_idx(list, i), names, n_names,
                                         &outcomes[i]) < 0)
                        return -EINVAL;
                (*n_outcomes)++;
        }
        return 0;
}

static int parse_fingerprint(struct mock_json_ctx *c, const char *tp, struct json_object *traveller,
                             struct mock_traveller *t) {
        static const char *const keys[] = { "identity", "behaviour", "score_match",
                                            "score_no_match", NULL };
        struct json_object *fp, *v;
        char p[MOCK_PATH_MAX], pp[MOCK_PATH_MAX];
        int outcomes[MOCK_MAX_ATTEMPTS];
        const char *identity = t->id;
        int r;

        t->fingerprint.outcomes[0] = MOCK_FINGER_MATCH;
        t->fingerprint.n_outcomes = 1;
        t->fingerprint.score_match = 72;
        t->fingerprint.score_no_match = 8;

        r = mock_json_member(c, tp, traveller, "fingerprint", json_type_object, false, &fp);
        if (r < 0)
                return r;
        if (r > 0) {
                mock_json_path_key(p, tp, "fingerprint");
                if (mock_json_check_keys(c, p, fp, keys) < 0)
                        return -EINVAL;
                if (json_object_object_get_ex(fp, "identity", &v) &&
                    mock_json_name(c, mock_json_path_key(pp, p, "identity"), v, &identity) < 0)
                        return -EINVAL;

                size_t n = 0;
                if (parse_outcomes(c, p, fp, mock_finger_outcome_names, MOCK_FINGER_OUTCOME_MAX,
                                   outcomes, &n) < 0)
                        return -EINVAL;
                if (n > 0) {
                        for (size_t i = 0; i < n; i++)
                                t->fingerprint.outcomes[i] = (enum mock_finger_outcome) outcomes[i];
                        t->fingerprint.n_outcomes = n;
                }

                if (mock_json_uint(c, p, fp, "score_match", 72, 100, &t->fingerprint.score_match) <
                            0 ||
                    mock_json_uint(c, p, fp, "score_no_match", 8, 100,
                                   &t->fingerprint.score_no_match) < 0)
                        return -EINVAL;
                if (t->fingerprint.score_match < MOCK_FINGERPRINT_THRESHOLD)
                        return mock_json_error(c, mock_json_path_key(pp, p, "score_match"),
                                               "%u is below the threshold %d, so a match would "
                                               "not match",
                                               t->fingerprint.score_match,
                                               MOCK_FINGERPRINT_THRESHOLD);
                if (t->fingerprint.score_no_match >= MOCK_FINGERPRINT_THRESHOLD)
                        return mock_json_error(c, mock_json_path_key(pp, p, "score_no_match"),
                                               "%u reaches the threshold %d, so a no-match "
                                               "would match",
                                               t->fingerprint.score_no_match,
                                               MOCK_FINGERPRINT_THRESHOLD);
        }

        t->fingerprint.identity = strdup(identity);
        return t->fingerprint.identity ? 0 : -ENOMEM;
}

static int parse_face(struct mock_json_ctx *c, const char *tp, struct json_object *traveller,
                      struct mock_traveller *t) {
        static const char *const keys[] = { "behaviour", NULL };
        struct json_object *face;
        char p[MOCK_PATH_MAX];
        int outcomes[MOCK_MAX_ATTEMPTS];
        size_t n = 0;
        int r;

        t->face.outcomes[0] = MOCK_FACE_MATCH;
        t->face.n_outcomes = 1;

        r = mock_json_member(c, tp, traveller, "face", json_type_object, false, &face);
        if (r <= 0)
                return r;
        mock_json_path_key(p, tp, "face");
        if (mock_json_check_keys(c, p, face, keys) < 0 ||
            parse_outcomes(c, p, face, mock_face_outcome_names, MOCK_FACE_OUTCOME_MAX, outcomes,
                           &n) < 0)
                return -EINVAL;
        if (n > 0) {
                for (size_t i = 0; i < n; i++)
                        t->face.outcomes[i] = (enum mock_face_outcome) outcomes[i];
                t->face.n_outcomes = n;
        }
        return 0;
}

static int parse_traveller(struct mock_json_ctx *c, const char *p, struct json_object *v,
                           struct mock_scenario *s, struct mock_traveller *t) {
        static const char *const keys[] = { "id",         "label",    "mrz",        "mrz_readable",
                                            "chip",       "document", "membership", "fingerprint",
                                            "face",       "walk",     "think_ms",   "patience_ms",
                                            "background", "registry", NULL };
        struct json_object *idv, *mrz;
        char pp[MOCK_PATH_MAX];
        const char *id, *label;
        int walk, background, registry, r;

        if (mock_json_expect_type(c, p, v, json_type_object) < 0 ||
            mock_json_check_keys(c, p, v, keys) < 0 ||
            mock_json_member(c, p, v, "id", json_type_string, true, &idv) < 0 ||
            mock_json_name(c, mock_json_path_key(pp, p, "id"), idv, &id) < 0)
                return -EINVAL;
        for (size_t j = 0; j < s->n_travellers; j++)
                if (&s->travellers[j] != t && s->travellers[j].id && streq(s->travellers[j].id, id))
                        return mock_json_error(c, pp, "duplicate id '%s' (also travellers[%zu])",
                                               id, j);
        t->id = strdup(id);
        if (!t->id)
                return -ENOMEM;

        if (mock_json_string(c, p, v, "label", false, MOCK_TEXT_MAX, &label) < 0)
                return -EINVAL;
        t->label = strdup(label ?: id);
        if (!t->label)
                return -ENOMEM;

        if (mock_json_member(c, p, v, "mrz", json_type_array, true, &mrz) < 0 ||
            parse_mrz(c, mock_json_path_key(pp, p, "mrz"), mrz, &t->mrz) < 0 ||
            mock_json_bool(c, p, v, "mrz_readable", true, &t->mrz_readable) < 0)
                return -EINVAL;

        r = parse_chip(c, p, v, t);
        if (r < 0)
                return r;
        r = parse_document(c, p, v, t);
        if (r < 0)
                return r;
        r = parse_membership(c, p, v, t);
        if (r < 0)
                return r;
        r = parse_fingerprint(c, p, v, t);
        if (r < 0)
                return r;
        r = parse_face(c, p, v, t);
        if (r < 0)
                return r;

        if (mock_json_enum(c, p, v, "walk", mock_walk_names, MOCK_WALK_MAX, MOCK_WALK_NORMAL,
                           &walk) < 0 ||
            mock_json_ms(c, p, v, "think_ms", 1500, &t->think_ms) < 0 ||
            mock_json_ms(c, p, v, "patience_ms", 60000, &t->patience_ms) < 0 ||
            mock_json_enum(c, p, v, "background", mock_background_names, MOCK_BACKGROUND_MAX,
                           MOCK_BACKGROUND_CLEAR, &background) < 0 ||
            mock_json_enum(c, p, v, "registry", mock_registry_names, MOCK_REGISTRY_MAX,
                           MOCK_REGISTRY_OK, &registry) < 0)
                return -EINVAL;
        t->walk = (enum mock_walk) walk;
        t->background = (enum mock_background) background;
        t->registry = (enum mock_registry) registry;
        return 0;
}

int mock_parse_travellers(struct mock_json_ctx *c, struct json_object *root,
                          struct mock_scenario *s) {
        struct json_object *travellers;
        int r;

        r = mock_json_array(c, "", root, "travellers", false, true, MOCK_MAX_TRAVELLERS,
                            &travellers);
        if (r <= 0)
                return r;
        s->travellers = calloc(json_object_array_length(travellers) + 1, sizeof(*s->travellers));
        if (!s->travellers)
                return -ENOMEM;

        for (size_t i = 0; i < json_object_array_length(travellers); i++) {
                char p[MOCK_PATH_MAX];

                /* Counted before parsing so the cleanup frees a half-parsed one too. */
                s->n_travellers++;
                r = parse_traveller(c, mock_json_path_index(p, "travellers", i),
                                    json_object_array_get_idx(travellers, i), s, &s->travellers[i]);
                if (r < 0)
                        return r;
        }
        return 0;
}
