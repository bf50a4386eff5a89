/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * PN532 host interface frames (PN532 user manual §6.2):
 *
 *   normal    00 00 FF LEN LCS TFI PD0..PDn DCS 00     LEN = 1 + n+1, LEN + LCS = 0
 *   extended  00 00 FF FF FF LENm LENl LCS TFI PD.. DCS 00
 *   ACK       00 00 FF 00 FF 00    (from the host: abort the running command)
 *   NACK      00 00 FF FF 00 00    (from the host: send the last answer again)
 *
 * TFI is D4 from the host, D5 from the PN532; TFI + PD.. + DCS = 0 (mod 256);
 * the answer's first byte is the command code + 1.  libnfc wakes the chip
 * with 55 55 00 00 ... before its first frame; the scanner below skips
 * everything that is not a start code.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "emrtd/apdu.h"
#include "pn532-emulator.h"

#define HOST_TFI 0xD4
#define CHIP_TFI 0xD5
#define FRAME_MAX (9 + 2 + 512) /* extended header, TFI, command, data, DCS, postamble */

enum {
        CMD_DIAGNOSE = 0x00,
        CMD_GET_FIRMWARE_VERSION = 0x02,
        CMD_GET_GENERAL_STATUS = 0x04,
        CMD_READ_REGISTER = 0x06,
        CMD_WRITE_REGISTER = 0x08,
        CMD_SET_PARAMETERS = 0x12,
        CMD_SAM_CONFIGURATION = 0x14,
        CMD_POWER_DOWN = 0x16,
        CMD_RF_CONFIGURATION = 0x32,
        CMD_IN_DATA_EXCHANGE = 0x40,
        CMD_IN_COMMUNICATE_THRU = 0x42,
        CMD_IN_DESELECT = 0x44,
        CMD_IN_LIST_PASSIVE_TARGET = 0x4A,
        CMD_IN_RELEASE = 0x52,
        CMD_IN_SELECT = 0x54,
};

/* Status byte of the In* answers (PN532 user manual §7.1). */
#define STATUS_OK 0x00
#define STATUS_TIMEOUT 0x01
#define STATUS_NO_TARGET 0x27 /* "the target is not in the right state" */

static const uint8_t ack_frame[] = { 0x00, 0x00, 0xFF, 0x00, 0xFF, 0x00 };
static const uint8_t error_frame[] = { 0x00, 0x00, 0xFF, 0x01, 0xFF, 0x7F, 0x81, 0x00 };

struct pn532_emu {
        int master;
        int slave; /* kept open: without it the master reads EIO between libnfc's opens */
        int wake[2];
        char path[64];
        pthread_t thread;

        pthread_mutex_t lock; /* guards everything below */
        struct eg_test_card *card;
        bool field_on;
        bool target_active; /* listed, not released or deselected */
        enum pn532_fault fault;
        unsigned fault_after;
        unsigned remove_after; /* the card leaves during this InDataExchange; 0: never */
        unsigned frames, exchanges;
        uint8_t registers[0x10000];

        /* The emulator thread's own. */
        uint8_t in[FRAME_MAX * 4];
        size_t in_len;
        uint8_t last[FRAME_MAX]; /* the last answer, for a NACK */
        size_t last_len;
};

static void trace(const char *dir, const uint8_t *data, size_t len) {
        if (!getenv("EGATE_PN532_TRACE"))
                return;
        fprintf(stderr, "pn532 %s", dir);
        for (size_t i = 0; i < len; i++)
                fprintf(stderr, " %02x", data[i]);
        fprintf(stderr, "\n");
}

static void write_all(struct pn532_emu *e, const uint8_t *data, size_t len) {
        trace(">", data, len);
        while (len > 0) {
                ssize_t n = write(e->master, data, len);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && errno == EAGAIN) {
                        struct pollfd p = { .fd = e->master, .events = POLLOUT };

                        (void) poll(&p, 1, 100);
                        continue;
                }
                if (n <= 0)
                        return; /* nobody listening: the answer is lost, as on a wire */
                data += n;
                len -= (size_t) n;
        }
}

