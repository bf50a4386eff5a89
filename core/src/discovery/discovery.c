/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "discovery-candidate.h"
#include "discovery-match.h"
#include "discovery.h"
#include "log.h"
#include "manager.h"

/* A candidate a plugin claimed. */
struct eg_claim {
        char *syspath;
        struct eg_plugin *plugin;
        /* Devices the plugin added while probing it: what egated removes for a
         * plugin without candidate_removed().  Handles are never reused. */
        eg_device_id *devices;
        size_t n_devices;
        EG_LIST_FIELDS(struct eg_claim, claims);
};

struct eg_discovery {
        struct eg_manager *manager;
        sd_device_monitor *monitor;
        struct eg_claim *claims;
};

static void claim_free(struct eg_claim *c) {
        free(c->syspath);
        free(c->devices);
        free(c);
}

static struct eg_claim *claim_find(struct eg_discovery *d, const char *syspath) {
        struct eg_claim *c;

        EG_LIST_FOREACH (claims, c, d->claims)
                if (streq(c->syspath, syspath))
                        return c;
        return NULL;
}

const char *eg_discovery_owner(struct eg_discovery *d, const char *syspath) {
        struct eg_claim *c;

        if (!d || !syspath)
                return NULL;
        c = claim_find(d, syspath);
        return c ? eg_plugin_name(c->plugin) : NULL;
}

/* The devices of plugin `p` added since handle `after`. */
static int devices_added_since(struct eg_manager *m, struct eg_plugin *p, eg_device_id after,
                               eg_device_id **ret, size_t *ret_n) {
        _cleanup_free_ eg_device_id *ids = NULL;
        struct eg_device *dev;
        size_t n = 0;

        EG_LIST_FOREACH (devices, dev, m->devices) {
                eg_device_id *grown;

                if (dev->plugin != p || dev->handle <= after)
                        continue;
                grown = reallocarray(ids, n + 1, sizeof(*ids));
                if (!grown)
                        return -ENOMEM;
                ids = grown;
                ids[n++] = dev->handle;
        }
        *ret = TAKE_PTR(ids);
        *ret_n = n;
        return 0;
}

static void remove_devices(struct eg_manager *m, struct eg_plugin *p, const eg_device_id *ids,
                           size_t n, const char *reason) {
        for (size_t i = 0; i < n; i++) {
                struct eg_device *dev = eg_device_find_handle(m, ids[i]);

                if (dev && dev->plugin == p)
                        eg_device_remove(dev, reason);
        }
}

/*
 * Offer the candidate to one plugin.  Returns probe()'s verdict: 0 claimed
 * (*ret_n_devices says how many devices it added), -ENODEV not the plugin's,
 * another negative errno a failure.  The node is opened afresh for every
 * plugin, so one that declines cannot leave it in a state the next one trips
 * over.
 */
static int offer_to(struct eg_discovery *d, struct eg_plugin *p, struct eg_candidate *c,
                    size_t *ret_n_devices) {
        struct eg_manager *m = d->manager;
        _cleanup_(closep) int fd = -1;
        _cleanup_free_ eg_device_id *added = NULL;
        eg_device_id before = m->next_device_handle;
        struct eg_claim *claim;
        size_t n_added = 0;
        int r;

        if (eg_candidate_wants_fd(c)) {
                fd = eg_candidate_open_node(c);
                if (fd < 0)
                        return fd; /* offer() checked it opens: the device is going away */
        }
        c->fd = fd;
        r = p->module.ops.probe(p->plugin_data, c);
        c->fd = -1;

        if (devices_added_since(m, p, before, &added, &n_added) < 0)
                (void) log_oom(); /* only the clean-up for 1.0 plugins misses them */
        if (r > 0) {
                log_plugin(LOG_WARNING, 0, eg_plugin_name(p),
                           "probe returned %d; the SDK asks for 0 or a negative errno", r);
                r = 0;
        }
        if (r < 0) {
                if (n_added > 0) {
                        log_plugin(LOG_WARNING, 0, eg_plugin_name(p),
                                   "probe of %s declined it but added %zu device(s): removed",
                                   c->syspath, n_added);
                        remove_devices(m, p, added, n_added, "its plugin declined the device");
                }
                return r;
        }

        TAKE_FD(fd); /* the plugin's now */
        *ret_n_devices = n_added;
        claim = calloc(1, sizeof(*claim));
        if (!claim || !(claim->syspath = strdup(c->syspath))) {
                /* Still claimed (no other plugin may have it), but its removal goes unseen. */
                free(claim);
                (void) log_oom();
                return 0;
        }
        claim->plugin = p;
        claim->devices = TAKE_PTR(added);
        claim->n_devices = n_added;
        EG_LIST_APPEND(claims, d->claims, claim);
        return 0;
}

