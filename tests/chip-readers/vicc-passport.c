/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vicc-passport: a virtual ICC for vsmartcard's vpcd driver in pcscd, serving
 * a test passport from the card emulator (egate-mock-card, card.h).
 *
 * vpcd listens on a TCP port per reader slot; we connect to it, and while we
 * are connected pcscd sees a card in that slot.  Frames both ways are a
 * 2-byte big-endian length and a payload; a 1-byte payload from vpcd is a
 * control code (00 power off, 01 power on, 02 reset, 04 "send the ATR"),
 * anything longer a C-APDU we answer with an R-APDU.
 *
 * vpcd writes the length and the APDU in two send() calls, so Nagle on its
 * side and delayed ACKs on ours would cost ~40 ms per APDU: we set
 * TCP_NODELAY and re-arm TCP_QUICKACK around every read.
 *
 *   vicc-passport --pki DIR [--port N] [--dg2-extra BYTES] [--delay-ms N]
 *                 [--leave-after N] [--corrupt-mac] [--max-read N] [--short-only]
 *
 * The passport is the card emulator's Korean specimen (BAC enforced), its
 * EF.SOD signed by the Document Signer in DIR (peer-pki.h).  "ready" on
 * stdout once connected; exit status 0 when vpcd hangs up or the chip
 * "leaves the field" (--leave-after: that many APDUs answered, then the
 * connection drops in the middle of the next exchange).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "card.h"
#include "emrtd/apdu.h"
#include "peer-pki.h"

#define VPCD_DEFAULT_PORT 0x8C7B
#define VPCD_POWER_OFF 0x00
#define VPCD_POWER_ON 0x01
#define VPCD_RESET 0x02
#define VPCD_GET_ATR 0x04
#define CONNECT_TIMEOUT_MS 10000

struct options {
        const char *pki_dir;
        uint16_t port;
        size_t dg2_extra;
        struct eg_test_card_faults faults;
};

static void sleep_ms(unsigned ms) {
        struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long) (ms % 1000) * 1000000L };

        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

static void quickack(int fd) {
        int one = 1;

        (void) setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
}

/* 1: got it all, 0: clean end of stream before the first byte, -errno otherwise. */
static int read_full(int fd, uint8_t *buf, size_t len) {
        size_t got = 0;

        while (got < len) {
                ssize_t n;

                quickack(fd);
                n = recv(fd, buf + got, len - got, 0);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        return got == 0 ? 0 : -EPIPE;
                got += (size_t) n;
        }
        quickack(fd);
        return 1;
}

/* Length and payload in one send(): one segment, no waiting for an ACK. */
static int send_frame(int fd, const uint8_t *data, size_t len) {
        uint8_t frame[2 + EG_RAPDU_MAX + 64];
        size_t sent = 0;

        if (len > 0xFFFF || len > sizeof(frame) - 2)
                return -EMSGSIZE;
        frame[0] = (uint8_t) (len >> 8);
        frame[1] = (uint8_t) len;
        memcpy(frame + 2, data, len);
        while (sent < len + 2) {
                ssize_t n = send(fd, frame + sent, len + 2 - sent, MSG_NOSIGNAL);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                sent += (size_t) n;
        }
        return 0;
}

