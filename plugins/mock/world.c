/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "world.h"

#include <stdarg.h>
#include <stdio.h>

#include "mock-macro.h"

enum step {
        STEP_ARRIVE_NEXT, /* the next traveller of the queue */
        STEP_PLACE_DOCUMENT, /* done thinking: passport onto the reader */
        STEP_GIVE_UP, /* waited too long or saw red: passport back, walk away */
        STEP_WALK_IN, /* approach -> mantrap, passport taken along */
        STEP_TAILGATER_APPROACH, /* a stranger hurries up behind ... */
        STEP_TAILGATER_IN, /* ... and slips into the mantrap */
        STEP_TURN_BACK, /* entry door open, but they take the passport and go */
        STEP_FORCE_EXIT, /* pushes the exit door open */
        STEP_INTRUDER_IN, /* exit -> mantrap: a stranger through the open exit door */
        STEP_STEP_OUT, /* mantrap -> exit */
        STEP_LEAVE_EXIT, /* exit -> gone */
        STEP_STEP_BACK, /* mantrap -> approach (sent back) */
        STEP_LEAVE_APPROACH, /* approach -> gone */
        STEP_PLACE_FINGER,
        STEP_LIFT_FINGER,
};

enum zone_role {
        ZONE_APPROACH = 0,
        ZONE_MANTRAP,
        ZONE_EXIT,
        ZONE_ROLE_MAX,
};

static const char *const standard_zones[ZONE_ROLE_MAX] = { "approach", "mantrap", "exit" };

#define AGENDA_MAX 16
#define ZONES_MAX (MOCK_MAX_ZONES + ZONE_ROLE_MAX)
#define ZONE_COUNT_MAX 99

struct zone {
        char name[MOCK_NAME_MAX + 1];
        unsigned count;
        bool visible; /* reported by the presence sensor */
};

struct agenda_entry {
        bool used;
        enum step step;
        uint64_t due;
        uint64_t seq; /* FIFO among equal due times */
};

struct mock_world {
        char name[MOCK_NAME_MAX + 1];
        struct zone zones[ZONES_MAX];
        size_t n_zones;
        size_t role_zone[ZONE_ROLE_MAX];
        uint32_t walk_ms;
        uint32_t finger_place_ms;
        bool zero_think;

        const struct mock_world_effects *fx;
        void *userdata;

        enum mock_world_phase phase;
        const struct mock_traveller *traveller;
        int traveller_zone; /* enum zone_role, -1: not in the lane */
        unsigned group; /* people moving together with the traveller */

        const struct mock_traveller *document;
        bool chip;
        const struct mock_traveller *finger;
        bool finger_auto; /* placed by a walking traveller: lifted when the scan ends */
        unsigned finger_requests;

        const struct mock_traveller *attempts_of;
        unsigned finger_attempts;
        unsigned face_attempts;

        const struct mock_traveller *const *queue;
        size_t queue_len;
        size_t queue_next;
        uint32_t queue_interval_ms;

        struct agenda_entry agenda[AGENDA_MAX];
        uint64_t seq;
        bool running;
};

static const char *const phase_names[MOCK_PHASE_MAX] = {
        [MOCK_PHASE_IDLE] = "idle",
        [MOCK_PHASE_APPROACHING] = "approaching",
        [MOCK_PHASE_AT_READER] = "at-reader",
        [MOCK_PHASE_ENTERING] = "entering",
        [MOCK_PHASE_IN_MANTRAP] = "in-mantrap",
        [MOCK_PHASE_LEAVING] = "leaving",
};

const char *mock_world_phase_to_string(enum mock_world_phase p) {
        if (p < 0 || p >= MOCK_PHASE_MAX)
                return NULL;
        return phase_names[p];
}

static uint64_t now(struct mock_world *w) {
        return w->fx->now_ms(w->userdata);
}

_printf_(2, 3) static void narrate(struct mock_world *w, const char *fmt, ...) {
        char text[256];
        int n;
        va_list ap;

        if (!w->fx->narrate)
                return;
        n = snprintf(text, sizeof(text), "%s: ", w->name);
        va_start(ap, fmt);
        (void) vsnprintf(text + n, sizeof(text) - (size_t) n, fmt, ap);
        va_end(ap);
        w->fx->narrate(w->userdata, text);
}

/* "t01-accepted (accepted member)" */
static const char *who(const struct mock_traveller *t, char *buf, size_t size) {
        if (!t)
                return "someone";
        if (streq(t->id, t->label))
                return t->id;
        (void) snprintf(buf, size, "%s (%s)", t->id, t->label);
        return buf;
}

