/* SPDX-License-Identifier: MIT */
/*
 * example-door: a minimal egate plugin to copy when you write your own.
 *
 * It drives a door whose lock is a relay behind a sysfs-style value file
 * ("1" = locked, "0" = released) and whose opening takes a fixed time.  It
 * shows everything a plugin needs: the descriptor, declared devices, an
 * asynchronous operation finished from a timer, cancellation, events, and
 * the fail-secure/fail-safe contract.  It uses nothing but <egate/plugin.h>.
 *
 * egated.conf:
 *   [device.entry-door]
 *   plugin = example-door
 *   class = door
 *   fail-mode = secure          ; secure (default) or safe
 *   lock-path = /sys/class/gpio/gpio17/value
 *   travel-ms = 1200            ; how long the leaf takes to open or close
 */
#include <egate/plugin.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct example_plugin {
        struct eg_host *host;
};

struct example_door {
        struct eg_host *host;
        eg_device_id id;
        char *name;
        char *lock_path;
        unsigned travel_ms;
        enum eg_door_fail_mode fail_mode;
        /* One motion at a time: a door cannot open and close at once. */
        eg_op_id pending_op;
        enum eg_op_kind pending_kind;
        eg_source_id pending_timer;
};

static void emit(struct example_door *door, enum eg_event_type type, int64_t value) {
        struct eg_event e = { .size = sizeof(e), .type = type, .value = value };

        (void) eg_host_emit(door->host, door->id, &e);
}

static void complete(struct example_door *door, eg_op_id op, int status, const char *message) {
        struct eg_op_result r = {
                .size = sizeof(r), .status = status, .message = message, .fd = -1
        };

        (void) eg_host_complete(door->host, op, &r);
}

/* A sysfs value write is a single short write to a kernel attribute: it does
 * not block the way a device node can. */
