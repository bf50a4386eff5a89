/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "fake-host.h"

#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mock.h"

struct timer {
        eg_source_id id;
        uint64_t due_us;
        eg_timer_fn fn;
        void *userdata;
        bool active;
};

struct io {
        eg_source_id id;
        int fd;
        uint32_t events;
        eg_io_fn fn;
        void *userdata;
        bool active;
};

struct eg_host {
        struct eg_host_header header; /* first, as the SDK wants */
        const char *const *config;
        pthread_t main_thread;
        pthread_mutex_t lock;
        pthread_cond_t changed;

        uint64_t now_us;
        const char *refused_key;
        eg_source_id next_source;
        eg_device_id next_device;
        eg_op_id next_op;
        unsigned bad_removals;

        struct timer *timers;
        size_t n_timers;
        struct io *ios;
        size_t n_ios;
        struct fake_device *devices;
        size_t n_devices;
        struct fake_event *events;
        size_t n_events;
        struct fake_completion *completions;
        size_t n_completions;
        char **logs;
        size_t n_logs;
};

static struct eg_host *current;

#define GROW(array, n)                                                                             \
        do {                                                                                       \
                (array) = realloc((array), ((n) + 1) * sizeof(*(array)));                          \
                if (!(array))                                                                      \
                        abort();                                                                   \
        } while (0)

static char *dup_or_null(const char *s) {
        return s ? strdup(s) : NULL;
}

static void host_log(struct eg_host *h, int level_and_flags, const char *message) {
        pthread_mutex_lock(&h->lock);
        GROW(h->logs, h->n_logs);
        h->logs[h->n_logs++] = strdup(message);
        pthread_mutex_unlock(&h->lock);
        if (getenv("FAKE_HOST_VERBOSE"))
                fprintf(stderr, "[%6.3f] <%d> %s\n", (double) h->now_us / 1e6,
                        level_and_flags & 0xff, message);
}

static int host_complete(struct eg_host *h, eg_op_id op, const struct eg_op_result *r) {
        struct fake_completion *c;

        if (!r || r->size < sizeof(*r))
                return -EINVAL;
        pthread_mutex_lock(&h->lock);
        GROW(h->completions, h->n_completions);
        c = &h->completions[h->n_completions++];
        *c = (struct fake_completion){
                .op = op,
                .status = r->status,
                .message = dup_or_null(r->message),
                .text = dup_or_null(r->text),
                .format = dup_or_null(r->format),
                .fd = r->fd,
                .score = r->score,
                .threshold = r->threshold,
                .match = r->match,
                .value = r->value,
                .document_model = dup_or_null(r->document_model),
                .optical_passed = r->optical_passed,
                .optical_failed = r->optical_failed,
                .optical_undetermined = r->optical_undetermined,
                .presentation_attack = r->presentation_attack,
                .faces = r->faces,
                .other_thread = !pthread_equal(pthread_self(), h->main_thread),
                .at_ms = __atomic_load_n(&h->now_us, __ATOMIC_RELAXED) / 1000,
        };
        if (r->data_len > 0) {
                c->data = malloc(r->data_len);
                memcpy(c->data, r->data, r->data_len);
                c->data_len = r->data_len;
        }
        pthread_cond_broadcast(&h->changed);
        pthread_mutex_unlock(&h->lock);
        return 0;
}

static struct fake_device *find_device(struct eg_host *h, eg_device_id id) {
        for (size_t i = 0; i < h->n_devices; i++)
                if (h->devices[i].id == id)
                        return &h->devices[i];
        return NULL;
}

static int host_emit(struct eg_host *h, eg_device_id device, const struct eg_event *ev) {
        struct fake_device *d;
        struct fake_event *e;

        pthread_mutex_lock(&h->lock);
        d = find_device(h, device);
        if (!d || d->removed || !ev || ev->size < sizeof(*ev)) {
                pthread_mutex_unlock(&h->lock);
                return -ENODEV;
        }
        GROW(h->events, h->n_events);
        e = &h->events[h->n_events++];
        *e = (struct fake_event){
                .device = device,
                .type = ev->type,
                .value = ev->value,
                .zone = dup_or_null(ev->zone),
                .message = dup_or_null(ev->message),
                .at_ms = h->now_us / 1000,
        };
        snprintf(e->key, sizeof(e->key), "%s", d->key);
        pthread_mutex_unlock(&h->lock);
        return 0;
}