static void reschedule(struct mock_world *w) {
        uint64_t due = UINT64_MAX;

        if (w->running) /* mock_world_run() does it when it is done */
                return;
        for (size_t i = 0; i < AGENDA_MAX; i++)
                if (w->agenda[i].used && w->agenda[i].due < due)
                        due = w->agenda[i].due;
        w->fx->schedule(w->userdata, due);
}

static bool agenda_has(const struct mock_world *w, enum step step) {
        for (size_t i = 0; i < AGENDA_MAX; i++)
                if (w->agenda[i].used && w->agenda[i].step == step)
                        return true;
        return false;
}

static void agenda_cancel(struct mock_world *w, enum step step) {
        for (size_t i = 0; i < AGENDA_MAX; i++)
                if (w->agenda[i].used && w->agenda[i].step == step)
                        w->agenda[i].used = false;
}

static void agenda_add(struct mock_world *w, enum step step, uint64_t delay_ms) {
        for (size_t i = 0; i < AGENDA_MAX; i++)
                if (!w->agenda[i].used) {
                        w->agenda[i] = (struct agenda_entry){
                                .used = true,
                                .step = step,
                                .due = now(w) + delay_ms,
                                .seq = w->seq++,
                        };
                        reschedule(w);
                        return;
                }
        /* Cannot happen: a lane has a handful of things pending at most. */
        narrate(w, "world agenda full, step %d dropped", (int) step);
}

static uint32_t walk_time(const struct mock_world *w) {
        if (w->traveller && w->traveller->walk == MOCK_WALK_SLOW)
                return w->walk_ms * 4;
        return w->walk_ms;
}

static uint32_t think_time(const struct mock_world *w) {
        return w->zero_think || !w->traveller ? 0 : w->traveller->think_ms;
}

static void zone_add(struct mock_world *w, size_t z, int delta) {
        int count = (int) w->zones[z].count + delta;

        if (count < 0)
                count = 0;
        if (count > ZONE_COUNT_MAX)
                count = ZONE_COUNT_MAX;
        if ((unsigned) count == w->zones[z].count)
                return;
        w->zones[z].count = (unsigned) count;
        if (w->zones[z].visible)
                w->fx->occupancy(w->userdata, w->zones[z].name, w->zones[z].count);
}

static void role_zone_add(struct mock_world *w, enum zone_role role, int delta) {
        zone_add(w, w->role_zone[role], delta);
}

static unsigned role_zone_count(const struct mock_world *w, enum zone_role role) {
        return w->zones[w->role_zone[role]].count;
}

static void put_document(struct mock_world *w, const struct mock_traveller *t) {
        w->document = t;
        w->fx->document(w->userdata, t);
        if (t->chip.present) {
                w->chip = true;
                w->fx->chip(w->userdata, true);
        }
}

static void take_document(struct mock_world *w) {
        bool chip = w->chip;

        w->document = NULL;
        w->chip = false;
        w->fx->document(w->userdata, NULL);
        if (chip)
                w->fx->chip(w->userdata, false);
}

static void take_own_document(struct mock_world *w) {
        if (w->document && w->document == w->traveller)
                take_document(w);
}

static void put_finger(struct mock_world *w, const struct mock_traveller *t, bool automatic) {
        if (w->attempts_of != t) {
                w->attempts_of = t;
                w->finger_attempts = 0;
                w->face_attempts = 0;
        }
        w->finger = t;
        w->finger_auto = automatic;
        w->fx->finger(w->userdata, t);
}

static void lift_finger(struct mock_world *w) {
        agenda_cancel(w, STEP_LIFT_FINGER);
        if (!w->finger)
                return;
        w->finger = NULL;
        w->finger_auto = false;
        w->fx->finger(w->userdata, NULL);
}

static bool lane_clear(const struct mock_world *w) {
        return role_zone_count(w, ZONE_APPROACH) == 0 && role_zone_count(w, ZONE_MANTRAP) == 0 &&
               role_zone_count(w, ZONE_EXIT) == 0 && !w->document;
}

static void check_clear(struct mock_world *w) {
        if (w->phase != MOCK_PHASE_IDLE || w->queue_next >= w->queue_len || !lane_clear(w) ||
            agenda_has(w, STEP_ARRIVE_NEXT))
                return;
        agenda_add(w, STEP_ARRIVE_NEXT, w->queue_interval_ms);
}

