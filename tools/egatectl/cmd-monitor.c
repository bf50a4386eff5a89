/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * egatectl monitor: egated's events, one line each, until interrupted.
 *
 * Every signal from org.egate.EGate1 under /org/egate/EGate1 arrives through
 * one match (the bus filters by sender, so nobody else can inject events).
 * Property changes are compared with what was last seen: egated announces a
 * lane's properties together, and only the ones that moved are events.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bus-json.h"
#include "egatectl-bus.h"
#include "egatectl.h"
#include "output.h"

struct monitor {
        sd_bus *bus;
        json_object *seen; /* object path -> { watched property -> last value } */
        int status; /* the first output failure, to end with */
};

/* The properties whose changes are events; the rest come with signals of their own. */
static const struct {
        const char *iface;
        const char *property; /* snake_case, as bus_read_properties() names it */
} watched[] = {
        { EGCTL_IFACE("Manager"), "state" },     { EGCTL_IFACE("Lane"), "mode" },
        { EGCTL_IFACE("Lane"), "state" },        { EGCTL_IFACE("Lane"), "ready" },
        { EGCTL_IFACE("Device"), "claimed_by" }, { EGCTL_IFACE("Door"), "position" },
        { EGCTL_IFACE("Door"), "lock_state" },
};

/* Argument names of the signals, as in dbus/org.egate.EGate1.*.xml. */
static const struct {
        const char *iface;
        const char *member;
        const char *names[5];
} signal_args[] = {
        { EGCTL_IFACE("Device"), "StateChanged", { "old", "new", "reason" } },
        { EGCTL_IFACE("Lane"), "TransactionStarted", { "id" } },
        { EGCTL_IFACE("Lane"),
          "StepFinished",
          { "id", "step", "result", "reason", "duration_us" } },
        { EGCTL_IFACE("Lane"), "TransactionFinished", { "id", "decision", "reasons" } },
        { EGCTL_IFACE("Lane"), "Alarm", { "kind", "detail" } },
        { EGCTL_IFACE("Lane"), "ModeChanged", { "mode", "reason", "operator" } },
        { EGCTL_IFACE("Door"), "Emergency", { "active" } },
        { EGCTL_IFACE("PresenceSensor"), "OccupancyChanged", { "zone", "count" } },
        { EGCTL_IFACE("PresenceSensor"), "BeamChanged", { "beam", "broken" } },
        { EGCTL_IFACE("PresenceSensor"), "Emergency", { "active" } },
};

static const char *signal_arg_name(const char *iface, const char *member, size_t i) {
        for (size_t s = 0; s < ELEMENTSOF(signal_args); s++) {
                if (!streq(signal_args[s].iface, iface) || !streq(signal_args[s].member, member))
                        continue;
                return i < ELEMENTSOF(signal_args[s].names) ? signal_args[s].names[i] : NULL;
        }
        return NULL;
}

/* What an object path names: ("device", id), ("lane", name), ("daemon", "egated"). */
static char *describe_path(const char *path, const char **ret_source) {
        char *name;

        if ((name = egctl_path_to_name(EGCTL_DEVICE_PREFIX, path))) {
                *ret_source = "device";
                return name;
        }
        if ((name = egctl_path_to_name(EGCTL_LANE_PREFIX, path))) {
                *ret_source = "lane";
                return name;
        }
        *ret_source = streq(path, EGCTL_ROOT_PATH) ? "daemon" : "object";
        return strdup(streq(path, EGCTL_ROOT_PATH) ? "egated" : path);
}

static void timestamps(char *human, size_t human_size, char *iso, size_t iso_size) {
        struct timespec ts;
        struct tm local, utc;
        char buf[32];

        (void) clock_gettime(CLOCK_REALTIME, &ts);
        (void) localtime_r(&ts.tv_sec, &local);
        (void) gmtime_r(&ts.tv_sec, &utc);
        (void) strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &local);
        (void) snprintf(human, human_size, "%s.%03ld", buf, ts.tv_nsec / 1000000);
        (void) strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &utc);
        (void) snprintf(iso, iso_size, "%s.%06ldZ", buf, ts.tv_nsec / 1000);
}

