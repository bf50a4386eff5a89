/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Reading elementary files: SELECT, a first READ BINARY of a whole chunk
 * (most files fit in one, and a chip answers a short file with what it has)
 * whose TLV header tells the size, checked against a limit before anything
 * is allocated; a chip that refuses a chunk longer than the file gets the
 * classic 4-byte header probe instead; then READ BINARY in the largest
 * chunks the chip takes:
 * extended length when its ATR says so, else 0xDF bytes, which keep a
 * protected answer within a short APDU.  Offsets beyond 32767 use the odd
 * READ BINARY (B1) with an offset data object.  Each file has a time bound.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "chip-session-internal.h"
#include "lds.h"
#include "log.h"
#include "tlv.h"

#define SHORT_CHUNK 0xDFu
#define HEADER_PROBE 4u
#define B0_MAX_OFFSET 0x7FFFu

static void read_next(struct eg_chip_session *s);

static void file_finish(struct eg_chip_session *s, int r) {
        struct chip_file_reader *f = &s->file;
        chip_file_done_fn done = f->done;

        if (r == 0) {
                f->target->data = f->buf;
                f->target->len = f->size;
        } else if (f->buf) {
                eg_wipe(f->buf, f->size);
                free(f->buf);
        }
        f->buf = NULL;
        f->done = NULL;
        done(s, r);
}

/* Tag and length from the first bytes: 1 with the file size, 0 if more
 * bytes are needed, -EBADMSG if it cannot be a TLV header. */
static int parse_header(const uint8_t *b, size_t n, size_t *ret_size) {
        size_t tag_len = 1, len_len, length = 0;

        if (n < 1)
                return 0;
        if (b[0] == 0x00 || b[0] == 0xFF)
                return -EBADMSG;
        if ((b[0] & 0x1F) == 0x1F) {
                while (tag_len < n && tag_len < 3 && (b[tag_len] & 0x80))
                        tag_len++;
                if (tag_len >= n)
                        return n >= 4 ? -EBADMSG : 0;
                tag_len++;
        }
        if (tag_len >= n)
                return 0;
        if (b[tag_len] < 0x80) {
                *ret_size = tag_len + 1 + b[tag_len];
                return 1;
        }
        len_len = b[tag_len] & 0x7F;
        if (len_len == 0 || len_len > 3) /* indefinite, or 16 MiB and more */
                return -EBADMSG;
        if (n < tag_len + 1 + len_len)
                return 0;
        for (size_t i = 0; i < len_len; i++)
                length = length << 8 | b[tag_len + 1 + i];
        *ret_size = tag_len + 1 + len_len + length;
        return 1;
}

static size_t chunk_size(const struct eg_chip_session *s) {
        return s->extended ? s->options.extended_chunk : SHORT_CHUNK;
}

