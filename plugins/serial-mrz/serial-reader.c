/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "mrz-framer.h"
#include "serial-port.h"
#include "serial-reader.h"

/* Bytes taken per wake-up: a reader that never stops talking must not starve the loop
 * (the fd is level-triggered, so what is left wakes us again). */
#define READ_CHUNK 256
#define READS_PER_WAKEUP 16
/* Answer "no document" this much before egated's own deadline, so that a traveller who
 * never presents a passport does not mark the reader faulted. */
#define OP_DEADLINE_MARGIN_MS 100
/* While the port is away the reader is not there: -ENODEV, as the SDK says of a device that
 * went away, so that the lane counts a device fault and does not read again (it would for
 * -EIO, a misread).  The device stays registered and faulted until the port is back. */
#define PORT_GONE_STATUS (-ENODEV)
#define PORT_GONE_MESSAGE "reader disconnected"

struct serial_reader {
        struct eg_host *host;
        eg_device_id id;
        char *name;
        struct serial_options opt;
        struct mrz_framer framer;

        int fd; /* -1 while the port is away */
        eg_source_id io;
        eg_source_id frame_timer;
        eg_source_id reconnect_timer;
        int last_open_error;

        /* The document on the reader: personal data, wiped when forgotten. */
        char document[MRZ_TEXT_MAX];
        bool document_present;
        eg_source_id hold_timer;

        /* The READ_MRZ waiting for a document, if op != 0. */
        eg_op_id op;
        eg_source_id op_timer;
        uint32_t op_wait_ms;
};

static uint64_t now_usec(void) {
        struct timespec ts;

        (void) clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
}

static void source_drop(struct serial_reader *r, eg_source_id *source) {
        if (*source)
                eg_host_source_remove(r->host, *source);
        *source = 0;
}

static void emit(struct serial_reader *r, enum eg_event_type type, const char *message) {
        struct eg_event e = { .size = sizeof(e), .type = type, .message = message };

        (void) eg_host_emit(r->host, r->id, &e);
}

static void answer(struct serial_reader *r, eg_op_id op, int status, const char *message,
                   const char *text) {
        struct eg_op_result res = {
                .size = sizeof(res), .status = status, .message = message, .text = text, .fd = -1
        };

        (void) eg_host_complete(r->host, op, &res);
}

/* Finish the waiting READ_MRZ, if any. */
static void finish_op(struct serial_reader *r, int status, const char *message, const char *text) {
        eg_op_id op = r->op;

        if (op == 0)
                return;
        r->op = 0;
        source_drop(r, &r->op_timer);
        answer(r, op, status, message, text);
}

static void document_forget(struct serial_reader *r) {
        bool was_present = r->document_present;

        source_drop(r, &r->hold_timer);
        explicit_bzero(r->document, sizeof(r->document));
        r->document_present = false;
        if (was_present)
                emit(r, EG_EVENT_DOCUMENT_REMOVED, NULL);
}

static void on_hold_over(void *userdata) {
        struct serial_reader *r = userdata;

        r->hold_timer = 0;
        eg_host_log(r->host, EG_LOG_DEBUG, "device %s: no new read for %u ms: document removed",
                    r->name, r->opt.document_hold_ms);
        document_forget(r);
}

static void hold_restart(struct serial_reader *r) {
        int k;

        source_drop(r, &r->hold_timer);
        k = eg_host_timer_add(r->host, (uint64_t) r->opt.document_hold_ms * 1000u, on_hold_over, r,
                              &r->hold_timer);
        if (k < 0)
                eg_host_log(r->host, EG_LOG_ERROR,
                            "device %s: cannot arm the document hold "
                            "timer (%s): the document stays until the next read",
                            r->name, strerror(-k));
}

static void document_store(struct serial_reader *r, const struct mrz_framer_report *rep) {
        if (r->document_present && strcmp(r->document, rep->text) == 0) {
                /* Read again while it lies there (OCR readers rescan): still the same one. */
                hold_restart(r);
                return;
        }
        if (r->document_present)
                document_forget(r); /* another document took its place */

        memcpy(r->document, rep->text, rep->length + 1);
        r->document_present = true;
        eg_host_log(r->host, EG_LOG_INFO, "device %s: document read (%u lines of %zu characters)",
                    r->name, rep->count, rep->line_length);
        hold_restart(r);
        emit(r, EG_EVENT_DOCUMENT_PRESENT, NULL);
        finish_op(r, 0, NULL, r->document);
}

