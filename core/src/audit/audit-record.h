/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * An audit record as JSON text (the stored and exported form, docs/audit.md),
 * and the checks that keep personal data out of it.
 */
#pragma once

#include "audit/audit.h"

/* Version of the JSON layout ("format" member); grows only with compatible additions. */
#define EG_AUDIT_JSON_FORMAT 1

/* Serialise a record that passed eg_audit_record_check(); *ret is a compact JSON string. */
int eg_audit_record_to_json(const struct eg_audit_record *r, char **ret);

/* Parse what eg_audit_record_to_json() wrote.  -EBADMSG when the text is not such a record. */
int eg_audit_record_from_json(const char *json, struct eg_audit_record *ret);

/* A lane event as JSON text, and back (-EBADMSG when the text is not one). */
int eg_audit_event_to_json(const struct eg_audit_event *ev, char **ret);
int eg_audit_event_from_json(const char *json, struct eg_audit_event *ret);

/* The issuing state without the MRZ's '<' fillers ("D<<" -> "D"), into out[4]. */
void eg_audit_strip_fillers(const char *in, char *out, size_t size);
