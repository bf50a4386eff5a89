/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Device operations: claim, release, force-release, door, indicator,
 * read-mrz, inspect, presence.  Class methods need the caller's claim, so each runs
 * claim, call and release on one connection (device-session.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "bus-json.h"
#include "device-session.h"
#include "egatectl-bus.h"
#include "egatectl.h"
#include "output.h"

static int oom(const char *verb) {
        egctl_error("%s: out of memory", verb);
        return EGCTL_EXIT_FAILURE;
}

int verb_claim(int argc, char **argv) {
        _cleanup_(device_session_done) struct device_session s = DEVICE_SESSION_INIT;
        _cleanup_(json_object_putp) json_object *o = NULL;
        _cleanup_free_ char *id = NULL;
        const char *unique = NULL;
        int r;

        r = device_session_open(&s, "claim", argv[1], NULL);
        if (r == EGCTL_EXIT_OK)
                r = device_session_claim(&s);
        if (r != EGCTL_EXIT_OK)
                return r;
        (void) sd_bus_get_unique_name(s.bus, &unique);
        if (arg.json) {
                o = json_object_new_object();
                if (!o || json_add(o, "id", json_object_new_string(s.id)) < 0 ||
                    json_add(o, "claimed_by", json_object_new_string(unique ? unique : "")) < 0)
                        return oom("claim");
                r = output_json(o);
        } else {
                id = escape_control(s.id);
                if (!id)
                        return oom("claim");
                printf("Claimed %s as %s.\n", id, unique ? unique : "?");
                r = fflush(stdout) == 0 ? EGCTL_EXIT_OK : EGCTL_EXIT_FAILURE;
        }
        if (r != EGCTL_EXIT_OK)
                return r;
        r = device_session_hold(&s);
        device_session_done(&s);
        if (r == EGCTL_EXIT_OK && !arg.json)
                printf("Released %s.\n", id ? id : "the device");
        return r;
}

int verb_release(int argc, char **argv) {
        _cleanup_(device_session_done) struct device_session s = DEVICE_SESSION_INIT;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        r = device_session_open(&s, "release", argv[1], NULL);
        if (r != EGCTL_EXIT_OK)
                return r;
        r = egctl_call(s.bus, s.path, EGCTL_IFACE("Device"), "Release", &error, NULL, NULL);
        if (r < 0) {
                r = egctl_object_fail(&error, r, "device", s.what);
                if (sd_bus_error_has_name(&error, "org.egate.EGate1.Error.NotClaimed"))
                        fprintf(stderr, "egatectl: a claim belongs to the connection that made it: "
                                        "stop the egatectl holding it, or use force-release\n");
                return r;
        }
        return EGCTL_EXIT_OK;
}

int verb_force_release(int argc, char **argv) {
        _cleanup_(device_session_done) struct device_session s = DEVICE_SESSION_INIT;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_free_ char *id = NULL;
        int r;

        r = device_session_open(&s, "force-release", argv[1], NULL);
        if (r != EGCTL_EXIT_OK)
                return r;
        r = egctl_call(s.bus, s.path, EGCTL_IFACE("Device"), "ForceRelease", &error, NULL, "s",
                       argv[2]);
        if (r < 0)
                return egctl_object_fail(&error, r, "device", s.what);
        if (arg.json) {
                _cleanup_(json_object_putp) json_object *o = json_object_new_object();

                if (!o || json_add(o, "id", json_object_new_string(s.id)) < 0 ||
                    json_add(o, "released", json_object_new_boolean(true)) < 0)
                        return oom("force-release");
                return output_json(o);
        }
        id = escape_control(s.id);
        printf("Force-released %s.\n", id ? id : "the device");
        return EGCTL_EXIT_OK;
}

static const char *door_method(const char *action) {
        static const struct {
                const char *action;
                const char *method;
        } actions[] = {
                { "open", "Open" },
                { "close", "Close" },
                { "lock", "Lock" },
                { "safe-state", "SafeState" },
        };

        for (size_t i = 0; i < ELEMENTSOF(actions); i++)
                if (streq(actions[i].action, action))
                        return actions[i].method;
        return NULL;
}

/* What the door says now: {"id", "action", "position", "lock_state", ...}. */
static int report_door(struct device_session *s, const char *action) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(json_object_putp) json_object *o = json_object_new_object(), *props = NULL;
        _cleanup_free_ char *id = escape_control(s->id), *position = NULL, *lock = NULL;
        int r;

        r = bus_get_properties(s->bus, s->path, EGCTL_IFACE("Door"), &error, &props);
        if (r < 0)
                return egctl_bus_fail(&error, r, "%s: done, but reading the door's state failed",
                                      s->what);
        if (!o || !id || json_add(o, "id", json_object_new_string(s->id)) < 0 ||
            json_add(o, "action", json_object_new_string(action)) < 0)
                return oom("door");
        json_object_object_foreach(
                props, key, value) if (json_object_object_add(o, key, json_object_get(value)) <
                                       0) return oom("door");
        if (arg.json)
                return output_json(o);
        position = escape_control(json_string_member(o, "position"));
        lock = escape_control(json_string_member(o, "lock_state"));
        if (!position || !lock)
                return oom("door");
        printf("%s: %s done; position %s, %s.\n", id, action, position, lock);
        return EGCTL_EXIT_OK;
}