static int connect_vpcd(uint16_t port) {
        struct sockaddr_in a = { .sin_family = AF_INET,
                                 .sin_port = htons(port),
                                 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        int one = 1;

        /* vpcd listens once pcscd has loaded the driver: keep trying a while. */
        for (unsigned waited = 0; waited < CONNECT_TIMEOUT_MS; waited += 20) {
                int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

                if (fd < 0)
                        return -errno;
                if (connect(fd, (struct sockaddr *) &a, sizeof(a)) == 0) {
                        (void) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
                        quickack(fd);
                        return fd;
                }
                close(fd);
                sleep_ms(20);
        }
        return -ETIMEDOUT;
}

static int control(int fd, struct eg_test_card *card, uint8_t code) {
        const uint8_t *atr;
        size_t len;

        switch (code) {
        case VPCD_POWER_OFF:
        case VPCD_POWER_ON:
        case VPCD_RESET:
                eg_test_card_reset(card);
                return 0;
        case VPCD_GET_ATR:
                atr = eg_test_card_atr(card, &len);
                return send_frame(fd, atr, len);
        default:
                fprintf(stderr, "vicc-passport: unknown vpcd control code %02X ignored\n", code);
                return 0;
        }
}

static int serve(int fd, struct eg_test_card *card) {
        static uint8_t capdu[0x10000], rapdu[EG_RAPDU_MAX + 64];
        unsigned delay_ms = eg_test_card_faults(card)->delay_ms;

        for (;;) {
                uint8_t header[2];
                size_t len, rlen = 0;
                int r;

                r = read_full(fd, header, sizeof(header));
                if (r <= 0)
                        return r; /* 0: vpcd hung up (pcscd stopped) */
                len = (size_t) header[0] << 8 | header[1];
                r = read_full(fd, capdu, len);
                if (r <= 0)
                        return r < 0 ? r : -EPIPE;
                if (len == 1) {
                        r = control(fd, card, capdu[0]);
                        if (r < 0)
                                return r;
                        continue;
                }
                if (delay_ms > 0)
                        sleep_ms(delay_ms);
                r = eg_test_card_transmit(card, capdu, len, rapdu, &rlen);
                if (r == -ENODEV) {
                        fprintf(stderr,
                                "vicc-passport: the chip leaves the field after %u "
                                "APDUs\n",
                                eg_test_card_n_apdus(card));
                        return 0;
                }
                if (r < 0)
                        return r;
                r = send_frame(fd, rapdu, rlen);
                if (r < 0)
                        return r;
        }
}

static int parse_unsigned(const char *opt, const char *v, unsigned long max, unsigned long *ret) {
        char *end;

        errno = 0;
        *ret = strtoul(v, &end, 10);
        if (errno != 0 || *end != '\0' || v[0] == '\0' || v[0] == '-' || *ret > max) {
                fprintf(stderr, "vicc-passport: --%s: expected a number up to %lu, not '%s'\n", opt,
                        max, v);
                return -EINVAL;
        }
        return 0;
}

static int parse_options(int argc, char **argv, struct options *o) {
        static const struct option longopts[] = { { "pki", required_argument, NULL, 'k' },
                                                  { "port", required_argument, NULL, 'p' },
                                                  { "dg2-extra", required_argument, NULL, 'g' },
                                                  { "delay-ms", required_argument, NULL, 'd' },
                                                  { "leave-after", required_argument, NULL, 'l' },
                                                  { "corrupt-mac", no_argument, NULL, 'm' },
                                                  { "max-read", required_argument, NULL, 'r' },
                                                  { "short-only", no_argument, NULL, 's' },
                                                  {} };
        unsigned long v;
        int c;

        *o = (struct options){ .port = VPCD_DEFAULT_PORT };
        while ((c = getopt_long(argc, argv, "", longopts, NULL)) >= 0) {
                switch (c) {
                case 'k':
                        o->pki_dir = optarg;
                        break;
                case 'p':
                        if (parse_unsigned("port", optarg, 65535, &v) < 0 || v == 0)
                                return -EINVAL;
                        o->port = (uint16_t) v;
                        break;
                case 'g':
                        if (parse_unsigned("dg2-extra", optarg, 1 << 20, &v) < 0)
                                return -EINVAL;
                        o->dg2_extra = v;
                        break;
                case 'd':
                        if (parse_unsigned("delay-ms", optarg, 60000, &v) < 0)
                                return -EINVAL;
                        o->faults.delay_ms = (unsigned) v;
                        break;
                case 'l':
                        if (parse_unsigned("leave-after", optarg, 1000000, &v) < 0 || v == 0)
                                return -EINVAL;
                        o->faults.remove_after = (unsigned) v;
                        break;
                case 'm':
                        o->faults.corrupt_response_mac = true;
                        break;
                case 'r':
                        if (parse_unsigned("max-read", optarg, 65536, &v) < 0)
                                return -EINVAL;
                        o->faults.max_read = (unsigned) v;
                        break;
                case 's':
                        o->faults.short_only = true;
                        break;
                default:
                        return -EINVAL;
                }
        }
        if (!o->pki_dir || optind != argc) {
                fprintf(stderr, "usage: vicc-passport --pki DIR [--port N] [--dg2-extra BYTES] "
                                "[--delay-ms N] [--leave-after N] [--corrupt-mac] [--max-read N] "
                                "[--short-only]\n");
                return -EINVAL;
        }
        return 0;
}

int main(int argc, char **argv) {
        struct eg_test_passport_options po = {};
        struct eg_test_passport *passport = NULL;
        struct eg_test_pki *pki = NULL;
        struct eg_test_card *card;
        struct options o;
        int fd, r;

        if (parse_options(argc, argv, &o) < 0)
                return 2;
        r = peer_pki_load(o.pki_dir, &pki);
        if (r < 0) {
                fprintf(stderr, "vicc-passport: cannot load the test PKI from %s: %s\n", o.pki_dir,
                        strerror(-r));
                return 1;
        }
        po.pki = pki;
        po.dg2_extra = o.dg2_extra;
        r = eg_test_passport_new(&po, &passport);
        if (r < 0) {
                fprintf(stderr, "vicc-passport: cannot build the passport: %s\n", strerror(-r));
                return 1;
        }
        card = eg_test_card_new(passport);
        if (!card) {
                fprintf(stderr, "vicc-passport: out of memory\n");
                return 1;
        }
        eg_test_card_set_faults(card, &o.faults);

        fd = connect_vpcd(o.port);
        if (fd < 0) {
                fprintf(stderr, "vicc-passport: cannot connect to vpcd on port %u: %s\n", o.port,
                        strerror(-fd));
                return 1;
        }
        printf("ready\n");
        fflush(stdout);

        r = serve(fd, card);
        close(fd);
        eg_test_card_free(card);
        eg_test_passport_free(passport);
        eg_test_pki_free(pki);
        if (r < 0) {
                fprintf(stderr, "vicc-passport: vpcd connection: %s\n", strerror(-r));
                return 1;
        }
        return 0;
}