static bool plugin_can_probe(const struct eg_plugin *p) {
        return p->module.state == EG_PLUGIN_ACTIVE && p->module.ops.probe;
}

/* ID_EGATE_PLUGIN gives the device to one plugin; otherwise the descriptors decide. */
static void offer(struct eg_discovery *d, sd_device *device) {
        _cleanup_(eg_candidate_data_done) struct eg_candidate_data cd = {};
        size_t n_devices = 0;
        const char *forced;
        struct eg_plugin *p;
        bool found = false;
        int r;

        r = eg_candidate_data_init(&cd, device);
        if (r < 0) {
                log_warning_errno(r, "cannot read a tagged udev device, ignoring it: %m");
                return;
        }
        forced = eg_candidate_property(&cd.candidate, EG_PROP_PLUGIN);
        if (forced && forced[0] == '\0')
                forced = NULL;
        /* A node egated cannot open is of no use to any plugin: say so once. */
        if (eg_candidate_wants_fd(&cd.candidate)) {
                r = eg_candidate_open_node(&cd.candidate);
                if (r < 0) {
                        log_error_errno(r,
                                        "%s: cannot open %s: %m (does 71-egate.rules give "
                                        "group egate access?)",
                                        cd.candidate.syspath, cd.candidate.devnode);
                        return;
                }
                (void) close(r);
        }

        EG_LIST_FOREACH (plugins, p, d->manager->plugins) {
                if (forced ? !streq_ptr(p->module.name, forced)
                           : !eg_descriptor_matches(&p->module.descriptor, &cd.candidate))
                        continue;
                found = true;
                if (!plugin_can_probe(p)) {
                        log_plugin(forced ? LOG_WARNING : LOG_DEBUG, 0, eg_plugin_name(p),
                                   "matches %s but %s", cd.candidate.syspath,
                                   p->module.state != EG_PLUGIN_ACTIVE ? "is not active"
                                                                       : "has no probe()");
                        continue;
                }
                r = offer_to(d, p, &cd.candidate, &n_devices);
                if (r == 0) {
                        log_plugin(LOG_INFO, 0, eg_plugin_name(p), "claimed %s%s%s",
                                   cd.candidate.syspath, forced ? " (" EG_PROP_PLUGIN ")" : "",
                                   n_devices == 0 ? ", no device added yet" : "");
                        return;
                }
                if (r == -ENODEV)
                        log_plugin(LOG_DEBUG, 0, eg_plugin_name(p), "declined %s",
                                   cd.candidate.syspath);
                else
                        log_plugin(LOG_ERR, r, eg_plugin_name(p), "probe of %s failed: %m",
                                   cd.candidate.syspath);
        }
        if (forced && !found)
                log_warning("%s: " EG_PROP_PLUGIN "=%s, but there is no such plugin",
                            cd.candidate.syspath, forced);
        else
                log_debug("%s: no plugin claimed it", cd.candidate.syspath);
}

/* The device is gone (or no longer ours to use): tell its owner. */
static void release(struct eg_discovery *d, struct eg_claim *claim, const char *why) {
        struct eg_plugin *p = claim->plugin;

        EG_LIST_REMOVE(claims, d->claims, claim);
        log_plugin(LOG_INFO, 0, eg_plugin_name(p), "lost %s: %s", claim->syspath, why);
        if (p->module.state == EG_PLUGIN_ACTIVE) {
                if (p->module.ops.candidate_removed)
                        p->module.ops.candidate_removed(p->plugin_data, claim->syspath);
                else
                        remove_devices(d->manager, p, claim->devices, claim->n_devices, why);
        }
        claim_free(claim);
}

static void handle_move(struct eg_discovery *d, sd_device *device) {
        _cleanup_free_ char *old_syspath = NULL;
        const char *old_devpath;
        struct eg_claim *claim;

        if (sd_device_get_property_value(device, "DEVPATH_OLD", &old_devpath) < 0)
                return;
        if (asprintf(&old_syspath, "/sys%s", old_devpath) < 0) {
                (void) log_oom();
                return;
        }
        claim = claim_find(d, old_syspath);
        if (claim)
                release(d, claim, "device renamed");
}

