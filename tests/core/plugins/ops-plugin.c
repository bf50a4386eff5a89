/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A test plugin whose devices misbehave on request, to test the daemon's
 * operation machinery: deadlines, cancellation, late and threaded
 * completions, refusals, faults and removal.  Device properties:
 *   behaviour = ok | hang | refuse | sync | thread | late | remove | fault
 *   delay-ms  = N   (ok, thread, late: when to complete)
 *   inspection = good | overlapping | unknown-check | control-chars | v1.1 | raw-flags |
 *                bad-message
 *               (DOCUMENT_INSPECT: a fair answer, hostile ones, a good one sized as
 *               a plugin built against SDK 1.1 would send it, one whose bools
 *               (match, presentation_attack) hold the byte 2, and a failure whose message
 *               is an escape sequence)
 */
#include <stddef.h>
#include <egate/plugin.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum behaviour { OK, HANG, REFUSE, SYNC, THREAD, LATE, REMOVE, FAULT };
enum inspection { GOOD, OVERLAPPING, UNKNOWN_CHECK, CONTROL_CHARS, V1_1, RAW_FLAGS, BAD_MESSAGE };

struct dev {
        struct eg_host *host;
        eg_device_id id;
        enum behaviour behaviour;
        unsigned delay_ms;
        eg_op_id op;
        enum eg_op_kind kind;
        enum inspection inspection;
        eg_source_id timer;
        unsigned n_cancelled;
};

struct thread_job {
        struct eg_host *host;
        eg_op_id op;
        unsigned delay_ms;
};

/* The SDK's contract: no plugin thread may call the host after shutdown()
 * returns, so shutdown() joins every worker. */
#define MAX_THREADS 64
static pthread_t threads[MAX_THREADS];
static unsigned n_threads;

static void inspect(struct eg_op_result *r, enum inspection how) {
        r->document_model = "TEST-MODEL";
        r->optical_passed =
                EG_OPTICAL_BIT(EG_OPTICAL_UV_DULLNESS) | EG_OPTICAL_BIT(EG_OPTICAL_IR_B900);
        r->optical_failed = EG_OPTICAL_BIT(EG_OPTICAL_IR_MRZ);
        r->optical_undetermined = EG_OPTICAL_BIT(EG_OPTICAL_VISIBLE_PATTERNS);
        switch (how) {
        case OVERLAPPING:
                r->optical_failed |= EG_OPTICAL_BIT(EG_OPTICAL_UV_DULLNESS);
                break;
        case UNKNOWN_CHECK:
                r->optical_failed |= EG_OPTICAL_BIT(EG_OPTICAL_MAX_);
                break;
        case CONTROL_CHARS:
                r->document_model = "TEST\nMODEL";
                break;
        case V1_1:
                r->size = offsetof(struct eg_op_result, document_model);
                break;
        case RAW_FLAGS:
                /* What a plugin in another language, or a careless one, may leave in a bool. */
                memset((uint8_t *) r + offsetof(struct eg_op_result, match), 2, 1);
                memset((uint8_t *) r + offsetof(struct eg_op_result, presentation_attack), 2, 1);
                r->faces = 3; /* and the last member of 1.2 arrives too */
                break;
        case BAD_MESSAGE:
                r->status = -EIO;
                r->message = "lamp failed\x1b[2J";
                break;
        default:
                break;
        }
}

static void finish(struct eg_host *host, eg_op_id op, enum eg_op_kind kind, enum inspection how) {
        struct eg_op_result r = { .size = sizeof(r), .fd = -1 };

        if (kind == EG_OP_DOCUMENT_READ_MRZ)
                r.text = "TEST";
        if (kind == EG_OP_DOCUMENT_INSPECT)
                inspect(&r, how);
        r.value = 42;
        (void) eg_host_complete(host, op, &r);
}

static void *thread_main(void *data) {
        struct thread_job *job = data;

        usleep(job->delay_ms * 1000u);
        finish(job->host, job->op, EG_OP_DOCUMENT_READ_MRZ, GOOD);
        free(job);
        return NULL;
}

static void on_timer(void *data) {
        struct dev *d = data;

        d->timer = 0;
        if (d->behaviour == REMOVE) {
                (void) eg_host_device_remove(d->host, d->id);
                return;
        }
        if (d->behaviour == FAULT) {
                struct eg_event e = { .size = sizeof(e),
                                      .type = EG_EVENT_FAULT,
                                      .message = "sensor cable cut" };
                (void) eg_host_emit(d->host, d->id, &e);
                return;
        }
        finish(d->host, d->op, d->kind, d->inspection);
}

