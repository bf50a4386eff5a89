/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Mock mode's test backends (mock-support.h).  The scenario file is read a
 * second time here, with the mock plugin's own parser, so the daemon and the
 * mock devices agree on every traveller.  What is read is personal data in a
 * real system: nothing of it is logged, only counts.
 */
#include <errno.h>
#include <json-c/json.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "backend/background.h"
#include "config.h"
#include "log.h"
#include "manager.h"
#include "mock-support.h"
#include "pipeline/face-matcher.h"
#include "pipeline/pipeline.h"
#include "scenario.h"
#include "json-util.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct mock_scenario *, mock_scenario_free)
/* What the daemon needs of a traveller's printed MRZ, even one with a wrong check digit. */
struct document {
        char issuing_state[4];
        char number[MOCK_DOCUMENT_NUMBER_MAX];
        struct eg_date birth, expiry;
        bool dates_ok;
};

static void today(struct eg_date *d) {
        time_t now = time(NULL);
        struct tm tm;

        (void) localtime_r(&now, &tm);
        *d = (struct eg_date){ tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday };
}

/* YYMMDD at `s`, windowed like the MRZ parser: births not after today, expiries within
 * [today - 85 years, today + 15 years). */
static bool yymmdd(const char *s, bool birth, const struct eg_date *now, struct eg_date *ret) {
        int v[3];

        for (int i = 0; i < 3; i++) {
                if (s[2 * i] < '0' || s[2 * i] > '9' || s[2 * i + 1] < '0' || s[2 * i + 1] > '9')
                        return false;
                v[i] = (s[2 * i] - '0') * 10 + (s[2 * i + 1] - '0');
        }
        *ret = (struct eg_date){ now->year - now->year % 100 + v[0], v[1], v[2] };
        if (birth) {
                if (eg_date_compare(ret, now) > 0)
                        ret->year -= 100;
        } else if (ret->year >= now->year + 15)
                ret->year -= 100;
        else if (ret->year < now->year - 85)
                ret->year += 100;
        return eg_date_is_valid(ret);
}

static int document_of(const struct mock_traveller *t, const struct eg_date *now,
                       struct document *ret) {
        const struct mock_mrz *m = &t->mrz;
        const char *dates;

        *ret = (struct document){};
        if (mock_mrz_document_number(m, ret->number) < 0 || m->n_lines < 2)
                return -EINVAL;
        memcpy(ret->issuing_state, m->lines[0] + 2, 3);
        /* Birth and expiry: TD3/TD2 line 2 at 14 and 22; TD1 line 2 at 1 and 9. */
        dates = mock_mrz_format(m) == MOCK_MRZ_TD1 ? m->lines[1] : m->lines[1] + 13;
        ret->dates_ok = yymmdd(dates, true, now, &ret->birth) &&
                        yymmdd(dates + 8, false, now, &ret->expiry);
        return 0;
}

static json_object *date_json(const struct eg_date *d) {
        char buf[11];

        if (eg_date_format_iso(d, buf) < 0)
                return NULL;
        return json_object_new_string(buf);
}

static json_object *mock_date_json(const struct mock_date *d) {
        struct eg_date e = { (int) d->year, (int) d->month, (int) d->day };

        return date_json(&e);
}

static json_object *base64_json(const uint8_t *data, size_t len) {
        _cleanup_free_ char *out = malloc(4 * ((len + 2) / 3) + 1);

        if (!out)
                return NULL;
        (void) EVP_EncodeBlock((unsigned char *) out, data, (int) len);
        return json_object_new_string(out);
}

static int append(json_object *a, json_object *v) {
        if (!v)
                return -ENOMEM;
        if (json_object_array_add(a, v) < 0) {
                json_object_put(v);
                return -ENOMEM;
        }
        return 0;
}

