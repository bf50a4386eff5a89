/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * MRZ parser.  The lines are first copied into one buffer (as DG1 stores
 * them), then every field is addressed by its absolute offset in a per-format
 * layout table, so the three formats share one validation path.
 *
 * Order of checks (tests rely on it): layout, character set, check digits
 * (document number, birth, expiry, optional, composite), then field
 * semantics in reading order.  Check digits come before semantics because a
 * check digit failure is the usual sign of an OCR misread and the most
 * useful thing to report.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "macro.h"
#include "mrz.h"

#define MRZ_MAX_CHARS 90 /* TD1: 3 x 30 */
#define MRZ_TEXT_LIMIT 256 /* longer input is refused without further scanning */

struct field {
        uint8_t pos; /* 0-based offset into the concatenated lines */
        uint8_t len; /* 0: the format has no such field */
};

struct layout {
        enum eg_mrz_format format;
        unsigned lines, width;
        struct field code, state, name;
        struct field number, number_cd, nationality;
        struct field birth, birth_cd, sex, expiry, expiry_cd;
        struct field optional1, optional1_cd, optional2;
        struct field composite;
        struct field composite_parts[4];
};

/* Offsets: line 2 of TD3 starts at 44, of TD2 at 36, lines 2/3 of TD1 at 30/60. */
static const struct layout layout_td3 = {
        .format = EG_MRZ_TD3,
        .lines = 2,
        .width = 44,
        .code = { 0, 2 },
        .state = { 2, 3 },
        .name = { 5, 39 },
        .number = { 44, 9 },
        .number_cd = { 53, 1 },
        .nationality = { 54, 3 },
        .birth = { 57, 6 },
        .birth_cd = { 63, 1 },
        .sex = { 64, 1 },
        .expiry = { 65, 6 },
        .expiry_cd = { 71, 1 },
        .optional1 = { 72, 14 },
        .optional1_cd = { 86, 1 },
        .composite = { 87, 1 },
        .composite_parts = { { 44, 10 }, { 57, 7 }, { 65, 22 } },
};

static const struct layout layout_td2 = {
        .format = EG_MRZ_TD2,
        .lines = 2,
        .width = 36,
        .code = { 0, 2 },
        .state = { 2, 3 },
        .name = { 5, 31 },
        .number = { 36, 9 },
        .number_cd = { 45, 1 },
        .nationality = { 46, 3 },
        .birth = { 49, 6 },
        .birth_cd = { 55, 1 },
        .sex = { 56, 1 },
        .expiry = { 57, 6 },
        .expiry_cd = { 63, 1 },
        .optional1 = { 64, 7 },
        .composite = { 71, 1 },
        .composite_parts = { { 36, 10 }, { 49, 7 }, { 57, 14 } },
};

static const struct layout layout_td1 = {
        .format = EG_MRZ_TD1,
        .lines = 3,
        .width = 30,
        .code = { 0, 2 },
        .state = { 2, 3 },
        .number = { 5, 9 },
        .number_cd = { 14, 1 },
        .optional1 = { 15, 15 },
        .birth = { 30, 6 },
        .birth_cd = { 36, 1 },
        .sex = { 37, 1 },
        .expiry = { 38, 6 },
        .expiry_cd = { 44, 1 },
        .nationality = { 45, 3 },
        .optional2 = { 48, 11 },
        .composite = { 59, 1 },
        .composite_parts = { { 5, 25 }, { 30, 7 }, { 38, 7 }, { 48, 11 } },
        .name = { 60, 30 },
};

static const struct layout *const layouts[] = { &layout_td1, &layout_td2, &layout_td3 };

struct parser {
        const struct layout *layout;
        const char *mrz; /* layout->lines * layout->width characters */
        const struct eg_date *today;
        struct eg_mrz_error *err;
};

_printf_(4, 5) static int fail_at(struct parser *p, enum eg_mrz_error_code code, size_t pos,
                                  const char *fmt, ...) {
        struct eg_mrz_error *err = p->err;
        va_list ap;

        if (!err)
                return -EBADMSG;

        err->code = code;
        err->line = (unsigned) (pos / p->layout->width) + 1;
        err->column = (unsigned) (pos % p->layout->width) + 1;

        int n = snprintf(err->message, sizeof(err->message), "line %u, column %u: ", err->line,
                         err->column);
        if (n < 0 || (size_t) n >= sizeof(err->message))
                return -EBADMSG;

        va_start(ap, fmt);
        (void) vsnprintf(err->message + n, sizeof(err->message) - (size_t) n, fmt, ap);
        va_end(ap);
        return -EBADMSG;
}

