/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Lane policies: the built-in SES defaults and [policy.NAME] sections.  A section sets
 * the keys it names; every other key keeps the SES default.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config-internal.h"

#define POLICY_TIMEOUT_MIN_MS 100u
#define POLICY_TIMEOUT_MAX_MS 600000u

static const char *const finger_names[] = {
        "right-thumb", "right-index", "right-middle", "right-ring", "right-little",
        "left-thumb",  "left-index",  "left-middle",  "left-ring",  "left-little",
};

enum policy_key_type {
        POLICY_KEY_UNSIGNED,
        POLICY_KEY_TIMEOUT,
        POLICY_KEY_FACE,
        POLICY_KEY_CHIP_FALLBACK,
        POLICY_KEY_BACKEND_FALLBACK,
        POLICY_KEY_FINGERS,
        POLICY_KEY_DOCUMENT_TYPES,
        POLICY_KEY_ISSUING_STATES,
        POLICY_KEY_REQUIREMENT, /* PIPELINE: required | optional */
        POLICY_KEY_CONFIRMATION, /* PIPELINE: none | referrals | all */
        POLICY_KEY_OPTICAL, /* PIPELINE: mandatory | evaluatory */
};

struct policy_key {
        const char *key;
        enum policy_key_type type;
        size_t offset;
        unsigned min, max;
};

#define POLICY_FIELD(f) offsetof(struct eg_policy, f)
#define POLICY_TIMEOUT(k, f)                                                                       \
        { k, POLICY_KEY_TIMEOUT, POLICY_FIELD(f), POLICY_TIMEOUT_MIN_MS, POLICY_TIMEOUT_MAX_MS }

static const struct policy_key policy_keys[] = {
        { "min-age", POLICY_KEY_UNSIGNED, POLICY_FIELD(min_age_years), 0, 120 },
        { "membership-years", POLICY_KEY_UNSIGNED, POLICY_FIELD(membership_years), 1, 20 },
        { "conditional-enrolment-months", POLICY_KEY_UNSIGNED,
          POLICY_FIELD(conditional_enrolment_months), 0, 24 },
        { "fingerprint-attempts", POLICY_KEY_UNSIGNED, POLICY_FIELD(fingerprint_attempts), 1, 10 },
        { "enrolled-fingers", POLICY_KEY_FINGERS, POLICY_FIELD(enrolled_fingers), 0, 0 },
        { "face-verification", POLICY_KEY_FACE, POLICY_FIELD(face_verification), 0, 0 },
        { "face-attempts", POLICY_KEY_UNSIGNED, POLICY_FIELD(face_attempts), 1, 10 },
        { "document-attempts", POLICY_KEY_UNSIGNED, POLICY_FIELD(document_attempts), 1, 10 },
        { "chip-attempts", POLICY_KEY_UNSIGNED, POLICY_FIELD(chip_attempts), 1, 10 },
        { "chip-unreadable", POLICY_KEY_CHIP_FALLBACK, POLICY_FIELD(chip_unreadable), 0, 0 },
        { "background-unavailable", POLICY_KEY_BACKEND_FALLBACK,
          POLICY_FIELD(background_unavailable), 0, 0 },
        { "document-types", POLICY_KEY_DOCUMENT_TYPES, POLICY_FIELD(document_types), 0, 0 },
        { "issuing-states", POLICY_KEY_ISSUING_STATES, POLICY_FIELD(issuing_states), 0, 0 },
        POLICY_TIMEOUT("document-timeout-ms", document_timeout_ms),
        POLICY_TIMEOUT("chip-timeout-ms", chip_timeout_ms),
        POLICY_TIMEOUT("mantrap-timeout-ms", mantrap_timeout_ms),
        POLICY_TIMEOUT("fingerprint-timeout-ms", fingerprint_timeout_ms),
        POLICY_TIMEOUT("face-timeout-ms", face_timeout_ms),
        POLICY_TIMEOUT("exit-timeout-ms", exit_timeout_ms),
        POLICY_TIMEOUT("background-timeout-ms", background_timeout_ms),
        /* PIPELINE */
        { "passive-authentication", POLICY_KEY_REQUIREMENT, POLICY_FIELD(passive_authentication), 0,
          0 },
        { "chip-authenticity", POLICY_KEY_REQUIREMENT, POLICY_FIELD(chip_authenticity), 0, 0 },
        { "document-inspection", POLICY_KEY_REQUIREMENT, POLICY_FIELD(document_inspection), 0, 0 },
        { "optical-checks", POLICY_KEY_OPTICAL, POLICY_FIELD(optical_checks), 0, 0 },
        { "fingerprint-threshold", POLICY_KEY_UNSIGNED, POLICY_FIELD(fingerprint_threshold), 0,
          100000 },
        { "face-threshold", POLICY_KEY_UNSIGNED, POLICY_FIELD(face_threshold), 1, 100 },
        { "operator-confirmation", POLICY_KEY_CONFIRMATION, POLICY_FIELD(operator_confirmation), 0,
          0 },
        { "operator-attendance", POLICY_KEY_REQUIREMENT, POLICY_FIELD(operator_attendance), 0, 0 },
        POLICY_TIMEOUT("registry-timeout-ms", registry_timeout_ms),
        POLICY_TIMEOUT("turn-back-ms", turn_back_ms),
};