/* One event: a line for people, or one JSON object on one line. args may be NULL. */
static void emit(struct monitor *mon, const char *source, const char *id, const char *event,
                 json_object *args) {
        _cleanup_(json_object_putp) json_object *line = NULL;
        _cleanup_free_ char *escaped_id = NULL, *escaped_event = NULL;
        char human[64], iso[64];
        int r;

        timestamps(human, sizeof(human), iso, sizeof(iso));
        if (arg.json) {
                line = json_object_new_object();
                if (!line || json_add(line, "timestamp", json_object_new_string(iso)) < 0 ||
                    json_add(line, "source", json_object_new_string(source)) < 0 ||
                    json_add(line, "id", json_object_new_string(id)) < 0 ||
                    json_add(line, "event", json_object_new_string(event)) < 0 ||
                    json_add(line, "args",
                             args ? json_object_get(args) : json_object_new_object()) < 0)
                        r = EGCTL_EXIT_FAILURE;
                else
                        r = output_json_line(line);
                if (r != EGCTL_EXIT_OK && mon->status == EGCTL_EXIT_OK)
                        mon->status = r;
                return;
        }

        escaped_id = escape_control(id);
        escaped_event = escape_control(event);
        printf("%s %s %s %s", human, source, escaped_id ? escaped_id : "?",
               escaped_event ? escaped_event : "?");
        if (args) {
                json_object_object_foreach(args, key, value) {
                        _cleanup_free_ char *k = escape_control(key), *v = json_to_human(value);
                        bool quote = v && (!*v || strpbrk(v, " ,=\""));

                        printf(" %s=%s%s%s", k ? k : "?", quote ? "\"" : "", v ? v : "?",
                               quote ? "\"" : "");
                }
        }
        putchar('\n');
        if (fflush(stdout) != 0 && mon->status == EGCTL_EXIT_OK) {
                egctl_error("monitor: cannot write to standard output: %m");
                mon->status = EGCTL_EXIT_FAILURE;
        }
}

/* Remember the watched properties in props (the object at path's). */
static void remember(struct monitor *mon, const char *path, json_object *props) {
        json_object *known, *v;

        if (!json_object_object_get_ex(mon->seen, path, &known)) {
                known = json_object_new_object();
                if (json_add(mon->seen, path, known) < 0)
                        return;
        }
        for (size_t i = 0; i < ELEMENTSOF(watched); i++)
                if (json_object_object_get_ex(props, watched[i].property, &v))
                        (void) json_object_object_add(known, watched[i].property,
                                                      json_object_get(v));
}

static void remember_objects(struct monitor *mon, json_object *list, const char *prefix,
                             const char *key) {
        for (size_t i = 0; i < json_object_array_length(list); i++) {
                json_object *o = json_object_array_get_idx(list, i), *class_props;
                _cleanup_free_ char *path = NULL;

                if (sd_bus_path_encode(prefix, json_string_member(o, key), &path) < 0)
                        continue;
                remember(mon, path, o);
                if (json_object_object_get_ex(o, "class_properties", &class_props))
                        remember(mon, path, class_props);
        }
}

/* What egated has now, so the first changes compare with something. Quiet when egated is gone. */
static int learn_current_state(struct monitor *mon, sd_bus_error *error) {
        _cleanup_(json_object_putp) json_object *manager = NULL, *devices = NULL, *lanes = NULL;
        int r;

        json_object_put(mon->seen);
        mon->seen = json_object_new_object();
        if (!mon->seen)
                return -ENOMEM;
        r = bus_get_properties(mon->bus, EGCTL_ROOT_PATH, EGCTL_IFACE("Manager"), error, &manager);
        if (r >= 0)
                r = bus_get_objects(mon->bus, error, &devices, &lanes);
        if (r < 0)
                return egctl_exit_status(error, r) == EGCTL_EXIT_NOT_RUNNING ? 0 : r;
        remember(mon, EGCTL_ROOT_PATH, manager);
        remember_objects(mon, devices, EGCTL_DEVICE_PREFIX, "id");
        remember_objects(mon, lanes, EGCTL_LANE_PREFIX, "name");
        return 1;
}

static void on_interfaces_added(struct monitor *mon, sd_bus_message *m) {
        static const char *const device_keys[] = {
                "class", "lane", "role", "plugin", "state", NULL
        };
        static const char *const lane_keys[] = { "mode", "state", "ready", NULL };
        _cleanup_(json_object_putp) json_object *o = NULL, *args = NULL;
        _cleanup_free_ char *id = NULL;
        json_object *class_props;
        const char *path, *kind, *source;

        if (sd_bus_message_read(m, "o", &path) < 0 || bus_read_interfaces(m, path, &kind, &o) < 0 ||
            !kind)
                return;
        id = describe_path(path, &source);
        args = json_pick(o, streq(kind, "device") ? device_keys : lane_keys);
        if (!id || !args)
                return;
        remember(mon, path, o);
        if (json_object_object_get_ex(o, "class_properties", &class_props))
                remember(mon, path, class_props);
        emit(mon, source, id, "added", args);
}

static void on_interfaces_removed(struct monitor *mon, sd_bus_message *m) {
        _cleanup_free_ char *id = NULL;
        const char *path, *source;

        if (sd_bus_message_read(m, "o", &path) < 0)
                return;
        id = describe_path(path, &source);
        if (!id)
                return;
        json_object_object_del(mon->seen, path);
        emit(mon, source, id, "removed", NULL);
}

