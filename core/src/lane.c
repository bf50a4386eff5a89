/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <search.h>
#include <stdlib.h>
#include <string.h>

#include "attendance.h"
#include "lane.h"
#include "log.h"
#include "manager.h"
#include "pipeline/reasons.h"
#include "pki.h"

/*
 * Which lane and role a device has: asked for every event a device sends, so
 * a tree by device id instead of a walk of every role of every lane (at 64
 * lanes that walk was 2 % of egated's CPU).  Filled by lane_assign(), the
 * only place that gives a device a role, emptied with all lanes at once.
 */
struct lane_role {
        const char *device_id; /* the lane's own copy */
        struct eg_lane *lane;
        enum eg_lane_role role;
};

static int compare_lane_roles(const void *a, const void *b) {
        return strcmp(((const struct lane_role *) a)->device_id,
                      ((const struct lane_role *) b)->device_id);
}

static int lane_role_index(struct eg_manager *m, struct eg_lane *l, enum eg_lane_role role,
                           const char *device_id) {
        struct lane_role *e = malloc(sizeof(*e)), **found;

        if (!e)
                return -ENOMEM;
        *e = (struct lane_role){ .device_id = device_id, .lane = l, .role = role };
        found = tsearch(e, &m->lane_roles, compare_lane_roles);
        if (!found) {
                free(e);
                return -ENOMEM;
        }
        if (*found != e)
                free(e); /* another lane or role had it first, and keeps it */
        return 0;
}

static bool role_is_multi(enum eg_lane_role r) {
        return r == EG_ROLE_PRESENCE_SENSOR || r == EG_ROLE_INDICATOR;
}

static struct eg_lane *lane_new(struct eg_manager *m, const char *name, const struct eg_policy *pol,
                                enum eg_lane_mode mode, bool from_config) {
        struct eg_lane *l = calloc(1, sizeof(*l));
        int r;

        if (!l)
                return NULL;
        l->manager = m;
        l->name = strdup(name);
        l->mode = mode;
        l->from_config = from_config;
        /* The config outlives no reload: the lane takes its own copy of the policy, all of
         * it or no lane. */
        if (pol)
                r = eg_policy_copy(pol, &l->policy);
        else {
                eg_policy_init_ses(&l->policy);
                r = l->policy.document_types ? 0 : -ENOMEM;
        }
        if (r >= 0 && !l->policy.name)
                r = free_and_strdup(&l->policy.name, "ses");
        if (r < 0 || !l->name) {
                eg_policy_done(&l->policy);
                free(l->name);
                free(l);
                return NULL;
        }
        EG_LIST_APPEND(lanes, m->lanes, l);
        return l;
}

static void lane_free(struct eg_lane *l) {
        for (unsigned r = 0; r < EG_ROLE_MAX_; r++)
                for (unsigned i = 0; i < EG_LANE_MAX_MULTI; i++)
                        free(l->roles[r][i]);
        eg_policy_done(&l->policy);
        free(l->not_ready_reason);
        free(l->name);
        free(l);
}

void eg_lanes_free(struct eg_manager *m) {
        /* Lanes only ever go all together: the index first, it points into them. */
        tdestroy(m->lane_roles, free);
        m->lane_roles = NULL;
        while (m->lanes) {
                struct eg_lane *l = m->lanes;

                EG_LIST_REMOVE(lanes, m->lanes, l);
                lane_free(l);
        }
}

struct eg_lane *eg_lane_find(struct eg_manager *m, const char *name) {
        struct eg_lane *l;

        EG_LIST_FOREACH (lanes, l, m->lanes)
                if (streq_ptr(l->name, name))
                        return l;
        return NULL;
}

static bool lane_has(const struct eg_lane *l, enum eg_lane_role r, const char *id) {
        for (unsigned i = 0; i < EG_LANE_MAX_MULTI; i++)
                if (streq_ptr(l->roles[r][i], id))
                        return true;
        return false;
}

static int lane_assign(struct eg_lane *l, enum eg_lane_role r, const char *device_id) {
        unsigned slots = role_is_multi(r) ? EG_LANE_MAX_MULTI : 1;

        if (lane_has(l, r, device_id))
                return 0;
        for (unsigned i = 0; i < slots; i++)
                if (!l->roles[r][i]) {
                        l->roles[r][i] = strdup(device_id);
                        if (!l->roles[r][i])
                                return -ENOMEM;
                        if (lane_role_index(l->manager, l, r, l->roles[r][i]) < 0) {
                                free(l->roles[r][i]);
                                l->roles[r][i] = NULL;
                                return -ENOMEM;
                        }
                        return 1;
                }
        return -EBUSY;
}