int verb_door(int argc, char **argv) {
        static const char *const classes[] = { "door", NULL };
        _cleanup_(device_session_done) struct device_session s = DEVICE_SESSION_INIT;
        const char *method = door_method(argv[2]);
        int r;

        if (!method) {
                egctl_error("door: unknown action '%s': use open, close, lock or safe-state",
                            argv[2]);
                return EGCTL_EXIT_USAGE;
        }
        r = device_session_open(&s, "door", argv[1], classes);
        if (r == EGCTL_EXIT_OK)
                r = device_session_claim(&s);
        if (r != EGCTL_EXIT_OK)
                return r;
        r = device_session_call(&s, method, NULL, NULL);
        if (r == EGCTL_EXIT_OK)
                r = report_door(&s, argv[2]);
        return device_session_finish(&s, r);
}

int verb_indicator(int argc, char **argv) {
        static const char *const classes[] = { "indicator", NULL };
        _cleanup_(device_session_done) struct device_session s = DEVICE_SESSION_INIT;
        _cleanup_(json_object_putp) json_object *o = NULL;
        const char *language = arg.language ? arg.language : "";
        int r;

        r = device_session_open(&s, "indicator", argv[1], classes);
        if (r == EGCTL_EXIT_OK)
                r = device_session_claim(&s);
        if (r != EGCTL_EXIT_OK)
                return r;
        /* egated checks colour, pattern and language: one list of the words, its own. */
        r = device_session_call(&s, "Set", NULL, "ssbus", argv[2], argv[3], (int) arg.buzzer,
                                arg.message_id, language);
        if (r != EGCTL_EXIT_OK)
                return device_session_finish(&s, r);

        if (arg.json) {
                o = json_object_new_object();
                if (!o || json_add(o, "id", json_object_new_string(s.id)) < 0 ||
                    json_add(o, "colour", json_object_new_string(argv[2])) < 0 ||
                    json_add(o, "pattern", json_object_new_string(argv[3])) < 0 ||
                    json_add(o, "buzzer", json_object_new_boolean(arg.buzzer)) < 0 ||
                    json_add(o, "message_id", json_object_new_int64(arg.message_id)) < 0 ||
                    json_add(o, "language", json_object_new_string(language)) < 0)
                        r = oom("indicator");
                else
                        r = output_json(o);
        } else {
                _cleanup_free_ char *id = escape_control(s.id);

                printf("%s: %s, %s, buzzer %s, message %u%s%s.\n", id ? id : "?", argv[2], argv[3],
                       arg.buzzer ? "on" : "off", arg.message_id, *language ? " in " : "",
                       language);
        }
        return device_session_finish(&s, r);
}

/* The MRZ's lines as a JSON array. */
static json_object *mrz_lines(const char *mrz) {
        json_object *lines = json_object_new_array();

        for (const char *p = mrz; lines && *p;) {
                size_t n = strcspn(p, "\n");
                json_object *line = json_object_new_string_len(p, (int) n);

                if (!line || json_object_array_add(lines, line) < 0) {
                        json_object_put(line);
                        json_object_put(lines);
                        return NULL;
                }
                p += n;
                if (*p == '\n')
                        p++;
        }
        return lines;
}

int verb_read_mrz(int argc, char **argv) {
        static const char *const classes[] = { "document-reader", NULL };
        _cleanup_(device_session_done) struct device_session s = DEVICE_SESSION_INIT;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(json_object_putp) json_object *o = NULL, *lines = NULL;
        const char *mrz;
        int r;

        r = device_session_open(&s, "read-mrz", argv[1], classes);
        if (r == EGCTL_EXIT_OK)
                r = device_session_claim(&s);
        if (r != EGCTL_EXIT_OK)
                return r;
        r = device_session_call(&s, "ReadMrz", &reply, NULL);
        if (r != EGCTL_EXIT_OK)
                return device_session_finish(&s, r);
        r = sd_bus_message_read(reply, "s", &mrz);
        if (r < 0)
                return device_session_finish(
                        &s, egctl_bus_fail(NULL, r, "%s: unreadable reply", s.what));

        egctl_warning("the MRZ is personal data: do not keep it in tickets, logs or shell "
                      "history");
        lines = mrz_lines(mrz);
        if (!lines)
                return device_session_finish(&s, oom("read-mrz"));
        if (arg.json) {
                o = json_object_new_object();
                if (!o || json_add(o, "id", json_object_new_string(s.id)) < 0 ||
                    json_add(o, "mrz", json_object_get(lines)) < 0)
                        r = oom("read-mrz");
                else
                        r = output_json(o);
                return device_session_finish(&s, r);
        }
        for (size_t i = 0; i < json_object_array_length(lines); i++) {
                _cleanup_free_ char *line =
                        escape_control(json_object_get_string(json_object_array_get_idx(lines, i)));

                if (!line)
                        return device_session_finish(&s, oom("read-mrz"));
                printf("%s\n", line);
        }
        return device_session_finish(&s, EGCTL_EXIT_OK);
}

