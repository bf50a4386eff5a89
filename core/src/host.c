/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"
#include "log.h"
#include "manager.h"

/* Bounds on what a plugin may hand us: a hostile plugin must not exhaust memory. */
#define EG_MAX_TEXT 4096
#define EG_MAX_MESSAGE 512
#define EG_MAX_FORMAT 64
#define EG_MAX_DATA (1u << 20)
#define EG_MAX_DOCUMENT_MODEL 63
#define EG_OPTICAL_ALL (EG_OPTICAL_BIT(EG_OPTICAL_MAX_) - 1)

static struct eg_plugin *plugin_of(struct eg_host *host) {
        return host ? host->plugin : NULL;
}

const char *eg_plugin_name(const struct eg_plugin *p) {
        if (!p)
                return "?";
        return p->module.name ? p->module.name : p->module.path;
}

bool eg_on_loop_thread(struct eg_manager *m) {
        return pthread_equal(pthread_self(), m->loop_thread);
}

static bool main_thread_call(struct eg_plugin *p, const char *what) {
        if (eg_on_loop_thread(p->manager))
                return true;
        log_plugin(LOG_ERR, 0, eg_plugin_name(p),
                   "%s called from a plugin thread: refused (see "
                   "the SDK's thread rules)",
                   what);
        return false;
}

static void host_log(struct eg_host *host, int level_and_flags, const char *message) {
        struct eg_plugin *p = plugin_of(host);
        int level = level_and_flags & 0xff;

        if (!p || !message)
                return;
        if (level < LOG_ERR)
                level = LOG_ERR; /* plugins do not get to page anyone */
        if (level > LOG_DEBUG)
                level = LOG_DEBUG;
        log_internal(level, 0, EG_LOG_OBJECT_PLUGIN, eg_plugin_name(p),
                     (level_and_flags & EG_LOG_PERSONAL) != 0, NULL, 0, NULL, "%s", message);
}

static int copy_bounded(const char *what, const char *in, size_t max, char **out) {
        if (!in)
                return 0;
        if (strnlen(in, max + 1) > max)
                return -EMSGSIZE;
        *out = strdup(in);
        return *out ? 0 : -ENOMEM;
}

/* A plugin's bool, read as the byte it is: any value other than 0 is true, and a hostile
 * plugin's 2 or 0xff never becomes an invalid bool here. */
_Static_assert(sizeof(bool) == 1, "the SDK's bools are one byte");

static bool result_flag(const struct eg_op_result *r, size_t offset) {
        uint8_t byte;

        memcpy(&byte, (const uint8_t *) r + offset, sizeof(byte));
        return byte != 0;
}

/* Each check the reader made in one mask, and only checks this SDK knows. */
static bool optical_masks_are_valid(const struct eg_op_result *r) {
        uint32_t all = r->optical_passed | r->optical_failed | r->optical_undetermined;

        return (all & ~EG_OPTICAL_ALL) == 0 && (r->optical_passed & r->optical_failed) == 0 &&
               (r->optical_passed & r->optical_undetermined) == 0 &&
               (r->optical_failed & r->optical_undetermined) == 0;
}

