/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * egatectl audit list|events|show ID|export [--events] FILE|-: the audit
 * trail (org.egate.EGate1.Audit).  Records hold no personal data, but they
 * tell who passed when: egated serves them, and the lane events beside them,
 * to egate-operator only.  An export to FILE appears under its name (mode
 * 0600) only once complete; records and lane events are exported apart, so
 * every line of an export is one kind.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bus-json.h"
#include "egatectl-bus.h"
#include "egatectl.h"
#include "output.h"
#include "time-arg.h"

#define AUDIT_PATH EGCTL_ROOT_PATH "/Audit"
#define AUDIT_IFACE EGCTL_IFACE("Audit")
#define LIST_MAX 10000
/* Exports can be long: at least this, or --timeout when that is longer. */
#define EXPORT_TIMEOUT_USEC (600ULL * 1000000ULL)

struct range {
        uint64_t since, until; /* until 0: no bound */
};

static uint64_t now_realtime(void) {
        struct timespec ts;

        (void) clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
}

static int parse_range(const char *what, struct range *ret) {
        uint64_t now = now_realtime();

        *ret = (struct range){};
        if (arg.since && egctl_parse_time(arg.since, now, &ret->since) < 0) {
                egctl_error("%s: --since: '%s' is not a time (ISO 8601 such as "
                            "2025-03-01T08:00:00Z, or relative such as -1h, -30m, -2d)",
                            what, arg.since);
                return EGCTL_EXIT_USAGE;
        }
        if (arg.until && egctl_parse_time(arg.until, now, &ret->until) < 0) {
                egctl_error("%s: --until: '%s' is not a time (ISO 8601 such as "
                            "2025-03-01T08:00:00Z, or relative such as -1h, -30m, -2d)",
                            what, arg.until);
                return EGCTL_EXIT_USAGE;
        }
        if (arg.until && ret->until == 0)
                ret->until = 1; /* the epoch itself: nothing before it */
        if (arg.until && ret->since > ret->until) {
                egctl_error("%s: --since is after --until", what);
                return EGCTL_EXIT_USAGE;
        }
        return EGCTL_EXIT_OK;
}

static const char *duration(uint64_t start, uint64_t end, char *buf, size_t size) {
        if (end < start)
                return "-";
        (void) snprintf(buf, size, "%.1fs", (double) (end - start) / 1e6);
        return buf;
}

/* --- list --- */

static json_object *split_reasons(const char *joined) {
        json_object *a = json_object_new_array();
        const char *p = joined;

        while (a && *p) {
                size_t n = strcspn(p, ",");
                json_object *s = json_object_new_string_len(p, (int) n);

                if (!s || json_object_array_add(a, s) < 0) {
                        json_object_put(s);
                        json_object_put(a);
                        return NULL;
                }
                p += n;
                if (*p == ',')
                        p++;
        }
        return a;
}

static int read_list(sd_bus_message *reply, json_object **ret) {
        _cleanup_(json_object_putp) json_object *list = json_object_new_array();
        const char *id, *lane, *decision, *reasons;
        uint64_t start, end;
        int r;

        if (!list)
                return -ENOMEM;
        r = sd_bus_message_enter_container(reply, 'a', "(sttsss)");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_read(reply, "(sttsss)", &id, &start, &end, &lane, &decision,
                                        &reasons)) > 0) {
                json_object *o = json_object_new_object();

                if (!o || json_object_array_add(list, o) < 0) {
                        json_object_put(o);
                        return -ENOMEM;
                }
                if (json_add(o, "transaction_id", json_object_new_string(id)) < 0 ||
                    json_add(o, "start_usec", json_object_new_uint64(start)) < 0 ||
                    json_add(o, "end_usec", json_object_new_uint64(end)) < 0 ||
                    json_add(o, "lane", json_object_new_string(lane)) < 0 ||
                    json_add(o, "decision", json_object_new_string(decision)) < 0 ||
                    json_add(o, "reasons", split_reasons(reasons)) < 0)
                        return -ENOMEM;
        }
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(reply);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(list);
        return 0;
}

static uint64_t u64_member(json_object *o, const char *key) {
        json_object *v;

        return json_object_object_get_ex(o, key, &v) ? json_object_get_uint64(v) : 0;
}