static const char *host_config_get(struct eg_host *h, const char *key) {
        for (const char *const *c = h->config; c && c[0]; c += 2)
                if (strcmp(c[0], key) == 0)
                        return c[1];
        return NULL;
}

static int host_device_add(struct eg_host *h, const struct eg_device_desc *desc,
                           eg_device_id *ret) {
        struct fake_device *d;

        if (!desc || desc->size < sizeof(*desc) || !desc->key || !desc->ops || !desc->model)
                return -EINVAL;
        if (h->refused_key && strcmp(h->refused_key, desc->key) == 0)
                return -EIO;
        for (size_t i = 0; i < h->n_devices; i++)
                if (!h->devices[i].removed && strcmp(h->devices[i].key, desc->key) == 0)
                        return -EEXIST;

        pthread_mutex_lock(&h->lock);
        GROW(h->devices, h->n_devices);
        d = &h->devices[h->n_devices++];
        *d = (struct fake_device){
                .id = ++h->next_device,
                .key = strdup(desc->key),
                .vendor = dup_or_null(desc->vendor),
                .model = strdup(desc->model),
                .serial = dup_or_null(desc->serial),
                .lane = dup_or_null(desc->lane),
                .role = dup_or_null(desc->role),
                .device_class = desc->device_class,
                .supported_ops = desc->supported_ops,
                .fail_mode = desc->fail_mode,
                .ops = desc->ops,
                .device_data = desc->device_data,
        };
        *ret = d->id;
        pthread_mutex_unlock(&h->lock);
        return 0;
}

static int host_device_remove(struct eg_host *h, eg_device_id id) {
        struct fake_device *d = find_device(h, id);

        if (!d || d->removed)
                return -ENODEV;
        d->removed = true;
        /* Like the daemon: the device is closed as it goes. */
        d->closed = true;
        d->ops->close(d->device_data);
        return 0;
}

static int host_timer_add(struct eg_host *h, uint64_t delay_usec, eg_timer_fn fn, void *userdata,
                          eg_source_id *ret) {
        GROW(h->timers, h->n_timers);
        h->timers[h->n_timers++] = (struct timer){
                .id = ++h->next_source,
                .due_us = h->now_us + delay_usec,
                .fn = fn,
                .userdata = userdata,
                .active = true,
        };
        *ret = h->next_source;
        return 0;
}

static int host_io_add(struct eg_host *h, int fd, uint32_t events, eg_io_fn fn, void *userdata,
                       eg_source_id *ret) {
        if (fd < 0)
                return -EBADF;
        GROW(h->ios, h->n_ios);
        h->ios[h->n_ios++] = (struct io){
                .id = ++h->next_source,
                .fd = fd,
                .events = events,
                .fn = fn,
                .userdata = userdata,
                .active = true,
        };
        *ret = h->next_source;
        return 0;
}

static void host_source_remove(struct eg_host *h, eg_source_id id) {
        for (size_t i = 0; i < h->n_timers; i++)
                if (h->timers[i].id == id && h->timers[i].active) {
                        h->timers[i].active = false;
                        return;
                }
        for (size_t i = 0; i < h->n_ios; i++)
                if (h->ios[i].id == id && h->ios[i].active) {
                        h->ios[i].active = false;
                        return;
                }
        h->bad_removals++;
}

static const struct eg_host_api api = {
        .size = sizeof(struct eg_host_api),
        .log = host_log,
        .complete = host_complete,
        .emit = host_emit,
        .config_get = host_config_get,
        .device_add = host_device_add,
        .device_remove = host_device_remove,
        .timer_add = host_timer_add,
        .io_add = host_io_add,
        .source_remove = host_source_remove,
};