static bool is_mrz_char(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '<';
}

static bool is_letter(char c) {
        return c >= 'A' && c <= 'Z';
}

static bool is_digit(char c) {
        return c >= '0' && c <= '9';
}

static int char_value(char c) {
        if (is_digit(c))
                return c - '0';
        if (is_letter(c))
                return c - 'A' + 10;
        if (c == '<')
                return 0;
        return -1;
}

/* Running check digit: the weight cycle continues across appended parts. */
struct check_sum {
        unsigned sum, index;
};

static int check_sum_add(struct check_sum *cs, const char *s, size_t n) {
        static const unsigned weights[3] = { 7, 3, 1 };

        for (size_t i = 0; i < n; i++) {
                int v = char_value(s[i]);
                if (v < 0)
                        return -EINVAL;
                /* Reduced as we go: exact for any length, no wrap-around. */
                cs->sum = (cs->sum + (unsigned) v * weights[cs->index]) % 10;
                cs->index = (cs->index + 1) % 3;
        }
        return 0;
}

int eg_mrz_check_digit(const char *s, size_t n) {
        struct check_sum cs = {};

        if (!s && n > 0)
                return -EINVAL;
        if (check_sum_add(&cs, s, n) < 0)
                return -EINVAL;
        return (int) (cs.sum % 10);
}

static const char *field_at(const struct parser *p, struct field f) {
        return p->mrz + f.pos;
}

static bool all_fillers(const char *s, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (s[i] != '<')
                        return false;
        return true;
}

/* Copy n characters without trailing fillers; dst has room (checked by the
 * callers' static sizes, asserted here by truncation rather than overflow). */
static void copy_stripped(char *dst, size_t dst_size, const char *src, size_t n) {
        while (n > 0 && src[n - 1] == '<')
                n--;
        if (n >= dst_size)
                n = dst_size - 1;
        memcpy(dst, src, n);
        dst[n] = '\0';
}

/* Verify check digit character `cd` (at pos) against `computed`. */
static int verify_check_digit(struct parser *p, enum eg_mrz_error_code code, const char *what,
                              size_t pos, int computed) {
        char cd = p->mrz[pos];

        if (!is_digit(cd))
                return fail_at(p, code, pos, "%s check digit is not a digit, expected %d", what,
                               computed);
        if (cd - '0' != computed)
                return fail_at(p, code, pos, "%s check digit is %c, expected %d", what, cd,
                               computed);
        return 0;
}

struct document_number {
        bool is_long;
        size_t extension_len; /* characters continued in optional data 1, CD excluded */
        size_t optional1_skip; /* characters of optional data 1 used by the number */
        char cd;
};

static int check_document_number(struct parser *p, struct document_number *ret) {
        const struct layout *l = p->layout;
        const char *number = field_at(p, l->number);
        const char *cd = field_at(p, l->number_cd);
        struct check_sum cs = {};

        if (*cd != '<') {
                (void) check_sum_add(&cs, number, l->number.len);
                *ret = (struct document_number){ .cd = *cd };
                return verify_check_digit(p, EG_MRZ_E_CHECK_DIGIT_DOCUMENT_NUMBER,
                                          "document number", l->number_cd.pos, (int) (cs.sum % 10));
        }

        /* Long document number (Doc 9303 Parts 5/6, tolerated for TD3 too): the
         * first 9 characters are all significant, the rest continues at the
         * start of optional data 1 up to a filler, and the character before
         * that filler is the check digit over the whole number. */
        const char *opt = field_at(p, l->optional1);
        const char *end = memchr(opt, '<', l->optional1.len);
        size_t k = end ? (size_t) (end - opt) : 0;

        if (number[l->number.len - 1] == '<' || k < 2)
                return fail_at(p, EG_MRZ_E_CHECK_DIGIT_DOCUMENT_NUMBER, l->number_cd.pos,
                               "document number check digit is a filler but no long document "
                               "number follows in the optional data");

        (void) check_sum_add(&cs, number, l->number.len);
        (void) check_sum_add(&cs, opt, k - 1);
        *ret = (struct document_number){
                .is_long = true,
                .extension_len = k - 1,
                .optional1_skip = k + 1,
                .cd = opt[k - 1],
        };
        return verify_check_digit(p, EG_MRZ_E_CHECK_DIGIT_DOCUMENT_NUMBER, "document number",
                                  l->optional1.pos + k - 1, (int) (cs.sum % 10));
}