static int write_lock(struct example_door *door, bool locked) {
        int fd = open(door->lock_path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
        ssize_t n;

        if (fd < 0)
                return -errno;
        n = write(fd, locked ? "1\n" : "0\n", 2);
        close(fd);
        if (n != 2)
                return n < 0 ? -errno : -EIO;
        emit(door, EG_EVENT_DOOR_LOCK, locked ? EG_DOOR_LOCK_LOCKED : EG_DOOR_LOCK_UNLOCKED);
        return 0;
}

static void on_travel_done(void *userdata) {
        struct example_door *door = userdata;
        bool opened = door->pending_kind == EG_OP_DOOR_OPEN ||
                      (door->pending_kind == EG_OP_DOOR_SAFE_STATE &&
                       door->fail_mode == EG_DOOR_FAIL_SAFE);
        int r = 0;

        door->pending_timer = 0;
        emit(door, EG_EVENT_DOOR_POSITION,
             opened ? EG_DOOR_POSITION_OPEN : EG_DOOR_POSITION_CLOSED);
        if (!opened)
                r = write_lock(door, true);
        complete(door, door->pending_op, r, r < 0 ? "cannot engage the lock" : NULL);
        door->pending_op = 0;
}

static int door_start(void *data, eg_op_id op, const struct eg_op_args *args) {
        struct example_door *door = data;
        bool opening;
        int r;

        if (door->pending_op != 0)
                return -EBUSY;
        switch (args->kind) {
        case EG_OP_DOOR_LOCK:
                r = write_lock(door, true);
                complete(door, op, r, r < 0 ? "cannot engage the lock" : NULL);
                return 0;
        case EG_OP_DOOR_OPEN:
                opening = true;
                break;
        case EG_OP_DOOR_CLOSE:
                opening = false;
                break;
        case EG_OP_DOOR_SAFE_STATE:
                opening = door->fail_mode == EG_DOOR_FAIL_SAFE;
                break;
        default:
                return -EOPNOTSUPP;
        }
        if (opening) {
                r = write_lock(door, false);
                if (r < 0)
                        return r;
        }
        emit(door, EG_EVENT_DOOR_POSITION, EG_DOOR_POSITION_MOVING);
        r = eg_host_timer_add(door->host, (uint64_t) door->travel_ms * 1000u, on_travel_done, door,
                              &door->pending_timer);
        if (r < 0)
                return r;
        door->pending_op = op;
        door->pending_kind = args->kind;
        return 0;
}

static void door_cancel(void *data, eg_op_id op) {
        struct example_door *door = data;

        if (door->pending_op != op)
                return;
        /* egated has already answered the caller: just stop the motion timer. */
        eg_host_source_remove(door->host, door->pending_timer);
        door->pending_timer = 0;
        door->pending_op = 0;
        emit(door, EG_EVENT_DOOR_POSITION, EG_DOOR_POSITION_UNKNOWN);
}

static void door_close_device(void *data) {
        struct example_door *door = data;

        if (door->pending_timer)
                eg_host_source_remove(door->host, door->pending_timer);
        free(door->name);
        free(door->lock_path);
        free(door);
}

static const struct eg_device_ops door_ops = {
        .size = sizeof(struct eg_device_ops),
        .start = door_start,
        .cancel = door_cancel,
        .close = door_close_device,
};

static int parse_property(struct eg_host *host, struct example_door *door,
                          const struct eg_property *p) {
        char *end;
        unsigned long v;

        if (strcmp(p->key, "lock-path") == 0) {
                free(door->lock_path);
                door->lock_path = strdup(p->value);
                return door->lock_path ? 0 : -ENOMEM;
        }
        if (strcmp(p->key, "travel-ms") == 0) {
                errno = 0;
                v = strtoul(p->value, &end, 10);
                if (errno != 0 || end == p->value || *end || v > 60000) {
                        eg_host_log(host, EG_LOG_ERROR, "%s: travel-ms must be 0..60000",
                                    door->name);
                        return -EINVAL;
                }
                door->travel_ms = (unsigned) v;
                return 0;
        }
        if (strcmp(p->key, "fail-mode") == 0) {
                if (strcmp(p->value, "safe") == 0)
                        door->fail_mode = EG_DOOR_FAIL_SAFE;
                else if (strcmp(p->value, "secure") == 0)
                        door->fail_mode = EG_DOOR_FAIL_SECURE;
                else
                        return -EINVAL;
                return 0;
        }
        eg_host_log(host, EG_LOG_ERROR, "%s: unknown property '%s'", door->name, p->key);
        return -EINVAL;
}

static int example_declare_device(void *data, const struct eg_device_config *config) {
        struct example_plugin *plugin = data;
        struct example_door *door;
        struct eg_device_desc desc;
        int r;

        if (config->device_class != EG_CLASS_DOOR) {
                eg_host_log(plugin->host, EG_LOG_ERROR, "%s: this plugin only drives doors",
                            config->name);
                return -EINVAL;
        }
        door = calloc(1, sizeof(*door));
        if (!door)
                return -ENOMEM;
        door->host = plugin->host;
        door->travel_ms = 1200;
        door->fail_mode = EG_DOOR_FAIL_SECURE;
        door->name = strdup(config->name);
        r = door->name ? 0 : -ENOMEM;
        for (size_t i = 0; r == 0 && i < config->n_properties; i++)
                r = parse_property(plugin->host, door, &config->properties[i]);
        if (r == 0 && !door->lock_path) {
                eg_host_log(plugin->host, EG_LOG_ERROR, "%s: lock-path is required", door->name);
                r = -EINVAL;
        }
        if (r < 0) {
                door_close_device(door);
                return r;
        }

        desc = (struct eg_device_desc){
                .size = sizeof(desc),
                .device_class = EG_CLASS_DOOR,
                .key = config->name, /* declared devices use their config name as key */
                .vendor = "Example",
                .model = "Relay door",
                .supported_ops = EG_OP_BIT(EG_OP_DOOR_OPEN) | EG_OP_BIT(EG_OP_DOOR_CLOSE) |
                                 EG_OP_BIT(EG_OP_DOOR_LOCK) | EG_OP_BIT(EG_OP_DOOR_SAFE_STATE),
                .fail_mode = door->fail_mode,
                .ops = &door_ops,
                .device_data = door,
        };
        r = eg_host_device_add(plugin->host, &desc, &door->id);
        if (r < 0)
                door_close_device(door);
        return r;
}

static int example_init(struct eg_host *host, void **data) {
        struct example_plugin *plugin = calloc(1, sizeof(*plugin));

        if (!plugin)
                return -ENOMEM;
        plugin->host = host;
        *data = plugin;
        return 0;
}

static void example_shutdown(void *data) {
        free(data);
}

EG_PLUGIN_DEFINE(.name = "example-door", .version = "1.0.0", .vendor = "egate project",
                 .classes = EG_CLASS_BIT(EG_CLASS_DOOR), .matches = { EG_MATCH_CONFIG_ENTRY }) = {
        .size = sizeof(struct eg_plugin_ops),
        .init = example_init,
        .shutdown = example_shutdown,
        .declare_device = example_declare_device,
};
