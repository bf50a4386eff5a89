/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "egatectl.h"
#include "output.h"

void egctl_error(const char *fmt, ...) {
        va_list ap;

        fputs("egatectl: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
}

void egctl_warning(const char *fmt, ...) {
        va_list ap;

        fputs("egatectl: warning: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
}

bool output_colour(void) {
        static int cached = -1;
        const char *term;

        if (cached < 0) {
                term = getenv("TERM");
                cached = isatty(STDOUT_FILENO) && !getenv("NO_COLOR") &&
                         !(term && streq(term, "dumb"));
        }
        return cached;
}

const char *ansi_bold(void) {
        return output_colour() ? "\033[1m" : "";
}

const char *ansi_normal(void) {
        return output_colour() ? "\033[0m" : "";
}

const char *ansi_for_state(const char *state) {
        static const struct {
                const char *word;
                const char *colour;
        } states[] = {
                { "online", "\033[32m" },
                { "running", "\033[32m" },
                { "active", "\033[32m" },
                { "idle", "\033[32m" },
                { "yes", "\033[32m" },
                { "fresh", "\033[32m" },
                { "busy", "\033[33m" },
                { "offline", "\033[33m" },
                { "manual", "\033[33m" },
                { "closed", "\033[33m" },
                { "stopped", "\033[33m" },
                { "starting", "\033[33m" },
                { "reloading", "\033[33m" },
                { "stopping", "\033[33m" },
                { "grace", "\033[33m" },
                { "faulted", "\033[1;31m" },
                { "failed", "\033[1;31m" },
                { "refused", "\033[1;31m" },
                { "out-of-service", "\033[1;31m" },
                { "emergency", "\033[1;31m" },
                { "no", "\033[1;31m" },
                { "stale", "\033[1;31m" },
                { "none", "\033[1;31m" },
        };

        if (!output_colour() || !state)
                return "";
        for (size_t i = 0; i < ELEMENTSOF(states); i++)
                if (streq(states[i].word, state))
                        return states[i].colour;
        return "";
}

/* Length of the valid UTF-8 sequence at s and its code point; 0 when invalid. */
static size_t utf8_decode(const unsigned char *s, uint32_t *ret) {
        size_t len;
        uint32_t c;

        if (s[0] < 0x80) {
                *ret = s[0];
                return 1;
        }
        if (s[0] >= 0xc2 && s[0] <= 0xdf) {
                len = 2;
                c = s[0] & 0x1f;
        } else if (s[0] >= 0xe0 && s[0] <= 0xef) {
                len = 3;
                c = s[0] & 0x0f;
        } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
                len = 4;
                c = s[0] & 0x07;
        } else
                return 0;
        for (size_t i = 1; i < len; i++) {
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
                c = (c << 6) | (s[i] & 0x3f);
        }
        /* Overlong forms, surrogates and values past Unicode are not text. */
        if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10ffff)) ||
            (c >= 0xd800 && c <= 0xdfff))
                return 0;
        *ret = c;
        return len;
}