static int dev_start(void *data, eg_op_id op, const struct eg_op_args *args) {
        struct dev *d = data;
        pthread_t t;

        d->op = op;
        d->kind = args->kind;
        switch (d->behaviour) {
        case HANG:
                return 0;
        case REFUSE:
                return -EBUSY;
        case SYNC:
                finish(d->host, op, args->kind, d->inspection);
                return 0;
        case THREAD: {
                struct thread_job *job = calloc(1, sizeof(*job));
                if (!job)
                        return -ENOMEM;
                *job = (struct thread_job){ d->host, op, d->delay_ms };
                if (n_threads >= MAX_THREADS || pthread_create(&t, NULL, thread_main, job) != 0) {
                        free(job);
                        return -EAGAIN;
                }
                threads[n_threads++] = t;
                return 0;
        }
        default:
                return eg_host_timer_add(d->host, (uint64_t) d->delay_ms * 1000u, on_timer, d,
                                         &d->timer);
        }
}

static void dev_cancel(void *data, eg_op_id op) {
        struct dev *d = data;

        d->n_cancelled++;
        /* "late" keeps its timer: its answer must arrive after the deadline and be dropped. */
        if (d->behaviour != LATE && d->timer) {
                eg_host_source_remove(d->host, d->timer);
                d->timer = 0;
        }
}

static void dev_close(void *data) {
        struct dev *d = data;

        if (d->timer)
                eg_host_source_remove(d->host, d->timer);
        free(d);
}

static const struct eg_device_ops dev_ops = {
        .size = sizeof(struct eg_device_ops),
        .start = dev_start,
        .cancel = dev_cancel,
        .close = dev_close,
};

static int parse_behaviour(const char *s) {
        static const char *const names[] = { "ok",     "hang", "refuse", "sync",
                                             "thread", "late", "remove", "fault" };
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
                if (strcmp(s, names[i]) == 0)
                        return (int) i;
        return -EINVAL;
}

static int parse_inspection(const char *s) {
        static const char *const names[] = { "good",          "overlapping", "unknown-check",
                                             "control-chars", "v1.1",        "raw-flags",
                                             "bad-message" };
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
                if (strcmp(s, names[i]) == 0)
                        return (int) i;
        return -EINVAL;
}

static int ops_declare(void *data, const struct eg_device_config *c) {
        struct eg_host *host = data;
        struct eg_device_desc desc;
        struct dev *d = calloc(1, sizeof(*d));
        int r;

        if (!d)
                return -ENOMEM;
        d->host = host;
        for (size_t i = 0; i < c->n_properties; i++) {
                if (strcmp(c->properties[i].key, "behaviour") == 0) {
                        r = parse_behaviour(c->properties[i].value);
                        if (r < 0) {
                                free(d);
                                return r;
                        }
                        d->behaviour = (enum behaviour) r;
                } else if (strcmp(c->properties[i].key, "inspection") == 0) {
                        r = parse_inspection(c->properties[i].value);
                        if (r < 0) {
                                free(d);
                                return r;
                        }
                        d->inspection = (enum inspection) r;
                } else if (strcmp(c->properties[i].key, "delay-ms") == 0)
                        d->delay_ms = (unsigned) atoi(c->properties[i].value);
        }
        desc = (struct eg_device_desc){
                .size = sizeof(desc),
                .device_class = c->device_class,
                .key = c->name,
                .vendor = "Test",
                .model = "Ops",
                .serial = c->name,
                .supported_ops =
                        c->device_class == EG_CLASS_DOOR
                                ? EG_OP_BIT(EG_OP_DOOR_OPEN) | EG_OP_BIT(EG_OP_DOOR_SAFE_STATE)
                                : EG_OP_BIT(EG_OP_DOCUMENT_READ_MRZ) |
                                          EG_OP_BIT(EG_OP_DOCUMENT_INSPECT),
                .ops = &dev_ops,
                .device_data = d,
        };
        r = eg_host_device_add(host, &desc, &d->id);
        if (r < 0)
                free(d);
        return r;
}

static int ops_init(struct eg_host *host, void **data) {
        *data = host;
        return 0;
}

static void ops_shutdown(void *data) {
        for (unsigned i = 0; i < n_threads; i++)
                pthread_join(threads[i], NULL);
        n_threads = 0;
}

EG_PLUGIN_DEFINE(.name = "ops", .version = "1.0", .vendor = "egate tests",
                 .classes = EG_CLASS_BIT(EG_CLASS_DOCUMENT_READER) | EG_CLASS_BIT(EG_CLASS_DOOR),
                 .matches = { EG_MATCH_CONFIG_ENTRY }) = {
        .size = sizeof(struct eg_plugin_ops),
        .init = ops_init,
        .shutdown = ops_shutdown,
        .declare_device = ops_declare,
};