struct eg_lane *eg_lane_of_device(struct eg_manager *m, const char *device_id,
                                  enum eg_lane_role *ret_role) {
        struct lane_role key = { .device_id = device_id }, **found;

        if (!device_id)
                return NULL;
        found = tfind(&key, &m->lane_roles, compare_lane_roles);
        if (!found)
                return NULL;
        if (ret_role)
                *ret_role = (*found)->role;
        return (*found)->lane;
}

/* "<plugin>-<name>" for a device declared in the config. */
static char *declared_device_id(const struct eg_config *c, const char *name) {
        const struct eg_config_device *cd = eg_config_find_device(c, name);
        char *id = NULL;

        if (!cd)
                return NULL;
        if (asprintf(&id, "%s-%s", cd->plugin, cd->name) < 0)
                return NULL;
        return id;
}

static int lane_assign_from_config(struct eg_lane *l, const struct eg_config_lane *cl) {
        const struct eg_config *c = l->manager->config;
        int r;

        for (unsigned role = 0; role < EG_ROLE_MAX_; role++) {
                char **names = role == EG_ROLE_PRESENCE_SENSOR ? cl->presence_sensors
                               : role == EG_ROLE_INDICATOR     ? cl->indicators
                                                               : NULL;
                if (!role_is_multi(role) && cl->roles[role]) {
                        _cleanup_free_ char *id = declared_device_id(c, cl->roles[role]);
                        if (!id)
                                continue; /* the config check reported it already */
                        r = lane_assign(l, role, id);
                        if (r < 0)
                                return r;
                }
                for (char **n = names; n && *n; n++) {
                        _cleanup_free_ char *id = declared_device_id(c, *n);
                        if (!id)
                                continue;
                        r = lane_assign(l, role, id);
                        if (r < 0)
                                return log_lane(LOG_ERR, r, l->name, "too many %ss (max %d)",
                                                eg_lane_role_to_string(role), EG_LANE_MAX_MULTI);
                }
        }
        return 0;
}

/* Devices carry lane/role hints (udev properties, the mock scenario).  The
 * config wins where it names a device for a role; hints fill the rest. */
static void lane_assign_from_hint(struct eg_manager *m, struct eg_device *d) {
        struct eg_lane *l;
        int role, r;

        if (!d->lane_hint || !d->role_hint || eg_lane_of_device(m, d->id, NULL))
                return;
        role = eg_lane_role_from_string(d->role_hint);
        if (role < 0) {
                log_device(LOG_WARNING, 0, d->id, "unknown role hint '%s' ignored", d->role_hint);
                return;
        }
        if (eg_lane_role_class(role) != d->device_class) {
                log_device(LOG_WARNING, 0, d->id, "a %s cannot be the lane's %s; hint ignored",
                           eg_device_class_to_string(d->device_class), d->role_hint);
                return;
        }
        l = eg_lane_find(m, d->lane_hint);
        if (!l) {
                /* Only the mock world may create lanes: in production every lane is
                 * configured, so a stray udev property cannot conjure one. */
                if (!m->mock) {
                        log_device(LOG_WARNING, 0, d->id,
                                   "lane '%s' is not configured; device not assigned",
                                   d->lane_hint);
                        return;
                }
                l = lane_new(m, d->lane_hint, eg_config_find_policy(m->config, "ses"),
                             EG_LANE_MODE_AUTOMATIC, false);
                if (!l) {
                        (void) log_oom();
                        return;
                }
                log_lane(LOG_INFO, 0, l->name, "created from mock device hints");
        }
        r = lane_assign(l, role, d->id);
        if (r == -EBUSY)
                log_device(LOG_WARNING, 0, d->id, "lane %s already has a %s; device not assigned",
                           l->name, d->role_hint);
        else if (r > 0)
                log_device(LOG_DEBUG, 0, d->id, "lane %s %s (from the device's hint)", l->name,
                           d->role_hint);
}

int eg_lanes_build(struct eg_manager *m) {
        struct eg_device *d;

        for (size_t i = 0; i < m->config->n_lanes; i++) {
                const struct eg_config_lane *cl = &m->config->lanes[i];
                struct eg_lane *l =
                        lane_new(m, cl->name,
                                 eg_config_find_policy(m->config, cl->policy ? cl->policy : "ses"),
                                 cl->mode, true);
                int r;

                if (!l)
                        return log_oom();
                r = lane_assign_from_config(l, cl);
                if (r < 0)
                        return r;
        }
        EG_LIST_FOREACH (devices, d, m->devices)
                lane_assign_from_hint(m, d);
        eg_lanes_update_readiness(m);
        return 0;
}

