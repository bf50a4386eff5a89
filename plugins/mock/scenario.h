/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The scenario: what the mock world contains (lanes, travellers with their
 * documents, chips, fingers, faces and registry records, an arrival queue
 * and scripted faults), loaded from a JSON file (README.md documents the
 * format).  This part is pure: no SDK host calls, no global state, so the
 * daemon's future registry import and the fuzzer can link it directly.
 *
 * The parser is strict and stops at the first problem, which it describes
 * with the JSON path:  "travellers[3].chip.behaviour: unknown value 'broken';
 * expected ok, unreadable, slow, pa-fail, remove-mid-read, bac-fail, clone,
 * short-only".
 * Messages never quote MRZ lines or document numbers.
 */
#pragma once

#include <egate/device.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "latency.h"
#include "mrz.h"

#define MOCK_SCENARIO_MAX_BYTES (4u * 1024u * 1024u)
#define MOCK_MAX_MS UINT32_C(3600000) /* no duration above one hour */
#define MOCK_FINGERPRINT_THRESHOLD 40
#define MOCK_MAX_LANES 64 /* the daemon benchmarks run 64 lanes */
#define MOCK_MAX_TRAVELLERS 1024
#define MOCK_MAX_FAULTS 256
#define MOCK_MAX_ZONES 8
#define MOCK_MAX_ATTEMPTS 16 /* entries of a fingerprint/face behaviour list */
#define MOCK_NAME_MAX 31 /* lane, zone and traveller id length */
#define MOCK_TEXT_MAX 256 /* name, description, label */

enum mock_chip_behaviour {
        MOCK_CHIP_OK = 0,
        MOCK_CHIP_UNREADABLE,
        MOCK_CHIP_SLOW,
        MOCK_CHIP_PA_FAIL, /* DG2 altered after EF.SOD was signed */
        MOCK_CHIP_REMOVE_MID_READ,
        MOCK_CHIP_BAC_FAIL, /* personalised with another document number: BAC fails */
        MOCK_CHIP_CLONE, /* Chip and Active Authentication answer with other keys */
        MOCK_CHIP_SHORT_ONLY, /* extended-length APDUs get 6700 (needs extended_length) */
        MOCK_CHIP_BEHAVIOUR_MAX,
};

/* How a reader gets into the chip (chip.access). */
enum mock_chip_access {
        MOCK_CHIP_ACCESS_BAC = 0, /* no EF.CardAccess: readers use BAC */
        /* EF.CardAccess offers PACE (ECDH generic mapping, P-256, AES-128) and Chip
         * Authentication is AES-128 too; the chip still answers BAC, as ICAO lets it. */
        MOCK_CHIP_ACCESS_PACE,
        MOCK_CHIP_ACCESS_MAX,
};

enum mock_finger_outcome {
        MOCK_FINGER_MATCH = 0,
        MOCK_FINGER_NO_MATCH,
        MOCK_FINGER_TIMEOUT,
        MOCK_FINGER_POOR_QUALITY,
        /* A fake finger moulded from the traveller's own print: it compares like "match", and
         * the scanner's presentation attack detection flags the sample (FINGER_CAPTURE and
         * FINGER_VERIFY set eg_op_result.presentation_attack). */
        MOCK_FINGER_PRESENTATION_ATTACK,
        MOCK_FINGER_OUTCOME_MAX,
};

enum mock_face_outcome {
        MOCK_FACE_MATCH = 0,
        MOCK_FACE_NO_MATCH,
        MOCK_FACE_NO_FACE,
        MOCK_FACE_MULTI_FACE,
        /* A photo of the traveller held up: the frame is the one "match" gives, and the
         * camera's presentation attack detection flags it (eg_op_result.presentation_attack). */
        MOCK_FACE_PRESENTATION_ATTACK,
        MOCK_FACE_OUTCOME_MAX,
};

enum mock_walk {
        MOCK_WALK_NORMAL = 0,
        MOCK_WALK_TAILGATER,
        MOCK_WALK_TURNS_BACK,
        MOCK_WALK_TWO_PEOPLE,
        MOCK_WALK_SLOW,
        MOCK_WALK_FORCES_EXIT,
        MOCK_WALK_EXIT_INTRUDER, /* someone slips in through the open exit as they leave */
        MOCK_WALK_MAX,
};

enum mock_membership_status {
        MOCK_MEMBERSHIP_ACTIVE = 0,
        MOCK_MEMBERSHIP_CONDITIONAL,
        MOCK_MEMBERSHIP_SUSPENDED,
        MOCK_MEMBERSHIP_REVOKED,
        MOCK_MEMBERSHIP_EXPIRED,
        MOCK_MEMBERSHIP_NONE,
        MOCK_MEMBERSHIP_STATUS_MAX,
};

