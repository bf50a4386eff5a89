/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <search.h>
#include <stdlib.h>
#include <string.h>

#include "device.h"
#include "lane.h"
#include "log.h"
#include "manager.h"

static const char *const device_state_names[EG_DEVICE_STATE_MAX_] = {
        [EG_DEVICE_ONLINE] = "online",
        [EG_DEVICE_BUSY] = "busy",
        [EG_DEVICE_OFFLINE] = "offline",
        [EG_DEVICE_FAULTED] = "faulted",
};

const char *eg_device_state_to_string(enum eg_device_state s) {
        if ((unsigned) s >= EG_DEVICE_STATE_MAX_)
                return "invalid";
        return device_state_names[s];
}

bool eg_device_key_is_valid(const char *key) {
        size_t n;

        if (!key)
                return false;
        n = strlen(key);
        if (n == 0 || n > EG_DEVICE_KEY_MAX)
                return false;
        /* Keys become part of ids, object paths and log lines: keep them tame. */
        for (const char *c = key; *c; c++)
                if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                      (*c >= '0' && *c <= '9') || strchr("_-.:", *c)))
                        return false;
        return true;
}

/* Valid UTF-8 (no overlongs, no surrogates), no control characters. */
bool eg_string_is_safe(const char *s, size_t max_len) {
        const unsigned char *p = (const unsigned char *) s;
        size_t n = 0;

        if (!s)
                return false;
        while (*p) {
                unsigned len, cp;

                if (++n > max_len)
                        return false;
                if (*p < 0x20 || *p == 0x7f)
                        return false;
                if (*p < 0x80) {
                        p++;
                        continue;
                }
                if ((*p & 0xe0) == 0xc0) {
                        len = 2;
                        cp = *p & 0x1f;
                } else if ((*p & 0xf0) == 0xe0) {
                        len = 3;
                        cp = *p & 0x0f;
                } else if ((*p & 0xf8) == 0xf0) {
                        len = 4;
                        cp = *p & 0x07;
                } else
                        return false;
                for (unsigned i = 1; i < len; i++) {
                        if ((p[i] & 0xc0) != 0x80)
                                return false;
                        cp = (cp << 6) | (p[i] & 0x3f);
                }
                if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
                    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
                    (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp < 0xa0))
                        return false;
                p += len;
        }
        return true;
}

static bool ops_fit_class(uint32_t ops, enum eg_device_class c) {
        for (unsigned k = 1; k < EG_OP_MAX_; k++)
                if ((ops & EG_OP_BIT(k)) && eg_op_kind_class(k) != c)
                        return false;
        return (ops & ~(EG_OP_BIT(EG_OP_MAX_) - 1)) == 0 && !(ops & EG_OP_BIT(EG_OP_INVALID));
}

static int copy_optional_string(const char *plugin, const char *field, const char *in, char **out) {
        if (!in || !*in)
                return 0;
        if (!eg_string_is_safe(in, EG_DEVICE_STRING_MAX))
                return log_plugin(LOG_WARNING, EINVAL, plugin,
                                  "device %s is not valid UTF-8 without control characters, or "
                                  "longer than %u bytes",
                                  field, EG_DEVICE_STRING_MAX);
        *out = strdup(in);
        return *out ? 0 : -ENOMEM;
}

/*
 * Devices by id and by handle.  Every operation, bus property read and lane
 * check looks a device up by id, every completion and event a plugin posts
 * by handle; with 64 lanes (450 devices) walking the list was a tenth of
 * egated's CPU.  tsearch(3) trees make it ~9 comparisons.
 */
static int compare_ids(const void *a, const void *b) {
        return strcmp(((const struct eg_device *) a)->id, ((const struct eg_device *) b)->id);
}

static int compare_handles(const void *a, const void *b) {
        eg_device_id x = ((const struct eg_device *) a)->handle,
                     y = ((const struct eg_device *) b)->handle;

        return x < y ? -1 : x > y;
}