/* Bidirectional overrides and isolates reorder what a terminal shows. */
static bool is_bidi_control(uint32_t c) {
        return (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

char *escape_control(const char *s) {
        const unsigned char *p = (const unsigned char *) (s ? s : "");
        size_t n = strlen((const char *) p);
        /* Worst case: every byte becomes "\xNN", or a 3-byte character "\uNNNN". */
        char *out = malloc(n * 4 + 1), *o = out;

        if (!out)
                return NULL;
        while (*p) {
                uint32_t c;
                size_t len = utf8_decode(p, &c);

                if (len == 0) {
                        o += sprintf(o, "\\x%02x", *p);
                        p++;
                        continue;
                }
                if (c == '\\') {
                        *o++ = '\\';
                        *o++ = '\\';
                } else if (c == '\n') {
                        *o++ = '\\';
                        *o++ = 'n';
                } else if (c == '\t') {
                        *o++ = '\\';
                        *o++ = 't';
                } else if (c == '\r') {
                        *o++ = '\\';
                        *o++ = 'r';
                } else if (c < 0x20 || c == 0x7f)
                        o += sprintf(o, "\\x%02" PRIx32, c);
                else if ((c >= 0x80 && c <= 0x9f) || is_bidi_control(c))
                        o += sprintf(o, "\\u%04" PRIx32, c);
                else {
                        memcpy(o, p, len);
                        o += len;
                }
                p += len;
        }
        *o = '\0';
        return out;
}

size_t utf8_width(const char *s) {
        size_t n = 0;

        for (; *s; s++)
                n += ((unsigned char) *s & 0xc0) != 0x80;
        return n;
}

static char *format_string(const char *fmt, ...) _printf_(1, 2);
static char *format_string(const char *fmt, ...) {
        va_list ap;
        char *s = NULL;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&s, fmt, ap);
        va_end(ap);
        return r < 0 ? NULL : s;
}

/* Append to a growing string; *s becomes NULL on OOM and stays so. */
static void append(char **s, const char *piece) {
        char *grown;

        if (!*s || !piece) {
                free(*s);
                *s = NULL;
                return;
        }
        grown = format_string("%s%s", *s, piece);
        free(*s);
        *s = grown;
}

char *json_to_human(json_object *v) {
        char *s;

        switch (json_object_get_type(v)) {
        case json_type_null:
                return strdup("-");
        case json_type_boolean:
                return strdup(json_object_get_boolean(v) ? "yes" : "no");
        case json_type_int:
                /* Unsigned 64-bit counters would print negative through get_int64. */
                if (json_object_get_int64(v) == INT64_MAX)
                        return format_string("%" PRIu64, json_object_get_uint64(v));
                return format_string("%" PRId64, json_object_get_int64(v));
        case json_type_double:
                return format_string("%g", json_object_get_double(v));
        case json_type_string: {
                const char *str = json_object_get_string(v);
                return *str ? escape_control(str) : strdup("-");
        }
        case json_type_array:
                s = strdup("");
                for (size_t i = 0; i < json_object_array_length(v); i++) {
                        _cleanup_free_ char *item = json_to_human(json_object_array_get_idx(v, i));
                        if (i > 0)
                                append(&s, ", ");
                        append(&s, item);
                }
                if (s && !*s)
                        append(&s, "-");
                return s;
        case json_type_object:
                s = strdup("");
                json_object_object_foreach(v, key, value) {
                        _cleanup_free_ char *k = escape_control(key), *item = json_to_human(value);
                        if (s && *s)
                                append(&s, " ");
                        append(&s, k);
                        append(&s, "=");
                        append(&s, item);
                }
                if (s && !*s)
                        append(&s, "-");
                return s;
        }
        return strdup("?");
}

static int output_json_flags(json_object *o, int flags) {
        const char *text =
                json_object_to_json_string_ext(o, flags | JSON_C_TO_STRING_NOSLASHESCAPE);

        if (!text) {
                egctl_error("cannot format JSON: out of memory");
                return EGCTL_EXIT_FAILURE;
        }
        if (puts(text) == EOF || fflush(stdout) != 0) {
                egctl_error("cannot write to standard output: %m");
                return EGCTL_EXIT_FAILURE;
        }
        return EGCTL_EXIT_OK;
}

int output_json(json_object *o) {
        return output_json_flags(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED);
}

int output_json_line(json_object *o) {
        return output_json_flags(o, JSON_C_TO_STRING_PLAIN);
}

struct table {
        size_t n_columns;
        char **cells; /* row-major, header row first, escaped */
        size_t n_cells;
        size_t allocated;
        uint64_t state_columns; /* one bit per column */
};

struct table *table_free(struct table *t) {
        if (!t)
                return NULL;
        for (size_t i = 0; i < t->n_cells; i++)
                free(t->cells[i]);
        free(t->cells);
        free(t);
        return NULL;
}

static int table_add_cells(struct table *t, const char *const *cells, bool escape) {
        if (t->n_cells + t->n_columns > t->allocated) {
                size_t n = (t->allocated + t->n_columns) * 2;
                char **grown = realloc(t->cells, n * sizeof(char *));

                if (!grown)
                        return -ENOMEM;
                t->cells = grown;
                t->allocated = n;
        }
        for (size_t i = 0; i < t->n_columns; i++) {
                const char *c = cells[i] && *cells[i] ? cells[i] : "-";
                char *copy = escape ? escape_control(c) : strdup(c);

                if (!copy)
                        return -ENOMEM;
                t->cells[t->n_cells++] = copy;
        }
        return 0;
}

struct table *table_new(const char *const *headers, size_t n_columns) {
        _cleanup_(table_freep) struct table *t = calloc(1, sizeof(struct table));

        if (!t || n_columns == 0 || n_columns > 64)
                return NULL;
        t->n_columns = n_columns;
        if (table_add_cells(t, headers, false) < 0)
                return NULL;
        return TAKE_PTR(t);
}

void table_highlight_states(struct table *t, size_t column) {
        if (column < t->n_columns)
                t->state_columns |= UINT64_C(1) << column;
}

int table_add_row(struct table *t, const char *const *cells) {
        return table_add_cells(t, cells, true);
}

size_t table_rows(const struct table *t) {
        return t->n_cells / t->n_columns - 1;
}

void table_print(const struct table *t, FILE *f, const char *indent) {
        size_t width[64] = {};
        size_t n_rows = t->n_cells / t->n_columns;

        for (size_t i = 0; i < t->n_cells; i++) {
                size_t w = utf8_width(t->cells[i]);
                if (w > width[i % t->n_columns])
                        width[i % t->n_columns] = w;
        }
        for (size_t row = 0; row < n_rows; row++) {
                fputs(indent ? indent : "", f);
                for (size_t col = 0; col < t->n_columns; col++) {
                        const char *cell = t->cells[row * t->n_columns + col];
                        bool last = col + 1 == t->n_columns;
                        const char *on = "", *off = "";

                        if (row == 0) {
                                on = ansi_bold();
                                off = ansi_normal();
                        } else if (t->state_columns & (UINT64_C(1) << col)) {
                                on = ansi_for_state(cell);
                                off = *on ? ansi_normal() : "";
                        }
                        fprintf(f, "%s%s%s", on, cell, off);
                        if (!last)
                                fprintf(f, "%*s", (int) (width[col] - utf8_width(cell) + 2), "");
                }
                fputc('\n', f);
        }
}

static void print_field(const char *key, const char *value, size_t width) {
        _cleanup_free_ char *k = escape_control(key);
        const char *on = ansi_for_state(value);

        /* "not_ready_reason" reads as "not ready reason" to people. */
        for (char *p = k; p && *p; p++)
                if (*p == '_')
                        *p = ' ';
        printf("%*s%s: %s%s%s\n",
               (int) (width > utf8_width(k ? k : "") ? width - utf8_width(k) : 0), "", k ? k : "?",
               on, value, *on ? ansi_normal() : "");
}

static bool in_list(const char *const *list, const char *s) {
        for (; list && *list; list++)
                if (streq(*list, s))
                        return true;
        return false;
}

size_t fields_width(json_object *obj, const char *const *skip) {
        size_t width = 0;

        json_object_object_foreach(obj, key, value) {
                (void) value;
                if (!in_list(skip, key) && utf8_width(key) > width)
                        width = utf8_width(key);
        }
        return width;
}

void print_fields(json_object *obj, const char *const *skip, size_t width) {
        size_t own = fields_width(obj, skip);

        if (own > width)
                width = own;
        json_object_object_foreach(obj, k, v) {
                _cleanup_free_ char *text = NULL;

                if (in_list(skip, k))
                        continue;
                text = json_to_human(v);
                print_field(k, text ? text : "?", width);
        }
}
