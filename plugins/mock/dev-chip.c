/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Chip reader: the chip of the passport on the document reader, a real eMRTD
 * answered by the card emulator (chip-passports.h: BAC, secure messaging,
 * EF.SOD under the mock PKI).  Every chip is built when the scenario is
 * loaded; CONNECT only looks the traveller's up.  The CPU time the emulator
 * spends answering APDUs is counted for the control command "stats". */
#include <inttypes.h>
#include <time.h>

#include "chip-passports.h"
#include "emrtd/apdu.h"
#include "mock.h"

#define INS_READ_BINARY 0xB0
#define INS_READ_BINARY_ODD 0xB1
#define RESPONSE_MAX (EG_RAPDU_MAX + 64) /* what eg_test_card_transmit() may write */

static uint64_t elapsed_us(const struct timespec *since) {
        struct timespec now;

        clock_gettime(CLOCK_MONOTONIC, &now);
        return (uint64_t) ((now.tv_sec - since->tv_sec) * 1000000 +
                           (now.tv_nsec - since->tv_nsec) / 1000);
}

/* The mock PKI and every traveller's chip, made while the scenario is loaded:
 * none is built during a transaction. */
int mock_chip_readers_init(struct mock_plugin *p) {
        const char *path = eg_host_config_get(p->host, "csca-output");
        _cleanup_(freep) char *error = NULL;
        struct timespec start;
        int r;

        clock_gettime(CLOCK_MONOTONIC, &start);
        r = mock_chips_new(p->scenario, &p->chips, &error);
        if (r < 0) {
                /* Like a scenario the parser rejects (load_scenario()). */
                mock_log(p, EG_LOG_ERROR, "scenario %s: %s",
                         eg_host_config_get(p->host, "scenario"), error ? error : strerror(-r));
                return r == -ENOMEM ? r : -EINVAL;
        }
        mock_log(p, EG_LOG_INFO,
                 "mock PKI: %zu CSCA(s) with their document signers, %zu passport chip(s) in "
                 "%" PRIu64 " us",
                 mock_chips_n_csca(p->chips), mock_chips_n_passports(p->chips), elapsed_us(&start));
        if (!path)
                return 0;
        r = mock_chips_write_csca(p->chips, path);
        if (r < 0) {
                mock_log(p, EG_LOG_ERROR,
                         "csca-output=%s: cannot write the mock CSCA "
                         "certificates: %s (the directory must exist)",
                         path, strerror(-r));
                return r;
        }
        mock_log(p, EG_LOG_INFO, "csca-output=%s: %zu mock CSCA certificate(s) written", path,
                 mock_chips_n_csca(p->chips));
        return 0;
}

static void end_session(struct mock_device *d) {
        eg_test_card_free(d->chip.card);
        d->chip.card = NULL;
        d->chip.connected = false;
}

void mock_chip_reader_done(struct mock_device *d) {
        end_session(d);
        free(d->chip.response);
        d->chip.response = NULL;
}

/* PC/SC-style ATR of a contactless ISO 14443-4 card: 3B 8K 80 01 (TD1, TD2: T=1, so a
 * TCK ends it), K historical bytes, TCK.  By default the historical bytes are the ten
 * of "EGATE-MOCK", which announce no extended length, so the chip is read in short
 * APDUs, as many real ones are.  With chip.extended_length they are fifteen in
 * compact-TLV (category indicator 80, ISO/IEC 7816-4 8.1.1): card capabilities
 * 73 94 01 40 (selection by DF name, file identifier and short EF identifier; one-byte
 * data units; extended Lc and Le fields), then card issuer's data 59 "EGATEMOCK". */
#define ATR_MAX (4 + 15 + 1) /* T0 to TD2, at most 15 historical bytes, TCK */
static size_t make_atr(bool extended_length, uint8_t atr[static ATR_MAX]) {
        static const char plain[] = "EGATE-MOCK";
        static const char extended[] = "\x80"
                                       "\x73\x94\x01\x40"
                                       "\x59"
                                       "EGATEMOCK";
        const char *historical = extended_length ? extended : plain;
        size_t k = (extended_length ? sizeof(extended) : sizeof(plain)) - 1, n = 0;
        uint8_t tck = 0;

        _Static_assert(sizeof(extended) - 1 <= 15, "K is one nibble");
        atr[n++] = 0x3B;
        atr[n++] = 0x80 | (uint8_t) k; /* TD1 follows, K historical */
        atr[n++] = 0x80; /* TD2 follows, T=0 */
        atr[n++] = 0x01; /* T=1 */
        memcpy(atr + n, historical, k);
        n += k;
        for (size_t i = 1; i < n; i++)
                tck ^= atr[i];
        atr[n++] = tck;
        return n;
}

static const struct mock_traveller *chip_owner(struct mock_device *d) {
        const struct mock_traveller *t = mock_world_document(d->lane->world);

        if (!t || !t->chip.present || d->chip.removed_mid_read ||
            !mock_world_chip_present(d->lane->world))
                return NULL;
        return t;
}

void mock_chip_reader_chip_changed(struct mock_device *d, bool present) {
        bool already_gone = d->chip.removed_mid_read;

        if (d->chip.connected)
                d->chip.lost = true;
        end_session(d);
        d->chip.removed_mid_read = false;
        d->chip.reads = 0;
        if (present) /* its chip was built with the scenario: nothing to build here */
                mock_device_emit(d, EG_EVENT_CHIP_PRESENT, 0, NULL, NULL);
        else if (!already_gone) /* it already said so */
                mock_device_emit(d, EG_EVENT_CHIP_REMOVED, 0, NULL, NULL);
}

