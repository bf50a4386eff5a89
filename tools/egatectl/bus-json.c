/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bus-json.h"
#include "egatectl-bus.h"
#include "egatectl.h"
#include "output.h"

const char *json_string_member(json_object *o, const char *key) {
        json_object *v;

        return json_object_object_get_ex(o, key, &v) && v ? json_object_get_string(v) : "";
}

bool json_bool_member(json_object *o, const char *key) {
        json_object *v;

        return json_object_object_get_ex(o, key, &v) && json_object_get_boolean(v);
}

int json_add(json_object *o, const char *key, json_object *v) {
        if (!v || json_object_object_add(o, key, v) < 0) {
                json_object_put(v);
                return -ENOMEM;
        }
        return 0;
}

json_object *json_pick(json_object *o, const char *const *keys) {
        json_object *picked = json_object_new_object(), *v;

        for (; picked && *keys; keys++)
                if (json_object_object_get_ex(o, *keys, &v) &&
                    json_object_object_add(picked, *keys, json_object_get(v)) < 0) {
                        json_object_put(picked);
                        return NULL;
                }
        return picked;
}

char *snake_case(const char *name) {
        char *out = malloc(strlen(name) * 2 + 1), *o = out;

        if (!out)
                return NULL;
        for (const char *p = name; *p; p++) {
                /* A capital starts a word, except at the start and inside an acronym. */
                if (isupper((unsigned char) *p) && p != name &&
                    (!isupper((unsigned char) p[-1]) || islower((unsigned char) p[1])))
                        *o++ = '_';
                *o++ = (char) tolower((unsigned char) *p);
        }
        *o = '\0';
        return out;
}

static int json_or_oom(json_object *o, json_object **ret) {
        if (!o)
                return -ENOMEM;
        *ret = o;
        return 0;
}

static int read_basic(sd_bus_message *m, char type, json_object **ret) {
        union {
                uint8_t u8;
                int b;
                int16_t i16;
                uint16_t u16;
                int32_t i32;
                uint32_t u32;
                int64_t i64;
                uint64_t u64;
                double d;
                const char *s;
                int fd;
        } v;
        int r;

        r = sd_bus_message_read_basic(m, type, &v);
        if (r < 0)
                return r;
        switch (type) {
        case SD_BUS_TYPE_BYTE:
                return json_or_oom(json_object_new_int(v.u8), ret);
        case SD_BUS_TYPE_BOOLEAN:
                return json_or_oom(json_object_new_boolean(v.b), ret);
        case SD_BUS_TYPE_INT16:
                return json_or_oom(json_object_new_int(v.i16), ret);
        case SD_BUS_TYPE_UINT16:
                return json_or_oom(json_object_new_int(v.u16), ret);
        case SD_BUS_TYPE_INT32:
                return json_or_oom(json_object_new_int(v.i32), ret);
        case SD_BUS_TYPE_UINT32:
                return json_or_oom(json_object_new_int64(v.u32), ret);
        case SD_BUS_TYPE_INT64:
                return json_or_oom(json_object_new_int64(v.i64), ret);
        case SD_BUS_TYPE_UINT64:
                return json_or_oom(json_object_new_uint64(v.u64), ret);
        case SD_BUS_TYPE_DOUBLE:
                return json_or_oom(json_object_new_double(v.d), ret);
        case SD_BUS_TYPE_STRING:
        case SD_BUS_TYPE_OBJECT_PATH:
        case SD_BUS_TYPE_SIGNATURE:
                return json_or_oom(json_object_new_string(v.s), ret);
        case SD_BUS_TYPE_UNIX_FD:
                *ret = NULL; /* a file descriptor has no JSON form: null */
                return 0;
        default:
                return -EBADMSG;
        }
}

