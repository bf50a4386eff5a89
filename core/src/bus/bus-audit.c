/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * org.egate.EGate1.Audit on /org/egate/EGate1/Audit (dbus/org.egate.EGate1.Audit.xml).
 *
 * Reads run on the audit trail's worker thread: each method keeps its call
 * message and answers when the trail calls back, so the loop never waits for
 * the disk, nor for an export's reader.  The trail belongs to the manager
 * (m->audit, opened when the manager starts); until it is open the methods
 * answer NotSupported and Writable reads false.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit-record.h"
#include "audit/audit.h"
#include "bus-call.h"
#include "bus-errors.h"
#include "bus.h"
#include "log.h"
#include "manager.h"

#define AUDIT_IFACE EG_BUS_IFACE("Audit")

static struct eg_audit *audit_of(struct eg_bus *b) {
        return b->manager ? b->manager->audit : NULL;
}

static int no_trail(sd_bus_error *error) {
        return sd_bus_error_set(error, EG_BUS_ERROR_NOT_SUPPORTED,
                                "the audit trail is not open (see egated's log)");
}

/* Errors of the trail in the API's documented names. */
static int reply_error(sd_bus_message *call, int status, const char *what) {
        const char *name;

        switch (-status) {
        case EINVAL:
        case EBADF:
                name = EG_BUS_ERROR_INVALID_ARGUMENT;
                break;
        case EBUSY:
                name = EG_BUS_ERROR_BUSY;
                break;
        case ETIMEDOUT:
                name = EG_BUS_ERROR_TIMEOUT;
                break;
        case EPIPE:
                name = EG_BUS_ERROR_CANCELLED;
                break;
        default:
                name = EG_BUS_ERROR_TRY_AGAIN;
        }
        return sd_bus_reply_method_errorf(call, name, "%s: %s", what, strerror(-status));
}

static int property_writable(sd_bus *bus, const char *path, const char *iface, const char *property,
                             sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "b", eg_audit_writable(audit_of(userdata)));
}

/* --- List --- */

static int append_summary(sd_bus_message *reply, const char *json) {
        _cleanup_free_ struct eg_audit_record *r = malloc(sizeof(*r));
        char reasons[EG_AUDIT_MAX_REASONS * 41] = "";

        if (!r)
                return -ENOMEM;
        if (eg_audit_record_from_json(json, r) < 0) {
                /* Written by us, so never expected; say so rather than hide the row. */
                log_object(LOG_ERR, 0, EG_LOG_OBJECT_BUS, "audit",
                           "a stored audit record does not parse; listed as \"unreadable\"");
                return sd_bus_message_append(reply, "(sttsss)", "unreadable", UINT64_C(0),
                                             UINT64_C(0), "", "", "");
        }
        for (size_t i = 0; i < r->n_reasons; i++) {
                if (i > 0)
                        strcat(reasons, ",");
                strcat(reasons, r->reasons[i]);
        }
        return sd_bus_message_append(reply, "(sttsss)", r->transaction_id, r->start_usec,
                                     r->end_usec, r->lane, r->decision, reasons);
}

/* Answer call (and forget it) with the rows, each appended as one element of an array of the
 * given signature. */
static void reply_rows(struct eg_bus_call *call, int status, char **rows, size_t n,
                       const char *element,
                       int (*append)(sd_bus_message *reply, const char *json)) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        if (status < 0) {
                (void) reply_error(call->message, status, "cannot read the audit trail");
                eg_bus_call_free(call);
                return;
        }
        r = sd_bus_message_new_method_return(call->message, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', element);
        for (size_t i = 0; r >= 0 && i < n; i++)
                r = append(reply, rows[i]);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_send(NULL, reply, NULL);
        if (r < 0)
                (void) eg_bus_reply_failed(call->message, r);
        eg_bus_call_free(call);
}

static void list_done(int status, char **rows, size_t n, void *userdata) {
        reply_rows(userdata, status, rows, n, "(sttsss)", append_summary);
}

static int method_list(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        struct eg_audit *a = audit_of(userdata);
        struct eg_bus_call *call;
        uint64_t since, until;
        uint32_t limit;
        int r;

        r = sd_bus_message_read(m, "ttu", &since, &until, &limit);
        if (r < 0)
                return r;
        if (!a)
                return no_trail(error);
        if (until != 0 && since > until)
                return sd_bus_error_set(error, EG_BUS_ERROR_INVALID_ARGUMENT,
                                        "since_usec is after until_usec");
        call = eg_bus_call_keep(userdata, m, sizeof(*call));
        if (!call)
                return -ENOMEM;
        r = eg_audit_list(a, since, until, limit, list_done, call);
        if (r < 0) {
                eg_bus_call_free(call);
                return sd_bus_error_set_errnof(error, -r, "cannot list the audit trail: %s",
                                               strerror(-r));
        }
        return 1; /* answered by list_done() */
}