/* Logs say how much was dropped and why, never what: the bytes may be someone's MRZ. */
static void on_framer(const struct mrz_framer_report *rep, void *userdata) {
        struct serial_reader *r = userdata;

        switch (rep->event) {
        case MRZ_FRAMER_DOCUMENT:
                document_store(r, rep);
                break;
        case MRZ_FRAMER_REMOVED:
                eg_host_log(r->host, EG_LOG_DEBUG, "device %s: removal marker received", r->name);
                document_forget(r);
                break;
        case MRZ_FRAMER_GARBLED:
                eg_host_log(r->host, EG_LOG_DEBUG,
                            "device %s: dropped %zu bytes of input that "
                            "are no MRZ (%s)",
                            r->name, rep->length, rep->reason);
                break;
        case MRZ_FRAMER_PARTIAL_DROPPED:
                eg_host_log(r->host, EG_LOG_DEBUG,
                            "device %s: dropped an incomplete MRZ "
                            "(%u lines, %zu bytes of another; %s)",
                            r->name, rep->count, rep->length, rep->reason);
                break;
        }
}

static void frame_timer_update(struct serial_reader *r);

static void on_frame_timeout(void *userdata) {
        struct serial_reader *r = userdata;

        r->frame_timer = 0;
        mrz_framer_expire(&r->framer, now_usec());
        frame_timer_update(r);
}

/* While part of an MRZ is held, make sure it is dropped (and wiped) once the reader has been
 * silent for frame-timeout-ms, not only when the next bytes come. */
static void frame_timer_update(struct serial_reader *r) {
        uint64_t now, deadline;

        if (r->frame_timer || !mrz_framer_busy(&r->framer))
                return;
        now = now_usec();
        deadline = mrz_framer_deadline(&r->framer);
        /* Without the timer the partial is still dropped, when the next bytes come. */
        (void) eg_host_timer_add(r->host, deadline > now ? deadline - now : 0, on_frame_timeout, r,
                                 &r->frame_timer);
}

static void port_close(struct serial_reader *r) {
        source_drop(r, &r->io);
        source_drop(r, &r->frame_timer);
        if (r->fd >= 0)
                close(r->fd);
        r->fd = -1;
        mrz_framer_reset(&r->framer);
}

static void reconnect_schedule(struct serial_reader *r);

static void port_lost(struct serial_reader *r, int error) {
        eg_host_log(r->host, EG_LOG_WARNING,
                    "device %s: serial port %s disconnected (%s); "
                    "retrying every %u ms",
                    r->name, r->opt.path, error ? strerror(error) : "hang-up", r->opt.reconnect_ms);
        port_close(r);
        document_forget(r); /* whatever lay on it, we can no longer tell */
        emit(r, EG_EVENT_FAULT, "serial port disconnected");
        finish_op(r, PORT_GONE_STATUS, PORT_GONE_MESSAGE, NULL);
        reconnect_schedule(r);
}

static void on_readable(int fd, uint32_t revents, void *userdata) {
        struct serial_reader *r = userdata;
        uint8_t buf[READ_CHUNK];
        bool hangup = false;
        int error = 0;

        for (unsigned i = 0; i < READS_PER_WAKEUP; i++) {
                ssize_t n = read(fd, buf, sizeof(buf));

                if (n > 0) {
                        mrz_framer_feed(&r->framer, buf, (size_t) n, now_usec());
                        continue;
                }
                if (n == 0)
                        hangup = true; /* end of file on a tty: the other side is gone */
                else if (errno == EINTR)
                        continue;
                else if (errno == EAGAIN)
                        hangup = (revents & (EPOLLHUP | EPOLLERR)) != 0;
                else
                        error = errno; /* EIO, ENXIO, ENODEV: unplugged */
                break;
        }
        explicit_bzero(buf, sizeof(buf));
        if (hangup || error) {
                port_lost(r, error);
                return;
        }
        frame_timer_update(r);
}

static int port_open(struct serial_reader *r) {
        int fd, k;

        fd = serial_port_open(r->opt.path, r->opt.speed);
        if (fd < 0)
                return fd;
        k = eg_host_io_add(r->host, fd, EPOLLIN, on_readable, r, &r->io);
        if (k < 0) {
                close(fd);
                return k;
        }
        r->fd = fd;
        r->last_open_error = 0;
        return 0;
}

static void on_reconnect(void *userdata) {
        struct serial_reader *r = userdata;
        int k;

        r->reconnect_timer = 0;
        k = port_open(r);
        if (k < 0) {
                /* Say it once per kind of failure, not every reconnect-ms. */
                eg_host_log(r->host, k == r->last_open_error ? EG_LOG_DEBUG : EG_LOG_WARNING,
                            "device %s: cannot open %s yet: %s", r->name, r->opt.path,
                            strerror(-k));
                r->last_open_error = k;
                reconnect_schedule(r);
                return;
        }
        eg_host_log(r->host, EG_LOG_NOTICE, "device %s: serial port %s is back", r->name,
                    r->opt.path);
        emit(r, EG_EVENT_RECOVERED, NULL);
}

static void reconnect_schedule(struct serial_reader *r) {
        int k;

        if (r->reconnect_timer)
                return;
        k = eg_host_timer_add(r->host, (uint64_t) r->opt.reconnect_ms * 1000u, on_reconnect, r,
                              &r->reconnect_timer);
        if (k < 0)
                eg_host_log(r->host, EG_LOG_ERROR,
                            "device %s: cannot arm the reconnect timer "
                            "(%s): the reader stays offline",
                            r->name, strerror(-k));
}