static int print_list(json_object *list) {
        static const char *const headers[] = { "TRANSACTION", "START",    "DURATION",
                                               "LANE",        "DECISION", "REASONS" };
        _cleanup_(table_freep) struct table *t = table_new(headers, ELEMENTSOF(headers));

        if (!t)
                return -ENOMEM;
        for (size_t i = 0; i < json_object_array_length(list); i++) {
                json_object *o = json_object_array_get_idx(list, i), *reasons = NULL;
                uint64_t start = u64_member(o, "start_usec"), end = u64_member(o, "end_usec");
                _cleanup_free_ char *joined = NULL;
                char when[32], took[32];

                if (json_object_object_get_ex(o, "reasons", &reasons))
                        joined = json_to_human(reasons);
                const char *row[] = {
                        json_string_member(o, "transaction_id"),
                        egctl_format_time(start, when, sizeof(when)),
                        duration(start, end, took, sizeof(took)),
                        json_string_member(o, "lane"),
                        json_string_member(o, "decision"),
                        joined,
                };
                if (table_add_row(t, row) < 0)
                        return -ENOMEM;
        }
        if (table_rows(t) == 0)
                printf("No audit records%s.\n",
                       arg.since || arg.until ? " in that time range" : "");
        else
                table_print(t, stdout, NULL);
        return 0;
}

static int audit_list(sd_bus *bus) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(json_object_putp) json_object *list = NULL;
        struct range range;
        int r;

        r = parse_range("audit list", &range);
        if (r != EGCTL_EXIT_OK)
                return r;
        r = egctl_call(bus, AUDIT_PATH, AUDIT_IFACE, "List", &error, &reply, "ttu", range.since,
                       range.until, arg.limit);
        if (r < 0)
                return egctl_bus_fail(&error, r, "audit list");
        r = read_list(reply, &list);
        if (r < 0) {
                egctl_error("audit list: unreadable reply: %s", strerror(-r));
                return EGCTL_EXIT_FAILURE;
        }
        if (arg.json)
                return output_json(list);
        if (print_list(list) < 0) {
                egctl_error("audit list: out of memory");
                return EGCTL_EXIT_FAILURE;
        }
        return EGCTL_EXIT_OK;
}

/* --- events --- */

/*
 * The rows of ListEvents as JSON objects with the member names of the stored
 * form (docs/audit.md, "Lane events"), every member present: "" stands for
 * none, so scripts need not test for absent members.
 */
static int read_events(sd_bus_message *reply, json_object **ret) {
        _cleanup_(json_object_putp) json_object *list = json_object_new_array();
        const char *lane, *kind, *action, *id, *reason, *operator, * detail;
        uint64_t when;
        int r;

        if (!list)
                return -ENOMEM;
        r = sd_bus_message_enter_container(reply, 'a', "(tsssssss)");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_read(reply, "(tsssssss)", &when, &lane, &kind, &action, &id,
                                        &reason, &operator, & detail)) > 0) {
                json_object *o = json_object_new_object();

                if (!o || json_object_array_add(list, o) < 0) {
                        json_object_put(o);
                        return -ENOMEM;
                }
                if (json_add(o, "lane", json_object_new_string(lane)) < 0 ||
                    json_add(o, "transaction_id", json_object_new_string(id)) < 0 ||
                    json_add(o, "time_usec", json_object_new_uint64(when)) < 0 ||
                    json_add(o, "kind", json_object_new_string(kind)) < 0 ||
                    json_add(o, "action", json_object_new_string(action)) < 0 ||
                    json_add(o, "reason", json_object_new_string(reason)) < 0 ||
                    json_add(o, "operator", json_object_new_string(operator)) < 0 ||
                    json_add(o, "detail", json_object_new_string(detail)) < 0)
                        return -ENOMEM;
        }
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(reply);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(list);
        return 0;
}

/* ListEvents; on failure error says why when the call failed, else r (an unreadable reply). */
static int call_list_events(sd_bus *bus, const struct range *range, uint32_t limit,
                            const char *transaction_id, sd_bus_error *error, json_object **ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = egctl_call(bus, AUDIT_PATH, AUDIT_IFACE, "ListEvents", error, &reply, "ttus",
                       range->since, range->until, limit, transaction_id);
        if (r < 0)
                return r;
        return read_events(reply, ret);
}

