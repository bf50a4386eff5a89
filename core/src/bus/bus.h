/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The D-Bus API (org.egate.EGate1), the contract in dbus/org.egate.EGate1.NAME.xml.
 *
 *   /org/egate/EGate1              Manager + ObjectManager       bus-manager.c
 *   /org/egate/EGate1/Device/ID    Device + one class interface  bus-device.c, bus-device-class.c
 *   /org/egate/EGate1/Lane/NAME    Lane                          bus-lane.c
 *   /org/egate/EGate1/Audit        Audit                         bus-audit.c
 *   /org/egate/EGate1/Registry     Registry                      bus-registry.c
 *
 * Every incoming call passes bus-access.c's filter first: the daemon checks
 * the caller's credentials itself, in addition to the bus policy.
 */
#pragma once

#include <stdbool.h>
#include <systemd/sd-bus.h>

#include "device.h"
#include "list.h"
#include "macro.h"

struct eg_manager;
struct eg_lane;

#define EG_BUS_ROOT_PATH "/org/egate/EGate1"
#define EG_BUS_DEVICE_PREFIX "/org/egate/EGate1/Device"
#define EG_BUS_LANE_PREFIX "/org/egate/EGate1/Lane"
#define EG_BUS_AUDIT_PATH "/org/egate/EGate1/Audit"
#define EG_BUS_REGISTRY_PATH "/org/egate/EGate1/Registry"
#define EG_BUS_IFACE(name) "org.egate.EGate1." name
#define EG_BUS_API_VERSION 1

struct eg_bus_attendance;
struct eg_bus_call;

struct eg_bus_claim {
        char *device_id;
        char *owner; /* unique bus name */
        sd_bus_track *track;
        struct eg_bus *bus;
        EG_LIST_FIELDS(struct eg_bus_claim, claims);
};

#define EG_BUS_CALLER_CACHE_SIZE 64

struct eg_bus_caller {
        char sender[64]; /* unique bus name */
        uid_t uid;
        int granted; /* the highest access level its uid has; -1 not judged yet */
};

struct eg_bus {
        sd_bus *bus;
        struct eg_manager *manager;
        const char *state; /* Manager.State */
        sd_bus_slot *slots[32]; /* each register function takes what it needs */
        size_t n_slots;
        struct eg_bus_claim *claims;
        struct eg_bus_attendance *attendances; /* bus-attendance.c */
        struct eg_bus_call *calls; /* waiting for their answers (bus-call.h) */
        sd_event_source *calls_exit; /* answers them when the loop ends */
        struct eg_bus_caller callers[EG_BUS_CALLER_CACHE_SIZE];
        unsigned callers_next;
        char **exported_lanes; /* to announce lanes that a reload adds or drops */
        struct eg_bus_pending_state *pending_states; /* bus-device-state.c */
        void *pending_index; /* tsearch(3) tree of the same, by device */
        struct eg_bus_lane_announced *announced; /* bus-lane.c */
        size_t n_announced;
        sd_event_source *settle_timer;
        /* Resolved at start: -1 when the group does not exist on this system. */
        gid_t operator_gid;
        gid_t monitor_gid;
        bool operator_gid_valid, monitor_gid_valid;
        /* Reload hook: the daemon owns config loading. Returns 0 or -errno with a message. */
        int (*reload)(void *userdata, char **ret_message);
        void *reload_userdata;
};

int eg_bus_new(sd_bus *bus, struct eg_manager *m, struct eg_bus **ret);
struct eg_bus *eg_bus_free(struct eg_bus *b);

/* Lane.Attend() and Lane.Leave() (bus-attendance.c). */
int eg_bus_lane_attend(sd_bus_message *m, void *userdata, sd_bus_error *error);
int eg_bus_lane_leave(sd_bus_message *m, void *userdata, sd_bus_error *error);
void eg_bus_attendances_done(struct eg_bus *b);

/* Manager.PkiState and its companions changed (bus-manager.c). */
void eg_bus_manager_pki_changed(struct eg_bus *b);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct eg_bus *, eg_bus_free)

void eg_bus_set_state(struct eg_bus *b, const char *state);

/* The error of a failed operation (bus-errors.h), with the plugin's words when a reply can
 * carry them: every reply to a failed operation goes through here. */
struct eg_op_outcome;
int eg_bus_error_from_outcome(sd_bus_error *error, const struct eg_op_outcome *o);

/* Every device's or lane's object path, as a NULL-terminated list; and an "ao" of them. */
int eg_bus_device_paths(struct eg_bus *b, char ***ret);
int eg_bus_lane_paths(struct eg_bus *b, char ***ret);
int eg_bus_append_object_paths(sd_bus_message *reply, char *const *paths);

/* Paths (newly allocated); NULL on OOM. */
char *eg_bus_device_path(const char *device_id);
char *eg_bus_lane_path(const char *lane_name);

/* bus-device-state.c: online/busy changes are announced coalesced, others at once */
void eg_bus_device_state_changed(struct eg_bus *b, const struct eg_device *d,
                                 enum eg_device_state old, const char *reason);
void eg_bus_device_state_forget(struct eg_bus *b, const struct eg_device *d);
void eg_bus_device_state_done(struct eg_bus *b);

/* bus-device.c */
int eg_bus_device_register(struct eg_bus *b);
void eg_bus_device_added(struct eg_bus *b, struct eg_device *d);
void eg_bus_device_removed(struct eg_bus *b, struct eg_device *d);
const char *eg_bus_claim_owner(struct eg_bus *b, const char *device_id);
struct eg_device *eg_bus_find_device(struct eg_bus *b, const char *path);
struct eg_lane *eg_bus_find_lane(struct eg_bus *b, const char *path);
bool eg_bus_device_in_lane_use(struct eg_bus *b, const struct eg_device *d);
/* 0 when no lane drives d, else Busy set in error (naming the lane) and its negative return. */
int eg_bus_device_lane_busy(struct eg_bus *b, const struct eg_device *d, sd_bus_error *error);

/* bus-device-class.c */
int eg_bus_device_class_register(struct eg_bus *b);
const char *eg_bus_class_interface(int device_class);
void eg_bus_device_class_event(struct eg_bus *b, struct eg_device *d, const void *event);

/* bus-manager.c */
int eg_bus_manager_register(struct eg_bus *b);
void eg_bus_manager_changed(struct eg_bus *b, const char *property);

/* bus-lane.c */
int eg_bus_lane_register(struct eg_bus *b);
void eg_bus_lane_changed(struct eg_bus *b, struct eg_lane *l);
/* PIPELINE */
struct eg_pipeline;
struct eg_transaction_event;
void eg_bus_lane_pipeline_changed(struct eg_bus *b, struct eg_pipeline *p);
void eg_bus_lane_done(struct eg_bus *b);
void eg_bus_lane_transaction_event(struct eg_bus *b, struct eg_pipeline *p,
                                   const struct eg_transaction_event *e);

/* bus-audit.c (AUDIT); attach watches the manager's audit trail once it is open. */
int eg_bus_audit_register(struct eg_bus *b);
void eg_bus_audit_attach(struct eg_bus *b);
void eg_bus_audit_detach(struct eg_bus *b);

/* bus-registry.c (REGISTRY): the member registry, m->registry once the manager opens it. */
int eg_bus_registry_register(struct eg_bus *b);

/* bus-access.c: who may call what. */
int eg_bus_access_register(struct eg_bus *b);
/* "uid 1000 (:1.42)" for logs and audit. */
char *eg_bus_caller_description(struct eg_bus *b, sd_bus_message *m);
