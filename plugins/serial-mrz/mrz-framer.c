/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "mrz-framer.h"

#define STX 0x02
#define ETX 0x03

bool mrz_line_length_is_valid(size_t len) {
        return len == MRZ_TD1_LINE || len == MRZ_TD2_LINE || len == MRZ_TD3_LINE;
}

static unsigned lines_needed(size_t line_len) {
        return line_len == MRZ_TD1_LINE ? 3 : 2;
}

static bool is_mrz_char(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '<';
}

static void report(struct mrz_framer *f, const struct mrz_framer_report *r) {
        if (f->fn)
                f->fn(r, f->userdata);
}

static void report_garbled(struct mrz_framer *f, size_t length, const char *reason) {
        report(f, &(struct mrz_framer_report){
                          .event = MRZ_FRAMER_GARBLED, .length = length, .reason = reason });
}

static void line_clear(struct mrz_framer *f) {
        explicit_bzero(f->line, sizeof(f->line));
        f->line_len = 0;
        f->line_bad_ending = false;
}

static void mrz_clear(struct mrz_framer *f) {
        explicit_bzero(f->lines, sizeof(f->lines));
        f->n_lines = 0;
        f->mrz_line_len = 0;
}

static void frame_clear(struct mrz_framer *f) {
        f->in_frame = false;
        f->frame_bad = false;
        f->frame_marker = false;
        f->frame_len = 0;
}

void mrz_framer_reset(struct mrz_framer *f) {
        line_clear(f);
        mrz_clear(f);
        frame_clear(f);
        f->after_cr = false;
        f->busy = false;
}

/* Drop the lines of an MRZ that will not complete, saying so (counts only). */
static void drop_partial(struct mrz_framer *f, const char *reason) {
        if (f->n_lines == 0)
                return;
        report(f, &(struct mrz_framer_report){ .event = MRZ_FRAMER_PARTIAL_DROPPED,
                                               .count = f->n_lines,
                                               .reason = reason });
        mrz_clear(f);
}

static void emit_document(struct mrz_framer *f) {
        char text[MRZ_TEXT_MAX];
        size_t n = 0;

        for (unsigned i = 0; i < f->n_lines; i++) {
                if (i > 0)
                        text[n++] = '\n';
                memcpy(text + n, f->lines[i], f->mrz_line_len);
                n += f->mrz_line_len;
        }
        text[n] = '\0';
        report(f, &(struct mrz_framer_report){ .event = MRZ_FRAMER_DOCUMENT,
                                               .text = text,
                                               .length = n,
                                               .count = f->n_lines,
                                               .line_length = f->mrz_line_len });
        explicit_bzero(text, sizeof(text));
        mrz_clear(f);
}

/* A well-formed MRZ line: add it to the MRZ in progress. */
static void accept_line(struct mrz_framer *f, size_t len) {
        if (f->framing == MRZ_FRAMING_STX_ETX) {
                /* The frame decides where the MRZ ends; ETX checks the whole. */
                if ((f->n_lines > 0 && len != f->mrz_line_len) || f->n_lines == MRZ_MAX_LINES) {
                        f->frame_bad = true;
                        return;
                }
        } else if (f->n_lines > 0 && len != f->mrz_line_len)
                drop_partial(f, "next line has another length");

        memcpy(f->lines[f->n_lines++], f->line, len);
        f->mrz_line_len = len;
        if (f->framing == MRZ_FRAMING_LINES && f->n_lines == lines_needed(len))
                emit_document(f);
}

/* The marker is a whole, clean line.  A CR without its LF (CRLF mode) is not stored in the
 * line, so the stored bytes alone can equal the marker while the line was corrupt: "#O\rUT". */
static bool line_is_marker(const struct mrz_framer *f) {
        return f->marker_len > 0 && !f->line_bad_ending && f->line_len == f->marker_len &&
               memcmp(f->line, f->marker, f->marker_len) == 0;
}

/* Classify a garbled line; NULL if it is a well-formed MRZ line. */
static const char *line_problem(const struct mrz_framer *f) {
        if (f->line_len > MRZ_LINE_MAX)
                return "longer than the line limit";
        if (f->line_bad_ending)
                return "CR without LF";
        for (size_t i = 0; i < f->line_len; i++)
                if (!is_mrz_char(f->line[i]))
                        return "characters outside A-Z 0-9 <";
        if (!mrz_line_length_is_valid(f->line_len))
                return "not an MRZ line length";
        return NULL;
}

static void end_line(struct mrz_framer *f) {
        const char *problem;

        if (f->line_len == 0 && !f->line_bad_ending)
                return; /* blank line, or the LF of a CRLF in auto mode */

        if (line_is_marker(f)) {
                if (f->framing == MRZ_FRAMING_STX_ETX)
                        f->frame_marker = true;
                else {
                        drop_partial(f, "removal marker");
                        report(f, &(struct mrz_framer_report){ .event = MRZ_FRAMER_REMOVED });
                }
        } else if ((problem = line_problem(f))) {
                report_garbled(f, f->line_len, problem);
                if (f->framing == MRZ_FRAMING_STX_ETX)
                        f->frame_bad = true;
                else
                        drop_partial(f, "garbled line");
        } else
                accept_line(f, f->line_len);
        line_clear(f);
}

