/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for the serial MRZ framer (plugins/serial-mrz/mrz-framer.c): the bytes an
 * OCR or swipe reader sends over a serial line, cut into reads at fake times the way the
 * plugin's event loop sees them, with its frame timer and its port resets.  Besides crashes
 * it traps on a broken contract (mrz-framer.h): a document that is not a well-formed MRZ or
 * whose lines were never sent, a report that carries data it must not, something held
 * without the timeout armed or past it, a buffer not wiped, and a result that depends on how
 * the bytes were cut into reads (a second framer gets every byte in a read of its own).
 *
 * Input:
 *   byte 0   options: bits 0-1 the line ending (enum mrz_line_ending), bit 2 STX/ETX
 *            framing, bits 3-4 the removal marker (none, "#OUT", "#REMOVED", "NODOC"), bits
 *            5-7 the frame timeout (10 ms ... 10 s, the range the plugin accepts)
 *   byte 1   its low 4 bits: how many step bytes follow (none: one read of everything); the
 *            high 4 are not used
 *   steps    used in turn, over again until the bytes run out: bits 0-4 the read's length
 *            less one (31: everything left), bits 5-7 what happens before it (enum step)
 *   the rest the bytes from the serial port
 *
 *   ./build-fuzz/tests/serial-mrz/fuzz-mrz-framer -max_total_time=60 \
 *       /tmp/corpus tests/serial-mrz/seeds/fuzz-mrz-framer
 * Without -Dfuzzing the same entry point is built with a main() that replays the files named
 * on the command line and all their prefixes (in the suite).
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "mrz-framer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MS UINT64_C(1000)
#define STX 0x02
#define ETX 0x03
#define HEADER_SIZE 2
#define READ_ALL 0x1f

/* What the event loop does before a read. */
enum step {
        STEP_BURST, /* 1 ms after the last read: the same burst (9600 baud is ~1 ms a byte) */
        STEP_SAME_WAKEUP, /* no time passes: a second read in the same wake-up */
        STEP_WITHIN, /* a silence just short of the frame timeout: nothing may be dropped */
        STEP_TIMER, /* the frame timer fires at the deadline, the read comes then */
        STEP_LATE, /* the timeout passed, but the read is seen before the timer */
        STEP_EARLY_TIMER, /* the timer fires just before the deadline: it must do nothing */
        STEP_RESET, /* the port is closed and opened again */
        STEP_QUIET, /* ten timeouts of silence, the timer firing at the deadline */
};

enum op {
        OP_FEED,
        OP_EXPIRE,
        OP_RESET,
};

struct run;

/* One framer and what it reported. */
struct side {
        struct mrz_framer framer;
        const struct run *run;

        /* The operation under way, for the callback's checks. */
        enum op op;
        const uint8_t *chunk; /* OP_FEED: the bytes this mrz_framer_feed() call passes */
        size_t chunk_len;
        uint64_t silence; /* since the last read, at the operation's time */
        int expect_drop; /* lines the timeout must report dropped first; -1: none */
        unsigned op_reports;
        uint64_t last_read_usec; /* of the last mrz_framer_feed() */

        /* Everything reported so far, for comparing the two framers. */
        unsigned reports;
        uint64_t digest;
};

struct run {
        struct mrz_framer_options options;
        const uint8_t *input; /* the whole fuzz input: no reason may point into it */
        size_t input_size;
        const uint8_t *stream; /* what the reader sent: every document line comes from it */
        size_t stream_len;
        struct side chunked; /* gets the reads as the steps cut them */
        struct side bytewise; /* gets the same bytes one at a time, at the same times */
};

static const uint64_t frame_timeouts_usec[8] = {
        10 * MS, 20 * MS, 50 * MS, 100 * MS, 300 * MS, 1000 * MS, 3000 * MS, 10000 * MS,
};

/* Printable ASCII without spaces, as serial-options.c insists; one is MRZ-shaped. */
static const char *const removal_markers[4] = { NULL, "#OUT", "#REMOVED", "NODOC" };

/* The contract, from mrz-framer.h: A-Z 0-9 '<'; 3 lines of TD1, 2 of TD2 or TD3. */
static bool is_mrz_char(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '<';
}

static unsigned lines_in_mrz(size_t line_length) {
        return line_length == MRZ_TD1_LINE ? 3 : 2;
}