static void finish_traveller(struct mock_world *w) {
        char buf[128];

        narrate(w, "%s has left the lane", who(w->traveller, buf, sizeof(buf)));
        if (w->finger && w->finger == w->traveller && w->finger_auto)
                lift_finger(w);
        /* Whatever they were about to do, they are gone now. */
        for (size_t i = 0; i < AGENDA_MAX; i++)
                if (w->agenda[i].used && w->agenda[i].step != STEP_ARRIVE_NEXT &&
                    w->agenda[i].step != STEP_LIFT_FINGER)
                        w->agenda[i].used = false;
        w->traveller = NULL;
        w->traveller_zone = -1;
        w->group = 0;
        w->phase = MOCK_PHASE_IDLE;
        check_clear(w);
}

static void start(struct mock_world *w, const struct mock_traveller *t) {
        char buf[128];

        w->traveller = t;
        w->traveller_zone = ZONE_APPROACH;
        w->group = t->walk == MOCK_WALK_TWO_PEOPLE ? 2 : 1;
        w->phase = MOCK_PHASE_APPROACHING;
        w->attempts_of = t;
        w->finger_attempts = 0;
        w->face_attempts = 0;
        narrate(w, "%s arrives%s", who(t, buf, sizeof(buf)),
                w->group > 1 ? " together with a companion" : "");
        role_zone_add(w, ZONE_APPROACH, (int) w->group);
        agenda_add(w, STEP_PLACE_DOCUMENT, think_time(w));
}

static void run_step(struct mock_world *w, enum step step) {
        const struct mock_traveller *t = w->traveller;
        char buf[128];

        switch (step) {
        case STEP_ARRIVE_NEXT:
                if (w->queue_next >= w->queue_len)
                        return;
                if (w->phase != MOCK_PHASE_IDLE || !lane_clear(w))
                        return; /* check_clear() tries again when it is */
                start(w, w->queue[w->queue_next++]);
                return;

        case STEP_PLACE_DOCUMENT:
                if (w->phase != MOCK_PHASE_APPROACHING)
                        return;
                if (w->document) {
                        /* Somebody else's passport is on the reader: wait a little. */
                        agenda_add(w, STEP_PLACE_DOCUMENT, 1000);
                        return;
                }
                narrate(w, "%s puts the passport on the reader", who(t, buf, sizeof(buf)));
                w->phase = MOCK_PHASE_AT_READER;
                put_document(w, t);
                agenda_add(w, STEP_GIVE_UP, t->patience_ms);
                return;

        case STEP_GIVE_UP:
                if (w->phase != MOCK_PHASE_AT_READER && w->phase != MOCK_PHASE_APPROACHING)
                        return;
                narrate(w, "%s gives up, takes the passport and walks away",
                        who(t, buf, sizeof(buf)));
                take_own_document(w);
                role_zone_add(w, ZONE_APPROACH, -(int) w->group);
                finish_traveller(w);
                return;

        case STEP_TURN_BACK:
                narrate(w, "%s turns back at the open entry door and takes the passport",
                        who(t, buf, sizeof(buf)));
                take_own_document(w);
                role_zone_add(w, ZONE_APPROACH, -(int) w->group);
                finish_traveller(w);
                return;

        case STEP_WALK_IN:
                if (w->phase != MOCK_PHASE_ENTERING)
                        return;
                narrate(w, "%s takes the passport and walks into the mantrap%s",
                        who(t, buf, sizeof(buf)), w->group > 1 ? " with the companion" : "");
                take_own_document(w);
                role_zone_add(w, ZONE_APPROACH, -(int) w->group);
                role_zone_add(w, ZONE_MANTRAP, (int) w->group);
                w->traveller_zone = ZONE_MANTRAP;
                w->phase = MOCK_PHASE_IN_MANTRAP;
                if (t->walk == MOCK_WALK_TAILGATER)
                        agenda_add(w, STEP_TAILGATER_APPROACH, walk_time(w) / 2);
                if (t->walk == MOCK_WALK_FORCES_EXIT)
                        agenda_add(w, STEP_FORCE_EXIT, think_time(w));
                if (w->finger_requests > 0)
                        agenda_add(w, STEP_PLACE_FINGER, w->finger_place_ms);
                return;

        case STEP_TAILGATER_APPROACH:
                narrate(w, "a second person hurries after %s", who(t, buf, sizeof(buf)));
                role_zone_add(w, ZONE_APPROACH, 1);
                agenda_add(w, STEP_TAILGATER_IN, walk_time(w) / 2);
                return;

        case STEP_TAILGATER_IN:
                narrate(w, "the second person slips into the mantrap behind %s",
                        who(t, buf, sizeof(buf)));
                role_zone_add(w, ZONE_APPROACH, -1);
                role_zone_add(w, ZONE_MANTRAP, 1);
                w->group++;
                return;

        case STEP_FORCE_EXIT:
                if (w->phase != MOCK_PHASE_IN_MANTRAP)
                        return;
                narrate(w, "%s forces the exit door open", who(t, buf, sizeof(buf)));
                w->phase = MOCK_PHASE_LEAVING; /* before the effect: it reports the door open */
                w->fx->door_forced(w->userdata, MOCK_DOOR_EXIT);
                agenda_add(w, STEP_STEP_OUT, walk_time(w));
                return;

        case STEP_INTRUDER_IN:
                narrate(w, "a stranger slips into the mantrap through the open exit door");
                role_zone_add(w, ZONE_MANTRAP, 1);
                w->group++; /* and leaves with them, the way they came */
                return;

        case STEP_STEP_OUT:
                narrate(w, "%s walks out through the exit door", who(t, buf, sizeof(buf)));
                if (w->finger && w->finger == t && w->finger_auto)
                        lift_finger(w);
                role_zone_add(w, ZONE_MANTRAP, -(int) w->group);
                role_zone_add(w, ZONE_EXIT, (int) w->group);
                w->traveller_zone = ZONE_EXIT;
                agenda_add(w, STEP_LEAVE_EXIT, walk_time(w));
                return;

        case STEP_LEAVE_EXIT:
                role_zone_add(w, ZONE_EXIT, -(int) w->group);
                finish_traveller(w);
                return;

        case STEP_STEP_BACK:
                narrate(w, "%s is sent back and leaves through the entry door",
                        who(t, buf, sizeof(buf)));
                if (w->finger && w->finger == t && w->finger_auto)
                        lift_finger(w);
                role_zone_add(w, ZONE_MANTRAP, -(int) w->group);
                role_zone_add(w, ZONE_APPROACH, (int) w->group);
                w->traveller_zone = ZONE_APPROACH;
                agenda_add(w, STEP_LEAVE_APPROACH, walk_time(w));
                return;

        case STEP_LEAVE_APPROACH:
                role_zone_add(w, ZONE_APPROACH, -(int) w->group);
                finish_traveller(w);
                return;

        case STEP_PLACE_FINGER:
                if (w->finger || !t || w->phase != MOCK_PHASE_IN_MANTRAP)
                        return;
                narrate(w, "%s puts a finger on the scanner", who(t, buf, sizeof(buf)));
                put_finger(w, t, true);
                return;

        case STEP_LIFT_FINGER:
                if (!w->finger)
                        return;
                narrate(w, "%s lifts the finger", who(w->finger, buf, sizeof(buf)));
                lift_finger(w);
                return;
        }
}

