/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * egatectl member ...: the member registry (org.egate.EGate1.Registry).
 *
 *   import FILE           Import (the daemon reads FILE through the descriptor we pass)
 *   add FILE|-            Add (one member object)
 *   list                  List (ids, status and dates: no personal data)
 *   show ID               Show (personal data: a warning says so)
 *   suspend|revoke|activate|expire ID REASON    SetStatus
 *   remove ID REASON      Remove
 *   enroll-finger ID DEVICE FINGER              EnrollFinger
 *
 * egated checks every argument itself (ids, statuses, fingers, reasons), so
 * the rules live in one place; here only the shape of the command line is
 * checked.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bus-json.h"
#include "egatectl-bus.h"
#include "egatectl.h"
#include "output.h"

#define REGISTRY_PATH EGCTL_ROOT_PATH "/Registry"
#define REGISTRY_IFACE EGCTL_IFACE("Registry")
#define MEMBER_JSON_MAX (8u << 20) /* what egated takes for one member */
/* An import of up to 64 MiB is one transaction that may take minutes on a gate's disk: the
 * default call timeout would report a failure while egated goes on and imports. */
#define IMPORT_TIMEOUT_USEC (600ULL * 1000000ULL)

struct subcommand {
        const char *name;
        const char *arguments;
        int n_args; /* after the subcommand */
        int (*run)(sd_bus *bus, char **argv);
};

/* Call a Registry method, waiting at least timeout_usec (0: --timeout alone); on failure say
 * so (naming the member when there is one). */
static int registry_call(sd_bus *bus, const char *what, const char *member, uint64_t timeout_usec,
                         sd_bus_message **reply, const char *types, ...) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        va_list ap;
        int r;

        r = sd_bus_message_new_method_call(bus, &m, EGCTL_BUS_NAME, REGISTRY_PATH, REGISTRY_IFACE,
                                           member);
        if (r >= 0 && types) {
                va_start(ap, types);
                r = sd_bus_message_appendv(m, types, ap);
                va_end(ap);
        }
        if (r < 0)
                return egctl_bus_fail(NULL, r, "%s", what);
        r = sd_bus_call(bus, m, arg.timeout_usec > timeout_usec ? arg.timeout_usec : timeout_usec,
                        &error, reply);
        if (r < 0) {
                /* An egated without a registry object is an egated without this feature. */
                if (sd_bus_error_has_names(&error, "org.freedesktop.DBus.Error.UnknownObject",
                                           "org.freedesktop.DBus.Error.UnknownInterface",
                                           "org.freedesktop.DBus.Error.UnknownMethod"))
                        return egctl_bus_fail(&error, r, "%s: this egated has no member registry",
                                              what);
                return egctl_bus_fail(&error, r, "%s", what);
        }
        return EGCTL_EXIT_OK;
}

static int oom(const char *what) {
        egctl_error("%s: out of memory", what);
        return EGCTL_EXIT_FAILURE;
}

/*
 * A sentence for people, or {key: value, ...} for --json: (const char *key, json_object
 * *value) pairs, NULL-terminated; the values are taken either way.
 */
static int report(const char *sentence, ...) {
        _cleanup_(json_object_putp) json_object *o = json_object_new_object();
        _cleanup_free_ char *text = NULL;
        const char *key;
        bool ok = o != NULL;
        va_list ap;

        va_start(ap, sentence);
        while ((key = va_arg(ap, const char *))) {
                json_object *v = va_arg(ap, json_object *);

                if (!ok)
                        json_object_put(v);
                else if (json_add(o, key, v) < 0)
                        ok = false;
        }
        va_end(ap);
        if (!ok)
                return oom("member");
        if (arg.json)
                return output_json(o);
        text = escape_control(sentence);
        if (!text)
                return oom("member");
        printf("%s\n", text);
        return EGCTL_EXIT_OK;
}

static int cmd_import(sd_bus *bus, char **argv) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(closep) int fd = -1;
        _cleanup_free_ char *sentence = NULL;
        uint32_t n = 0;
        int r;

        fd = open(argv[0], O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0) {
                egctl_error("member import: cannot open %s: %m", argv[0]);
                return errno == ENOENT ? EGCTL_EXIT_NOT_FOUND : EGCTL_EXIT_FAILURE;
        }
        r = registry_call(bus, "member import", "Import", IMPORT_TIMEOUT_USEC, &reply, "h", fd);
        if (r != EGCTL_EXIT_OK)
                return r;
        r = sd_bus_message_read(reply, "u", &n);
        if (r < 0)
                return egctl_bus_fail(NULL, r, "member import: unexpected reply");
        if (asprintf(&sentence, "Imported %u member%s.", n, n == 1 ? "" : "s") < 0)
                return oom("member import");
        return report(sentence, "imported", json_object_new_int64(n), NULL);
}

