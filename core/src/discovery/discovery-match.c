/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <string.h>

#include "discovery-match.h"
#include "macro.h"

const char *eg_candidate_property(const struct eg_candidate *c, const char *key) {
        if (!c || !key)
                return NULL;
        for (size_t i = 0; i < c->n_properties; i++)
                if (streq_ptr(c->properties[i].key, key))
                        return c->properties[i].value;
        return NULL;
}

static int hex_digit(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

int eg_parse_usb_id(const char *s, uint16_t *ret) {
        unsigned v = 0;

        if (!s || strlen(s) != 4)
                return -EINVAL;
        for (size_t i = 0; i < 4; i++) {
                int d = hex_digit(s[i]);

                if (d < 0)
                        return -EINVAL;
                v = v << 4 | (unsigned) d;
        }
        *ret = (uint16_t) v;
        return 0;
}

const char *eg_match_usb_subsystem(const struct eg_match *m, const char **ret_devtype) {
        if (m->subsystem[0] != '\0') {
                *ret_devtype = NULL;
                return m->subsystem;
        }
        *ret_devtype = "usb_device";
        return "usb";
}

/* "KEY=VALUE" split without copying: *ret_key_len is the length of KEY. */
static const char *property_split(const char *property, size_t *ret_key_len) {
        const char *eq = strchr(property, '=');

        if (!eq || eq == property)
                return NULL;
        *ret_key_len = (size_t) (eq - property);
        return eq + 1;
}

/* The first key_len characters of `s` are exactly `key`. */
static bool key_is(const char *s, size_t key_len, const char *key) {
        return key && strlen(key) == key_len && strncmp(s, key, key_len) == 0;
}

static bool candidate_has_property(const struct eg_candidate *c, const char *property) {
        const char *want;
        size_t key_len;

        want = property_split(property, &key_len);
        if (!want)
                return false;
        for (size_t i = 0; i < c->n_properties; i++)
                if (key_is(property, key_len, c->properties[i].key))
                        return streq_ptr(c->properties[i].value, want);
        return false;
}

bool eg_match_applies(const struct eg_match *m, const struct eg_candidate *c) {
        const char *subsystem, *devtype;

        if (!m || !c || !c->subsystem)
                return false;

        switch (m->kind) {
        case EG_MATCH_USB:
                if (c->usb_vendor == 0 || c->usb_vendor != m->usb_vendor ||
                    c->usb_product != m->usb_product)
                        return false;
                subsystem = eg_match_usb_subsystem(m, &devtype);
                if (!streq(c->subsystem, subsystem))
                        return false;
                return !devtype || streq_ptr(eg_candidate_property(c, "DEVTYPE"), devtype);
        case EG_MATCH_UDEV:
                if (!streq(c->subsystem, m->subsystem))
                        return false;
                return m->property[0] == '\0' || candidate_has_property(c, m->property);
        default:
                return false;
        }
}

bool eg_descriptor_matches(const struct eg_plugin_descriptor *d, const struct eg_candidate *c) {
        for (size_t i = 0; i < EG_MATCH_MAX && d->matches[i].kind != EG_MATCH_END; i++)
                if (eg_match_applies(&d->matches[i], c))
                        return true;
        return false;
}

/* Does a udev entry on the USB entry's subsystem also select that vendor or product? */
static bool udev_overlaps_usb(const struct eg_match *udev, const struct eg_match *usb) {
        const char *subsystem, *devtype, *value;
        uint16_t id;
        size_t key_len;

        subsystem = eg_match_usb_subsystem(usb, &devtype);
        if (!streq(udev->subsystem, subsystem))
                return false;
        if (udev->property[0] == '\0')
                return true; /* every device of the subsystem */
        value = property_split(udev->property, &key_len);
        if (!value || eg_parse_usb_id(value, &id) < 0)
                return false;
        if (key_is(udev->property, key_len, "ID_VENDOR_ID"))
                return id == usb->usb_vendor;
        if (key_is(udev->property, key_len, "ID_MODEL_ID"))
                return id == usb->usb_product;
        return false;
}

bool eg_matches_overlap(const struct eg_match *a, const struct eg_match *b) {
        const char *sa, *sb, *ta, *tb;

        if (a->kind == EG_MATCH_USB && b->kind == EG_MATCH_USB) {
                if (a->usb_vendor != b->usb_vendor || a->usb_product != b->usb_product)
                        return false;
                sa = eg_match_usb_subsystem(a, &ta);
                sb = eg_match_usb_subsystem(b, &tb);
                return streq(sa, sb);
        }
        if (a->kind == EG_MATCH_UDEV && b->kind == EG_MATCH_UDEV) {
                if (!streq(a->subsystem, b->subsystem))
                        return false;
                /* An entry without a property takes the whole subsystem. */
                return a->property[0] == '\0' || b->property[0] == '\0' ||
                       streq(a->property, b->property);
        }
        if (a->kind == EG_MATCH_UDEV && b->kind == EG_MATCH_USB)
                return udev_overlaps_usb(a, b);
        if (a->kind == EG_MATCH_USB && b->kind == EG_MATCH_UDEV)
                return udev_overlaps_usb(b, a);
        return false;
}

void eg_match_describe(const struct eg_match *m, char *buf, size_t size) {
        switch (m->kind) {
        case EG_MATCH_USB:
                (void) snprintf(buf, size, "usb %04x:%04x%s%.*s", m->usb_vendor, m->usb_product,
                                m->subsystem[0] ? " on " : "", (int) sizeof(m->subsystem),
                                m->subsystem);
                break;
        case EG_MATCH_UDEV:
                (void) snprintf(buf, size, "udev %.*s%s%.*s", (int) sizeof(m->subsystem),
                                m->subsystem, m->property[0] ? " " : "", (int) sizeof(m->property),
                                m->property);
                break;
        case EG_MATCH_CONFIG:
                (void) snprintf(buf, size, "config");
                break;
        default:
                (void) snprintf(buf, size, "kind %u", (unsigned) m->kind);
                break;
        }
}