static bool points_into(const void *p, const void *base, size_t size) {
        uintptr_t a = (uintptr_t) p, b = (uintptr_t) base;

        return a >= b && a < b + size;
}

static bool is_held(const struct mrz_framer *f) {
        return f->n_lines > 0 || f->line_len > 0 || f->in_frame;
}

/* The line ends (blank lines included) starting at p: the only bytes that may come between
 * the lines of one MRZ. */
static size_t line_ends_at(const struct mrz_framer_options *o, const uint8_t *p, size_t n) {
        size_t i = 0;

        switch (o->line_ending) {
        case MRZ_EOL_AUTO:
                while (i < n && (p[i] == '\r' || p[i] == '\n'))
                        i++;
                break;
        case MRZ_EOL_CR:
                while (i < n && p[i] == '\r')
                        i++;
                break;
        case MRZ_EOL_LF:
                while (i < n && p[i] == '\n')
                        i++;
                break;
        case MRZ_EOL_CRLF:
                while (i + 1 < n && p[i] == '\r' && p[i + 1] == '\n')
                        i += 2;
                break;
        }
        return i;
}

/* STX, then nothing but CRs and LFs up to p: p starts a frame's first line. */
static bool opens_frame(const uint8_t *start, const uint8_t *p) {
        while (p > start && (p[-1] == '\r' || p[-1] == '\n'))
                p--;
        return p > start && p[-1] == STX;
}

/* Do the rest of `count` lines of `length` characters (one separator byte after each in
 * `lines`) follow the first at p, as the framer must have seen them to deliver them?  Returns
 * the byte that completes them (the line end or ETX after the last), NULL if they do not. */
static const uint8_t *lines_follow(const struct mrz_framer_options *o, const uint8_t *p,
                                   const uint8_t *end, const char *lines, size_t length,
                                   unsigned count) {
        size_t skip;

        p += length;
        for (unsigned i = 1; i < count; i++) {
                skip = line_ends_at(o, p, (size_t) (end - p));
                if (skip == 0)
                        return NULL;
                p += skip;
                if ((size_t) (end - p) < length || memcmp(p, lines + i * (length + 1), length) != 0)
                        return NULL;
                p += length;
        }
        if (o->framing == MRZ_FRAMING_LINES) {
                if (line_ends_at(o, p, (size_t) (end - p)) == 0)
                        return NULL;
                return o->line_ending == MRZ_EOL_CRLF ? p + 1 : p; /* CRLF: its LF ends it */
        }
        /* A frame's last line may end with its ETX, or with a CR that ETX cuts short. */
        while (p < end && (*p == '\r' || *p == '\n'))
                p++;
        return p < end && *p == ETX ? p : NULL;
}

/* Were these lines sent as delivered, completed by a byte of the read under way: in a row,
 * separated by line ends only, and under STX/ETX framed alone?  A first line may follow
 * anything: a timeout or a reset ends what came before it. */
static bool sent_as_lines(const struct side *s, const char *lines, size_t length, unsigned count) {
        const struct mrz_framer_options *o = &s->run->options;
        const uint8_t *start = s->run->stream, *end = start + s->run->stream_len, *done;

        for (const uint8_t *p = start; (p = memmem(p, (size_t) (end - p), lines, length)); p++) {
                if (o->framing == MRZ_FRAMING_STX_ETX && !opens_frame(start, p))
                        continue;
                done = lines_follow(o, p, end, lines, length, count);
                if (done && done >= s->chunk && done < s->chunk + s->chunk_len)
                        return true;
        }
        return false;
}

static uint64_t fnv1a(uint64_t h, const void *p, size_t n) {
        const uint8_t *b = p;

        for (size_t i = 0; i < n; i++)
                h = (h ^ b[i]) * UINT64_C(0x100000001b3);
        return h;
}

static uint64_t digest_report(uint64_t h, const struct mrz_framer_report *r) {
        const uint64_t fields[] = { r->event, r->length, r->count, r->line_length };

        h = fnv1a(h, fields, sizeof(fields));
        if (r->text)
                h = fnv1a(h, r->text, r->length);
        if (r->reason)
                h = fnv1a(h, r->reason, strlen(r->reason));
        return h;
}

