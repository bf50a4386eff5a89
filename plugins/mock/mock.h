/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The mock plugin's runtime objects: the plugin, its lanes (each with a
 * world), its devices and their in-flight operations.  This is the SDK glue;
 * the pure parts (scenario, world, faults, chip-passports) have their own
 * headers.  Everything here runs on the host's main thread except
 * worker.c.
 */
#pragma once

#include <egate/plugin.h>
#include <stdbool.h>
#include <stdint.h>

#include "faults.h"
#include "latency.h"
#include "mock-macro.h"
#include "names.h"
#include "scenario.h"
#include "world.h"

struct mock_control;
struct mock_worker;
struct mock_device;
struct mock_chips;
struct eg_test_card;

/* One-shot host timer whose id we keep so it can be withdrawn. */
struct mock_timer {
        bool armed;
        eg_source_id source;
};

struct mock_lane {
        struct mock_plugin *plugin;
        char *name;
        const struct mock_lane_config *config; /* NULL: the own lane of a declared device */
        struct mock_world *world;
        struct mock_device *roles[MOCK_ROLE_MAX];
        struct mock_device *solo; /* the declared device of an own lane */
        struct mock_timer timer;
        const struct mock_traveller **queue;
        bool emergency;
};

enum mock_op_state {
        MOCK_OP_DELAYING = 0, /* its timer runs; then the class's finish() */
        MOCK_OP_WAITING, /* for something in the world (a finger) */
        MOCK_OP_HANGING, /* never completes (fault, "timeout" behaviour) */
};

struct mock_op {
        struct mock_op *next;
        struct mock_device *device;
        eg_op_id id;
        enum eg_op_kind kind;
        enum mock_op_state state;
        struct mock_timer timer;
        struct mock_timer deadline; /* MOCK_OP_WAITING only */
        uint32_t extra_delay_ms; /* injected "delay" fault */
        bool injected_error;
        bool active; /* begun by its class, which has not released it yet */
        unsigned stage; /* multi-step operations (doors) */

        /* Copies of what the daemon passed (its buffers die after start()). */
        uint8_t *data;
        size_t data_len;
        char *format;
        char *zone;
        char language[36];
        int32_t finger;
        uint32_t timeout_ms;
        enum eg_page_light light;
        enum eg_indicator_colour colour;
        enum eg_indicator_pattern pattern;
        bool buzzer;
        uint32_t message_id;
};

struct mock_door_state {
        enum eg_door_position position;
        enum eg_door_lock lock;
        struct mock_op *motion; /* the op moving the door, if any */
        bool one_command_at_a_time; /* the lane's door_commands */
};

struct mock_chip_state {
        bool connected;
        bool lost; /* it went away while connected: -ENODEV until CONNECT */
        bool removed_mid_read; /* gone until the passport is put down again */
        unsigned reads; /* READ BINARY commands since the chip appeared */
        struct eg_test_card *card; /* the chip answering, from CONNECT to DISCONNECT */
        uint8_t *response; /* its R-APDU buffer (64 KiB), kept for the next one */
};

struct mock_indicator_state {
        bool set;
        enum eg_indicator_colour colour;
        enum eg_indicator_pattern pattern;
        bool buzzer;
        uint32_t message_id;
        char language[36];
};

struct mock_device {
        struct mock_plugin *plugin;
        struct mock_lane *lane;
        char *key;
        enum eg_device_class device_class;
        const struct mock_class *cls;
        enum mock_role role;
        uint32_t supported_ops; /* EG_OP_BIT()s declared to the daemon; start() refuses others */
        enum eg_door_fail_mode fail_mode;
        char *zone; /* presence sensor: PRESENCE_READ without a zone */
        int64_t latency_ms; /* >= 0: fixed latency of every op (declared "latency-ms") */

        bool attached; /* known to the daemon */
        eg_device_id id;
        bool crashed;
        struct mock_timer removal;
        struct mock_op *ops;
        unsigned op_counter;
        uint64_t started[EG_OP_MAX_]; /* operations started, per kind (control "ops") */
        struct mock_fault_list faults;

        struct mock_door_state door;
        struct mock_chip_state chip;
        struct mock_indicator_state indicator;
};

struct mock_plugin {
        struct eg_host *host;
        struct mock_scenario *scenario;
        struct mock_latency latency;
        struct mock_lane **lanes;
        size_t n_lanes;
        struct mock_device **devices;
        size_t n_devices;
        struct mock_control *control;
        struct mock_worker *worker;
        struct mock_chips *chips; /* the mock PKI and the travellers' chips (chip-passports.h) */
        /* The card emulator's share of egated's CPU (control command "stats"): thread CPU time
         * spent answering APDUs, and how many it answered, over all chip readers.  On a real
         * gate that work (BAC/PACE, secure messaging, Chip and Active Authentication) runs on
         * the passport's chip, so benchmarks subtract it.  Only the main thread touches them. */
        uint64_t card_cpu_ns;
        uint64_t card_apdus;
        unsigned camera_width, camera_height; /* [plugin.mock] camera-frame=WxH; 0: built-in */
};