static void chip_begin(struct mock_device *d, struct mock_op *op) {
        const struct mock_traveller *t = chip_owner(d);
        uint64_t delay = mock_device_latency(d, op->kind);

        if (t && t->chip.behaviour == MOCK_CHIP_SLOW && op->kind != EG_OP_CHIP_DISCONNECT)
                delay += t->chip.delay_ms;
        (void) mock_op_delay(op, delay);
}

static void chip_connect(struct mock_device *d, struct mock_op *op) {
        const struct mock_traveller *t = chip_owner(d);
        const struct eg_test_passport *passport;
        struct eg_op_result r = { .fd = -1 };
        struct eg_test_card_faults faults;
        uint8_t atr[ATR_MAX];

        if (!t) {
                mock_op_end(op, -ENOMSG, "no chip");
                return;
        }
        if (t->chip.behaviour == MOCK_CHIP_UNREADABLE) {
                mock_op_end(op, -EIO, "the chip does not answer");
                return;
        }
        end_session(d);
        if (!d->chip.response)
                d->chip.response = malloc(RESPONSE_MAX);
        if (!d->chip.response || mock_chips_passport(d->plugin->chips, t, &passport) < 0 ||
            !(d->chip.card = eg_test_card_new(passport))) {
                mock_op_end(op, -EIO, "cannot build the chip");
                return;
        }
        faults = mock_chips_card_faults(t);
        eg_test_card_set_faults(d->chip.card, &faults);
        d->chip.connected = true;
        d->chip.lost = false;
        r.data = atr;
        r.data_len = make_atr(t->chip.extended_length, atr);
        mock_op_complete(op, &r);
}

static uint64_t thread_cpu_ns(void) {
        struct timespec ts;

        /* Cannot fail for the calling thread's own clock; 0 keeps the sum sane if it did. */
        if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) < 0)
                return 0;
        return (uint64_t) ts.tv_sec * UINT64_C(1000000000) + (uint64_t) ts.tv_nsec;
}

/*
 * What reading the clock costs: each measurement below has about one reading
 * inside its interval and one outside, and the one outside is the
 * simulation's cost as much as the card's work is.  A system call each (the
 * thread's clock has no vDSO path): about 0.7 us, 2 % of egated's CPU per
 * traveller if left in egated's share.
 */
static uint64_t clock_reading_ns(void) {
        static uint64_t cost = UINT64_MAX;
        enum { READINGS = 64 };

        if (cost == UINT64_MAX) {
                uint64_t first = thread_cpu_ns(), last = first;

                for (unsigned i = 1; i < READINGS; i++)
                        last = thread_cpu_ns();
                cost = last > first ? (last - first) / (READINGS - 1) : 0;
        }
        return cost;
}

/* One APDU to the card emulator, its CPU time booked to the plugin: on a real gate the
 * chip computes its side itself, so egated's CPU per transaction must be able to leave it
 * out.  Thread CPU time, not wall time, because the emulator runs inline on this thread
 * and anything else the process does meanwhile is not the card's. */
static int card_transmit(struct mock_device *d, const uint8_t *capdu, size_t capdu_len,
                         uint8_t *rapdu, size_t *ret_len) {
        uint64_t overhead = clock_reading_ns(), start = thread_cpu_ns(), end;
        int r;

        r = eg_test_card_transmit(d->chip.card, capdu, capdu_len, rapdu, ret_len);
        end = thread_cpu_ns();
        d->plugin->card_cpu_ns += (end > start ? end - start : 0) + overhead;
        d->plugin->card_apdus++;
        return r;
}

static void chip_transmit(struct mock_device *d, struct mock_op *op) {
        const struct mock_traveller *t = chip_owner(d);
        struct eg_op_result r = { .fd = -1 };
        size_t len = 0;

        if (!d->chip.connected) {
                if (d->chip.lost)
                        mock_op_end(op, -ENODEV, "the chip was removed");
                else
                        mock_op_end(op, -EIO, "not connected");
                return;
        }
        if (t && t->chip.behaviour == MOCK_CHIP_REMOVE_MID_READ && op->data_len >= 2 &&
            (op->data[1] == INS_READ_BINARY || op->data[1] == INS_READ_BINARY_ODD) &&
            ++d->chip.reads == 2) {
                /* The traveller snatches the passport off the antenna. */
                end_session(d);
                d->chip.lost = true;
                d->chip.removed_mid_read = true;
                mock_device_emit(d, EG_EVENT_CHIP_REMOVED, 0, NULL, NULL);
                mock_op_end(op, -ENODEV, "the chip was removed");
                return;
        }
        if (card_transmit(d, op->data, op->data_len, d->chip.response, &len) < 0) {
                mock_op_end(op, -EIO, "the chip does not answer");
                return;
        }
        r.data = d->chip.response;
        r.data_len = len;
        mock_op_complete(op, &r);
}

static void chip_finish(struct mock_device *d, struct mock_op *op) {
        switch (op->kind) {
        case EG_OP_CHIP_CONNECT:
                chip_connect(d, op);
                return;
        case EG_OP_CHIP_TRANSMIT:
                chip_transmit(d, op);
                return;
        default:
                end_session(d);
                d->chip.lost = false;
                mock_op_end(op, 0, NULL);
                return;
        }
}

static void chip_attached(struct mock_device *d) {
        end_session(d);
        d->chip.lost = false;
        if (chip_owner(d))
                mock_device_emit(d, EG_EVENT_CHIP_PRESENT, 0, NULL, NULL);
}

const struct mock_class mock_chip_reader_class = {
        .begin = chip_begin,
        .finish = chip_finish,
        .attached = chip_attached,
};