/* FILE, or standard input for "-": at most MEMBER_JSON_MAX bytes. */
static int read_member_text(const char *path, char **ret) {
        _cleanup_(fclosep) FILE *f = NULL;
        _cleanup_free_ char *buf = NULL;
        size_t n = 0;

        f = streq(path, "-") ? fdopen(dup(STDIN_FILENO), "r") : fopen(path, "re");
        if (!f) {
                egctl_error("member add: cannot open %s: %m", streq(path, "-") ? "stdin" : path);
                return errno == ENOENT ? EGCTL_EXIT_NOT_FOUND : EGCTL_EXIT_FAILURE;
        }
        buf = malloc(MEMBER_JSON_MAX + 1);
        if (!buf)
                return oom("member add");
        n = fread(buf, 1, MEMBER_JSON_MAX + 1, f);
        if (ferror(f)) {
                egctl_error("member add: cannot read %s", streq(path, "-") ? "stdin" : path);
                return EGCTL_EXIT_FAILURE;
        }
        if (n > MEMBER_JSON_MAX) {
                egctl_error("member add: more than %u MiB: not one member (use member import)",
                            MEMBER_JSON_MAX >> 20);
                return EGCTL_EXIT_USAGE;
        }
        buf[n] = '\0';
        if (strlen(buf) != n) {
                egctl_error("member add: the input contains a NUL byte");
                return EGCTL_EXIT_USAGE;
        }
        *ret = TAKE_PTR(buf);
        return EGCTL_EXIT_OK;
}

static int cmd_add(sd_bus *bus, char **argv) {
        _cleanup_(json_object_putp) json_object *doc = NULL;
        _cleanup_free_ char *text = NULL, *sentence = NULL;
        const char *id;
        int r;

        r = read_member_text(argv[0], &text);
        if (r != EGCTL_EXIT_OK)
                return r;
        /* The id, to say who was added (egated checks the rest). */
        doc = json_tokener_parse(text);
        id = doc && json_object_is_type(doc, json_type_object) ? json_string_member(doc, "id") : "";
        r = registry_call(bus, "member add", "Add", 0, NULL, "s", text);
        explicit_bzero(text, strlen(text));
        if (r != EGCTL_EXIT_OK)
                return r;
        if (asprintf(&sentence, "Added member %s.", *id ? id : "(see member list)") < 0)
                return oom("member add");
        return report(sentence, "added", json_object_new_string(id), NULL);
}

static int cmd_list(sd_bus *bus, char **argv) {
        static const char *const headers[] = { "ID", "STATUS", "ENROLLED", "CONDITIONAL",
                                               "UPDATED" };
        static const char *const keys[] = { "id", "status", "enrolled", "conditional_approval",
                                            "updated" };
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(json_object_putp) json_object *members = json_object_new_array();
        _cleanup_(table_freep) struct table *t = table_new(headers, ELEMENTSOF(headers));
        const char *v[5];
        int r;

        if (!members || !t)
                return oom("member list");
        r = registry_call(bus, "member list", "List", 0, &reply, NULL);
        if (r != EGCTL_EXIT_OK)
                return r;
        table_highlight_states(t, 1);
        r = sd_bus_message_enter_container(reply, 'a', "(sssss)");
        while (r >= 0 &&
               (r = sd_bus_message_read(reply, "(sssss)", &v[0], &v[1], &v[2], &v[3], &v[4])) > 0) {
                json_object *o = json_object_new_object();

                if (!o || json_object_array_add(members, o) < 0) {
                        json_object_put(o);
                        return oom("member list");
                }
                for (size_t i = 0; i < ELEMENTSOF(keys); i++)
                        if (json_add(o, keys[i], json_object_new_string(v[i])) < 0)
                                return oom("member list");
                if (table_add_row(t, v) < 0)
                        return oom("member list");
        }
        if (r < 0)
                return egctl_bus_fail(NULL, r, "member list: unexpected reply");
        if (arg.json)
                return output_json(members);
        if (table_rows(t) == 0)
                printf("No members.\n");
        else {
                table_print(t, stdout, NULL);
                printf("\n%zu member%s.\n", table_rows(t), table_rows(t) == 1 ? "" : "s");
        }
        return EGCTL_EXIT_OK;
}

