/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The world of one lane: travellers arriving, putting their passport on the
 * reader, walking into the mantrap when the entry door opens, putting a
 * finger on the scanner when it asks, leaving when the exit door opens, and
 * the people counts of the zones they pass.
 *
 * Pure logic: it never calls the SDK.  What it does to the devices it says
 * through `struct mock_world_effects` (document placed, finger lifted,
 * occupancy changed, ...), and time only reaches it through effects->now_ms()
 * and the single wake-up it asks for with effects->schedule(); the glue in
 * lane.c turns these into host timers and device events, the tests into a
 * log they can compare.  Every entry point may emit effects synchronously.
 */
#pragma once

#include <egate/device.h>
#include <stdbool.h>
#include <stdint.h>

#include "scenario.h"

enum mock_door_side {
        MOCK_DOOR_ENTRY = 0,
        MOCK_DOOR_EXIT = 1,
};

enum mock_world_phase {
        MOCK_PHASE_IDLE = 0, /* nobody walking the lane */
        MOCK_PHASE_APPROACHING, /* arrived, getting the passport out */
        MOCK_PHASE_AT_READER, /* passport on the reader, waiting for the entry door */
        MOCK_PHASE_ENTERING, /* walking into the mantrap */
        MOCK_PHASE_IN_MANTRAP,
        MOCK_PHASE_LEAVING, /* out through the exit, back through the entry, or away */
        MOCK_PHASE_MAX,
};

struct mock_world_effects {
        uint64_t (*now_ms)(void *userdata);
        /* Call mock_world_run() at due_ms (absolute, now_ms() clock);
         * UINT64_MAX: nothing pending.  Replaces any earlier request. */
        void (*schedule)(void *userdata, uint64_t due_ms);
        void (*document)(void *userdata, const struct mock_traveller *t); /* NULL: removed */
        void (*chip)(void *userdata, bool present);
        void (*finger)(void *userdata, const struct mock_traveller *t); /* NULL: lifted */
        void (*occupancy)(void *userdata, const char *zone, unsigned count);
        void (*door_forced)(void *userdata, enum mock_door_side side);
        /* What happens, for the demo: ids and labels only, never personal data. */
        void (*narrate)(void *userdata, const char *text);
};

struct mock_world_params {
        const char *name; /* the lane */
        char *const *zones; /* zone names as the sensor reports them; NULL: the standard three */
        uint32_t walk_ms; /* one step between zones ("slow" walkers take four times as long) */
        uint32_t finger_place_ms;
        bool zero_think; /* the zero latency profile: nobody hesitates */
};

struct mock_world;

struct mock_world *mock_world_new(const struct mock_world_params *params,
                                  const struct mock_world_effects *effects, void *userdata);
struct mock_world *mock_world_free(struct mock_world *w);

/* Travellers arrive one after another: the first after start_ms, each next
 * one interval_ms after the lane is clear again.  `travellers` must outlive
 * the world (the scenario's). */
void mock_world_set_queue(struct mock_world *w, const struct mock_traveller *const *travellers,
                          size_t n, uint32_t start_ms, uint32_t interval_ms);

/* The wake-up requested with effects->schedule() is due. */
void mock_world_run(struct mock_world *w);

/* Live control.  -EBUSY: someone/something is already there; -ENOMSG:
 * nothing to remove; -ENOENT: unknown zone; -ERANGE: count out of range. */
int mock_world_arrive(struct mock_world *w, const struct mock_traveller *t);
int mock_world_present_document(struct mock_world *w, const struct mock_traveller *t);
int mock_world_remove_document(struct mock_world *w);
int mock_world_place_finger(struct mock_world *w, const struct mock_traveller *t);
int mock_world_lift_finger(struct mock_world *w);
int mock_world_enter(struct mock_world *w, const char *zone, unsigned n);
int mock_world_leave(struct mock_world *w, const char *zone, unsigned n);

/* What the devices tell the world. */
void mock_world_door(struct mock_world *w, enum mock_door_side side, bool open);
void mock_world_finger_wanted(struct mock_world *w); /* a scan started */
void mock_world_finger_done(struct mock_world *w); /* a scan ended */
void mock_world_indicator(struct mock_world *w, enum eg_indicator_colour colour);

/* Biometric outcomes, one per attempt; the last entry of the list repeats.
 * `consume` moves on to the next attempt. */
enum mock_finger_outcome mock_world_finger_outcome(struct mock_world *w, bool consume);
enum mock_face_outcome mock_world_face_outcome(struct mock_world *w, bool consume);

enum mock_world_phase mock_world_phase(const struct mock_world *w);
const char *mock_world_phase_to_string(enum mock_world_phase p);
const struct mock_traveller *mock_world_traveller(const struct mock_world *w);
const struct mock_traveller *mock_world_document(const struct mock_world *w);
bool mock_world_chip_present(const struct mock_world *w);
const struct mock_traveller *mock_world_finger(const struct mock_world *w);
/* The traveller standing in the mantrap, NULL if none (or not known who). */
const struct mock_traveller *mock_world_in_mantrap(const struct mock_world *w);
/* People in the mantrap, whether or not the sensor reports that zone. */
unsigned mock_world_people_in_mantrap(const struct mock_world *w);
/* -ENOENT for an unknown zone. */
int mock_world_zone_count(const struct mock_world *w, const char *zone);
size_t mock_world_n_zones(const struct mock_world *w);
const char *mock_world_zone_name(const struct mock_world *w, size_t i);
size_t mock_world_queue_left(const struct mock_world *w);
