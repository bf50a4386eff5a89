/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The harness of the D-Bus suite: a private system-like dbus-daemon with the
 * project's policy, egated from the build tree with the mock devices, and
 * callers of several identities.
 *
 * Everything runs in a private mount namespace where /etc/passwd and
 * /etc/group are copies with the test users added, so the bus's policy and
 * egated's own checks see callers inside and outside the egate groups
 * without touching the machine's accounts.
 *
 * Functions returning void assert (cmocka) in the test process; nothing in a
 * forked client asserts: clients report through struct call_result.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-bus.h>

#define EG_NAME "org.egate.EGate1"
#define EG_ROOT_PATH "/org/egate/EGate1"
#define EG_IFACE(name) "org.egate.EGate1." name
#define EG_ERROR(name) "org.egate.EGate1.Error." name
#define BUS_ACCESS_DENIED "org.freedesktop.DBus.Error.AccessDenied"

/* Test accounts, present only inside the test's mount namespace. */
#define UID_OPERATOR 61001 /* egtest-op, in egate-operator */
#define UID_MONITOR 61002 /* egtest-mon, in egate-monitor */
#define UID_NONE 61003 /* egtest-none, in neither */

/* The daemon's operation deadline in the test configuration. */
#define TEST_OPERATION_TIMEOUT_MS 500

#define USEC_PER_MSEC UINT64_C(1000)
#define USEC_PER_SEC UINT64_C(1000000)

struct harness_options {
        /* Add an allow-everything rule to the policy: only egated's own checks remain. */
        bool permissive_policy;
        /* Another --plugin-dir, scanned before the build's mock plugin directory. */
        const char *extra_plugin_dir;
        /* The operation deadline; 0: TEST_OPERATION_TIMEOUT_MS. */
        unsigned operation_timeout_ms;
};

struct harness {
        char *dir;
        char *address;
        char *log_path;
        char *bus_log_path;
        char *runtime_dir;
        pid_t bus_pid;
        pid_t egated_pid;
        sd_bus *bus; /* the test process's own connection (root): collects signals */
        sd_bus_message **signals;
        bool *consumed;
        size_t n_signals, n_allocated;
        sd_bus_slot *match;
        bool passed; /* set by harness_pass(); the logs are shown otherwise */
};

/*
 * Once per test program, before cmocka runs: enter the private mount
 * namespace with the test accounts. Returns 0, or 77 (skip) after printing
 * why the environment does not allow it.
 */
int harness_init_process(void);

struct harness *harness_start(const struct harness_options *o);
/* Stop egated (it must exit 0 on SIGTERM) and the bus; show the logs unless passed. */
void harness_stop(struct harness *h);
static inline void harness_pass(struct harness *h) {
        h->passed = true;
}

/* Wait for egated to exit (after a signal the test sent it) and forget it: harness_stop()
 * stops only the bus then.  Returns its exit status, or -1 when it did not exit normally in
 * time. */
int harness_wait_egated_exit(struct harness *h, uint64_t timeout_usec);

/* Another connection as root (close it with sd_bus_flush_close_unref). */
sd_bus *harness_connect(struct harness *h);

/* cmocka fixtures. */
int harness_setup(void **state);
int harness_setup_permissive(void **state);
int harness_teardown(void **state);

/* "A1-entry-door" -> "/org/egate/EGate1/Device/mock_2dA1_2dentry_2ddoor" (free it). */
char *device_path(const char *mock_key);
#define LANE_A1_PATH EG_ROOT_PATH "/Lane/A1"

/* Run one mock control command; it must answer "OK...". The reply is returned (free it). */
char *harness_mock(struct harness *h, const char *command);

/* Is egated still running (not exited, not a zombie)? */
bool harness_egated_alive(struct harness *h);
/* Does egated's log contain `text`? */
bool harness_log_contains(struct harness *h, const char *text);

/*
 * Signals from egated seen by the test process's connection, oldest first.
 * Waits until one matches (and was not returned before) or the timeout.
 * Returns a reference or NULL.
 */
typedef bool (*signal_filter)(sd_bus_message *m, void *userdata);
sd_bus_message *harness_wait_signal(struct harness *h, const char *path, const char *iface,
                                    const char *member, signal_filter filter, void *userdata,
                                    uint64_t timeout_usec);
/* Wait for PropertiesChanged of `iface` on `path` naming `property` (with that string value
 * if `value` is not NULL). */
bool harness_wait_property(struct harness *h, const char *path, const char *iface,
                           const char *property, const char *value, uint64_t timeout_usec);
/* Forget the signals seen so far. */
void harness_drop_signals(struct harness *h);

/* Properties through the test process's connection; assert success. */
char *get_string_property(sd_bus *bus, const char *path, const char *iface, const char *name);
bool get_bool_property(sd_bus *bus, const char *path, const char *iface, const char *name);

/* Lane A1 to mode, as root; asserts success. */
void set_lane_mode(struct harness *h, const char *mode);

/*
 * Calls made by another identity: a forked child switches to `uid` (with the
 * groups the test accounts give it), connects to the bus and runs fn.
 */
struct call_result {
        bool ok;
        char error_name[256];
        char error_message[1024];
        char text[1024]; /* fn's own findings */
};
struct client {
        sd_bus *bus;
        int ready_fd; /* write one byte when the parent may go on */
        void *userdata;
        struct call_result *result;
};
typedef void (*client_fn)(struct client *c);

struct child {
        pid_t pid;
        int result_fd;
        int ready_fd;
};
/* Start a client; returns once it wrote its ready byte (or ended). */
struct child harness_spawn_as(struct harness *h, uid_t uid, client_fn fn, void *userdata);
/* Wait for it (at most 20 s) and read what it reported. */
void harness_collect(struct child *c, struct call_result *r);
/* End a client at once (SIGKILL): its connection closes without a goodbye. */
void harness_kill(struct child *c);
void harness_run_as(struct harness *h, uid_t uid, client_fn fn, void *userdata,
                    struct call_result *r);

/* One method call with default arguments for `in_signature` ("" or "-" for none). */
void harness_call_as(struct harness *h, uid_t uid, const char *path, const char *iface,
                     const char *member, const char *in_signature, struct call_result *r);
/* One method call with string arguments (NULL-terminated list). */
void harness_call_strings_as(struct harness *h, uid_t uid, const char *path, const char *iface,
                             const char *member, struct call_result *r, ...)
        __attribute__((sentinel));
/* Append zero values, empty strings and empty arrays for a signature. */
int append_default_args(sd_bus_message *m, const char *signature);
/* Record a call's outcome in r. */
void call_result_set(struct call_result *r, int call_r, const sd_bus_error *error);

/* The contract's methods (contract.py members). */
struct contract_member {
        char iface[128];
        char member[64];
        char in_signature[32];
};
size_t contract_members(struct contract_member **ret);
/* The object path of the mock object carrying `iface`. */
char *contract_object_for(const char *iface); /* free it */

/* Run tests/dbus/contract.py with the arguments; returns its exit status, its output in
 * *ret_output (free it) when not NULL. */
int run_contract_py(char *const args[], char **ret_output);
