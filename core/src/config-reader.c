/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The first pass of loading (see config-internal.h): libinih reads each file into the
 * store of sections and keys.
 *
 * libinih splits "key = value" lines; our reader function feeds it one physical line
 * at a time and keeps the line count, which libinih r55 does not pass to handlers.
 * The reader also takes care of what libinih cannot be asked to do per call:
 *  - section headers: libinih cuts section names at 49 characters, so the reader
 *    handles "[...]" lines itself and hands libinih an empty line instead;
 *  - leading blanks are removed, so libinih's multi-line continuation (an indented
 *    line continuing the previous value) never applies: every line stands alone;
 *  - lines that do not fit libinih's buffer, NUL bytes and control characters are
 *    reported at their line instead of being split or truncated silently.
 */
#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "config-internal.h"

/* ---- the store of sections and keys ---- */

static const struct {
        const char *prefix;
        enum config_section_kind kind;
} section_prefixes[] = {
        { "plugin.", CONFIG_SECTION_PLUGIN },
        { "device.", CONFIG_SECTION_DEVICE },
        { "lane.", CONFIG_SECTION_LANE },
        { "policy.", CONFIG_SECTION_POLICY },
};

static void config_section_done(struct config_section *s) {
        for (size_t i = 0; i < s->n_entries; i++) {
                free(s->entries[i].key);
                free(s->entries[i].value);
        }
        free(s->entries);
        free(s->header);
}

void config_parser_done(struct config_parser *p) {
        for (size_t i = 0; i < p->n_sections; i++)
                config_section_done(&p->sections[i]);
        free(p->sections);
        for (size_t i = 0; i < p->n_errors; i++)
                free(p->errors[i].reason);
        free(p->errors);
        strv_free(p->paths);
        strv_free(p->read_paths);
}

/* Returns the section's index, or -1 if the header is not acceptable (reported). */
static ssize_t parser_open_section(struct config_parser *p, const char *header,
                                   struct config_location where) {
        enum config_section_kind kind = CONFIG_SECTION_DAEMON;
        struct config_section *sections;
        const char *name = NULL;
        size_t prefix_len = 0;
        char *copy;

        if (streq(header, "registry"))
                kind = CONFIG_SECTION_REGISTRY;
        else if (streq(header, "background"))
                kind = CONFIG_SECTION_BACKGROUND;
        else if (streq(header, "face"))
                kind = CONFIG_SECTION_FACE;
        else if (!streq(header, "daemon")) {
                size_t i;

                for (i = 0; i < ELEMENTSOF(section_prefixes); i++)
                        if (strncmp(header, section_prefixes[i].prefix,
                                    strlen(section_prefixes[i].prefix)) == 0)
                                break;
                if (i >= ELEMENTSOF(section_prefixes)) {
                        config_error(p, where, "unknown section [%s]", header);
                        return -1;
                }

                kind = section_prefixes[i].kind;
                prefix_len = strlen(section_prefixes[i].prefix);
                name = header + prefix_len;
                if (!config_name_is_valid(name)) {
                        config_error(p, where,
                                     "invalid name '%s' in [%s]: expected 1 to %u characters "
                                     "from A-Z, a-z, 0-9, '_' and '-'",
                                     name, header, CONFIG_NAME_MAX);
                        return -1;
                }
        }

        for (size_t i = 0; i < p->n_sections; i++)
                if (streq(p->sections[i].header, header))
                        return (ssize_t) i;

        if (p->n_sections >= CONFIG_MAX_SECTIONS) {
                if (!p->too_many_sections)
                        config_error(p, where, "too many sections (at most %u)",
                                     CONFIG_MAX_SECTIONS);
                p->too_many_sections = true;
                return -1;
        }

        copy = strdup(header);
        sections = realloc(p->sections, sizeof(*sections) * (p->n_sections + 1));
        if (!copy || !sections) {
                free(copy);
                if (sections)
                        p->sections = sections;
                p->oom = true;
                return -1;
        }
        p->sections = sections;
        p->sections[p->n_sections] = (struct config_section){
                .kind = kind,
                .header = copy,
                .name = name ? copy + prefix_len : NULL,
                .where = where,
        };
        return (ssize_t) p->n_sections++;
}

