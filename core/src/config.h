/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * egated.conf: INI (libinih), the main file plus drop-ins
 * <dir of main file>/egated.conf.d/NAME.conf in lexical order; a key in a later
 * file overrides the same key of an earlier one.  Every problem is reported
 * as "file:line: reason"; a config with any problem is refused as a whole.
 *
 * Sections:
 *   [daemon]          log-level, mock, plugin-dirs, state-directory, operation-timeout-ms,
 *                     csca-directory, crl-directory
 *   [plugin.NAME]     options for plugin NAME, passed through verbatim
 *   [device.NAME]     a device declared for plugin= of class=, with lane=, role=,
 *                     fail-mode= (doors); other keys go to the plugin
 *   [lane.NAME]       role assignments (document-reader=, chip-reader=,
 *                     fingerprint-scanner=, camera=, entry-door=, exit-door=,
 *                     presence-sensors=, indicators=), mode=, policy=
 *   [policy.NAME]     the lane policy; "ses" is built in with SES defaults
 *   [registry]        backend = sqlite|external, socket (the external bridge's)
 *   [background]      backend = none|external, socket (the external bridge's)
 *   [face]            backend = none|external, socket (the external comparator bridge's)
 * docs/configuration.md documents every key.
 */
#pragma once

#include <egate/plugin.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "macro.h"

#define EG_DEFAULT_CONFIG_FILE "/etc/egate/egated.conf"
#define EG_CONFIG_MAX_ERRORS 64

/* Where a value came from, for "file:line: reason" messages later on. */
struct eg_config_origin {
        char *file;
        unsigned line;
};

struct eg_config_kv {
        char *key;
        char *value;
        struct eg_config_origin origin;
};

struct eg_config_plugin {
        char *name;
        struct eg_config_kv *options;
        size_t n_options;
};

enum eg_lane_mode {
        EG_LANE_MODE_AUTOMATIC = 0,
        EG_LANE_MODE_MANUAL,
        EG_LANE_MODE_CLOSED,
        EG_LANE_MODE_EMERGENCY,
        EG_LANE_MODE_MAX_,
};

const char *eg_lane_mode_to_string(enum eg_lane_mode m);
int eg_lane_mode_from_string(const char *s);

/* Lane roles a device can take.  Presence sensors and indicators may be many. */
enum eg_lane_role {
        EG_ROLE_DOCUMENT_READER = 0,
        EG_ROLE_CHIP_READER,
        EG_ROLE_FINGERPRINT_SCANNER,
        EG_ROLE_CAMERA,
        EG_ROLE_ENTRY_DOOR,
        EG_ROLE_EXIT_DOOR,
        EG_ROLE_PRESENCE_SENSOR,
        EG_ROLE_INDICATOR,
        EG_ROLE_MAX_,
};

const char *eg_lane_role_to_string(enum eg_lane_role r); /* "document-reader", ... */
int eg_lane_role_from_string(const char *s);
enum eg_device_class eg_lane_role_class(enum eg_lane_role r);

const char *eg_device_class_to_string(enum eg_device_class c); /* "door", "chip-reader", ... */
int eg_device_class_from_string(const char *s);

enum eg_chip_fallback {
        EG_CHIP_FALLBACK_REFER = 0, /* chip unreadable: refer to an officer */
        EG_CHIP_FALLBACK_CONTINUE, /* continue on the printed MRZ alone */
};

enum eg_backend_fallback {
        EG_BACKEND_FALLBACK_REFER = 0,
        EG_BACKEND_FALLBACK_CONTINUE,
};

/* PIPELINE: a check whose "undetermined" / "not supported" refers (required) or not. */
enum eg_requirement {
        EG_REQUIREMENT_REQUIRED = 0,
        EG_REQUIREMENT_OPTIONAL,
};

/*
 * PIPELINE: what the data page's optical security checks (UV, IR/B900,
 * patterns) weigh.  The document model must always be known.
 */
enum eg_optical_weight {
        EG_OPTICAL_MANDATORY = 0, /* a check that does not pass refers */
        EG_OPTICAL_EVALUATORY, /* ... unless the chip proved authentic (TR-03135-2 Table 4.1) */
};

/* PIPELINE: which decisions wait for an operator's Decide() before any door acts. */
enum eg_confirmation {
        EG_CONFIRM_NONE = 0, /* the pipeline's decision is final (it can still be vetoed) */
        EG_CONFIRM_REFERRALS, /* referrals of a traveller inside the mantrap wait */
        EG_CONFIRM_ALL, /* every decision waits */
};

/* REGISTRY: where member lookups go. */
enum eg_registry_backend {
        EG_REGISTRY_BACKEND_SQLITE = 0, /* the embedded default, in the state directory */
        EG_REGISTRY_BACKEND_EXTERNAL, /* a deployment's bridge on a local socket */
};

/* PIPELINE: who answers the background check (watchlists, lost and stolen documents). */
enum eg_background_backend {
        EG_BACKGROUND_BACKEND_NONE = 0, /* nobody: "not supported", the policy decides */
        EG_BACKGROUND_BACKEND_EXTERNAL, /* a deployment's bridge on a local socket */
};

/* PIPELINE: who compares a live face with the member's reference image. */
enum eg_face_backend {
        EG_FACE_BACKEND_NONE = 0, /* nobody (the mock comparator in mock mode) */
        EG_FACE_BACKEND_EXTERNAL, /* a deployment's bridge on a local socket */
};

/* The lane policy.  Defaults (eg_policy_init_ses) are the SES / Global Entry rules. */
struct eg_policy {
        char *name;
        unsigned min_age_years; /* min-age = 17 */
        unsigned membership_years; /* membership-years = 5 */
        unsigned conditional_enrolment_months; /* conditional-enrolment-months = 6 */
        unsigned fingerprint_attempts; /* fingerprint-attempts = 3 */
        char **enrolled_fingers; /* enrolled-fingers = right-index, left-index */
        int face_verification; /* face-verification = auto|yes|no: -1 auto */
        unsigned face_attempts; /* face-attempts = 2 */
        unsigned document_attempts; /* document-attempts = 3 */
        unsigned chip_attempts; /* chip-attempts = 2 */
        enum eg_chip_fallback chip_unreadable; /* chip-unreadable = refer|continue */
        enum eg_backend_fallback
                background_unavailable; /* background-unavailable = refer|continue */
        char **document_types; /* document-types = P */
        char **issuing_states; /* issuing-states = KOR, USA (empty: any) */
        uint32_t document_timeout_ms; /* document-timeout-ms = 20000 */
        uint32_t chip_timeout_ms; /* chip-timeout-ms = 7000 */
        uint32_t mantrap_timeout_ms; /* mantrap-timeout-ms = 30000 */
        uint32_t fingerprint_timeout_ms; /* fingerprint-timeout-ms = 10000 */
        uint32_t face_timeout_ms; /* face-timeout-ms = 10000 */
        uint32_t exit_timeout_ms; /* exit-timeout-ms = 10000 */
        uint32_t background_timeout_ms; /* background-timeout-ms = 5000 */
        /* PIPELINE */
        enum eg_requirement passive_authentication; /* passive-authentication = required */
        enum eg_requirement chip_authenticity; /* chip-authenticity = optional */
        enum eg_requirement document_inspection; /* document-inspection = required */
        enum eg_optical_weight optical_checks; /* optical-checks = evaluatory */
        unsigned fingerprint_threshold; /* fingerprint-threshold = 0 (the scanner's) */
        unsigned face_threshold; /* face-threshold = 60 (of 100) */
        enum eg_confirmation operator_confirmation; /* operator-confirmation = none */
        enum eg_requirement operator_attendance; /* operator-attendance = optional */
        uint32_t registry_timeout_ms; /* registry-timeout-ms = 3000 */
        uint32_t turn_back_ms; /* turn-back-ms = 3000 */
        struct eg_config_origin origin;
};

struct eg_config_device {
        char *name;
        char *plugin;
        enum eg_device_class device_class;
        char *lane; /* optional: the lane section may assign it instead */
        char *role;
        bool has_fail_mode;
        enum eg_door_fail_mode fail_mode;
        struct eg_config_kv *properties; /* every key not listed above */
        size_t n_properties;
        struct eg_config_origin origin;
};

struct eg_config_lane {
        char *name;
        enum eg_lane_mode mode; /* mode = automatic (initial mode at start) */
        char *policy; /* policy = ses */
        char *roles[EG_ROLE_MAX_]; /* single-device roles: device name or NULL */
        char **presence_sensors; /* presence-sensors = a, b */
        char **indicators; /* indicators = a, b */
        struct eg_config_origin origin;
};

struct eg_config {
        char **files; /* every file read, in order */
        int log_level; /* [daemon] log-level = info; -1 if unset */
        bool mock; /* [daemon] mock = false */
        char **plugin_dirs; /* [daemon] plugin-dirs = (colon or comma separated) */
        char *state_directory; /* [daemon] state-directory = /var/lib/egate */
        uint32_t operation_timeout_ms; /* [daemon] operation-timeout-ms = 10000 */
        char *csca_directory; /* [daemon] csca-directory = (unset: PA undetermined) */
        char *crl_directory; /* [daemon] crl-directory = (unset: no revocation lists) */
        uint32_t crl_grace_hours; /* [daemon] crl-grace-hours = 24 */
        bool stale_crl_closes_lanes; /* [daemon] stale-crl = close (true) | warn */
        enum eg_registry_backend registry_backend; /* [registry] backend = sqlite */
        char *registry_socket; /* [registry] socket = (required with backend = external) */
        enum eg_background_backend background_backend; /* [background] backend = none */
        char *background_socket; /* [background] socket = (required with backend = external) */
        enum eg_face_backend face_backend; /* [face] backend = none */
        char *face_socket; /* [face] socket = (required with backend = external) */

        struct eg_config_plugin *plugins;
        size_t n_plugins;
        struct eg_config_device *devices;
        size_t n_devices;
        struct eg_config_lane *lanes;
        size_t n_lanes;
        struct eg_policy *policies; /* always contains "ses" */
        size_t n_policies;
};

/* The errors of one load: "file:line: reason" strings. */
struct eg_config_errors {
        char **messages;
        size_t n;
};

void eg_config_errors_clear(struct eg_config_errors *e);

/*
 * Load `path` and its drop-ins.  If `path` is NULL the default file is used,
 * and a missing default file gives an empty config (built-in defaults).  An
 * explicitly named file that is missing is an error.  Returns 0 and a new
 * config, or a negative errno with every problem found in `errors`.
 */
int eg_config_load(const char *path, struct eg_config **ret, struct eg_config_errors *errors);

/* egated --check-config: load `path` (as eg_config_load()) and tell: each problem on `err` and
 * a negative errno, or what the configuration holds on `out` and 0. */
int eg_config_check(const char *path, FILE *out, FILE *err);

/* Same, from a string (tests, fuzzing); `name` stands in for the file name. */
int eg_config_load_string(const char *name, const char *text, struct eg_config **ret,
                          struct eg_config_errors *errors);

struct eg_config *eg_config_free(struct eg_config *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct eg_config *, eg_config_free)

const struct eg_config_plugin *eg_config_find_plugin(const struct eg_config *c, const char *name);
const struct eg_config_device *eg_config_find_device(const struct eg_config *c, const char *name);
const struct eg_config_lane *eg_config_find_lane(const struct eg_config *c, const char *name);
const struct eg_policy *eg_config_find_policy(const struct eg_config *c, const char *name);

/* A key (or section) read only at start that a reload changed, and what stays in use
 * until the next restart (config-reload.c).  Both texts are static. */
struct eg_config_start_only_change {
        const char *what; /* "[daemon] plugin-dirs", "[registry]", ... */
        const char *until_restart;
};
#define EG_CONFIG_START_ONLY_MAX 6

/* The start-only keys that differ between the running configuration and the next one, in
 * ret (room for EG_CONFIG_START_ONLY_MAX); their number. */
size_t eg_config_start_only_changes(const struct eg_config *running, const struct eg_config *next,
                                    struct eg_config_start_only_change *ret);

void eg_policy_init_ses(struct eg_policy *p); /* name stays untouched */
void eg_policy_done(struct eg_policy *p);
/* A deep copy of `from` (lists and name; not the origin) into `to`, which is overwritten
 * only on success; -ENOMEM leaves it untouched. */
int eg_policy_copy(const struct eg_policy *from, struct eg_policy *to);