static char **strv_new_from(const char *const *items, size_t n) {
        char **l = calloc(n + 1, sizeof(char *));

        if (!l)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                l[i] = strdup(items[i]);
                if (!l[i]) {
                        strv_free(l);
                        return NULL;
                }
        }
        return l;
}

void eg_policy_init_ses(struct eg_policy *p) {
        static const char *const fingers[] = { "right-index", "left-index" };
        static const char *const types[] = { "P" };
        static const char *const states[] = { "KOR", "USA" };

        /* An initialiser: the lists are overwritten, not freed, so `p` may hold garbage
         * except for the name and origin, which stay untouched. */
        *p = (struct eg_policy){
                .name = p->name,
                .min_age_years = 17,
                .membership_years = 5,
                .conditional_enrolment_months = 6,
                .fingerprint_attempts = 3,
                .face_verification = -1,
                .face_attempts = 2,
                .document_attempts = 3,
                .chip_attempts = 2,
                .chip_unreadable = EG_CHIP_FALLBACK_REFER,
                .background_unavailable = EG_BACKEND_FALLBACK_REFER,
                .document_timeout_ms = 20000,
                .chip_timeout_ms = 7000,
                .mantrap_timeout_ms = 30000,
                .fingerprint_timeout_ms = 10000,
                .face_timeout_ms = 10000,
                .exit_timeout_ms = 10000,
                .background_timeout_ms = 5000,
                .passive_authentication = EG_REQUIREMENT_REQUIRED,
                .chip_authenticity = EG_REQUIREMENT_OPTIONAL,
                .document_inspection = EG_REQUIREMENT_REQUIRED,
                .optical_checks = EG_OPTICAL_EVALUATORY,
                .fingerprint_threshold = 0,
                .face_threshold = 60,
                .operator_confirmation = EG_CONFIRM_NONE,
                .operator_attendance = EG_REQUIREMENT_OPTIONAL,
                .registry_timeout_ms = 3000,
                .turn_back_ms = 3000,
                .origin = p->origin,
        };

        p->enrolled_fingers = strv_new_from(fingers, ELEMENTSOF(fingers));
        p->document_types = strv_new_from(types, ELEMENTSOF(types));
        p->issuing_states = strv_new_from(states, ELEMENTSOF(states));
        if (!p->enrolled_fingers || !p->document_types || !p->issuing_states) {
                /* Out of memory.  Fail closed: with no document type every traveller is
                 * referred to an officer, whatever the (then empty) state list says. */
                strv_free(p->document_types);
                p->document_types = NULL;
        }
}

void eg_policy_done(struct eg_policy *p) {
        if (!p)
                return;
        free(p->name);
        strv_free(p->enrolled_fingers);
        strv_free(p->document_types);
        strv_free(p->issuing_states);
        config_origin_done(&p->origin);
        *p = (struct eg_policy){};
}

static int copy_list(char **from, char ***to) {
        for (char **s = from; s && *s; s++)
                if (strv_extend(to, *s) < 0)
                        return -ENOMEM;
        return 0;
}

int eg_policy_copy(const struct eg_policy *from, struct eg_policy *to) {
        struct eg_policy copy = *from;

        /* All or nothing: a list cut short by a failed allocation would change what the
         * policy admits (an empty issuing-states list accepts any state). */
        copy.name = NULL;
        copy.enrolled_fingers = copy.document_types = copy.issuing_states = NULL;
        copy.origin = (struct eg_config_origin){}; /* where the config said it: not ours */
        if ((from->name && !(copy.name = strdup(from->name))) ||
            copy_list(from->enrolled_fingers, &copy.enrolled_fingers) < 0 ||
            copy_list(from->document_types, &copy.document_types) < 0 ||
            copy_list(from->issuing_states, &copy.issuing_states) < 0) {
                eg_policy_done(&copy);
                return -ENOMEM;
        }
        *to = copy;
        return 0;
}