/* A table of events; within one transaction's record (indent) its lane and id go without
 * saying. */
static int print_events(json_object *list, const char *indent) {
        static const char *const all[] = { "TIME",        "LANE",   "KIND",     "ACTION",
                                           "TRANSACTION", "REASON", "OPERATOR", "DETAIL" };
        static const char *const within[] = { "TIME",   "KIND",     "ACTION",
                                              "REASON", "OPERATOR", "DETAIL" };
        _cleanup_(table_freep) struct table *t =
                indent ? table_new(within, ELEMENTSOF(within)) : table_new(all, ELEMENTSOF(all));

        if (!t)
                return -ENOMEM;
        for (size_t i = 0; i < json_object_array_length(list); i++) {
                json_object *o = json_object_array_get_idx(list, i);
                char when[32];
                /* Empty cells print as "-". */
                const char *row[] = {
                        egctl_format_time(u64_member(o, "time_usec"), when, sizeof(when)),
                        json_string_member(o, "lane"),
                        json_string_member(o, "kind"),
                        json_string_member(o, "action"),
                        json_string_member(o, "transaction_id"),
                        json_string_member(o, "reason"),
                        json_string_member(o, "operator"),
                        json_string_member(o, "detail"),
                };
                const char *row_within[] = { row[0], row[2], row[3], row[5], row[6], row[7] };

                if (table_add_row(t, indent ? row_within : row) < 0)
                        return -ENOMEM;
        }
        table_print(t, stdout, indent);
        return 0;
}

static int audit_events(sd_bus *bus) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(json_object_putp) json_object *list = NULL;
        struct range range;
        int r;

        r = parse_range("audit events", &range);
        if (r != EGCTL_EXIT_OK)
                return r;
        r = call_list_events(bus, &range, arg.limit, arg.transaction ?: "", &error, &list);
        if (r < 0 && sd_bus_error_is_set(&error))
                return egctl_bus_fail(&error, r, "audit events");
        if (r < 0) {
                egctl_error("audit events: unreadable reply: %s", strerror(-r));
                return EGCTL_EXIT_FAILURE;
        }
        if (arg.json)
                return output_json(list);
        if (json_object_array_length(list) == 0) {
                printf("No lane events%s%s.\n", arg.transaction ? " of that transaction" : "",
                       arg.since || arg.until ? " in that time range" : "");
                return EGCTL_EXIT_OK;
        }
        if (print_events(list, NULL) < 0) {
                egctl_error("audit events: out of memory");
                return EGCTL_EXIT_FAILURE;
        }
        return EGCTL_EXIT_OK;
}

/* --- show --- */

static void print_field(const char *key, const char *value) {
        _cleanup_free_ char *v = escape_control(value && *value ? value : "-");

        printf("%18s: %s\n", key, v ? v : "?");
}

static int print_steps(json_object *steps, uint64_t start) {
        static const char *const headers[] = { "STEP", "RESULT", "REASON",    "AT",
                                               "TOOK", "TRY",    "SCORE/MIN", "DEVICE" };
        _cleanup_(table_freep) struct table *t = table_new(headers, ELEMENTSOF(headers));

        if (!t)
                return -ENOMEM;
        table_highlight_states(t, 1);
        for (size_t i = 0; i < json_object_array_length(steps); i++) {
                json_object *s = json_object_array_get_idx(steps, i), *score, *threshold;
                uint64_t from = u64_member(s, "start_usec"), to = u64_member(s, "end_usec");
                char at[32], took[32], attempt[16], scores[64] = "";

                (void) snprintf(at, sizeof(at), "+%.1fs",
                                from >= start ? (double) (from - start) / 1e6 : 0.0);
                (void) snprintf(attempt, sizeof(attempt), "%" PRIu64, u64_member(s, "attempt"));
                if (json_object_object_get_ex(s, "score", &score) &&
                    json_object_object_get_ex(s, "threshold", &threshold))
                        (void) snprintf(scores, sizeof(scores), "%g/%g",
                                        json_object_get_double(score),
                                        json_object_get_double(threshold));
                const char *row[] = {
                        json_string_member(s, "step"),
                        json_string_member(s, "result"),
                        json_string_member(s, "reason"),
                        at,
                        duration(from, to, took, sizeof(took)),
                        attempt,
                        scores,
                        json_string_member(s, "device"),
                };
                if (table_add_row(t, row) < 0)
                        return -ENOMEM;
        }
        printf("\n%sSteps:%s\n", ansi_bold(), ansi_normal());
        table_print(t, stdout, "  ");
        return 0;
}