static int check_digits(struct parser *p, struct document_number *number) {
        const struct layout *l = p->layout;
        int r;

        r = check_document_number(p, number);
        if (r < 0)
                return r;

        r = verify_check_digit(p, EG_MRZ_E_CHECK_DIGIT_BIRTH, "birth date", l->birth_cd.pos,
                               eg_mrz_check_digit(field_at(p, l->birth), l->birth.len));
        if (r < 0)
                return r;

        r = verify_check_digit(p, EG_MRZ_E_CHECK_DIGIT_EXPIRY, "expiry date", l->expiry_cd.pos,
                               eg_mrz_check_digit(field_at(p, l->expiry), l->expiry.len));
        if (r < 0)
                return r;

        if (l->optional1_cd.len > 0) {
                const char *opt = field_at(p, l->optional1);
                /* TD3: an all-filler personal number may have '<' as its CD. */
                if (!(p->mrz[l->optional1_cd.pos] == '<' && all_fillers(opt, l->optional1.len))) {
                        r = verify_check_digit(p, EG_MRZ_E_CHECK_DIGIT_OPTIONAL, "personal number",
                                               l->optional1_cd.pos,
                                               eg_mrz_check_digit(opt, l->optional1.len));
                        if (r < 0)
                                return r;
                }
        }

        struct check_sum cs = {};
        for (size_t i = 0; i < ELEMENTSOF(l->composite_parts); i++)
                (void) check_sum_add(&cs, field_at(p, l->composite_parts[i]),
                                     l->composite_parts[i].len);
        return verify_check_digit(p, EG_MRZ_E_CHECK_DIGIT_COMPOSITE, "composite", l->composite.pos,
                                  (int) (cs.sum % 10));
}

static int parse_document_code(struct parser *p, struct eg_mrz *ret) {
        const struct layout *l = p->layout;
        const char *c = field_at(p, l->code);
        bool ok;

        if (l->format == EG_MRZ_TD3)
                ok = c[0] == 'P';
        else
                ok = c[0] == 'A' || c[0] == 'C' || c[0] == 'I';
        if (!ok)
                return fail_at(p, EG_MRZ_E_DOCUMENT_CODE, l->code.pos,
                               "document code not allowed in %s (expected %s; visas are not "
                               "supported)",
                               eg_mrz_format_to_string(l->format),
                               l->format == EG_MRZ_TD3 ? "P" : "A, C or I");
        if (!is_letter(c[1]) && c[1] != '<')
                return fail_at(p, EG_MRZ_E_DOCUMENT_CODE, l->code.pos + 1,
                               "second document code character must be a letter or filler");

        copy_stripped(ret->document_code, sizeof(ret->document_code), c, l->code.len);
        return 0;
}

static int parse_country(struct parser *p, struct field f, const char *what, char *dst,
                         size_t dst_size) {
        const char *c = field_at(p, f);
        bool filler_seen = false;

        if (!is_letter(c[0]))
                return fail_at(p, EG_MRZ_E_COUNTRY, f.pos, "%s must start with a letter", what);
        for (size_t i = 1; i < f.len; i++) {
                if (c[i] == '<')
                        filler_seen = true;
                else if (!is_letter(c[i]) || filler_seen)
                        return fail_at(p, EG_MRZ_E_COUNTRY, f.pos + i,
                                       "%s must be letters followed only by fillers", what);
        }

        copy_stripped(dst, dst_size, c, f.len);
        return 0;
}

static int parse_two_digits(const char *s) {
        return (s[0] - '0') * 10 + (s[1] - '0');
}

enum date_kind { DATE_BIRTH, DATE_EXPIRY };