/* A document: the MRZ's shape exactly, its lines sent so, completed by the read under way. */
static void check_document(const struct side *s, const struct mrz_framer_report *r) {
        if (s->op != OP_FEED || !r->text || r->length >= MRZ_TEXT_MAX ||
            strnlen(r->text, MRZ_TEXT_MAX) != r->length ||
            !mrz_line_length_is_valid(r->line_length) || r->count != lines_in_mrz(r->line_length) ||
            r->length != r->count * (r->line_length + 1) - 1 || r->reason)
                __builtin_trap();
        for (unsigned i = 0; i < r->count; i++) {
                const char *line = r->text + i * (r->line_length + 1);

                if (i > 0 && line[-1] != '\n')
                        __builtin_trap();
                for (size_t j = 0; j < r->line_length; j++)
                        if (!is_mrz_char(line[j]))
                                __builtin_trap();
        }
        if (!sent_as_lines(s, r->text, r->line_length, r->count))
                __builtin_trap();
}

/* A reason is a fixed phrase: printable, and never a pointer into the input or the framer. */
static void check_reason(const struct side *s, const char *reason) {
        size_t len;

        if (!reason || points_into(reason, s->run->input, s->run->input_size) ||
            points_into(reason, &s->framer, sizeof(s->framer)))
                __builtin_trap();
        len = strnlen(reason, 81);
        if (len == 0 || len > 80)
                __builtin_trap();
        for (size_t i = 0; i < len; i++)
                if (reason[i] < 0x20 || reason[i] > 0x7e)
                        __builtin_trap();
}

static void check_report(const struct side *s, const struct mrz_framer_report *r) {
        const struct mrz_framer_options *o = &s->run->options;
        size_t garbled_max =
                o->framing == MRZ_FRAMING_STX_ETX ? MRZ_FRAME_MAX + 1 : MRZ_LINE_MAX + 1;

        /* Reports other than a document carry counts and lengths only. */
        if (r->event != MRZ_FRAMER_DOCUMENT && (r->text || r->line_length != 0))
                __builtin_trap();
        /* Resetting is silent. */
        if (s->op == OP_RESET)
                __builtin_trap();

        switch (r->event) {
        case MRZ_FRAMER_DOCUMENT:
                check_document(s, r);
                break;
        case MRZ_FRAMER_REMOVED:
                if (s->op != OP_FEED || !o->removal_marker ||
                    !sent_as_lines(s, o->removal_marker, strlen(o->removal_marker), 1))
                        __builtin_trap();
                break;
        case MRZ_FRAMER_GARBLED:
                /* Bounded: a line or frame is dropped, not stored, past its limit. */
                if (s->op != OP_FEED || r->length > garbled_max)
                        __builtin_trap();
                check_reason(s, r->reason);
                break;
        case MRZ_FRAMER_PARTIAL_DROPPED:
                /* Lines are handed on as soon as they make an MRZ, so fewer than a TD1's
                 * three are dropped; a frame holds up to MRZ_MAX_LINES until its ETX. */
                if (r->count > MRZ_MAX_LINES ||
                    (o->framing == MRZ_FRAMING_LINES && r->count >= lines_in_mrz(MRZ_TD1_LINE)))
                        __builtin_trap();
                check_reason(s, r->reason);
                /* Nothing times out before its time. */
                if (strstr(r->reason, "timeout") && s->silence < o->frame_timeout_usec)
                        __builtin_trap();
                break;
        default:
                __builtin_trap();
        }
}

static void on_report(const struct mrz_framer_report *r, void *userdata) {
        struct side *s = userdata;

        check_report(s, r);
        /* What was held past the timeout is dropped, and that is said first. */
        if (s->op_reports == 0 && s->expect_drop >= 0 &&
            (r->event != MRZ_FRAMER_PARTIAL_DROPPED || r->count != (unsigned) s->expect_drop))
                __builtin_trap();
        s->op_reports++;
        s->reports++;
        s->digest = digest_report(s->digest, r);
}

/* Personal data is wiped as soon as it is done with: nothing beyond what is held. */
static bool is_wiped(const struct mrz_framer *f) {
        size_t used = f->line_len < MRZ_LINE_MAX ? f->line_len : MRZ_LINE_MAX;

        for (size_t i = used; i < sizeof(f->line); i++)
                if (f->line[i] != 0)
                        return false;
        for (size_t i = 0; i < MRZ_MAX_LINES; i++)
                for (size_t j = 0; j < MRZ_TD3_LINE; j++)
                        if (f->lines[i][j] != 0 && (i >= f->n_lines || j >= f->mrz_line_len))
                                return false;
        return true;
}