static bool policy_is_complete(const struct eg_policy *p) {
        return p->enrolled_fingers && p->document_types && p->issuing_states;
}

static bool finger_is_valid(const char *s) {
        for (size_t i = 0; i < ELEMENTSOF(finger_names); i++)
                if (streq(s, finger_names[i]))
                        return true;
        return false;
}

/* ICAO 9303 document codes and state codes: capitals and the filler '<'. */
static bool mrz_code_is_valid(const char *s, size_t min, size_t max) {
        size_t n = strlen(s);

        if (n < min || n > max)
                return false;
        for (; *s; s++)
                if (!((*s >= 'A' && *s <= 'Z') || *s == '<'))
                        return false;
        return true;
}

static bool strv_has_duplicate(char *const *l, const char **ret) {
        for (size_t i = 0; l[i]; i++)
                for (size_t j = 0; j < i; j++)
                        if (streq(l[i], l[j])) {
                                *ret = l[i];
                                return true;
                        }
        return false;
}

/* A list of codes or names: each item checked, no item twice. */
static int policy_get_list(struct config_parser *p, const struct config_entry *e,
                           enum policy_key_type type, char ***field) {
        _cleanup_(strv_freep) char **l = NULL;
        const char *dup;
        int r;

        r = config_get_list(p, e, ",", type == POLICY_KEY_ISSUING_STATES, &l);
        if (r <= 0)
                return r;

        for (char **i = l; *i; i++) {
                if (type == POLICY_KEY_FINGERS && !finger_is_valid(*i)) {
                        config_error(p, e->where,
                                     "unknown finger '%s' in %s: expected right- or left- "
                                     "followed by thumb, index, middle, ring or little",
                                     *i, e->key);
                        return 0;
                }
                if (type == POLICY_KEY_DOCUMENT_TYPES && !mrz_code_is_valid(*i, 1, 2)) {
                        config_error(p, e->where,
                                     "invalid document type '%s' in %s: expected 1 or 2 "
                                     "characters from A-Z and '<'",
                                     *i, e->key);
                        return 0;
                }
                if (type == POLICY_KEY_ISSUING_STATES && !mrz_code_is_valid(*i, 3, 3)) {
                        config_error(p, e->where,
                                     "invalid issuing state '%s' in %s: expected 3 characters "
                                     "from A-Z and '<'",
                                     *i, e->key);
                        return 0;
                }
        }
        if (strv_has_duplicate(l, &dup)) {
                config_error(p, e->where, "'%s' is listed twice in %s", dup, e->key);
                return 0;
        }

        strv_free(*field);
        *field = TAKE_PTR(l);
        return 1;
}

static int policy_get_choice(struct config_parser *p, const struct config_entry *e,
                             const char *const *choices, size_t n, const char *expected, int *ret) {
        for (size_t i = 0; i < n; i++)
                if (streq(e->value, choices[i])) {
                        *ret = (int) i;
                        return 1;
                }
        if (!e->value[0])
                config_error(p, e->where, "missing value for %s", e->key);
        else
                config_error(p, e->where, "invalid value '%s' for %s: expected %s", e->value,
                             e->key, expected);
        return 0;
}