static void parser_set(struct config_parser *p, struct config_section *s, const char *key,
                       const char *value, struct config_location where) {
        struct config_entry *entries;
        char *k, *v;

        for (size_t i = 0; i < s->n_entries; i++) {
                struct config_entry *e = &s->entries[i];

                if (!streq(e->key, key))
                        continue;
                if (e->where.file == where.file) {
                        config_error(p, where, "duplicate key '%s' in [%s], first set at line %u",
                                     key, s->header, e->where.line);
                        return;
                }
                /* A later file overrides an earlier one, key by key. */
                if (free_and_strdup(&e->value, value) < 0) {
                        p->oom = true;
                        return;
                }
                e->where = where;
                return;
        }

        if (s->n_entries >= CONFIG_MAX_KEYS_PER_SECTION) {
                if (!s->too_many_keys)
                        config_error(p, where, "too many keys in [%s] (at most %u)", s->header,
                                     CONFIG_MAX_KEYS_PER_SECTION);
                s->too_many_keys = true;
                return;
        }

        k = strdup(key);
        v = strdup(value);
        entries = realloc(s->entries, sizeof(*entries) * (s->n_entries + 1));
        if (!k || !v || !entries) {
                free(k);
                free(v);
                if (entries)
                        s->entries = entries;
                p->oom = true;
                return;
        }
        s->entries = entries;
        s->entries[s->n_entries++] = (struct config_entry){ .key = k, .value = v, .where = where };
}

/* ---- the reader libinih pulls lines from ---- */

struct config_reader {
        struct config_parser *parser;
        size_t file;
        FILE *f; /* read from this... */
        const char *text; /* ...or from this string */
        size_t text_len, text_pos;
        size_t bytes;
        unsigned line;
        ssize_t section; /* index of the current section; -1 before the first one */
        bool skip_section; /* the current header was bad: ignore its keys */
        bool expect_handler; /* the line handed out should have reached the handler */
        bool reported; /* anything reported for this file */
};

static struct config_location reader_here(const struct config_reader *r) {
        return (struct config_location){ .file = r->file, .line = r->line };
}

static void reader_error(struct config_reader *r, const char *reason) {
        config_error(r->parser, reader_here(r), "%s", reason);
        r->reported = true;
}

static int reader_getc(struct config_reader *r) {
        if (r->f)
                return getc_unlocked(r->f);
        if (r->text_pos >= r->text_len)
                return EOF;
        return (unsigned char) r->text[r->text_pos++];
}

static bool key_is_valid(const char *key) {
        if (!*key)
                return false;
        for (const char *c = key; *c; c++)
                if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                      (*c >= '0' && *c <= '9') || *c == '_' || *c == '-' || *c == '.'))
                        return false;
        return true;
}

static void reader_section_header(struct config_reader *r, char *s) {
        char *end = strchr(s + 1, ']'), *name, *rest;
        size_t len;

        r->section = -1;
        r->skip_section = true;

        if (!end) {
                reader_error(r, "missing ']' in section header");
                return;
        }
        rest = end + strspn(end + 1, " \t") + 1;
        if (*rest && *rest != ';' && *rest != '#') {
                reader_error(r, "unexpected text after section header");
                return;
        }

        name = s + 1 + strspn(s + 1, " \t");
        len = (size_t) (end - name);
        while (len > 0 && (name[len - 1] == ' ' || name[len - 1] == '\t'))
                len--;
        name[len] = '\0';
        if (len == 0) {
                reader_error(r, "empty section name");
                return;
        }

        r->section = parser_open_section(r->parser, name, reader_here(r));
        if (r->section < 0)
                r->reported = true;
        else
                r->skip_section = false;
}