static uint64_t fake_now_ms(void) {
        return current ? current->now_us / 1000 : 0;
}

struct eg_host *fake_host_new(const char *const *config) {
        struct eg_host *h = calloc(1, sizeof(*h));

        if (!h)
                abort();
        h->header.api = &api;
        h->config = config;
        h->main_thread = pthread_self();
        h->now_us = 1000000; /* not zero, so nothing mistakes it for "unset" */
        pthread_mutex_init(&h->lock, NULL);
        pthread_cond_init(&h->changed, NULL);
        current = h;
        mock_clock_override(fake_now_ms);
        return h;
}

void fake_host_free(struct eg_host *h) {
        if (!h)
                return;
        for (size_t i = 0; i < h->n_devices; i++) {
                struct fake_device *d = &h->devices[i];
                free(d->key);
                free(d->vendor);
                free(d->model);
                free(d->serial);
                free(d->lane);
                free(d->role);
        }
        free(h->devices);
        for (size_t i = 0; i < h->n_events; i++) {
                free(h->events[i].zone);
                free(h->events[i].message);
        }
        free(h->events);
        for (size_t i = 0; i < h->n_completions; i++) {
                struct fake_completion *c = &h->completions[i];
                free(c->message);
                free(c->text);
                free(c->data);
                free(c->format);
                free(c->document_model);
                if (c->fd >= 0)
                        close(c->fd);
        }
        free(h->completions);
        for (size_t i = 0; i < h->n_logs; i++)
                free(h->logs[i]);
        free(h->logs);
        free(h->timers);
        free(h->ios);
        pthread_cond_destroy(&h->changed);
        pthread_mutex_destroy(&h->lock);
        if (current == h) {
                current = NULL;
                mock_clock_override(NULL);
        }
        free(h);
}

int fake_host_init(struct eg_host *h, void **plugin_data) {
        return egate_plugin_ops.init(h, plugin_data);
}

void fake_host_shutdown(struct eg_host *h, void *plugin_data) {
        for (size_t i = 0; i < h->n_devices; i++) {
                struct fake_device *d = &h->devices[i];

                if (d->removed)
                        continue;
                d->removed = true;
                d->closed = true;
                d->ops->close(d->device_data);
        }
        egate_plugin_ops.shutdown(plugin_data);
}

uint64_t fake_host_now(struct eg_host *h) {
        return h->now_us / 1000;
}

void fake_host_run(struct eg_host *h, uint64_t ms) {
        uint64_t end = h->now_us + ms * 1000;

        for (;;) {
                struct timer *next = NULL;

                for (size_t i = 0; i < h->n_timers; i++) {
                        struct timer *t = &h->timers[i];

                        if (!t->active || t->due_us > end)
                                continue;
                        if (!next || t->due_us < next->due_us ||
                            (t->due_us == next->due_us && t->id < next->id))
                                next = t;
                }
                if (!next)
                        break;
                if (next->due_us > h->now_us)
                        __atomic_store_n(&h->now_us, next->due_us, __ATOMIC_RELAXED);
                next->active = false;
                /* The callback may add timers (and move the array). */
                eg_timer_fn fn = next->fn;
                void *userdata = next->userdata;
                fn(userdata);
        }
        __atomic_store_n(&h->now_us, end, __ATOMIC_RELAXED);
}

int fake_host_poll_io(struct eg_host *h, int timeout_ms) {
        struct pollfd fds[64];
        eg_source_id ids[64];
        size_t n = 0;
        int r, dispatched = 0;

        for (size_t i = 0; i < h->n_ios && n < 64; i++)
                if (h->ios[i].active) {
                        fds[n] = (struct pollfd){ .fd = h->ios[i].fd, .events = POLLIN };
                        ids[n++] = h->ios[i].id;
                }
        if (n == 0)
                return 0;
        r = poll(fds, n, timeout_ms);
        if (r <= 0)
                return r;
        for (size_t k = 0; k < n; k++) {
                if (!fds[k].revents)
                        continue;
                for (size_t i = 0; i < h->n_ios; i++)
                        if (h->ios[i].id == ids[k] && h->ios[i].active) {
                                eg_io_fn fn = h->ios[i].fn;
                                void *userdata = h->ios[i].userdata;
                                fn(fds[k].fd, (uint32_t) fds[k].revents, userdata);
                                dispatched++;
                                break;
                        }
        }
        return dispatched;
}