static int read_dictionary(sd_bus_message *m, const char *contents, json_object **ret) {
        _cleanup_(json_object_putp) json_object *o = json_object_new_object();
        /* contents is "{KV}"; an entry's own signature is "KV". */
        _cleanup_free_ char *entry = strndup(contents + 1, strlen(contents) - 2);
        int r;

        if (!o || !entry)
                return -ENOMEM;
        r = sd_bus_message_enter_container(m, SD_BUS_TYPE_ARRAY, contents);
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, SD_BUS_TYPE_DICT_ENTRY, entry)) > 0) {
                _cleanup_(json_object_putp) json_object *key = NULL;
                json_object *value = NULL;

                r = bus_read_value(m, &key);
                if (r >= 0)
                        r = bus_read_value(m, &value);
                if (r < 0)
                        return r;
                r = json_object_object_add(o, key ? json_object_get_string(key) : "", value);
                if (r < 0) {
                        json_object_put(value);
                        return -ENOMEM;
                }
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(o);
        return 0;
}

/* Arrays, structs and variants: their items in order (a variant's one item unwrapped). */
static int read_sequence(sd_bus_message *m, char type, const char *contents, json_object **ret) {
        _cleanup_(json_object_putp) json_object *o = NULL;
        int r;

        r = sd_bus_message_enter_container(m, type, contents);
        if (r < 0)
                return r;
        if (type == SD_BUS_TYPE_VARIANT) {
                r = bus_read_value(m, &o);
        } else {
                o = json_object_new_array();
                if (!o)
                        return -ENOMEM;
                while ((r = sd_bus_message_at_end(m, false)) == 0) {
                        json_object *item = NULL;

                        r = bus_read_value(m, &item);
                        if (r < 0)
                                return r;
                        if (json_object_array_add(o, item) < 0) {
                                json_object_put(item);
                                return -ENOMEM;
                        }
                }
        }
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(o);
        return 0;
}

int bus_read_value(sd_bus_message *m, json_object **ret) {
        const char *contents;
        char type;
        int r;

        r = sd_bus_message_peek_type(m, &type, &contents);
        if (r < 0)
                return r;
        if (r == 0)
                return -EBADMSG; /* nothing left where a value was due */
        switch (type) {
        case SD_BUS_TYPE_ARRAY:
                if (contents[0] == SD_BUS_TYPE_DICT_ENTRY_BEGIN)
                        return read_dictionary(m, contents, ret);
                return read_sequence(m, type, contents, ret);
        case SD_BUS_TYPE_STRUCT:
        case SD_BUS_TYPE_VARIANT:
                return read_sequence(m, type, contents, ret);
        default:
                return read_basic(m, type, ret);
        }
}

/* An array of object paths under prefix, as the names they encode. */
static int paths_to_names(json_object *props, const char *key, const char *prefix) {
        json_object *list;

        if (!json_object_object_get_ex(props, key, &list) ||
            !json_object_is_type(list, json_type_array))
                return 0;
        for (size_t i = 0; i < json_object_array_length(list); i++) {
                _cleanup_free_ char *name = egctl_path_to_name(
                        prefix, json_object_get_string(json_object_array_get_idx(list, i)));
                json_object *s;

                if (!name)
                        continue; /* not one of ours: left as the path */
                s = json_object_new_string(name);
                if (!s || json_object_array_put_idx(list, i, s) < 0) {
                        json_object_put(s);
                        return -ENOMEM;
                }
        }
        return 0;
}

/* Replace key's array of structs by an array of objects with the given member names. */
static int structs_to_objects(json_object *props, const char *key, const char *const *names,
                              size_t n_names) {
        _cleanup_(json_object_putp) json_object *objects = NULL;
        json_object *list;

        if (!json_object_object_get_ex(props, key, &list) ||
            !json_object_is_type(list, json_type_array))
                return 0;
        objects = json_object_new_array();
        if (!objects)
                return -ENOMEM;
        for (size_t i = 0; i < json_object_array_length(list); i++) {
                json_object *fields = json_object_array_get_idx(list, i), *o;

                if (!json_object_is_type(fields, json_type_array) ||
                    json_object_array_length(fields) != n_names)
                        return -EBADMSG;
                o = json_object_new_object();
                if (!o || json_object_array_add(objects, o) < 0) {
                        json_object_put(o);
                        return -ENOMEM;
                }
                for (size_t j = 0; j < n_names; j++)
                        if (json_object_object_add(
                                    o, names[j],
                                    json_object_get(json_object_array_get_idx(fields, j))) < 0)
                                return -ENOMEM;
        }
        return json_object_object_add(props, key, TAKE_PTR(objects)) < 0 ? -ENOMEM : 0;
}

