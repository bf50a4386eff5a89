/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * egate plugin SDK: the contract between egated and a vendor plugin.
 *
 * A plugin is a shared object that exports two symbols:
 *
 *   egate_plugin_descriptor  const struct eg_plugin_descriptor: who the
 *                            plugin is and what it matches.  Pointer-free so
 *                            egated reads and validates it from the ELF file
 *                            *before* it loads the plugin or runs its code.
 *   egate_plugin_ops         const struct eg_plugin_ops: the entry points.
 *
 * Use EG_PLUGIN_DEFINE() below to get both right.  docs/sdk.md tells the life
 * of a plugin, a device and an operation; docs/sdk-abi.md the ABI policy.
 *
 * Thread rules, in short: egated calls every plugin entry point on its main
 * thread and never blocks waiting for one.  A plugin may call
 * eg_host_complete(), eg_host_emit() and eg_host_log() from any thread; all
 * other host functions only from inside a call egated made into the plugin
 * (including timer and fd-watch callbacks).
 */
#pragma once

#include <egate/device.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The ABI this header describes.  A plugin loads when its major equals
 * egated's and its minor is not newer than egated's. */
#define EG_SDK_ABI_MAJOR 1
#define EG_SDK_ABI_MINOR 2

#define EG_PLUGIN_DESCRIPTOR_SYMBOL "egate_plugin_descriptor"
#define EG_PLUGIN_OPS_SYMBOL "egate_plugin_ops"

#define EG_NAME_MAX 32 /* plugin name: [a-z0-9_-], 1..31 characters */
#define EG_VERSION_MAX 32 /* printable ASCII */
#define EG_VENDOR_MAX 64 /* printable ASCII */
#define EG_MATCH_MAX 8
#define EG_MATCH_SUBSYSTEM_MAX 32
#define EG_MATCH_PROPERTY_MAX 96

/* How a plugin finds its devices. */
enum eg_match_kind {
        EG_MATCH_END = 0, /* terminates the match list */
        EG_MATCH_CONFIG = 1, /* devices declared in egated.conf ([device.NAME] plugin=...) */
        EG_MATCH_UDEV = 2, /* udev subsystem, optionally one property KEY=VALUE */
        EG_MATCH_USB = 3, /* USB vendor and product id: of a USB device node, or with
                              * .subsystem set, of a device of that subsystem (a tty) */
};

struct eg_match {
        uint32_t kind; /* enum eg_match_kind */
        char subsystem[EG_MATCH_SUBSYSTEM_MAX];
        char property[EG_MATCH_PROPERTY_MAX];
        uint16_t usb_vendor;
        uint16_t usb_product;
};

/* Read from the ELF file without running plugin code: no pointers allowed. */
struct eg_plugin_descriptor {
        uint32_t size; /* sizeof(struct eg_plugin_descriptor) at build time */
        uint16_t abi_major;
        uint16_t abi_minor;
        char name[EG_NAME_MAX];
        char version[EG_VERSION_MAX];
        char vendor[EG_VENDOR_MAX];
        uint32_t classes; /* EG_CLASS_BIT() of every class it may provide */
        uint32_t flags; /* EG_PLUGIN_FLAG_* */
        struct eg_match matches[EG_MATCH_MAX];
};

/* Loaded only with --mock or [daemon] mock=true: never in production. */
#define EG_PLUGIN_FLAG_TEST_ONLY (UINT32_C(1) << 0)

/* Opaque to plugins: the daemon (or, later, the isolation proxy). */
struct eg_host;

/* Handles are plain numbers, never addresses. */
typedef uint64_t eg_device_id;
typedef uint64_t eg_op_id;
typedef uint64_t eg_source_id;

/* Key/value pairs: a plugin's config section, a device's declaration. */
struct eg_property {
        const char *key;
        const char *value;
};

/* A device declared in egated.conf as [device.NAME] with plugin=<this plugin>. */
struct eg_device_config {
        uint32_t size;
        const char *name; /* the section's NAME: a stable key */
        enum eg_device_class device_class;
        const struct eg_property *properties; /* every other key of the section */
        size_t n_properties;
};

/*
 * A udev device tagged for egate that matched the descriptor (or that a udev
 * rule gave to this plugin with ID_EGATE_PLUGIN).  Valid only during probe():
 * copy what you keep.  Site hints arrive as properties: ID_EGATE_LANE and
 * ID_EGATE_ROLE (put them in eg_device_desc.lane/.role), and ID_SERIAL_SHORT
 * and ID_PATH to build a stable key from (docs/sdk.md, "Discovered devices").
 */
