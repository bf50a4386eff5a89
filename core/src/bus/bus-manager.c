/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* org.egate.EGate1.Manager on /org/egate/EGate1 (dbus/org.egate.EGate1.Manager.xml). */
#include <errno.h>
#include <stdlib.h>

#include "bus-errors.h"
#include "bus.h"
#include "egate-build-config.h"
#include "log.h"
#include "manager.h"
#include "pki.h"

static int property_version(sd_bus *bus, const char *path, const char *iface, const char *property,
                            sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "s", EGATE_VERSION);
}

static int property_api_version(sd_bus *bus, const char *path, const char *iface,
                                const char *property, sd_bus_message *reply, void *userdata,
                                sd_bus_error *error) {
        return sd_bus_message_append(reply, "u", (uint32_t) EG_BUS_API_VERSION);
}

static int property_state(sd_bus *bus, const char *path, const char *iface, const char *property,
                          sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        struct eg_bus *b = userdata;

        return sd_bus_message_append(reply, "s", b->manager->stopping ? "stopping" : b->state);
}

static int property_plugins(sd_bus *bus, const char *path, const char *iface, const char *property,
                            sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        struct eg_bus *b = userdata;
        struct eg_plugin *p;
        int r;

        r = sd_bus_message_open_container(reply, 'a', "(ssssss)");
        if (r < 0)
                return r;
        EG_LIST_FOREACH (plugins, p, b->manager->plugins) {
                const struct eg_plugin_descriptor *d = &p->module.descriptor;
                const char *base = strrchr(p->module.path, '/');
                char abi[16] = "";

                const char *file = base ? base + 1 : p->module.path;
                const char *reason = p->module.reason ? p->module.reason : "";

                if (p->module.name)
                        (void) snprintf(abi, sizeof(abi), "%u.%u", d->abi_major, d->abi_minor);
                /* Descriptor strings were validated as printable ASCII by the loader;
                 * a file name is whatever landed in the directory, and a reason may quote
                 * one (a duplicate's path, dlerror()).  One string that is not UTF-8 would
                 * fail the whole property, and with it Manager.GetAll. */
                if (!eg_string_is_safe(file, 255))
                        file = "(file name not printable)";
                if (!eg_string_is_safe(reason, 4096))
                        reason = "(reason not printable: see egated's log)";
                r = sd_bus_message_append(reply, "(ssssss)", p->module.name ? p->module.name : file,
                                          p->module.name ? d->version : "",
                                          p->module.name ? d->vendor : "", abi,
                                          eg_plugin_state_to_string(p->module.state), reason);
                if (r < 0)
                        return r;
        }
        return sd_bus_message_close_container(reply);
}

static int property_lanes(sd_bus *bus, const char *path, const char *iface, const char *property,
                          sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        _cleanup_(strv_freep) char **paths = NULL;
        int r = eg_bus_lane_paths(userdata, &paths);

        if (r < 0)
                return r;
        return eg_bus_append_object_paths(reply, paths);
}

static int property_devices(sd_bus *bus, const char *path, const char *iface, const char *property,
                            sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        _cleanup_(strv_freep) char **paths = NULL;
        int r = eg_bus_device_paths(userdata, &paths);

        if (r < 0)
                return r;
        return eg_bus_append_object_paths(reply, paths);
}

/* PIPELINE: the PKI lists behind passive authentication and their freshness (pki.h). */
static int property_pki(sd_bus *bus, const char *path, const char *iface, const char *property,
                        sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        struct eg_bus *b = userdata;
        struct eg_pki_status st;

        eg_pki_get_status(b->manager, &st);
        if (streq(property, "PkiState"))
                return sd_bus_message_append(reply, "s", eg_pki_state_to_string(st.state));
        if (streq(property, "TrustAnchors"))
                return sd_bus_message_append(reply, "u", st.n_csca);
        if (streq(property, "RevocationLists"))
                return sd_bus_message_append(reply, "u", st.n_crl);
        return sd_bus_message_append(reply, "t",
                                     st.crl_due > 0 ? (uint64_t) st.crl_due * 1000000u : 0);
}

void eg_bus_manager_pki_changed(struct eg_bus *b) {
        (void) sd_bus_emit_properties_changed(b->bus, EG_BUS_ROOT_PATH, EG_BUS_IFACE("Manager"),
                                              "PkiState", "TrustAnchors", "RevocationLists",
                                              "NextCrlUpdate", NULL);
}

static int method_reload(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        struct eg_bus *b = userdata;
        _cleanup_free_ char *message = NULL, *caller = eg_bus_caller_description(b, m);
        int r;

        if (b->manager->stopping)
                return sd_bus_error_set(error, EG_BUS_ERROR_SHUTTING_DOWN, "egated is stopping");
        if (!b->reload)
                return sd_bus_error_set(error, EG_BUS_ERROR_NOT_SUPPORTED, "reload not available");
        log_notice("reload requested by %s", strna(caller));
        r = b->reload(b->reload_userdata, &message);
        if (r < 0)
                return sd_bus_error_setf(error, EG_BUS_ERROR_INVALID_ARGUMENT,
                                         "configuration refused, the running one stays: %s",
                                         message ? message : "see the log");
        return sd_bus_reply_method_return(m, NULL);
}

static const sd_bus_vtable manager_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Version", "s", property_version, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("ApiVersion", "u", property_api_version, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("State", "s", property_state, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Plugins", "a(ssssss)", property_plugins, 0,
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Lanes", "ao", property_lanes, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Devices", "ao", property_devices, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("PkiState", "s", property_pki, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("TrustAnchors", "u", property_pki, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("RevocationLists", "u", property_pki, 0,
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("NextCrlUpdate", "t", property_pki, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_METHOD("Reload", "", "", method_reload, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END,
};

int eg_bus_manager_register(struct eg_bus *b) {
        int r;

        r = sd_bus_add_object_manager(b->bus, &b->slots[b->n_slots++], EG_BUS_ROOT_PATH);
        if (r < 0)
                return r;
        return sd_bus_add_object_vtable(b->bus, &b->slots[b->n_slots++], EG_BUS_ROOT_PATH,
                                        EG_BUS_IFACE("Manager"), manager_vtable, b);
}

void eg_bus_manager_changed(struct eg_bus *b, const char *property) {
        (void) sd_bus_emit_properties_changed(b->bus, EG_BUS_ROOT_PATH, EG_BUS_IFACE("Manager"),
                                              property, NULL);
}
