/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One question line out, one answer line back, over a fresh Unix stream connection (see
 * line-call.h).  One io source does it all: EPOLLOUT for the connect and the question
 * (and the descriptors attached to it, with its first byte), EPOLLIN for the answer.
 * After it has reported its end the call only waits to be freed: nothing here touches it
 * after a callback that may have freed it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "line-call.h"
#include "log.h"
#include "macro.h"

struct eg_line_call {
        const struct eg_line_call_ops *ops;
        void *userdata;
        int fd;
        bool connecting; /* connect() said EINPROGRESS: wait for EPOLLOUT */
        bool over; /* the end is reported: nothing more */
        sd_event_source *io;
        char *question; /* the line still to send (personal data); NULL once sent */
        size_t question_len, question_sent;
        int fds[EG_LINE_CALL_FDS_MAX]; /* to go with the question's first byte; ours */
        size_t n_fds; /* 0 once sent */
        char *answer; /* what the bridge sent so far (personal data) */
        size_t answer_len, answer_cap;
};

static void wipe_free(void *p, size_t len) {
        if (!p)
                return;
        explicit_bzero(p, len);
        free(p);
}

static void fds_close(struct eg_line_call *call) {
        for (size_t i = 0; i < call->n_fds; i++) {
                closep(&call->fds[i]);
                call->fds[i] = -1;
        }
        call->n_fds = 0;
}

/* The call's end.  Returns on_error()'s answer: > 0 (EG_LINE_CALL_SEND only) goes on, the
 * call may be gone otherwise. */
static int report(struct eg_line_call *call, enum eg_line_call_error kind, int error,
                  const char *what) {
        int r;

        call->over = true;
        r = call->ops->on_error(call, kind, error, what, call->userdata);
        if (r > 0 && kind == EG_LINE_CALL_SEND) {
                call->over = false;
                return r;
        }
        return 0;
}

/* Room for another read, within the line's limit; never realloc (it would leave copies). */
static int answer_grow(struct eg_line_call *call) {
        size_t limit = call->ops->answer_max + 1; /* the line and its newline */
        size_t cap;
        char *p;

        if (call->answer_cap - call->answer_len >= call->ops->read_chunk ||
            call->answer_cap >= limit)
                return 0;
        cap = call->answer_cap ? call->answer_cap * 2 : call->ops->answer_initial;
        if (cap < call->answer_len + call->ops->read_chunk)
                cap = call->answer_len + call->ops->read_chunk;
        if (cap > limit)
                cap = limit;
        p = malloc(cap);
        if (!p)
                return -ENOMEM;
        if (call->answer)
                memcpy(p, call->answer, call->answer_len);
        wipe_free(call->answer, call->answer_len);
        call->answer = p;
        call->answer_cap = cap;
        return 0;
}

static void answer_read(struct eg_line_call *call) {
        size_t room;
        ssize_t n;
        char *nl;

        if (answer_grow(call) < 0) {
                (void) report(call, EG_LINE_CALL_MEMORY, ENOMEM, "cannot take the answer");
                return;
        }
        room = call->answer_cap - call->answer_len; /* > 0: a full buffer has ended the call */
        if (room > call->ops->read_chunk)
                room = call->ops->read_chunk;
        n = recv(call->fd, call->answer + call->answer_len, room, MSG_DONTWAIT);
        if (n < 0) {
                if (errno == EAGAIN || errno == EINTR)
                        return;
                (void) report(call, EG_LINE_CALL_READ, errno, "cannot read the answer");
                return;
        }
        if (n == 0) {
                (void) report(call, EG_LINE_CALL_EOF, 0,
                              call->answer_len > 0 ? "closed the connection in the middle of the "
                                                     "answer line"
                                                   : "closed the connection without answering");
                return;
        }
        nl = memchr(call->answer + call->answer_len, '\n', (size_t) n);
        call->answer_len += (size_t) n;
        if (nl) { /* what follows the newline is ignored: the connection ends here */
                call->over = true;
                call->ops->on_line(call, call->answer, (size_t) (nl - call->answer),
                                   call->userdata);
                return;
        }
        if (call->answer_len > call->ops->answer_max) {
                char what[64];

                (void) snprintf(what, sizeof(what), "the answer is longer than %zu bytes",
                                call->ops->answer_max);
                (void) report(call, EG_LINE_CALL_TOO_LONG, 0, what);
        }
}

