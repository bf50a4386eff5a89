/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/audit-spool.h"
#include "log.h"
#include "macro.h"
#include "json-util.h"

#define SPOOL_VERSION 1

static int add_string(json_object *o, const char *key, const char *value) {
        if (!value[0])
                return 0; /* stored as NULL: left out */
        return eg_json_add(o, key, json_object_new_string(value));
}

static int add_int(json_object *o, const char *key, int64_t value) {
        return eg_json_add(o, key, json_object_new_int64(value));
}

static int format_record(json_object *o, const struct eg_audit_columns *c, const char *json) {
        int r = add_string(o, "transaction_id", c->transaction_id);

        if (r >= 0)
                r = add_string(o, "lane", c->lane);
        if (r >= 0)
                r = add_int(o, "start_usec", (int64_t) c->start_usec);
        if (r >= 0)
                r = add_int(o, "end_usec", (int64_t) c->end_usec);
        if (r >= 0)
                r = add_string(o, "decision", c->decision);
        if (r >= 0)
                r = add_string(o, "document_hash", c->document_hash);
        if (r >= 0)
                r = add_string(o, "member_id", c->member_id);
        if (r >= 0)
                r = add_string(o, "record", json);
        return r;
}

static int format_event(json_object *o, const struct eg_audit_event *ev, const char *json) {
        int r = add_string(o, "type", "event");

        if (r >= 0)
                r = add_string(o, "lane", ev->lane);
        if (r >= 0)
                r = add_int(o, "time_usec", (int64_t) ev->time_usec);
        if (r >= 0)
                r = add_string(o, "kind", ev->kind);
        if (r >= 0)
                r = add_string(o, "transaction_id", ev->transaction_id);
        if (r >= 0)
                r = add_string(o, "event", json);
        return r;
}

int eg_audit_spool_format_line(const struct eg_audit_spool_entry *e, char **ret_line) {
        _cleanup_(json_object_putp) json_object *o = json_object_new_object();
        const char *text;
        int r;

        if (!o)
                return -ENOMEM;
        r = add_int(o, "version", SPOOL_VERSION);
        if (r >= 0)
                r = e->is_event ? format_event(o, &e->event, e->json)
                                : format_record(o, &e->record, e->json);
        if (r < 0)
                return r;
        /* Plain: json-c escapes every newline inside strings, so an entry is one line. */
        text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
        if (!text || asprintf(ret_line, "%s\n", text) < 0)
                return -ENOMEM;
        return 0;
}

/* A new file's name is only durable once its directory is synced. */
static int sync_directory_of(const char *path) {
        _cleanup_free_ char *dir = strdup(path);
        _cleanup_(closep) int fd = -1;
        char *slash;

        if (!dir)
                return -ENOMEM;
        slash = strrchr(dir, '/');
        if (!slash)
                return -EINVAL; /* the worker always has a directory in the path */
        *(slash == dir ? slash + 1 : slash) = '\0';
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0 || fsync(fd) < 0)
                return -errno;
        return 0;
}

/* Room past the end: allocated to the file, its size unchanged. */
static int reserve_room(int fd, off_t end) {
        if (fallocate(fd, FALLOC_FL_KEEP_SIZE, end, EG_AUDIT_SPOOL_RESERVE) < 0)
                return errno == ENOSYS ? -EOPNOTSUPP : -errno;
        return 0;
}

int eg_audit_spool_reserve(const char *path) {
        _cleanup_(closep) int fd = -1;
        struct stat st;
        int r;

        fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        r = sync_directory_of(path);
        if (r < 0)
                return r;
        r = reserve_room(fd, st.st_size);
        if (r < 0)
                return r;
        return fsync(fd) < 0 ? -errno : 0;
}

int eg_audit_spool_append(const char *path, const struct eg_audit_spool_entry *e) {
        _cleanup_free_ char *line = NULL;
        _cleanup_(closep) int fd = -1;
        struct stat st;
        int r;

        r = eg_audit_spool_format_line(e, &line);
        if (r < 0)
                return r;
        fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        /* Made just now (the trail could not reserve it at open): its name must last too. */
        r = st.st_size == 0 ? sync_directory_of(path) : 0;
        if (r >= 0)
                r = loop_write(fd, line, strlen(line));
        if (r >= 0 && fdatasync(fd) < 0)
                r = -errno;
        if (r < 0) {
                /* No half line for the next append to run into.  Cutting the file back may
                 * release the room past its end too: ask for it again. */
                (void) ftruncate(fd, st.st_size);
                (void) reserve_room(fd, st.st_size);
        }
        return r;
}