static int print_actions(json_object *actions) {
        static const char *const headers[] = { "TIME", "ACTION", "OPERATOR", "REASON" };
        _cleanup_(table_freep) struct table *t = table_new(headers, ELEMENTSOF(headers));

        if (!t)
                return -ENOMEM;
        for (size_t i = 0; i < json_object_array_length(actions); i++) {
                json_object *a = json_object_array_get_idx(actions, i);
                char when[32];
                const char *row[] = {
                        egctl_format_time(u64_member(a, "time_usec"), when, sizeof(when)),
                        json_string_member(a, "action"),
                        json_string_member(a, "operator"),
                        json_string_member(a, "reason"),
                };

                if (table_add_row(t, row) < 0)
                        return -ENOMEM;
        }
        if (table_rows(t) > 0) {
                printf("\n%sOperator actions:%s\n", ansi_bold(), ansi_normal());
                table_print(t, stdout, "  ");
        }
        return 0;
}

static int print_record(json_object *rec) {
        uint64_t start = u64_member(rec, "start_usec"), end = u64_member(rec, "end_usec");
        _cleanup_free_ char *id = escape_control(json_string_member(rec, "transaction_id"));
        _cleanup_free_ char *reasons = NULL, *devices = NULL;
        json_object *v;
        char from[32], to[32], took[32];

        if (json_object_object_get_ex(rec, "reasons", &v))
                reasons = json_to_human(v);
        if (json_object_object_get_ex(rec, "devices", &v))
                devices = json_to_human(v);
        printf("%sTransaction %s%s\n", ansi_bold(), id ? id : "?", ansi_normal());
        print_field("Lane", json_string_member(rec, "lane"));
        print_field("Start", egctl_format_time(start, from, sizeof(from)));
        print_field("End", egctl_format_time(end, to, sizeof(to)));
        print_field("Duration", duration(start, end, took, sizeof(took)));
        print_field("Decision", json_string_member(rec, "decision"));
        print_field("Reasons", reasons);
        print_field("Member", json_string_member(rec, "member_id"));
        print_field("Issuing state", json_string_member(rec, "issuing_state"));
        print_field("Document (HMAC)", json_string_member(rec, "document_hash"));
        print_field("Software", json_string_member(rec, "software_version"));
        print_field("Devices", devices);
        if (json_object_object_get_ex(rec, "steps", &v) && json_object_array_length(v) > 0 &&
            print_steps(v, start) < 0)
                return -ENOMEM;
        if (json_object_object_get_ex(rec, "operator_actions", &v) && print_actions(v) < 0)
                return -ENOMEM;
        return 0;
}

/* What happened around the transaction besides its record, when anything did. */
static int show_events(sd_bus *bus, const char *id) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(json_object_putp) json_object *list = NULL;
        int r;

        r = call_list_events(bus, &(struct range){}, LIST_MAX, id, &error, &list);
        if (r < 0 && sd_bus_error_is_set(&error))
                return egctl_bus_fail(&error, r, "audit show %s: lane events", id);
        if (r < 0) {
                egctl_error("audit show %s: lane events: unreadable reply: %s", id, strerror(-r));
                return EGCTL_EXIT_FAILURE;
        }
        if (json_object_array_length(list) == 0)
                return EGCTL_EXIT_OK;
        printf("\n%sLane events:%s\n", ansi_bold(), ansi_normal());
        if (print_events(list, "  ") < 0) {
                egctl_error("audit show: out of memory");
                return EGCTL_EXIT_FAILURE;
        }
        return EGCTL_EXIT_OK;
}

