/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The mock face comparator (face-matcher.h).  The mock camera's frames are
 * PGM images carrying a comment "# face=<outcome> subject=<traveller id>";
 * real faces never reach this code, because the mock plugin and this
 * comparator are only used together with --mock.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "face-matcher.h"
#include "macro.h"

#define HEADER_MAX 512

struct mock_request {
        uint64_t id;
        int status;
        double score;
        eg_face_match_fn done;
        void *userdata;
        sd_event_source *source;
        struct mock_matcher *matcher;
        struct mock_request *next;
};

struct mock_matcher {
        sd_event *event;
        struct mock_request *requests;
        uint64_t next_id;
};

void eg_face_matcher_free(struct eg_face_matcher *f) {
        if (!f)
                return;
        if (f->ops && f->ops->free)
                f->ops->free(f->matcher);
        free(f);
}

/* The value of `key=` among the words of the PGM header's comment lines, into buf. */
static int comment_value(const char *header, const char *key, char *buf, size_t size) {
        size_t klen = strlen(key);
        const char *line = header;

        while (*line) {
                size_t line_len = strcspn(line, "\n");

                if (line[0] == '#')
                        for (const char *w = line + 1; w < line + line_len;) {
                                size_t n = strcspn(w, " \n");

                                if (n > klen && strncmp(w, key, klen) == 0 && w[klen] == '=') {
                                        n -= klen + 1;
                                        if (n == 0 || n >= size)
                                                return -EINVAL;
                                        memcpy(buf, w + klen + 1, n);
                                        buf[n] = 0;
                                        return 0;
                                }
                                w += n;
                                w += strspn(w, " ");
                        }
                line += line_len;
                if (*line == '\n')
                        line++;
        }
        return -ENOENT;
}

int eg_face_mock_score(const uint8_t *pgm, size_t len, const uint8_t *reference,
                       size_t reference_len, double *ret_score) {
        char header[HEADER_MAX + 1], face[32], subject[64];
        size_t n = len < HEADER_MAX ? len : HEADER_MAX;

        if (n < 3 || memcmp(pgm, "P5", 2) != 0)
                return -EINVAL;
        memcpy(header, pgm, n);
        header[n] = 0; /* pixel bytes may hold NULs: the header ends at the first one anyway */
        if (comment_value(header, "face", face, sizeof(face)) < 0)
                return -ENOMSG;
        if (comment_value(header, "subject", subject, sizeof(subject)) < 0)
                subject[0] = 0;

        *ret_score = streq(face, "match") && reference_len == strlen(subject) &&
                                     memcmp(reference, subject, reference_len) == 0
                             ? EG_FACE_MOCK_MATCH_SCORE
                             : EG_FACE_MOCK_NO_MATCH_SCORE;
        return 0;
}

static int on_answer(sd_event_source *s, void *userdata) {
        struct mock_request *q = userdata, **i;
        struct mock_matcher *m = q->matcher;

        for (i = &m->requests; *i; i = &(*i)->next)
                if (*i == q) {
                        *i = q->next;
                        break;
                }
        q->source = sd_event_source_disable_unref(q->source);
        q->done(q->status, q->score, 0, q->userdata); /* the mock camera counts faces itself */
        free(q);
        return 0;
}

static int mock_compare(void *matcher, int probe_fd, const char *probe_mime,
                        const uint8_t *reference, size_t reference_len, const char *reference_mime,
                        eg_face_match_fn done, void *userdata, uint64_t *ret_request) {
        struct mock_matcher *m = matcher;
        struct mock_request *q;
        uint8_t buf[HEADER_MAX];
        ssize_t n;
        int r;

        if (!reference_mime || !streq(reference_mime, EG_FACE_MOCK_REFERENCE_MIME))
                return -EOPNOTSUPP;
        n = pread(probe_fd, buf, sizeof(buf), 0);
        if (n < 0)
                return -errno;

        q = calloc(1, sizeof(*q));
        if (!q)
                return -ENOMEM;
        q->id = ++m->next_id;
        q->matcher = m;
        q->done = done;
        q->userdata = userdata;
        q->status = eg_face_mock_score(buf, (size_t) n, reference, reference_len, &q->score);
        r = sd_event_add_defer(m->event, &q->source, on_answer, q);
        if (r < 0) {
                free(q);
                return r;
        }
        q->next = m->requests;
        m->requests = q;
        *ret_request = q->id;
        return 0;
}

static void mock_cancel(void *matcher, uint64_t request) {
        struct mock_matcher *m = matcher;

        for (struct mock_request *q = m->requests; q; q = q->next)
                if (q->id == request)
                        q->status = -ECANCELED;
}

static void mock_free(void *matcher) {
        struct mock_matcher *m = matcher;

        while (m->requests) {
                struct mock_request *q = m->requests;

                m->requests = q->next;
                sd_event_source_disable_unref(q->source);
                free(q);
        }
        sd_event_unref(m->event);
        free(m);
}

static const struct eg_face_matcher_ops mock_ops = {
        .name = "mock",
        .compare = mock_compare,
        .cancel = mock_cancel,
        .free = mock_free,
};

int eg_face_matcher_mock_new(sd_event *e, struct eg_face_matcher **ret) {
        struct eg_face_matcher *f = calloc(1, sizeof(*f));
        struct mock_matcher *m = calloc(1, sizeof(*m));

        if (!f || !m) {
                free(f);
                free(m);
                return -ENOMEM;
        }
        m->event = sd_event_ref(e);
        f->ops = &mock_ops;
        f->matcher = m;
        *ret = f;
        return 0;
}
