/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * org.egate.EGate1.Registry on /org/egate/EGate1/Registry
 * (dbus/org.egate.EGate1.Registry.xml): the member registry for enrolment
 * stations and operators.
 *
 * Every method keeps its call and answers when the registry's worker does:
 * the loop never waits for SQLite.  The registry belongs to the manager
 * (m->registry, opened when it starts); until it is open the methods answer
 * NotSupported.  Members' data never reaches the log from here: the backend
 * logs each change with the member id and the caller.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "bus-call.h"
#include "bus-errors.h"
#include "bus.h"
#include "log.h"
#include "manager.h"
#include "registry/registry-json.h"
#include "registry/registry.h"

#define REGISTRY_IFACE EG_BUS_IFACE("Registry")

static struct eg_registry *registry_of(struct eg_bus *b) {
        return b->manager ? b->manager->registry : NULL;
}

static int no_registry(sd_bus_error *error) {
        return sd_bus_error_set(error, EG_BUS_ERROR_NOT_SUPPORTED,
                                "the member registry is not open (see egated's log)");
}

/* The registry's errors in the API's documented names. */
static const char *error_name(int status) {
        switch (-status) {
        case ENOENT:
                return EG_BUS_ERROR_NOT_FOUND;
        case EINVAL:
        case EEXIST:
        case EMSGSIZE:
        case EBADF:
                return EG_BUS_ERROR_INVALID_ARGUMENT;
        case EOPNOTSUPP:
                return EG_BUS_ERROR_NOT_SUPPORTED;
        case ESHUTDOWN:
                return EG_BUS_ERROR_SHUTTING_DOWN;
        case EBUSY:
                return EG_BUS_ERROR_BUSY;
        default: /* storage failures: the registry may answer again later */
                return EG_BUS_ERROR_TRY_AGAIN;
        }
}

static int reply_error(sd_bus_message *call, int status, const char *message) {
        return sd_bus_reply_method_errorf(call, error_name(status), "%s",
                                          message && *message ? message : strerror(-status));
}

/* An admin request and the call waiting for it. */
struct pending_call {
        struct eg_bus_call call; /* first: the bus keeps it */
        /* Answers the call, or fails (< 0) and on_admin_done() answers the error. */
        int (*reply)(struct pending_call *p, struct eg_registry_admin_result *res);
        /* Set by a reply function that went on to another step, which owns p now. */
        bool handed_on;
        /* EnrollFinger */
        char member_id[EG_MEMBER_ID_MAX + 1];
        char device_id[256];
        int position;
        char format[EG_REGISTRY_FORMAT_MAX + 1];
        size_t size;
};

static void on_admin_done(struct eg_registry_admin_result *res, void *userdata) {
        struct pending_call *p = userdata;
        int r;

        p->handed_on = false;
        if (res->status < 0)
                r = reply_error(p->call.message, res->status, res->message);
        else {
                r = p->reply(p, res);
                if (p->handed_on)
                        return;
        }
        /* A member's stored text sd-bus refuses, or no memory: not the caller's argument. */
        if (r < 0)
                (void) eg_bus_reply_failed(p->call.message, r);
        eg_bus_call_free(&p->call);
}

/*
 * Start req for the call m; the reply follows from the registry.  p is the kept call when
 * the method needs more than the reply function (EnrollFinger), else NULL; it is ours
 * either way.
 */
static int start(struct eg_bus *b, sd_bus_message *m, sd_bus_error *error,
                 struct eg_registry_admin_request *req,
                 int (*reply)(struct pending_call *p, struct eg_registry_admin_result *res),
                 struct pending_call *p) {
        struct eg_registry *registry = registry_of(b);
        _cleanup_free_ char *actor = NULL;
        int r;

        if (!registry) {
                eg_bus_call_free(p ? &p->call : NULL);
                return no_registry(error);
        }
        if (!p) {
                p = eg_bus_call_keep(b, m, sizeof(*p));
                if (!p)
                        return -ENOMEM;
        }
        actor = eg_bus_caller_description(b, m);
        req->actor = actor ? actor : "unknown caller";
        p->reply = reply;
        r = eg_registry_admin(registry, req, on_admin_done, p);
        if (r < 0) {
                eg_bus_call_free(&p->call);
                if (r == -EOPNOTSUPP)
                        return sd_bus_error_set(error, EG_BUS_ERROR_NOT_SUPPORTED,
                                                "this registry backend takes no changes");
                return sd_bus_error_setf(error, error_name(r), "%s", strerror(-r));
        }
        return 1; /* the reply follows */
}

