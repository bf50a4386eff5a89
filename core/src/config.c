/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Loading egated.conf: which files, in which order; collecting and reporting the
 * errors; the public entry points.  config-reader.c reads a file, config-build.c and
 * config-policy.c interpret what was read.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "config-internal.h"
#include "log.h"

#define CONFIG_DROPIN_DIR "egated.conf.d"

static void closedirp(DIR **d) {
        if (*d)
                (void) closedir(*d);
}

/* ---- errors ---- */

bool config_error_limit_reached(const struct config_parser *p) {
        return p->errors_dropped;
}

void config_error(struct config_parser *p, struct config_location where, const char *format, ...) {
        struct config_error *errors;
        va_list ap;
        char *reason;
        int r;

        /* One slot stays free for the "too many errors" note added when reporting. */
        if (p->n_errors >= EG_CONFIG_MAX_ERRORS - 1) {
                p->errors_dropped = true;
                return;
        }

        va_start(ap, format);
        r = vasprintf(&reason, format, ap);
        va_end(ap);
        if (r < 0) {
                p->oom = true;
                return;
        }

        errors = realloc(p->errors, sizeof(*errors) * (p->n_errors + 1));
        if (!errors) {
                free(reason);
                p->oom = true;
                return;
        }
        p->errors = errors;
        p->errors[p->n_errors] = (struct config_error){
                .where = where,
                .seq = p->n_errors,
                .reason = reason,
        };
        p->n_errors++;
}