static void on_properties_changed(struct monitor *mon, sd_bus_message *m) {
        _cleanup_(json_object_putp) json_object *changed = NULL;
        _cleanup_free_ char *id = NULL;
        const char *iface, *source, *path = sd_bus_message_get_path(m);
        json_object *known = NULL, *value, *old;

        if (sd_bus_message_read(m, "s", &iface) < 0 || bus_read_properties(m, iface, &changed) < 0)
                return;
        id = describe_path(path, &source);
        if (!id)
                return;
        (void) json_object_object_get_ex(mon->seen, path, &known);

        for (size_t i = 0; i < ELEMENTSOF(watched); i++) {
                _cleanup_(json_object_putp) json_object *args = NULL;

                if (!streq(watched[i].iface, iface) ||
                    !json_object_object_get_ex(changed, watched[i].property, &value))
                        continue;
                old = NULL;
                if (known && json_object_object_get_ex(known, watched[i].property, &old) &&
                    json_object_equal(old, value))
                        continue;
                args = json_object_new_object();
                if (!args ||
                    json_add(args, "property", json_object_new_string(watched[i].property)) < 0 ||
                    json_add(args, "value", json_object_get(value)) < 0 ||
                    (old && json_add(args, "old_value", json_object_get(old)) < 0))
                        return;
                emit(mon, source, id, "PropertyChanged", args);
        }
        remember(mon, path, changed);
}

static void on_class_signal(struct monitor *mon, sd_bus_message *m, const char *iface) {
        _cleanup_(json_object_putp) json_object *args = json_object_new_object();
        _cleanup_free_ char *id = NULL;
        const char *member = sd_bus_message_get_member(m), *source;

        if (!args || !member)
                return;
        for (size_t i = 0; sd_bus_message_peek_type(m, NULL, NULL) > 0; i++) {
                const char *name = signal_arg_name(iface, member, i);
                char fallback[16];
                json_object *v = NULL;

                if (bus_read_value(m, &v) < 0)
                        return;
                if (!name) {
                        (void) snprintf(fallback, sizeof(fallback), "arg%zu", i);
                        name = fallback;
                }
                if (json_object_object_add(args, name, v) < 0) {
                        json_object_put(v);
                        return;
                }
        }
        id = describe_path(sd_bus_message_get_path(m), &source);
        if (id)
                emit(mon, source, id, member, args);
}

static int on_signal(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        struct monitor *mon = userdata;
        const char *iface = sd_bus_message_get_interface(m);
        const char *member = sd_bus_message_get_member(m);

        if (!iface || !member || !sd_bus_message_get_path(m))
                return 0;
        if (streq(iface, "org.freedesktop.DBus.ObjectManager")) {
                if (streq(member, "InterfacesAdded"))
                        on_interfaces_added(mon, m);
                else if (streq(member, "InterfacesRemoved"))
                        on_interfaces_removed(mon, m);
        } else if (streq(iface, "org.freedesktop.DBus.Properties")) {
                if (streq(member, "PropertiesChanged"))
                        on_properties_changed(mon, m);
        } else if (strncmp(iface, EGCTL_IFACE_PREFIX, strlen(EGCTL_IFACE_PREFIX)) == 0)
                on_class_signal(mon, m, iface);
        if (mon->status != EGCTL_EXIT_OK)
                return sd_event_exit(sd_bus_get_event(mon->bus), mon->status);
        return 0;
}

static int on_owner_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        struct monitor *mon = userdata;
        const char *name, *old_owner, *new_owner;

        if (sd_bus_message_read(m, "sss", &name, &old_owner, &new_owner) < 0)
                return 0;
        if (*new_owner) {
                _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;

                emit(mon, "daemon", "egated", "started", NULL);
                (void) learn_current_state(mon, &error);
        } else {
                emit(mon, "daemon", "egated", "stopped", NULL);
                json_object_put(mon->seen);
                mon->seen = json_object_new_object();
        }
        return 0;
}

int verb_monitor(int argc, char **argv) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_event_unrefp) sd_event *event = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        struct monitor mon = { .status = EGCTL_EXIT_OK };
        int r;

        r = egctl_bus_open(&bus);
        if (r != EGCTL_EXIT_OK)
                return r;
        r = egctl_event_new(bus, &event);
        if (r != EGCTL_EXIT_OK)
                return r;
        mon.bus = bus;

        /* Watch first, then read the state: nothing falls between the two. */
        r = sd_bus_add_match(bus, NULL,
                             "type='signal',sender='" EGCTL_BUS_NAME "',"
                             "path_namespace='" EGCTL_ROOT_PATH "'",
                             on_signal, &mon);
        if (r >= 0)
                r = egctl_match_daemon_owner(bus, NULL, on_owner_changed, &mon);
        if (r < 0)
                return egctl_bus_fail(NULL, r, "monitor: cannot subscribe to egated's signals");
        r = learn_current_state(&mon, &error);
        if (r < 0) {
                json_object_put(mon.seen);
                return egctl_bus_fail(&error, r, "monitor");
        }
        if (r == 0)
                fprintf(stderr, "egated is not running on the %s bus; waiting for it.\n",
                        arg.user_bus ? "session" : "system");
        fprintf(stderr, "Monitoring %s on the %s bus; Ctrl-C to stop.\n", EGCTL_BUS_NAME,
                arg.user_bus ? "session" : "system");

        r = sd_event_loop(event);
        json_object_put(mon.seen);
        if (r < 0) {
                egctl_error("monitor: the event loop failed: %s", strerror(-r));
                return EGCTL_EXIT_FAILURE;
        }
        return r;
}