static struct eg_device *device_free(struct eg_device *d) {
        if (!d)
                return NULL;
        free(d->id);
        free(d->key);
        free(d->vendor);
        free(d->model);
        free(d->serial);
        free(d->lane_hint);
        free(d->role_hint);
        free(d->last_error);
        sd_event_source_disable_unref(d->fault_safe_state);
        for (size_t i = 0; i < d->n_zones; i++)
                free(d->zones[i].zone);
        free(d);
        return NULL;
}
DEFINE_TRIVIAL_CLEANUP_FUNC(struct eg_device *, device_free)

int eg_device_add(struct eg_manager *m, struct eg_plugin *p, const struct eg_device_desc *in,
                  struct eg_device **ret) {
        const char *pname = eg_plugin_name(p);
        struct eg_device_desc desc = {};
        struct eg_device_ops ops = {};
        _cleanup_(device_freep) struct eg_device *d = NULL;
        int r;

        if (!in || in->size < offsetof(struct eg_device_desc, device_data) + sizeof(void *))
                return log_plugin(LOG_WARNING, EINVAL, pname,
                                  "device_add: description missing or too small");
        memcpy(&desc, in, in->size < sizeof(desc) ? in->size : sizeof(desc));

        if (desc.device_class <= EG_CLASS_INVALID || desc.device_class >= EG_CLASS_MAX_)
                return log_plugin(LOG_WARNING, EINVAL, pname, "device_add: unknown class %d",
                                  (int) desc.device_class);
        if (!(p->module.descriptor.classes & EG_CLASS_BIT(desc.device_class)))
                return log_plugin(LOG_WARNING, EPERM, pname,
                                  "device_add: class %s is not declared in the plugin's descriptor",
                                  eg_device_class_to_string(desc.device_class));
        if (!eg_device_key_is_valid(desc.key))
                return log_plugin(LOG_WARNING, EINVAL, pname,
                                  "device_add: key must be 1-%u characters of [A-Za-z0-9_.:-]",
                                  EG_DEVICE_KEY_MAX);
        if (!desc.ops || desc.ops->size < offsetof(struct eg_device_ops, close) + sizeof(void *))
                return log_plugin(LOG_WARNING, EINVAL, pname,
                                  "device_add %s: operations table missing or too small", desc.key);
        memcpy(&ops, desc.ops, desc.ops->size < sizeof(ops) ? desc.ops->size : sizeof(ops));
        if (!ops.start || !ops.cancel || !ops.close)
                return log_plugin(LOG_WARNING, EINVAL, pname,
                                  "device_add %s: start, cancel and close are required", desc.key);
        if (!ops_fit_class(desc.supported_ops, desc.device_class))
                return log_plugin(LOG_WARNING, EINVAL, pname,
                                  "device_add %s: supported operations do not belong to class %s",
                                  desc.key, eg_device_class_to_string(desc.device_class));
        if (desc.device_class == EG_CLASS_DOOR && desc.fail_mode != EG_DOOR_FAIL_SECURE &&
            desc.fail_mode != EG_DOOR_FAIL_SAFE)
                return log_plugin(LOG_WARNING, EINVAL, pname, "device_add %s: invalid fail mode",
                                  desc.key);

        d = calloc(1, sizeof(*d));
        if (!d)
                return log_oom();
        if (asprintf(&d->id, "%s-%s", pname, desc.key) < 0) {
                d->id = NULL;
                return log_oom();
        }
        if (eg_device_find(m, d->id))
                return log_plugin(LOG_WARNING, EEXIST, pname, "device_add: %s already exists",
                                  d->id);
        d->key = strdup(desc.key);
        if (!d->key)
                return log_oom();
        r = copy_optional_string(pname, "vendor", desc.vendor, &d->vendor);
        if (r >= 0)
                r = copy_optional_string(pname, "model", desc.model, &d->model);
        if (r >= 0)
                r = copy_optional_string(pname, "serial", desc.serial, &d->serial);
        if (r >= 0)
                r = copy_optional_string(pname, "lane", desc.lane, &d->lane_hint);
        if (r >= 0)
                r = copy_optional_string(pname, "role", desc.role, &d->role_hint);
        if (r < 0)
                return r;

        d->manager = m;
        d->plugin = p;
        d->handle = ++m->next_device_handle;
        d->device_class = desc.device_class;
        d->supported_ops = desc.supported_ops;
        d->fail_mode = desc.fail_mode;
        d->ops = ops;
        d->device_data = desc.device_data;
        d->state = EG_DEVICE_ONLINE;

        if (!tsearch(d, &m->device_index, compare_ids))
                return log_oom();
        if (!tsearch(d, &m->device_handles, compare_handles)) {
                (void) tdelete(d, &m->device_index, compare_ids);
                return log_oom();
        }
        EG_LIST_APPEND(devices, m->devices, d);
        log_device(LOG_INFO, 0, d->id, "added: %s from plugin %s%s%s",
                   eg_device_class_to_string(d->device_class), pname, d->lane_hint ? ", lane " : "",
                   d->lane_hint ? d->lane_hint : "");
        if (ret)
                *ret = d;
        eg_manager_notify_added(m, TAKE_PTR(d));
        return 0;
}

