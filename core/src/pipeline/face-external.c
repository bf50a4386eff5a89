/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The external face comparator (face-matcher.h): each comparison goes to the deployment's
 * bridge over a fresh Unix stream connection, one JSON line each way (docs/face.md).  The
 * design is the external background check's (backend/background-external.c): one
 * connection per question keeps the bridge trivial and a bridge restart fails only the
 * comparisons in flight; the connection is the shared line call (line-call.h); the answer
 * reaches the caller through a defer source made when the comparison started, so
 * answering cannot fail for want of memory and never happens inside compare() or
 * cancel().
 *
 * Images never go inline: a face image is biometric data, and a line protocol that
 * carried megabytes of base64 would need framing, limits and copies of its own.  The
 * probe (the camera's frame) and the reference (the member's enrolment image, copied into
 * a memfd made here) go as two sealed memfds with the question's first byte, so the
 * bridge maps exactly what egated compared and neither side can change it.  They leave
 * no copy in egated once sent: the question line itself names only their types.
 *
 * What an answer means is face-answer.c's.  Anything short of a clear answer (no bridge,
 * a hang-up, nonsense, "unavailable") is -EHOSTDOWN: the face step is undetermined and
 * the traveller referred, never a failed match and never a score nobody gave.  The log
 * gets the socket, what went wrong and the score, never an image byte.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/un.h>
#include <unistd.h>

#include "bus/bus-image.h"
#include "face-answer.h"
#include "face-matcher.h"
#include "line-call.h"
#include "list.h"
#include "log.h"
#include "macro.h"

#define LINE_MAX_BYTES EG_FACE_EXTERNAL_LINE_MAX
#define QUESTION_MAX 512u /* two MIME types of at most 127 bytes and the envelope */
#define MIME_MAX 127u /* RFC 6838: type and subtype of at most 127 characters together */
#define REFERENCE_SEALS (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL)
#define SUN_PATH_SIZE sizeof(((struct sockaddr_un *) NULL)->sun_path)

struct face_external;

struct face_request {
        struct face_external *owner;
        uint64_t id;
        struct eg_line_call *call; /* NULL once the outcome is known */
        sd_event_source *deliver; /* off until the outcome is known */
        bool answered;
        int status;
        double score;
        uint32_t faces;
        eg_face_match_fn done;
        void *userdata;
        EG_LIST_FIELDS(struct face_request, requests);
};

struct face_external {
        sd_event *event;
        char *socket_path;
        struct face_request *requests;
        uint64_t next_id;
};

static void request_free(struct face_request *q) {
        if (!q)
                return;
        q->call = eg_line_call_free(q->call);
        q->deliver = sd_event_source_disable_unref(q->deliver);
        free(q);
}
DEFINE_TRIVIAL_CLEANUP_FUNC(struct face_request *, request_free)

static int on_deliver(sd_event_source *s, void *userdata) {
        struct face_request *q = userdata;
        eg_face_match_fn done = q->done;
        void *ud = q->userdata;
        int status = q->status;
        double score = q->score;
        uint32_t faces = q->faces;

        /* Gone before the callback: it may free the whole matcher. */
        EG_LIST_REMOVE(requests, q->owner->requests, q);
        request_free(q);
        done(status, score, faces, ud);
        return 0;
}

/* The outcome is known: hang up, and hand it over on the loop's next iteration.  A score
 * goes only with 0 and a count of faces only with -ETOOMANYREFS (face-matcher.h). */
static void finish(struct face_request *q, int status, double score, uint32_t faces) {
        int r;

        q->call = eg_line_call_free(q->call);
        q->answered = true;
        q->status = status;
        q->score = status == 0 ? score : 0;
        q->faces = status == -ETOOMANYREFS ? faces : 0;
        /* Enabling a source allocates nothing; it fails only on a dead loop. */
        r = sd_event_source_set_enabled(q->deliver, SD_EVENT_ONESHOT);
        if (r < 0)
                log_error_errno(r, "face: cannot schedule the bridge's answer: %m");
}

/* What went wrong, for the log: the comparison ends unavailable.  Returns -EIO. */
_printf_(3, 4) static int fail(struct face_request *q, int error, const char *fmt, ...) {
        _cleanup_free_ char *what = NULL;
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vasprintf(&what, fmt, ap);
        va_end(ap);
        if (n < 0)
                what = NULL;
        if (error != 0)
                log_warning_errno(error, "face: bridge %s: %s: %m; the comparator is unavailable",
                                  q->owner->socket_path, what ? what : fmt);
        else
                log_warning("face: bridge %s: %s; the comparator is unavailable",
                            q->owner->socket_path, what ? what : fmt);
        finish(q, -EHOSTDOWN, 0, 0);
        return -EIO;
}