static int get_string(json_object *o, const char *key, bool required, char *out, size_t size) {
        json_object *v;
        const char *s;

        out[0] = '\0';
        if (!json_object_object_get_ex(o, key, &v))
                return required ? -EBADMSG : 0;
        if (!json_object_is_type(v, json_type_string))
                return -EBADMSG;
        s = json_object_get_string(v);
        if (!s[0] || strlen(s) >= size)
                return -EBADMSG;
        memcpy(out, s, strlen(s) + 1);
        return 0;
}

static int get_usec(json_object *o, const char *key, uint64_t *out) {
        json_object *v;
        int64_t n;

        if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
                return -EBADMSG;
        errno = 0;
        n = json_object_get_int64(v);
        if (errno != 0 || n < 0)
                return -EBADMSG;
        *out = (uint64_t) n;
        return 0;
}

static bool keys_are_known(json_object *o, const char *const *known, size_t n_known) {
        json_object_object_foreach(o, key, value) {
                bool found = false;

                (void) value;
                for (size_t i = 0; i < n_known && !found; i++)
                        found = streq(key, known[i]);
                if (!found)
                        return false;
        }
        return true;
}

/* The stored JSON text of the record or event under `key`: an object, as the trail keeps it. */
static int get_stored_json(json_object *o, const char *key, char **ret) {
        _cleanup_(json_object_putp) json_object *parsed = NULL;
        json_object *text;

        if (!json_object_object_get_ex(o, key, &text) ||
            !json_object_is_type(text, json_type_string))
                return -EBADMSG;
        parsed = json_tokener_parse(json_object_get_string(text));
        if (!parsed || !json_object_is_type(parsed, json_type_object))
                return -EBADMSG;
        *ret = strdup(json_object_get_string(text));
        return *ret ? 0 : -ENOMEM;
}

static int parse_record(json_object *o, struct eg_audit_spool_entry *e) {
        static const char *const known[] = { "version",       "transaction_id", "lane",
                                             "start_usec",    "end_usec",       "decision",
                                             "document_hash", "member_id",      "record" };
        struct eg_audit_columns *c = &e->record;

        if (!keys_are_known(o, known, ELEMENTSOF(known)) ||
            get_string(o, "transaction_id", true, c->transaction_id, sizeof(c->transaction_id)) <
                    0 ||
            get_string(o, "lane", true, c->lane, sizeof(c->lane)) < 0 ||
            get_string(o, "decision", true, c->decision, sizeof(c->decision)) < 0 ||
            get_string(o, "document_hash", false, c->document_hash, sizeof(c->document_hash)) < 0 ||
            get_string(o, "member_id", false, c->member_id, sizeof(c->member_id)) < 0 ||
            get_usec(o, "start_usec", &c->start_usec) < 0 ||
            get_usec(o, "end_usec", &c->end_usec) < 0)
                return -EBADMSG;
        return get_stored_json(o, "record", &e->json);
}

static int parse_event(json_object *o, struct eg_audit_spool_entry *e) {
        static const char *const known[] = { "version", "type",           "lane", "time_usec",
                                             "kind",    "transaction_id", "event" };
        struct eg_audit_event *ev = &e->event;

        e->is_event = true;
        if (!keys_are_known(o, known, ELEMENTSOF(known)) ||
            get_string(o, "lane", true, ev->lane, sizeof(ev->lane)) < 0 ||
            get_string(o, "kind", true, ev->kind, sizeof(ev->kind)) < 0 ||
            get_string(o, "transaction_id", false, ev->transaction_id, sizeof(ev->transaction_id)) <
                    0 ||
            get_usec(o, "time_usec", &ev->time_usec) < 0)
                return -EBADMSG;
        return get_stored_json(o, "event", &e->json);
}