static int parse_date(struct parser *p, struct field f, enum date_kind kind, struct eg_date *ret) {
        const char *what = kind == DATE_BIRTH ? "birth date" : "expiry date";
        const char *s = field_at(p, f);
        struct eg_date d = {};
        bool found = false;

        for (size_t i = 0; i < f.len; i++)
                if (s[i] == '<')
                        return fail_at(p, EG_MRZ_E_DATE_UNKNOWN, f.pos + i,
                                       "%s is (partly) unknown, which is not supported", what);
        for (size_t i = 0; i < f.len; i++)
                if (!is_digit(s[i]))
                        return fail_at(p, EG_MRZ_E_DATE, f.pos + i, "%s must be digits (YYMMDD)",
                                       what);

        int yy = parse_two_digits(s), mm = parse_two_digits(s + 2), dd = parse_two_digits(s + 4);
        int century = p->today->year - p->today->year % 100;

        if (kind == DATE_BIRTH) {
                /* The latest century that does not put the birth after today. */
                for (int c = century; c >= century - 100 && !found; c -= 100) {
                        d = (struct eg_date){ c + yy, mm, dd };
                        found = eg_date_is_valid(&d) && eg_date_compare(&d, p->today) <= 0;
                }
        } else {
                /* [today - 85 years, today + 15 years): expired documents still
                 * parse (policy rejects them), and no document is issued for
                 * more than 15 years.  today was range-checked by the caller. */
                struct eg_date lo, hi;
                (void) eg_date_add_years(p->today, -85, &lo);
                (void) eg_date_add_years(p->today, 15, &hi);
                for (int c = century + 100; c >= century - 100 && !found; c -= 100) {
                        d = (struct eg_date){ c + yy, mm, dd };
                        found = eg_date_is_valid(&d) && eg_date_compare(&d, &lo) >= 0 &&
                                eg_date_compare(&d, &hi) < 0;
                }
        }
        if (!found)
                return fail_at(p, EG_MRZ_E_DATE, f.pos, "%s is not a valid calendar date", what);

        *ret = d;
        return 0;
}

static int parse_name(struct parser *p, struct eg_mrz *ret) {
        const struct layout *l = p->layout;
        const char *s = field_at(p, l->name);
        size_t n = l->name.len, split = n;

        if (!is_letter(s[0]))
                return fail_at(p, EG_MRZ_E_NAME, l->name.pos,
                               "name must start with a letter (primary identifier)");
        for (size_t i = 0; i < n; i++)
                if (is_digit(s[i]))
                        return fail_at(p, EG_MRZ_E_NAME, l->name.pos + i,
                                       "name must not contain digits");

        for (size_t i = 0; i + 1 < n; i++)
                if (s[i] == '<' && s[i + 1] == '<') {
                        split = i;
                        break;
                }

        /* Primary identifier: single fillers separate its components. */
        copy_stripped(ret->primary_identifier, sizeof(ret->primary_identifier), s, split);
        for (char *c = ret->primary_identifier; *c; c++)
                if (*c == '<')
                        *c = ' ';

        /* Secondary identifier: any run of fillers becomes one space. */
        size_t o = 0;
        bool pending_space = false;
        for (size_t i = split + 2; i < n && o + 1 < sizeof(ret->secondary_identifier); i++) {
                if (s[i] == '<') {
                        pending_space = o > 0;
                        continue;
                }
                if (pending_space && o + 2 < sizeof(ret->secondary_identifier))
                        ret->secondary_identifier[o++] = ' ';
                pending_space = false;
                ret->secondary_identifier[o++] = s[i];
        }
        ret->secondary_identifier[o] = '\0';
        return 0;
}

static int parse_fields(struct parser *p, const struct document_number *number,
                        struct eg_mrz *ret) {
        const struct layout *l = p->layout;
        int r;

        ret->format = l->format;

        r = parse_document_code(p, ret);
        if (r < 0)
                return r;
        r = parse_country(p, l->state, "issuing state", ret->issuing_state,
                          sizeof(ret->issuing_state));
        if (r < 0)
                return r;

        const char *num = field_at(p, l->number);
        const char *opt1 = field_at(p, l->optional1);
        char *info = ret->mrz_information;
        if (number->is_long) {
                memcpy(ret->document_number, num, l->number.len);
                memcpy(ret->document_number + l->number.len, opt1, number->extension_len);
                ret->document_number[l->number.len + number->extension_len] = '\0';
                info = stpcpy(info, ret->document_number);
        } else {
                copy_stripped(ret->document_number, sizeof(ret->document_number), num,
                              l->number.len);
                if (ret->document_number[0] == '\0')
                        return fail_at(p, EG_MRZ_E_DOCUMENT_NUMBER, l->number.pos,
                                       "document number is empty");
                memcpy(info, num, l->number.len);
                info += l->number.len;
        }
        *info++ = number->cd;
        info = mempcpy(info, field_at(p, l->birth), l->birth.len);
        *info++ = p->mrz[l->birth_cd.pos];
        info = mempcpy(info, field_at(p, l->expiry), l->expiry.len);
        *info++ = p->mrz[l->expiry_cd.pos];
        *info = '\0';

        copy_stripped(ret->optional_data1, sizeof(ret->optional_data1),
                      opt1 + number->optional1_skip, l->optional1.len - number->optional1_skip);
        copy_stripped(ret->optional_data2, sizeof(ret->optional_data2), field_at(p, l->optional2),
                      l->optional2.len);

        /* Reading order differs between TD1 and TD2/TD3; either is fine as
         * long as it is deterministic. */
        if (l->format != EG_MRZ_TD1) {
                r = parse_country(p, l->nationality, "nationality", ret->nationality,
                                  sizeof(ret->nationality));
                if (r < 0)
                        return r;
        }

        r = parse_date(p, l->birth, DATE_BIRTH, &ret->birth_date);
        if (r < 0)
                return r;

        char sex = p->mrz[l->sex.pos];
        if (sex != 'M' && sex != 'F' && sex != 'X' && sex != '<')
                return fail_at(p, EG_MRZ_E_SEX, l->sex.pos, "sex must be M, F, X or filler");
        ret->sex = sex;

        r = parse_date(p, l->expiry, DATE_EXPIRY, &ret->expiry_date);
        if (r < 0)
                return r;
        if (eg_date_compare(&ret->expiry_date, &ret->birth_date) < 0)
                return fail_at(p, EG_MRZ_E_DATE, l->expiry.pos,
                               "expiry date is before the birth date");

        if (l->format == EG_MRZ_TD1) {
                r = parse_country(p, l->nationality, "nationality", ret->nationality,
                                  sizeof(ret->nationality));
                if (r < 0)
                        return r;
        }

        return parse_name(p, ret);
}