void eg_device_remove(struct eg_device *d, const char *reason) {
        struct eg_manager *m;

        if (!d)
                return;
        m = d->manager;
        log_device(LOG_INFO, 0, d->id, "removed: %s", reason);
        eg_operations_fail_device(m, d, -ENODEV, reason);
        EG_LIST_REMOVE(devices, m->devices, d);
        (void) tdelete(d, &m->device_index, compare_ids);
        (void) tdelete(d, &m->device_handles, compare_handles);
        eg_manager_notify_removed(m, d);
        d->ops.close(d->device_data);
        device_free(d);
}

struct eg_device *eg_device_find(struct eg_manager *m, const char *id) {
        struct eg_device key = { .id = (char *) id };
        struct eg_device **found;

        if (!id)
                return NULL;
        found = tfind(&key, &m->device_index, compare_ids);
        return found ? *found : NULL;
}

struct eg_device *eg_device_find_handle(struct eg_manager *m, eg_device_id handle) {
        struct eg_device key = { .handle = handle };
        struct eg_device **found = tfind(&key, &m->device_handles, compare_handles);

        return found ? *found : NULL;
}

void eg_device_set_state(struct eg_device *d, enum eg_device_state state, const char *reason) {
        enum eg_device_state old = d->state;

        if (old == state)
                return;
        d->state = state;
        if (state == EG_DEVICE_FAULTED || state == EG_DEVICE_OFFLINE)
                log_device(LOG_WARNING, 0, d->id, "%s -> %s: %s", eg_device_state_to_string(old),
                           eg_device_state_to_string(state), strna(reason));
        else
                log_device(LOG_DEBUG, 0, d->id, "%s -> %s", eg_device_state_to_string(old),
                           eg_device_state_to_string(state));
        eg_manager_notify_state(d->manager, d, old, reason);
}

static int on_fault_safe_state(sd_event_source *s, void *userdata) {
        struct eg_device *d = userdata;
        struct eg_lane *l;

        if (d->state != EG_DEVICE_FAULTED || d->manager->stopping)
                return 0;
        /* The emergency opened every door of the lane: a door too slow to answer its opening
         * in time must not then be locked (fail-secure) by its fault. */
        l = eg_lane_of_device(d->manager, d->id, NULL);
        if (l && l->mode == EG_LANE_MODE_EMERGENCY) {
                log_device(LOG_WARNING, 0, d->id,
                           "faulted during the emergency: left to it, not sent to its safe state");
                return 0;
        }
        (void) eg_operation_start_fault_safe_state(d->manager, d);
        return 0;
}

/* Doors go to their declared state on any fault.  Not at once: a fault may be reported
 * from inside the plugin's own call (an event), and the plugin is never entered twice. */
static void door_to_safe_state_later(struct eg_device *d) {
        int r;

        if (d->fault_safe_state)
                r = sd_event_source_set_enabled(d->fault_safe_state, SD_EVENT_ONESHOT);
        else
                r = sd_event_add_defer(d->manager->event, &d->fault_safe_state, on_fault_safe_state,
                                       d);
        if (r < 0)
                log_device(LOG_ERR, r, d->id, "cannot send to its safe state after the fault: %m");
}

