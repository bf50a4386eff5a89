/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The registry's changes, on its worker thread: add and import (every member
 * or none), status changes with their history, removal (with the pages
 * overwritten, see registry-schema.c's secure_delete), storing a template.
 * Each runs in one transaction.  The log gets the member id, the action and
 * the caller, never the member's data.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "registry-json.h"
#include "registry-sqlite-internal.h"

static int insert_history(struct registry_sqlite *b, const char *id, const char *status,
                          const char *now, const char *reason, const char *actor) {
        int rc;
        sqlite3_stmt *s = registry_statement(b, STMT_INSERT_HISTORY, &rc);

        if (!s)
                return rc;
        if ((rc = sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC)) != SQLITE_OK ||
            (rc = sqlite3_bind_text(s, 2, status, -1, SQLITE_STATIC)) != SQLITE_OK ||
            (rc = sqlite3_bind_text(s, 3, now, -1, SQLITE_STATIC)) != SQLITE_OK ||
            (rc = sqlite3_bind_text(s, 4, reason, -1, SQLITE_STATIC)) != SQLITE_OK ||
            (rc = sqlite3_bind_text(s, 5, actor, -1, SQLITE_STATIC)) != SQLITE_OK)
                return rc;
        return registry_step_done(s);
}

static int insert_finger(struct registry_sqlite *b, const char *id,
                         const struct eg_member_finger *f, const char *now) {
        int rc;
        sqlite3_stmt *s = registry_statement(b, STMT_INSERT_FINGER, &rc);

        if (!s)
                return rc;
        if ((rc = sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC)) != SQLITE_OK ||
            (rc = sqlite3_bind_int(s, 2, f->position)) != SQLITE_OK ||
            (rc = sqlite3_bind_text(s, 3, f->format, -1, SQLITE_STATIC)) != SQLITE_OK ||
            (rc = sqlite3_bind_blob64(s, 4, f->data, f->len, SQLITE_STATIC)) != SQLITE_OK ||
            (rc = sqlite3_bind_text(s, 5, now, -1, SQLITE_STATIC)) != SQLITE_OK)
                return rc;
        return registry_step_done(s);
}

/* Which member holds this passport (inside the current transaction), "" if none. */
static void passport_holder(struct registry_sqlite *b, const struct eg_member_passport *p,
                            char out[EG_MEMBER_ID_MAX + 1]) {
        int rc;
        sqlite3_stmt *s = registry_statement(b, STMT_FIND_BY_PASSPORT, &rc);

        out[0] = '\0';
        if (!s || sqlite3_bind_text(s, 1, p->issuing_state, -1, SQLITE_STATIC) != SQLITE_OK ||
            sqlite3_bind_text(s, 2, p->document_number, -1, SQLITE_STATIC) != SQLITE_OK)
                return;
        if (sqlite3_step(s) == SQLITE_ROW)
                registry_column_copy(s, 0, out, EG_MEMBER_ID_MAX + 1);
        (void) sqlite3_reset(s);
}

