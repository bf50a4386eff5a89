/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/stat.h>

#include "names.h"
#include "scenario-internal.h"

static const char *const fail_mode_names[] = {
        [EG_DOOR_FAIL_SECURE] = "secure",
        [EG_DOOR_FAIL_SAFE] = "safe",
};

static const char *const door_command_names[] = { "supersede", "one-at-a-time" };

static const char *const profile_names[] = {
        [MOCK_LATENCY_REALISTIC] = "realistic",
        [MOCK_LATENCY_ZERO] = "zero",
};

static char *strdup_or_null(const char *s) {
        return s ? strdup(s) : NULL;
}

static int parse_latency(struct mock_json_ctx *c, struct json_object *root,
                         struct mock_scenario *s) {
        struct json_object *v, *profile;
        char p[MOCK_PATH_MAX];

        mock_latency_init(&s->latency, MOCK_LATENCY_REALISTIC);
        if (!json_object_object_get_ex(root, "latency", &v))
                return 0;

        if (json_object_is_type(v, json_type_string)) {
                int k;

                if (mock_json_enum_value(c, "latency", v, profile_names, ELEMENTSOF(profile_names),
                                         &k) < 0)
                        return -EINVAL;
                mock_latency_init(&s->latency, (enum mock_latency_profile) k);
                return 0;
        }
        if (!json_object_is_type(v, json_type_object))
                return mock_json_error(c, "latency",
                                       "expected \"realistic\", \"zero\" or an object of "
                                       "per-operation milliseconds");

        if (json_object_object_get_ex(v, "profile", &profile)) {
                int k;

                if (mock_json_enum_value(c, "latency.profile", profile, profile_names,
                                         ELEMENTSOF(profile_names), &k) < 0)
                        return -EINVAL;
                mock_latency_init(&s->latency, (enum mock_latency_profile) k);
        }

        json_object_object_foreach(v, key, val) {
                uint32_t ms;
                int t;

                if (streq(key, "profile"))
                        continue;
                mock_json_path_key(p, "latency", key);
                t = mock_timing_from_string(key);
                if (t < 0)
                        return mock_json_error(c, p,
                                               "unknown key; expected profile, walk, "
                                               "finger-place or an operation name (%s)",
                                               mock_op_names_joined());
                if (mock_json_uint_value(c, p, val, MOCK_MAX_MS, &ms) < 0)
                        return -EINVAL;
                s->latency.ms[t] = ms;
        }
        return 0;
}

static int parse_zones(struct mock_json_ctx *c, const char *lane_path, struct json_object *lane,
                       struct mock_lane_config *l) {
        static const char *const default_zones[] = { "approach", "mantrap", "exit" };
        struct json_object *zones;
        char p[MOCK_PATH_MAX], pi[MOCK_PATH_MAX];
        size_t n;
        int r;

        r = mock_json_array(c, lane_path, lane, "zones", false, false, MOCK_MAX_ZONES, &zones);
        if (r < 0)
                return r;
        n = zones ? json_object_array_length(zones) : ELEMENTSOF(default_zones);
        l->zones = calloc(n + 1, sizeof(char *));
        if (!l->zones)
                return -ENOMEM;

        mock_json_path_key(p, lane_path, "zones");
        for (size_t i = 0; i < n; i++) {
                const char *z = default_zones[i < ELEMENTSOF(default_zones) ? i : 0];

                if (zones && mock_json_name(c, mock_json_path_index(pi, p, i),
                                            json_object_array_get_idx(zones, i), &z) < 0)
                        return -EINVAL;
                for (size_t j = 0; j < i; j++)
                        if (streq(l->zones[j], z))
                                return mock_json_error(c, pi, "duplicate zone '%s'", z);
                l->zones[i] = strdup(z);
                if (!l->zones[i])
                        return -ENOMEM;
        }
        return 0;
}

