/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Reading a passport chip through a ChipReader device, asynchronously:
 *
 *   CHIP_CONNECT (ATR: extended length?)
 *   -> EF.CardAccess and PACE if offered and preferred, else SELECT + BAC
 *   -> EF.COM, DG1, DG2, DG11/DG12 if listed, DG14, DG15, EF.SOD
 *   -> passive authentication
 *   -> Chip Authentication (DG14) or Active Authentication (DG15)
 *   -> CHIP_DISCONNECT, and one result
 *
 * Every APDU is an EG_OP_CHIP_TRANSMIT operation with its own deadline;
 * each file and the whole read are bounded too.  A cancelled read, a
 * removed chip, a device that goes away or a chip too slow for the bounds
 * ends the session with an "aborted" result saying which; it never hangs.
 * The done callback runs exactly once, always from the event loop, and the
 * session frees itself after it.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "check-result.h"
#include "crypto-util.h"
#include "mrz.h"
#include "pa.h"
#include "trust-store.h"

struct eg_manager;
struct eg_chip_session;

enum eg_chip_access_protocol {
        EG_CHIP_ACCESS_NONE = 0,
        EG_CHIP_ACCESS_BAC,
        EG_CHIP_ACCESS_PACE,
};

enum eg_chip_auth_method {
        EG_CHIP_AUTH_NONE = 0,
        EG_CHIP_AUTH_CA, /* Chip Authentication v1 */
        EG_CHIP_AUTH_AA, /* Active Authentication */
};

struct eg_chip_file {
        uint8_t *data; /* the whole elementary file as read, NULL if not read */
        size_t len;
};

struct eg_chip_timings {
        uint64_t connect_usec;
        uint64_t access_usec; /* PACE or BAC, including EF.CardAccess */
        uint64_t read_usec;
        uint64_t pa_usec;
        uint64_t auth_usec;
        uint64_t total_usec;
};

/*
 * The outcome.  Checks that were not reached stay "aborted" with the
 * detail "not reached".  Everything below `files` is personal data:
 * eg_chip_read_result_free() wipes it.
 */
struct eg_chip_read_result {
        struct eg_check access; /* step 6: E_CHIP_NOT_FOUND, _ACCESS_FAIL, _TIMEOUT */
        struct eg_check read; /* step 7: E_CHIP_READ_FAIL, _DG_MISSING, _TIMEOUT */
        struct eg_pa_result pa; /* step 8 */
        struct eg_check authenticity; /* step 9: E_CHIP_CLONE_SUSPECT, N_CHIP_AUTH_UNSUPPORTED */

        enum eg_chip_access_protocol access_protocol;
        enum eg_cipher sm_cipher;
        enum eg_chip_auth_method auth_method;
        bool extended_length; /* used for READ BINARY */
        bool chip_removed;
        bool cancelled;

        struct eg_chip_timings timings;
        unsigned n_apdus;
        uint64_t bytes_sent;
        uint64_t bytes_received;

        uint8_t atr[64];
        size_t atr_len;
        struct eg_chip_file card_access, com, sod;
        struct eg_chip_file dg[EG_DG_MAX + 1];
        bool have_mrz;
        struct eg_mrz mrz; /* DG1 parsed */
};

void eg_chip_read_result_free(struct eg_chip_read_result *r);

typedef void (*eg_chip_session_done_fn)(struct eg_chip_read_result *result, void *userdata);

struct eg_chip_session_options {
        const char *mrz_information; /* BAC/PACE password (personal data; copied) */
        const char *can; /* PACE with the CAN instead, if given */
        bool prefer_pace; /* PACE when EF.CardAccess offers it (TR-03135 §5.6.3.1) */
        /* NULL: PA ends undetermined (U_PA_NO_CSCA).  The session holds a reference until it
         * ends: a reload may replace the manager's store meanwhile. */
        struct eg_trust_store *trust;
        uint32_t extra_dgs; /* bit n: also read DG n when EF.COM lists it */
        bool skip_dg2;
        uint32_t apdu_timeout_ms; /* 0: 3000 */
        uint32_t file_timeout_ms; /* 0: 10000 */
        uint32_t total_timeout_ms; /* 0: 30000 */
        size_t max_file_size; /* 0: 1 MiB */
        size_t extended_chunk; /* READ BINARY size with extended length; 0: 0xF000 */
        time_t check_time; /* PA validity time; 0: now */
};

/*
 * Start reading the chip on ChipReader `device_id`.  Returns 0 (the
 * callback follows, from the loop) or a negative errno and no callback:
 * -EINVAL bad options, -ENODEV no such device, -EOPNOTSUPP not a chip
 * reader, -ESHUTDOWN.  *ret (optional) is valid until the callback runs.
 */
int eg_chip_session_start(struct eg_manager *m, const char *device_id,
                          const struct eg_chip_session_options *o, eg_chip_session_done_fn done,
                          void *userdata, struct eg_chip_session **ret);

/* Abort: the callback runs later with an aborted result (cancelled = true). */
void eg_chip_session_cancel(struct eg_chip_session *s);

const char *eg_chip_access_protocol_to_string(enum eg_chip_access_protocol p);
const char *eg_chip_auth_method_to_string(enum eg_chip_auth_method m);