/* --- ListEvents --- */

/* What a transaction id may hold (docs/audit.md): refused here rather than matched against
 * nothing, so a mistyped id is an error and not an empty list. */
#define ID_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-"

static bool transaction_id_valid(const char *id) {
        size_t n = strlen(id);

        return n < EG_AUDIT_ID_MAX && strspn(id, ID_CHARS) == n;
}

static int append_event(sd_bus_message *reply, const char *json) {
        struct eg_audit_event ev;

        if (eg_audit_event_from_json(json, &ev) < 0) {
                /* Written by us, so never expected; say so rather than hide the row. */
                log_object(LOG_ERR, 0, EG_LOG_OBJECT_BUS, "audit",
                           "a stored lane event does not parse; listed as \"unreadable\"");
                return sd_bus_message_append(reply, "(tsssssss)", UINT64_C(0), "", "unreadable", "",
                                             "", "", "", "");
        }
        return sd_bus_message_append(reply, "(tsssssss)", ev.time_usec, ev.lane, ev.kind, ev.action,
                                     ev.transaction_id, ev.reason, ev.operator, ev.detail);
}

static void list_events_done(int status, char **rows, size_t n, void *userdata) {
        reply_rows(userdata, status, rows, n, "(tsssssss)", append_event);
}

static int method_list_events(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        struct eg_audit *a = audit_of(userdata);
        struct eg_bus_call *call;
        uint64_t since, until;
        const char *id;
        uint32_t limit;
        int r;

        r = sd_bus_message_read(m, "ttus", &since, &until, &limit, &id);
        if (r < 0)
                return r;
        if (!a)
                return no_trail(error);
        if (until != 0 && since > until)
                return sd_bus_error_set(error, EG_BUS_ERROR_INVALID_ARGUMENT,
                                        "since_usec is after until_usec");
        if (!transaction_id_valid(id))
                return sd_bus_error_setf(error, EG_BUS_ERROR_INVALID_ARGUMENT,
                                         "a transaction id has at most %d letters, digits, "
                                         "'.', '_', ':' and '-'",
                                         EG_AUDIT_ID_MAX - 1);
        /* id lives in m, which the kept call references until list_events_done(). */
        call = eg_bus_call_keep(userdata, m, sizeof(*call));
        if (!call)
                return -ENOMEM;
        r = eg_audit_list_events(a, since, until, limit, id, list_events_done, call);
        if (r < 0) {
                eg_bus_call_free(call);
                return sd_bus_error_set_errnof(error, -r, "cannot list the lane events: %s",
                                               strerror(-r));
        }
        return 1; /* answered by list_events_done() */
}

/* --- Show --- */

static void show_done(int status, char **rows, size_t n, void *userdata) {
        struct eg_bus_call *call = userdata;
        int r;

        if (status < 0)
                (void) reply_error(call->message, status, "cannot read the audit trail");
        else if (n == 0)
                (void) sd_bus_reply_method_errorf(call->message, EG_BUS_ERROR_NOT_FOUND,
                                                  "no audit record with that transaction id");
        else {
                /* A stored record sd-bus refuses (not UTF-8): an error, not silence. */
                r = sd_bus_reply_method_return(call->message, "s", rows[0]);
                if (r < 0)
                        (void) eg_bus_reply_failed(call->message, r);
        }
        eg_bus_call_free(call);
}

static int method_show(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        struct eg_audit *a = audit_of(userdata);
        struct eg_bus_call *call;
        const char *id;
        int r;

        r = sd_bus_message_read(m, "s", &id);
        if (r < 0)
                return r;
        if (!a)
                return no_trail(error);
        if (!*id || strlen(id) >= EG_AUDIT_ID_MAX)
                return sd_bus_error_setf(error, EG_BUS_ERROR_INVALID_ARGUMENT,
                                         "a transaction id has 1 to %d characters",
                                         EG_AUDIT_ID_MAX - 1);
        call = eg_bus_call_keep(userdata, m, sizeof(*call));
        if (!call)
                return -ENOMEM;
        r = eg_audit_get(a, id, show_done, call);
        if (r < 0) {
                eg_bus_call_free(call);
                return sd_bus_error_set(error, EG_BUS_ERROR_INVALID_ARGUMENT,
                                        "not a transaction id");
        }
        return 1;
}

/* --- Export, ExportEvents --- */