unsigned fake_host_n_io(struct eg_host *h) {
        unsigned n = 0;

        for (size_t i = 0; i < h->n_ios; i++)
                n += h->ios[i].active;
        return n;
}

unsigned fake_host_n_timers(struct eg_host *h) {
        unsigned n = 0;

        for (size_t i = 0; i < h->n_timers; i++)
                n += h->timers[i].active;
        return n;
}

unsigned fake_host_bad_removals(struct eg_host *h) {
        return h->bad_removals;
}

const struct fake_device *fake_host_device(struct eg_host *h, const char *key) {
        for (size_t i = h->n_devices; i > 0; i--)
                if (strcmp(h->devices[i - 1].key, key) == 0)
                        return &h->devices[i - 1];
        return NULL;
}

size_t fake_host_n_devices(struct eg_host *h, bool include_removed) {
        size_t n = 0;

        for (size_t i = 0; i < h->n_devices; i++)
                n += include_removed || !h->devices[i].removed;
        return n;
}

const struct fake_device *fake_host_device_at(struct eg_host *h, size_t i) {
        return i < h->n_devices ? &h->devices[i] : NULL;
}

int fake_host_start(struct eg_host *h, const char *key, const struct eg_op_args *args,
                    eg_op_id *ret_op) {
        const struct fake_device *d = fake_host_device(h, key);
        struct eg_op_args a = *args;
        eg_op_id op = ++h->next_op;

        if (!d || d->removed)
                return -ENODEV;
        a.size = sizeof(a);
        if (ret_op)
                *ret_op = op;
        return d->ops->start(d->device_data, op, &a);
}

void fake_host_cancel(struct eg_host *h, const char *key, eg_op_id op) {
        const struct fake_device *d = fake_host_device(h, key);

        if (d && !d->removed)
                d->ops->cancel(d->device_data, op);
}

const struct fake_completion *fake_host_completion(struct eg_host *h, eg_op_id op) {
        const struct fake_completion *c = NULL;

        pthread_mutex_lock(&h->lock);
        for (size_t i = 0; i < h->n_completions; i++)
                if (h->completions[i].op == op) {
                        if (c) /* exactly once, says the SDK */
                                abort();
                        c = &h->completions[i];
                }
        pthread_mutex_unlock(&h->lock);
        return c;
}

const struct fake_completion *fake_host_wait(struct eg_host *h, eg_op_id op, int timeout_ms) {
        struct timespec deadline;
        const struct fake_completion *c;

        clock_gettime(CLOCK_REALTIME, &deadline);
        deadline.tv_sec += timeout_ms / 1000;
        deadline.tv_nsec += (long) (timeout_ms % 1000) * 1000000;
        if (deadline.tv_nsec >= 1000000000) {
                deadline.tv_sec++;
                deadline.tv_nsec -= 1000000000;
        }
        for (;;) {
                c = fake_host_completion(h, op);
                if (c)
                        return c;
                pthread_mutex_lock(&h->lock);
                int r = pthread_cond_timedwait(&h->changed, &h->lock, &deadline);
                pthread_mutex_unlock(&h->lock);
                if (r != 0)
                        return fake_host_completion(h, op);
        }
}

size_t fake_host_n_completions(struct eg_host *h) {
        size_t n;

        pthread_mutex_lock(&h->lock);
        n = h->n_completions;
        pthread_mutex_unlock(&h->lock);
        return n;
}

size_t fake_host_n_events(struct eg_host *h) {
        return h->n_events;
}

const struct fake_event *fake_host_event(struct eg_host *h, size_t i) {
        return i < h->n_events ? &h->events[i] : NULL;
}

