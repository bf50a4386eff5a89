/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The chip session's state, shared by chip-session*.c. */
#pragma once

#include <systemd/sd-event.h>

#include "apdu.h"
#include "bac.h"
#include "chip-auth.h"
#include "chip-session.h"
#include "manager.h"
#include "pace.h"
#include "security-infos.h"
#include "sm.h"

enum chip_phase {
        CHIP_PHASE_CONNECT,
        CHIP_PHASE_ACCESS,
        CHIP_PHASE_READ,
        CHIP_PHASE_PA,
        CHIP_PHASE_AUTH,
        CHIP_PHASE_DISCONNECT,
        CHIP_PHASE_DONE,
};

struct eg_chip_session;
/* The chip's plain answer: data (already verified and decrypted under SM) and status. */
typedef void (*chip_response_fn)(struct eg_chip_session *s, const uint8_t *data, size_t len,
                                 uint16_t sw);
/* A file read finished: 0, -ENOENT (no such file), or an error already reported. */
typedef void (*chip_file_done_fn)(struct eg_chip_session *s, int r);

struct chip_file_reader {
        uint16_t fid;
        const char *name; /* "EF.COM", "DG2", ... for messages */
        struct eg_chip_file *target;
        uint8_t *buf;
        size_t size; /* from the TLV header; 0 until known */
        size_t have;
        size_t asked;
        uint8_t header[2 * 4]; /* the first bytes, until the TLV header is complete */
        bool header_probe; /* the first full-chunk read was refused: probe 4 bytes */
        uint64_t started_usec;
        chip_file_done_fn done;
};

struct eg_chip_session {
        struct eg_manager *manager;
        char *device_id;
        eg_chip_session_done_fn done;
        void *userdata;
        struct eg_chip_session_options options; /* strings below, not the caller's */
        char mrz_information[EG_MRZ_INFORMATION_MAX + 1];
        char can[16];

        struct eg_chip_read_result *result;
        enum chip_phase phase;
        uint64_t started_usec;
        uint64_t phase_started_usec;
        sd_event_source *total_timer;
        sd_event_source *finish_source;
        bool listening;

        eg_op_id op; /* in flight; 0 if none */
        enum eg_op_kind op_kind;
        chip_response_fn on_response;
        const char *what; /* the command in flight, for messages */
        bool sent_extended;

        bool stopping; /* a verdict is in; waiting for the in-flight op to end */
        bool cancel_requested;
        bool timed_out;
        bool chip_removed;
        bool device_gone;

        struct eg_sm sm;
        struct eg_bac bac;
        struct eg_pace *pace;
        struct eg_chip_auth ca;
        unsigned ca_step;
        struct eg_security_infos si;
        uint8_t aa_challenge[8];

        bool extended; /* use extended-length READ BINARY */
        /* The ATR's extended-length claim is tried on the first plain command, before
         * secure messaging, so that a refusal costs nothing: */
        bool probed;
        bool probing;
        struct eg_capdu probe_cmd;
        uint8_t probe_data[16];
        uint32_t to_read; /* bit n: DG n still to read */
        struct chip_file_reader file;

        uint8_t *wire; /* EG_CAPDU_MAX */
        uint8_t *plain; /* EG_RAPDU_MAX */
        uint8_t cmd[64];
};

/* chip-session.c */
uint64_t chip_now_usec(void);
int chip_send(struct eg_chip_session *s, const struct eg_capdu *c, const char *what,
              chip_response_fn fn);
__attribute__((format(printf, 4, 5))) void chip_fail(struct eg_chip_session *s,
                                                     enum eg_check_result result,
                                                     const char *reason, const char *fmt, ...);
void chip_enter_phase(struct eg_chip_session *s, enum chip_phase phase);
struct eg_check *chip_phase_check(struct eg_chip_session *s);

/* chip-session-read.c */
void chip_read_file(struct eg_chip_session *s, uint16_t fid, const char *name,
                    struct eg_chip_file *target, chip_file_done_fn done);
void chip_start_reading(struct eg_chip_session *s);

/* chip-session-verify.c */
void chip_start_verification(struct eg_chip_session *s);
void chip_disconnect(struct eg_chip_session *s);