/* One member and its rows, inside the caller's transaction; path names it in errors. */
static int insert_member(struct registry_sqlite *b, const struct eg_member *m, const char *path,
                         const char *now, const char *reason, const char *actor,
                         struct eg_registry_admin_result *res) {
        char birth[11], enrolled[11], approval[11];
        const char *status = eg_member_status_to_string(m->status);
        sqlite3_stmt *s;
        int rc;

        s = registry_statement(b, STMT_INSERT_MEMBER, &rc);
        if (!s)
                return registry_storage_error(b, rc, "adding a member", res);
        if ((rc = sqlite3_bind_text(s, 1, m->id, -1, SQLITE_STATIC)) != SQLITE_OK ||
            (rc = sqlite3_bind_text(s, 2, status, -1, SQLITE_STATIC)) != SQLITE_OK ||
            (rc = registry_bind_date(s, 3, true, &m->birth_date, birth)) != SQLITE_OK ||
            (rc = registry_bind_date(s, 4, m->has_enrolled, &m->enrolled, enrolled)) != SQLITE_OK ||
            (rc = registry_bind_date(s, 5, m->has_conditional_approval, &m->conditional_approval,
                                     approval)) != SQLITE_OK ||
            (rc = sqlite3_bind_text(s, 6, now, -1, SQLITE_STATIC)) != SQLITE_OK)
                return registry_storage_error(b, rc, "adding a member", res);
        rc = registry_step_done(s);
        if (registry_is_constraint(rc))
                return registry_refuse(res, EEXIST, "%s.id: member %s already exists", path, m->id);
        if (rc != SQLITE_OK)
                return registry_storage_error(b, rc, "adding a member", res);

        for (size_t i = 0; i < m->n_passports; i++) {
                const struct eg_member_passport *p = &m->passports[i];
                char expiry[11];

                s = registry_statement(b, STMT_INSERT_PASSPORT, &rc);
                if (!s)
                        return registry_storage_error(b, rc, "adding a passport", res);
                if ((rc = sqlite3_bind_text(s, 1, m->id, -1, SQLITE_STATIC)) != SQLITE_OK ||
                    (rc = sqlite3_bind_text(s, 2, p->issuing_state, -1, SQLITE_STATIC)) !=
                            SQLITE_OK ||
                    (rc = sqlite3_bind_text(s, 3, p->document_number, -1, SQLITE_STATIC)) !=
                            SQLITE_OK ||
                    (rc = registry_bind_date(s, 4, true, &p->expiry, expiry)) != SQLITE_OK)
                        return registry_storage_error(b, rc, "adding a passport", res);
                rc = registry_step_done(s);
                if (registry_is_constraint(rc)) {
                        char holder[EG_MEMBER_ID_MAX + 1];

                        passport_holder(b, p, holder);
                        return registry_refuse(res, EEXIST,
                                               "%s.passports[%zu]: already registered to member "
                                               "%s",
                                               path, i, *holder ? holder : "(unknown)");
                }
                if (rc != SQLITE_OK)
                        return registry_storage_error(b, rc, "adding a passport", res);
        }
        for (size_t i = 0; i < m->n_fingers; i++) {
                rc = insert_finger(b, m->id, &m->fingers[i], now);
                if (rc != SQLITE_OK)
                        return registry_storage_error(b, rc, "adding a finger template", res);
        }
        if (m->face) {
                s = registry_statement(b, STMT_INSERT_FACE, &rc);
                if (!s)
                        return registry_storage_error(b, rc, "adding a face image", res);
                if ((rc = sqlite3_bind_text(s, 1, m->id, -1, SQLITE_STATIC)) != SQLITE_OK ||
                    (rc = sqlite3_bind_text(s, 2, m->face_mime, -1, SQLITE_STATIC)) != SQLITE_OK ||
                    (rc = sqlite3_bind_blob64(s, 3, m->face, m->face_len, SQLITE_STATIC)) !=
                            SQLITE_OK ||
                    (rc = registry_step_done(s)) != SQLITE_OK)
                        return registry_storage_error(b, rc, "adding a face image", res);
        }
        rc = insert_history(b, m->id, status, now, reason, actor);
        if (rc != SQLITE_OK)
                return registry_storage_error(b, rc, "recording the status history", res);
        return 0;
}

/* Add or import: every member or none. */
static int insert_all(struct registry_sqlite *b, struct eg_member *const *members, size_t n,
                      bool import, const char *actor, struct eg_registry_admin_result *res) {
        char now[21];
        int r;

        registry_now(now, NULL);
        r = registry_begin_write(b, res);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                char path[32];

                if (import)
                        (void) snprintf(path, sizeof(path), "members[%zu]", i);
                else
                        strcpy(path, "member");
                r = insert_member(b, members[i], path, now, import ? "imported" : "added", actor,
                                  res);
                if (r < 0) {
                        registry_rollback(b);
                        return r;
                }
        }
        return registry_commit(b, res);
}

static int read_import(int fd, char **ret, size_t *ret_len, struct eg_registry_admin_result *res) {
        struct stat st;
        char *buf;
        size_t have = 0;

        if (fstat(fd, &st) < 0)
                return registry_refuse(res, errno, "cannot read the import: %s", strerror(errno));
        if (!S_ISREG(st.st_mode))
                return registry_refuse(res, EINVAL, "the import must be a regular file");
        if ((uint64_t) st.st_size > EG_REGISTRY_IMPORT_MAX)
                return registry_refuse(res, EMSGSIZE, "the import is too large (at most %u MiB)",
                                       EG_REGISTRY_IMPORT_MAX >> 20);
        buf = malloc((size_t) st.st_size + 1);
        if (!buf)
                return registry_refuse(res, ENOMEM, "out of memory");
        while (have < (size_t) st.st_size) {
                ssize_t k = pread(fd, buf + have, (size_t) st.st_size - have, (off_t) have);

                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0) {
                        int e = errno;

                        explicit_bzero(buf, have);
                        free(buf);
                        return registry_refuse(res, e, "cannot read the import: %s", strerror(e));
                }
                if (k == 0)
                        break;
                have += (size_t) k;
        }
        buf[have] = '\0';
        *ret = buf;
        *ret_len = have;
        return 0;
}