/* The question is out (or the bridge would take no more of it): wait for the answer.
 * < 0: the call has ended. */
static int question_done(struct eg_line_call *call) {
        int r;

        wipe_free(TAKE_PTR(call->question), call->question_len);
        call->question_len = call->question_sent = 0;
        fds_close(call); /* sent, or the bridge would take no more */
        /* Our side stays open: a bridge may take end-of-input for a hang-up. */
        r = sd_event_source_set_io_events(call->io, EPOLLIN);
        if (r < 0) {
                (void) report(call, EG_LINE_CALL_WAIT, -r, "cannot wait for the answer");
                return -EIO;
        }
        return 0;
}

/* The question's first bytes with the descriptors, in one SCM_RIGHTS message: on a stream
 * socket they arrive with the first byte the bridge reads. */
static ssize_t question_send_fds(struct eg_line_call *call) {
        union {
                struct cmsghdr align;
                char buf[CMSG_SPACE(sizeof(int) * EG_LINE_CALL_FDS_MAX)];
        } control = {};
        struct iovec iov = {
                .iov_base = call->question + call->question_sent,
                .iov_len = call->question_len - call->question_sent,
        };
        struct msghdr mh = {
                .msg_iov = &iov,
                .msg_iovlen = 1,
                .msg_control = control.buf,
                .msg_controllen = CMSG_SPACE(sizeof(int) * call->n_fds),
        };
        struct cmsghdr *cmsg = CMSG_FIRSTHDR(&mh);
        ssize_t n;

        if (!cmsg) { /* cannot be: the buffer has room for one */
                errno = EINVAL;
                return -1;
        }
        cmsg->cmsg_level = SOL_SOCKET;
        cmsg->cmsg_type = SCM_RIGHTS;
        cmsg->cmsg_len = CMSG_LEN(sizeof(int) * call->n_fds);
        memcpy(CMSG_DATA(cmsg), call->fds, sizeof(int) * call->n_fds);
        n = sendmsg(call->fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n > 0)
                fds_close(call); /* the bridge has its own now */
        return n;
}

/* 0: sent, or more to send later; < 0: the call has ended. */
static int question_send(struct eg_line_call *call) {
        ssize_t n;

        if (call->n_fds > 0)
                n = question_send_fds(call);
        else
                n = send(call->fd, call->question + call->question_sent,
                         call->question_len - call->question_sent, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n < 0) {
                if (errno == EAGAIN || errno == EINTR)
                        return 0;
                if (report(call, EG_LINE_CALL_SEND, errno, "cannot send the question") <= 0)
                        return -EIO;
                return question_done(call); /* the owner reads on */
        }
        call->question_sent += (size_t) n;
        if (call->question_sent < call->question_len)
                return 0;
        return question_done(call);
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        struct eg_line_call *call = userdata;

        if (call->over) { /* the owner has not freed the call yet */
                (void) sd_event_source_set_enabled(s, SD_EVENT_OFF);
                return 0;
        }
        if (call->connecting) {
                int error = 0;
                socklen_t len = sizeof(error);

                if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) < 0)
                        error = errno;
                if (error != 0) {
                        (void) report(call, EG_LINE_CALL_CONNECT, error, "cannot connect");
                        return 0;
                }
                if (!(revents & EPOLLOUT))
                        return 0;
                call->connecting = false;
        }
        if (call->question && (revents & (EPOLLOUT | EPOLLERR | EPOLLHUP)) &&
            question_send(call) < 0)
                return 0;
        if (revents & (EPOLLIN | EPOLLERR | EPOLLHUP))
                answer_read(call);
        return 0;
}

