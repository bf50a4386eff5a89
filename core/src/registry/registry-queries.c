/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the registry's worker does with each request: the reads (lookup,
 * list, show, exists) here, the changes in registry-changes.c.  A read runs
 * in one transaction, so a member and its rows are seen as of one moment.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "registry-json.h"
#include "registry-sqlite-internal.h"

/* -ENOENT, -EIO (rc kept in *ret_rc for the message), -ENOMEM or 0. */
static int load_rows(struct registry_sqlite *b, struct eg_member *m, bool biometrics, int *ret_rc) {
        sqlite3_stmt *s;
        int rc;

        s = registry_statement(b, STMT_MEMBER_PASSPORTS, &rc);
        if (!s || sqlite3_bind_text(s, 1, m->id, -1, SQLITE_STATIC) != SQLITE_OK)
                goto fail;
        while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
                struct eg_member_passport *p =
                        reallocarray(m->passports, m->n_passports + 1, sizeof(*p));
                if (!p)
                        return -ENOMEM;
                m->passports = p;
                p = &m->passports[m->n_passports++];
                *p = (struct eg_member_passport){};
                registry_column_copy(s, 0, p->issuing_state, sizeof(p->issuing_state));
                registry_column_copy(s, 1, p->document_number, sizeof(p->document_number));
                (void) registry_column_date(s, 2, &p->expiry);
        }
        (void) sqlite3_reset(s);
        if (rc != SQLITE_DONE)
                goto fail;
        if (!biometrics)
                return 0;

        s = registry_statement(b, STMT_MEMBER_FINGERS, &rc);
        if (!s || sqlite3_bind_text(s, 1, m->id, -1, SQLITE_STATIC) != SQLITE_OK)
                goto fail;
        while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
                struct eg_member_finger *f = reallocarray(m->fingers, m->n_fingers + 1, sizeof(*f));
                const char *format = (const char *) sqlite3_column_text(s, 1);

                if (!f)
                        return -ENOMEM;
                m->fingers = f;
                f = &m->fingers[m->n_fingers++];
                *f = (struct eg_member_finger){ .position = sqlite3_column_int(s, 0) };
                f->format = strdup(format ? format : "");
                f->data = registry_column_blob_dup(s, 2, &f->len);
                if (!f->format || !f->data) {
                        (void) sqlite3_reset(s);
                        return -ENOMEM;
                }
        }
        (void) sqlite3_reset(s);
        if (rc != SQLITE_DONE)
                goto fail;

        s = registry_statement(b, STMT_MEMBER_FACE, &rc);
        if (!s || sqlite3_bind_text(s, 1, m->id, -1, SQLITE_STATIC) != SQLITE_OK)
                goto fail;
        rc = sqlite3_step(s);
        if (rc == SQLITE_ROW) {
                const char *mime = (const char *) sqlite3_column_text(s, 0);

                m->face_mime = strdup(mime ? mime : "");
                m->face = registry_column_blob_dup(s, 1, &m->face_len);
                if (!m->face_mime || !m->face) {
                        (void) sqlite3_reset(s);
                        return -ENOMEM;
                }
                rc = SQLITE_DONE;
        }
        (void) sqlite3_reset(s);
        if (rc != SQLITE_DONE)
                goto fail;
        return 0;
fail:
        *ret_rc = rc != SQLITE_OK ? rc : sqlite3_errcode(b->db);
        return -EIO;
}