static int config_error_compare(const void *a, const void *b) {
        const struct config_error *x = a, *y = b;

        if (x->where.file != y->where.file)
                return x->where.file < y->where.file ? -1 : 1;
        if (x->where.line != y->where.line)
                return x->where.line < y->where.line ? -1 : 1;
        return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void eg_config_errors_clear(struct eg_config_errors *e) {
        if (!e)
                return;
        for (size_t i = 0; i < e->n; i++)
                free(e->messages[i]);
        free(e->messages);
        *e = (struct eg_config_errors){};
}

static int errors_append(struct eg_config_errors *e, const char *file, unsigned line,
                         const char *reason) {
        char **m, *s;
        int r;

        if (line > 0)
                r = asprintf(&s, "%s:%u: %s", file, line, reason);
        else
                r = asprintf(&s, "%s: %s", file, reason);
        if (r < 0)
                return -ENOMEM;

        m = realloc(e->messages, sizeof(char *) * (e->n + 1));
        if (!m) {
                free(s);
                return -ENOMEM;
        }
        e->messages = m;
        e->messages[e->n++] = s;
        return 0;
}

/* Hand the collected errors over sorted by file and line, or log them if nobody asked. */
static int parser_report_errors(struct config_parser *p, struct eg_config_errors *out) {
        struct eg_config_errors logged = {};
        struct eg_config_errors *e = out ?: &logged;
        int r = 0;

        if (p->n_errors > 0)
                qsort(p->errors, p->n_errors, sizeof(*p->errors), config_error_compare);

        for (size_t i = 0; i < p->n_errors && r >= 0; i++)
                r = errors_append(e, config_path(p, p->errors[i].where), p->errors[i].where.line,
                                  p->errors[i].reason);
        if (r >= 0 && p->errors_dropped)
                r = errors_append(e, p->paths[0], 0, "too many errors, the rest are not shown");

        if (!out) {
                for (size_t i = 0; i < logged.n; i++)
                        log_object(LOG_ERR, 0, EG_LOG_OBJECT_CONFIG, NULL, "%s",
                                   logged.messages[i]);
                eg_config_errors_clear(&logged);
        }
        return r;
}

static int parser_add_path(struct config_parser *p, const char *path, size_t *ret) {
        if (strv_extend(&p->paths, path) < 0) {
                p->oom = true;
                return -ENOMEM;
        }
        *ret = strv_length(p->paths) - 1;
        return 0;
}

static int parser_parse_file(struct config_parser *p, const char *path, bool missing_ok) {
        _cleanup_(fclosep) FILE *f = NULL;
        struct config_location where = {};
        struct stat st;
        int r;

        r = parser_add_path(p, path, &where.file);
        if (r < 0)
                return r;

        f = fopen(path, "re");
        if (!f) {
                r = -errno;
                if (r == -ENOENT && missing_ok)
                        return 0;
                config_error(p, where, "%s", strerror(-r));
                return r;
        }
        if (fstat(fileno(f), &st) < 0) {
                r = -errno;
                config_error(p, where, "%s", strerror(-r));
                return r;
        }
        if (S_ISDIR(st.st_mode)) {
                config_error(p, where, "%s", strerror(EISDIR));
                return -EISDIR;
        }

        if (strv_extend(&p->read_paths, path) < 0) {
                p->oom = true;
                return -ENOMEM;
        }
        return config_parser_parse(p, where.file, f, NULL);
}

static int string_compare(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

static bool is_dropin_name(const char *name) {
        size_t n = strlen(name);

        /* "*.conf" as a shell glob sees it: hidden files do not match. */
        return name[0] != '.' && n > strlen(".conf") && streq(name + n - strlen(".conf"), ".conf");
}

static int parser_parse_dropins(struct config_parser *p, const char *main_path) {
        _cleanup_(strv_freep) char **names = NULL;
        _cleanup_(closedirp) DIR *d = NULL;
        _cleanup_(freep) char *dir = NULL;
        const char *slash = strrchr(main_path, '/');
        struct dirent *de;
        size_t n_names;
        int r;

        if (!slash)
                dir = strdup(CONFIG_DROPIN_DIR);
        else if (asprintf(&dir, "%.*s/%s", (int) (slash - main_path), main_path,
                          CONFIG_DROPIN_DIR) < 0)
                dir = NULL;
        if (!dir) {
                p->oom = true;
                return -ENOMEM;
        }

        d = opendir(dir);
        if (!d) {
                struct config_location where = {};

                r = -errno;
                if (r == -ENOENT)
                        return 0;
                if (parser_add_path(p, dir, &where.file) < 0)
                        return -ENOMEM;
                config_error(p, where, "%s", strerror(-r));
                return r;
        }

        for (;;) {
                errno = 0;
                de = readdir(d);
                if (!de)
                        break;
                if (!is_dropin_name(de->d_name))
                        continue;
                if (strv_extend(&names, de->d_name) < 0) {
                        p->oom = true;
                        return -ENOMEM;
                }
        }
        if (errno != 0) {
                struct config_location where = {};

                r = -errno;
                if (parser_add_path(p, dir, &where.file) < 0)
                        return -ENOMEM;
                config_error(p, where, "%s", strerror(-r));
                return r;
        }
        n_names = strv_length(names);
        if (n_names > 0)
                qsort(names, n_names, sizeof(char *), string_compare);

        for (size_t i = 0; i < n_names; i++) {
                _cleanup_(freep) char *path = NULL;

                if (asprintf(&path, "%s/%s", dir, names[i]) < 0) {
                        p->oom = true;
                        return -ENOMEM;
                }
                r = parser_parse_file(p, path, false);
                if (r == -ENOMEM)
                        return r;
        }
        return 0;
}

/* ---- the config ---- */

static void kvs_free(struct eg_config_kv *kv, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(kv[i].key);
                free(kv[i].value);
                config_origin_done(&kv[i].origin);
        }
        free(kv);
}

struct eg_config *eg_config_free(struct eg_config *c) {
        if (!c)
                return NULL;

        strv_free(c->files);
        strv_free(c->plugin_dirs);
        free(c->state_directory);
        free(c->csca_directory);
        free(c->crl_directory);
        free(c->registry_socket);
        free(c->background_socket);
        free(c->face_socket);

        for (size_t i = 0; i < c->n_plugins; i++) {
                free(c->plugins[i].name);
                kvs_free(c->plugins[i].options, c->plugins[i].n_options);
        }
        free(c->plugins);

        for (size_t i = 0; i < c->n_devices; i++) {
                struct eg_config_device *d = &c->devices[i];

                free(d->name);
                free(d->plugin);
                free(d->lane);
                free(d->role);
                kvs_free(d->properties, d->n_properties);
                config_origin_done(&d->origin);
        }
        free(c->devices);

        for (size_t i = 0; i < c->n_lanes; i++) {
                struct eg_config_lane *l = &c->lanes[i];

                free(l->name);
                free(l->policy);
                for (size_t j = 0; j < ELEMENTSOF(l->roles); j++)
                        free(l->roles[j]);
                strv_free(l->presence_sensors);
                strv_free(l->indicators);
                config_origin_done(&l->origin);
        }
        free(c->lanes);

        for (size_t i = 0; i < c->n_policies; i++)
                eg_policy_done(&c->policies[i]);
        free(c->policies);

        free(c);
        return NULL;
}

int config_origin_set(const struct config_parser *p, struct config_location where,
                      struct eg_config_origin *ret) {
        char *file = strdup(config_path(p, where));

        if (!file)
                return -ENOMEM;
        free(ret->file);
        *ret = (struct eg_config_origin){ .file = file, .line = where.line };
        return 0;
}

void config_origin_done(struct eg_config_origin *o) {
        free(o->file);
        o->file = NULL;
}

/* Run the second pass and hand out the result; `r` is the first pass's verdict. */
static int parser_finish(struct config_parser *p, int r, struct eg_config **ret,
                         struct eg_config_errors *errors) {
        _cleanup_(eg_config_freep) struct eg_config *c = NULL;
        int k;

        if (r != -ENOMEM && !p->oom && !config_error_limit_reached(p)) {
                c = calloc(1, sizeof(*c));
                if (!c)
                        r = -ENOMEM;
                else {
                        k = config_build(p, c);
                        if (k < 0)
                                r = k;
                }
        }
        if (p->oom)
                r = -ENOMEM;

        k = parser_report_errors(p, errors);
        if (k < 0 && r >= 0)
                r = k;
        if (r >= 0 && (p->n_errors > 0 || p->errors_dropped))
                r = -EINVAL;
        if (r < 0)
                return r;

        if (ret)
                *ret = TAKE_PTR(c);
        return 0;
}

int eg_config_load(const char *path, struct eg_config **ret, struct eg_config_errors *errors) {
        struct config_parser p = {};
        bool explicit = path;
        int r;

        eg_config_errors_clear(errors);
        if (!path)
                path = EG_DEFAULT_CONFIG_FILE;

        /* Only a file named explicitly must exist; the drop-ins are read without the
         * default file too, so a configuration can consist of drop-ins alone. */
        r = parser_parse_file(&p, path, !explicit);
        if (r >= 0)
                r = parser_parse_dropins(&p, path);

        if (r >= 0)
                log_object(LOG_DEBUG, 0, EG_LOG_OBJECT_CONFIG, NULL,
                           "Read %zu configuration file(s).", strv_length(p.read_paths));
        r = parser_finish(&p, r, ret, errors);
        config_parser_done(&p);
        return r;
}

int eg_config_load_string(const char *name, const char *text, struct eg_config **ret,
                          struct eg_config_errors *errors) {
        struct config_parser p = {};
        size_t file;
        int r;

        eg_config_errors_clear(errors);
        if (!name)
                name = "<string>";

        r = parser_add_path(&p, name, &file);
        if (r >= 0 && strv_extend(&p.read_paths, name) < 0)
                r = -ENOMEM;
        if (r >= 0)
                r = config_parser_parse(&p, file, NULL, text ?: "");

        r = parser_finish(&p, r, ret, errors);
        config_parser_done(&p);
        return r;
}

const struct eg_config_plugin *eg_config_find_plugin(const struct eg_config *c, const char *name) {
        for (size_t i = 0; c && name && i < c->n_plugins; i++)
                if (streq(c->plugins[i].name, name))
                        return &c->plugins[i];
        return NULL;
}

const struct eg_config_device *eg_config_find_device(const struct eg_config *c, const char *name) {
        for (size_t i = 0; c && name && i < c->n_devices; i++)
                if (streq(c->devices[i].name, name))
                        return &c->devices[i];
        return NULL;
}

const struct eg_config_lane *eg_config_find_lane(const struct eg_config *c, const char *name) {
        for (size_t i = 0; c && name && i < c->n_lanes; i++)
                if (streq(c->lanes[i].name, name))
                        return &c->lanes[i];
        return NULL;
}

const struct eg_policy *eg_config_find_policy(const struct eg_config *c, const char *name) {
        for (size_t i = 0; c && name && i < c->n_policies; i++)
                if (streq(c->policies[i].name, name))
                        return &c->policies[i];
        return NULL;
}
