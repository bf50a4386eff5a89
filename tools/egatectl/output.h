/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Human and JSON output.  Every string that came from the daemon (and so
 * perhaps from a device) passes escape_control() before it reaches a
 * terminal: a hostile device name must not be able to move the cursor,
 * rewrite earlier lines or change the terminal's settings.
 */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "macro.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(json_object *, json_object_put)

/* Colour only for a terminal, and not under NO_COLOR or TERM=dumb. */
bool output_colour(void);
const char *ansi_bold(void);
const char *ansi_normal(void);
/* The colour for a state word ("online", "faulted", ...), "" when none applies. */
const char *ansi_for_state(const char *state);

/*
 * A copy of s that is safe to print: C0 controls, DEL and the C1 controls
 * (U+0080..U+009F) become \xNN (\n, \t and friends their C names) and
 * backslashes are doubled, so the escaped text is unambiguous.  NULL on OOM.
 */
char *escape_control(const char *s);

/* Characters (code points) of a UTF-8 string, for aligning columns. */
size_t utf8_width(const char *s);

/*
 * A JSON value for people: strings escaped ("" as "-"), booleans yes/no,
 * arrays joined with ", ", objects as "key=value" pairs.  NULL on OOM.
 */
char *json_to_human(json_object *v);

/* One JSON document (pretty) or one JSON line (compact) on stdout. */
int output_json(json_object *o);
int output_json_line(json_object *o);

/* Aligned columns with a header line; cells are escaped as they are added. */
struct table;
struct table *table_new(const char *const *headers, size_t n_columns);
struct table *table_free(struct table *t);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct table *, table_free)
/* Colour this column's cells by state (ansi_for_state()). */
void table_highlight_states(struct table *t, size_t column);
/* n_columns cells; NULL or "" prints as "-". */
int table_add_row(struct table *t, const char *const *cells);
size_t table_rows(const struct table *t);
void table_print(const struct table *t, FILE *f, const char *indent);

/*
 * The members of a JSON object as "key: value" lines, keys right-aligned as
 * systemctl status does, in a column at least width wide; members named in
 * skip (NULL-terminated) are left out.
 */
void print_fields(json_object *obj, const char *const *skip, size_t width);
/* The widest key print_fields() would print. */
size_t fields_width(json_object *obj, const char *const *skip);
