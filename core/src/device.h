/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The device registry: one struct eg_device per device a plugin added.
 *
 * A device's stable id is "<plugin>-<key>", where the plugin chose the key
 * from the device's serial number or physical path (never a counter), so
 * the id survives restarts and replugs.  Devices are owned by the manager;
 * other modules remember ids, not pointers, and look devices up again.
 */
#pragma once

#include <egate/plugin.h>
#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "list.h"
#include "macro.h"

struct eg_manager;
struct eg_plugin;

enum eg_device_state {
        EG_DEVICE_ONLINE = 0, /* serving, nothing in flight */
        EG_DEVICE_BUSY, /* at least one operation in flight */
        EG_DEVICE_OFFLINE, /* known but not serving (plugin stopping, removal in progress) */
        EG_DEVICE_FAULTED, /* a timeout or a fault report; see last_error */
        EG_DEVICE_STATE_MAX_,
};

const char *eg_device_state_to_string(enum eg_device_state s);

/* Online or busy: serving.  A change between the two is routine, every
 * operation makes two; only changes into or out of serving tell anything. */
static inline bool eg_device_state_serving(enum eg_device_state s) {
        return s == EG_DEVICE_ONLINE || s == EG_DEVICE_BUSY;
}

#define EG_DEVICE_KEY_MAX 128
#define EG_DEVICE_STRING_MAX 128
#define EG_DEVICE_MAX_ZONES 8

struct eg_zone_count {
        char *zone;
        int64_t count;
};

struct eg_device {
        struct eg_manager *manager;
        struct eg_plugin *plugin;
        eg_device_id handle; /* the number the plugin knows the device by */
        char *id; /* stable: "<plugin>-<key>" */
        char *key;
        enum eg_device_class device_class;
        char *vendor, *model, *serial;
        char *lane_hint, *role_hint;
        uint32_t supported_ops;
        enum eg_door_fail_mode fail_mode;
        struct eg_device_ops ops;
        void *device_data;
        bool declared; /* from a [device.NAME] section: a reload may remove it */

        enum eg_device_state state;
        char *last_error;
        bool fault_is_deadline; /* faulted because an operation outlived its deadline */
        unsigned n_in_flight;
        sd_event_source *fault_safe_state; /* doors: the safe state after a fault, deferred */
        uint64_t n_operations, n_failures, n_timeouts; /* Health, since the daemon started */

        /* What the device last reported through events. */
        bool document_present;
        bool chip_present;
        bool finger_present;
        bool emergency;
        enum eg_door_position door_position;
        enum eg_door_lock door_lock;
        bool door_forced;
        struct eg_zone_count zones[EG_DEVICE_MAX_ZONES];
        size_t n_zones;

        EG_LIST_FIELDS(struct eg_device, devices);
};

/* Validate a plugin's description and register the device.  Errors:
 * -EINVAL (logged with the reason), -EEXIST (key already in use),
 * -EPERM (class not declared in the plugin's descriptor). */
int eg_device_add(struct eg_manager *m, struct eg_plugin *p, const struct eg_device_desc *desc,
                  struct eg_device **ret);

/* Fail in-flight operations with -ENODEV, tell listeners, close and free. */
void eg_device_remove(struct eg_device *d, const char *reason);

struct eg_device *eg_device_find(struct eg_manager *m, const char *id);
struct eg_device *eg_device_find_handle(struct eg_manager *m, eg_device_id handle);

void eg_device_set_state(struct eg_device *d, enum eg_device_state state, const char *reason);
/* Record a fault and tell listeners; reason is a short, non-personal text.  A door that
 * becomes faulted is also sent to its declared safe state, from the loop's next turn. */
void eg_device_fault(struct eg_device *d, const char *reason);
/* The same, for an operation the plugin did not answer within its deadline: a lane tells that
 * apart (E_DEVICE_TIMEOUT) from a device that answered with a failure. */
void eg_device_fault_deadline(struct eg_device *d, const char *reason);

/* Apply an event the plugin emitted (already validated) and tell listeners. */
void eg_device_handle_event(struct eg_device *d, const struct eg_event *e);

int64_t eg_device_zone_count(const struct eg_device *d, const char *zone);

bool eg_device_key_is_valid(const char *key);
bool eg_string_is_safe(const char *s, size_t max_len); /* UTF-8, no control characters */
