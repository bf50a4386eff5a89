/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Turning the byte stream of an OCR or swipe reader into whole MRZs.
 *
 * Pure logic: no I/O, no clock of its own (the caller passes the time of
 * every chunk), so it is tested without a serial port.  Only the shape of
 * an MRZ is checked here (charset A-Z 0-9 '<', 2x44, 2x36 or 3x30); check
 * digits are the core's business.
 *
 * Everything it holds may be personal data: buffers are wiped with
 * explicit_bzero() as soon as they are done with, and reports other than
 * MRZ_FRAMER_DOCUMENT carry counts and lengths only.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MRZ_LINE_MAX 128 /* longer lines are garbled: dropped up to the next line end */
#define MRZ_MAX_LINES 3
#define MRZ_TD1_LINE 30
#define MRZ_TD2_LINE 36
#define MRZ_TD3_LINE 44
#define MRZ_TEXT_MAX (MRZ_MAX_LINES * (MRZ_TD1_LINE + 1) + 8) /* fits every format, '\n's, NUL */
#define MRZ_MARKER_MAX 32
/* STX, three TD1 lines with CRLF, ETX, and slack for a reader that pads. */
#define MRZ_FRAME_MAX 160

enum mrz_framing {
        MRZ_FRAMING_LINES = 0, /* consecutive lines, close together in time */
        MRZ_FRAMING_STX_ETX, /* STX (0x02) <lines> ETX (0x03) around the whole MRZ */
};

enum mrz_line_ending {
        MRZ_EOL_AUTO = 0, /* CR, LF or CRLF; blank lines are ignored */
        MRZ_EOL_CR,
        MRZ_EOL_LF,
        MRZ_EOL_CRLF,
};

enum mrz_framer_event {
        MRZ_FRAMER_DOCUMENT, /* text: the MRZ, lines joined with '\n' */
        MRZ_FRAMER_REMOVED, /* the reader sent the removal marker */
        MRZ_FRAMER_GARBLED, /* a line or frame that is no MRZ: length, reason */
        MRZ_FRAMER_PARTIAL_DROPPED, /* count lines of an MRZ that never completed; reason */
};

struct mrz_framer_report {
        enum mrz_framer_event event;
        const char *text; /* DOCUMENT only: personal data, valid during the callback */
        size_t length; /* DOCUMENT: text length; GARBLED: bytes in the line or frame */
        unsigned count; /* DOCUMENT: lines; PARTIAL_DROPPED: lines received */
        size_t line_length; /* DOCUMENT: characters per line */
        const char *reason; /* GARBLED, PARTIAL_DROPPED: a fixed phrase, never data */
};

typedef void (*mrz_framer_fn)(const struct mrz_framer_report *report, void *userdata);

struct mrz_framer_options {
        enum mrz_framing framing;
        enum mrz_line_ending line_ending;
        uint64_t frame_timeout_usec; /* a longer silence drops what is in progress */
        const char *removal_marker; /* a whole line (or frame) meaning "removed"; NULL: none */
};

struct mrz_framer {
        enum mrz_framing framing;
        enum mrz_line_ending line_ending;
        uint64_t frame_timeout_usec;
        char marker[MRZ_MARKER_MAX + 1];
        size_t marker_len;
        mrz_framer_fn fn;
        void *userdata;

        /* The line being received. */
        char line[MRZ_LINE_MAX];
        size_t line_len; /* bytes seen, even beyond MRZ_LINE_MAX */
        bool line_bad_ending; /* CRLF mode: a CR not followed by LF */
        bool after_cr;

        /* The MRZ being assembled. */
        char lines[MRZ_MAX_LINES][MRZ_TD3_LINE];
        unsigned n_lines;
        size_t mrz_line_len;

        /* STX/ETX framing. */
        bool in_frame;
        bool frame_bad;
        bool frame_marker;
        size_t frame_len;

        bool busy; /* something is in progress: the timeout applies */
        uint64_t last_usec;
};

/* Options are copied; the marker must be printable ASCII without spaces, 1..32 characters
 * (serial_options checks it).  -EINVAL if not. */
int mrz_framer_init(struct mrz_framer *f, const struct mrz_framer_options *o, mrz_framer_fn fn,
                    void *userdata);

/* Feed bytes received at `now_usec` (CLOCK_MONOTONIC).  Reports arrive through the callback,
 * from inside this call. */
void mrz_framer_feed(struct mrz_framer *f, const uint8_t *data, size_t n, uint64_t now_usec);

/* Part of an MRZ is held: call mrz_framer_expire() by mrz_framer_deadline(). */
bool mrz_framer_busy(const struct mrz_framer *f);
uint64_t mrz_framer_deadline(const struct mrz_framer *f);
/* Drop what is in progress if the frame timeout passed (reported as PARTIAL_DROPPED). */
void mrz_framer_expire(struct mrz_framer *f, uint64_t now_usec);

/* Forget everything in progress without a report (disconnect, close), wiping it. */
void mrz_framer_reset(struct mrz_framer *f);

bool mrz_line_length_is_valid(size_t len);