static int lane_devices_to_ids(json_object *props) {
        static const char *const names[] = { "role", "device" };
        json_object *list;
        int r;

        r = structs_to_objects(props, "devices", names, ELEMENTSOF(names));
        if (r < 0 || !json_object_object_get_ex(props, "devices", &list))
                return r;
        for (size_t i = 0; i < json_object_array_length(list); i++) {
                json_object *entry = json_object_array_get_idx(list, i), *path;
                _cleanup_free_ char *id = NULL;

                if (!json_object_object_get_ex(entry, "device", &path))
                        continue;
                id = egctl_path_to_name(EGCTL_DEVICE_PREFIX, json_object_get_string(path));
                if (id && json_object_object_add(entry, "device", json_object_new_string(id)) < 0)
                        return -ENOMEM;
        }
        return 0;
}

/* The shapes the API defines, made easier to read than raw structs and paths. */
static int tidy_properties(const char *iface, json_object *props) {
        static const char *const plugin_fields[] = { "name", "version", "vendor",
                                                     "abi",  "state",   "reason" };
        int r = 0;

        if (streq(iface, EGCTL_IFACE("Manager"))) {
                r = structs_to_objects(props, "plugins", plugin_fields, ELEMENTSOF(plugin_fields));
                if (r >= 0)
                        r = paths_to_names(props, "lanes", EGCTL_LANE_PREFIX);
                if (r >= 0)
                        r = paths_to_names(props, "devices", EGCTL_DEVICE_PREFIX);
        } else if (streq(iface, EGCTL_IFACE("Lane")))
                r = lane_devices_to_ids(props);
        return r;
}