int registry_import(struct registry_sqlite *b, struct registry_request *req) {
        struct eg_registry_admin_result *res = &req->result;
        _cleanup_(eg_member_list_done) struct eg_member_list l = {};
        struct eg_date today;
        char now[21], *text = NULL;
        size_t len = 0;
        int r;

        r = read_import(req->fd, &text, &len, res);
        if (r < 0)
                return r;
        registry_now(now, &today);
        r = eg_registry_json_parse_import(text, len, &today, &l, &res->message);
        explicit_bzero(text, len);
        free(text);
        if (r == -EMSGSIZE)
                return registry_refuse(res, EMSGSIZE, "the import is too large (at most %u MiB)",
                                       EG_REGISTRY_IMPORT_MAX >> 20);
        if (r < 0)
                return res->message ? r
                                    : registry_refuse(res, r, "cannot parse the import: %s",
                                                      strerror(-r));
        r = insert_all(b, l.members, l.n, true, req->actor, res);
        if (r < 0)
                return r;
        res->count = (unsigned) l.n;
        log_info("registry: %zu member(s) imported by %s", l.n, req->actor);
        return 0;
}

int registry_add(struct registry_sqlite *b, struct registry_request *req) {
        struct eg_registry_admin_result *res = &req->result;
        _cleanup_(eg_member_freep) struct eg_member *m = NULL;
        struct eg_date today;
        char now[21];
        int r;

        if (!req->json)
                return registry_refuse(res, EINVAL, "no member given");
        registry_now(now, &today);
        r = eg_registry_json_parse_member(req->json, strlen(req->json), &today, &m, &res->message);
        if (r == -EMSGSIZE)
                return registry_refuse(res, EMSGSIZE, "the member is too large (at most %u MiB)",
                                       EG_REGISTRY_MEMBER_JSON_MAX >> 20);
        if (r < 0)
                return res->message ? r
                                    : registry_refuse(res, r, "cannot parse the member: %s",
                                                      strerror(-r));
        r = insert_all(b, &m, 1, false, req->actor, res);
        if (r < 0)
                return r;
        res->count = 1;
        log_info("registry: member %s added by %s", m->id, req->actor);
        return 0;
}

/* The status rules: where a member may go from where it is. */
static int check_transition(struct eg_registry_admin_result *res, const char *id,
                            enum eg_member_status from, enum eg_member_status to) {
        if (to == EG_MEMBER_CONDITIONAL)
                return registry_refuse(res, EINVAL,
                                       "conditional is where applicants start: a member cannot "
                                       "be set back to it");
        if (from == to)
                return registry_refuse(res, EINVAL, "member %s is already %s", id,
                                       eg_member_status_to_string(to));
        if (from == EG_MEMBER_REVOKED)
                return registry_refuse(res, EINVAL,
                                       "member %s is revoked, which is final: remove the member "
                                       "and enrol again",
                                       id);
        return 0;
}

int registry_set_status(struct registry_sqlite *b, struct registry_request *req) {
        struct eg_registry_admin_result *res = &req->result;
        _cleanup_(eg_member_freep) struct eg_member *m = NULL;
        const char *status = eg_member_status_to_string(req->status);
        char now[21], today_s[11];
        struct eg_date today;
        sqlite3_stmt *s;
        int rc = SQLITE_OK, r;

        if (!status)
                return registry_refuse(res, EINVAL, "unknown status");
        registry_now(now, &today);
        r = registry_begin_write(b, res);
        if (r < 0)
                return r;
        r = registry_load_requested_member(b, req, &m);
        if (r >= 0)
                r = check_transition(res, req->member_id, m->status, req->status);
        if (r < 0) {
                registry_rollback(b);
                return r;
        }
        s = registry_statement(b, STMT_SET_STATUS, &rc);
        /* Activating a conditional applicant completes the enrolment today. */
        if (!s || (rc = sqlite3_bind_text(s, 1, req->member_id, -1, SQLITE_STATIC)) != SQLITE_OK ||
            (rc = sqlite3_bind_text(s, 2, status, -1, SQLITE_STATIC)) != SQLITE_OK ||
            (rc = registry_bind_date(s, 3, req->status == EG_MEMBER_ACTIVE, &today, today_s)) !=
                    SQLITE_OK ||
            (rc = sqlite3_bind_text(s, 4, now, -1, SQLITE_STATIC)) != SQLITE_OK ||
            (rc = registry_step_done(s)) != SQLITE_OK ||
            (rc = insert_history(b, req->member_id, status, now, req->reason, req->actor)) !=
                    SQLITE_OK) {
                registry_rollback(b);
                return registry_storage_error(b, rc, "changing a member's status", res);
        }
        r = registry_commit(b, res);
        if (r < 0)
                return r;
        log_info("registry: member %s %s -> %s by %s", req->member_id,
                 eg_member_status_to_string(m->status), status, req->actor);
        return 0;
}