static void print_section(const char *title, json_object *array, const char *const *keys,
                          const char *const *headers, size_t n) {
        _cleanup_(table_freep) struct table *t = table_new(headers, n);

        printf("\n%s%s:%s\n", ansi_bold(), title, ansi_normal());
        if (!t || !array || json_object_array_length(array) == 0) {
                printf("  none\n");
                return;
        }
        for (size_t i = 0; i < json_object_array_length(array); i++) {
                json_object *e = json_object_array_get_idx(array, i);
                char *cells_buf[8] = {};
                const char *cells[8];

                for (size_t k = 0; k < n && k < ELEMENTSOF(cells); k++) {
                        json_object *v = NULL;

                        (void) json_object_object_get_ex(e, keys[k], &v);
                        cells_buf[k] = json_to_human(v);
                        cells[k] = cells_buf[k] ? cells_buf[k] : "?";
                }
                (void) table_add_row(t, cells);
                for (size_t k = 0; k < n && k < ELEMENTSOF(cells); k++)
                        free(TAKE_PTR(cells_buf[k]));
        }
        table_print(t, stdout, "  ");
}

static int cmd_show(sd_bus *bus, char **argv) {
        static const char *const skip[] = { "passports", "fingers", "face", "history", NULL };
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(json_object_putp) json_object *doc = NULL;
        _cleanup_free_ char *what = NULL;
        json_object *v = NULL;
        const char *text;
        int r;

        if (asprintf(&what, "member show %s", argv[0]) < 0)
                return oom("member show");
        r = registry_call(bus, what, "Show", 0, &reply, "s", argv[0]);
        if (r != EGCTL_EXIT_OK)
                return r;
        r = sd_bus_message_read(reply, "s", &text);
        if (r < 0)
                return egctl_bus_fail(NULL, r, "%s: unexpected reply", what);
        doc = json_tokener_parse(text);
        if (!doc || !json_object_is_type(doc, json_type_object)) {
                egctl_error("%s: egated sent something that is not a JSON object", what);
                return EGCTL_EXIT_FAILURE;
        }
        egctl_warning("a member's record is personal data: do not keep it in tickets, logs or "
                      "shell history");
        if (arg.json)
                return output_json(doc);

        print_fields(doc, skip, fields_width(doc, skip));
        (void) json_object_object_get_ex(doc, "passports", &v);
        print_section("Passports", v,
                      (const char *const[]){ "issuing_state", "document_number", "expiry" },
                      (const char *const[]){ "STATE", "NUMBER", "EXPIRY" }, 3);
        v = NULL;
        (void) json_object_object_get_ex(doc, "fingers", &v);
        print_section("Fingers", v, (const char *const[]){ "finger", "format", "bytes" },
                      (const char *const[]){ "FINGER", "FORMAT", "BYTES" }, 3);
        v = NULL;
        (void) json_object_object_get_ex(doc, "face", &v);
        printf("\n%sFace:%s\n", ansi_bold(), ansi_normal());
        if (v && json_object_is_type(v, json_type_object)) {
                json_object *mime = NULL, *bytes = NULL;
                _cleanup_free_ char *m = NULL, *b = NULL;

                (void) json_object_object_get_ex(v, "mime", &mime);
                (void) json_object_object_get_ex(v, "bytes", &bytes);
                m = json_to_human(mime);
                b = json_to_human(bytes);
                printf("  %s, %s bytes\n", m ? m : "?", b ? b : "?");
        } else
                printf("  none\n");
        v = NULL;
        (void) json_object_object_get_ex(doc, "history", &v);
        print_section("History", v,
                      (const char *const[]){ "changed_at", "status", "actor", "reason" },
                      (const char *const[]){ "WHEN", "STATUS", "BY", "REASON" }, 4);
        return EGCTL_EXIT_OK;
}