/* The member id's row and everything under it.  created/updated may be NULL. */
int registry_load_member(struct registry_sqlite *b, const char *id, bool biometrics,
                         struct eg_member **ret, char created[21], char updated[21], int *ret_rc) {
        _cleanup_(eg_member_freep) struct eg_member *m = NULL;
        sqlite3_stmt *s;
        int rc, r;

        s = registry_statement(b, STMT_MEMBER, &rc);
        if (!s || sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC) != SQLITE_OK) {
                *ret_rc = rc != SQLITE_OK ? rc : sqlite3_errcode(b->db);
                return -EIO;
        }
        rc = sqlite3_step(s);
        if (rc == SQLITE_DONE) {
                (void) sqlite3_reset(s);
                return -ENOENT;
        }
        if (rc != SQLITE_ROW) {
                (void) sqlite3_reset(s);
                *ret_rc = rc;
                return -EIO;
        }
        m = calloc(1, sizeof(*m));
        if (!m) {
                (void) sqlite3_reset(s);
                return -ENOMEM;
        }
        (void) snprintf(m->id, sizeof(m->id), "%s", id);
        r = eg_member_status_from_string((const char *) sqlite3_column_text(s, 0));
        /* The CHECK constraint keeps this from happening; if it does, nobody passes. */
        m->status = r >= 0 ? r : EG_MEMBER_REVOKED;
        (void) registry_column_date(s, 1, &m->birth_date);
        m->has_enrolled = registry_column_date(s, 2, &m->enrolled);
        m->has_conditional_approval = registry_column_date(s, 3, &m->conditional_approval);
        if (created)
                registry_column_copy(s, 4, created, 21);
        if (updated)
                registry_column_copy(s, 5, updated, 21);
        (void) sqlite3_reset(s);

        r = load_rows(b, m, biometrics, ret_rc);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(m);
        return 0;
}

/* Who holds this passport; or (by_holder) some member born on that day with a passport of
 * that state, which only ever words a referral. */
static void do_lookup(struct registry_sqlite *b, struct registry_request *req) {
        char id[EG_MEMBER_ID_MAX + 1] = "", birth[11];
        sqlite3_stmt *s;
        int rc, r;

        rc = registry_run(b, STMT_BEGIN);
        if (rc != SQLITE_OK) {
                req->lookup_status = registry_storage_error(b, rc, "starting a lookup", NULL);
                return;
        }
        s = registry_statement(b, req->by_holder ? STMT_FIND_BY_HOLDER : STMT_FIND_BY_PASSPORT,
                               &rc);
        if (s &&
            (rc = sqlite3_bind_text(s, 1, req->issuing_state, -1, SQLITE_STATIC)) == SQLITE_OK &&
            (rc = req->by_holder ? registry_bind_date(s, 2, true, &req->birth_date, birth)
                                 : sqlite3_bind_text(s, 2, req->document_number, -1,
                                                     SQLITE_STATIC)) == SQLITE_OK)
                rc = sqlite3_step(s);
        if (rc == SQLITE_ROW)
                registry_column_copy(s, 0, id, sizeof(id));
        if (s)
                (void) sqlite3_reset(s);
        if (rc == SQLITE_DONE)
                r = -ENOENT;
        else if (rc != SQLITE_ROW)
                r = registry_storage_error(b, rc, "looking up a passport", NULL);
        else {
                /* A holder may be a stranger who shares the birthday: no templates, no
                 * face for a question that only words a referral. */
                r = registry_load_member(b, id, !req->by_holder, &req->member, NULL, NULL, &rc);
                if (r == -EIO)
                        r = registry_storage_error(b, rc, "reading a member", NULL);
                else if (r == -ENOENT)
                        r = -EIO; /* a passport without its member: foreign keys say never */
        }
        registry_rollback(b); /* a read: nothing to keep */
        req->lookup_status = r;
}