int bus_read_properties(sd_bus_message *m, const char *iface, json_object **ret) {
        _cleanup_(json_object_putp) json_object *o = json_object_new_object();
        int r;

        if (!o)
                return -ENOMEM;
        r = sd_bus_message_enter_container(m, SD_BUS_TYPE_ARRAY, "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, SD_BUS_TYPE_DICT_ENTRY, "sv")) > 0) {
                _cleanup_free_ char *key = NULL;
                json_object *value = NULL;
                const char *name;

                r = sd_bus_message_read(m, "s", &name);
                if (r < 0)
                        return r;
                key = snake_case(name);
                if (!key)
                        return -ENOMEM;
                r = bus_read_value(m, &value);
                if (r < 0)
                        return r;
                if (json_object_object_add(o, key, value) < 0) {
                        json_object_put(value);
                        return -ENOMEM;
                }
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;
        r = tidy_properties(iface, o);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(o);
        return 0;
}

/* A device object: its Device properties, then its class's as "class_properties". */
static int device_object(json_object *device_props, json_object *class_props, json_object **ret) {
        json_object *o = device_props ? json_object_get(device_props) : json_object_new_object();

        if (!o)
                return -ENOMEM;
        if (json_object_object_add(o, "class_properties",
                                   class_props ? json_object_get(class_props)
                                               : json_object_new_object()) < 0) {
                json_object_put(o);
                return -ENOMEM;
        }
        *ret = o;
        return 0;
}

int bus_read_interfaces(sd_bus_message *m, const char *path, const char **ret_kind,
                        json_object **ret) {
        _cleanup_(json_object_putp) json_object *main_props = NULL, *class_props = NULL;
        _cleanup_free_ char *id = egctl_path_to_name(EGCTL_DEVICE_PREFIX, path);
        _cleanup_free_ char *lane = id ? NULL : egctl_path_to_name(EGCTL_LANE_PREFIX, path);
        int r;

        r = sd_bus_message_enter_container(m, SD_BUS_TYPE_ARRAY, "{sa{sv}}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, SD_BUS_TYPE_DICT_ENTRY, "sa{sv}")) > 0) {
                _cleanup_(json_object_putp) json_object *props = NULL;
                const char *iface;

                r = sd_bus_message_read(m, "s", &iface);
                if (r >= 0)
                        r = bus_read_properties(m, iface, &props);
                if (r < 0)
                        return r;
                if (streq(iface, EGCTL_IFACE("Device")) || streq(iface, EGCTL_IFACE("Lane"))) {
                        json_object_put(main_props);
                        main_props = TAKE_PTR(props);
                } else if (strncmp(iface, EGCTL_IFACE_PREFIX, strlen(EGCTL_IFACE_PREFIX)) == 0) {
                        json_object_put(class_props);
                        class_props = TAKE_PTR(props);
                }
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;

        if (id && main_props) {
                *ret_kind = "device";
                return device_object(main_props, class_props, ret);
        }
        if (lane && main_props) {
                *ret_kind = "lane";
                *ret = TAKE_PTR(main_props);
                return 0;
        }
        *ret_kind = NULL;
        *ret = NULL;
        return 0;
}

int bus_get_properties(sd_bus *bus, const char *path, const char *iface, sd_bus_error *error,
                       json_object **ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = egctl_call(bus, path, "org.freedesktop.DBus.Properties", "GetAll", error, &reply, "s",
                       iface);
        if (r < 0)
                return r;
        r = bus_read_properties(reply, iface, ret);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "cannot read the properties of %s: %s",
                                               iface, strerror(-r));
        return 0;
}

int bus_get_device(sd_bus *bus, const char *id, sd_bus_error *error, json_object **ret) {
        _cleanup_(json_object_putp) json_object *props = NULL, *class_props = NULL;
        _cleanup_free_ char *path = egctl_device_path(id);
        json_object *class_name;
        const char *iface;
        int r;

        if (!path)
                return sd_bus_error_set_errno(error, -ENOMEM);
        r = bus_get_properties(bus, path, EGCTL_IFACE("Device"), error, &props);
        if (r < 0)
                return r;
        iface = json_object_object_get_ex(props, "class", &class_name)
                        ? egctl_class_interface(json_object_get_string(class_name))
                        : NULL;
        /* A class this egatectl does not know yet: the Device properties still tell a lot. */
        if (iface) {
                r = bus_get_properties(bus, path, iface, error, &class_props);
                if (r < 0)
                        return r;
        }
        r = device_object(props, class_props, ret);
        return r < 0 ? sd_bus_error_set_errno(error, r) : 0;
}

static int by_id(const void *a, const void *b) {
        return strcmp(json_string_member(*(json_object *const *) a, "id"),
                      json_string_member(*(json_object *const *) b, "id"));
}

static int by_name(const void *a, const void *b) {
        return strcmp(json_string_member(*(json_object *const *) a, "name"),
                      json_string_member(*(json_object *const *) b, "name"));
}

int bus_get_objects(sd_bus *bus, sd_bus_error *error, json_object **ret_devices,
                    json_object **ret_lanes) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(json_object_putp) json_object *devices = json_object_new_array();
        _cleanup_(json_object_putp) json_object *lanes = json_object_new_array();
        int r;

        if (!devices || !lanes)
                return sd_bus_error_set_errno(error, -ENOMEM);
        r = egctl_call(bus, EGCTL_ROOT_PATH, "org.freedesktop.DBus.ObjectManager",
                       "GetManagedObjects", error, &reply, NULL);
        if (r < 0)
                return r;

        r = sd_bus_message_enter_container(reply, SD_BUS_TYPE_ARRAY, "{oa{sa{sv}}}");
        while (r >= 0 && (r = sd_bus_message_enter_container(reply, SD_BUS_TYPE_DICT_ENTRY,
                                                             "oa{sa{sv}}")) > 0) {
                json_object *o = NULL;
                const char *path, *kind;

                r = sd_bus_message_read(reply, "o", &path);
                if (r >= 0)
                        r = bus_read_interfaces(reply, path, &kind, &o);
                if (r < 0)
                        break;
                if (o && json_object_array_add(streq(kind, "device") ? devices : lanes, o) < 0) {
                        json_object_put(o);
                        r = -ENOMEM;
                        break;
                }
                r = sd_bus_message_exit_container(reply);
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(reply);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "cannot read the objects egated lists: %s",
                                               strerror(-r));
        json_object_array_sort(devices, by_id);
        json_object_array_sort(lanes, by_name);
        if (ret_devices)
                *ret_devices = TAKE_PTR(devices);
        if (ret_lanes)
                *ret_lanes = TAKE_PTR(lanes);
        return 0;
}