static int today_usable(const struct eg_date *today) {
        struct eg_date tmp;

        /* The expiry window must be representable. */
        if (!eg_date_is_valid(today) || eg_date_add_years(today, -85, &tmp) < 0 ||
            eg_date_add_years(today, 15, &tmp) < 0)
                return -EINVAL;
        return 0;
}

static int parse_layout(const struct layout *l, const char *mrz, const struct eg_date *today,
                        struct eg_mrz *ret, struct eg_mrz_error *err) {
        struct parser p = { .layout = l, .mrz = mrz, .today = today, .err = err };
        struct document_number number = {};
        struct eg_mrz m = {};
        int r;

        for (size_t i = 0; i < l->lines * l->width; i++)
                if (!is_mrz_char(mrz[i]))
                        return fail_at(&p, EG_MRZ_E_CHARSET, i,
                                       "character not allowed (only A-Z, 0-9 and '<')");

        r = check_digits(&p, &number);
        if (r < 0)
                return r;

        r = parse_fields(&p, &number, &m);
        if (r < 0) {
                eg_mrz_wipe(&m);
                return r;
        }

        *ret = m;
        eg_mrz_wipe(&m);
        if (err)
                *err = (struct eg_mrz_error){ .code = EG_MRZ_OK };
        return 0;
}

_printf_(2, 3) static int fail_layout(struct eg_mrz_error *err, const char *fmt, ...) {
        va_list ap;

        if (!err)
                return -EBADMSG;
        *err = (struct eg_mrz_error){ .code = EG_MRZ_E_LAYOUT };
        va_start(ap, fmt);
        (void) vsnprintf(err->message, sizeof(err->message), fmt, ap);
        va_end(ap);
        return -EBADMSG;
}

int eg_mrz_parse_concatenated(const char *buf, size_t len, const struct eg_date *today,
                              struct eg_mrz *ret, struct eg_mrz_error *err) {
        if (!buf || !ret || today_usable(today) < 0)
                return -EINVAL;

        for (size_t i = 0; i < ELEMENTSOF(layouts); i++)
                if (len == layouts[i]->lines * layouts[i]->width)
                        return parse_layout(layouts[i], buf, today, ret, err);

        return fail_layout(
                err, "MRZ data is %zu characters, expected 90 (TD1), 72 (TD2) or 88 (TD3)", len);
}