static int reply_empty(struct pending_call *p, struct eg_registry_admin_result *res) {
        return sd_bus_reply_method_return(p->call.message, NULL);
}

static int reply_count(struct pending_call *p, struct eg_registry_admin_result *res) {
        return sd_bus_reply_method_return(p->call.message, "u", res->count);
}

static int reply_json(struct pending_call *p, struct eg_registry_admin_result *res) {
        return sd_bus_reply_method_return(p->call.message, "s", res->json ? res->json : "{}");
}

static int reply_list(struct pending_call *p, struct eg_registry_admin_result *res) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_message_new_method_return(p->call.message, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(sssss)");
        for (size_t i = 0; r >= 0 && i < res->n_summaries; i++) {
                const struct eg_member_summary *s = &res->summaries[i];
                char enrolled[11] = "", approval[11] = "";

                if (s->has_enrolled)
                        (void) eg_date_format_iso(&s->enrolled, enrolled);
                if (s->has_conditional_approval)
                        (void) eg_date_format_iso(&s->conditional_approval, approval);
                r = sd_bus_message_append(reply, "(sssss)", s->id,
                                          strna(eg_member_status_to_string(s->status)), enrolled,
                                          approval, s->updated);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_send(NULL, reply, NULL);
        return r;
}

static int method_import(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        struct eg_registry_admin_request req = { .kind = EG_REGISTRY_ADMIN_IMPORT };
        int fd, flags, r;

        r = sd_bus_message_read(m, "h", &fd);
        if (r < 0)
                return r;
        flags = fcntl(fd, F_GETFL);
        if (flags < 0 || (flags & O_ACCMODE) == O_WRONLY)
                return sd_bus_error_set(error, EG_BUS_ERROR_INVALID_ARGUMENT,
                                        "json_fd must be a file open for reading");
        req.fd = fd;
        return start(userdata, m, error, &req, reply_count, NULL);
}

static int method_add(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        struct eg_registry_admin_request req = { .kind = EG_REGISTRY_ADMIN_ADD };
        int r;

        r = sd_bus_message_read(m, "s", &req.json);
        if (r < 0)
                return r;
        return start(userdata, m, error, &req, reply_empty, NULL);
}

static int method_list(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        struct eg_registry_admin_request req = { .kind = EG_REGISTRY_ADMIN_LIST };

        return start(userdata, m, error, &req, reply_list, NULL);
}

static int read_member_id(sd_bus_message *m, const char **ret, sd_bus_error *error) {
        int r = sd_bus_message_read(m, "s", ret);

        if (r < 0)
                return r;
        if (!eg_member_id_is_valid(*ret))
                return sd_bus_error_setf(error, EG_BUS_ERROR_INVALID_ARGUMENT,
                                         "not a member id (1 to %d letters, digits, '.', '_' or "
                                         "'-')",
                                         EG_MEMBER_ID_MAX);
        return 0;
}

static int read_reason(sd_bus_message *m, const char **ret, sd_bus_error *error) {
        int r = sd_bus_message_read(m, "s", ret);

        if (r < 0)
                return r;
        if (!**ret || !eg_string_is_safe(*ret, EG_REGISTRY_REASON_MAX))
                return sd_bus_error_setf(error, EG_BUS_ERROR_INVALID_ARGUMENT,
                                         "a reason (printable, at most %u bytes) is required",
                                         EG_REGISTRY_REASON_MAX);
        return 0;
}

static int method_show(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        struct eg_registry_admin_request req = { .kind = EG_REGISTRY_ADMIN_SHOW };
        int r;

        r = read_member_id(m, &req.member_id, error);
        if (r < 0)
                return r;
        return start(userdata, m, error, &req, reply_json, NULL);
}

static int method_set_status(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        struct eg_registry_admin_request req = { .kind = EG_REGISTRY_ADMIN_SET_STATUS };
        const char *status;
        int r;

        r = read_member_id(m, &req.member_id, error);
        if (r >= 0)
                r = sd_bus_message_read(m, "s", &status);
        if (r < 0)
                return r;
        r = eg_member_status_from_string(status);
        if (r < 0 || r == EG_MEMBER_CONDITIONAL)
                return sd_bus_error_set(error, EG_BUS_ERROR_INVALID_ARGUMENT,
                                        "status must be active, suspended, revoked or expired");
        req.status = r;
        r = read_reason(m, &req.reason, error);
        if (r < 0)
                return r;
        return start(userdata, m, error, &req, reply_empty, NULL);
}

static int method_remove(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        struct eg_registry_admin_request req = { .kind = EG_REGISTRY_ADMIN_REMOVE };
        int r;

        r = read_member_id(m, &req.member_id, error);
        if (r >= 0)
                r = read_reason(m, &req.reason, error);
        if (r < 0)
                return r;
        return start(userdata, m, error, &req, reply_empty, NULL);
}

/* --- EnrollFinger: the member exists -> the scanner enrols -> the template is stored. --- */

/* The scanner may be used for enrolment now?  0, or an error set in error. */
static int check_scanner(struct eg_bus *b, struct eg_device *d, sd_bus_message *m,
                         sd_bus_error *error) {
        const char *owner = eg_bus_claim_owner(b, d->id);
        int r;

        if (d->device_class != EG_CLASS_FINGERPRINT_SCANNER)
                return sd_bus_error_setf(error, EG_BUS_ERROR_INVALID_ARGUMENT,
                                         "device %s is not a fingerprint scanner", d->id);
        r = eg_bus_device_lane_busy(b, d, error);
        if (r < 0)
                return r;
        if (owner && !streq_ptr(owner, sd_bus_message_get_sender(m)))
                return sd_bus_error_setf(error, EG_BUS_ERROR_ALREADY_CLAIMED,
                                         "device %s is claimed by %s", d->id, owner);
        return 0;
}

static int reply_enrolled(struct pending_call *p, struct eg_registry_admin_result *res) {
        return sd_bus_reply_method_return(p->call.message, "su", p->format, (uint32_t) p->size);
}

static void on_enrolled(struct eg_manager *mgr, const char *device_id, eg_op_id op,
                        struct eg_op_outcome *o, void *userdata) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        struct pending_call *p = userdata;
        struct eg_member_finger finger = {};
        struct eg_registry_admin_request req = { .kind = EG_REGISTRY_ADMIN_STORE_FINGER };
        struct eg_registry *registry = registry_of(p->call.bus);
        _cleanup_free_ char *actor = NULL;
        int r;

        if (o->status < 0) {
                (void) eg_bus_call_operation_error(&p->call, o, &error);
                goto fail;
        }
        if (!o->data || o->data_len == 0 || o->data_len > EG_REGISTRY_TEMPLATE_MAX ||
            !eg_template_format_is_valid(o->format)) {
                (void) sd_bus_error_set(&error, EG_BUS_ERROR_DEVICE_FAILED,
                                        "the scanner returned no usable template");
                goto fail;
        }
        if (!registry) {
                (void) no_registry(&error);
                goto fail;
        }
        (void) snprintf(p->format, sizeof(p->format), "%s", o->format);
        p->size = o->data_len;
        finger = (struct eg_member_finger){
                .position = p->position, .format = p->format, .data = o->data, .len = o->data_len
        };
        req.member_id = p->member_id;
        req.finger = &finger;
        actor = eg_bus_caller_description(p->call.bus, p->call.message);
        req.actor = actor ? actor : "unknown caller";
        p->reply = reply_enrolled;
        r = eg_registry_admin(registry, &req, on_admin_done, p);
        /* The backend has its own copy: ours is wiped with the outcome's buffer now. */
        explicit_bzero(o->data, o->data_len);
        if (r >= 0)
                return;
        (void) sd_bus_error_setf(&error, error_name(r), "cannot store the template: %s",
                                 strerror(-r));
fail:
        if (o->data)
                explicit_bzero(o->data, o->data_len);
        r = sd_bus_reply_method_error(p->call.message, &error);
        if (r < 0)
                log_object(LOG_DEBUG, r, EG_LOG_OBJECT_BUS, "registry",
                           "cannot send the reply: %m");
        eg_bus_call_free(&p->call);
}

