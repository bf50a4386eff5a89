/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Shared between the config loader's files, not used elsewhere.
 *
 * Loading happens in two passes.  The first (config.c) reads every file with
 * libinih into a store of sections and keys, applying drop-in overrides key by
 * key and remembering each key's file and line.  The second (config-build.c,
 * config-policy.c) turns the surviving keys into struct eg_config, checking
 * every value and the references between sections.  Problems from both passes
 * go to one list and are reported sorted by file and line.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "config.h"

/* Bounds that keep a hostile or broken file from costing unbounded time or memory;
 * a real gate needs a few dozen sections at most. */
#define CONFIG_MAX_FILE_SIZE (1024u * 1024u)
#define CONFIG_MAX_SECTIONS 1024u
#define CONFIG_MAX_KEYS_PER_SECTION 256u
#define CONFIG_NAME_MAX 63u

enum config_section_kind {
        CONFIG_SECTION_DAEMON,
        CONFIG_SECTION_PLUGIN,
        CONFIG_SECTION_DEVICE,
        CONFIG_SECTION_LANE,
        CONFIG_SECTION_POLICY,
        CONFIG_SECTION_REGISTRY,
        CONFIG_SECTION_BACKGROUND,
        CONFIG_SECTION_FACE,
};

/* Where something was written: an index into config_parser.paths and a line (0: the
 * file as a whole). */
struct config_location {
        size_t file;
        unsigned line;
};

struct config_entry {
        char *key;
        char *value;
        struct config_location where;
};

struct config_section {
        enum config_section_kind kind;
        char *header; /* as written between the brackets: "device.door1" */
        const char *name; /* inside header, after the dot; NULL for [daemon] */
        struct config_location where; /* its first header */
        struct config_entry *entries;
        size_t n_entries;
        bool too_many_keys; /* already reported */
};

struct config_error {
        struct config_location where;
        size_t seq; /* keeps the order of equal locations stable when sorting */
        char *reason;
};

struct config_parser {
        char **paths; /* every file we tried, for messages; index = config_location.file */
        char **read_paths; /* the ones actually read, for eg_config.files */
        struct config_section *sections;
        size_t n_sections;
        struct config_error *errors;
        size_t n_errors;
        bool errors_dropped;
        bool too_many_sections; /* already reported */
        bool oom;
};

void config_error(struct config_parser *p, struct config_location where, const char *format, ...)
        _printf_(3, 4);
bool config_error_limit_reached(const struct config_parser *p);

int config_origin_set(const struct config_parser *p, struct config_location where,
                      struct eg_config_origin *ret);
void config_origin_done(struct eg_config_origin *o);

/* Plain value syntax, without reporting. */
bool config_name_is_valid(const char *s);
int config_parse_boolean(const char *s);
int config_parse_unsigned(const char *s, unsigned *ret);
int config_split_list(const char *s, const char *separators, char ***ret);

/*
 * The same, reporting "file:line: reason" for the entry on failure.  They return 1 on
 * success, 0 after reporting a bad value, -ENOMEM.
 */
int config_get_boolean(struct config_parser *p, const struct config_entry *e, bool *ret);
int config_get_unsigned(struct config_parser *p, const struct config_entry *e, unsigned min,
                        unsigned max, unsigned *ret);
int config_get_name(struct config_parser *p, const struct config_entry *e, const char *what,
                    char **ret);
int config_get_list(struct config_parser *p, const struct config_entry *e, const char *separators,
                    bool allow_empty, char ***ret);
int config_get_absolute_path(struct config_parser *p, const struct config_entry *e, char **ret);

/* First pass: read one file (from `f`, or else from `text`) into the store.  Returns 0 or
 * -ENOMEM/-EIO; problems with the contents are errors in `p`. */
int config_parser_parse(struct config_parser *p, size_t file, FILE *f, const char *text);
void config_parser_done(struct config_parser *p);

/* Second pass: fill `c` from the store.  Returns 0 or -ENOMEM; bad values are errors in `p`. */
int config_build(struct config_parser *p, struct eg_config *c);
int config_build_policies(struct config_parser *p, struct eg_config *c);

static inline const char *config_path(const struct config_parser *p, struct config_location w) {
        return p->paths[w.file];
}