static void on_chunk(struct eg_chip_session *s, const uint8_t *data, size_t len, uint16_t sw) {
        struct chip_file_reader *f = &s->file;
        struct eg_tlv t;
        int r;

        if (sw == EG_SW_WRONG_LENGTH && f->asked > EG_APDU_SHORT_MAX_LE && s->extended &&
            !eg_sm_active(&s->sm)) {
                /* The chip (or the reader) does not take long answers after all.  Under
                 * secure messaging this is no option: whether the chip counted the
                 * refused command in its SSC is unknowable. */
                log_device(LOG_INFO, 0, s->device_id,
                           "extended-length READ BINARY refused: continuing with short APDUs");
                s->extended = s->result->extended_length = false;
                read_next(s);
                return;
        }
        if (f->size == 0 && f->have == 0 && !f->header_probe && f->asked > HEADER_PROBE &&
            (sw == EG_SW_WRONG_LENGTH || sw == EG_SW_WRONG_P1P2 || (sw & 0xFF00u) == 0x6C00u)) {
                /* Some chips refuse a READ BINARY longer than the file: ask for the
                 * header alone, then for exactly what is left. */
                f->header_probe = true;
                read_next(s);
                return;
        }
        if (sw == EG_SW_END_OF_FILE && len == 0 && f->size > 0) {
                file_finish(s, -ENODATA);
                return;
        }
        if ((sw != EG_SW_OK && sw != EG_SW_END_OF_FILE) || len == 0) {
                log_device(LOG_NOTICE, 0, s->device_id, "READ BINARY of %s: SW %04X, %zu bytes",
                           f->name, sw, len);
                file_finish(s, -EIO);
                return;
        }
        if (f->have > B0_MAX_OFFSET) {
                /* B1 answers carry the data in a discretionary data object 53. */
                if (eg_tlv_parse(data, len, &t) < 0 || t.tag != 0x53 ||
                    t.header_length + t.length != len || t.length == 0) {
                        file_finish(s, -EBADMSG);
                        return;
                }
                data = t.value;
                len = t.length;
        }

        if (f->size == 0) {
                /* Still reading the header. */
                size_t size = 0, room = sizeof(f->header) - f->have, n = len < room ? len : room;

                memcpy(f->header + f->have, data, n);
                f->have += n;
                r = parse_header(f->header, f->have, &size);
                if (r < 0 || (r == 0 && f->have >= sizeof(f->header))) {
                        file_finish(s, -EBADMSG);
                        return;
                }
                if (r == 0) {
                        read_next(s);
                        return;
                }
                if (size > s->options.max_file_size) {
                        log_device(LOG_NOTICE, 0, s->device_id,
                                   "%s claims %zu bytes, more than the %zu allowed", f->name, size,
                                   s->options.max_file_size);
                        file_finish(s, -EFBIG);
                        return;
                }
                f->buf = malloc(size);
                if (!f->buf) {
                        file_finish(s, -ENOMEM);
                        return;
                }
                f->size = size;
                if (f->have > size)
                        f->have = size;
                memcpy(f->buf, f->header, f->have);
                /* The rest of this answer, if the chip sent more than the header. */
                if (len > n) {
                        size_t more = len - n < size - f->have ? len - n : size - f->have;
                        memcpy(f->buf + f->have, data + n, more);
                        f->have += more;
                }
                read_next(s);
                return;
        }

        if (len > f->size - f->have)
                len = f->size - f->have; /* a chip that sends more than asked: ignore the rest */
        memcpy(f->buf + f->have, data, len);
        f->have += len;
        read_next(s);
}

static void read_next(struct eg_chip_session *s) {
        struct chip_file_reader *f = &s->file;
        struct eg_capdu c = { .ins = 0xB0 };
        size_t want;

        if (f->size > 0 && f->have >= f->size) {
                file_finish(s, 0);
                return;
        }
        if (chip_now_usec() - f->started_usec > (uint64_t) s->options.file_timeout_ms * 1000u) {
                file_finish(s, -ETIMEDOUT);
                return;
        }
        if (f->size == 0 && f->have == 0 && !f->header_probe)
                want = chunk_size(s);
        else if (f->size == 0)
                want = HEADER_PROBE * (f->have > 0 ? 2 : 1) - f->have;
        else {
                want = f->size - f->have;
                if (want > chunk_size(s))
                        want = chunk_size(s);
        }
        f->asked = want;

        if (f->have <= B0_MAX_OFFSET) {
                c.p1 = (uint8_t) (f->have >> 8);
                c.p2 = (uint8_t) f->have;
                c.le = (uint32_t) want;
        } else {
                /* READ BINARY B1 on the current EF: offset in DO54. */
                uint8_t off[4] = { (uint8_t) (f->have >> 16), (uint8_t) (f->have >> 8),
                                   (uint8_t) f->have };
                size_t n = f->have > 0xFFFF ? 3 : 2;
                s->cmd[0] = 0x54;
                s->cmd[1] = (uint8_t) n;
                memcpy(s->cmd + 2, n == 3 ? off : off + 1, n);
                c.ins = 0xB1;
                c.data = s->cmd;
                c.lc = 2 + n;
                /* Room for the 53 header around the data; short answers stay
                 * within a short protected APDU. */
                c.le = (uint32_t) (want + 4);
                if (!s->extended && c.le > SHORT_CHUNK)
                        c.le = SHORT_CHUNK;
                f->asked = c.le;
        }
        (void) chip_send(s, &c, "READ BINARY", on_chunk);
}