/* The member exists: enrol on the scanner, if it is still free to use.  The operation takes
 * p over: nothing is allocated here, so no failure can leave the call unanswered. */
static int reply_member_exists(struct pending_call *p, struct eg_registry_admin_result *res) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        struct eg_op_args args = { .size = sizeof(args),
                                   .kind = EG_OP_FINGER_ENROLL,
                                   .finger = p->position };
        struct eg_bus *b = p->call.bus;
        struct eg_device *d = eg_device_find(b->manager, p->device_id);
        int r;

        if (!d)
                return sd_bus_reply_method_errorf(p->call.message, EG_BUS_ERROR_NOT_FOUND,
                                                  "device %s went away", p->device_id);
        if (check_scanner(b, d, p->call.message, &error) < 0)
                return sd_bus_reply_method_error(p->call.message, &error);
        r = eg_operation_start(b->manager, d->id, &args, 0, on_enrolled, p, NULL);
        if (r < 0) {
                (void) eg_bus_error_from_operation(&error, r, NULL);
                return sd_bus_reply_method_error(p->call.message, &error);
        }
        log_device(LOG_INFO, 0, d->id, "enrolling %s of member %s",
                   eg_finger_position_to_string(p->position), p->member_id);
        p->handed_on = true;
        return 0;
}