void eg_discovery_handle_device(struct eg_discovery *d, sd_device *device,
                                sd_device_action_t action) {
        struct eg_claim *claim;
        const char *syspath, *why;

        if (!d || !device || d->manager->stopping)
                return;
        if (sd_device_get_syspath(device, &syspath) < 0)
                return;
        claim = claim_find(d, syspath);

        switch (action) {
        case SD_DEVICE_REMOVE:
                if (claim)
                        release(d, claim, "device removed");
                return;
        case SD_DEVICE_MOVE:
                handle_move(d, device);
                break;
        case SD_DEVICE_ADD:
        case SD_DEVICE_CHANGE:
        case SD_DEVICE_BIND:
                break;
        default:
                return; /* unbind comes before remove; online/offline are CPUs and memory */
        }

        if (!eg_device_is_eligible(device, &why)) {
                /* A change can take the tag away or set ID_EGATE_IGNORE=1. */
                if (claim)
                        release(d, claim, why);
                else
                        log_debug("%s: %s, not offered to plugins", syspath, why);
                return;
        }
        if (claim)
                return; /* already serving; a change event does not re-probe */
        offer(d, device);
}

static int on_uevent(sd_device_monitor *monitor, sd_device *device, void *userdata) {
        sd_device_action_t action;

        if (sd_device_get_action(device, &action) < 0)
                return 0;
        eg_discovery_handle_device(userdata, device, action);
        return 0;
}

static int monitor_start(struct eg_discovery *d) {
        int r;

        r = sd_device_monitor_new(&d->monitor);
        if (r < 0)
                return log_warning_errno(r, "cannot listen to udev events (%m): tagged devices "
                                            "plugged in later are not seen");
        (void) sd_device_monitor_set_description(d->monitor, "egate-discovery");
        r = sd_device_monitor_filter_add_match_tag(d->monitor, EG_UDEV_TAG);
        if (r >= 0)
                r = sd_device_monitor_attach_event(d->monitor, d->manager->event);
        if (r >= 0)
                r = sd_device_monitor_start(d->monitor, on_uevent, d);
        if (r < 0) {
                d->monitor = sd_device_monitor_unref(d->monitor);
                return log_warning_errno(r, "cannot start the udev monitor (%m): tagged devices "
                                            "plugged in later are not seen");
        }
        return 0;
}

/* Coldplug.  Only devices udev has finished with are taken (sd-device's
 * enumerator skips uninitialized ones by default; checked again below):
 * the rest reach us as "add" events once udevd is done with them. */
static int enumerate(struct eg_discovery *d) {
        _cleanup_(sd_device_enumerator_unrefp) sd_device_enumerator *e = NULL;
        unsigned n = 0;
        int r;

        r = sd_device_enumerator_new(&e);
        if (r >= 0)
                r = sd_device_enumerator_add_match_tag(e, EG_UDEV_TAG);
        if (r < 0)
                return log_warning_errno(r, "cannot enumerate udev devices: %m");

        for (sd_device *device = sd_device_enumerator_get_device_first(e); device;
             device = sd_device_enumerator_get_device_next(e)) {
                if (sd_device_get_is_initialized(device) <= 0)
                        continue;
                n++;
                eg_discovery_handle_device(d, device, SD_DEVICE_ADD);
        }
        log_debug("discovery: %u tagged device(s) present at start", n);
        return 0;
}

static bool any_plugin_probes(struct eg_manager *m) {
        struct eg_plugin *p;

        EG_LIST_FOREACH (plugins, p, m->plugins)
                if (plugin_can_probe(p))
                        return true;
        return false;
}

int eg_discovery_start(struct eg_manager *m, struct eg_discovery **ret) {
        _cleanup_(eg_discovery_freep) struct eg_discovery *d = NULL;
        int r, k;

        *ret = NULL;
        if (!any_plugin_probes(m)) {
                log_debug("discovery: no active plugin probes devices, not watching udev");
                return 0;
        }
        d = calloc(1, sizeof(*d));
        if (!d)
                return log_oom();
        d->manager = m;

        /* Monitor first, so a device added while we enumerate is not missed;
         * one seen twice is claimed only once.  Either half works alone. */
        r = monitor_start(d);
        k = enumerate(d);
        if (r < 0 && k < 0)
                return r;
        *ret = TAKE_PTR(d);
        return r < 0 ? r : k;
}

struct eg_discovery *eg_discovery_free(struct eg_discovery *d) {
        if (!d)
                return NULL;
        sd_device_monitor_unref(d->monitor);
        while (d->claims) {
                struct eg_claim *c = d->claims;

                EG_LIST_REMOVE(claims, d->claims, c);
                claim_free(c);
        }
        free(d);
        return NULL;
}

int eg_discovery_drop_kernel_filter(struct eg_discovery *d) {
        if (!d || !d->monitor)
                return -ENODEV;
        return sd_device_monitor_filter_remove(d->monitor);
}