void mock_world_run(struct mock_world *w) {
        bool outer = !w->running;

        w->running = true;
        for (;;) {
                struct agenda_entry *next = NULL;
                uint64_t t = now(w);

                for (size_t i = 0; i < AGENDA_MAX; i++) {
                        struct agenda_entry *e = &w->agenda[i];

                        if (!e->used || e->due > t)
                                continue;
                        if (!next || e->due < next->due ||
                            (e->due == next->due && e->seq < next->seq))
                                next = e;
                }
                if (!next)
                        break;
                next->used = false;
                run_step(w, next->step);
        }
        if (outer) {
                w->running = false;
                reschedule(w);
        }
}

struct mock_world *mock_world_new(const struct mock_world_params *params,
                                  const struct mock_world_effects *effects, void *userdata) {
        struct mock_world *w;
        char *const *zones = params->zones ? params->zones : (char *const *) standard_zones;
        size_t n = params->zones ? strv_length(params->zones) : ZONE_ROLE_MAX;

        if (n > MOCK_MAX_ZONES)
                return NULL;
        w = calloc(1, sizeof(*w));
        if (!w)
                return NULL;

        (void) snprintf(w->name, sizeof(w->name), "%s", params->name);
        for (size_t i = 0; i < n; i++) {
                (void) snprintf(w->zones[i].name, sizeof(w->zones[i].name), "%s", zones[i]);
                w->zones[i].visible = true;
        }
        w->n_zones = n;
        /* The walking logic needs the three standard zones; a lane whose sensor
         * does not report one still has it, unseen. */
        for (size_t r = 0; r < ZONE_ROLE_MAX; r++) {
                size_t i;

                for (i = 0; i < w->n_zones; i++)
                        if (streq(w->zones[i].name, standard_zones[r]))
                                break;
                if (i == w->n_zones) {
                        (void) snprintf(w->zones[i].name, sizeof(w->zones[i].name), "%s",
                                        standard_zones[r]);
                        w->zones[i].visible = false;
                        w->n_zones++;
                }
                w->role_zone[r] = i;
        }

        w->walk_ms = params->walk_ms;
        w->finger_place_ms = params->finger_place_ms;
        w->zero_think = params->zero_think;
        w->fx = effects;
        w->userdata = userdata;
        w->traveller_zone = -1;
        return w;
}

