/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The manager owns what the daemon serves: plugins, devices, operations and
 * lanes, all on one sd-event loop.  The D-Bus layer and the lane pipeline
 * watch it through listeners.
 */
#pragma once

#include <stdbool.h>
#include <systemd/sd-event.h>
#include <time.h>

#include "config.h"
#include "device.h"
#include "host.h"
#include "lane.h"
#include "operation.h"
#include "post-queue.h"

/* Listeners are the bus, the pipelines and every running chip session (one per lane that
 * reads a chip): their number grows with the lanes. */
#define EG_MANAGER_MAX_LISTENERS 1024
#define EG_SHUTDOWN_DOOR_TIMEOUT_MS 5000

struct eg_discovery;
struct eg_audit;
/* PIPELINE: the lane pipelines and what they ask (registry, background, face, PKI). */
struct eg_registry;
struct eg_background;
struct eg_face_matcher;
struct eg_trust_store;
struct eg_attendance;
struct eg_pki_loader;
struct eg_pipeline;
struct eg_transaction_event;

struct eg_manager_listener {
        void (*device_added)(struct eg_device *d, void *userdata);
        void (*device_removed)(struct eg_device *d, void *userdata);
        void (*device_state_changed)(struct eg_device *d, enum eg_device_state old,
                                     const char *reason, void *userdata);
        void (*device_event)(struct eg_device *d, const struct eg_event *e, void *userdata);
        /* A lane's mode, readiness or devices changed (also when lanes are rebuilt). */
        void (*lane_changed)(struct eg_lane *l, void *userdata);
        void (*lanes_rebuilt)(struct eg_manager *m, void *userdata);
        /* PIPELINE: a lane pipeline's state, transaction or counters changed; a
         * transaction started, finished a step, ended or raised an alarm. */
        void (*pipeline_changed)(struct eg_pipeline *p, void *userdata);
        void (*transaction_event)(struct eg_pipeline *p, const struct eg_transaction_event *e,
                                  void *userdata);
        /* PIPELINE: the PKI lists were loaded or their freshness changed (pki.c). */
        void (*pki_changed)(struct eg_manager *m, void *userdata);
        void *userdata;
};

struct eg_manager_options {
        char **plugin_dirs; /* from the command line; NULL: config, then built-in */
        const char *mock_scenario; /* --mock FILE */
        const char *state_directory; /* --state-directory; NULL: $STATE_DIRECTORY, config */
        /* PIPELINE: mock mode's registry import and test backends, linked into egated only
         * (it needs the mock scenario parser).  Called by eg_manager_start() when m->mock. */
        int (*mock_setup)(struct eg_manager *m);
        /* REGISTRY: opens the member registry the config names ([registry]), by default
         * SQLite in the state directory (egated passes its opener, linked into egated
         * only); NULL: no registry. */
        int (*registry_open)(sd_event *e, const struct eg_config *c, const char *state_directory,
                             struct eg_registry **ret);
};

struct eg_manager {
        sd_event *event;
        pthread_t loop_thread;
        struct eg_config *config; /* owned */
        char **plugin_dirs;
        bool mock;
        char *mock_scenario;
        char *state_directory; /* registry, audit trail, keys: 0700 */