static int parse_lanes(struct mock_json_ctx *c, struct json_object *root, struct mock_scenario *s) {
        static const char *const keys[] = { "name",
                                            "camera",
                                            "zones",
                                            "entry_door_fail_mode",
                                            "exit_door_fail_mode",
                                            "document_inspection",
                                            "door_commands",
                                            NULL };
        struct json_object *lanes;
        int r;

        r = mock_json_array(c, "", root, "lanes", false, true, MOCK_MAX_LANES, &lanes);
        if (r <= 0)
                return r;

        s->lanes = calloc(json_object_array_length(lanes) + 1, sizeof(*s->lanes));
        if (!s->lanes)
                return -ENOMEM;

        for (size_t i = 0; i < json_object_array_length(lanes); i++) {
                struct json_object *lane = json_object_array_get_idx(lanes, i), *name;
                struct mock_lane_config *l = &s->lanes[s->n_lanes];
                char p[MOCK_PATH_MAX], pn[MOCK_PATH_MAX];
                const char *n;
                int entry, exit_, commands;

                mock_json_path_index(p, "lanes", i);
                s->n_lanes++; /* own the entry from here on, for cleanup */
                if (mock_json_expect_type(c, p, lane, json_type_object) < 0 ||
                    mock_json_check_keys(c, p, lane, keys) < 0 ||
                    mock_json_member(c, p, lane, "name", json_type_string, true, &name) < 0 ||
                    mock_json_name(c, mock_json_path_key(pn, p, "name"), name, &n) < 0)
                        return -EINVAL;
                for (size_t j = 0; j < i; j++)
                        if (streq(s->lanes[j].name, n))
                                return mock_json_error(c, pn, "duplicate lane name '%s'", n);
                l->name = strdup(n);
                if (!l->name)
                        return -ENOMEM;

                if (mock_json_bool(c, p, lane, "camera", true, &l->camera) < 0 ||
                    mock_json_bool(c, p, lane, "document_inspection", true,
                                   &l->document_inspection) < 0 ||
                    mock_json_enum(c, p, lane, "entry_door_fail_mode", fail_mode_names,
                                   ELEMENTSOF(fail_mode_names), EG_DOOR_FAIL_SECURE, &entry) < 0 ||
                    mock_json_enum(c, p, lane, "exit_door_fail_mode", fail_mode_names,
                                   ELEMENTSOF(fail_mode_names), EG_DOOR_FAIL_SECURE, &exit_) < 0 ||
                    mock_json_enum(c, p, lane, "door_commands", door_command_names,
                                   ELEMENTSOF(door_command_names), 0, &commands) < 0)
                        return -EINVAL;
                l->entry_fail_mode = (enum eg_door_fail_mode) entry;
                l->exit_fail_mode = (enum eg_door_fail_mode) exit_;
                l->doors_one_command_at_a_time = commands == 1;

                r = parse_zones(c, p, lane, l);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int parse_one_queue(struct mock_json_ctx *c, const char *p, struct json_object *q,
                           struct mock_scenario *s) {
        static const char *const keys[] = { "lane", "travellers", "interval_ms", "start_ms", NULL };
        struct mock_queue *queue = &s->queues[s->n_queues];
        struct json_object *lane, *travellers;
        char pl[MOCK_PATH_MAX], pt[MOCK_PATH_MAX], pi[MOCK_PATH_MAX], quoted[40];
        const char *name;
        const struct mock_lane_config *l;
        int r;

        if (mock_json_expect_type(c, p, q, json_type_object) < 0 ||
            mock_json_check_keys(c, p, q, keys) < 0 ||
            mock_json_member(c, p, q, "lane", json_type_string, true, &lane) < 0 ||
            mock_json_text(c, mock_json_path_key(pl, p, "lane"), lane, MOCK_NAME_MAX, &name) < 0)
                return -EINVAL;
        l = mock_scenario_find_lane(s, name);
        if (!l)
                return mock_json_error(c, pl, "unknown lane '%s'",
                                       mock_json_quote(quoted, sizeof(quoted), name));
        queue->lane = (size_t) (l - s->lanes);
        for (size_t i = 0; i < s->n_queues; i++)
                if (s->queues[i].lane == queue->lane)
                        return mock_json_error(c, pl, "lane '%s' already has a queue", name);

        r = mock_json_array(c, p, q, "travellers", true, true, 4 * MOCK_MAX_TRAVELLERS,
                            &travellers);
        if (r < 0)
                return r;
        queue->travellers = calloc(json_object_array_length(travellers) + 1, sizeof(size_t));
        if (!queue->travellers)
                return -ENOMEM;
        s->n_queues++;

        mock_json_path_key(pt, p, "travellers");
        for (size_t i = 0; i < json_object_array_length(travellers); i++) {
                const struct mock_traveller *t;
                const char *id;

                mock_json_path_index(pi, pt, i);
                if (mock_json_text(c, pi, json_object_array_get_idx(travellers, i), MOCK_NAME_MAX,
                                   &id) < 0)
                        return -EINVAL;
                t = mock_scenario_find_traveller(s, id);
                if (!t)
                        return mock_json_error(c, pi, "unknown traveller '%s'",
                                               mock_json_quote(quoted, sizeof(quoted), id));
                queue->travellers[queue->n_travellers++] = (size_t) (t - s->travellers);
        }

        if (mock_json_ms(c, p, q, "interval_ms", 4000, &queue->interval_ms) < 0 ||
            mock_json_ms(c, p, q, "start_ms", queue->interval_ms, &queue->start_ms) < 0)
                return -EINVAL;
        return 0;
}

static int parse_queues(struct mock_json_ctx *c, struct json_object *root,
                        struct mock_scenario *s) {
        struct json_object *v;

        if (!json_object_object_get_ex(root, "queue", &v))
                return 0;

        if (json_object_is_type(v, json_type_object)) {
                s->queues = calloc(1, sizeof(*s->queues));
                if (!s->queues)
                        return -ENOMEM;
                return parse_one_queue(c, "queue", v, s);
        }
        if (!json_object_is_type(v, json_type_array))
                return mock_json_error(c, "queue", "expected an object or an array of objects");
        if (json_object_array_length(v) > MOCK_MAX_LANES)
                return mock_json_error(c, "queue", "has %zu entries; the limit is %d",
                                       json_object_array_length(v), MOCK_MAX_LANES);

        s->queues = calloc(json_object_array_length(v) + 1, sizeof(*s->queues));
        if (!s->queues)
                return -ENOMEM;
        for (size_t i = 0; i < json_object_array_length(v); i++) {
                char p[MOCK_PATH_MAX];
                int r;

                r = parse_one_queue(c, mock_json_path_index(p, "queue", i),
                                    json_object_array_get_idx(v, i), s);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* The lane of scenario device `key` ("<lane>-<role>") and its role; NULL if there is none. */
static const struct mock_lane_config *find_device(const struct mock_scenario *s, const char *key,
                                                  enum mock_role *ret_role) {
        for (size_t i = 0; i < s->n_lanes; i++) {
                size_t n = strlen(s->lanes[i].name);

                if (strncmp(key, s->lanes[i].name, n) != 0 || key[n] != '-')
                        continue;
                for (int r = 0; r < MOCK_ROLE_MAX; r++)
                        if (mock_lane_config_has_role(&s->lanes[i], r) &&
                            streq(key + n + 1, mock_role_to_string((enum mock_role) r))) {
                                *ret_role = (enum mock_role) r;
                                return &s->lanes[i];
                        }
        }
        return NULL;
}

static int parse_faults(struct mock_json_ctx *c, struct json_object *root,
                        struct mock_scenario *s) {
        static const char *const keys[] = { "device", "op",    "fault", "delay_ms",
                                            "after",  "count", NULL };
        struct json_object *faults;
        int r;

        r = mock_json_array(c, "", root, "faults", false, true, MOCK_MAX_FAULTS, &faults);
        if (r <= 0)
                return r;
        s->faults = calloc(json_object_array_length(faults) + 1, sizeof(*s->faults));
        if (!s->faults)
                return -ENOMEM;

        for (size_t i = 0; i < json_object_array_length(faults); i++) {
                struct json_object *f = json_object_array_get_idx(faults, i), *dv, *opv;
                struct mock_fault_spec *spec = &s->faults[s->n_faults];
                char p[MOCK_PATH_MAX], pp[MOCK_PATH_MAX], quoted[40];
                const struct mock_lane_config *lane;
                enum eg_device_class device_class;
                enum mock_role role;
                const char *device, *op;
                int kind;

                mock_json_path_index(p, "faults", i);
                if (mock_json_expect_type(c, p, f, json_type_object) < 0 ||
                    mock_json_check_keys(c, p, f, keys) < 0 ||
                    mock_json_member(c, p, f, "device", json_type_string, true, &dv) < 0 ||
                    mock_json_text(c, mock_json_path_key(pp, p, "device"), dv, 64, &device) < 0)
                        return -EINVAL;
                lane = find_device(s, device, &role);
                if (!lane)
                        return mock_json_error(c, pp,
                                               "unknown device '%s'; scenario devices "
                                               "are named <lane>-<role>, e.g. A1-exit-door",
                                               mock_json_quote(quoted, sizeof(quoted), device));
                device_class = mock_role_class(role);
                spec->device = strdup(device);
                if (!spec->device)
                        return -ENOMEM;
                s->n_faults++;

                if (mock_json_member(c, p, f, "op", json_type_string, true, &opv) < 0 ||
                    mock_json_text(c, mock_json_path_key(pp, p, "op"), opv, 64, &op) < 0)
                        return -EINVAL;
                if (!streq(op, "*")) {
                        spec->op = mock_op_from_string(op);
                        if (spec->op == EG_OP_INVALID)
                                return mock_json_error(c, pp,
                                                       "unknown operation '%s'; expected "
                                                       "* or one of %s",
                                                       mock_json_quote(quoted, sizeof(quoted), op),
                                                       mock_op_names_joined());
                        if (mock_op_class(spec->op) != device_class)
                                return mock_json_error(c, pp,
                                                       "operation '%s' does not apply to a %s", op,
                                                       mock_class_to_string(device_class));
                        /* A rule for an op the device never declares could never fire: the
                         * one such op is DOCUMENT_INSPECT on an MRZ-only reader. */
                        if (!(mock_lane_config_role_ops(lane, role) & EG_OP_BIT(spec->op)))
                                return mock_json_error(c, pp,
                                                       "operation '%s' is not supported by %s: "
                                                       "lane %s has document_inspection false",
                                                       op, spec->device, lane->name);
                }

                if (mock_json_enum(c, p, f, "fault", mock_fault_kind_names, MOCK_FAULT_KIND_MAX, -1,
                                   &kind) < 0)
                        return -EINVAL;
                spec->fault = (enum mock_fault_kind) kind;

                if (spec->fault == MOCK_FAULT_DELAY) {
                        if (mock_json_member(c, p, f, "delay_ms", json_type_int, true, &dv) < 0 ||
                            mock_json_ms(c, p, f, "delay_ms", 0, &spec->delay_ms) < 0)
                                return -EINVAL;
                } else if (json_object_object_get_ex(f, "delay_ms", NULL))
                        return mock_json_error(c, mock_json_path_key(pp, p, "delay_ms"),
                                               "only valid with fault 'delay'");

                if (mock_json_uint(c, p, f, "after", 0, 1000000, &spec->after) < 0 ||
                    mock_json_uint(c, p, f, "count", 1, 1000000, &spec->count) < 0)
                        return -EINVAL;
        }
        return 0;
}

static int parse_root(struct mock_json_ctx *c, struct json_object *root, struct mock_scenario *s) {
        static const char *const keys[] = { "version", "name",   "description",
                                            "latency", "lanes",  "travellers",
                                            "queue",   "faults", NULL };
        const char *name, *description;
        uint32_t version;
        int r;

        if (mock_json_expect_type(c, "", root, json_type_object) < 0 ||
            mock_json_check_keys(c, "", root, keys) < 0)
                return -EINVAL;

        if (mock_json_uint(c, "", root, "version", 1, UINT32_MAX, &version) < 0)
                return -EINVAL;
        if (version != 1)
                return mock_json_error(c, "version",
                                       "format version %" PRIu32
                                       " is not supported; this mock reads version 1",
                                       version);

        if (mock_json_string(c, "", root, "name", true, MOCK_TEXT_MAX, &name) < 0 ||
            mock_json_string(c, "", root, "description", false, 4 * MOCK_TEXT_MAX, &description) <
                    0)
                return -EINVAL;
        s->name = strdup(name);
        s->description = strdup_or_null(description);
        if (!s->name || (description && !s->description))
                return -ENOMEM;

        r = parse_latency(c, root, s);
        if (r < 0)
                return r;
        r = parse_lanes(c, root, s);
        if (r < 0)
                return r;
        r = mock_parse_travellers(c, root, s);
        if (r < 0)
                return r;
        r = parse_queues(c, root, s);
        if (r < 0)
                return r;
        return parse_faults(c, root, s);
}

struct mock_scenario *mock_scenario_free(struct mock_scenario *s) {
        if (!s)
                return NULL;

        free(s->name);
        free(s->description);
        for (size_t i = 0; i < s->n_lanes; i++) {
                free(s->lanes[i].name);
                strv_free(s->lanes[i].zones);
        }
        free(s->lanes);
        for (size_t i = 0; i < s->n_travellers; i++)
                mock_traveller_done(&s->travellers[i]);
        free(s->travellers);
        for (size_t i = 0; i < s->n_queues; i++)
                free(s->queues[i].travellers);
        free(s->queues);
        for (size_t i = 0; i < s->n_faults; i++)
                free(s->faults[i].device);
        free(s->faults);
        free(s);
        return NULL;
}

DEFINE_TRIVIAL_CLEANUP_FUNC(struct mock_scenario *, mock_scenario_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(json_tokener *, json_tokener_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct json_object *, json_object_put)

static void locate(const char *data, size_t offset, unsigned *ret_line, unsigned *ret_column) {
        unsigned line = 1, column = 1;

        for (size_t i = 0; i < offset; i++) {
                if (data[i] == '\n') {
                        line++;
                        column = 1;
                } else
                        column++;
        }
        *ret_line = line;
        *ret_column = column;
}

/* Our schema is 5 levels deep; anything much deeper is hostile. */
#define MOCK_JSON_MAX_DEPTH 16

int mock_scenario_load_buffer(const void *data, size_t size, struct mock_scenario **ret,
                              char **ret_error) {
        _cleanup_(json_tokener_freep) json_tokener *tok = NULL;
        _cleanup_(json_object_putp) struct json_object *root = NULL;
        _cleanup_(mock_scenario_freep) struct mock_scenario *s = NULL;
        struct mock_json_ctx c = {};
        enum json_tokener_error jerr;
        unsigned line, column;
        size_t end;
        int r;

        *ret = NULL;
        *ret_error = NULL;

        if (size > MOCK_SCENARIO_MAX_BYTES) {
                if (asprintf(ret_error, "scenario is %zu bytes; the limit is %u (4 MiB)", size,
                             MOCK_SCENARIO_MAX_BYTES) < 0)
                        *ret_error = NULL;
                return -EFBIG;
        }
        if (size > INT32_MAX) /* json-c takes an int length */
                return -EFBIG;

        tok = json_tokener_new_ex(MOCK_JSON_MAX_DEPTH);
        if (!tok)
                return -ENOMEM;
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);

        root = json_tokener_parse_ex(tok, data, (int) size);
        jerr = json_tokener_get_error(tok);
        end = json_tokener_get_parse_end(tok);
        if (!root && jerr == json_tokener_continue)
                end = size;
        if (!root || jerr != json_tokener_success) {
                locate(data, end > size ? size : end, &line, &column);
                const char *what = jerr == json_tokener_continue ? "unexpected end of input"
                                                                 : json_tokener_error_desc(jerr);

                if (asprintf(ret_error, "JSON syntax error at line %u, column %u: %s", line, column,
                             what) < 0)
                        *ret_error = NULL;
                return -EINVAL;
        }
        for (size_t i = end; i < size; i++) {
                char ch = ((const char *) data)[i];

                if (ch != ' ' && ch != '\t' && ch != '\n' && ch != '\r') {
                        locate(data, i, &line, &column);
                        if (asprintf(ret_error,
                                     "JSON syntax error at line %u, column %u: "
                                     "trailing data after the scenario object",
                                     line, column) < 0)
                                *ret_error = NULL;
                        return -EINVAL;
                }
        }

        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;

        r = parse_root(&c, root, s);
        if (r < 0) {
                *ret_error = c.error;
                return r;
        }
        free(c.error);

        *ret = TAKE_PTR(s);
        return 0;
}

int mock_scenario_load_file(const char *path, struct mock_scenario **ret, char **ret_error) {
        _cleanup_(closep) int fd = -1;
        _cleanup_(freep) char *buf = NULL;
        size_t size = 0;
        struct stat st;

        *ret = NULL;
        *ret_error = NULL;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0) {
                int r = -errno;
                if (asprintf(ret_error, "cannot open: %s", strerror(-r)) < 0)
                        *ret_error = NULL;
                return r;
        }
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode)) {
                if (asprintf(ret_error, "not a regular file") < 0)
                        *ret_error = NULL;
                return -EINVAL;
        }

        /* Read at most one byte beyond the limit, whatever st_size says. */
        buf = malloc(MOCK_SCENARIO_MAX_BYTES + 1);
        if (!buf)
                return -ENOMEM;
        for (;;) {
                ssize_t n = read(fd, buf + size, MOCK_SCENARIO_MAX_BYTES + 1 - size);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        int r = -errno;
                        if (asprintf(ret_error, "read failed: %s", strerror(-r)) < 0)
                                *ret_error = NULL;
                        return r;
                }
                if (n == 0)
                        break;
                size += (size_t) n;
                if (size > MOCK_SCENARIO_MAX_BYTES) {
                        if (asprintf(ret_error,
                                     "file is larger than the limit of %u bytes "
                                     "(4 MiB)",
                                     MOCK_SCENARIO_MAX_BYTES) < 0)
                                *ret_error = NULL;
                        return -EFBIG;
                }
        }

        return mock_scenario_load_buffer(buf, size, ret, ret_error);
}