static int host_complete(struct eg_host *host, eg_op_id op, const struct eg_op_result *in) {
        struct eg_plugin *p = plugin_of(host);
        struct eg_op_result result = { .fd = -1 };
        struct eg_post *post;
        int r;

        if (!p || !in || in->size < offsetof(struct eg_op_result, value) + sizeof(int64_t))
                return -EINVAL;
        memcpy(&result, in, in->size < sizeof(result) ? in->size : sizeof(result));
        /* The fd is ours from here on, as the SDK documents, whether or not the
         * completion is accepted: the plugin must never close it itself. */
        _cleanup_(closep) int fd = result.fd >= 0 ? result.fd : -1;

        if (result.data_len > EG_MAX_DATA || (result.data_len > 0 && !result.data))
                return -EMSGSIZE;
        if (!optical_masks_are_valid(&result))
                return -EINVAL;
        if (result.document_model && result.document_model[0] &&
            !eg_string_is_safe(result.document_model, EG_MAX_DOCUMENT_MODEL))
                return -EINVAL;
        if (fd >= 0 && fcntl(fd, F_GETFD) < 0) {
                fd = -1; /* nothing to close */
                return -EBADF;
        }

        post = calloc(1, sizeof(*post));
        if (!post)
                return -ENOMEM;
        post->kind = EG_POST_COMPLETION;
        post->plugin = p;
        post->op = op;
        post->outcome.fd = -1;
        post->outcome.status = result.status;
        /* The message goes to logs and to D-Bus callers: one that is not printable UTF-8 (a
         * byte soup from a device, an escape sequence) is dropped, not the whole answer, which
         * would leave the operation to its deadline and fault a device that answered. */
        if (result.message && !eg_string_is_safe(result.message, EG_MAX_MESSAGE)) {
                log_plugin(LOG_WARNING, 0, eg_plugin_name(p),
                           "the message of operation %" PRIu64 " is not printable text: dropped",
                           op);
                result.message = NULL;
        }
        r = copy_bounded("message", result.message, EG_MAX_MESSAGE, &post->outcome.message);
        if (r >= 0)
                r = copy_bounded("text", result.text, EG_MAX_TEXT, &post->outcome.text);
        if (r >= 0)
                r = copy_bounded("format", result.format, EG_MAX_FORMAT, &post->outcome.format);
        if (r >= 0 && result.document_model && result.document_model[0])
                r = copy_bounded("document model", result.document_model, EG_MAX_DOCUMENT_MODEL,
                                 &post->outcome.document_model);
        if (r >= 0 && result.data_len > 0) {
                post->outcome.data = malloc(result.data_len);
                if (!post->outcome.data)
                        r = -ENOMEM;
                else {
                        memcpy(post->outcome.data, result.data, result.data_len);
                        post->outcome.data_len = result.data_len;
                }
        }
        if (r < 0) {
                eg_post_free(post);
                return r;
        }
        post->outcome.score = result.score;
        post->outcome.threshold = result.threshold;
        post->outcome.match = result_flag(&result, offsetof(struct eg_op_result, match));
        post->outcome.value = result.value;
        post->outcome.optical_passed = result.optical_passed;
        post->outcome.optical_failed = result.optical_failed;
        post->outcome.optical_undetermined = result.optical_undetermined;
        post->outcome.presentation_attack =
                result_flag(&result, offsetof(struct eg_op_result, presentation_attack));
        post->outcome.faces = result.faces;
        post->outcome.fd = TAKE_FD(fd);

        r = eg_post_queue_push(&p->manager->posts, post);
        if (r < 0) {
                eg_post_free(post);
                return r;
        }
        return 0;
}

static bool event_is_valid(const struct eg_event *e) {
        switch (e->type) {
        case EG_EVENT_DOOR_POSITION:
                return e->value >= EG_DOOR_POSITION_UNKNOWN && e->value <= EG_DOOR_POSITION_MOVING;
        case EG_EVENT_DOOR_LOCK:
                return e->value >= EG_DOOR_LOCK_UNKNOWN && e->value <= EG_DOOR_LOCK_UNLOCKED;
        case EG_EVENT_OCCUPANCY:
                return e->value >= 0 && e->value <= 1000;
        default:
                return e->type > EG_EVENT_INVALID && e->type < EG_EVENT_MAX_;
        }
}

static int host_emit(struct eg_host *host, eg_device_id device, const struct eg_event *in) {
        struct eg_plugin *p = plugin_of(host);
        struct eg_event event = {};
        struct eg_post *post;
        char *zone = NULL, *message = NULL;
        int r;

        if (!p || !in || in->size < offsetof(struct eg_event, message) + sizeof(char *))
                return -EINVAL;
        memcpy(&event, in, in->size < sizeof(event) ? in->size : sizeof(event));
        if (!event_is_valid(&event))
                return -EINVAL;
        if (event.zone && !eg_string_is_safe(event.zone, 64))
                return -EINVAL;
        if (event.message && !eg_string_is_safe(event.message, EG_MAX_MESSAGE))
                return -EINVAL;

        r = copy_bounded("zone", event.zone, 64, &zone);
        if (r >= 0)
                r = copy_bounded("message", event.message, EG_MAX_MESSAGE, &message);
        if (r < 0) {
                free(zone);
                return r;
        }
        post = calloc(1, sizeof(*post));
        if (!post) {
                free(zone);
                free(message);
                return -ENOMEM;
        }
        post->kind = EG_POST_EVENT;
        post->plugin = p;
        post->device = device;
        post->outcome.fd = -1;
        post->event = event;
        post->event.size = sizeof(post->event);
        post->event.zone = zone;
        post->event.message = message;
        r = eg_post_queue_push(&p->manager->posts, post);
        if (r < 0)
                eg_post_free(post);
        return r;
}