/* An answer frame: D5, then `data` (answer code and payload). */
static void answer(struct pn532_emu *e, const uint8_t *data, size_t n, bool bad_checksum) {
        uint8_t *f = e->last;
        size_t len = n + 1, pos = 0;
        uint8_t sum = CHIP_TFI;

        f[pos++] = 0x00;
        f[pos++] = 0x00;
        f[pos++] = 0xFF;
        if (len <= 0xFF) {
                f[pos++] = (uint8_t) len;
                f[pos++] = (uint8_t) (0x100 - len);
        } else {
                f[pos++] = 0xFF;
                f[pos++] = 0xFF;
                f[pos++] = (uint8_t) (len >> 8);
                f[pos++] = (uint8_t) len;
                f[pos++] = (uint8_t) (0x100 - ((len >> 8) + len));
        }
        f[pos++] = CHIP_TFI;
        for (size_t i = 0; i < n; i++) {
                f[pos++] = data[i];
                sum += data[i];
        }
        f[pos++] = (uint8_t) (0x100 - sum) ^ (bad_checksum ? 0x5A : 0x00);
        f[pos++] = 0x00;
        e->last_len = pos;
        write_all(e, f, pos);
}

/* The ATS from the card's ATR historical bytes: TL T0 TA TB TC historical bytes. */
static size_t build_ats(struct eg_test_card *card, uint8_t *ats, size_t cap) {
        size_t atr_len, k, n = 0;
        const uint8_t *atr = eg_test_card_atr(card, &atr_len);

        /* The card's ATR is 3B 8k 80 01 <k historical bytes> TCK. */
        k = atr_len > 1 ? (size_t) (atr[1] & 0x0F) : 0;
        if (atr_len < 4 + k || 5 + k > cap)
                k = 0;
        ats[n++] = (uint8_t) (5 + k);
        ats[n++] = 0x78; /* TA, TB, TC follow; FSCI 8: 256-byte frames */
        ats[n++] = 0x80;
        ats[n++] = 0x70;
        ats[n++] = 0x02;
        memcpy(ats + n, atr + 4, k);
        return n + k;
}

static void in_list_passive_target(struct pn532_emu *e, const uint8_t *pd, size_t n) {
        /* One type A target: Tg, ATQA 0004, SAK 20 (ISO/IEC 14443-4), 4-byte UID, ATS. */
        static const uint8_t head[] = { CMD_IN_LIST_PASSIVE_TARGET + 1,
                                        0x01,
                                        0x01,
                                        0x00,
                                        0x04,
                                        0x20,
                                        0x04,
                                        0x08,
                                        0x12,
                                        0x34,
                                        0x56 };
        uint8_t out[sizeof(head) + 32];
        size_t len;

        /* pd: 4A, MaxTg, BrTy (00: 106 kbps type A), initiator data. */
        if (n < 3 || pd[2] != 0x00 || !e->card || !e->field_on) {
                e->target_active = false;
                answer(e, (const uint8_t[]){ CMD_IN_LIST_PASSIVE_TARGET + 1, 0x00 }, 2, false);
                return;
        }
        eg_test_card_reset(e->card); /* REQA, anticollision, RATS: a fresh chip */
        memcpy(out, head, sizeof(head));
        len = sizeof(head) + build_ats(e->card, out + sizeof(head), sizeof(out) - sizeof(head));
        e->target_active = true;
        answer(e, out, len, false);
}

static void sleep_ms(unsigned ms) {
        struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long) (ms % 1000) * 1000000L };

        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

/*
 * A slow chip: wait `ms`, unless the host sends something first (libnfc sends
 * an ACK to abort a command it stopped waiting for).  What arrives is kept
 * for the frame scanner.
 */
static bool wait_unless_aborted(struct pn532_emu *e, unsigned ms) {
        struct pollfd p = { .fd = e->master, .events = POLLIN };
        ssize_t n;

        if (poll(&p, 1, (int) ms) <= 0 || !(p.revents & POLLIN))
                return false;
        n = read(e->master, e->in + e->in_len, sizeof(e->in) - e->in_len);
        if (n <= 0)
                return false;
        trace("< (abort)", e->in + e->in_len, (size_t) n);
        e->in_len += (size_t) n;
        return true;
}

