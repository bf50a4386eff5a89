/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "registry-test-util.h"
#include "registry/registry-sqlite.h"
#include "sqlite-fixture.h"

/* Alice: active, one US passport, a template and a face. */
const char alice_json[] =
        "{\"id\": \"GE-100001\", \"status\": \"active\", \"birth_date\": \"1980-02-29\","
        " \"enrolled\": \"2023-05-02\", \"conditional_approval\": \"2023-01-10\","
        " \"passports\": [{\"issuing_state\": \"USA\", \"document_number\": \"" DOC_ALICE "\","
        "                  \"expiry\": \"2031-04-30\"}],"
        " \"fingers\": [{\"finger\": \"right-index\", \"format\": \"egate-mock\","
        "               \"template\": \"VEVNUExBVEUtU0VDUkVULTAwMDE=\"}],"
        " \"face\": {\"mime\": \"image/jpeg\", \"image\": \"RkFDRS1JTUFHRS1TRUNSRVQtMDAwMQ==\"}}";

const char import_json[] =
        "{\"members\": ["
        " {\"id\": \"GE-2\", \"status\": \"active\", \"birth_date\": \"1975-07-01\","
        "  \"enrolled\": \"2022-03-04\","
        "  \"passports\": [{\"issuing_state\": \"D\", \"document_number\": \"" DOC_BOB "\","
        "                   \"expiry\": \"2030-01-01\"}],"
        "  \"fingers\": [{\"position\": 7, \"format\": \"egate-mock\","
        "                \"template\": \"VEVNUExBVEUtU0VDUkVULTAwMDI=\"}]},"
        " {\"id\": \"GE-3\", \"status\": \"conditional\", \"birth_date\": \"2001-12-24\","
        "  \"conditional_approval\": \"2025-11-02\","
        "  \"passports\": [{\"issuing_state\": \"KOR\", \"document_number\": \"M00000001\","
        "                   \"expiry\": \"2029-09-09\"}]},"
        " {\"id\": \"GE-1\", \"status\": \"suspended\", \"birth_date\": \"1960-01-01\","
        "  \"enrolled\": \"2020-01-01\","
        "  \"passports\": [{\"issuing_state\": \"USA\", \"document_number\": \"P1\","
        "                   \"expiry\": \"2028-01-01\"},"
        "                  {\"issuing_state\": \"CAN\", \"document_number\": \"P2\","
        "                   \"expiry\": \"2027-01-01\"}]}"
        "]}";

void on_lookup(int status, struct eg_member *member, void *userdata) {
        struct lookup_log *l = userdata;

        l->calls++;
        l->status = status;
        if (l->inside)
                l->called_inside = true;
        eg_member_free(l->member);
        l->member = member;
}

void on_admin(struct eg_registry_admin_result *r, void *userdata) {
        struct admin_log *l = userdata;

        l->calls++;
        l->status = r->status;
        free(l->message);
        l->message = TAKE_PTR(r->message);
        l->count = r->count;
        free(l->summaries);
        l->summaries = TAKE_PTR(r->summaries);
        l->n_summaries = r->n_summaries;
        free(l->json);
        l->json = TAKE_PTR(r->json);
}

void admin_log_done(struct admin_log *l) {
        free(l->message);
        free(l->summaries);
        free(l->json);
        *l = (struct admin_log){};
}

int setup(void **state) {
        struct fixture *f = calloc(1, sizeof(*f));

        assert_non_null(f);
        assert_int_equal(sd_event_new(&f->event), 0);
        f->dir = make_state_dir();
        assert_non_null(f->dir);
        assert_int_equal(eg_registry_sqlite_open(f->event, f->dir, &f->registry), 0);
        *state = f;
        return 0;
}

int teardown(void **state) {
        struct fixture *f = *state;

        eg_registry_free(f->registry);
        remove_tree(f->dir);
        free(f->dir);
        sd_event_unref(f->event);
        free(f);
        return 0;
}

/* One admin request, answered: returns its status. */
int admin(struct fixture *f, struct eg_registry_admin_request req, struct admin_log *l) {
        admin_log_done(l);
        if (!req.actor)
                req.actor = "uid 0 (test)";
        assert_int_equal(eg_registry_admin(f->registry, &req, on_admin, l), 0);
        assert_int_equal(l->calls, 0); /* never from inside the call */
        assert_true(run_until(f->event, &l->calls, 10000));
        assert_int_equal(l->calls, 1);
        return l->status;
}

int add_json(struct fixture *f, const char *json, struct admin_log *l) {
        return admin(
                f,
                (struct eg_registry_admin_request){ .kind = EG_REGISTRY_ADMIN_ADD, .json = json },
                l);
}

int import_text(struct fixture *f, const char *text, struct admin_log *l) {
        _cleanup_free_ char *path = write_file(f->dir, "import.json", text, 0600);
        int fd, r;

        assert_non_null(path);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        assert_true(fd >= 0);
        r = admin(f,
                  (struct eg_registry_admin_request){ .kind = EG_REGISTRY_ADMIN_IMPORT, .fd = fd },
                  l);
        close(fd);
        return r;
}

/* Lookup, answered: returns its status; the member (if any) stays in l. */
int lookup(struct fixture *f, const char *state, const char *number, struct lookup_log *l) {
        uint64_t id = 0;

        eg_member_free(l->member);
        *l = (struct lookup_log){ .inside = true };
        assert_int_equal(eg_registry_lookup(f->registry, state, number, on_lookup, l, &id), 0);
        l->inside = false;
        assert_true(id > 0);
        assert_true(run_until(f->event, &l->calls, 10000));
        assert_false(l->called_inside);
        return l->status;
}

int set_status(struct fixture *f, const char *id, enum eg_member_status s, const char *reason,
               struct admin_log *a) {
        return admin(f,
                     (struct eg_registry_admin_request){ .kind = EG_REGISTRY_ADMIN_SET_STATUS,
                                                         .member_id = id,
                                                         .status = s,
                                                         .reason = reason,
                                                         .actor = "uid 1000 (:1.7)" },
                     a);
}