static int policy_set(struct config_parser *p, struct eg_policy *pol, const struct policy_key *k,
                      const struct config_entry *e) {
        static const char *const fallbacks[] = { "refer", "continue" };
        /* In the order of enum eg_requirement and enum eg_confirmation. */
        static const char *const requirements[] = { "required", "optional" };
        static const char *const confirmations[] = { "none", "referrals", "all" };
        static const char *const optical_weights[] = { "mandatory", "evaluatory" };
        void *field = (uint8_t *) pol + k->offset;
        unsigned v;
        bool b;
        int r, choice;

        switch (k->type) {
        case POLICY_KEY_UNSIGNED:
        case POLICY_KEY_TIMEOUT:
                r = config_get_unsigned(p, e, k->min, k->max, &v);
                if (r <= 0)
                        return r;
                if (k->type == POLICY_KEY_TIMEOUT)
                        *(uint32_t *) field = v;
                else
                        *(unsigned *) field = v;
                return 1;

        case POLICY_KEY_FACE:
                if (streq(e->value, "auto")) {
                        pol->face_verification = -1;
                        return 1;
                }
                if (!e->value[0] || config_parse_boolean(e->value) < 0) {
                        config_error(p, e->where,
                                     "invalid value '%s' for %s: expected auto, yes or no",
                                     e->value, e->key);
                        return 0;
                }
                r = config_get_boolean(p, e, &b);
                if (r > 0)
                        pol->face_verification = b;
                return r;

        case POLICY_KEY_CHIP_FALLBACK:
        case POLICY_KEY_BACKEND_FALLBACK:
                r = policy_get_choice(p, e, fallbacks, ELEMENTSOF(fallbacks), "refer or continue",
                                      &choice);
                if (r <= 0)
                        return r;
                /* Both enums have REFER = 0, CONTINUE = 1, in the order of `fallbacks`. */
                if (k->type == POLICY_KEY_CHIP_FALLBACK)
                        pol->chip_unreadable = (enum eg_chip_fallback) choice;
                else
                        pol->background_unavailable = (enum eg_backend_fallback) choice;
                return 1;

        case POLICY_KEY_FINGERS:
        case POLICY_KEY_DOCUMENT_TYPES:
        case POLICY_KEY_ISSUING_STATES:
                return policy_get_list(p, e, k->type, (char ***) field);

        case POLICY_KEY_REQUIREMENT:
                r = policy_get_choice(p, e, requirements, ELEMENTSOF(requirements),
                                      "required or optional", &choice);
                if (r > 0)
                        *(enum eg_requirement *) field = (enum eg_requirement) choice;
                return r;

        case POLICY_KEY_CONFIRMATION:
                r = policy_get_choice(p, e, confirmations, ELEMENTSOF(confirmations),
                                      "none, referrals or all", &choice);
                if (r > 0)
                        *(enum eg_confirmation *) field = (enum eg_confirmation) choice;
                return r;

        case POLICY_KEY_OPTICAL:
                r = policy_get_choice(p, e, optical_weights, ELEMENTSOF(optical_weights),
                                      "mandatory or evaluatory", &choice);
                if (r > 0)
                        *(enum eg_optical_weight *) field = (enum eg_optical_weight) choice;
                return r;
        }
        return 0;
}

static int policy_apply_section(struct config_parser *p, const struct config_section *s,
                                struct eg_policy *pol) {
        int r;

        r = config_origin_set(p, s->where, &pol->origin);
        if (r < 0)
                return r;

        for (size_t i = 0; i < s->n_entries; i++) {
                const struct config_entry *e = &s->entries[i];
                const struct policy_key *k = NULL;

                for (size_t j = 0; j < ELEMENTSOF(policy_keys); j++)
                        if (streq(e->key, policy_keys[j].key)) {
                                k = &policy_keys[j];
                                break;
                        }
                if (!k) {
                        config_error(p, e->where, "unknown key '%s' in [%s]", e->key, s->header);
                        continue;
                }
                r = policy_set(p, pol, k, e);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int policies_add(struct eg_config *c, const char *name, struct eg_policy **ret) {
        struct eg_policy *policies, *pol;

        policies = realloc(c->policies, sizeof(*policies) * (c->n_policies + 1));
        if (!policies)
                return -ENOMEM;
        c->policies = policies;

        pol = &c->policies[c->n_policies];
        *pol = (struct eg_policy){};
        pol->name = strdup(name);
        if (!pol->name)
                return -ENOMEM;
        c->n_policies++;

        eg_policy_init_ses(pol);
        if (!policy_is_complete(pol))
                return -ENOMEM;

        *ret = pol;
        return 0;
}

int config_build_policies(struct config_parser *p, struct eg_config *c) {
        struct eg_policy *pol;
        int r;

        /* "ses" always exists and comes first; [policy.ses] only adjusts it. */
        r = policies_add(c, "ses", &pol);
        if (r < 0)
                return r;

        for (size_t i = 0; i < p->n_sections; i++) {
                const struct config_section *s = &p->sections[i];

                if (s->kind != CONFIG_SECTION_POLICY)
                        continue;

                if (streq(s->name, "ses"))
                        pol = &c->policies[0];
                else {
                        r = policies_add(c, s->name, &pol);
                        if (r < 0)
                                return r;
                }
                r = policy_apply_section(p, s, pol);
                if (r < 0)
                        return r;
        }
        return 0;
}