static int do_list(struct registry_sqlite *b, struct registry_request *req) {
        struct eg_registry_admin_result *res = &req->result;
        sqlite3_stmt *s;
        int rc;

        s = registry_statement(b, STMT_LIST, &rc);
        if (!s)
                return registry_storage_error(b, rc, "listing members", res);
        while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
                struct eg_member_summary *e =
                        reallocarray(res->summaries, res->n_summaries + 1, sizeof(*e));
                int k;

                if (!e) {
                        (void) sqlite3_reset(s);
                        return registry_refuse(res, ENOMEM, "out of memory");
                }
                res->summaries = e;
                e = &res->summaries[res->n_summaries++];
                *e = (struct eg_member_summary){};
                registry_column_copy(s, 0, e->id, sizeof(e->id));
                k = eg_member_status_from_string((const char *) sqlite3_column_text(s, 1));
                e->status = k >= 0 ? k : EG_MEMBER_REVOKED;
                e->has_enrolled = registry_column_date(s, 2, &e->enrolled);
                e->has_conditional_approval = registry_column_date(s, 3, &e->conditional_approval);
                registry_column_copy(s, 4, e->updated, sizeof(e->updated));
        }
        (void) sqlite3_reset(s);
        if (rc != SQLITE_DONE)
                return registry_storage_error(b, rc, "listing members", res);
        return 0;
}

static int load_history(struct registry_sqlite *b, const char *id,
                        struct eg_member_history_entry **ret, size_t *ret_n, int *ret_rc) {
        struct eg_member_history_entry *h = NULL;
        size_t n = 0;
        sqlite3_stmt *s;
        int rc;

        s = registry_statement(b, STMT_MEMBER_HISTORY, &rc);
        if (!s || sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC) != SQLITE_OK) {
                *ret_rc = rc;
                return -EIO;
        }
        while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
                struct eg_member_history_entry *e = reallocarray(h, n + 1, sizeof(*h));
                const char *status = (const char *) sqlite3_column_text(s, 0);
                const char *reason = (const char *) sqlite3_column_text(s, 2);
                const char *actor = (const char *) sqlite3_column_text(s, 3);
                int k = eg_member_status_from_string(status);

                if (!e) {
                        (void) sqlite3_reset(s);
                        eg_member_history_free(h, n);
                        return -ENOMEM;
                }
                h = e;
                e = &h[n++];
                *e = (struct eg_member_history_entry){ .status = k >= 0 ? k : 0, .removed = k < 0 };
                registry_column_copy(s, 1, e->changed_at, sizeof(e->changed_at));
                e->reason = strdup(reason ? reason : "");
                e->actor = strdup(actor ? actor : "");
                if (!e->reason || !e->actor) {
                        (void) sqlite3_reset(s);
                        eg_member_history_free(h, n);
                        return -ENOMEM;
                }
        }
        (void) sqlite3_reset(s);
        if (rc != SQLITE_DONE) {
                eg_member_history_free(h, n);
                *ret_rc = rc;
                return -EIO;
        }
        *ret = h;
        *ret_n = n;
        return 0;
}

int registry_no_member(struct eg_registry_admin_result *res, const char *id) {
        return registry_refuse(res, ENOENT, "no member %s", id);
}

static int do_show(struct registry_sqlite *b, struct registry_request *req) {
        struct eg_registry_admin_result *res = &req->result;
        _cleanup_(eg_member_freep) struct eg_member *m = NULL;
        struct eg_member_history_entry *history = NULL;
        char created[21] = "", updated[21] = "";
        size_t n_history = 0;
        int rc = SQLITE_OK, r;

        rc = registry_run(b, STMT_BEGIN);
        if (rc != SQLITE_OK)
                return registry_storage_error(b, rc, "reading a member", res);
        r = registry_load_member(b, req->member_id, true, &m, created, updated, &rc);
        if (r >= 0)
                r = load_history(b, req->member_id, &history, &n_history, &rc);
        registry_rollback(b);
        if (r == -ENOENT)
                return registry_no_member(res, req->member_id);
        if (r == -EIO)
                return registry_storage_error(b, rc, "reading a member", res);
        if (r < 0)
                return registry_refuse(res, r, "out of memory");
        res->json = eg_registry_json_show(m, created, updated, history, n_history);
        eg_member_history_free(history, n_history);
        if (!res->json)
                return registry_refuse(res, ENOMEM, "out of memory");
        return 0;
}