static void answer_line(struct face_request *q, const char *line, size_t len) {
        struct eg_face_answer_note note;
        const char *path = q->owner->socket_path;
        double score = 0;
        uint32_t faces = 0;
        int r;

        r = eg_face_answer_parse(line, len, &note, &score, &faces);
        switch (r) {
        case 0:
                log_debug("face: bridge %s: scored %.1f", path, score);
                break;
        case -ENOMSG:
                log_debug("face: bridge %s: no face in the frame", path);
                break;
        case -EINVAL:
                log_debug("face: bridge %s: cannot read an image", path);
                break;
        case -EACCES:
                log_debug("face: bridge %s: presentation attack detected", path);
                break;
        case -ETOOMANYREFS:
                log_debug("face: bridge %s: %" PRIu32 " faces in the frame", path, faces);
                break;
        case -EHOSTDOWN:
                if (note.message[0] != '\0')
                        log_warning("face: bridge %s: the comparator is unavailable: %s", path,
                                    note.message);
                else
                        log_warning("face: bridge %s: the comparator is unavailable (%s)", path,
                                    note.withheld ? "reason withheld: not a short plain message"
                                                  : "no reason given");
                break;
        case -ENOMEM:
                (void) fail(q, ENOMEM, "cannot parse the answer");
                return;
        default:
                (void) fail(q, 0, "%s", note.problem);
                return;
        }
        finish(q, r, score, faces);
}

static void on_call_line(struct eg_line_call *call, const char *line, size_t len, void *userdata) {
        answer_line(userdata, line, len);
}

static int on_call_error(struct eg_line_call *call, enum eg_line_call_error kind, int error,
                         const char *what, void *userdata) {
        struct face_request *q = userdata;

        if (kind == EG_LINE_CALL_SEND && (error == EPIPE || error == ECONNRESET)) {
                /* The bridge stopped reading: it may have said "unavailable" first. */
                log_debug_errno(error, "face: bridge %s: took no more of the question: %m",
                                q->owner->socket_path);
                return 1;
        }
        /* Unlike a background hit, nothing counts without its newline: a score cut short
         * may be another number. */
        return fail(q, error, "%s", what);
}

static const struct eg_line_call_ops call_ops = {
        .log_name = "face",
        .description = "face-external",
        .answer_max = LINE_MAX_BYTES,
        .answer_initial = LINE_MAX_BYTES + 1, /* one fixed buffer: the line and its newline */
        .read_chunk = LINE_MAX_BYTES + 1,
        .on_line = on_call_line,
        .on_error = on_call_error,
};

/* A MIME type as RFC 6838 names them (type/subtype of restricted-name characters, both
 * starting with a letter or digit): nothing in it needs escaping in JSON. */
static bool mime_is_valid(const char *s) {
        size_t n = s ? strnlen(s, MIME_MAX + 1) : 0;
        const char *slash;

        if (n == 0 || n > MIME_MAX)
                return false;
        slash = strchr(s, '/');
        if (!slash || slash == s || slash[1] == '\0' || strchr(slash + 1, '/'))
                return false;
        for (size_t i = 0; i < n; i++) {
                char c = s[i];
                bool first = i == 0 || s[i - 1] == '/';
                bool alnum =
                        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');

                if (c == '/' || alnum)
                        continue;
                if (first || !strchr("!#$&-^_.+", c))
                        return false;
        }
        return true;
}

/* The reference bytes in a new memfd, sealed: the bridge gets an image nobody can change
 * underneath it.  The fd, or -errno (logged: our own resources). */