struct eg_candidate {
        uint32_t size;
        const char *subsystem;
        const char *syspath;
        const char *devnode; /* NULL if the device has no node */
        uint16_t usb_vendor; /* ID_VENDOR_ID and ID_MODEL_ID, or 0 */
        uint16_t usb_product;
        const struct eg_property *properties; /* every udev property of the device */
        size_t n_properties;
        /* For USB devices (subsystem "usb", devtype "usb_device") the node, opened
         * O_RDWR|O_CLOEXEC|O_NONBLOCK: wrap it with libusb_wrap_sys_device().  If
         * probe() returns 0 the plugin owns it and closes it; otherwise egated does.
         * -1 for other subsystems. */
        int fd;
};

/* Entry points.  Every one runs on egated's main thread and must not block. */
struct eg_plugin_ops {
        uint32_t size;
        /* Required.  Called once after loading.  A negative errno refuses the
         * plugin; log why first with eg_host_log(). */
        int (*init)(struct eg_host *host, void **plugin_data);
        /* Required.  Release everything and join every thread the plugin
         * started: no host call may come after it returns.  Devices are
         * already closed. */
        void (*shutdown)(void *plugin_data);
        /* Required if the plugin matches EG_MATCH_CONFIG.  Create the device
         * with eg_host_device_add() or return a negative errno (-EINVAL for a
         * bad property: log which). */
        int (*declare_device)(void *plugin_data, const struct eg_device_config *config);
        /* Optional.  A discovered candidate: add a device, or return -ENODEV
         * if it is not one of ours. */
        int (*probe)(void *plugin_data, const struct eg_candidate *candidate);

        /* Since ABI 1.1.  Optional.  A candidate this plugin claimed (probe()
         * returned 0) is gone: unplugged, or a udev rule now ignores it.
         * Remove the devices made from it with eg_host_device_remove().
         * Without it, egated removes every device the plugin added during
         * that probe() call. */
        void (*candidate_removed)(void *plugin_data, const char *syspath);
};

/* One device's entry points, given in eg_device_desc.  Main thread only. */
struct eg_device_ops {
        uint32_t size;
        /* Required.  Begin operation `op` and finish it exactly once with
         * eg_host_complete(), from any thread, even from inside start(): the
         * daemon always delivers completions later from its event loop.
         * A negative return means it did not start; no completion follows. */
        int (*start)(void *device_data, eg_op_id op, const struct eg_op_args *args);
        /* Required.  Abandon `op`.  The daemon has already answered its caller
         * with -ECANCELED and ignores any later completion for it. */
        void (*cancel)(void *device_data, eg_op_id op);
        /* Required.  The daemon forgets the device (removal, shutdown).  No
         * call for it follows; in-flight operations are dropped. */
        void (*close)(void *device_data);
};

struct eg_device_desc {
        uint32_t size;
        enum eg_device_class device_class;
        const char *key; /* stable within the plugin: serial or physical path */
        const char *vendor; /* may be NULL */
        const char *model;
        const char *serial;
        const char *lane; /* suggested lane and role (udev properties, config); may be NULL */
        const char *role;
        uint32_t supported_ops; /* EG_OP_BIT() of the kinds it implements */
        enum eg_door_fail_mode fail_mode; /* doors only */
        const struct eg_device_ops *ops;
        void *device_data;
};

typedef void (*eg_timer_fn)(void *userdata);
typedef void (*eg_io_fn)(int fd, uint32_t revents, void *userdata);

enum eg_log_level {
        EG_LOG_ERROR = 3,
        EG_LOG_WARNING = 4,
        EG_LOG_NOTICE = 5,
        EG_LOG_INFO = 6,
        EG_LOG_DEBUG = 7,
};

/* Set on a log call whose text carries personal data (MRZ, names, document
 * numbers): egated drops it unless run with --log-personal-data. */
#define EG_LOG_PERSONAL (1u << 8)

/* The daemon's side of the contract.  Append-only; check `size` before using
 * a member added after 1.0 (the eg_host_*() helpers below do). */
struct eg_host_api {
        uint32_t size;
        /* Any thread. */
        void (*log)(struct eg_host *host, int level_and_flags, const char *message);
        int (*complete)(struct eg_host *host, eg_op_id op, const struct eg_op_result *result);
        int (*emit)(struct eg_host *host, eg_device_id device, const struct eg_event *event);
        /* Main thread only. */
        const char *(*config_get)(struct eg_host *host, const char *key);
        int (*device_add)(struct eg_host *host, const struct eg_device_desc *desc,
                          eg_device_id *ret_device);
        int (*device_remove)(struct eg_host *host, eg_device_id device);
        int (*timer_add)(struct eg_host *host, uint64_t delay_usec, eg_timer_fn fn, void *userdata,
                         eg_source_id *ret_source);
        int (*io_add)(struct eg_host *host, int fd, uint32_t epoll_events, eg_io_fn fn,
                      void *userdata, eg_source_id *ret_source);
        void (*source_remove)(struct eg_host *host, eg_source_id source);
};