static bool role_required(const struct eg_lane *l, enum eg_lane_role r) {
        switch (r) {
        case EG_ROLE_CAMERA:
                return l->policy.face_verification == 1;
        case EG_ROLE_INDICATOR:
                return false;
        default:
                return true;
        }
}

void eg_lane_update_readiness(struct eg_lane *l) {
        struct eg_manager *m = l->manager;
        char *reason = NULL;
        size_t reason_len = 0;
        FILE *f = open_memstream(&reason, &reason_len);
        bool ready = true;

        if (!f) {
                (void) log_oom();
                return;
        }
        for (unsigned r = 0; r < EG_ROLE_MAX_; r++) {
                bool any = false;

                for (unsigned i = 0; i < EG_LANE_MAX_MULTI; i++) {
                        const char *id = l->roles[r][i];
                        struct eg_device *d;

                        if (!id)
                                continue;
                        any = true;
                        d = eg_device_find(m, id);
                        if (!d) {
                                fprintf(f, "%s%s %s is missing", ready ? "" : "; ",
                                        eg_lane_role_to_string(r), id);
                                ready = false;
                        } else if (d->state == EG_DEVICE_FAULTED || d->state == EG_DEVICE_OFFLINE) {
                                fprintf(f, "%s%s %s is %s", ready ? "" : "; ",
                                        eg_lane_role_to_string(r), id,
                                        eg_device_state_to_string(d->state));
                                ready = false;
                        }
                }
                if (!any && role_required(l, r)) {
                        fprintf(f, "%sno %s assigned", ready ? "" : "; ",
                                eg_lane_role_to_string(r));
                        ready = false;
                }
        }
        if (l->policy.operator_attendance == EG_REQUIREMENT_REQUIRED &&
            eg_lane_attendants(m, l->name) == 0) {
                fprintf(f, "%s%s: no operator attends the lane", ready ? "" : "; ",
                        EG_REASON_LANE_NO_OPERATOR);
                ready = false;
        }
        /* PIPELINE: a lane whose PKI lists are stale cannot tell a revoked signer (pki.c). */
        if (eg_pki_not_ready_reason(m)) {
                fprintf(f, "%s%s", ready ? "" : "; ", eg_pki_not_ready_reason(m));
                ready = false;
        }
        if (fclose(f) != 0) {
                free(reason);
                (void) log_oom();
                return;
        }
        if (ready != l->ready || !streq_ptr(ready ? NULL : reason, l->not_ready_reason)) {
                if (ready)
                        log_lane(LOG_INFO, 0, l->name, "ready");
                else
                        log_lane(LOG_WARNING, 0, l->name, "out of service: %s", reason);
        }
        bool changed = ready != l->ready || !streq_ptr(ready ? NULL : reason, l->not_ready_reason);

        l->ready = ready;
        free(l->not_ready_reason);
        l->not_ready_reason = ready ? NULL : reason;
        if (ready)
                free(reason);
        if (changed)
                eg_manager_notify_lane(m, l);
}

void eg_lanes_update_readiness(struct eg_manager *m) {
        struct eg_lane *l;
        struct eg_device *d;

        /* While plugins start, devices arrive one by one: judge once they are all there.
         * While they stop, they leave one by one: nothing is left to judge. */
        if (!m->started || m->stopping)
                return;

        /* Devices that arrived after the lanes were built (hotplug, replug). */
        EG_LIST_FOREACH (devices, d, m->devices)
                lane_assign_from_hint(m, d);
        EG_LIST_FOREACH (lanes, l, m->lanes)
                eg_lane_update_readiness(l);
}

int eg_lane_set_mode(struct eg_lane *l, enum eg_lane_mode mode, const char *reason) {
        if ((unsigned) mode >= EG_LANE_MODE_MAX_)
                return -EINVAL;
        if (l->mode == mode)
                return 0;
        log_lane(LOG_NOTICE, 0, l->name, "mode %s -> %s: %s", eg_lane_mode_to_string(l->mode),
                 eg_lane_mode_to_string(mode), strna(reason));
        l->mode = mode;
        eg_manager_notify_lane(l->manager, l);
        return 0;
}