static int reference_memfd(const uint8_t *reference, size_t len) {
        _cleanup_(closep) int fd = -1;

        fd = memfd_create("egate-face-reference", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (fd < 0)
                return log_error_errno(errno, "face: cannot make a memfd for the reference: %m");
        for (size_t done = 0; done < len;) {
                ssize_t n = write(fd, reference + done, len - done);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return log_error_errno(n < 0 ? errno : EIO,
                                               "face: cannot write the reference's memfd: %m");
                done += (size_t) n;
        }
        if (fcntl(fd, F_ADD_SEALS, REFERENCE_SEALS) < 0)
                return log_error_errno(errno, "face: cannot seal the reference's memfd: %m");
        return TAKE_FD(fd);
}

/* The probe as the bridge gets it: the camera's memfd itself (a new descriptor of it) when
 * it is sealed, as the SDK asks of a camera plugin, else a sealed copy. */
static int probe_memfd(int probe_fd) {
        int fd, r;

        fd = fcntl(probe_fd, F_DUPFD_CLOEXEC, 3);
        if (fd < 0)
                return log_error_errno(errno, "face: cannot duplicate the frame: %m");
        r = eg_image_seal(fd); /* takes fd */
        if (r < 0)
                return log_warning_errno(r, "face: cannot make a sealed copy of the frame: %m");
        return r;
}

/* The deliver source and the line call, with both images attached (the call has its own
 * descriptors of them: ours close on return).  < 0 for our own resources. */
static int request_prepare(struct face_external *m, struct face_request *q, int probe_fd,
                           const uint8_t *reference, size_t reference_len, const char *question,
                           size_t question_len) {
        _cleanup_(closep) int probe = -1, ref = -1;
        int r;

        r = sd_event_add_defer(m->event, &q->deliver, on_deliver, q);
        if (r < 0)
                return r;
        r = sd_event_source_set_enabled(q->deliver, SD_EVENT_OFF);
        if (r < 0)
                return r;
        (void) sd_event_source_set_description(q->deliver, "face-external-answer");

        probe = probe_memfd(probe_fd);
        if (probe < 0)
                return probe;
        ref = reference_memfd(reference, reference_len);
        if (ref < 0)
                return ref;
        r = eg_line_call_new(&call_ops, question, question_len, q, &q->call);
        if (r < 0)
                return r;
        r = eg_line_call_attach_fds(q->call, (const int[]){ probe, ref }, 2);
        if (r < 0)
                return log_error_errno(r, "face: cannot keep the images for the bridge: %m");
        return 0;
}

static int external_compare(void *matcher, int probe_fd, const char *probe_mime,
                            const uint8_t *reference, size_t reference_len,
                            const char *reference_mime, eg_face_match_fn done, void *userdata,
                            uint64_t *ret_request) {
        struct face_external *m = matcher;
        _cleanup_(request_freep) struct face_request *q = NULL;
        char question[QUESTION_MAX];
        int n, r;

        if (probe_fd < 0 || !reference || reference_len == 0 || !done || !ret_request)
                return -EINVAL;
        if (!mime_is_valid(probe_mime) || !mime_is_valid(reference_mime)) {
                log_warning("face: an image type the bridge cannot be told (not a MIME type)");
                return -EINVAL;
        }
        n = snprintf(question, sizeof(question),
                     "{\"version\":1,\"op\":\"compare\",\"probe_mime\":\"%s\","
                     "\"reference_mime\":\"%s\"}\n",
                     probe_mime, reference_mime);
        if (n < 0 || (size_t) n >= sizeof(question))
                return -EINVAL; /* cannot happen: both types are bounded */

        q = calloc(1, sizeof(*q));
        if (!q)
                return -ENOMEM;
        q->owner = m;
        q->done = done;
        q->userdata = userdata;
        r = request_prepare(m, q, probe_fd, reference, reference_len, question, (size_t) n);
        if (r < 0)
                return r;
        /* A bridge that cannot be reached is answered (unavailable) from the loop like any
         * other failure; < 0 only for our own resources (no callback then).  The socket
         * path was checked at open. */
        r = eg_line_call_connect(q->call, m->event, m->socket_path);
        if (r < 0)
                return r;
        if (++m->next_id == 0)
                m->next_id = 1;
        q->id = m->next_id;
        EG_LIST_APPEND(requests, m->requests, q);
        *ret_request = q->id;
        TAKE_PTR(q);
        return 0;
}

static void external_cancel(void *matcher, uint64_t id) {
        struct face_external *m = matcher;
        struct face_request *q;

        EG_LIST_FOREACH (requests, q, m->requests)
                if (q->id == id) {
                        /* Hang up (the bridge sees end-of-file) and answer -ECANCELED from the
                         * loop, even over an answer already in: the caller has moved on. */
                        if (!q->answered)
                                log_debug("face: bridge %s: comparison cancelled before the "
                                          "answer",
                                          m->socket_path);
                        finish(q, -ECANCELED, 0, 0);
                        return;
                }
}

static void external_free(void *matcher) {
        struct face_external *m = matcher;

        if (!m)
                return;
        while (m->requests) {
                struct face_request *q = m->requests;

                EG_LIST_REMOVE(requests, m->requests, q);
                request_free(q);
        }
        free(m->socket_path);
        sd_event_unref(m->event);
        free(m);
}

static const struct eg_face_matcher_ops external_ops = {
        .name = "external",
        .compare = external_compare,
        .cancel = external_cancel,
        .free = external_free,
};

bool eg_face_external_socket_path_is_valid(const char *path) {
        return path && path[0] == '/' && strnlen(path, SUN_PATH_SIZE) < SUN_PATH_SIZE;
}

int eg_face_matcher_external_new(sd_event *e, const char *socket_path,
                                 struct eg_face_matcher **ret) {
        struct face_external *m;
        struct eg_face_matcher *f;

        if (!e || !ret)
                return -EINVAL;
        if (!eg_face_external_socket_path_is_valid(socket_path)) {
                log_error("face: the bridge's socket must be an absolute path of at most %zu "
                          "bytes",
                          SUN_PATH_SIZE - 1);
                return -EINVAL;
        }
        m = calloc(1, sizeof(*m));
        if (!m)
                return log_oom();
        m->event = sd_event_ref(e);
        m->socket_path = strdup(socket_path);
        f = calloc(1, sizeof(*f));
        if (!m->socket_path || !f) {
                free(f);
                external_free(m);
                return log_oom();
        }
        /* Not connected now: the bridge may start after egated. */
        f->ops = &external_ops;
        f->matcher = m;
        *ret = f;
        log_debug("face: comparisons answered by the bridge at %s", socket_path);
        return 0;
}