/* One registry member in the import format (docs/registry.md). */
static int member_json(const struct mock_traveller *t, const struct document *doc,
                       json_object *members) {
        static const char *const statuses[] = {
                [MOCK_MEMBERSHIP_ACTIVE] = "active",
                [MOCK_MEMBERSHIP_CONDITIONAL] = "conditional",
                [MOCK_MEMBERSHIP_SUSPENDED] = "suspended",
                [MOCK_MEMBERSHIP_REVOKED] = "revoked",
                [MOCK_MEMBERSHIP_EXPIRED] = "expired",
        };
        const struct mock_membership *ms = &t->membership;
        _cleanup_(json_object_putp) json_object *o = json_object_new_object();
        json_object *passports, *passport, *fingers, *face;
        char id[64], buf[MOCK_DOCUMENT_NUMBER_MAX];
        uint8_t template[MOCK_TEMPLATE_MAX];
        int len;

        if (!o)
                return -ENOMEM;
        (void) snprintf(id, sizeof(id), "MOCK-%s", t->id);
        if (eg_json_add(o, "id", json_object_new_string(id)) < 0 ||
            eg_json_add(o, "status", json_object_new_string(statuses[ms->status])) < 0 ||
            eg_json_add(o, "birth_date", date_json(&doc->birth)) < 0)
                return -ENOMEM;
        if (ms->has_enrolled && eg_json_add(o, "enrolled", mock_date_json(&ms->enrolled)) < 0)
                return -ENOMEM;
        if (ms->has_conditional_approval &&
            eg_json_add(o, "conditional_approval", mock_date_json(&ms->conditional_approval)) < 0)
                return -ENOMEM;

        passports = json_object_new_array();
        passport = json_object_new_object();
        if (eg_json_add(o, "passports", passports) < 0 || append(passports, passport) < 0 ||
            eg_json_add(passport, "issuing_state", json_object_new_string(doc->issuing_state)) <
                    0 ||
            eg_json_add(passport, "document_number",
                        json_object_new_string(mock_traveller_registered_passport(t, buf))) < 0 ||
            eg_json_add(passport, "expiry", date_json(&doc->expiry)) < 0)
                return -ENOMEM;

        len = mock_traveller_template(t, template, sizeof(template));
        if (ms->n_fingers > 0 && len > 0) {
                fingers = json_object_new_array();
                if (eg_json_add(o, "fingers", fingers) < 0)
                        return -ENOMEM;
                for (size_t i = 0; i < ms->n_fingers; i++) {
                        json_object *f = json_object_new_object();

                        if (append(fingers, f) < 0 ||
                            eg_json_add(f, "position", json_object_new_int((int) ms->fingers[i])) <
                                    0 ||
                            eg_json_add(f, "format", json_object_new_string(MOCK_TEMPLATE_FORMAT)) <
                                    0 ||
                            eg_json_add(f, "template", base64_json(template, (size_t) len)) < 0)
                                return -ENOMEM;
                }
        }
        /* The mock comparator's reference: the traveller's id (face-matcher.h). */
        face = json_object_new_object();
        if (eg_json_add(o, "face", face) < 0 ||
            eg_json_add(face, "mime", json_object_new_string(EG_FACE_MOCK_REFERENCE_MIME)) < 0 ||
            eg_json_add(face, "image", base64_json((const uint8_t *) t->id, strlen(t->id))) < 0)
                return -ENOMEM;
        return append(members, TAKE_PTR(o));
}

static void on_imported(struct eg_registry_admin_result *res, void *userdata) {
        struct eg_manager *m = userdata;

        m->mock_importing = false;
        if (res->status < 0)
                log_error_errno(res->status, "mock mode: scenario members not imported: %s%s%m",
                                res->message ? res->message : "", res->message ? ": " : "");
        else
                log_info("mock mode: %u scenario member(s) in the registry", res->count);
        eg_pipelines_refresh(m);
}

static int import_members(struct eg_manager *m, const struct mock_scenario *s,
                          const struct eg_date *now) {
        _cleanup_(json_object_putp) json_object *root = json_object_new_object();
        json_object *members = json_object_new_array();
        struct eg_registry_admin_request req = {
                .kind = EG_REGISTRY_ADMIN_IMPORT,
                .actor = "egated --mock",
                .reason = "mock scenario",
        };
        _cleanup_(closep) int fd = -1;
        const char *text;
        size_t len, n = 0;
        int r;

        if (!root || eg_json_add(root, "members", members) < 0)
                return -ENOMEM;
        if (!m->registry->ops->admin) {
                /* An external registry is managed where it lives, not from here. */
                log_info("mock mode: the %s registry takes no imports: the scenario's members "
                         "must be there already",
                         m->registry->ops->name);
                return 0;
        }
        for (size_t i = 0; i < s->n_travellers; i++) {
                const struct mock_traveller *t = &s->travellers[i];
                struct document doc;

                if (t->membership.status == MOCK_MEMBERSHIP_NONE)
                        continue;
                if (document_of(t, now, &doc) < 0 || !doc.dates_ok) {
                        log_warning("mock mode: traveller %s: no usable MRZ dates, not imported",
                                    t->id);
                        continue;
                }
                r = member_json(t, &doc, members);
                explicit_bzero(&doc, sizeof(doc));
                if (r < 0)
                        return r;
                n++;
        }
        if (n == 0)
                return 0;

        text = json_object_to_json_string_length(root, JSON_C_TO_STRING_PLAIN, &len);
        fd = memfd_create("egate-mock-members", MFD_CLOEXEC);
        if (!text || fd < 0)
                return fd < 0 ? -errno : -ENOMEM;
        if (write(fd, text, len) != (ssize_t) len || lseek(fd, 0, SEEK_SET) < 0)
                return -errno;
        req.fd = fd;
        r = eg_registry_admin(m->registry, &req, on_imported, m);
        if (r < 0)
                return r;
        m->mock_importing = true;
        return 0;
}

static const char *scenario_path(struct eg_manager *m) {
        const struct eg_config_plugin *cp;

        if (m->mock_scenario)
                return m->mock_scenario;
        cp = eg_config_find_plugin(m->config, "mock");
        for (size_t i = 0; cp && i < cp->n_options; i++)
                if (streq(cp->options[i].key, "scenario"))
                        return cp->options[i].value;
        return NULL;
}