const struct mock_traveller *mock_scenario_find_traveller(const struct mock_scenario *s,
                                                          const char *id) {
        for (size_t i = 0; s && id && i < s->n_travellers; i++)
                if (streq(s->travellers[i].id, id))
                        return &s->travellers[i];
        return NULL;
}

const struct mock_lane_config *mock_scenario_find_lane(const struct mock_scenario *s,
                                                       const char *name) {
        for (size_t i = 0; s && name && i < s->n_lanes; i++)
                if (streq(s->lanes[i].name, name))
                        return &s->lanes[i];
        return NULL;
}

const struct mock_queue *mock_scenario_lane_queue(const struct mock_scenario *s, size_t lane) {
        for (size_t i = 0; i < s->n_queues; i++)
                if (s->queues[i].lane == lane)
                        return &s->queues[i];
        return NULL;
}

bool mock_lane_config_has_role(const struct mock_lane_config *l, int role) {
        if (role < 0 || role >= MOCK_ROLE_MAX)
                return false;
        return role != MOCK_ROLE_CAMERA || l->camera;
}

uint32_t mock_lane_config_role_ops(const struct mock_lane_config *l, int role) {
        uint32_t ops;

        if (!mock_lane_config_has_role(l, role))
                return 0;
        ops = mock_class_supported_ops(mock_role_class((enum mock_role) role));
        if (role == MOCK_ROLE_DOCUMENT_READER && !l->document_inspection)
                ops &= ~EG_OP_BIT(EG_OP_DOCUMENT_INSPECT);
        return ops;
}