/* Answers call and forgets it; what: "record(s)" or "lane event(s)". */
static void export_finished(struct eg_bus_call *call, int status, uint64_t count,
                            const char *what) {
        if (status < 0) {
                log_object(LOG_NOTICE, status, EG_LOG_OBJECT_BUS, "audit",
                           "export ended after %llu %s: %m", (unsigned long long) count, what);
                (void) reply_error(call->message, status, "export failed");
        } else
                (void) sd_bus_reply_method_return(
                        call->message, "u", count > UINT32_MAX ? UINT32_MAX : (uint32_t) count);
        eg_bus_call_free(call);
}

static void export_done(int status, uint64_t count, void *userdata) {
        export_finished(userdata, status, count, "record(s)");
}

static void export_events_done(int status, uint64_t count, void *userdata) {
        export_finished(userdata, status, count, "lane event(s)");
}

/* Export and ExportEvents differ only in the table they read: the same arguments and errors. */
static int start_export(sd_bus_message *m, struct eg_bus *b, bool events, sd_bus_error *error) {
        struct eg_audit *a = audit_of(b);
        _cleanup_free_ char *caller = NULL;
        struct eg_bus_call *call;
        uint64_t since, until;
        int fd, r;

        r = sd_bus_message_read(m, "htt", &fd, &since, &until);
        if (r < 0)
                return r;
        if (!a)
                return no_trail(error);
        if (until != 0 && since > until)
                return sd_bus_error_set(error, EG_BUS_ERROR_INVALID_ARGUMENT,
                                        "since_usec is after until_usec");
        call = eg_bus_call_keep(b, m, sizeof(*call));
        if (!call)
                return -ENOMEM;
        if (events)
                r = eg_audit_export_events(a, fd, since, until, export_events_done, call);
        else
                r = eg_audit_export(a, fd, since, until, export_done, call);
        if (r < 0) {
                eg_bus_call_free(call);
                if (r == -EINVAL || r == -EBADF)
                        return sd_bus_error_set(error, EG_BUS_ERROR_INVALID_ARGUMENT,
                                                "fd must be a pipe or a regular file open for "
                                                "writing");
                if (r == -EPIPE)
                        return sd_bus_error_set(error, EG_BUS_ERROR_CANCELLED,
                                                "nobody reads the pipe");
                return sd_bus_error_set_errnof(error, -r, "cannot export: %s", strerror(-r));
        }
        caller = eg_bus_caller_description(b, m);
        log_object(LOG_INFO, 0, EG_LOG_OBJECT_BUS, "audit", "audit export of the %s started by %s",
                   events ? "lane events" : "records", strna(caller));
        return 1;
}

static int method_export(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        return start_export(m, userdata, false, error);
}

static int method_export_events(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        return start_export(m, userdata, true, error);
}

static const sd_bus_vtable audit_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Writable", "b", property_writable, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_METHOD_WITH_ARGS("List", SD_BUS_ARGS("t", since_usec, "t", until_usec, "u", limit),
                                SD_BUS_RESULT("a(sttsss)", records), method_list,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS(
                "ListEvents",
                SD_BUS_ARGS("t", since_usec, "t", until_usec, "u", limit, "s", transaction_id),
                SD_BUS_RESULT("a(tsssssss)", events), method_list_events,
                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Show", SD_BUS_ARGS("s", transaction_id),
                                SD_BUS_RESULT("s", record), method_show,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Export", SD_BUS_ARGS("h", fd, "t", since_usec, "t", until_usec),
                                SD_BUS_RESULT("u", count), method_export,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS(
                "ExportEvents", SD_BUS_ARGS("h", fd, "t", since_usec, "t", until_usec),
                SD_BUS_RESULT("u", count), method_export_events, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END,
};

static void on_writable(bool writable, void *userdata) {
        struct eg_bus *b = userdata;

        (void) sd_bus_emit_properties_changed(b->bus, EG_BUS_AUDIT_PATH, AUDIT_IFACE, "Writable",
                                              NULL);
}

int eg_bus_audit_register(struct eg_bus *b) {
        int r;

        r = sd_bus_add_object_vtable(b->bus, &b->slots[b->n_slots++], EG_BUS_AUDIT_PATH,
                                     AUDIT_IFACE, audit_vtable, b);
        if (r < 0)
                return r;
        eg_bus_audit_attach(b);
        return 0;
}

void eg_bus_audit_attach(struct eg_bus *b) {
        struct eg_audit *a = audit_of(b);
        int r;

        if (!a)
                return;
        r = eg_audit_add_listener(a, on_writable, b);
        if (r < 0)
                log_object(LOG_WARNING, r, EG_LOG_OBJECT_BUS, "audit",
                           "cannot watch the audit trail's writability: %m");
}

void eg_bus_audit_detach(struct eg_bus *b) {
        eg_audit_remove_listener(audit_of(b), on_writable, b);
}