/* One verdict's checks: read from the reply into a JSON array. */
static int read_checks(sd_bus_message *reply, json_object **ret) {
        _cleanup_(json_object_putp) json_object *a = json_object_new_array();
        const char *name;
        int r;

        if (!a)
                return -ENOMEM;
        r = sd_bus_message_enter_container(reply, 'a', "s");
        while (r >= 0 && (r = sd_bus_message_read(reply, "s", &name)) > 0)
                if (json_object_array_add(a, json_object_new_string(name)) < 0)
                        return -ENOMEM;
        if (r >= 0)
                r = sd_bus_message_exit_container(reply);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(a);
        return 0;
}

int verb_inspect(int argc, char **argv) {
        static const char *const classes[] = { "document-reader", NULL };
        static const char *const verdicts[] = { "passed", "failed", "undetermined" };
        _cleanup_(device_session_done) struct device_session s = DEVICE_SESSION_INIT;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(json_object_putp) json_object *o = NULL;
        const char *model;
        int r;

        r = device_session_open(&s, "inspect", argv[1], classes);
        if (r == EGCTL_EXIT_OK)
                r = device_session_claim(&s);
        if (r != EGCTL_EXIT_OK)
                return r;
        r = device_session_call(&s, "Inspect", &reply, NULL);
        if (r != EGCTL_EXIT_OK)
                return device_session_finish(&s, r);
        o = json_object_new_object();
        if (!o || json_add(o, "id", json_object_new_string(s.id)) < 0)
                return device_session_finish(&s, oom("inspect"));
        r = sd_bus_message_read(reply, "s", &model);
        if (r >= 0 && *model && json_add(o, "model", json_object_new_string(model)) < 0)
                return device_session_finish(&s, oom("inspect"));
        if (r >= 0 && !*model && json_object_object_add(o, "model", NULL) < 0)
                return device_session_finish(&s, oom("inspect")); /* JSON null: none fits */
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(verdicts); i++) {
                json_object *checks = NULL;

                r = read_checks(reply, &checks);
                if (r >= 0 && json_add(o, verdicts[i], checks) < 0)
                        return device_session_finish(&s, oom("inspect"));
        }
        if (r < 0)
                return device_session_finish(
                        &s, egctl_bus_fail(NULL, r, "%s: unreadable reply", s.what));
        if (arg.json)
                return device_session_finish(&s, output_json(o));

        printf("model: %s\n", *model ? model : "(none fits)");
        for (size_t i = 0; i < ELEMENTSOF(verdicts); i++) {
                json_object *checks = json_object_object_get(o, verdicts[i]);

                printf("%s:", verdicts[i]);
                for (size_t k = 0; k < json_object_array_length(checks); k++)
                        printf(" %s", json_object_get_string(json_object_array_get_idx(checks, k)));
                printf("\n");
        }
        return device_session_finish(&s, EGCTL_EXIT_OK);
}

int verb_presence(int argc, char **argv) {
        static const char *const classes[] = { "presence-sensor", NULL };
        _cleanup_(device_session_done) struct device_session s = DEVICE_SESSION_INIT;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(json_object_putp) json_object *o = NULL;
        const char *zone = argc > 2 ? argv[2] : "";
        int64_t count;
        int r;

        r = device_session_open(&s, "presence", argv[1], classes);
        if (r == EGCTL_EXIT_OK)
                r = device_session_claim(&s);
        if (r != EGCTL_EXIT_OK)
                return r;
        r = device_session_call(&s, "Read", &reply, "s", zone);
        if (r != EGCTL_EXIT_OK)
                return device_session_finish(&s, r);
        r = sd_bus_message_read(reply, "x", &count);
        if (r < 0)
                return device_session_finish(
                        &s, egctl_bus_fail(NULL, r, "%s: unreadable reply", s.what));
        if (arg.json) {
                o = json_object_new_object();
                if (!o || json_add(o, "id", json_object_new_string(s.id)) < 0 ||
                    json_add(o, "zone", json_object_new_string(zone)) < 0 ||
                    json_add(o, "count", json_object_new_int64(count)) < 0)
                        r = oom("presence");
                else
                        r = output_json(o);
        } else {
                _cleanup_free_ char *z = escape_control(*zone ? zone : "(the sensor's own zone)");

                printf("%s: %" PRId64 "\n", z ? z : "?", count);
                r = EGCTL_EXIT_OK;
        }
        return device_session_finish(&s, r);
}