static void check_state(const struct side *s) {
        const struct mrz_framer *f = &s->framer;
        const struct run *run = s->run;

        if (f->line_len > MRZ_LINE_MAX + 1 || f->n_lines > MRZ_MAX_LINES || !is_wiped(f))
                __builtin_trap();
        if (f->n_lines > 0 && !mrz_line_length_is_valid(f->mrz_line_len))
                __builtin_trap();
        if (run->options.framing == MRZ_FRAMING_LINES) {
                /* A complete MRZ is handed on at once, never held; there are no frames. */
                if ((f->n_lines > 0 && f->n_lines >= lines_in_mrz(f->mrz_line_len)) ||
                    f->in_frame || f->frame_len > 0)
                        __builtin_trap();
        } else {
                /* Outside a frame nothing is kept: bytes there are noise. */
                if (f->frame_len > MRZ_FRAME_MAX ||
                    (!f->in_frame && (f->n_lines > 0 || f->line_len > 0 || f->line_bad_ending)))
                        __builtin_trap();
        }
        /* What is held is dropped by the timeout, which needs busy and the deadline. */
        if (is_held(f) && !mrz_framer_busy(f))
                __builtin_trap();
        if (mrz_framer_busy(f) &&
            mrz_framer_deadline(f) != s->last_read_usec + run->options.frame_timeout_usec)
                __builtin_trap();
}

static void begin(struct side *s, enum op op, const uint8_t *chunk, size_t n, uint64_t at_usec) {
        uint64_t timeout = s->run->options.frame_timeout_usec;

        s->op = op;
        s->chunk = chunk;
        s->chunk_len = n;
        s->silence = at_usec - s->last_read_usec;
        s->expect_drop = op != OP_RESET && is_held(&s->framer) && s->silence >= timeout
                                 ? (int) s->framer.n_lines
                                 : -1;
        s->op_reports = 0;
}

static void end(const struct side *s) {
        if (s->expect_drop >= 0 && s->op_reports == 0)
                __builtin_trap(); /* held past the timeout, and not dropped */
        check_state(s);
}

static void expire(struct side *s, uint64_t at_usec) {
        struct mrz_framer before;

        memcpy(&before, &s->framer, sizeof(before)); /* padding too, for memcmp() */
        begin(s, OP_EXPIRE, NULL, 0, at_usec);
        mrz_framer_expire(&s->framer, at_usec);
        if (s->op_reports > 1)
                __builtin_trap();
        if (s->silence < s->run->options.frame_timeout_usec) {
                /* Before the deadline, expiring is a no-op. */
                if (s->op_reports > 0 || memcmp(&before, &s->framer, sizeof(before)) != 0)
                        __builtin_trap();
        } else if (mrz_framer_busy(&s->framer))
                __builtin_trap();
        end(s);
}

static void reset(struct side *s, uint64_t at_usec) {
        begin(s, OP_RESET, NULL, 0, at_usec);
        mrz_framer_reset(&s->framer);
        if (mrz_framer_busy(&s->framer) || is_held(&s->framer))
                __builtin_trap();
        end(s);
}

static void feed(struct side *s, const uint8_t *chunk, size_t n, uint64_t at_usec) {
        begin(s, OP_FEED, chunk, n, at_usec);
        mrz_framer_feed(&s->framer, chunk, n, at_usec);
        s->last_read_usec = at_usec;
        end(s);
}

static void feed_bytewise(struct side *s, const uint8_t *chunk, size_t n, uint64_t at_usec) {
        begin(s, OP_FEED, chunk, n, at_usec);
        for (size_t i = 0; i < n; i++) {
                s->chunk = chunk + i;
                s->chunk_len = 1;
                mrz_framer_feed(&s->framer, chunk + i, 1, at_usec);
        }
        s->last_read_usec = at_usec;
        end(s);
}

/* Both framers saw the same bytes at the same times: how reads cut them must not matter. */
static void check_same(const struct run *run) {
        const struct side *a = &run->chunked, *b = &run->bytewise;
        const struct mrz_framer *x = &a->framer, *y = &b->framer;

        if (a->reports != b->reports || a->digest != b->digest)
                __builtin_trap();
        if (x->line_len != y->line_len || x->line_bad_ending != y->line_bad_ending ||
            x->after_cr != y->after_cr || memcmp(x->line, y->line, sizeof(x->line)) != 0 ||
            x->n_lines != y->n_lines || x->mrz_line_len != y->mrz_line_len ||
            memcmp(x->lines, y->lines, sizeof(x->lines)) != 0 || x->in_frame != y->in_frame ||
            x->frame_bad != y->frame_bad || x->frame_marker != y->frame_marker ||
            x->frame_len != y->frame_len || x->busy != y->busy || x->last_usec != y->last_usec)
                __builtin_trap();
}