static const char *host_config_get(struct eg_host *host, const char *key) {
        struct eg_plugin *p = plugin_of(host);

        if (!p || !key || !main_thread_call(p, "config_get"))
                return NULL;
        for (size_t i = p->n_options; i > 0; i--)
                if (streq(p->options[i - 1].key, key))
                        return p->options[i - 1].value;
        return NULL;
}

static int host_device_add(struct eg_host *host, const struct eg_device_desc *desc,
                           eg_device_id *ret) {
        struct eg_plugin *p = plugin_of(host);
        struct eg_device *d;
        int r;

        if (!p || !main_thread_call(p, "device_add"))
                return -EPERM;
        if (p->module.state != EG_PLUGIN_ACTIVE && !p->in_init)
                return -ESHUTDOWN;
        r = eg_device_add(p->manager, p, desc, &d);
        if (r < 0)
                return r;
        d->declared = p->declaring;
        if (ret)
                *ret = d->handle;
        return 0;
}

static int host_device_remove(struct eg_host *host, eg_device_id device) {
        struct eg_plugin *p = plugin_of(host);
        struct eg_device *d;

        if (!p || !main_thread_call(p, "device_remove"))
                return -EPERM;
        d = eg_device_find_handle(p->manager, device);
        if (!d || d->plugin != p)
                return -ENOENT;
        eg_device_remove(d, "removed by its plugin");
        return 0;
}

static struct eg_plugin_source *source_new(struct eg_plugin *p) {
        struct eg_plugin_source *s = calloc(1, sizeof(*s));

        if (!s)
                return NULL;
        s->plugin = p;
        s->id = ++p->next_source_id;
        return s;
}

static void source_free(struct eg_plugin_source *s) {
        EG_LIST_REMOVE(sources, s->plugin->sources, s);
        sd_event_source_disable_unref(s->source);
        free(s);
}

static int on_plugin_timer(sd_event_source *es, uint64_t usec, void *userdata) {
        struct eg_plugin_source *s = userdata;
        eg_timer_fn fn = s->timer_fn;
        void *data = s->userdata;

        /* One-shot: forget it before the callback, which may add new timers. */
        source_free(s);
        fn(data);
        return 0;
}

static int on_plugin_timer_now(sd_event_source *es, void *userdata) {
        return on_plugin_timer(es, 0, userdata);
}

static int on_plugin_io(sd_event_source *es, int fd, uint32_t revents, void *userdata) {
        struct eg_plugin_source *s = userdata;

        s->io_fn(fd, revents, s->userdata);
        return 0;
}

static int host_timer_add(struct eg_host *host, uint64_t delay_usec, eg_timer_fn fn, void *userdata,
                          eg_source_id *ret) {
        struct eg_plugin *p = plugin_of(host);
        struct eg_plugin_source *s;
        int r;

        if (!p || !fn || !main_thread_call(p, "timer_add"))
                return -EINVAL;
        s = source_new(p);
        if (!s)
                return -ENOMEM;
        s->timer_fn = fn;
        s->userdata = userdata;
        /*
         * "Now" needs no timerfd: a defer source runs on the next iteration
         * without the two syscalls of arming and disarming the clock.  Plugins
         * ask for "now" to act after what they just posted ("not from inside
         * this callback"), so it runs below normal priority: after the
         * completions and events already queued, which the loop sees in the
         * same iteration.
         */
        if (delay_usec == 0) {
                r = sd_event_add_defer(p->manager->event, &s->source, on_plugin_timer_now, s);
                if (r >= 0)
                        r = sd_event_source_set_priority(s->source, SD_EVENT_PRIORITY_NORMAL + 1);
                if (r < 0)
                        s->source = sd_event_source_disable_unref(s->source);
        } else
                r = sd_event_add_time_relative(p->manager->event, &s->source, CLOCK_MONOTONIC,
                                               delay_usec, 1, on_plugin_timer, s);
        if (r < 0) {
                free(s);
                return r;
        }
        EG_LIST_APPEND(sources, p->sources, s);
        if (ret)
                *ret = s->id;
        return 0;
}