int registry_load_requested_member(struct registry_sqlite *b, struct registry_request *req,
                                   struct eg_member **ret) {
        struct eg_registry_admin_result *res = &req->result;
        int rc = SQLITE_OK, r;

        r = registry_load_member(b, req->member_id, false, ret, NULL, NULL, &rc);
        if (r == -ENOENT)
                return registry_no_member(res, req->member_id);
        if (r == -EIO)
                return registry_storage_error(b, rc, "reading a member", res);
        return r < 0 ? registry_refuse(res, r, "out of memory") : 0;
}

static int do_exists(struct registry_sqlite *b, struct registry_request *req) {
        _cleanup_(eg_member_freep) struct eg_member *m = NULL;

        return registry_load_requested_member(b, req, &m);
}

/* The D-Bus layer has checked the text is UTF-8 (sd-bus does for every string); what is
 * left is what must not reach a terminal showing the history. */
static bool reason_is_valid(const char *s) {
        size_t n = s ? strnlen(s, EG_REGISTRY_REASON_MAX + 1) : 0;

        if (n == 0 || n > EG_REGISTRY_REASON_MAX)
                return false;
        for (size_t i = 0; i < n; i++)
                if ((unsigned char) s[i] < 0x20 || s[i] == 0x7f)
                        return false;
        return true;
}

static int check_request(struct registry_request *req) {
        struct eg_registry_admin_result *res = &req->result;

        switch (req->kind) {
        case EG_REGISTRY_ADMIN_SHOW:
        case EG_REGISTRY_ADMIN_SET_STATUS:
        case EG_REGISTRY_ADMIN_REMOVE:
        case EG_REGISTRY_ADMIN_STORE_FINGER:
        case EG_REGISTRY_ADMIN_EXISTS:
                if (!eg_member_id_is_valid(req->member_id))
                        return registry_refuse(res, EINVAL,
                                               "not a member id (1 to %d letters, digits, '.', "
                                               "'_' or '-')",
                                               EG_MEMBER_ID_MAX);
                break;
        default:
                break;
        }
        if ((req->kind == EG_REGISTRY_ADMIN_SET_STATUS || req->kind == EG_REGISTRY_ADMIN_REMOVE) &&
            !reason_is_valid(req->reason))
                return registry_refuse(res, EINVAL,
                                       "a reason is required (printable, at most %u bytes)",
                                       EG_REGISTRY_REASON_MAX);
        if (!req->actor || !*req->actor) {
                free(req->actor);
                req->actor = strdup("egated");
                if (!req->actor)
                        return registry_refuse(res, ENOMEM, "out of memory");
        }
        return 0;
}

void registry_execute(struct registry_sqlite *b, struct registry_request *req) {
        int r;

        if (req->is_lookup) {
                do_lookup(b, req);
                return;
        }
        r = check_request(req);
        if (r >= 0)
                switch (req->kind) {
                case EG_REGISTRY_ADMIN_ADD:
                        r = registry_add(b, req);
                        break;
                case EG_REGISTRY_ADMIN_IMPORT:
                        r = registry_import(b, req);
                        break;
                case EG_REGISTRY_ADMIN_LIST:
                        r = do_list(b, req);
                        break;
                case EG_REGISTRY_ADMIN_SHOW:
                        r = do_show(b, req);
                        break;
                case EG_REGISTRY_ADMIN_SET_STATUS:
                        r = registry_set_status(b, req);
                        break;
                case EG_REGISTRY_ADMIN_REMOVE:
                        r = registry_remove(b, req);
                        break;
                case EG_REGISTRY_ADMIN_STORE_FINGER:
                        r = registry_store_finger(b, req);
                        break;
                case EG_REGISTRY_ADMIN_EXISTS:
                        r = do_exists(b, req);
                        break;
                default:
                        r = registry_refuse(&req->result, EINVAL, "unknown request");
                        break;
                }
        req->result.status = r < 0 ? r : 0;
        if (r >= 0) {
                free(req->result.message);
                req->result.message = NULL;
        } else if (!req->result.message)
                (void) registry_refuse(&req->result, r, "%s", strerror(-r));
}