static void on_op_timeout(void *userdata) {
        struct serial_reader *r = userdata;
        char message[96];

        r->op_timer = 0;
        (void) snprintf(message, sizeof(message), "no document presented within %u ms",
                        r->op_wait_ms);
        finish_op(r, -ETIMEDOUT, message, NULL);
}

static int reader_start(void *data, eg_op_id op, const struct eg_op_args *args) {
        struct serial_reader *r = data;
        uint32_t margin;
        int k;

        if (args->kind != EG_OP_DOCUMENT_READ_MRZ)
                return -EOPNOTSUPP;
        if (r->fd < 0) {
                answer(r, op, PORT_GONE_STATUS, PORT_GONE_MESSAGE, NULL);
                return 0;
        }
        if (r->document_present) {
                answer(r, op, 0, NULL, r->document);
                return 0;
        }
        if (r->op != 0)
                return -EBUSY; /* one traveller, one document: a second reader of it waits */

        margin = args->timeout_ms / 10 < OP_DEADLINE_MARGIN_MS ? args->timeout_ms / 10
                                                               : OP_DEADLINE_MARGIN_MS;
        r->op_wait_ms = args->timeout_ms - margin;
        if (args->timeout_ms > 0) {
                k = eg_host_timer_add(r->host, (uint64_t) r->op_wait_ms * 1000u, on_op_timeout, r,
                                      &r->op_timer);
                if (k < 0)
                        return k;
        }
        r->op = op;
        return 0;
}

static void reader_cancel(void *data, eg_op_id op) {
        struct serial_reader *r = data;

        if (r->op != op)
                return;
        r->op = 0; /* egated has answered the caller already */
        source_drop(r, &r->op_timer);
}

static void reader_free(struct serial_reader *r) {
        port_close(r);
        source_drop(r, &r->reconnect_timer);
        source_drop(r, &r->hold_timer);
        source_drop(r, &r->op_timer);
        explicit_bzero(r->document, sizeof(r->document));
        serial_options_done(&r->opt);
        free(r->name);
        free(r);
}

static void reader_close(void *data) {
        reader_free(data);
}

static const struct eg_device_ops reader_ops = {
        .size = sizeof(struct eg_device_ops),
        .start = reader_start,
        .cancel = reader_cancel,
        .close = reader_close,
};

static int refuse_port(struct serial_reader *r, int error) {
        const char *why = error == -ENOTTY   ? "it is not a serial port (tty)"
                          : error == -EACCES ? "permission denied (the egate user needs read "
                                               "and write access, e.g. through a udev rule)"
                                             : strerror(-error);

        eg_host_log(r->host, EG_LOG_ERROR, "device %s (document-reader): cannot use %s: %s",
                    r->name, r->opt.path, why);
        return error == -ENOTTY ? -EINVAL : error;
}

int serial_reader_add(struct eg_host *host, const char *name, const char *key, const char *serial,
                      const char *lane, const char *role, struct serial_options *options) {
        struct mrz_framer_options fo;
        struct eg_device_desc desc;
        struct serial_reader *r;
        int k;

        r = calloc(1, sizeof(*r));
        if (!r)
                return -ENOMEM;
        r->host = host;
        r->fd = -1;
        r->opt = *options;
        options->path = NULL; /* moved */
        r->name = strdup(name);
        if (!r->name) {
                reader_free(r);
                return -ENOMEM;
        }
        fo = serial_options_framer(&r->opt);
        k = mrz_framer_init(&r->framer, &fo, on_framer, r);
        if (k < 0) {
                reader_free(r);
                return k;
        }

        k = port_open(r);
        if (k < 0 && !serial_port_error_is_transient(k)) {
                k = refuse_port(r, k);
                reader_free(r);
                return k;
        }
        r->last_open_error = k < 0 ? k : 0;

        desc = (struct eg_device_desc){
                .size = sizeof(desc),
                .device_class = EG_CLASS_DOCUMENT_READER,
                .key = key,
                .model = "Serial MRZ reader",
                .serial = serial,
                .lane = lane,
                .role = role,
                .supported_ops = EG_OP_BIT(EG_OP_DOCUMENT_READ_MRZ),
                .ops = &reader_ops,
                .device_data = r,
        };
        k = eg_host_device_add(host, &desc, &r->id);
        if (k < 0) {
                reader_free(r);
                return k;
        }
        if (r->fd < 0) {
                /* A USB reader may be plugged in later: serve it when it comes. */
                eg_host_log(host, EG_LOG_WARNING,
                            "device %s: serial port %s is not available "
                            "(%s); retrying every %u ms",
                            r->name, r->opt.path, strerror(-r->last_open_error),
                            r->opt.reconnect_ms);
                emit(r, EG_EVENT_FAULT, "serial port not available");
                reconnect_schedule(r);
        }
        return 0;
}
