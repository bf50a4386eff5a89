/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lane-world.h"
#include "macro.h"
#include "mock-control.h"
#include "timing.h"

/* ICAO 9303 check digit (weights 7, 3, 1): the scenario's MRZs must be valid. */
static char check_digit(const char *s, size_t n) {
        unsigned sum = 0;
        static const unsigned weights[] = { 7, 3, 1 };

        for (size_t i = 0; i < n; i++) {
                unsigned v = s[i] >= '0' && s[i] <= '9'   ? (unsigned) (s[i] - '0')
                             : s[i] >= 'A' && s[i] <= 'Z' ? (unsigned) (s[i] - 'A' + 10)
                                                          : 0;
                sum += v * weights[i % 3];
        }
        return (char) ('0' + sum % 10);
}

/* A TD3 line 2 for document `number` (9 characters), born `birth`, expiring `expiry`. */
static void mrz_line2(const char *number, const char *birth, const char *expiry,
                      char out[static 45]) {
        char *p = out;

        memcpy(p, number, 9);
        p[9] = check_digit(p, 9);
        memcpy(p + 10, "USA", 3);
        memcpy(p + 13, birth, 6);
        p[19] = check_digit(birth, 6);
        p[20] = 'F';
        memcpy(p + 21, expiry, 6);
        p[27] = check_digit(expiry, 6);
        memset(p + 28, '<', 14);
        p[42] = check_digit(p + 28, 14);
        {
                char composite[40];

                memcpy(composite, p, 10);
                memcpy(composite + 10, p + 13, 7);
                memcpy(composite + 17, p + 21, 22);
                p[43] = check_digit(composite, 39);
        }
        p[44] = '\0';
}

static void print_latencies(FILE *f, const struct lane_latencies *l) {
        if (!l) {
                fputs("  \"latency\": \"zero\",\n", f);
                return;
        }
        fprintf(f,
                "  \"latency\": {\"profile\": \"zero\", \"document-read-mrz\": %u, "
                "\"document-inspect\": %u, \"chip-connect\": %u, \"chip-transmit\": %u, "
                "\"chip-disconnect\": %u, "
                "\"door-open\": %u, \"door-close\": %u, \"door-lock\": %u, "
                "\"presence-read\": %u, \"camera-capture\": %u, \"finger-verify\": %u, "
                "\"finger-place\": %u, \"walk\": %u},\n",
                l->read_mrz, l->document_inspect, l->chip_connect, l->chip_transmit,
                l->chip_disconnect, l->door_open, l->door_close, l->door_lock, l->presence_read,
                l->camera_capture, l->finger_verify, l->finger_place, l->walk);
}

int lane_world_write_scenario(const char *path, unsigned lanes, unsigned travellers_per_lane,
                              const struct lane_latencies *latencies, unsigned queue_start_ms,
                              const char *chip) {
        _cleanup_(fclosep) FILE *f = fopen(path, "we");
        time_t now = time(NULL);
        struct tm tm;
        char expiry[16], enrolled[32];
        unsigned serial = 0;

        if (!f)
                return -errno;
        (void) gmtime_r(&now, &tm);
        /* Valid for years to come, enrolled two years ago: every traveller is accepted. */
        (void) snprintf(expiry, sizeof(expiry), "%02d0101", (tm.tm_year + 1900 + 5) % 100);
        (void) snprintf(enrolled, sizeof(enrolled), "%04d-01-01", tm.tm_year + 1900 - 2);
        if (strlen(expiry) != 6)
                return -ERANGE;

        fputs("{\n  \"version\": 1,\n  \"name\": \"pipeline benchmark\",\n", f);
        print_latencies(f, latencies);
        fputs("  \"lanes\": [", f);
        for (unsigned l = 0; l < lanes; l++)
                fprintf(f, "%s{\"name\": \"L%u\"}", l ? ", " : "", l);
        fputs("],\n  \"travellers\": [\n", f);
        for (unsigned l = 0; l < lanes; l++)
                for (unsigned t = 0; t < travellers_per_lane; t++) {
                        char number[10], birth[7], line1[45], line2[45];

                        serial++;
                        (void) snprintf(number, sizeof(number), "B%08u", serial);
                        /* A birthday of their own for everyone (1960 + serial days). */
                        (void) snprintf(birth, sizeof(birth), "%02u%02u%02u",
                                        60 + (serial / 336) % 30, 1 + (serial / 28) % 12,
                                        1 + serial % 28);
                        mrz_line2(number, birth, expiry, line2);
                        memset(line1, '<', 44);
                        memcpy(line1, "P<USABENCH<<TRAVELLER", 21);
                        line1[44] = '\0';
                        fprintf(f,
                                "    {\"id\": \"L%u-t%u\", \"mrz\": [\"%s\", \"%s\"], "
                                "\"think_ms\": 0, \"membership\": {\"status\": \"active\", "
                                "\"enrolled\": \"%s\", \"fingers\": [\"right-index\"]}",
                                l, t, line1, line2, enrolled);
                        if (chip)
                                fprintf(f, ", \"chip\": %s", chip);
                        fprintf(f, "}%s\n",
                                l + 1 == lanes && t + 1 == travellers_per_lane ? "" : ",");
                }
        fputs("  ]", f);
        if (queue_start_ms > 0) {
                fputs(",\n  \"queue\": [", f);
                for (unsigned l = 0; l < lanes; l++) {
                        fprintf(f,
                                "%s\n    {\"lane\": \"L%u\", \"start_ms\": %u, "
                                "\"interval_ms\": 0, \"travellers\": [",
                                l ? "," : "", l, queue_start_ms);
                        for (unsigned t = 0; t < travellers_per_lane; t++)
                                fprintf(f, "%s\"L%u-t%u\"", t ? ", " : "", l, t);
                        fputs("]}", f);
                }
                fputs("\n  ]", f);
        }
        fputs("\n}\n", f);
        if (fflush(f) != 0 || ferror(f))
                return -EIO;
        return 0;
}