struct mock_world *mock_world_free(struct mock_world *w) {
        free(w);
        return NULL;
}

void mock_world_set_queue(struct mock_world *w, const struct mock_traveller *const *travellers,
                          size_t n, uint32_t start_ms, uint32_t interval_ms) {
        w->queue = travellers;
        w->queue_len = n;
        w->queue_next = 0;
        w->queue_interval_ms = interval_ms;
        agenda_cancel(w, STEP_ARRIVE_NEXT);
        if (n > 0)
                agenda_add(w, STEP_ARRIVE_NEXT, start_ms);
}

int mock_world_arrive(struct mock_world *w, const struct mock_traveller *t) {
        if (w->phase != MOCK_PHASE_IDLE)
                return -EBUSY;
        start(w, t);
        return 0;
}

int mock_world_present_document(struct mock_world *w, const struct mock_traveller *t) {
        char buf[128];

        if (w->document)
                return -EBUSY;
        narrate(w, "the passport of %s is put on the reader", who(t, buf, sizeof(buf)));
        put_document(w, t);
        return 0;
}

int mock_world_remove_document(struct mock_world *w) {
        if (!w->document)
                return -ENOMSG;
        narrate(w, "the passport is taken off the reader");
        take_document(w);
        check_clear(w);
        return 0;
}

int mock_world_place_finger(struct mock_world *w, const struct mock_traveller *t) {
        if (w->finger)
                return -EBUSY;
        put_finger(w, t, false);
        return 0;
}

int mock_world_lift_finger(struct mock_world *w) {
        if (!w->finger)
                return -ENOMSG;
        lift_finger(w);
        return 0;
}

static int find_visible_zone(const struct mock_world *w, const char *zone) {
        for (size_t i = 0; i < w->n_zones; i++)
                if (w->zones[i].visible && streq(w->zones[i].name, zone))
                        return (int) i;
        return -ENOENT;
}

int mock_world_enter(struct mock_world *w, const char *zone, unsigned n) {
        int z = find_visible_zone(w, zone);

        if (z < 0)
                return z;
        if (n == 0 || w->zones[z].count + n > ZONE_COUNT_MAX)
                return -ERANGE;
        zone_add(w, (size_t) z, (int) n);
        return 0;
}

int mock_world_leave(struct mock_world *w, const char *zone, unsigned n) {
        int z = find_visible_zone(w, zone);

        if (z < 0)
                return z;
        if (n == 0 || n > w->zones[z].count)
                return -ERANGE;
        zone_add(w, (size_t) z, -(int) n);
        check_clear(w);
        return 0;
}

void mock_world_door(struct mock_world *w, enum mock_door_side side, bool open) {
        if (!open)
                return;

        switch (w->phase) {
        case MOCK_PHASE_APPROACHING:
        case MOCK_PHASE_AT_READER:
                if (side != MOCK_DOOR_ENTRY)
                        return;
                agenda_cancel(w, STEP_PLACE_DOCUMENT);
                agenda_cancel(w, STEP_GIVE_UP);
                if (w->traveller->walk == MOCK_WALK_TURNS_BACK) {
                        w->phase = MOCK_PHASE_LEAVING;
                        agenda_add(w, STEP_TURN_BACK, walk_time(w));
                } else {
                        w->phase = MOCK_PHASE_ENTERING;
                        agenda_add(w, STEP_WALK_IN, walk_time(w));
                }
                return;

        case MOCK_PHASE_IN_MANTRAP:
                agenda_cancel(w, STEP_FORCE_EXIT);
                w->phase = MOCK_PHASE_LEAVING;
                /* Before the traveller moves: even at zero latency the stranger is in first. */
                if (side == MOCK_DOOR_EXIT && w->traveller->walk == MOCK_WALK_EXIT_INTRUDER)
                        agenda_add(w, STEP_INTRUDER_IN, 0);
                agenda_add(w, side == MOCK_DOOR_EXIT ? STEP_STEP_OUT : STEP_STEP_BACK,
                           walk_time(w));
                return;

        default:
                return;
        }
}