static int host_io_add(struct eg_host *host, int fd, uint32_t events, eg_io_fn fn, void *userdata,
                       eg_source_id *ret) {
        struct eg_plugin *p = plugin_of(host);
        struct eg_plugin_source *s;
        int r;

        if (!p || !fn || fd < 0 || !main_thread_call(p, "io_add"))
                return -EINVAL;
        s = source_new(p);
        if (!s)
                return -ENOMEM;
        s->io_fn = fn;
        s->userdata = userdata;
        r = sd_event_add_io(p->manager->event, &s->source, fd, events, on_plugin_io, s);
        if (r < 0) {
                free(s);
                return r;
        }
        EG_LIST_APPEND(sources, p->sources, s);
        if (ret)
                *ret = s->id;
        return 0;
}

static void host_source_remove(struct eg_host *host, eg_source_id id) {
        struct eg_plugin *p = plugin_of(host);
        struct eg_plugin_source *s;

        if (!p || !main_thread_call(p, "source_remove"))
                return;
        EG_LIST_FOREACH (sources, s, p->sources)
                if (s->id == id) {
                        source_free(s);
                        return;
                }
}

const struct eg_host_api eg_host_api_v1 = {
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

void eg_plugin_set_failed(struct eg_plugin *p, const char *fmt, ...) {
        char *reason = NULL;
        va_list ap;

        va_start(ap, fmt);
        if (vasprintf(&reason, fmt, ap) < 0)
                reason = NULL;
        va_end(ap);
        p->module.state = EG_PLUGIN_FAILED;
        free(p->module.reason);
        p->module.reason = reason;
        log_plugin(LOG_ERR, 0, eg_plugin_name(p), "failed: %s", strna(reason));
}

int eg_plugin_start(struct eg_plugin *p) {
        int r;

        p->host.header.api = &eg_host_api_v1;
        p->host.plugin = p;
        p->in_init = true;
        r = p->module.ops.init(&p->host, &p->plugin_data);
        p->in_init = false;
        if (r < 0) {
                struct eg_device *d, *n;

                eg_plugin_set_failed(p, "init failed: %s", strerror(-r));
                /* Whatever it added before failing goes away with it. */
                EG_LIST_FOREACH_SAFE (devices, d, n, p->manager->devices)
                        if (d->plugin == p)
                                eg_device_remove(d, "plugin init failed");
                while (p->sources)
                        source_free(p->sources);
                return r;
        }
        if (r > 0)
                log_plugin(LOG_WARNING, 0, eg_plugin_name(p),
                           "init returned %d; the SDK asks for 0 or a negative errno", r);
        p->module.state = EG_PLUGIN_ACTIVE;
        log_plugin(LOG_INFO, 0, eg_plugin_name(p), "active: version %s by %s",
                   p->module.descriptor.version, p->module.descriptor.vendor);
        return 0;
}

void eg_plugin_stop(struct eg_plugin *p) {
        struct eg_device *d, *n;

        if (p->module.state != EG_PLUGIN_ACTIVE)
                return;
        EG_LIST_FOREACH_SAFE (devices, d, n, p->manager->devices)
                if (d->plugin == p)
                        eg_device_remove(d, "plugin stopping");
        p->module.ops.shutdown(p->plugin_data);
        p->plugin_data = NULL;
        while (p->sources)
                source_free(p->sources);
        eg_post_queue_forget_plugin(&p->manager->posts, p);
        p->module.state = EG_PLUGIN_STOPPED;
        log_plugin(LOG_DEBUG, 0, eg_plugin_name(p), "stopped");
}

struct eg_plugin *eg_plugin_find(struct eg_manager *m, const char *name) {
        struct eg_plugin *p;

        EG_LIST_FOREACH (plugins, p, m->plugins)
                if (streq_ptr(p->module.name, name) && p->module.state != EG_PLUGIN_REFUSED)
                        return p;
        return NULL;
}

int eg_plugin_set_option(struct eg_plugin *p, const char *key, const char *value) {
        struct eg_config_kv *n;

        for (size_t i = 0; i < p->n_options; i++)
                if (streq(p->options[i].key, key))
                        return free_and_strdup(&p->options[i].value, value);
        n = realloc(p->options, sizeof(*n) * (p->n_options + 1));
        if (!n)
                return -ENOMEM;
        p->options = n;
        n[p->n_options] = (struct eg_config_kv){ .key = strdup(key), .value = strdup(value) };
        if (!n[p->n_options].key || !n[p->n_options].value) {
                free(n[p->n_options].key);
                free(n[p->n_options].value);
                return -ENOMEM;
        }
        p->n_options++;
        return 0;
}