static void on_selected(struct eg_chip_session *s, const uint8_t *data, size_t len, uint16_t sw) {
        if (sw == EG_SW_FILE_NOT_FOUND) {
                file_finish(s, -ENOENT);
                return;
        }
        if (sw == EG_SW_SECURITY_NOT_SATISFIED) {
                file_finish(s, -EACCES);
                return;
        }
        if (sw != EG_SW_OK) {
                log_device(LOG_NOTICE, 0, s->device_id, "SELECT %s: SW %04X", s->file.name, sw);
                file_finish(s, -EIO);
                return;
        }
        read_next(s);
}

void chip_read_file(struct eg_chip_session *s, uint16_t fid, const char *name,
                    struct eg_chip_file *target, chip_file_done_fn done) {
        struct chip_file_reader *f = &s->file;

        *f = (struct chip_file_reader){ .fid = fid,
                                        .name = name,
                                        .target = target,
                                        .done = done,
                                        .started_usec = chip_now_usec() };
        s->cmd[0] = (uint8_t) (fid >> 8);
        s->cmd[1] = (uint8_t) fid;
        struct eg_capdu c = { .ins = 0xA4, .p1 = 0x02, .p2 = 0x0C, .data = s->cmd, .lc = 2 };
        (void) chip_send(s, &c, "SELECT EF", on_selected);
}

/* --- the reading plan --- */

static const char *const dg_names[EG_DG_MAX + 1] = {
        "",    "DG1",  "DG2",  "DG3",  "DG4",  "DG5",  "DG6",  "DG7",  "DG8",
        "DG9", "DG10", "DG11", "DG12", "DG13", "DG14", "DG15", "DG16",
};

static void read_next_file(struct eg_chip_session *s);

static bool file_problem(struct eg_chip_session *s, const char *name, int r) {
        switch (r) {
        case 0:
                return false;
        case -ETIMEDOUT:
                s->timed_out = true;
                chip_fail(s, EG_CHECK_ABORTED, EG_REASON_CHIP_TIMEOUT,
                          "reading %s took longer than %u ms", name, s->options.file_timeout_ms);
                return true;
        case -EBADMSG:
                chip_fail(s, EG_CHECK_FAILED, EG_REASON_CHIP_READ_FAIL,
                          "%s: malformed length header", name);
                return true;
        case -EFBIG:
                chip_fail(s, EG_CHECK_FAILED, EG_REASON_CHIP_READ_FAIL, "%s: larger than %zu bytes",
                          name, s->options.max_file_size);
                return true;
        case -ENODATA:
                chip_fail(s, EG_CHECK_FAILED, EG_REASON_CHIP_READ_FAIL,
                          "%s: shorter than its length header", name);
                return true;
        case -EACCES:
                chip_fail(s, EG_CHECK_FAILED, EG_REASON_CHIP_READ_FAIL,
                          "%s: access refused by the chip", name);
                return true;
        case -ENOENT:
                chip_fail(s, EG_CHECK_FAILED, EG_REASON_CHIP_DG_MISSING, "%s not found", name);
                return true;
        default:
                chip_fail(s, EG_CHECK_FAILED, EG_REASON_CHIP_READ_FAIL, "%s: %s", name,
                          r == -EIO ? "the chip refused to read it" : strerror(-r));
                return true;
        }
}