static void expire_both(struct run *run, uint64_t at_usec) {
        expire(&run->chunked, at_usec);
        expire(&run->bytewise, at_usec);
}

/* The frame timer, armed as the plugin arms it: when busy, at the deadline. */
static void timer_fires(struct run *run, uint64_t early_usec) {
        if (!mrz_framer_busy(&run->chunked.framer))
                return;
        expire_both(run, mrz_framer_deadline(&run->chunked.framer) - early_usec);
}

/* Do what happens before a read; returns the read's time. */
static uint64_t before_read(struct run *run, enum step step) {
        uint64_t last = run->chunked.last_read_usec, timeout = run->options.frame_timeout_usec;

        switch (step) {
        case STEP_BURST:
                return last + MS;
        case STEP_SAME_WAKEUP:
                return last;
        case STEP_WITHIN:
                return last + timeout - 1;
        case STEP_TIMER:
                timer_fires(run, 0);
                return last + timeout;
        case STEP_LATE:
                return last + timeout + MS;
        case STEP_EARLY_TIMER:
                timer_fires(run, 1);
                return last + timeout - 1;
        case STEP_RESET:
                reset(&run->chunked, last);
                reset(&run->bytewise, last);
                check_same(run);
                return last + MS;
        case STEP_QUIET:
                timer_fires(run, 0);
                expire_both(run, last + 10 * timeout); /* again, with nothing left: silent */
                return last + 10 * timeout;
        }
        __builtin_trap();
}

static enum step step_of(uint8_t b) {
        return b >> 5; /* three bits: every value is a step */
}

static size_t read_length(uint8_t b, size_t left) {
        size_t n = (size_t) (b & READ_ALL) + 1;

        return (b & READ_ALL) == READ_ALL || n > left ? left : n;
}

static void side_init(struct run *run, struct side *s) {
        /* CLOCK_MONOTONIC of a gate that has been up for a while. */
        *s = (struct side){ .run = run, .last_read_usec = 1000 * 1000 * MS };
        if (mrz_framer_init(&s->framer, &run->options, on_report, s) < 0)
                __builtin_trap(); /* options within what the plugin allows */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const uint8_t read_all = READ_ALL;
        const uint8_t *steps;
        size_t n_steps, pos = 0;
        struct run run;

        if (size < HEADER_SIZE)
                return 0;
        n_steps = data[1] & 0x0f;
        if (size < HEADER_SIZE + n_steps)
                return 0;
        steps = n_steps > 0 ? data + HEADER_SIZE : &read_all;

        run = (struct run){
                .options = {
                        .line_ending = (enum mrz_line_ending) (data[0] & 0x03),
                        .framing = data[0] & 0x04 ? MRZ_FRAMING_STX_ETX : MRZ_FRAMING_LINES,
                        .removal_marker = removal_markers[(data[0] >> 3) & 0x03],
                        .frame_timeout_usec = frame_timeouts_usec[data[0] >> 5],
                },
                .input = data,
                .input_size = size,
                .stream = data + HEADER_SIZE + n_steps,
                .stream_len = size - HEADER_SIZE - n_steps,
        };
        side_init(&run, &run.chunked);
        side_init(&run, &run.bytewise);

        for (size_t i = 0; pos < run.stream_len; i++) {
                uint8_t b = steps[n_steps > 0 ? i % n_steps : 0];
                size_t n = read_length(b, run.stream_len - pos);
                uint64_t at_usec = before_read(&run, step_of(b));

                feed(&run.chunked, run.stream + pos, n, at_usec);
                feed_bytewise(&run.bytewise, run.stream + pos, n, at_usec);
                check_same(&run);
                pos += n;
        }

        /* The reader falls silent: the timer drops whatever is left, then the port closes.
         * Nothing of the input may remain. */
        timer_fires(&run, 0);
        check_same(&run);
        reset(&run.chunked, run.chunked.last_read_usec);
        reset(&run.bytewise, run.bytewise.last_read_usec);
        return 0;
}
