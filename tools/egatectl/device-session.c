/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
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

static bool class_is_one_of(const char *device_class, const char *const *classes) {
        for (; *classes; classes++)
                if (streq(*classes, device_class))
                        return true;
        return false;
}

static int wrong_class(struct device_session *s, const char *const *classes) {
        _cleanup_free_ char *device_class = escape_control(s->device_class);

        if (!classes[1]) {
                egctl_error("%s: the device is a %s, not a %s", s->what,
                            device_class ? device_class : "?", classes[0]);
                return EGCTL_EXIT_USAGE;
        }
        fprintf(stderr, "egatectl: %s: the device is a %s; this works with a ", s->what,
                device_class ? device_class : "?");
        for (size_t i = 0; classes[i]; i++)
                fprintf(stderr, "%s%s", i == 0 ? "" : classes[i + 1] ? ", " : " or ", classes[i]);
        fputc('\n', stderr);
        return EGCTL_EXIT_USAGE;
}

int device_session_open(struct device_session *s, const char *verb, const char *id,
                        const char *const *classes) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        s->id = strdup(id);
        s->path = egctl_device_path(id);
        if (!s->id || !s->path || asprintf(&s->what, "%s %s", verb, id) < 0) {
                s->what = NULL;
                return oom(verb);
        }
        r = egctl_bus_open(&s->bus);
        if (r != EGCTL_EXIT_OK)
                return r;

        r = egctl_get_string(s->bus, s->path, EGCTL_IFACE("Device"), "Class", &error,
                             &s->device_class);
        if (r < 0)
                return egctl_object_fail(&error, r, "device", s->what);
        if (classes && !class_is_one_of(s->device_class, classes))
                return wrong_class(s, classes);
        return EGCTL_EXIT_OK;
}

int device_session_claim(struct device_session *s) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        r = egctl_call(s->bus, s->path, EGCTL_IFACE("Device"), "Claim", &error, NULL, NULL);
        if (r < 0)
                return egctl_object_fail(&error, r, "device", s->what);
        s->claimed = true;
        return EGCTL_EXIT_OK;
}

int device_session_call(struct device_session *s, const char *member, sd_bus_message **reply,
                        const char *types, ...) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        const char *iface = egctl_class_interface(s->device_class);
        va_list ap;
        int r;

        if (!iface) {
                egctl_error("%s: unknown device class", s->what);
                return EGCTL_EXIT_FAILURE;
        }
        r = sd_bus_message_new_method_call(s->bus, &m, EGCTL_BUS_NAME, s->path, iface, member);
        if (r >= 0 && types) {
                va_start(ap, types);
                r = sd_bus_message_appendv(m, types, ap);
                va_end(ap);
        }
        if (r < 0)
                return egctl_bus_fail(NULL, r, "%s", s->what);
        r = sd_bus_call(s->bus, m, 0, &error, reply);
        if (r < 0)
                return egctl_object_fail(&error, r, "device", s->what);
        return EGCTL_EXIT_OK;
}

static int end_hold(sd_bus_message *m, int status, const char *why) {
        sd_event *event = sd_bus_get_event(sd_bus_message_get_bus(m));

        egctl_error("%s", why);
        return sd_event_exit(event, status);
}

static int on_device_properties(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        struct device_session *s = userdata;
        _cleanup_(json_object_putp) json_object *changed = NULL;
        _cleanup_free_ char *why = NULL;
        const char *iface, *unique = NULL;
        json_object *holder;

        if (sd_bus_message_read(m, "s", &iface) < 0 || !streq(iface, EGCTL_IFACE("Device")) ||
            bus_read_properties(m, iface, &changed) < 0 ||
            !json_object_object_get_ex(changed, "claimed_by", &holder))
                return 0;
        (void) sd_bus_get_unique_name(s->bus, &unique);
        if (streq_ptr(json_object_get_string(holder), unique))
                return 0;
        s->claimed = false;
        if (asprintf(&why, "%s: the claim was taken away (force-released)", s->what) < 0)
                why = NULL;
        return end_hold(m, EGCTL_EXIT_BUSY, why ? why : "the claim was taken away");
}

/* A stopping egated removes its devices first: say why the claim ends. */
static int on_manager_properties(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        struct device_session *s = userdata;
        _cleanup_(json_object_putp) json_object *changed = NULL;
        _cleanup_free_ char *why = NULL;
        const char *iface;

        if (sd_bus_message_read(m, "s", &iface) < 0 || !streq(iface, EGCTL_IFACE("Manager")) ||
            bus_read_properties(m, iface, &changed) < 0 ||
            !streq(json_string_member(changed, "state"), "stopping"))
                return 0;
        s->claimed = false;
        if (asprintf(&why, "%s: egated is stopping; the claim ends with it", s->what) < 0)
                why = NULL;
        return end_hold(m, EGCTL_EXIT_NOT_RUNNING, why ? why : "egated is stopping");
}