static void in_data_exchange(struct pn532_emu *e, const uint8_t *pd, size_t n) {
        static uint8_t out[1 + 1 + EG_RAPDU_MAX + 64];
        enum pn532_fault fault = e->exchanges >= e->fault_after ? e->fault : PN532_FAULT_NONE;
        size_t rlen = 0;
        unsigned delay;
        int r;

        e->exchanges++;
        if (fault == PN532_FAULT_SILENT)
                return;
        if (fault == PN532_FAULT_GARBAGE) {
                static const uint8_t noise[] = { 0x13, 0x37, 0x00, 0xFF, 0x42, 0xFF, 0x00, 0x99,
                                                 0x00, 0x00, 0xFF, 0x07, 0x07, 0xD5, 0x41 };
                write_all(e, noise, sizeof(noise));
                return;
        }
        /* pd: 40, Tg, the C-APDU. */
        out[0] = CMD_IN_DATA_EXCHANGE + 1;
        if (n < 3 || !e->card || !e->target_active) {
                /* A chip gone from the field answers nothing: the PN532 times out. */
                out[1] = e->target_active ? STATUS_TIMEOUT : STATUS_NO_TARGET;
                answer(e, out, 2, false);
                return;
        }
        delay = eg_test_card_faults(e->card)->delay_ms;
        if (delay > 0) {
                bool aborted;

                pthread_mutex_unlock(&e->lock);
                aborted = wait_unless_aborted(e, delay);
                pthread_mutex_lock(&e->lock);
                if (aborted)
                        return; /* the host gave up and sent an ACK: no answer, as a PN532 */
                if (!e->card) {
                        out[1] = STATUS_TIMEOUT;
                        answer(e, out, 2, false);
                        return;
                }
        }
        if (e->remove_after > 0 && --e->remove_after == 0)
                e->card = NULL; /* the traveller takes the passport away, mid-exchange */
        if (!e->card) {
                out[1] = STATUS_TIMEOUT;
                answer(e, out, 2, false);
                return;
        }
        r = eg_test_card_transmit(e->card, pd + 2, n - 2, out + 2, &rlen);
        if (r < 0 || rlen + 2 > 1 + 262) {
                /* Left the field (fault knob), or more than one frame can carry. */
                out[1] = STATUS_TIMEOUT;
                answer(e, out, 2, false);
                return;
        }
        out[1] = STATUS_OK;
        answer(e, out, 2 + rlen, fault == PN532_FAULT_BAD_CHECKSUM);
}