/* What the daemon's background check answers for the traveller's document (mock mode). */
enum mock_background {
        MOCK_BACKGROUND_CLEAR = 0,
        MOCK_BACKGROUND_WATCHLIST_HIT,
        MOCK_BACKGROUND_LOST_STOLEN,
        MOCK_BACKGROUND_UNAVAILABLE, /* never answers: the daemon's deadline ends the wait */
        MOCK_BACKGROUND_MAX,
};

/* How the daemon's member registry answers the lookup of the traveller's document. */
enum mock_registry {
        MOCK_REGISTRY_OK = 0,
        MOCK_REGISTRY_ERROR, /* fails at once: the registry is unavailable */
        MOCK_REGISTRY_HANG, /* never answers: the registry's deadline ends the wait */
        MOCK_REGISTRY_MAX,
};

enum mock_fault_kind {
        MOCK_FAULT_ERROR = 0, /* -EIO "injected fault" */
        MOCK_FAULT_DELAY, /* delay_ms more, then normal */
        MOCK_FAULT_HANG, /* never completes */
        MOCK_FAULT_UNPLUG, /* the device is removed */
        MOCK_FAULT_CRASH, /* in-flight ops hang, FAULT event, then removed */
        MOCK_FAULT_KIND_MAX,
};

/* What the document reader makes of one optical check of the data page (a traveller's
 * "document.optical"); DOCUMENT_INSPECT reports it as the check's bit in one of the
 * result's three masks, or in none. */
enum mock_optical_verdict {
        MOCK_OPTICAL_PASSED = 0,
        MOCK_OPTICAL_FAILED,
        MOCK_OPTICAL_UNDETERMINED, /* made, but the reader could not tell (glare, wear) */
        MOCK_OPTICAL_NOT_MADE,
        MOCK_OPTICAL_VERDICT_MAX,
};

/* The model DOCUMENT_INSPECT reports unless the scenario says otherwise; the SDK wants
 * printable ASCII, and real readers' names are short. */
#define MOCK_DOCUMENT_MODEL_DEFAULT "MOCK-TD3-2020"
#define MOCK_DOCUMENT_MODEL_MAX 63

/* ISO/IEC 19794-2 finger positions 1 (right thumb) .. 10 (left little). */
#define MOCK_FINGER_POSITIONS 10

const char *mock_chip_behaviour_to_string(enum mock_chip_behaviour b);
const char *mock_chip_access_to_string(enum mock_chip_access a);
const char *mock_finger_outcome_to_string(enum mock_finger_outcome o);
const char *mock_face_outcome_to_string(enum mock_face_outcome o);
const char *mock_walk_to_string(enum mock_walk w);
const char *mock_membership_status_to_string(enum mock_membership_status s);
const char *mock_fault_kind_to_string(enum mock_fault_kind k);
const char *mock_background_to_string(enum mock_background b);
const char *mock_registry_to_string(enum mock_registry r);
const char *mock_optical_verdict_to_string(enum mock_optical_verdict v);
int mock_fault_kind_from_string(const char *s); /* -EINVAL if unknown */
const char *mock_finger_position_to_string(unsigned position); /* 1..10: "right-thumb", ... */

struct mock_date {
        unsigned year, month, day;
};

/* The registry record of a traveller, for the daemon's later registry
 * import (the SES enrolment database stand-in).  Personal data. */
struct mock_membership {
        enum mock_membership_status status;
        bool has_enrolled;
        struct mock_date enrolled;
        bool has_conditional_approval;
        struct mock_date conditional_approval;
        char *registered_passport; /* NULL: the presented document is the registered one */
        unsigned fingers[MOCK_FINGER_POSITIONS]; /* finger positions enrolled */
        size_t n_fingers;
};

struct mock_traveller {
        char *id; /* stable, non-personal: used by control commands */
        char *label; /* non-personal description for demo output */

        struct mock_mrz mrz;
        bool mrz_readable;

        struct {
                bool present;
                struct mock_mrz dg1_mrz; /* defaults to the printed MRZ */
                enum mock_chip_access access;
                bool extended_length; /* the ATR announces extended Lc/Le */
                enum mock_chip_behaviour behaviour;
                uint32_t delay_ms; /* "slow": added to every chip operation */
        } chip;

        /* What the reader's DOCUMENT_INSPECT finds on the data page.  Not personal data. */
        struct {
                char *model; /* NULL: the reader knows no model that fits */
                uint32_t optical_passed; /* EG_OPTICAL_BIT()s; a check is in at most one */
                uint32_t optical_failed;
                uint32_t optical_undetermined;
        } document;

        struct mock_membership membership;
        enum mock_background background; /* "background": the daemon's background check */
        enum mock_registry registry; /* "registry": the daemon's registry lookup */

        struct {
                char *identity; /* defaults to the traveller id */
                enum mock_finger_outcome outcomes[MOCK_MAX_ATTEMPTS];
                size_t n_outcomes; /* one per attempt; the last one repeats */
                uint32_t score_match;
                uint32_t score_no_match;
        } fingerprint;