void mock_world_finger_wanted(struct mock_world *w) {
        w->finger_requests++;
        /* Still on the glass from the last attempt: it simply stays there. */
        agenda_cancel(w, STEP_LIFT_FINGER);
        if (w->finger || agenda_has(w, STEP_PLACE_FINGER))
                return;
        if (w->phase == MOCK_PHASE_IN_MANTRAP && w->traveller)
                agenda_add(w, STEP_PLACE_FINGER, w->finger_place_ms);
}

void mock_world_finger_done(struct mock_world *w) {
        if (w->finger_requests > 0)
                w->finger_requests--;
        if (w->finger_requests == 0 && w->finger && w->finger_auto &&
            !agenda_has(w, STEP_LIFT_FINGER))
                agenda_add(w, STEP_LIFT_FINGER, w->finger_place_ms);
}

void mock_world_indicator(struct mock_world *w, enum eg_indicator_colour colour) {
        char buf[128];

        /* Red while the passport is on the reader: the lane refused it. */
        if (colour != EG_COLOUR_RED || w->phase != MOCK_PHASE_AT_READER)
                return;
        narrate(w, "%s sees the red light", who(w->traveller, buf, sizeof(buf)));
        agenda_cancel(w, STEP_GIVE_UP);
        agenda_add(w, STEP_GIVE_UP, walk_time(w));
}

enum mock_finger_outcome mock_world_finger_outcome(struct mock_world *w, bool consume) {
        const struct mock_traveller *t = w->finger;
        size_t i;

        if (!t || t->fingerprint.n_outcomes == 0)
                return MOCK_FINGER_NO_MATCH;
        i = w->finger_attempts < t->fingerprint.n_outcomes ? w->finger_attempts
                                                           : t->fingerprint.n_outcomes - 1;
        if (consume && w->finger_attempts < UINT32_MAX)
                w->finger_attempts++;
        return t->fingerprint.outcomes[i];
}

enum mock_face_outcome mock_world_face_outcome(struct mock_world *w, bool consume) {
        const struct mock_traveller *t = mock_world_in_mantrap(w);
        size_t i;

        if (!t || t->face.n_outcomes == 0)
                return MOCK_FACE_NO_FACE;
        if (w->attempts_of != t) {
                w->attempts_of = t;
                w->finger_attempts = 0;
                w->face_attempts = 0;
        }
        i = w->face_attempts < t->face.n_outcomes ? w->face_attempts : t->face.n_outcomes - 1;
        if (consume && w->face_attempts < UINT32_MAX)
                w->face_attempts++;
        return t->face.outcomes[i];
}

enum mock_world_phase mock_world_phase(const struct mock_world *w) {
        return w->phase;
}

const struct mock_traveller *mock_world_traveller(const struct mock_world *w) {
        return w->traveller;
}

const struct mock_traveller *mock_world_document(const struct mock_world *w) {
        return w->document;
}

bool mock_world_chip_present(const struct mock_world *w) {
        return w->chip;
}

const struct mock_traveller *mock_world_finger(const struct mock_world *w) {
        return w->finger;
}

const struct mock_traveller *mock_world_in_mantrap(const struct mock_world *w) {
        return w->traveller_zone == ZONE_MANTRAP ? w->traveller : NULL;
}

unsigned mock_world_people_in_mantrap(const struct mock_world *w) {
        return role_zone_count(w, ZONE_MANTRAP);
}

int mock_world_zone_count(const struct mock_world *w, const char *zone) {
        int z = find_visible_zone(w, zone);

        return z < 0 ? z : (int) w->zones[z].count;
}

size_t mock_world_n_zones(const struct mock_world *w) {
        size_t n = 0;

        for (size_t i = 0; i < w->n_zones; i++)
                n += w->zones[i].visible;
        return n;
}

const char *mock_world_zone_name(const struct mock_world *w, size_t i) {
        for (size_t j = 0; j < w->n_zones; j++)
                if (w->zones[j].visible && i-- == 0)
                        return w->zones[j].name;
        return NULL;
}

size_t mock_world_queue_left(const struct mock_world *w) {
        return w->queue_len - w->queue_next;
}