        struct eg_plugin *plugins;
        struct eg_device *devices;
        void *device_index; /* tsearch(3) trees of the same devices: by id */
        void *device_handles; /* and by handle */
        eg_device_id next_device_handle;
        struct eg_operation *operations; /* in flight */
        struct eg_operation *finished; /* outcome ready, callback pending */
        sd_event_source *deliver_source;
        eg_op_id next_op_id;
        struct eg_post_queue posts;
        struct eg_lane *lanes;
        void *lane_roles; /* tsearch(3) tree: device id -> lane and role (lane.c) */
        struct eg_discovery *discovery; /* udev devices for probe(); NULL when off */
        /* AUDIT: the audit trail in state_directory, opened by eg_manager_start(); NULL when it
         * could not be opened (logged): no transaction can be recorded then. */
        struct eg_audit *audit;
        sd_event_source *audit_reopen; /* AUDIT: trying again to open a trail that would not */
        /* PIPELINE: the member registry (SQLite in state_directory), the background check
         * backend ("none", or "scenario" in mock mode), the face comparator ([face] external,
         * else the mock one in mock mode, else none), the PA trust store (pki.c; NULL: PA undetermined) and one
         * pipeline per lane.  NULL where not available; the pipeline refers travellers then. */
        struct eg_registry *registry;
        struct eg_background *background;
        struct eg_face_matcher *face_matcher;
        struct eg_trust_store *trust;
        /* PIPELINE: the PKI lists' freshness (pki.c): why lanes are out of service because a
         * CRL is stale (NULL: fresh, or stale-crl = warn), and the wake-up at the next due. */
        char *pki_stale;
        int pki_state; /* enum eg_pki_state, as last judged */
        struct eg_pki_loader *pki_loader; /* a reload reading the lists; NULL when none */
        bool pki_reload_again; /* another reload came meanwhile */
        time_t pki_crl_due;
        sd_event_source *pki_timer;
        struct eg_pipeline *pipelines;
        struct eg_attendance *attendances; /* operators attending lanes (attendance.c) */
        int (*mock_setup)(struct eg_manager *m);
        bool mock_importing; /* the mock scenario's members are not in the registry yet */
        int (*registry_open)(sd_event *e, const struct eg_config *c, const char *state_directory,
                             struct eg_registry **ret); /* REGISTRY: from the options */

        struct eg_manager_listener *listeners; /* grows as needed, EG_MANAGER_MAX_LISTENERS */
        size_t n_listeners, n_listeners_allocated;

        bool started; /* plugins started: lanes judge readiness from here on */
        bool stopping;
        unsigned n_shutdown_pending;
        void (*shutdown_done)(struct eg_manager *m, void *userdata);
        void *shutdown_userdata;
        sd_event_source *shutdown_timer;
};

int eg_manager_new(sd_event *e, struct eg_config *config, const struct eg_manager_options *o,
                   struct eg_manager **ret);
struct eg_manager *eg_manager_free(struct eg_manager *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct eg_manager *, eg_manager_free)

/* Load and start plugins, declare configured devices, build lanes.  Only a
 * setup error that leaves nothing to serve is returned; refused plugins and
 * missing devices are logged and shown, and the daemon serves the rest. */
int eg_manager_start(struct eg_manager *m);

/* Apply a new, already validated config (SIGHUP).  Takes ownership. */
int eg_manager_reload(struct eg_manager *m, struct eg_config *config);

/* Doors to their safe state (bounded by EG_SHUTDOWN_DOOR_TIMEOUT_MS), then
 * stop plugins; `done` runs from the loop when finished. */
void eg_manager_shutdown(struct eg_manager *m, void (*done)(struct eg_manager *, void *),
                         void *userdata);

int eg_manager_add_listener(struct eg_manager *m, const struct eg_manager_listener *l);
void eg_manager_remove_listener(struct eg_manager *m, void *userdata);

/* For listeners and device.c. */
void eg_manager_notify_added(struct eg_manager *m, struct eg_device *d);
void eg_manager_notify_removed(struct eg_manager *m, struct eg_device *d);
void eg_manager_notify_state(struct eg_manager *m, struct eg_device *d, enum eg_device_state old,
                             const char *reason);
void eg_manager_notify_event(struct eg_manager *m, struct eg_device *d, const struct eg_event *e);

void eg_manager_notify_lane(struct eg_manager *m, struct eg_lane *l);
void eg_manager_notify_lanes_rebuilt(struct eg_manager *m);
void eg_manager_notify_pki(struct eg_manager *m);

uint32_t eg_manager_default_timeout_ms(const struct eg_manager *m);