static void handle_command(struct pn532_emu *e, const uint8_t *pd, size_t n) {
        uint8_t out[300];
        size_t len = 0;

        e->frames++;
        if (n == 0)
                return;
        /* Everything but silence starts with an ACK. */
        if (!(pd[0] == CMD_IN_DATA_EXCHANGE && e->exchanges >= e->fault_after &&
              e->fault == PN532_FAULT_SILENT))
                write_all(e, ack_frame, sizeof(ack_frame));
        out[len++] = (uint8_t) (pd[0] + 1);
        switch (pd[0]) {
        case CMD_DIAGNOSE:
                /* NumTst 00 (communication line test) echoes its data. */
                memcpy(out + len, pd + 1, n - 1 < sizeof(out) - len ? n - 1 : 0);
                len += n - 1 < sizeof(out) - len ? n - 1 : 0;
                break;
        case CMD_GET_FIRMWARE_VERSION:
                memcpy(out + len, (const uint8_t[]){ 0x32, 0x01, 0x06, 0x07 }, 4);
                len += 4;
                break;
        case CMD_GET_GENERAL_STATUS:
                memcpy(out + len, (const uint8_t[]){ 0x00, e->field_on, 0x00, 0x00 }, 4);
                len += 4;
                break;
        case CMD_READ_REGISTER:
                for (size_t i = 1; i + 1 < n && len < sizeof(out); i += 2)
                        out[len++] = e->registers[pd[i] << 8 | pd[i + 1]];
                break;
        case CMD_WRITE_REGISTER:
                for (size_t i = 1; i + 2 < n; i += 3)
                        e->registers[pd[i] << 8 | pd[i + 1]] = pd[i + 2];
                break;
        case CMD_RF_CONFIGURATION:
                /* Item 01: the RF field.  Off resets every chip in it. */
                if (n >= 3 && pd[1] == 0x01) {
                        e->field_on = (pd[2] & 0x01) != 0;
                        if (!e->field_on) {
                                e->target_active = false;
                                if (e->card)
                                        eg_test_card_reset(e->card);
                        }
                }
                break;
        case CMD_SET_PARAMETERS:
        case CMD_SAM_CONFIGURATION:
                break;
        case CMD_POWER_DOWN:
                out[len++] = STATUS_OK;
                break;
        case CMD_IN_LIST_PASSIVE_TARGET:
                in_list_passive_target(e, pd, n);
                return;
        case CMD_IN_DATA_EXCHANGE:
                in_data_exchange(e, pd, n);
                return;
        case CMD_IN_COMMUNICATE_THRU:
                out[len++] = STATUS_TIMEOUT; /* no Jewel, no raw frames */
                break;
        case CMD_IN_DESELECT:
        case CMD_IN_RELEASE:
                e->target_active = false;
                out[len++] = STATUS_OK;
                break;
        case CMD_IN_SELECT:
                out[len++] = e->card && e->field_on ? STATUS_OK : STATUS_NO_TARGET;
                e->target_active = out[len - 1] == STATUS_OK;
                break;
        default:
                fprintf(stderr, "pn532-emulator: command %02X not emulated\n", pd[0]);
                write_all(e, error_frame, sizeof(error_frame));
                return;
        }
        answer(e, out, len, false);
}

/* Take complete frames off the input; keep a partial one for later. */
static void scan_input(struct pn532_emu *e) {
        size_t pos = 0;

        for (;;) {
                const uint8_t *b;
                size_t avail, len, header;
                uint8_t sum;

                while (pos + 1 < e->in_len && !(e->in[pos] == 0x00 && e->in[pos + 1] == 0xFF))
                        pos++;
                b = e->in + pos;
                avail = e->in_len - pos;
                if (avail < 4)
                        break;
                if (b[2] == 0x00 && b[3] == 0xFF) { /* ACK: abort, nothing runs here */
                        pos += 4;
                        continue;
                }
                if (b[2] == 0xFF && b[3] == 0x00) { /* NACK: the last answer again */
                        write_all(e, e->last, e->last_len);
                        pos += 4;
                        continue;
                }
                if (b[2] == 0xFF && b[3] == 0xFF) {
                        if (avail < 7)
                                break;
                        len = (size_t) b[4] << 8 | b[5];
                        if ((uint8_t) (b[4] + b[5] + b[6]) != 0) {
                                pos += 2;
                                continue;
                        }
                        header = 7;
                } else {
                        len = b[2];
                        if ((uint8_t) (b[2] + b[3]) != 0) {
                                pos += 2;
                                continue;
                        }
                        header = 4;
                }
                if (avail < header + len + 1)
                        break; /* the rest is on its way */
                sum = 0;
                for (size_t i = 0; i <= len; i++)
                        sum += b[header + i];
                if (len < 1 || b[header] != HOST_TFI || sum != 0) {
                        /* A garbled frame gets no ACK: the host sends it again or times out. */
                        pos += header + len + 1;
                        continue;
                }
                handle_command(e, b + header + 1, len - 1);
                pos += header + len + 1;
        }
        memmove(e->in, e->in + pos, e->in_len - pos);
        e->in_len -= pos;
}