size_t fake_host_count_events(struct eg_host *h, const char *key, enum eg_event_type type) {
        size_t n = 0;

        for (size_t i = 0; i < h->n_events; i++)
                n += strcmp(h->events[i].key, key) == 0 && h->events[i].type == type;
        return n;
}

const struct fake_event *fake_host_last_event(struct eg_host *h, const char *key,
                                              enum eg_event_type type) {
        for (size_t i = h->n_events; i > 0; i--)
                if (strcmp(h->events[i - 1].key, key) == 0 && h->events[i - 1].type == type)
                        return &h->events[i - 1];
        return NULL;
}

static const char *event_name(enum eg_event_type t) {
        static const char *const names[EG_EVENT_MAX_] = {
                [EG_EVENT_DOCUMENT_PRESENT] = "document-present",
                [EG_EVENT_DOCUMENT_REMOVED] = "document-removed",
                [EG_EVENT_CHIP_PRESENT] = "chip-present",
                [EG_EVENT_CHIP_REMOVED] = "chip-removed",
                [EG_EVENT_FINGER_PRESENT] = "finger-present",
                [EG_EVENT_FINGER_REMOVED] = "finger-removed",
                [EG_EVENT_DOOR_POSITION] = "position",
                [EG_EVENT_DOOR_LOCK] = "lock",
                [EG_EVENT_DOOR_FORCED] = "forced",
                [EG_EVENT_DOOR_HELD_OPEN] = "held-open",
                [EG_EVENT_OCCUPANCY] = "occupancy",
                [EG_EVENT_BEAM] = "beam",
                [EG_EVENT_EMERGENCY] = "emergency",
                [EG_EVENT_FAULT] = "fault",
                [EG_EVENT_RECOVERED] = "recovered",
        };

        return (unsigned) t < EG_EVENT_MAX_ && names[t] ? names[t] : "?";
}

const char *fake_host_events_of(struct eg_host *h, const char *key) {
        static char buf[8192];
        size_t n = 0;

        buf[0] = '\0';
        for (size_t i = 0; i < h->n_events && n < sizeof(buf); i++) {
                const struct fake_event *e = &h->events[i];
                bool with_value = e->type == EG_EVENT_DOOR_POSITION ||
                                  e->type == EG_EVENT_DOOR_LOCK || e->type == EG_EVENT_OCCUPANCY ||
                                  e->type == EG_EVENT_EMERGENCY;

                if (strcmp(e->key, key) != 0)
                        continue;
                n += (size_t) snprintf(buf + n, sizeof(buf) - n, "%s%s", n ? "; " : "",
                                       event_name(e->type));
                if (e->zone && n < sizeof(buf))
                        n += (size_t) snprintf(buf + n, sizeof(buf) - n, " %s", e->zone);
                if (with_value && n < sizeof(buf))
                        n += (size_t) snprintf(buf + n, sizeof(buf) - n, "=%" PRIi64, e->value);
                if (e->message && n < sizeof(buf))
                        n += (size_t) snprintf(buf + n, sizeof(buf) - n, " '%s'", e->message);
        }
        return buf;
}

void fake_host_clear_events(struct eg_host *h) {
        pthread_mutex_lock(&h->lock);
        for (size_t i = 0; i < h->n_events; i++) {
                free(h->events[i].zone);
                free(h->events[i].message);
        }
        h->n_events = 0;
        pthread_mutex_unlock(&h->lock);
}

void fake_host_refuse_device(struct eg_host *h, const char *key) {
        h->refused_key = key;
}

void fake_host_drop_device(struct eg_host *h, const char *key) {
        for (size_t i = 0; i < h->n_devices; i++) {
                struct fake_device *d = &h->devices[i];

                if (d->removed || strcmp(d->key, key) != 0)
                        continue;
                d->removed = true;
                d->closed = true;
                d->ops->close(d->device_data);
        }
}

bool fake_host_logged(struct eg_host *h, const char *substring) {
        bool found = false;

        pthread_mutex_lock(&h->lock);
        for (size_t i = 0; i < h->n_logs && !found; i++)
                found = strstr(h->logs[i], substring) != NULL;
        pthread_mutex_unlock(&h->lock);
        return found;
}