static int audit_show(sd_bus *bus, const char *id) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(json_object_putp) json_object *rec = NULL;
        const char *text;
        int r;

        r = egctl_call(bus, AUDIT_PATH, AUDIT_IFACE, "Show", &error, &reply, "s", id);
        if (r < 0)
                return egctl_bus_fail(&error, r, "audit show %s", id);
        r = sd_bus_message_read(reply, "s", &text);
        if (r >= 0) {
                rec = json_tokener_parse(text);
                if (!rec || !json_object_is_type(rec, json_type_object))
                        r = -EBADMSG;
        }
        if (r < 0) {
                egctl_error("audit show %s: unreadable reply: %s", id, strerror(-r));
                return EGCTL_EXIT_FAILURE;
        }
        /* The record as stored, as before lane events existed: scripts read it as such.  Its
         * events: audit events --transaction ID. */
        if (arg.json)
                return output_json(rec);
        if (print_record(rec) < 0) {
                egctl_error("audit show: out of memory");
                return EGCTL_EXIT_FAILURE;
        }
        return show_events(bus, id);
}

/* --- export --- */

static int call_export(sd_bus *bus, int fd, const struct range *range, sd_bus_error *error,
                       uint32_t *ret_count) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        uint64_t timeout =
                arg.timeout_usec > EXPORT_TIMEOUT_USEC ? arg.timeout_usec : EXPORT_TIMEOUT_USEC;
        int r;

        r = sd_bus_message_new_method_call(bus, &m, EGCTL_BUS_NAME, AUDIT_PATH, AUDIT_IFACE,
                                           arg.events ? "ExportEvents" : "Export");
        if (r >= 0)
                r = sd_bus_message_append(m, "htt", fd, range->since, range->until);
        if (r < 0)
                return sd_bus_error_set_errno(error, r);
        r = sd_bus_call(bus, m, timeout, error, &reply);
        if (r >= 0)
                r = sd_bus_message_read(reply, "u", ret_count);
        return r;
}

/* To FILE: a private temporary file beside it, renamed over it once complete. */
static int export_to_file(sd_bus *bus, const char *path, const struct range *range,
                          uint32_t *ret_count, sd_bus_error *error, const char **ret_step) {
        _cleanup_free_ char *dir_copy = strdup(path), *tmp = NULL;
        _cleanup_(closep) int fd = -1;
        int r;

        *ret_step = "cannot create the file";
        if (!dir_copy)
                return -ENOMEM;
        if (asprintf(&tmp, "%s/.egatectl-audit-XXXXXX", dirname(dir_copy)) < 0) {
                tmp = NULL;
                return -ENOMEM;
        }
        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return -errno;
        r = fchmod(fd, 0600) < 0 ? -errno : 0;
        if (r >= 0) {
                *ret_step = NULL; /* the bus error says what failed */
                r = call_export(bus, fd, range, error, ret_count);
        }
        if (r >= 0) {
                *ret_step = "cannot write the file";
                r = fsync(fd) < 0 ? -errno : 0;
        }
        if (r >= 0 && rename(tmp, path) < 0) {
                *ret_step = "cannot move the file into place";
                r = -errno;
        }
        if (r < 0)
                (void) unlink(tmp);
        return r;
}

/* To standard output: through a pipe egated writes and this process copies. */
static int export_to_stdout(sd_bus *bus, const struct range *range, uint32_t *ret_count,
                            sd_bus_error *error) {
        _cleanup_(closep) int rd = -1;
        int p[2], r, call_r = 0;
        pid_t pid;

        if (pipe2(p, O_CLOEXEC) < 0)
                return -errno;
        rd = p[0];
        /* The copy must run while the call waits: a child copies, the parent calls. */
        pid = fork();
        if (pid < 0) {
                r = -errno;
                close(p[1]);
                return r;
        }
        if (pid == 0) {
                char buf[65536];
                ssize_t n;

                close(p[1]);
                while ((n = read(rd, buf, sizeof(buf))) != 0) {
                        if (n < 0 && errno == EINTR)
                                continue;
                        if (n < 0)
                                _exit(EXIT_FAILURE);
                        for (ssize_t w = 0; w < n;) {
                                ssize_t k = write(STDOUT_FILENO, buf + w, (size_t) (n - w));

                                if (k < 0 && errno == EINTR)
                                        continue;
                                if (k < 0)
                                        _exit(EXIT_FAILURE);
                                w += k;
                        }
                }
                _exit(EXIT_SUCCESS);
        }
        rd = (close(rd), -1);
        call_r = call_export(bus, p[1], range, error, ret_count);
        close(p[1]); /* the copier sees the end once egated has let go as well */
        for (;;) {
                int status;
                pid_t k = waitpid(pid, &status, 0);

                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return call_r < 0 ? call_r : -errno;
                if (call_r >= 0 && (!WIFEXITED(status) || WEXITSTATUS(status) != 0))
                        return -EIO;
                return call_r;
        }
}