static int method_enroll_finger(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        struct eg_bus *b = userdata;
        struct eg_registry_admin_request req = { .kind = EG_REGISTRY_ADMIN_EXISTS };
        const char *path, *finger;
        struct pending_call *p;
        struct eg_device *d;
        int position, r;

        r = read_member_id(m, &req.member_id, error);
        if (r >= 0)
                r = sd_bus_message_read(m, "os", &path, &finger);
        if (r < 0)
                return r;
        position = eg_finger_position_from_string(finger);
        if (position < 0)
                return sd_bus_error_set(error, EG_BUS_ERROR_INVALID_ARGUMENT,
                                        "unknown finger (right-thumb, right-index, right-middle, "
                                        "right-ring, right-little, left-thumb, ... left-little)");
        d = eg_bus_find_device(b, path);
        if (!d)
                return sd_bus_error_setf(error, EG_BUS_ERROR_NOT_FOUND, "no device at %s", path);
        r = check_scanner(b, d, m, error);
        if (r < 0)
                return r;
        if (!registry_of(b))
                return no_registry(error);

        p = eg_bus_call_keep(b, m, sizeof(*p));
        if (!p)
                return -ENOMEM;
        (void) snprintf(p->member_id, sizeof(p->member_id), "%s", req.member_id);
        (void) snprintf(p->device_id, sizeof(p->device_id), "%s", d->id);
        p->position = position;
        return start(b, m, error, &req, reply_member_exists, p);
}

static int property_backend(sd_bus *bus, const char *path, const char *iface, const char *property,
                            sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        struct eg_registry *registry = registry_of(userdata);

        return sd_bus_message_append(
                reply, "s",
                registry && registry->ops && registry->ops->name ? registry->ops->name : "");
}

#define M(name, in, in_names, out, out_names, fn)                                                  \
        SD_BUS_METHOD_WITH_NAMES(name, in, in_names, out, out_names, fn, SD_BUS_VTABLE_UNPRIVILEGED)

static const sd_bus_vtable registry_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Backend", "s", property_backend, 0, 0),
        M("Import", "h", SD_BUS_PARAM(json_fd), "u", SD_BUS_PARAM(imported), method_import),
        M("Add", "s", SD_BUS_PARAM(json), "", "", method_add),
        M("List", "", "", "a(sssss)", SD_BUS_PARAM(members), method_list),
        M("Show", "s", SD_BUS_PARAM(id), "s", SD_BUS_PARAM(json), method_show),
        M("SetStatus", "sss", SD_BUS_PARAM(id) SD_BUS_PARAM(status) SD_BUS_PARAM(reason), "", "",
          method_set_status),
        M("Remove", "ss", SD_BUS_PARAM(id) SD_BUS_PARAM(reason), "", "", method_remove),
        M("EnrollFinger", "sos",
          SD_BUS_PARAM(member_id) SD_BUS_PARAM(scanner_device) SD_BUS_PARAM(finger), "su",
          SD_BUS_PARAM(format) SD_BUS_PARAM(size), method_enroll_finger),
        SD_BUS_VTABLE_END,
};

int eg_bus_registry_register(struct eg_bus *b) {
        return sd_bus_add_object_vtable(b->bus, &b->slots[b->n_slots++], EG_BUS_REGISTRY_PATH,
                                        REGISTRY_IFACE, registry_vtable, b);
}
