/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "discovery-candidate.h"
#include "discovery-match.h"
#include "log.h"
#include "macro.h"

static size_t count_properties(sd_device *device) {
        const char *value;
        size_t n = 0;

        for (const char *key = sd_device_get_property_first(device, &value); key;
             key = sd_device_get_property_next(device, &value))
                n++;
        return n;
}

static void read_usb_ids(struct eg_candidate *c) {
        uint16_t vendor, product;

        /* Either both or neither: a vendor id alone matches nothing. */
        if (eg_parse_usb_id(eg_candidate_property(c, "ID_VENDOR_ID"), &vendor) < 0 ||
            eg_parse_usb_id(eg_candidate_property(c, "ID_MODEL_ID"), &product) < 0)
                return;
        c->usb_vendor = vendor;
        c->usb_product = product;
}

int eg_candidate_data_init(struct eg_candidate_data *cd, sd_device *device) {
        struct eg_candidate *c = &cd->candidate;
        const char *value;
        size_t n, i = 0;
        int r;

        *cd = (struct eg_candidate_data){ .candidate = { .size = sizeof(*c), .fd = -1 } };

        r = sd_device_get_syspath(device, &c->syspath);
        if (r < 0)
                return r;
        r = sd_device_get_subsystem(device, &c->subsystem);
        if (r < 0)
                return r;
        if (sd_device_get_devname(device, &c->devnode) < 0)
                c->devnode = NULL;

        n = count_properties(device);
        if (n > EG_CANDIDATE_MAX_PROPERTIES) {
                log_warning("%s: %zu udev properties, passing the first %d to plugins", c->syspath,
                            n, EG_CANDIDATE_MAX_PROPERTIES);
                n = EG_CANDIDATE_MAX_PROPERTIES;
        }
        cd->properties = calloc(n ? n : 1, sizeof(*cd->properties));
        if (!cd->properties)
                return -ENOMEM;
        for (const char *key = sd_device_get_property_first(device, &value); key && i < n;
             key = sd_device_get_property_next(device, &value))
                cd->properties[i++] = (struct eg_property){ key, value };
        c->properties = cd->properties;
        c->n_properties = i;

        read_usb_ids(c);
        cd->device = sd_device_ref(device);
        return 0;
}

void eg_candidate_data_done(struct eg_candidate_data *cd) {
        free(cd->properties);
        sd_device_unref(cd->device);
        *cd = (struct eg_candidate_data){ .candidate = { .fd = -1 } };
}

bool eg_candidate_wants_fd(const struct eg_candidate *c) {
        return c->devnode && streq_ptr(c->subsystem, "usb") &&
               streq_ptr(eg_candidate_property(c, "DEVTYPE"), "usb_device");
}

int eg_candidate_open_node(const struct eg_candidate *c) {
        int fd;

        if (!c->devnode)
                return -ENOENT;
        /* Non-blocking: probe() runs on the event loop and must not stall on a device. */
        fd = open(c->devnode, O_RDWR | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
        return fd < 0 ? -errno : fd;
}

bool eg_device_is_eligible(sd_device *device, const char **ret_reason) {
        const char *ignore = NULL;

        /* Current tags: TAGS keeps every tag a device ever had, so a device a site
         * stopped tagging (and re-triggered) would otherwise still count. */
        if (sd_device_has_current_tag(device, EG_UDEV_TAG) <= 0) {
                *ret_reason = "not tagged \"" EG_UDEV_TAG "\" by a udev rule";
                return false;
        }
        if (sd_device_get_property_value(device, EG_PROP_IGNORE, &ignore) >= 0 &&
            streq(ignore, "1")) {
                *ret_reason = EG_PROP_IGNORE "=1";
                return false;
        }
        *ret_reason = NULL;
        return true;
}