static int audit_export(sd_bus *bus, const char *target) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(json_object_putp) json_object *o = NULL;
        const char *step = NULL;
        bool to_stdout = streq(target, "-");
        const char *what = arg.events ? "lane event(s)" : "audit record(s)";
        struct range range;
        uint32_t count = 0;
        int r;

        r = parse_range("audit export", &range);
        if (r != EGCTL_EXIT_OK)
                return r;
        if (to_stdout)
                r = export_to_stdout(bus, &range, &count, &error);
        else
                r = export_to_file(bus, target, &range, &count, &error, &step);
        if (r < 0 && sd_bus_error_is_set(&error))
                return egctl_bus_fail(&error, r, "audit export");
        if (r < 0) {
                egctl_error("audit export: %s%s%s: %s", step ? step : "failed",
                            to_stdout ? "" : " ", to_stdout ? "" : target, strerror(-r));
                return EGCTL_EXIT_FAILURE;
        }
        /* With "-", standard output carries the export: the summary goes to stderr. */
        if (to_stdout) {
                fprintf(stderr, "Exported %" PRIu32 " %s.\n", count, what);
                return EGCTL_EXIT_OK;
        }
        if (!arg.json) {
                printf("Exported %" PRIu32 " %s to %s.\n", count, what, target);
                return EGCTL_EXIT_OK;
        }
        o = json_object_new_object();
        if (!o || json_add(o, "file", json_object_new_string(target)) < 0 ||
            json_add(o, arg.events ? "events" : "records", json_object_new_uint64(count)) < 0) {
                egctl_error("audit export: out of memory");
                return EGCTL_EXIT_FAILURE;
        }
        return output_json(o);
}

int verb_audit(int argc, char **argv) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        const char *sub = argv[1];
        bool listing = streq(sub, "list") || streq(sub, "events");
        int want = listing ? 2 : streq(sub, "show") || streq(sub, "export") ? 3 : 0;
        int r;

        if (want == 0) {
                egctl_error("audit: unknown subcommand '%s': list, events, show ID or export "
                            "FILE|-",
                            sub);
                return EGCTL_EXIT_USAGE;
        }
        if (argc != want) {
                egctl_error("audit %s: usage: egatectl audit %s", sub,
                            streq(sub, "list") ? "list [--since TIME] [--until TIME] [--limit N]"
                            : streq(sub, "events")
                                    ? "events [--since TIME] [--until TIME] [--limit N] "
                                      "[--transaction ID]"
                            : streq(sub, "show")
                                    ? "show ID"
                                    : "export [--events] [--since TIME] [--until TIME] FILE|-");
                return EGCTL_EXIT_USAGE;
        }
        if (arg.limit > 0 && !listing) {
                egctl_error("audit %s: --limit applies to audit list and audit events only", sub);
                return EGCTL_EXIT_USAGE;
        }
        if (arg.transaction && !streq(sub, "events")) {
                egctl_error("audit %s: --transaction applies to audit events only (audit show "
                            "takes the id as its argument)",
                            sub);
                return EGCTL_EXIT_USAGE;
        }
        if (arg.events && !streq(sub, "export")) {
                egctl_error("audit %s: --events applies to audit export only (audit events lists "
                            "them)",
                            sub);
                return EGCTL_EXIT_USAGE;
        }
        if ((arg.since || arg.until) && streq(sub, "show")) {
                egctl_error("audit show: --since and --until apply to list, events and export");
                return EGCTL_EXIT_USAGE;
        }
        r = egctl_bus_open(&bus);
        if (r != EGCTL_EXIT_OK)
                return r;
        if (streq(sub, "list"))
                return audit_list(bus);
        if (streq(sub, "events"))
                return audit_events(bus);
        if (streq(sub, "show"))
                return audit_show(bus, argv[2]);
        return audit_export(bus, argv[2]);
}