static void device_fault(struct eg_device *d, const char *reason, bool deadline) {
        bool newly = d->state != EG_DEVICE_FAULTED;

        /* Before the state changes: the listeners read it. */
        d->fault_is_deadline = deadline;
        (void) free_and_strdup(&d->last_error, reason);
        eg_device_set_state(d, EG_DEVICE_FAULTED, reason);
        if (newly && d->device_class == EG_CLASS_DOOR && !d->manager->stopping)
                door_to_safe_state_later(d);
}

void eg_device_fault(struct eg_device *d, const char *reason) {
        device_fault(d, reason, false);
}

void eg_device_fault_deadline(struct eg_device *d, const char *reason) {
        device_fault(d, reason, true);
}

static void zone_set(struct eg_device *d, const char *zone, int64_t count) {
        const char *name = zone ? zone : "";

        for (size_t i = 0; i < d->n_zones; i++)
                if (streq(d->zones[i].zone, name)) {
                        d->zones[i].count = count;
                        return;
                }
        if (d->n_zones >= EG_DEVICE_MAX_ZONES) {
                log_device(LOG_WARNING, 0, d->id, "more than %d zones, ignoring zone '%s'",
                           EG_DEVICE_MAX_ZONES, name);
                return;
        }
        d->zones[d->n_zones].zone = strdup(name);
        if (!d->zones[d->n_zones].zone) {
                (void) log_oom();
                return;
        }
        d->zones[d->n_zones++].count = count;
}

int64_t eg_device_zone_count(const struct eg_device *d, const char *zone) {
        for (size_t i = 0; i < d->n_zones; i++)
                if (streq(d->zones[i].zone, zone ? zone : ""))
                        return d->zones[i].count;
        return 0;
}

void eg_device_handle_event(struct eg_device *d, const struct eg_event *e) {
        switch (e->type) {
        case EG_EVENT_DOCUMENT_PRESENT:
        case EG_EVENT_DOCUMENT_REMOVED:
                d->document_present = e->type == EG_EVENT_DOCUMENT_PRESENT;
                break;
        case EG_EVENT_CHIP_PRESENT:
        case EG_EVENT_CHIP_REMOVED:
                d->chip_present = e->type == EG_EVENT_CHIP_PRESENT;
                break;
        case EG_EVENT_FINGER_PRESENT:
        case EG_EVENT_FINGER_REMOVED:
                d->finger_present = e->type == EG_EVENT_FINGER_PRESENT;
                break;
        case EG_EVENT_DOOR_POSITION:
                d->door_position = (enum eg_door_position) e->value;
                if (d->door_position == EG_DOOR_POSITION_CLOSED)
                        d->door_forced = false;
                break;
        case EG_EVENT_DOOR_LOCK:
                d->door_lock = (enum eg_door_lock) e->value;
                break;
        case EG_EVENT_DOOR_FORCED:
                d->door_forced = true;
                log_device(LOG_WARNING, 0, d->id, "door forced open");
                break;
        case EG_EVENT_DOOR_HELD_OPEN:
                log_device(LOG_WARNING, 0, d->id, "door held open");
                break;
        case EG_EVENT_OCCUPANCY:
                zone_set(d, e->zone, e->value);
                break;
        case EG_EVENT_BEAM:
                break;
        case EG_EVENT_EMERGENCY:
                d->emergency = e->value != 0;
                log_device(LOG_WARNING, 0, d->id, "emergency input %s",
                           d->emergency ? "active" : "cleared");
                break;
        case EG_EVENT_FAULT:
                eg_device_fault(d, e->message ? e->message : "fault reported by the plugin");
                break;
        case EG_EVENT_RECOVERED:
                if (d->state == EG_DEVICE_FAULTED)
                        eg_device_set_state(d,
                                            d->n_in_flight > 0 ? EG_DEVICE_BUSY : EG_DEVICE_ONLINE,
                                            "recovered");
                break;
        default:
                return;
        }
        eg_manager_notify_event(d->manager, d, e);
}
