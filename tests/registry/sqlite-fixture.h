/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The SQLite registry tests' fixture: a loop, a temporary state directory, an
 * open registry, sample members, and helpers that run one request to its
 * answer (asserting it never comes from inside the call).
 */
#pragma once

#include <stdbool.h>
#include <systemd/sd-event.h>

#include "registry/registry.h"

#define DOC_ALICE "X12345678"
#define DOC_BOB "B98765432"

/* Alice: active, one US passport, a right-index template and a face. */
extern const char alice_json[];
/* GE-2 (German passport "D"), GE-3 (conditional, Korean), GE-1 (suspended, two passports). */
extern const char import_json[];

struct fixture {
        sd_event *event;
        char *dir;
        struct eg_registry *registry;
};

struct lookup_log {
        unsigned calls;
        int status;
        struct eg_member *member;
        bool inside; /* set while the caller's own call runs */
        bool called_inside;
};

struct admin_log {
        unsigned calls;
        int status;
        char *message;
        unsigned count;
        struct eg_member_summary *summaries;
        size_t n_summaries;
        char *json;
};

void on_lookup(int status, struct eg_member *member, void *userdata);
void on_admin(struct eg_registry_admin_result *r, void *userdata);
void admin_log_done(struct admin_log *l);

/* cmocka setup/teardown: *state is a struct fixture with an open registry. */
int setup(void **state);
int teardown(void **state);

/* One admin request, answered: its status (the answer stays in l). */
int admin(struct fixture *f, struct eg_registry_admin_request req, struct admin_log *l);
int add_json(struct fixture *f, const char *json, struct admin_log *l);
int import_text(struct fixture *f, const char *text, struct admin_log *l);
int set_status(struct fixture *f, const char *id, enum eg_member_status s, const char *reason,
               struct admin_log *a);
/* One lookup, answered: its status (the member, if any, stays in l). */
int lookup(struct fixture *f, const char *state, const char *number, struct lookup_log *l);