static void finish_frame(struct mrz_framer *f) {
        bool complete;

        if (f->line_len > 0 || f->line_bad_ending)
                end_line(f); /* the last line may come without a line end */
        complete = f->n_lines > 0 && f->n_lines == lines_needed(f->mrz_line_len);
        if (f->frame_marker && f->n_lines == 0 && !f->frame_bad)
                report(f, &(struct mrz_framer_report){ .event = MRZ_FRAMER_REMOVED });
        else if (complete && !f->frame_bad && !f->frame_marker)
                emit_document(f);
        else
                report_garbled(f, f->frame_len, "frame does not hold a complete MRZ");
        mrz_clear(f);
        frame_clear(f);
}

/* Line assembly, shared by both framings.  Returns after consuming `c`. */
static void line_byte(struct mrz_framer *f, char c) {
        bool cr = c == '\r', lf = c == '\n';

        switch (f->line_ending) {
        case MRZ_EOL_AUTO:
                if (cr || lf) {
                        end_line(f);
                        return;
                }
                break;
        case MRZ_EOL_CR:
                if (cr) {
                        end_line(f);
                        return;
                }
                break;
        case MRZ_EOL_LF:
                if (lf) {
                        end_line(f);
                        return;
                }
                break;
        case MRZ_EOL_CRLF:
                if (f->after_cr) {
                        f->after_cr = false;
                        if (lf) {
                                end_line(f);
                                return;
                        }
                        f->line_bad_ending = true;
                }
                if (cr) {
                        f->after_cr = true;
                        return;
                }
                break;
        }
        if (f->line_len < MRZ_LINE_MAX)
                f->line[f->line_len] = c;
        if (f->line_len <= MRZ_LINE_MAX)
                f->line_len++; /* MRZ_LINE_MAX + 1 means "too long": the rest is dropped */
}

static void frame_byte(struct mrz_framer *f, char c) {
        if (c == STX) {
                if (f->in_frame)
                        report_garbled(f, f->frame_len, "frame restarted before its end");
                mrz_clear(f);
                line_clear(f);
                frame_clear(f);
                f->after_cr = false;
                f->in_frame = true;
                return;
        }
        if (!f->in_frame)
                return; /* outside a frame: a trailing checksum, noise */
        if (c == ETX) {
                finish_frame(f);
                return;
        }
        if (++f->frame_len > MRZ_FRAME_MAX) {
                report_garbled(f, f->frame_len, "frame longer than any MRZ");
                mrz_clear(f);
                line_clear(f);
                frame_clear(f); /* ignore everything up to the next STX */
                return;
        }
        line_byte(f, c);
}

static void update_busy(struct mrz_framer *f) {
        f->busy = f->line_len > 0 || f->line_bad_ending || f->after_cr || f->n_lines > 0 ||
                  f->in_frame;
}

void mrz_framer_expire(struct mrz_framer *f, uint64_t now_usec) {
        if (!f->busy || now_usec - f->last_usec < f->frame_timeout_usec)
                return;
        if (f->n_lines > 0)
                drop_partial(f, "frame timeout");
        else if (f->line_len > 0 || f->in_frame)
                report(f, &(struct mrz_framer_report){ .event = MRZ_FRAMER_PARTIAL_DROPPED,
                                                       .length = f->line_len,
                                                       .reason = "frame timeout" });
        mrz_framer_reset(f);
}

void mrz_framer_feed(struct mrz_framer *f, const uint8_t *data, size_t n, uint64_t now_usec) {
        if (n == 0)
                return;
        mrz_framer_expire(f, now_usec);
        for (size_t i = 0; i < n; i++) {
                if (f->framing == MRZ_FRAMING_STX_ETX)
                        frame_byte(f, (char) data[i]);
                else
                        line_byte(f, (char) data[i]);
        }
        f->last_usec = now_usec;
        update_busy(f);
}

bool mrz_framer_busy(const struct mrz_framer *f) {
        return f->busy;
}

uint64_t mrz_framer_deadline(const struct mrz_framer *f) {
        return f->last_usec + f->frame_timeout_usec;
}

/* What the header promises, checked here too: the options parser is not the only caller. */
static bool marker_is_valid(const char *m) {
        size_t n = strlen(m);

        if (n == 0 || n > MRZ_MARKER_MAX)
                return false;
        for (size_t i = 0; i < n; i++)
                if (m[i] <= ' ' || m[i] > '~')
                        return false;
        return true;
}

int mrz_framer_init(struct mrz_framer *f, const struct mrz_framer_options *o, mrz_framer_fn fn,
                    void *userdata) {
        size_t marker_len = o->removal_marker ? strlen(o->removal_marker) : 0;

        if ((o->removal_marker && !marker_is_valid(o->removal_marker)) ||
            o->frame_timeout_usec == 0)
                return -EINVAL;
        *f = (struct mrz_framer){
                .framing = o->framing,
                .line_ending = o->line_ending,
                .frame_timeout_usec = o->frame_timeout_usec,
                .marker_len = marker_len,
                .fn = fn,
                .userdata = userdata,
        };
        if (marker_len > 0)
                memcpy(f->marker, o->removal_marker, marker_len);
        return 0;
}