static int setup_backgrounds(struct eg_manager *m, const struct mock_scenario *s,
                             const struct eg_date *now) {
        static const enum eg_background_verdict verdicts[] = {
                [MOCK_BACKGROUND_CLEAR] = EG_BACKGROUND_CLEAR,
                [MOCK_BACKGROUND_WATCHLIST_HIT] = EG_BACKGROUND_WATCHLIST_HIT,
                [MOCK_BACKGROUND_LOST_STOLEN] = EG_BACKGROUND_LOST_STOLEN,
                [MOCK_BACKGROUND_UNAVAILABLE] = EG_BACKGROUND_UNAVAILABLE,
        };
        _cleanup_free_ struct eg_background_entry *e = calloc(s->n_travellers + 1, sizeof(*e));
        size_t n = 0;
        int r;

        if (!e)
                return -ENOMEM;
        for (size_t i = 0; i < s->n_travellers; i++) {
                const struct mock_traveller *t = &s->travellers[i];
                struct document doc;

                if (t->background == MOCK_BACKGROUND_CLEAR || document_of(t, now, &doc) < 0)
                        continue;
                memcpy(e[n].issuing_state, doc.issuing_state, sizeof(e[n].issuing_state));
                (void) snprintf(e[n].document_number, sizeof(e[n].document_number), "%s",
                                doc.number);
                e[n++].verdict = verdicts[t->background];
        }
        r = eg_background_scenario_new(m->event, e, n, &m->background);
        explicit_bzero(e, sizeof(*e) * (s->n_travellers + 1));
        return r;
}

static int setup_registry(struct eg_manager *m, const struct mock_scenario *s,
                          const struct eg_date *now) {
        static const enum eg_mock_registry_fault faults[] = {
                [MOCK_REGISTRY_OK] = EG_MOCK_REGISTRY_PASS,
                [MOCK_REGISTRY_ERROR] = EG_MOCK_REGISTRY_ERROR,
                [MOCK_REGISTRY_HANG] = EG_MOCK_REGISTRY_HANG,
        };
        _cleanup_free_ struct eg_mock_registry_entry *e = calloc(s->n_travellers + 1, sizeof(*e));
        size_t n = 0;
        int r;

        if (!e)
                return -ENOMEM;
        r = import_members(m, s, now);
        if (r < 0)
                log_error_errno(r, "mock mode: cannot import the scenario's members: %m");
        for (size_t i = 0; i < s->n_travellers; i++) {
                const struct mock_traveller *t = &s->travellers[i];
                char buf[MOCK_DOCUMENT_NUMBER_MAX];
                struct document doc;

                if (document_of(t, now, &doc) < 0)
                        continue;
                memcpy(e[n].issuing_state, doc.issuing_state, sizeof(e[n].issuing_state));
                (void) snprintf(e[n].document_number, sizeof(e[n].document_number), "%s",
                                doc.number);
                e[n].fault = faults[t->registry];
                e[n].member = t->membership.status != MOCK_MEMBERSHIP_NONE && doc.dates_ok;
                e[n].birth_date = doc.birth;
                (void) snprintf(e[n].registered_number, sizeof(e[n].registered_number), "%s",
                                mock_traveller_registered_passport(t, buf) ?: "");
                n++;
        }
        r = eg_mock_registry_new(m->event, TAKE_PTR(m->registry), e, n, &m->registry);
        explicit_bzero(e, sizeof(*e) * (s->n_travellers + 1));
        return r;
}

int eg_mock_support_setup(struct eg_manager *m) {
        _cleanup_(mock_scenario_freep) struct mock_scenario *s = NULL;
        _cleanup_free_ char *error = NULL;
        const char *path = scenario_path(m);
        struct eg_date now;
        int r;

        if (!path) {
                log_warning("mock mode without a scenario: no registry import, no test backends");
                return 0;
        }
        r = mock_scenario_load_file(path, &s, &error);
        if (r < 0)
                return log_error_errno(r, "mock mode: scenario %s: %s", path, strna(error));
        today(&now);

        if (m->registry) {
                r = setup_registry(m, s, &now);
                if (r < 0)
                        return log_error_errno(r, "mock mode: cannot wrap the registry: %m");
        } else
                log_warning("mock mode: no registry open: scenario members not imported");
        /* A configured bridge answers the background check even in mock mode: that is how
         * a deployment tests its own. */
        if (m->config && m->config->background_backend == EG_BACKGROUND_BACKEND_EXTERNAL)
                log_info("mock mode: the background check goes to the external bridge");
        else {
                r = setup_backgrounds(m, s, &now);
                if (r < 0)
                        return r;
        }
        /* The same for the face comparator: a configured bridge compares instead of the mock
         * one (the manager opens it). */
        if (m->config && m->config->face_backend == EG_FACE_BACKEND_EXTERNAL)
                log_info("mock mode: face comparisons go to the external bridge");
        else {
                r = eg_face_matcher_mock_new(m->event, &m->face_matcher);
                if (r < 0)
                        return r;
        }
        log_info("mock mode: registry, background check and face comparator answer for "
                 "scenario %s",
                 s->name);
        return 0;
}