/*
 * The first member of struct eg_host as every host lays it out, so the
 * inline helpers below reach the table without a call into the daemon.
 */
struct eg_host_header {
        const struct eg_host_api *api;
};

#define EG_HOST_HAS(api, member)                                                                   \
        ((api)->size >= offsetof(struct eg_host_api, member) + sizeof((api)->member) &&            \
         (api)->member != NULL)

static inline const struct eg_host_api *eg_host_api_get(struct eg_host *host) {
        return ((const struct eg_host_header *) (const void *) host)->api;
}

__attribute__((format(printf, 3, 4))) static inline void
eg_host_log(struct eg_host *host, int level_and_flags, const char *fmt, ...) {
        char buf[1024];
        va_list ap;

        va_start(ap, fmt);
        (void) vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        eg_host_api_get(host)->log(host, level_and_flags, buf);
}

static inline int eg_host_complete(struct eg_host *host, eg_op_id op,
                                   const struct eg_op_result *result) {
        return eg_host_api_get(host)->complete(host, op, result);
}

static inline int eg_host_emit(struct eg_host *host, eg_device_id device,
                               const struct eg_event *event) {
        return eg_host_api_get(host)->emit(host, device, event);
}

static inline const char *eg_host_config_get(struct eg_host *host, const char *key) {
        return eg_host_api_get(host)->config_get(host, key);
}

static inline int eg_host_device_add(struct eg_host *host, const struct eg_device_desc *desc,
                                     eg_device_id *ret_device) {
        return eg_host_api_get(host)->device_add(host, desc, ret_device);
}

static inline int eg_host_device_remove(struct eg_host *host, eg_device_id device) {
        return eg_host_api_get(host)->device_remove(host, device);
}

static inline int eg_host_timer_add(struct eg_host *host, uint64_t delay_usec, eg_timer_fn fn,
                                    void *userdata, eg_source_id *ret_source) {
        return eg_host_api_get(host)->timer_add(host, delay_usec, fn, userdata, ret_source);
}

static inline int eg_host_io_add(struct eg_host *host, int fd, uint32_t epoll_events, eg_io_fn fn,
                                 void *userdata, eg_source_id *ret_source) {
        return eg_host_api_get(host)->io_add(host, fd, epoll_events, fn, userdata, ret_source);
}

static inline void eg_host_source_remove(struct eg_host *host, eg_source_id source) {
        eg_host_api_get(host)->source_remove(host, source);
}

/* Helpers to fill a descriptor at compile time. */
#define EG_MATCH_CONFIG_ENTRY                                                                      \
        { .kind = EG_MATCH_CONFIG }
#define EG_MATCH_UDEV_ENTRY(subsys, prop)                                                          \
        { .kind = EG_MATCH_UDEV, .subsystem = subsys, .property = prop }
#define EG_MATCH_USB_ENTRY(vid, pid)                                                               \
        { .kind = EG_MATCH_USB, .usb_vendor = (vid), .usb_product = (pid) }

/*
 * The ABI minor a plugin declares.  It defaults to the headers' minor; a
 * plugin that uses nothing newer may define EG_PLUGIN_ABI_MINOR lower before
 * including this header, so that older daemons load it too.
 */
#ifndef EG_PLUGIN_ABI_MINOR
#define EG_PLUGIN_ABI_MINOR EG_SDK_ABI_MINOR
#endif

/*
 * Define both exported symbols.  Example:
 *
 *   EG_PLUGIN_DEFINE(.name = "acme-door", .version = "1.2.0", .vendor = "ACME",
 *                    .classes = EG_CLASS_BIT(EG_CLASS_DOOR),
 *                    .matches = { EG_MATCH_CONFIG_ENTRY }) = {
 *           .size = sizeof(struct eg_plugin_ops), .init = ..., .shutdown = ...,
 *   };
 */
#define EG_PLUGIN_DEFINE(...)                                                                      \
        __attribute__((visibility("default")))                                                     \
        const struct eg_plugin_descriptor egate_plugin_descriptor = {                              \
                .size = sizeof(struct eg_plugin_descriptor),                                       \
                .abi_major = EG_SDK_ABI_MAJOR,                                                     \
                .abi_minor = EG_PLUGIN_ABI_MINOR,                                                  \
                __VA_ARGS__                                                                        \
        };                                                                                         \
        __attribute__((visibility("default"))) const struct eg_plugin_ops egate_plugin_ops

#ifdef __cplusplus
}
#endif
