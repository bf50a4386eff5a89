/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * egate-udev-gen: write the udev rules that make the devices of the given
 * plugins egate candidates (70-egate-plugins.rules).
 *
 *   egate-udev-gen --output FILE PLUGIN.so...
 *
 * Each plugin's descriptor is read from its ELF file with egated's own loader
 * (no plugin code runs) and, for every entry:
 *   EG_MATCH_USB   a rule on the USB ids (on the device node, or on the
 *                  entry's subsystem) sets ID_EGATE_CANDIDATE=1 and, unless a
 *                  site rule chose already, ID_EGATE_PLUGIN=<plugin>;
 *   EG_MATCH_UDEV  the same on the subsystem and property.  An entry without
 *                  a property would take every device of its subsystem, which
 *                  is not opt-in: it gets no rule, only a comment, and such
 *                  devices need a site rule.
 * Test-only plugins (the mock) get no rules.
 *
 * It fails, naming both plugins, when two plugins would claim the same
 * devices (the same USB ids, the same subsystem and property), and when a
 * match string holds something that is not literal in a udev rule.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "discovery/discovery-match.h"
#include "macro.h"
#include "plugin-loader.h"

struct plugin_file {
        const char *path;
        struct eg_plugin_descriptor descriptor;
};

static bool flag_test_only(const struct plugin_file *p) {
        return (p->descriptor.flags & EG_PLUGIN_FLAG_TEST_ONLY) != 0;
}

/* udev compares with shell globs; a match string must stay literal. */
static bool udev_literal(const char *s, bool is_key) {
        for (; *s; s++) {
                if (is_key ? !((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
                               (*s >= '0' && *s <= '9') || *s == '_')
                           : strchr("\"\\*?[]|", *s) != NULL)
                        return false;
        }
        return true;
}

static int check_literal(const struct plugin_file *p, size_t i) {
        const struct eg_match *m = &p->descriptor.matches[i];
        char key[EG_MATCH_PROPERTY_MAX];
        const char *eq;

        if (!udev_literal(m->subsystem, true)) {
                fprintf(stderr,
                        "%s: plugin %s: matches[%zu] subsystem \"%s\" cannot be written "
                        "as a udev rule\n",
                        p->path, p->descriptor.name, i, m->subsystem);
                return -EINVAL;
        }
        if (m->kind != EG_MATCH_UDEV || m->property[0] == '\0')
                return 0;
        eq = strchr(m->property, '=');
        snprintf(key, sizeof(key), "%.*s", (int) (eq - m->property), m->property);
        if (!udev_literal(key, true) || !udev_literal(eq + 1, false)) {
                fprintf(stderr,
                        "%s: plugin %s: matches[%zu] property \"%s\" cannot be written "
                        "as a udev rule (key [A-Za-z0-9_], no quotes, backslashes or "
                        "pattern characters in the value)\n",
                        p->path, p->descriptor.name, i, m->property);
                return -EINVAL;
        }
        return 0;
}

static int load(struct plugin_file *p) {
        _cleanup_free_ char *reason = NULL;
        int r;

        r = eg_plugin_descriptor_read(p->path, &p->descriptor, &reason);
        if (r >= 0)
                r = eg_plugin_descriptor_validate(&p->descriptor, &reason);
        if (r < 0) {
                fprintf(stderr, "%s: not a usable plugin: %s\n", p->path,
                        reason ? reason : strerror(-r));
                return r;
        }
        for (size_t i = 0; i < EG_MATCH_MAX && p->descriptor.matches[i].kind != EG_MATCH_END; i++) {
                r = check_literal(p, i);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Two plugins must never both claim a device. */
static int check_conflicts(const struct plugin_file *plugins, size_t n) {
        int r = 0;

        for (size_t a = 0; a < n; a++)
                for (size_t b = a + 1; b < n; b++) {
                        const struct eg_plugin_descriptor *da = &plugins[a].descriptor,
                                                          *db = &plugins[b].descriptor;

                        if (flag_test_only(&plugins[a]) || flag_test_only(&plugins[b]))
                                continue;
                        if (streq(da->name, db->name)) {
                                fprintf(stderr, "%s and %s: both are plugin %s\n", plugins[a].path,
                                        plugins[b].path, da->name);
                                r = -EEXIST;
                                continue;
                        }
                        for (size_t i = 0; i < EG_MATCH_MAX && da->matches[i].kind; i++)
                                for (size_t j = 0; j < EG_MATCH_MAX && db->matches[j].kind; j++) {
                                        char ma[160], mb[160];

                                        if (!eg_matches_overlap(&da->matches[i], &db->matches[j]))
                                                continue;
                                        eg_match_describe(&da->matches[i], ma, sizeof(ma));
                                        eg_match_describe(&db->matches[j], mb, sizeof(mb));
                                        fprintf(stderr,
                                                "plugins %s (%s) and %s (%s) would both claim "
                                                "the same devices\n",
                                                da->name, ma, db->name, mb);
                                        r = -EEXIST;
                                }
                }
        return r;
}

/* The conditions that select the entry's devices, as a rule's leading match keys. */
static bool write_selector(FILE *f, const struct eg_match *m) {
        const char *subsystem, *devtype;

        switch (m->kind) {
        case EG_MATCH_USB:
                subsystem = eg_match_usb_subsystem(m, &devtype);
                fprintf(f, "SUBSYSTEM==\"%s\", ", subsystem);
                if (devtype)
                        fprintf(f, "ENV{DEVTYPE}==\"%s\", ", devtype);
                /* usb_id writes the ids as lower-case hex. */
                fprintf(f, "ENV{ID_VENDOR_ID}==\"%04x\", ENV{ID_MODEL_ID}==\"%04x\", ",
                        m->usb_vendor, m->usb_product);
                return true;
        case EG_MATCH_UDEV: {
                const char *eq = strchr(m->property, '=');

                if (!eq)
                        return false;
                fprintf(f, "SUBSYSTEM==\"%s\", ENV{%.*s}==\"%s\", ", m->subsystem,
                        (int) (eq - m->property), m->property, eq + 1);
                return true;
        }
        default:
                return false;
        }
}

static void write_plugin(FILE *f, const struct plugin_file *p) {
        const struct eg_plugin_descriptor *d = &p->descriptor;
        unsigned n_rules = 0;

        fprintf(f, "\n# %s %s (%s)\n", d->name, d->version, d->vendor);
        if (flag_test_only(p)) {
                fprintf(f, "# test-only plugin: no rules\n");
                return;
        }
        for (size_t i = 0; i < EG_MATCH_MAX && d->matches[i].kind != EG_MATCH_END; i++) {
                const struct eg_match *m = &d->matches[i];
                char what[160];

                eg_match_describe(m, what, sizeof(what));
                if (m->kind == EG_MATCH_CONFIG)
                        continue;
                if (m->kind == EG_MATCH_UDEV && m->property[0] == '\0') {
                        fprintf(f,
                                "# %s: a whole subsystem is not opt-in; tag such devices "
                                "with a site rule\n",
                                what);
                        continue;
                }
                if (!write_selector(f, m))
                        continue;
                fprintf(f, "ENV{" EG_PROP_CANDIDATE "}=\"1\"\n");
                write_selector(f, m);
                fprintf(f, "ENV{" EG_PROP_PLUGIN "}==\"\", ENV{" EG_PROP_PLUGIN "}=\"%s\"\n",
                        d->name);
                n_rules++;
        }
        if (n_rules == 0)
                fprintf(f, "# no udev matches: devices declared in egated.conf only\n");
}

static int write_rules(const char *output, const struct plugin_file *plugins, size_t n) {
        _cleanup_(fclosep) FILE *f = NULL;

        f = fopen(output, "we");
        if (!f) {
                fprintf(stderr, "%s: %s\n", output, strerror(errno));
                return -errno;
        }
        fprintf(f, "# Generated by egate-udev-gen from the plugins' descriptors: do not edit.\n"
                   "# Devices the installed plugins drive become egate candidates; "
                   "71-egate.rules\n"
                   "# then tags them for egated, unless ID_EGATE_IGNORE=1.\n\n"
                   "ACTION==\"remove\", GOTO=\"egate_plugins_end\"\n");
        for (size_t i = 0; i < n; i++)
                write_plugin(f, &plugins[i]);
        fprintf(f, "\nLABEL=\"egate_plugins_end\"\n");
        if (fflush(f) != 0 || ferror(f)) {
                fprintf(stderr, "%s: write error\n", output);
                return -EIO;
        }
        return 0;
}

static void usage(FILE *f) {
        fprintf(f, "Usage: egate-udev-gen --output FILE PLUGIN.so...\n"
                   "Write udev rules making the devices of the given egate plugins candidates.\n");
}

int main(int argc, char **argv) {
        static const struct option options[] = {
                { "output", required_argument, NULL, 'o' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        _cleanup_free_ struct plugin_file *plugins = NULL;
        const char *output = NULL;
        size_t n;
        int c, r = 0;

        while ((c = getopt_long(argc, argv, "o:h", options, NULL)) >= 0)
                switch (c) {
                case 'o':
                        output = optarg;
                        break;
                case 'h':
                        usage(stdout);
                        return EXIT_SUCCESS;
                default:
                        usage(stderr);
                        return EXIT_FAILURE;
                }
        if (!output) {
                usage(stderr);
                return EXIT_FAILURE;
        }

        n = (size_t) (argc - optind);
        plugins = calloc(n ? n : 1, sizeof(*plugins));
        if (!plugins)
                return EXIT_FAILURE;
        for (size_t i = 0; i < n; i++) {
                plugins[i].path = argv[optind + (int) i];
                if (load(&plugins[i]) < 0)
                        r = -EINVAL;
        }
        if (r < 0 || check_conflicts(plugins, n) < 0) {
                (void) remove(output);
                return EXIT_FAILURE;
        }
        if (write_rules(output, plugins, n) < 0) {
                (void) remove(output);
                return EXIT_FAILURE;
        }
        return EXIT_SUCCESS;
}
