/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * egated --check-config: the configuration egated would start or reload
 * with, read and judged without starting anything, so that an operator (or
 * the tool that deploys the file) learns of a mistake before the SIGHUP that
 * would be refused, or the start that would fail.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "macro.h"

static void print_summary(const struct eg_config *c, FILE *out) {
        size_t n_files = strv_length(c->files);

        if (n_files == 0)
                fputs("no configuration file: egated runs on its built-in defaults\n", out);
        else
                fprintf(out, "configuration valid: %zu file(s)\n", n_files);
        for (size_t i = 0; i < n_files; i++)
                fprintf(out, "  file    %s\n", c->files[i]);
        for (size_t i = 0; i < c->n_plugins; i++)
                fprintf(out, "  plugin  %s\n", c->plugins[i].name);
        for (size_t i = 0; i < c->n_devices; i++)
                fprintf(out, "  device  %s (%s, plugin %s)\n", c->devices[i].name,
                        eg_device_class_to_string(c->devices[i].device_class),
                        c->devices[i].plugin);
        for (size_t i = 0; i < c->n_policies; i++)
                fprintf(out, "  policy  %s\n", c->policies[i].name);
        for (size_t i = 0; i < c->n_lanes; i++)
                fprintf(out, "  lane    %s (starts %s, policy %s)\n", c->lanes[i].name,
                        eg_lane_mode_to_string(c->lanes[i].mode), c->lanes[i].policy);
}

int eg_config_check(const char *path, FILE *out, FILE *err) {
        _cleanup_(eg_config_freep) struct eg_config *c = NULL;
        struct eg_config_errors errors = {};
        int r;

        r = eg_config_load(path, &c, &errors);
        for (size_t i = 0; i < errors.n; i++)
                fprintf(err, "%s\n", errors.messages[i]);
        eg_config_errors_clear(&errors);
        if (r < 0) {
                fprintf(err, "configuration invalid (%s): egated would refuse it\n", strerror(-r));
                return r;
        }
        print_summary(c, out);
        return 0;
}