int eg_audit_spool_parse_line(const char *line, struct eg_audit_spool_entry *ret) {
        _cleanup_(json_object_putp) json_object *o = NULL;
        json_object *version, *type;
        int r;

        *ret = (struct eg_audit_spool_entry){};
        o = json_tokener_parse(line);
        if (!o || !json_object_is_type(o, json_type_object))
                return -EBADMSG;
        if (!json_object_object_get_ex(o, "version", &version) ||
            !json_object_is_type(version, json_type_int) ||
            json_object_get_int64(version) != SPOOL_VERSION)
                return -EBADMSG;
        /* Records carry no type: the first spools held nothing else. */
        if (!json_object_object_get_ex(o, "type", &type))
                r = parse_record(o, ret);
        else if (json_object_is_type(type, json_type_string) &&
                 streq(json_object_get_string(type), "event"))
                r = parse_event(o, ret);
        else
                r = -EBADMSG;
        if (r < 0) {
                free(ret->json);
                *ret = (struct eg_audit_spool_entry){};
        }
        return r;
}

/* Insert one entry; one the trail already holds counts as taken. */
static int take(sqlite3 *db, struct eg_audit_store_writer *w, const struct eg_audit_spool_entry *e,
                uint64_t now_usec) {
        const struct eg_audit_columns *columns[1] = { &e->record };
        const char *texts[1] = { e->json };
        int status[1] = { 0 };
        bool known = false;
        int r;

        if (e->is_event) {
                /* Events have no id of their own: the same lane, time, kind and text is the
                 * same event, written after all when the disk had room again. */
                r = eg_audit_store_has_event(db, &e->event, e->json, &known);
                if (r < 0 || known)
                        return r;
                return eg_audit_store_insert_event(db, w, &e->event, e->json, now_usec);
        }
        r = eg_audit_store_insert_group(db, w, 1, columns, texts, now_usec, status);
        if (r < 0)
                return r;
        return status[0] == -EEXIST ? 0 : status[0];
}

static int set_aside(const char *path, uint64_t now_usec, unsigned bad) {
        _cleanup_free_ char *aside = NULL;

        if (asprintf(&aside, "%s.bad-%" PRIu64, path, now_usec) < 0)
                return -ENOMEM;
        if (rename(path, aside) < 0)
                return log_error_errno(errno, "audit trail: cannot set the spool aside: %m");
        log_error("audit trail: %u line(s) of the spool could not be read; it is kept as %s", bad,
                  aside);
        return 0;
}

int eg_audit_spool_import(sqlite3 *db, struct eg_audit_store_writer *w, const char *path,
                          uint64_t now_usec) {
        _cleanup_free_ char *line = NULL;
        FILE *f;
        size_t cap = 0;
        unsigned taken = 0, bad = 0;
        _cleanup_(closep) int fd = -1;
        struct stat st;
        ssize_t n;
        int r = 0;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return errno == ENOENT ? 0 : -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        /* Nothing in it but its room (eg_audit_spool_reserve): keep it as it is. */
        if (st.st_size == 0)
                return 0;
        f = fdopen(fd, "r");
        if (!f)
                return -errno;
        fd = -1; /* closed with f */
        while ((n = getline(&line, &cap, f)) > 0) {
                struct eg_audit_spool_entry e;

                /* Only a line with its newline is complete; an entry is never this long. */
                if (line[n - 1] != '\n' || (size_t) n > EG_AUDIT_SPOOL_LINE_MAX) {
                        bad++;
                        continue;
                }
                line[n - 1] = '\0';
                r = eg_audit_spool_parse_line(line, &e);
                if (r == -ENOMEM)
                        break;
                if (r < 0) {
                        bad++;
                        r = 0;
                        continue;
                }
                r = take(db, w, &e, now_usec);
                free(e.json);
                if (r < 0)
                        break;
                taken++;
        }
        if (r >= 0 && ferror(f))
                r = -EIO;
        fclose(f);
        if (r < 0)
                return log_error_errno(r,
                                       "audit trail: the spool's entries could not be taken "
                                       "in yet (%u taken): %m; kept for the next start",
                                       taken);
        if (bad > 0)
                (void) set_aside(path, now_usec, bad);
        else if (unlink(path) < 0)
                log_warning_errno(errno, "audit trail: cannot remove the spool: %m");
        if (taken > 0)
                log_notice("audit trail: %u record(s) and lane event(s) from the spool taken in",
                           taken);
        return (int) taken;
}