static char *config_reader_read(char *buf, int size, void *userdata) {
        struct config_reader *r = userdata;
        size_t max = size > 1 ? (size_t) size - 1 : 0, n = 0;
        bool any = false, too_long = false, nul = false, control = false, cr = false;
        char *s;
        int c;

        /* libinih has finished with the previous line by now. */
        if (r->expect_handler) {
                r->expect_handler = false;
                reader_error(r, "expected 'key = value', a [section] or a comment");
        }
        if (r->parser->oom || config_error_limit_reached(r->parser))
                return NULL;

        while ((c = reader_getc(r)) != EOF) {
                any = true;
                if (++r->bytes > CONFIG_MAX_FILE_SIZE)
                        break;
                if (c == '\n')
                        break;
                /* A CR is only fine as the first half of a CRLF line ending. */
                if (cr)
                        control = true;
                cr = c == '\r';
                if (cr)
                        continue;
                if (c == '\0')
                        nul = true;
                else if ((c < 0x20 && c != '\t') || c == 0x7f)
                        control = true;
                if (n < max)
                        buf[n++] = (char) c;
                else
                        too_long = true;
        }
        if (!any)
                return NULL;
        r->line++;
        buf[n] = '\0';

        if (r->bytes > CONFIG_MAX_FILE_SIZE) {
                config_error(r->parser, (struct config_location){ .file = r->file },
                             "file is larger than %u bytes", CONFIG_MAX_FILE_SIZE);
                r->reported = true;
                return NULL;
        }

        if (too_long) {
                char reason[64];

                (void) snprintf(reason, sizeof(reason), "line is longer than %zu characters", max);
                reader_error(r, reason);
                buf[0] = '\0';
                return buf;
        }
        if (nul || control) {
                reader_error(r,
                             nul ? "line contains a NUL byte" : "line contains control characters");
                buf[0] = '\0';
                return buf;
        }

        s = buf;
        if (r->line == 1 && strncmp(s, "\xef\xbb\xbf", 3) == 0) /* UTF-8 byte order mark */
                s += 3;
        s += strspn(s, " \t");

        if (*s == '\0' || *s == ';' || *s == '#') {
                buf[0] = '\0';
                return buf;
        }
        if (*s == '[') {
                reader_section_header(r, s);
                buf[0] = '\0';
                return buf;
        }

        memmove(buf, s, strlen(s) + 1);
        r->expect_handler = true;
        return buf;
}

static int config_reader_handle(void *userdata, const char *section, const char *key,
                                const char *value) {
        struct config_reader *r = userdata;
        struct config_parser *p = r->parser;
        char reason[128];

        /* `section` is always "": the reader keeps libinih away from section headers.
         * `value` is NULL only if something in the process set libinih's global
         * ini_allow_no_value; to us that is still a line without '=', reported when the
         * next line is read. */
        if (!value)
                return 1;
        r->expect_handler = false;

        if (r->skip_section)
                return 1;
        if (!*key) {
                reader_error(r, "missing key name before '='");
                return 1;
        }
        if (!key_is_valid(key)) {
                (void) snprintf(reason, sizeof(reason),
                                "invalid key name '%.64s': expected A-Z, a-z, 0-9, '_', '-' "
                                "and '.'",
                                key);
                reader_error(r, reason);
                return 1;
        }
        if (r->section < 0) {
                (void) snprintf(reason, sizeof(reason), "key '%.64s' is outside of any section",
                                key);
                reader_error(r, reason);
                return 1;
        }

        parser_set(p, &p->sections[r->section], key, value, reader_here(r));
        return 1;
}

int config_parser_parse(struct config_parser *p, size_t file, FILE *f, const char *text) {
        struct config_reader r = {
                .parser = p,
                .file = file,
                .f = f,
                .text = text,
                .text_len = text ? strlen(text) : 0,
                .section = -1,
        };
        int k;

        k = ini_parse_stream(config_reader_read, &r, config_reader_handle, &r);
        if (k == -2 || p->oom)
                return -ENOMEM;
        if (f && ferror(f)) {
                config_error(p, (struct config_location){ .file = file }, "read error");
                return -EIO;
        }
        /* libinih only fails a line the reader has already reported; stay loud if not. */
        if (k > 0 && !r.reported)
                config_error(p, (struct config_location){ .file = file, .line = (unsigned) k },
                             "syntax error");
        return 0;
}
