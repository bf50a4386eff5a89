/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Glue between a lane's world and its devices: the world's effects become
 * device events, its wake-up requests host timers. */
#include "mock.h"

static struct mock_device *lane_device(struct mock_lane *l, enum mock_role role) {
        if (l->roles[role])
                return l->roles[role];
        /* A declared device has a lane of its own and takes every role of its
         * class there, except a door's: it has no side. */
        if (l->solo && l->solo->device_class == mock_role_class(role) &&
            role != MOCK_ROLE_ENTRY_DOOR && role != MOCK_ROLE_EXIT_DOOR)
                return l->solo;
        return NULL;
}

static uint64_t fx_now(void *userdata) {
        return mock_now_ms();
}

static void lane_timer_fired(void *userdata) {
        struct mock_lane *l = userdata;

        mock_timer_fired(&l->timer);
        mock_world_run(l->world);
}

static void fx_schedule(void *userdata, uint64_t due_ms) {
        struct mock_lane *l = userdata;
        uint64_t now = mock_now_ms();
        int r;

        if (due_ms == UINT64_MAX) {
                mock_timer_stop(l->plugin, &l->timer);
                return;
        }
        r = mock_timer_start(l->plugin, &l->timer, due_ms > now ? due_ms - now : 0,
                             lane_timer_fired, l);
        if (r < 0)
                mock_log(l->plugin, EG_LOG_ERROR,
                         "lane %s: cannot add a timer, the world stops: %s", l->name, strerror(-r));
}

static void fx_document(void *userdata, const struct mock_traveller *t) {
        struct mock_device *d = lane_device(userdata, MOCK_ROLE_DOCUMENT_READER);

        if (d)
                mock_device_emit(d, t ? EG_EVENT_DOCUMENT_PRESENT : EG_EVENT_DOCUMENT_REMOVED, 0,
                                 NULL, NULL);
}

static void fx_chip(void *userdata, bool present) {
        struct mock_device *d = lane_device(userdata, MOCK_ROLE_CHIP_READER);

        if (d)
                mock_chip_reader_chip_changed(d, present);
}

static void fx_finger(void *userdata, const struct mock_traveller *t) {
        struct mock_device *d = lane_device(userdata, MOCK_ROLE_FINGERPRINT_SCANNER);

        if (d)
                mock_fingerprint_finger_changed(d, t != NULL);
}

static void fx_occupancy(void *userdata, const char *zone, unsigned count) {
        struct mock_device *d = lane_device(userdata, MOCK_ROLE_PRESENCE_SENSOR);

        if (d)
                mock_device_emit(d, EG_EVENT_OCCUPANCY, count, zone, NULL);
}

static void fx_door_forced(void *userdata, enum mock_door_side side) {
        struct mock_device *d = lane_device(
                userdata, side == MOCK_DOOR_ENTRY ? MOCK_ROLE_ENTRY_DOOR : MOCK_ROLE_EXIT_DOOR);

        if (d)
                mock_door_set_position(d, EG_DOOR_POSITION_OPEN, true);
}

static void fx_narrate(void *userdata, const char *text) {
        struct mock_lane *l = userdata;

        mock_log(l->plugin, EG_LOG_INFO, "%s", text);
}

static const struct mock_world_effects lane_effects = {
        .now_ms = fx_now,
        .schedule = fx_schedule,
        .document = fx_document,
        .chip = fx_chip,
        .finger = fx_finger,
        .occupancy = fx_occupancy,
        .door_forced = fx_door_forced,
        .narrate = fx_narrate,
};

int mock_lane_new(struct mock_plugin *p, const char *name, const struct mock_lane_config *config,
                  char *const *zones, struct mock_lane **ret) {
        struct mock_lane **lanes;
        struct mock_lane *l;
        struct mock_world_params params = {
                .name = name,
                .zones = zones,
                .walk_ms = mock_latency_ms(&p->latency, MOCK_TIMING_WALK),
                .finger_place_ms = mock_latency_ms(&p->latency, MOCK_TIMING_FINGER_PLACE),
                .zero_think = p->latency.profile == MOCK_LATENCY_ZERO,
        };

        if (mock_plugin_find_lane(p, name))
                return -EEXIST;

        l = calloc(1, sizeof(*l));
        if (!l)
                return -ENOMEM;
        l->plugin = p;
        l->config = config;
        l->name = strdup(name);
        l->world = mock_world_new(&params, &lane_effects, l);
        lanes = realloc(p->lanes, (p->n_lanes + 1) * sizeof(*lanes));
        if (!l->name || !l->world || !lanes) {
                if (lanes)
                        p->lanes = lanes;
                mock_lane_free(l);
                return -ENOMEM;
        }
        p->lanes = lanes;
        p->lanes[p->n_lanes++] = l;
        *ret = l;
        return 0;
}

struct mock_lane *mock_lane_free(struct mock_lane *l) {
        if (!l)
                return NULL;
        mock_timer_stop(l->plugin, &l->timer);
        mock_world_free(l->world);
        free(l->queue);
        free(l->name);
        free(l);
        return NULL;
}

int mock_lane_start_queue(struct mock_lane *l, const struct mock_queue *q) {
        const struct mock_scenario *s = l->plugin->scenario;

        free(l->queue);
        l->queue = calloc(q->n_travellers + 1, sizeof(*l->queue));
        if (!l->queue)
                return -ENOMEM;
        for (size_t i = 0; i < q->n_travellers; i++)
                l->queue[i] = &s->travellers[q->travellers[i]];
        mock_world_set_queue(l->world, l->queue, q->n_travellers, q->start_ms, q->interval_ms);
        return 0;
}

struct mock_lane *mock_plugin_find_lane(struct mock_plugin *p, const char *name) {
        for (size_t i = 0; name && i < p->n_lanes; i++)
                if (streq(p->lanes[i]->name, name))
                        return p->lanes[i];
        return NULL;
}
