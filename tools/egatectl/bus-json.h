/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * egatectl's one data model: what egated publishes, as JSON objects.  The
 * human output is drawn from the same objects that --json prints.
 *
 * Names: property and argument names become snake_case ("NotReadyReason"
 * -> "not_ready_reason"); keys that are data (Health's counters, zone names)
 * stay as the daemon sent them.  Object paths of devices and lanes become
 * their ids and names.
 *
 *   device  { "id", "class", "plugin", ..., "class_properties": { ... } }
 *   lane    { "name", "mode", ..., "devices": [ { "role", "device" } ], ... }
 *   manager { "version", "api_version", "state", "plugins": [ { "name", ... } ],
 *             "lanes": [ NAME ], "devices": [ ID ] }
 */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <systemd/sd-bus.h>

/* o's member key as a string ("" if missing). */
const char *json_string_member(json_object *o, const char *key);
bool json_bool_member(json_object *o, const char *key);
/* Add v to o, taking it; -ENOMEM (and v dropped) when v is NULL or adding fails. */
int json_add(json_object *o, const char *key, json_object *v);
/* A new object with the members of o named in keys (NULL-terminated), those it has. */
json_object *json_pick(json_object *o, const char *const *keys);

/* "NotReadyReason" -> "not_ready_reason"; NULL on OOM. */
char *snake_case(const char *name);

/* The next complete value of m, whatever its type. */
int bus_read_value(sd_bus_message *m, json_object **ret);

/* An a{sv} of properties of iface, names in snake_case, known shapes tidied up. */
int bus_read_properties(sd_bus_message *m, const char *iface, json_object **ret);

/*
 * An a{sa{sv}} (interfaces and their properties) of the object at path, as a
 * device or lane object; *ret_kind is "device", "lane" or NULL (not ours).
 */
int bus_read_interfaces(sd_bus_message *m, const char *path, const char **ret_kind,
                        json_object **ret);

/* Properties.GetAll of one interface. */
int bus_get_properties(sd_bus *bus, const char *path, const char *iface, sd_bus_error *error,
                       json_object **ret);

/* One device: its Device properties and its class's; error UnknownObject if none. */
int bus_get_device(sd_bus *bus, const char *id, sd_bus_error *error, json_object **ret);

/* Every device and lane (ObjectManager), as arrays sorted by id and name. */
int bus_get_objects(sd_bus *bus, sd_bus_error *error, json_object **ret_devices,
                    json_object **ret_lanes);
