/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Operator actions on a lane: lane-mode, open-door, decide, abort.  Each
 * carries a reason that egated logs and audits with the caller's identity;
 * egated checks the words (mode, door, decision, reason) itself, so this
 * list and the daemon's cannot drift apart.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bus-json.h"
#include "egatectl-bus.h"
#include "egatectl.h"
#include "output.h"

/*
 * Call member on the lane with (word, reason), or (reason) when word is NULL.
 * Returns an exit status, having said what went wrong; *ret_bus stays open
 * for reading the outcome.
 */
static int lane_method(const char *verb, const char *lane, const char *member, const char *word,
                       const char *reason, sd_bus **ret_bus) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_free_ char *path = egctl_lane_path(lane), *what = NULL;
        int r;

        if (!path || asprintf(&what, "%s %s", verb, lane) < 0) {
                egctl_error("%s: out of memory", verb);
                return EGCTL_EXIT_FAILURE;
        }
        r = egctl_bus_open(&bus);
        if (r != EGCTL_EXIT_OK)
                return r;
        if (word)
                r = egctl_call(bus, path, EGCTL_IFACE("Lane"), member, &error, NULL, "ss", word,
                               reason);
        else
                r = egctl_call(bus, path, EGCTL_IFACE("Lane"), member, &error, NULL, "s", reason);
        if (r < 0)
                return egctl_object_fail(&error, r, "lane", what);
        if (ret_bus)
                *ret_bus = TAKE_PTR(bus);
        return EGCTL_EXIT_OK;
}

/* {"name": lane, key: value} as JSON, or the sentence for people. */
static int report(const char *lane, const char *key, const char *value, const char *sentence) {
        _cleanup_(json_object_putp) json_object *o = json_object_new_object();
        _cleanup_free_ char *name = escape_control(lane), *text = escape_control(sentence);

        if (!arg.json) {
                if (!name || !text)
                        return EGCTL_EXIT_FAILURE;
                printf("Lane %s: %s.\n", name, text);
                return EGCTL_EXIT_OK;
        }
        if (!o || json_add(o, "name", json_object_new_string(lane)) < 0 ||
            json_add(o, key, json_object_new_string(value)) < 0) {
                egctl_error("out of memory");
                return EGCTL_EXIT_FAILURE;
        }
        return output_json(o);
}

int verb_lane_mode(int argc, char **argv) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_free_ char *path = egctl_lane_path(argv[1]), *mode = NULL, *sentence = NULL;
        int r;

        r = lane_method("lane-mode", argv[1], "SetMode", argv[2], argv[3], &bus);
        if (r != EGCTL_EXIT_OK)
                return r;
        /* Say what the lane is in now, as egated sees it. */
        if (!path)
                return EGCTL_EXIT_FAILURE;
        r = egctl_get_string(bus, path, EGCTL_IFACE("Lane"), "Mode", &error, &mode);
        if (r < 0)
                return egctl_bus_fail(&error, r, "lane-mode %s: set, but reading it back failed",
                                      argv[1]);
        if (asprintf(&sentence, "mode %s", mode) < 0)
                return EGCTL_EXIT_FAILURE;
        return report(argv[1], "mode", mode, sentence);
}

int verb_open_door(int argc, char **argv) {
        _cleanup_free_ char *sentence = NULL;
        int r;

        r = lane_method("open-door", argv[1], "OpenDoor", argv[2], argv[3], NULL);
        if (r != EGCTL_EXIT_OK)
                return r;
        if (asprintf(&sentence, "%s door opened", argv[2]) < 0)
                return EGCTL_EXIT_FAILURE;
        return report(argv[1], "opened", argv[2], sentence);
}

int verb_decide(int argc, char **argv) {
        _cleanup_free_ char *sentence = NULL;
        int r;

        r = lane_method("decide", argv[1], "Decide", argv[2], argv[3], NULL);
        if (r != EGCTL_EXIT_OK)
                return r;
        if (asprintf(&sentence, "decided %s", argv[2]) < 0)
                return EGCTL_EXIT_FAILURE;
        return report(argv[1], "decision", argv[2], sentence);
}

int verb_abort(int argc, char **argv) {
        int r;

        r = lane_method("abort", argv[1], "Abort", NULL, argv[2], NULL);
        if (r != EGCTL_EXIT_OK)
                return r;
        return report(argv[1], "transaction", "aborted", "transaction aborted");
}
