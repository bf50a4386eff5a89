/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Mock mode's side of the daemon (egated only, never in the core library:
 * it links plugins/mock's scenario parser).  With --mock the scenario that
 * drives the mock devices also fills what the devices cannot: the member
 * registry (the travellers' "membership" records, imported at start), the
 * background check (their "background" verdicts), registry failures (their
 * "registry" behaviour) and the face comparator for the mock camera's
 * frames.  See plugins/mock/README.md.
 */
#pragma once

#include <stdint.h>

#include "emrtd/date.h"
#include "registry/registry.h"

struct eg_manager;

int eg_mock_support_setup(struct eg_manager *m);

/* mock-registry.c: a registry in front of the real one, answering for the scenario. */
enum eg_mock_registry_fault {
        EG_MOCK_REGISTRY_PASS = 0,
        EG_MOCK_REGISTRY_ERROR, /* -EIO at once */
        EG_MOCK_REGISTRY_HANG, /* no answer until cancelled (the registry's deadline) */
};

struct eg_mock_registry_entry {
        char issuing_state[4]; /* of the presented document, as in the MRZ */
        char document_number[23]; /* presented */
        enum eg_mock_registry_fault fault;
        /* The member's registered passport and birth date, for lookup_holder(). */
        bool member;
        struct eg_date birth_date;
        char registered_number[23];
};

/* Takes ownership of `inner` (freed with the wrapper, also on failure). */
int eg_mock_registry_new(sd_event *e, struct eg_registry *inner,
                         const struct eg_mock_registry_entry *entries, size_t n,
                         struct eg_registry **ret);