static int delete_rows(struct registry_sqlite *b, const char *id) {
        static const enum registry_stmt deletes[] = {
                STMT_DELETE_MEMBER_FINGERS,
                STMT_DELETE_MEMBER_FACE,
                STMT_DELETE_MEMBER_PASSPORTS,
                STMT_DELETE_MEMBER,
        };
        int rc = SQLITE_OK;

        for (size_t i = 0; i < ELEMENTSOF(deletes) && rc == SQLITE_OK; i++) {
                sqlite3_stmt *s = registry_statement(b, deletes[i], &rc);

                if (!s)
                        break;
                rc = sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
                if (rc == SQLITE_OK)
                        rc = registry_step_done(s);
        }
        return rc;
}

int registry_remove(struct registry_sqlite *b, struct registry_request *req) {
        struct eg_registry_admin_result *res = &req->result;
        _cleanup_(eg_member_freep) struct eg_member *m = NULL;
        char now[21];
        int rc = SQLITE_OK, r;

        registry_now(now, NULL);
        r = registry_begin_write(b, res);
        if (r < 0)
                return r;
        r = registry_load_requested_member(b, req, &m);
        if (r < 0) {
                registry_rollback(b);
                return r;
        }
        rc = delete_rows(b, req->member_id);
        if (rc == SQLITE_OK)
                rc = insert_history(b, req->member_id, "removed", now, req->reason, req->actor);
        if (rc != SQLITE_OK) {
                registry_rollback(b);
                return registry_storage_error(b, rc, "removing a member", res);
        }
        r = registry_commit(b, res);
        if (r < 0)
                return r;
        /* secure_delete zeroed the freed pages; the checkpoint writes them over the old
         * ones in the main file and empties the WAL, which still held the old pages. */
        rc = registry_run(b, STMT_CHECKPOINT);
        if (rc != SQLITE_OK)
                log_warning("registry: checkpoint after removing member %s failed: %s; old "
                            "pages stay in the WAL until the next one",
                            req->member_id, sqlite3_errstr(rc));
        log_info("registry: member %s removed by %s", req->member_id, req->actor);
        return 0;
}

int registry_store_finger(struct registry_sqlite *b, struct registry_request *req) {
        struct eg_registry_admin_result *res = &req->result;
        const struct eg_member_finger *f = &req->finger;
        _cleanup_(eg_member_freep) struct eg_member *m = NULL;
        char now[21];
        sqlite3_stmt *s;
        int rc = SQLITE_OK, r;

        if (!eg_finger_position_to_string(f->position))
                return registry_refuse(res, EINVAL, "finger position %d is not 1 to 10",
                                       f->position);
        if (!eg_template_format_is_valid(f->format))
                return registry_refuse(res, EINVAL, "the template format is not a valid name");
        if (f->len == 0 || f->len > EG_REGISTRY_TEMPLATE_MAX)
                return registry_refuse(res, EINVAL, "a template has 1 to %u bytes",
                                       EG_REGISTRY_TEMPLATE_MAX);
        registry_now(now, NULL);
        r = registry_begin_write(b, res);
        if (r < 0)
                return r;
        r = registry_load_requested_member(b, req, &m);
        if (r < 0) {
                registry_rollback(b);
                return r;
        }
        s = registry_statement(b, STMT_DELETE_FINGER, &rc);
        if (!s || (rc = sqlite3_bind_text(s, 1, req->member_id, -1, SQLITE_STATIC)) != SQLITE_OK ||
            (rc = sqlite3_bind_int(s, 2, f->position)) != SQLITE_OK ||
            (rc = sqlite3_bind_text(s, 3, f->format, -1, SQLITE_STATIC)) != SQLITE_OK ||
            (rc = registry_step_done(s)) != SQLITE_OK ||
            (rc = insert_finger(b, req->member_id, f, now)) != SQLITE_OK) {
                registry_rollback(b);
                return registry_storage_error(b, rc, "storing a finger template", res);
        }
        s = registry_statement(b, STMT_TOUCH_MEMBER, &rc);
        if (!s || (rc = sqlite3_bind_text(s, 1, req->member_id, -1, SQLITE_STATIC)) != SQLITE_OK ||
            (rc = sqlite3_bind_text(s, 2, now, -1, SQLITE_STATIC)) != SQLITE_OK ||
            (rc = registry_step_done(s)) != SQLITE_OK) {
                registry_rollback(b);
                return registry_storage_error(b, rc, "storing a finger template", res);
        }
        r = registry_commit(b, res);
        if (r < 0)
                return r;
        log_info("registry: member %s: %s template (%s) stored by %s", req->member_id,
                 eg_finger_position_to_string(f->position), f->format, req->actor);
        return 0;
}