int eg_line_call_new(const struct eg_line_call_ops *ops, const char *question, size_t question_len,
                     void *userdata, struct eg_line_call **ret) {
        struct eg_line_call *call;

        if (!ops || !ops->on_line || !ops->on_error || !question || question_len == 0 ||
            ops->answer_initial == 0 || ops->answer_initial > ops->answer_max + 1 ||
            ops->read_chunk == 0 || !ret)
                return -EINVAL;
        call = calloc(1, sizeof(*call));
        if (!call)
                return -ENOMEM;
        call->fd = -1;
        for (size_t i = 0; i < ELEMENTSOF(call->fds); i++)
                call->fds[i] = -1;
        call->ops = ops;
        call->userdata = userdata;
        call->question = malloc(question_len);
        call->answer = malloc(ops->answer_initial);
        if (!call->question || !call->answer) {
                free(call->question);
                free(call->answer);
                free(call);
                return -ENOMEM;
        }
        memcpy(call->question, question, question_len);
        call->question_len = question_len;
        call->answer_cap = ops->answer_initial;
        *ret = call;
        return 0;
}

int eg_line_call_attach_fds(struct eg_line_call *call, const int *fds, size_t n) {
        if (!call || !fds || n == 0 || n > EG_LINE_CALL_FDS_MAX || call->n_fds > 0 ||
            call->fd >= 0 || call->over)
                return -EINVAL;
        for (size_t i = 0; i < n; i++) {
                /* Above the standard streams, as anything we hold for long. */
                call->fds[i] = fds[i] < 0 ? -1 : fcntl(fds[i], F_DUPFD_CLOEXEC, 3);
                if (call->fds[i] < 0) {
                        int r = fds[i] < 0 ? -EBADF : -errno;

                        call->n_fds = i;
                        fds_close(call);
                        return r;
                }
        }
        call->n_fds = n;
        return 0;
}

int eg_line_call_connect(struct eg_line_call *call, sd_event *e, const char *socket_path) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        size_t path_len;
        int r;

        if (!call || !e || !socket_path || call->fd >= 0 || call->over)
                return -EINVAL;
        path_len = strlen(socket_path);
        if (path_len >= sizeof(sa.sun_path))
                return -EINVAL;
        call->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (call->fd < 0)
                return log_error_errno(errno, "%s: cannot create a socket for the bridge: %m",
                                       call->ops->log_name);
        memcpy(sa.sun_path, socket_path, path_len + 1);
        if (connect(call->fd, (const struct sockaddr *) &sa,
                    (socklen_t) (offsetof(struct sockaddr_un, sun_path) + path_len + 1)) < 0) {
                int error = errno;

                if (error != EINPROGRESS) {
                        /* ENOENT no socket, ECONNREFUSED nobody listening, EACCES, and
                         * EAGAIN: the bridge's listen backlog is full. */
                        (void) report(call, EG_LINE_CALL_CONNECT, error,
                                      error == EAGAIN ? "cannot connect: the bridge is not "
                                                        "accepting connections fast enough"
                                                      : "cannot connect");
                        return 0;
                }
                call->connecting = true;
        }
        r = sd_event_add_io(e, &call->io, call->fd, EPOLLIN | EPOLLOUT, on_io, call);
        if (r < 0)
                return r;
        (void) sd_event_source_set_description(call->io, call->ops->description);
        return 0;
}

const char *eg_line_call_answer(const struct eg_line_call *call, size_t *ret_len) {
        *ret_len = call ? call->answer_len : 0;
        return call ? call->answer : NULL;
}

struct eg_line_call *eg_line_call_free(struct eg_line_call *call) {
        if (!call)
                return NULL;
        call->io = sd_event_source_disable_unref(call->io);
        closep(&call->fd);
        fds_close(call);
        wipe_free(call->question, call->question_len);
        wipe_free(call->answer, call->answer_len);
        free(call);
        return NULL;
}