bool mock_scenario_has_device(const struct mock_scenario *s, const char *key,
                              enum eg_device_class *ret_class) {
        enum mock_role role;

        if (!find_device(s, key, &role))
                return false;
        if (ret_class)
                *ret_class = mock_role_class(role);
        return true;
}

int mock_traveller_document_number(const struct mock_traveller *t,
                                   char buf[static MOCK_DOCUMENT_NUMBER_MAX]) {
        return mock_mrz_document_number(&t->mrz, buf);
}

const char *mock_traveller_registered_passport(const struct mock_traveller *t,
                                               char buf[static MOCK_DOCUMENT_NUMBER_MAX]) {
        if (t->membership.registered_passport)
                return t->membership.registered_passport;
        if (mock_traveller_document_number(t, buf) < 0)
                return NULL;
        return buf;
}

const struct mock_traveller *mock_scenario_find_member(const struct mock_scenario *s,
                                                       const char *document_number) {
        for (size_t i = 0; document_number && i < s->n_travellers; i++) {
                const struct mock_traveller *t = &s->travellers[i];
                char buf[MOCK_DOCUMENT_NUMBER_MAX];

                if (t->membership.status == MOCK_MEMBERSHIP_NONE)
                        continue;
                if (streq_ptr(mock_traveller_registered_passport(t, buf), document_number))
                        return t;
        }
        return NULL;
}

int mock_traveller_template(const struct mock_traveller *t, uint8_t *buf, size_t size) {
        size_t n = strlen(t->fingerprint.identity);

        if (size < MOCK_TEMPLATE_MAGIC_LEN + n)
                return -ENOBUFS;
        memcpy(buf, MOCK_TEMPLATE_MAGIC, MOCK_TEMPLATE_MAGIC_LEN);
        memcpy(buf + MOCK_TEMPLATE_MAGIC_LEN, t->fingerprint.identity, n);
        return (int) (MOCK_TEMPLATE_MAGIC_LEN + n);
}