static void *emulator_main(void *userdata) {
        struct pn532_emu *e = userdata;

        for (;;) {
                struct pollfd p[2] = { { .fd = e->master, .events = POLLIN },
                                       { .fd = e->wake[0], .events = POLLIN } };
                ssize_t n;

                if (poll(p, 2, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        break;
                }
                if (p[1].revents)
                        break;
                if (!(p[0].revents & POLLIN)) {
                        sleep_ms(5); /* POLLHUP while nobody has the slave open */
                        continue;
                }
                if (e->in_len == sizeof(e->in))
                        e->in_len = 0; /* noise without a start code: forget it */
                n = read(e->master, e->in + e->in_len, sizeof(e->in) - e->in_len);
                if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EIO))
                        continue;
                if (n <= 0)
                        break;
                trace("<", e->in + e->in_len, (size_t) n);
                e->in_len += (size_t) n;
                pthread_mutex_lock(&e->lock);
                scan_input(e);
                pthread_mutex_unlock(&e->lock);
        }
        return NULL;
}

int pn532_emu_start(struct eg_test_card *card, struct pn532_emu **ret) {
        struct pn532_emu *e = calloc(1, sizeof(*e));
        struct termios t;
        int r;

        if (!e)
                return -ENOMEM;
        e->master = e->slave = e->wake[0] = e->wake[1] = -1;
        e->card = card;
        e->field_on = true;
        pthread_mutex_init(&e->lock, NULL);
        e->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
        if (e->master < 0 || grantpt(e->master) < 0 || unlockpt(e->master) < 0 ||
            ptsname_r(e->master, e->path, sizeof(e->path)) != 0)
                goto fail;
        e->slave = open(e->path, O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (e->slave < 0 || tcgetattr(e->slave, &t) < 0)
                goto fail;
        /* Raw from the start: no echo of the host's bytes before libnfc sets it up. */
        cfmakeraw(&t);
        if (tcsetattr(e->slave, TCSANOW, &t) < 0 || pipe2(e->wake, O_CLOEXEC) < 0)
                goto fail;
        r = -pthread_create(&e->thread, NULL, emulator_main, e);
        if (r < 0) {
                errno = -r;
                goto fail;
        }
        *ret = e;
        return 0;
fail:
        r = -errno;
        if (e->master >= 0)
                close(e->master);
        if (e->slave >= 0)
                close(e->slave);
        if (e->wake[0] >= 0) {
                close(e->wake[0]);
                close(e->wake[1]);
        }
        pthread_mutex_destroy(&e->lock);
        free(e);
        return r;
}

void pn532_emu_stop(struct pn532_emu *e) {
        if (!e)
                return;
        (void) write(e->wake[1], "x", 1);
        (void) pthread_join(e->thread, NULL);
        close(e->master);
        close(e->slave);
        close(e->wake[0]);
        close(e->wake[1]);
        pthread_mutex_destroy(&e->lock);
        free(e);
}

const char *pn532_emu_path(const struct pn532_emu *e) {
        return e->path;
}

void pn532_emu_set_card(struct pn532_emu *e, struct eg_test_card *card) {
        pthread_mutex_lock(&e->lock);
        /* A listed target stays listed: its exchanges time out, as in the field. */
        e->card = card;
        pthread_mutex_unlock(&e->lock);
}

void pn532_emu_remove_card_after(struct pn532_emu *e, unsigned exchanges) {
        pthread_mutex_lock(&e->lock);
        e->remove_after = exchanges;
        pthread_mutex_unlock(&e->lock);
}

void pn532_emu_set_fault(struct pn532_emu *e, enum pn532_fault fault, unsigned after) {
        pthread_mutex_lock(&e->lock);
        e->fault = fault;
        e->fault_after = e->exchanges + after;
        pthread_mutex_unlock(&e->lock);
}

unsigned pn532_emu_frames(const struct pn532_emu *e) {
        unsigned n;

        pthread_mutex_lock((pthread_mutex_t *) &e->lock);
        n = e->frames;
        pthread_mutex_unlock((pthread_mutex_t *) &e->lock);
        return n;
}

unsigned pn532_emu_exchanges(const struct pn532_emu *e) {
        unsigned n;

        pthread_mutex_lock((pthread_mutex_t *) &e->lock);
        n = e->exchanges;
        pthread_mutex_unlock((pthread_mutex_t *) &e->lock);
        return n;
}
