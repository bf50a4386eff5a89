/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Defence in depth: the bus policy (dbus/org.egate.EGate1.conf) already
 * decides who may send what, and this filter decides again from the caller's
 * uid and its groups, so a lax or broken policy does not open the gate.
 *
 *   anyone             Peer, Introspectable
 *   egate-monitor      property reads, GetManagedObjects
 *   egate-operator     everything above plus every method
 *   root, our own uid  everything
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bus-errors.h"
#include "bus.h"
#include "log.h"

enum access_level {
        ACCESS_ANYONE,
        ACCESS_MONITOR,
        ACCESS_OPERATOR,
};

static enum access_level required_level(sd_bus_message *m) {
        const char *iface = sd_bus_message_get_interface(m);
        const char *member = sd_bus_message_get_member(m);

        if (!iface)
                return ACCESS_OPERATOR; /* be explicit or be refused */
        if (streq(iface, "org.freedesktop.DBus.Peer") ||
            streq(iface, "org.freedesktop.DBus.Introspectable"))
                return ACCESS_ANYONE;
        if (streq(iface, "org.freedesktop.DBus.Properties"))
                return member && (streq(member, "Get") || streq(member, "GetAll"))
                               ? ACCESS_MONITOR
                               : ACCESS_OPERATOR;
        if (streq(iface, "org.freedesktop.DBus.ObjectManager"))
                return ACCESS_MONITOR;
        return ACCESS_OPERATOR;
}

/*
 * The bus daemon knows each connection's uid; asking costs a round trip, so
 * remember the answer, and what it grants, per unique name (group membership
 * is judged once per connection, as dbus-daemon's own policy does).
 * dbus-daemon never reuses a unique name, so an entry can go stale but never
 * lie: a bounded ring is enough.  Returns the cache slot, UID_CACHE_SIZE when
 * the answer could not be cached, or a negative errno.
 */
#define UID_CACHE_SIZE EG_BUS_CALLER_CACHE_SIZE
#define uid_cache (b->callers)

static int sender_uid(struct eg_bus *b, sd_bus_message *m, uid_t *ret) {
        _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
        const char *sender = sd_bus_message_get_sender(m);
        int r;

        if (sender && strlen(sender) < sizeof(uid_cache[0].sender))
                for (unsigned i = 0; i < UID_CACHE_SIZE; i++)
                        if (streq(uid_cache[i].sender, sender)) {
                                *ret = uid_cache[i].uid;
                                return i;
                        }
        r = sd_bus_query_sender_creds(m, SD_BUS_CREDS_EUID, &creds);
        if (r >= 0)
                r = sd_bus_creds_get_euid(creds, ret);
        if (r < 0)
                return r;
        if (sender && strlen(sender) < sizeof(uid_cache[0].sender)) {
                unsigned slot = b->callers_next++ % UID_CACHE_SIZE;

                strcpy(uid_cache[slot].sender, sender);
                uid_cache[slot].uid = *ret;
                uid_cache[slot].granted = -1;
                return (int) slot;
        }
        return UID_CACHE_SIZE; /* not cached */
}

static bool user_in_group(uid_t uid, gid_t gid) {
        struct passwd *pw = getpwuid(uid);
        gid_t groups[256];
        int n = (int) ELEMENTSOF(groups);

        if (!pw)
                return false;
        if (pw->pw_gid == gid)
                return true;
        /* The groups the name service gives the user, as dbus-daemon's policy sees them. */
        if (getgrouplist(pw->pw_name, pw->pw_gid, groups, &n) < 0)
                return false;
        for (int i = 0; i < n; i++)
                if (groups[i] == gid)
                        return true;
        return false;
}

static enum access_level granted_level(struct eg_bus *b, uid_t uid) {
        if (uid == 0 || uid == geteuid())
                return ACCESS_OPERATOR;
        if (b->operator_gid_valid && user_in_group(uid, b->operator_gid))
                return ACCESS_OPERATOR;
        if (b->monitor_gid_valid && user_in_group(uid, b->monitor_gid))
                return ACCESS_MONITOR;
        return ACCESS_ANYONE;
}

static bool caller_allowed(struct eg_bus *b, int slot, uid_t uid, enum access_level level) {
        int granted;

        if (slot < UID_CACHE_SIZE && uid_cache[slot].granted >= 0)
                granted = uid_cache[slot].granted;
        else {
                granted = (int) granted_level(b, uid);
                if (slot < UID_CACHE_SIZE)
                        uid_cache[slot].granted = granted;
        }
        return granted >= (int) level;
}

char *eg_bus_caller_description(struct eg_bus *b, sd_bus_message *m) {
        const char *sender = sd_bus_message_get_sender(m);
        char *s = NULL;
        uid_t uid;

        if (sender_uid(b, m, &uid) < 0) {
                if (asprintf(&s, "unknown uid (%s)", strna(sender)) < 0)
                        return NULL;
                return s;
        }
        if (asprintf(&s, "uid %u (%s)", (unsigned) uid, strna(sender)) < 0)
                return NULL;
        return s;
}

static int access_filter(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        struct eg_bus *b = userdata;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *path = sd_bus_message_get_path(m);
        enum access_level level;
        uid_t uid;
        int r;

        uint8_t type;

        if (sd_bus_message_get_type(m, &type) < 0 || type != SD_BUS_MESSAGE_METHOD_CALL)
                return 0;
        if (!path || strncmp(path, EG_BUS_ROOT_PATH, strlen(EG_BUS_ROOT_PATH)) != 0)
                return 0;
        level = required_level(m);
        if (level == ACCESS_ANYONE)
                return 0;

        r = sender_uid(b, m, &uid);
        if (r >= 0 && caller_allowed(b, r, uid, level))
                return 0;

        log_object(LOG_NOTICE, 0, EG_LOG_OBJECT_BUS, sd_bus_message_get_sender(m),
                   "refused %s.%s on %s for uid %d: needs %s",
                   strna(sd_bus_message_get_interface(m)), strna(sd_bus_message_get_member(m)),
                   path, r >= 0 ? (int) uid : -1,
                   level == ACCESS_MONITOR ? "egate-monitor or egate-operator" : "egate-operator");
        r = sd_bus_message_new_method_errorf(
                m, &reply, EG_BUS_ERROR_PERMISSION_DENIED, "%s.%s needs membership of %s",
                strna(sd_bus_message_get_interface(m)), strna(sd_bus_message_get_member(m)),
                level == ACCESS_MONITOR ? "egate-monitor or egate-operator" : "egate-operator");
        if (r >= 0 && !sd_bus_message_get_expect_reply(m))
                return 1;
        if (r >= 0)
                (void) sd_bus_send(sd_bus_message_get_bus(m), reply, NULL);
        return 1; /* handled: never reaches the object */
}

static void resolve_group(const char *name, gid_t *gid, bool *valid) {
        struct group *g = getgrnam(name);

        *valid = g != NULL;
        *gid = g ? g->gr_gid : (gid_t) -1;
        if (!g)
                log_object(LOG_INFO, 0, EG_LOG_OBJECT_BUS, NULL,
                           "group %s does not exist: what it grants stays with root and the "
                           "daemon's own user",
                           name);
}

int eg_bus_access_register(struct eg_bus *b) {
        resolve_group("egate-operator", &b->operator_gid, &b->operator_gid_valid);
        resolve_group("egate-monitor", &b->monitor_gid, &b->monitor_gid_valid);
        return sd_bus_add_filter(b->bus, &b->slots[b->n_slots++], access_filter, b);
}