static int set_status(sd_bus *bus, char **argv, const char *verb, const char *status) {
        _cleanup_free_ char *what = NULL, *sentence = NULL;
        int r;

        if (asprintf(&what, "member %s %s", verb, argv[0]) < 0)
                return oom("member");
        r = registry_call(bus, what, "SetStatus", 0, NULL, "sss", argv[0], status, argv[1]);
        if (r != EGCTL_EXIT_OK)
                return r;
        if (asprintf(&sentence, "Member %s: %s.", argv[0], status) < 0)
                return oom("member");
        return report(sentence, "id", json_object_new_string(argv[0]), "status",
                      json_object_new_string(status), NULL);
}

static int cmd_suspend(sd_bus *bus, char **argv) {
        return set_status(bus, argv, "suspend", "suspended");
}
static int cmd_revoke(sd_bus *bus, char **argv) {
        return set_status(bus, argv, "revoke", "revoked");
}
static int cmd_activate(sd_bus *bus, char **argv) {
        return set_status(bus, argv, "activate", "active");
}
static int cmd_expire(sd_bus *bus, char **argv) {
        return set_status(bus, argv, "expire", "expired");
}

static int cmd_remove(sd_bus *bus, char **argv) {
        _cleanup_free_ char *what = NULL, *sentence = NULL;
        int r;

        if (asprintf(&what, "member remove %s", argv[0]) < 0)
                return oom("member remove");
        r = registry_call(bus, what, "Remove", 0, NULL, "ss", argv[0], argv[1]);
        if (r != EGCTL_EXIT_OK)
                return r;
        if (asprintf(&sentence, "Member %s removed; passports, templates and face deleted.",
                     argv[0]) < 0)
                return oom("member remove");
        return report(sentence, "removed", json_object_new_string(argv[0]), NULL);
}

static int cmd_enroll_finger(sd_bus *bus, char **argv) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ char *what = NULL, *path = egctl_device_path(argv[1]), *sentence = NULL;
        const char *format;
        uint32_t size;
        int r;

        if (!path || asprintf(&what, "member enroll-finger %s", argv[0]) < 0)
                return oom("member enroll-finger");
        if (!arg.json)
                fprintf(stderr, "Place the member's %s on %s...\n", argv[2], argv[1]);
        r = registry_call(bus, what, "EnrollFinger", 0, &reply, "sos", argv[0], path, argv[2]);
        if (r != EGCTL_EXIT_OK)
                return r;
        r = sd_bus_message_read(reply, "su", &format, &size);
        if (r < 0)
                return egctl_bus_fail(NULL, r, "%s: unexpected reply", what);
        if (asprintf(&sentence, "Enrolled %s of member %s: %s template, %u bytes.", argv[2],
                     argv[0], format, size) < 0)
                return oom("member enroll-finger");
        return report(sentence, "id", json_object_new_string(argv[0]), "finger",
                      json_object_new_string(argv[2]), "format", json_object_new_string(format),
                      "bytes", json_object_new_int64(size), NULL);
}

static const struct subcommand subcommands[] = {
        { "import", "FILE", 1, cmd_import },
        { "add", "FILE|-", 1, cmd_add },
        { "list", "", 0, cmd_list },
        { "show", "ID", 1, cmd_show },
        { "suspend", "ID REASON", 2, cmd_suspend },
        { "revoke", "ID REASON", 2, cmd_revoke },
        { "activate", "ID REASON", 2, cmd_activate },
        { "expire", "ID REASON", 2, cmd_expire },
        { "remove", "ID REASON", 2, cmd_remove },
        { "enroll-finger", "ID DEVICE FINGER", 3, cmd_enroll_finger },
};

int verb_member(int argc, char **argv) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        const struct subcommand *s = NULL;
        int r;

        for (size_t i = 0; i < ELEMENTSOF(subcommands); i++)
                if (streq(argv[1], subcommands[i].name))
                        s = &subcommands[i];
        if (!s) {
                egctl_error("member: unknown subcommand '%s' (import, add, list, show, suspend, "
                            "revoke, activate, expire, remove, enroll-finger; see egatectl "
                            "member --help)",
                            argv[1]);
                return EGCTL_EXIT_USAGE;
        }
        if (argc - 2 != s->n_args) {
                egctl_error("member %s: %s arguments: usage: egatectl member %s%s%s (see "
                            "egatectl member --help)",
                            s->name, argc - 2 < s->n_args ? "missing" : "too many", s->name,
                            *s->arguments ? " " : "", s->arguments);
                return EGCTL_EXIT_USAGE;
        }
        r = egctl_bus_open(&bus);
        if (r != EGCTL_EXIT_OK)
                return r;
        return s->run(bus, argv + 2);
}