int eg_mrz_parse(const char *text, const struct eg_date *today, struct eg_mrz *ret,
                 struct eg_mrz_error *err) {
        size_t start[4], length[4], count = 0;
        char mrz[MRZ_MAX_CHARS];

        if (!text || !ret || today_usable(today) < 0)
                return -EINVAL;

        size_t n = strnlen(text, MRZ_TEXT_LIMIT + 1);
        if (n > MRZ_TEXT_LIMIT)
                return fail_layout(err, "MRZ text is longer than %d characters", MRZ_TEXT_LIMIT);

        /* Split at '\n' (a '\r' right before it belongs to the break); one
         * trailing break ends the last line rather than starting an empty one. */
        size_t s = 0;
        for (size_t i = 0; i <= n; i++) {
                if (i < n && text[i] != '\n')
                        continue;
                if (i == n && s == n && count > 0)
                        break; /* the single trailing break */
                size_t e = i;
                if (i < n && e > s && text[e - 1] == '\r')
                        e--;
                if (count == ELEMENTSOF(start))
                        return fail_layout(err, "MRZ has more than 3 lines");
                start[count] = s;
                length[count] = e - s;
                count++;
                s = i + 1;
        }

        for (size_t i = 0; i < ELEMENTSOF(layouts); i++) {
                const struct layout *l = layouts[i];
                bool match = count == l->lines;

                for (size_t j = 0; match && j < count; j++)
                        match = length[j] == l->width;
                if (!match)
                        continue;

                for (size_t j = 0; j < count; j++)
                        memcpy(mrz + j * l->width, text + start[j], l->width);
                int r = parse_layout(l, mrz, today, ret, err);
                explicit_bzero(mrz, sizeof(mrz));
                return r;
        }

        char lengths[64] = "";
        for (size_t j = 0, o = 0; j < count && o < sizeof(lengths); j++) {
                int w = snprintf(lengths + o, sizeof(lengths) - o, "%s%zu", j ? ", " : "",
                                 length[j]);
                if (w < 0)
                        break;
                o += (size_t) w;
        }
        return fail_layout(err,
                           "expected 3 lines of 30 (TD1), 2 of 36 (TD2) or 2 of 44 (TD3) "
                           "characters, got %zu line(s) of %s characters",
                           count, lengths);
}

bool eg_mrz_equal_data(const struct eg_mrz *a, const struct eg_mrz *b) {
        if (!a || !b)
                return false;

        return a->format == b->format && streq(a->document_code, b->document_code) &&
               streq(a->issuing_state, b->issuing_state) &&
               streq(a->document_number, b->document_number) &&
               streq(a->nationality, b->nationality) &&
               eg_date_compare(&a->birth_date, &b->birth_date) == 0 && a->sex == b->sex &&
               eg_date_compare(&a->expiry_date, &b->expiry_date) == 0 &&
               streq(a->optional_data1, b->optional_data1) &&
               streq(a->optional_data2, b->optional_data2) &&
               streq(a->primary_identifier, b->primary_identifier) &&
               streq(a->secondary_identifier, b->secondary_identifier) &&
               streq(a->mrz_information, b->mrz_information);
}

void eg_mrz_wipe(struct eg_mrz *m) {
        if (m)
                explicit_bzero(m, sizeof(*m));
}

const char *eg_mrz_format_to_string(enum eg_mrz_format f) {
        switch (f) {
        case EG_MRZ_TD1:
                return "TD1";
        case EG_MRZ_TD2:
                return "TD2";
        case EG_MRZ_TD3:
                return "TD3";
        default:
                return "invalid";
        }
}

const char *eg_mrz_error_code_to_string(enum eg_mrz_error_code c) {
        static const char *const names[_EG_MRZ_E_MAX] = {
                [EG_MRZ_OK] = "ok",
                [EG_MRZ_E_LAYOUT] = "layout",
                [EG_MRZ_E_CHARSET] = "charset",
                [EG_MRZ_E_CHECK_DIGIT_DOCUMENT_NUMBER] = "check-digit-document-number",
                [EG_MRZ_E_CHECK_DIGIT_BIRTH] = "check-digit-birth",
                [EG_MRZ_E_CHECK_DIGIT_EXPIRY] = "check-digit-expiry",
                [EG_MRZ_E_CHECK_DIGIT_OPTIONAL] = "check-digit-optional",
                [EG_MRZ_E_CHECK_DIGIT_COMPOSITE] = "check-digit-composite",
                [EG_MRZ_E_DOCUMENT_CODE] = "document-code",
                [EG_MRZ_E_DOCUMENT_NUMBER] = "document-number",
                [EG_MRZ_E_COUNTRY] = "country",
                [EG_MRZ_E_DATE] = "date",
                [EG_MRZ_E_DATE_UNKNOWN] = "date-unknown",
                [EG_MRZ_E_SEX] = "sex",
                [EG_MRZ_E_NAME] = "name",
        };

        if ((unsigned) c >= _EG_MRZ_E_MAX || !names[c])
                return "unknown";
        return names[c];
}