#define mock_log(p, level, ...) eg_host_log((p)->host, (level), __VA_ARGS__)

/* clock.c: milliseconds on CLOCK_MONOTONIC.  Tests driving a fake host with
 * virtual time replace it. */
uint64_t mock_now_ms(void);
void mock_clock_override(uint64_t (*now_ms)(void));

/* timer.c */
int mock_timer_start(struct mock_plugin *p, struct mock_timer *t, uint64_t delay_ms, eg_timer_fn fn,
                     void *userdata);
void mock_timer_stop(struct mock_plugin *p, struct mock_timer *t);
/* Call first thing in a timer callback: the host forgets fired timers. */
static inline void mock_timer_fired(struct mock_timer *t) {
        t->armed = false;
}

/* lane.c */
int mock_lane_new(struct mock_plugin *p, const char *name, const struct mock_lane_config *config,
                  char *const *zones, struct mock_lane **ret);
struct mock_lane *mock_lane_free(struct mock_lane *l);
int mock_lane_start_queue(struct mock_lane *l, const struct mock_queue *q);
struct mock_lane *mock_plugin_find_lane(struct mock_plugin *p, const char *name);

/* device.c */
int mock_device_new(struct mock_plugin *p, struct mock_lane *lane, const char *key,
                    enum eg_device_class device_class, enum mock_role role,
                    struct mock_device **ret);
struct mock_device *mock_device_free(struct mock_device *d);
int mock_device_attach(struct mock_device *d); /* eg_host_device_add() */
int mock_device_detach(struct mock_device *d); /* eg_host_device_remove() */
void mock_device_crash(struct mock_device *d);
struct mock_device *mock_plugin_find_device(struct mock_plugin *p, const char *key);
void mock_device_emit(struct mock_device *d, enum eg_event_type type, int64_t value,
                      const char *zone, const char *message);
uint32_t mock_device_latency(struct mock_device *d, unsigned timing);
/* Finish an op: post the result, forget the op.  `result->size` is set here. */
void mock_op_complete(struct mock_op *op, struct eg_op_result *result);
void mock_op_end(struct mock_op *op, int status, const char *message);
/* (Re)arm the op's timer: `finish` of its class runs when it fires. */
int mock_op_delay(struct mock_op *op, uint64_t delay_ms);
void mock_op_forget(struct mock_op *op); /* unlink and free, no completion */

/* The per-class behaviour, dev-*.c. */
struct mock_class {
        /* The op was accepted (faults already applied): set it up, usually
         * with mock_op_delay().  May complete it right away. */
        void (*begin)(struct mock_device *d, struct mock_op *op);
        /* Its delay is over. */
        void (*finish)(struct mock_device *d, struct mock_op *op);
        /* The op leaves the device, whichever way: completed, cancelled,
         * dropped with the device, or hung by a crash.  Called once. */
        void (*release)(struct mock_device *d, struct mock_op *op);
        /* Added to the daemon (first time or replug): report the state. */
        void (*attached)(struct mock_device *d);
};

extern const struct mock_class mock_document_reader_class;
extern const struct mock_class mock_chip_reader_class;
extern const struct mock_class mock_fingerprint_class;
extern const struct mock_class mock_camera_class;
extern const struct mock_class mock_door_class;
extern const struct mock_class mock_presence_class;
extern const struct mock_class mock_indicator_class;

/* dev-chip.c: the mock PKI at init (csca-output=), the chip state of a freed device. */
int mock_chip_readers_init(struct mock_plugin *p);
void mock_chip_reader_done(struct mock_device *d);

/* World events the lane glue forwards to devices. */
void mock_chip_reader_chip_changed(struct mock_device *d, bool present);
void mock_fingerprint_finger_changed(struct mock_device *d, bool present);
void mock_door_set_position(struct mock_device *d, enum eg_door_position position, bool forced);
void mock_door_emergency(struct mock_device *d, bool active);

/* control.c / control-commands.c */
int mock_control_new(struct mock_plugin *p, const char *path, struct mock_control **ret);
struct mock_control *mock_control_free(struct mock_control *c);
const char *mock_control_path(const struct mock_control *c);
unsigned mock_control_n_clients(const struct mock_control *c);
/* Run one command line; the reply ("OK ..." / "ERR ...", no newline) goes
 * into `reply`. */
void mock_control_execute(struct mock_plugin *p, const char *line, char *reply, size_t size);