        struct {
                enum mock_face_outcome outcomes[MOCK_MAX_ATTEMPTS];
                size_t n_outcomes;
        } face;

        enum mock_walk walk;
        uint32_t think_ms; /* from arriving to the document on the reader */
        uint32_t patience_ms; /* how long they wait at the reader before giving up */
};

struct mock_lane_config {
        char *name;
        bool camera;
        char **zones; /* NULL-terminated, at least one */
        bool document_inspection; /* false: an MRZ-only reader, without DOCUMENT_INSPECT */
        enum eg_door_fail_mode entry_fail_mode;
        enum eg_door_fail_mode exit_fail_mode;
        /* "one-at-a-time": the doors refuse a command while one is under way (-EBUSY), as
         * the gpio plugin's doors do; only the safe state takes over.  false ("supersede"):
         * the newest movement command wins. */
        bool doors_one_command_at_a_time;
};

struct mock_queue {
        size_t lane; /* index into lanes */
        size_t *travellers; /* indices into travellers, in order of arrival */
        size_t n_travellers;
        uint32_t start_ms; /* before the first arrival */
        uint32_t interval_ms; /* from a clear lane to the next arrival */
};

struct mock_fault_spec {
        char *device; /* device key, "<lane>-<role>" */
        enum eg_op_kind op; /* EG_OP_INVALID: every op ("*") */
        enum mock_fault_kind fault;
        uint32_t delay_ms;
        uint32_t after; /* let this many matching ops through first */
        uint32_t count; /* fire this many times; 0: every time */
};

struct mock_scenario {
        char *name;
        char *description;
        struct mock_latency latency;

        struct mock_lane_config *lanes;
        size_t n_lanes;
        struct mock_traveller *travellers;
        size_t n_travellers;
        struct mock_queue *queues; /* at most one per lane */
        size_t n_queues;
        struct mock_fault_spec *faults;
        size_t n_faults;
};

/*
 * Load and validate.  On failure returns a negative errno and sets
 * *ret_error (newly allocated, no personal data) to e.g.
 * "lanes[0].zones[1]: duplicate zone 'mantrap'".
 */
int mock_scenario_load_file(const char *path, struct mock_scenario **ret, char **ret_error);
int mock_scenario_load_buffer(const void *data, size_t size, struct mock_scenario **ret,
                              char **ret_error);
struct mock_scenario *mock_scenario_free(struct mock_scenario *s);

const struct mock_traveller *mock_scenario_find_traveller(const struct mock_scenario *s,
                                                          const char *id);
const struct mock_lane_config *mock_scenario_find_lane(const struct mock_scenario *s,
                                                       const char *name);
const struct mock_queue *mock_scenario_lane_queue(const struct mock_scenario *s, size_t lane);

/* Device keys of scenario lanes: "<lane>-<role>".  Whether the lane has the
 * role (the camera is optional). */
bool mock_lane_config_has_role(const struct mock_lane_config *l, int role);
/* The operations (EG_OP_BIT()s) the lane's device in `role` declares: its class's, less
 * DOCUMENT_INSPECT on a reader of a lane without document_inspection.  0 for no role. */
uint32_t mock_lane_config_role_ops(const struct mock_lane_config *l, int role);
bool mock_scenario_has_device(const struct mock_scenario *s, const char *key,
                              enum eg_device_class *ret_class);

/*
 * Registry view (personal data: never log what these return).
 * mock_traveller_registered_passport(): the document number the registry
 * holds for the traveller: membership.registered_passport, else the number
 * printed on the presented document.
 * mock_scenario_find_member(): the traveller whose registered passport is
 * `document_number` and who has a membership record (status != none), the
 * lookup the daemon's registry makes.
 */
int mock_traveller_document_number(const struct mock_traveller *t,
                                   char buf[static MOCK_DOCUMENT_NUMBER_MAX]);
const char *mock_traveller_registered_passport(const struct mock_traveller *t,
                                               char buf[static MOCK_DOCUMENT_NUMBER_MAX]);
const struct mock_traveller *mock_scenario_find_member(const struct mock_scenario *s,
                                                       const char *document_number);

/*
 * The fingerprint template of the traveller's identity in the mock scanner's
 * own format (MOCK_TEMPLATE_FORMAT): what an enrolment on the mock scanner
 * returns and what its verify compares.  Returns the length written, or
 * -ENOBUFS.  Personal data in a real system; here an identity label.
 */
#define MOCK_TEMPLATE_FORMAT "egate-mock"
#define MOCK_TEMPLATE_MAGIC "EGMOCK1"
#define MOCK_TEMPLATE_MAGIC_LEN 8 /* NUL included */
#define MOCK_TEMPLATE_MAX (MOCK_TEMPLATE_MAGIC_LEN + MOCK_NAME_MAX)
int mock_traveller_template(const struct mock_traveller *t, uint8_t *buf, size_t size);
