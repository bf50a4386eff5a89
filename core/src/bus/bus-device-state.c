/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Announcing device state on the bus.
 *
 * A device is "busy" for as long as one of its operations runs, which for
 * most operations is a millisecond or two: a chip read alone is a dozen
 * of them.  Announcing every online → busy → online pair cost two
 * StateChanged signals and two PropertiesChanged per operation, a tenth of
 * egated's CPU per traveller, and told a supervisor nothing it could act on.
 *
 * So a change between online and busy waits for the next settle point, at
 * most EG_BUS_STATE_SETTLE_USEC later, and is announced then only if the
 * state still differs from the one last announced.  Every other change (a fault, going offline,
 * recovering) is announced at once, from the state last announced, so that
 * the signals a client sees always chain: each one's old state is the
 * previous one's new state.  The State property itself is always current.
 */
#include <errno.h>
#include <search.h>
#include <stdlib.h>

#include "bus.h"
#include "list.h"
#include "log.h"
#include "manager.h"

#define EG_BUS_STATE_SETTLE_USEC (100 * 1000u)

struct eg_bus_pending_state {
        const struct eg_device *device; /* forgotten before the device goes */
        enum eg_device_state announced; /* what clients last heard: online or busy */
        EG_LIST_FIELDS(struct eg_bus_pending_state, pending);
};

static void announce(struct eg_bus *b, const struct eg_device *d, enum eg_device_state old,
                     const char *reason) {
        _cleanup_free_ char *path = eg_bus_device_path(d->id);

        if (!path) {
                (void) log_oom();
                return;
        }
        (void) sd_bus_emit_signal(b->bus, path, EG_BUS_IFACE("Device"), "StateChanged", "sss",
                                  eg_device_state_to_string(old),
                                  eg_device_state_to_string(d->state), reason ? reason : "");
        (void) sd_bus_emit_properties_changed(b->bus, path, EG_BUS_IFACE("Device"), "State",
                                              "LastError", "Health", NULL);
}

static int compare_devices(const void *a, const void *b) {
        const struct eg_device *x = ((const struct eg_bus_pending_state *) a)->device,
                               *y = ((const struct eg_bus_pending_state *) b)->device;

        return x < y ? -1 : x > y;
}

/* A tree, not a walk of the list: at 64 lanes hundreds of devices can be pending. */
static struct eg_bus_pending_state *pending_find(struct eg_bus *b, const struct eg_device *d) {
        struct eg_bus_pending_state key = { .device = d }, **found;

        found = tfind(&key, &b->pending_index, compare_devices);
        return found ? *found : NULL;
}

static void pending_free(struct eg_bus *b, struct eg_bus_pending_state *p) {
        (void) tdelete(p, &b->pending_index, compare_devices);
        EG_LIST_REMOVE(pending, b->pending_states, p);
        free(p);
}

static int on_settled(sd_event_source *s, uint64_t usec, void *userdata) {
        struct eg_bus *b = userdata;

        while (b->pending_states) {
                struct eg_bus_pending_state *p = b->pending_states;

                if (p->device->state != p->announced)
                        announce(b, p->device, p->announced, NULL);
                pending_free(b, p);
        }
        return 0;
}

static int settle_timer_arm(struct eg_bus *b) {
        int r;

        if (!b->settle_timer) {
                r = sd_event_add_time_relative(b->manager->event, &b->settle_timer, CLOCK_MONOTONIC,
                                               EG_BUS_STATE_SETTLE_USEC,
                                               EG_BUS_STATE_SETTLE_USEC / 2, on_settled, b);
                if (r < 0)
                        return r;
                return sd_event_source_set_enabled(b->settle_timer, SD_EVENT_ONESHOT);
        }
        r = sd_event_source_set_time_relative(b->settle_timer, EG_BUS_STATE_SETTLE_USEC);
        if (r < 0)
                return r;
        return sd_event_source_set_enabled(b->settle_timer, SD_EVENT_ONESHOT);
}

void eg_bus_device_state_changed(struct eg_bus *b, const struct eg_device *d,
                                 enum eg_device_state old, const char *reason) {
        struct eg_bus_pending_state *p = pending_find(b, d);
        enum eg_device_state announced = p ? p->announced : old;
        int r;

        if (!eg_device_state_serving(announced) || !eg_device_state_serving(d->state)) {
                if (p)
                        pending_free(b, p);
                announce(b, d, announced, reason);
                return;
        }
        if (p)
                return; /* the timer already runs for this device */

        p = calloc(1, sizeof(*p));
        if (!p) {
                (void) log_oom();
                announce(b, d, old, reason); /* late is worse than chatty */
                return;
        }
        p->device = d;
        p->announced = old;
        if (!b->pending_states) {
                r = settle_timer_arm(b);
                if (r < 0) {
                        log_device(LOG_WARNING, r, d->id,
                                   "cannot delay the busy/online announcement: %m");
                        free(p);
                        announce(b, d, old, reason);
                        return;
                }
        }
        if (!tsearch(p, &b->pending_index, compare_devices)) {
                (void) log_oom();
                free(p);
                announce(b, d, old, reason);
                return;
        }
        EG_LIST_APPEND(pending, b->pending_states, p);
}

void eg_bus_device_state_forget(struct eg_bus *b, const struct eg_device *d) {
        struct eg_bus_pending_state *p = pending_find(b, d);

        if (p)
                pending_free(b, p);
}

void eg_bus_device_state_done(struct eg_bus *b) {
        while (b->pending_states)
                pending_free(b, b->pending_states);
        b->settle_timer = sd_event_source_disable_unref(b->settle_timer);
}