static int on_lane_signal(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        struct lane_watch *w = userdata;
        const char *member = sd_bus_message_get_member(m), *id, *decision;

        if (streq_ptr(member, "TransactionStarted")) {
                w->started++;
                w->last_started_ns = bench_now_ns();
        } else if (streq_ptr(member, "TransactionFinished")) {
                w->last_finished_ns = bench_now_ns();
                w->finished++;
                if (sd_bus_message_read(m, "ss", &id, &decision) >= 0) {
                        (void) snprintf(w->last_decision, sizeof(w->last_decision), "%s", decision);
                        if (streq(decision, "accept"))
                                w->accepted++;
                }
        }
        return 0;
}

int lane_watch_start(struct bench_env *e, struct lane_watch *w) {
        *w = (struct lane_watch){};
        return sd_bus_add_match(e->client, &w->slot,
                                "type='signal',sender='" BENCH_EGATE_NAME "',"
                                "interface='org.egate.EGate1.Lane'",
                                on_lane_signal, w);
}

void lane_watch_stop(struct lane_watch *w) {
        w->slot = sd_bus_slot_unref(w->slot);
}

int lane_watch_wait_finished(struct bench_env *e, struct lane_watch *w, uint64_t count,
                             unsigned timeout_ms) {
        uint64_t end = bench_now_ns() + (uint64_t) timeout_ms * 1000000u;

        while (w->finished < count) {
                uint64_t now = bench_now_ns();
                int r;

                if (now >= end)
                        return -ETIMEDOUT;
                r = sd_bus_process(e->client, NULL);
                if (r < 0)
                        return r;
                if (r > 0)
                        continue;
                r = sd_bus_wait(e->client, (end - now) / 1000u);
                if (r < 0 && r != -EINTR)
                        return r;
        }
        return 0;
}

int lane_wait_state(struct bench_env *e, const char *lane, const char *state, unsigned timeout_ms) {
        _cleanup_free_ char *path = NULL;
        uint64_t end = bench_now_ns() + (uint64_t) timeout_ms * 1000000u;
        int r;

        r = sd_bus_path_encode("/org/egate/EGate1/Lane", lane, &path);
        if (r < 0)
                return r;
        while (bench_now_ns() < end) {
                _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
                _cleanup_free_ char *value = NULL;

                r = sd_bus_get_property_string(e->client, BENCH_EGATE_NAME, path,
                                               "org.egate.EGate1.Lane", "State", &error, &value);
                if (r >= 0 && streq(value, state))
                        return 0;
                /* Signals that arrive meanwhile are kept for the watch. */
                (void) sd_bus_process(e->client, NULL);
                (void) usleep(2000);
        }
        return -ETIMEDOUT;
}

static void closedirp(DIR **d) {
        if (*d)
                (void) closedir(*d);
}

/* Every thread's on-CPU time (schedstat, ns).  egated's threads (the loop, the registry's
 * and the audit trail's workers, the mock's worker) live as long as it does. */
int lane_egated_cpu_ns(const struct bench_env *e, uint64_t *ret) {
        char path[64];
        _cleanup_(closedirp) DIR *d = NULL;
        struct dirent *de;
        uint64_t total = 0;

        (void) snprintf(path, sizeof(path), "/proc/%d/task", (int) e->egated.pid);
        d = opendir(path);
        if (!d)
                return -errno;
        while ((de = readdir(d))) {
                char file[sizeof(path) + sizeof(de->d_name) + 16];
                unsigned long long ns;
                FILE *f;

                if (de->d_name[0] == '.')
                        continue;
                (void) snprintf(file, sizeof(file), "%s/%s/schedstat", path, de->d_name);
                f = fopen(file, "re");
                if (!f)
                        continue; /* the thread just ended */
                if (fscanf(f, "%llu", &ns) == 1)
                        total += ns;
                fclose(f);
        }
        *ret = total;
        return 0;
}

int lane_mock_wait_clear(const struct bench_env *e, const char *lane, unsigned timeout_ms) {
        uint64_t end = bench_now_ns() + (uint64_t) timeout_ms * 1000000u;
        char command[64], reply[4096];

        (void) snprintf(command, sizeof(command), "status %s", lane);
        while (bench_now_ns() < end) {
                if (bench_mock_query(e->mock_socket, command, reply, sizeof(reply)) >= 0 &&
                    strstr(reply, " phase=idle "))
                        return 0;
                (void) usleep(20000);
        }
        return -ETIMEDOUT;
}

int lane_mock_card_cpu_ns(const struct bench_env *e, uint64_t *ret) {
        char reply[256];
        const char *p;

        if (bench_mock_query(e->mock_socket, "stats", reply, sizeof(reply)) < 0)
                return -EIO;
        p = strstr(reply, " card_cpu_ns=");
        if (!p)
                return -EPROTO;
        *ret = strtoull(p + strlen(" card_cpu_ns="), NULL, 10);
        return 0;
}

int64_t lane_mock_ops(const struct bench_env *e, const char *device, const char *kind) {
        char command[512], reply[4096], key[80];
        const char *p;

        (void) snprintf(command, sizeof(command), "ops %s", device);
        if (bench_mock_query(e->mock_socket, command, reply, sizeof(reply)) < 0)
                return -EIO;
        (void) snprintf(key, sizeof(key), " %s=", kind);
        p = strstr(reply, key);
        return p ? (int64_t) strtoll(p + strlen(key), NULL, 10) : 0;
}