static void reading_done(struct eg_chip_session *s) {
        struct eg_chip_read_result *r = s->result;
        const struct eg_chip_file *dg1 = &r->dg[1];
        struct eg_lds_error err = {};
        struct eg_date today;
        time_t now = s->options.check_time ? s->options.check_time : time(NULL);
        struct tm tm;
        unsigned n = 0;
        size_t bytes = r->com.len + r->sod.len;

        for (unsigned i = 1; i <= EG_DG_MAX; i++)
                if (r->dg[i].data) {
                        n++;
                        bytes += r->dg[i].len;
                }
        gmtime_r(&now, &tm);
        today = (struct eg_date){ tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday };
        if (eg_lds_parse_dg1(dg1->data, dg1->len, &today, &r->mrz, &err) == 0) {
                r->have_mrz = true;
                eg_check_set(&r->read, EG_CHECK_SUCCESSFUL, NULL,
                             "%u data groups and EF.SOD, %zu bytes", n, bytes);
        } else
                eg_check_set(&r->read, EG_CHECK_FAILED, EG_REASON_CHIP_READ_FAIL,
                             "DG1 does not hold a valid MRZ: %s", err.message);
        chip_start_verification(s);
}

static void on_sod(struct eg_chip_session *s, int r) {
        if (file_problem(s, "EF.SOD", r))
                return;
        reading_done(s);
}

static void on_dg(struct eg_chip_session *s, int r) {
        unsigned dg = 0;

        for (unsigned i = 1; i <= EG_DG_MAX; i++)
                if (s->file.target == &s->result->dg[i])
                        dg = i;
        /* Optional data groups may be listed and still be absent or protected. */
        if ((r == -ENOENT || r == -EACCES) && dg != 1 && dg != 2) {
                log_device(LOG_DEBUG, 0, s->device_id, "%s not readable (%s): skipped",
                           dg_names[dg], strerror(-r));
                r = 0;
        }
        if (file_problem(s, dg_names[dg], r))
                return;
        read_next_file(s);
}

static void read_next_file(struct eg_chip_session *s) {
        for (unsigned dg = 1; dg <= EG_DG_MAX; dg++)
                if (s->to_read & (UINT32_C(1) << dg)) {
                        s->to_read &= ~(UINT32_C(1) << dg);
                        chip_read_file(s, (uint16_t) (0x0100 + dg), dg_names[dg],
                                       &s->result->dg[dg], on_dg);
                        return;
                }
        chip_read_file(s, EG_LDS_FID_SOD, "EF.SOD", &s->result->sod, on_sod);
}

static void on_com(struct eg_chip_session *s, int r) {
        uint32_t wanted = (UINT32_C(1) << 1) | (UINT32_C(1) << 2) | (UINT32_C(1) << 11) |
                          (UINT32_C(1) << 12) | (UINT32_C(1) << 14) | (UINT32_C(1) << 15);
        struct eg_lds_com com;
        struct eg_lds_error err = {};

        wanted |= s->options.extra_dgs & ~UINT32_C(1); /* bit 0 is no DG */
        if (s->options.skip_dg2)
                wanted &= ~(UINT32_C(1) << 2);
        /* DG3 and DG4 need Terminal Authentication, which we do not run. */
        wanted &= ~((UINT32_C(1) << 3) | (UINT32_C(1) << 4));

        if (r == -ENOENT) {
                /* EF.COM is deprecated (LDS 1.8): try what we want, skip what is absent. */
                s->to_read = wanted;
        } else if (file_problem(s, "EF.COM", r))
                return;
        else if (eg_lds_parse_com(s->result->com.data, s->result->com.len, &com, &err) < 0) {
                chip_fail(s, EG_CHECK_FAILED, EG_REASON_CHIP_READ_FAIL, "EF.COM: %s", err.message);
                return;
        } else
                /* DG1 and DG2 are mandatory whatever EF.COM says. */
                s->to_read = (wanted & com.dg_mask) | (UINT32_C(1) << 1) |
                             (s->options.skip_dg2 ? 0 : UINT32_C(1) << 2);
        read_next_file(s);
}

void chip_start_reading(struct eg_chip_session *s) {
        chip_enter_phase(s, CHIP_PHASE_READ);
        chip_read_file(s, EG_LDS_FID_COM, "EF.COM", &s->result->com, on_com);
}
