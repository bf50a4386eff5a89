/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A stand-in for egated's side of the SDK, for unit tests of the mock plugin:
 * it records devices, events, completions and log lines, runs timers on a
 * virtual clock (fake_host_run) and dispatches fd watches on request
 * (fake_host_poll_io).  eg_host_complete/emit/log may come from any thread.
 */
#pragma once

#include <egate/plugin.h>
#include <stdbool.h>
#include <stdint.h>

struct fake_device {
        eg_device_id id;
        char *key, *vendor, *model, *serial, *lane, *role;
        enum eg_device_class device_class;
        uint32_t supported_ops;
        enum eg_door_fail_mode fail_mode;
        const struct eg_device_ops *ops;
        void *device_data;
        bool removed; /* by the plugin */
        bool closed;
};

struct fake_event {
        eg_device_id device;
        char key[64];
        enum eg_event_type type;
        int64_t value;
        char *zone;
        char *message;
        uint64_t at_ms;
};

struct fake_completion {
        eg_op_id op;
        int32_t status;
        char *message;
        char *text;
        uint8_t *data;
        size_t data_len;
        char *format;
        int fd;
        double score, threshold;
        bool match;
        int64_t value;
        char *document_model; /* DOCUMENT_INSPECT */
        uint32_t optical_passed, optical_failed, optical_undetermined;
        bool presentation_attack; /* FINGER_CAPTURE, FINGER_VERIFY, CAMERA_CAPTURE */
        uint32_t faces; /* CAMERA_CAPTURE */
        bool other_thread;
        uint64_t at_ms;
};

/* The plugin under test, linked in statically. */
extern const struct eg_plugin_descriptor egate_plugin_descriptor;
extern const struct eg_plugin_ops egate_plugin_ops;

/* The fake host is the opaque struct eg_host of the SDK. */
struct eg_host;

/* `config`: key, value, key, value, ..., NULL.  Also takes over the mock's clock. */
struct eg_host *fake_host_new(const char *const *config);
void fake_host_free(struct eg_host *h);

/* The plugin's entry points, as egated would call them. */
int fake_host_init(struct eg_host *h, void **plugin_data);
/* Closes every device still known, then shutdown(). */
void fake_host_shutdown(struct eg_host *h, void *plugin_data);

uint64_t fake_host_now(struct eg_host *h);
/* Advance virtual time by `ms`, firing due timers in order. */
void fake_host_run(struct eg_host *h, uint64_t ms);
/* Dispatch the watched fds that are ready, waiting up to timeout_ms for one. */
int fake_host_poll_io(struct eg_host *h, int timeout_ms);
unsigned fake_host_n_io(struct eg_host *h);
unsigned fake_host_n_timers(struct eg_host *h);
unsigned fake_host_bad_removals(struct eg_host *h); /* removals of unknown sources */

const struct fake_device *fake_host_device(struct eg_host *h, const char *key);
size_t fake_host_n_devices(struct eg_host *h, bool include_removed);
const struct fake_device *fake_host_device_at(struct eg_host *h, size_t i);

/* Start an op on a device (by key) with fresh id; returns start()'s result. */
int fake_host_start(struct eg_host *h, const char *key, const struct eg_op_args *args,
                    eg_op_id *ret_op);
void fake_host_cancel(struct eg_host *h, const char *key, eg_op_id op);
const struct fake_completion *fake_host_completion(struct eg_host *h, eg_op_id op);
/* Waits (real time) for a completion from another thread. */
const struct fake_completion *fake_host_wait(struct eg_host *h, eg_op_id op, int timeout_ms);
size_t fake_host_n_completions(struct eg_host *h);

size_t fake_host_n_events(struct eg_host *h);
const struct fake_event *fake_host_event(struct eg_host *h, size_t i);
size_t fake_host_count_events(struct eg_host *h, const char *key, enum eg_event_type type);
const struct fake_event *fake_host_last_event(struct eg_host *h, const char *key,
                                              enum eg_event_type type);
/* "type=value" (zone appended for occupancy) of one device's events since the
 * last clear, joined with "; ".  Static buffer. */
const char *fake_host_events_of(struct eg_host *h, const char *key);
void fake_host_clear_events(struct eg_host *h);

bool fake_host_logged(struct eg_host *h, const char *substring);

/* Make device_add() fail with -EIO for `key` (NULL: none), like a daemon
 * that refuses a device. */
void fake_host_refuse_device(struct eg_host *h, const char *key);

/* Like the daemon dropping a device (config reload, misbehaviour): close() it. */
void fake_host_drop_device(struct eg_host *h, const char *key);