static int on_interfaces_removed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        struct device_session *s = userdata;
        _cleanup_free_ char *why = NULL;
        const char *path;

        if (sd_bus_message_read(m, "o", &path) < 0 || !streq(path, s->path))
                return 0;
        s->claimed = false;
        if (asprintf(&why, "%s: the device went away", s->what) < 0)
                why = NULL;
        return end_hold(m, EGCTL_EXIT_NOT_FOUND, why ? why : "the device went away");
}

static int on_owner_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        struct device_session *s = userdata;
        _cleanup_free_ char *why = NULL;
        const char *name, *old_owner, *new_owner;

        if (sd_bus_message_read(m, "sss", &name, &old_owner, &new_owner) < 0 || *new_owner)
                return 0;
        s->claimed = false;
        if (asprintf(&why, "%s: egated stopped; the claim ended with it", s->what) < 0)
                why = NULL;
        return end_hold(m, EGCTL_EXIT_NOT_RUNNING, why ? why : "egated stopped");
}

int device_session_hold(struct device_session *s) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_event_unrefp) sd_event *event = NULL;
        _cleanup_free_ char *holder = NULL;
        const char *unique = NULL;
        int r;

        r = egctl_event_new(s->bus, &event);
        if (r != EGCTL_EXIT_OK)
                return r;
        r = sd_bus_match_signal(s->bus, NULL, EGCTL_BUS_NAME, s->path,
                                "org.freedesktop.DBus.Properties", "PropertiesChanged",
                                on_device_properties, s);
        if (r >= 0)
                r = sd_bus_match_signal(s->bus, NULL, EGCTL_BUS_NAME, EGCTL_ROOT_PATH,
                                        "org.freedesktop.DBus.ObjectManager", "InterfacesRemoved",
                                        on_interfaces_removed, s);
        if (r >= 0)
                r = sd_bus_match_signal(s->bus, NULL, EGCTL_BUS_NAME, EGCTL_ROOT_PATH,
                                        "org.freedesktop.DBus.Properties", "PropertiesChanged",
                                        on_manager_properties, s);
        if (r >= 0)
                r = egctl_match_daemon_owner(s->bus, NULL, on_owner_changed, s);
        if (r < 0)
                return egctl_bus_fail(NULL, r, "%s: cannot watch the claim", s->what);

        /* The claim may have ended before the watch began. */
        r = egctl_get_string(s->bus, s->path, EGCTL_IFACE("Device"), "ClaimedBy", &error, &holder);
        if (r < 0)
                return egctl_object_fail(&error, r, "device", s->what);
        (void) sd_bus_get_unique_name(s->bus, &unique);
        if (!streq_ptr(holder, unique)) {
                s->claimed = false;
                egctl_error("%s: the claim was taken away", s->what);
                return EGCTL_EXIT_BUSY;
        }

        _cleanup_free_ char *id = escape_control(s->id);
        fprintf(stderr, "Holding the claim on %s until interrupted (Ctrl-C).\n", id ? id : "?");
        r = sd_event_loop(event);
        if (r < 0) {
                egctl_error("%s: the event loop failed: %s", s->what, strerror(-r));
                return EGCTL_EXIT_FAILURE;
        }
        return r;
}

static void release(struct device_session *s) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_free_ char *message = NULL;
        int r;

        if (!s->claimed || !s->bus)
                return;
        s->claimed = false;
        r = egctl_call(s->bus, s->path, EGCTL_IFACE("Device"), "Release", &error, NULL, NULL);
        /* The claim ends with this connection anyway: say so, but it is no failure. */
        if (r < 0) {
                message = escape_control(error.message ? error.message : strerror(-r));
                egctl_warning("%s: release failed: %s; the claim ends as egatectl disconnects",
                              s->what, message ? message : "?");
        }
}

int device_session_finish(struct device_session *s, int status) {
        if (status == EGCTL_EXIT_OK && arg.keep_claim && s->claimed) {
                fflush(stdout);
                status = device_session_hold(s);
        }
        release(s);
        return status;
}

void device_session_done(struct device_session *s) {
        release(s);
        s->bus = sd_bus_flush_close_unref(s->bus);
        free(s->id);
        free(s->path);
        free(s->device_class);
        free(s->what);
        *s = (struct device_session) DEVICE_SESSION_INIT;
}
