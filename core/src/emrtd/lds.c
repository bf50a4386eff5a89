/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * LDS file identifiers, the shared TLV walking helpers, and the parsers for
 * the files that need no more than structure checks: EF.COM, DG1, DG11, DG12,
 * DG14, DG15 and EF.SOD.  DG2 lives in lds-dg2.c.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lds-internal.h"

/* Template tags of DG1..DG16 (Doc 9303 Part 10, table of LDS data groups). */
static const uint8_t dg_tags[EG_LDS_DG_MAX] = {
        0x61, 0x75, 0x63, 0x76, 0x65, 0x66, 0x67, 0x68,
        0x69, 0x6A, 0x6B, 0x6C, 0x6D, 0x6E, 0x6F, 0x70,
};

static bool dg_valid(int dg) {
        return dg >= EG_LDS_DG_MIN && dg <= EG_LDS_DG_MAX;
}

int eg_lds_file_id_for_dg(int dg) {
        return dg_valid(dg) ? 0x0100 + dg : -EINVAL;
}

int eg_lds_short_file_id_for_dg(int dg) {
        return dg_valid(dg) ? dg : -EINVAL;
}

int eg_lds_tag_for_dg(int dg) {
        return dg_valid(dg) ? dg_tags[dg - 1] : -EINVAL;
}

int eg_lds_dg_for_tag(uint32_t tag) {
        for (int i = 0; i < EG_LDS_DG_MAX; i++)
                if (dg_tags[i] == tag)
                        return i + 1;
        return -ENOENT;
}

int eg_lds_dg_for_file_id(uint16_t fid) {
        int dg = fid - 0x0100;
        return dg_valid(dg) ? dg : -ENOENT;
}

/* --- helpers shared with lds-dg2.c --- */

int lds_fail(struct lds_parser *p, enum eg_lds_error_code code, const uint8_t *at, const char *fmt,
             ...) {
        struct eg_lds_error *err = p->err;
        va_list ap;

        if (!err)
                return -EBADMSG;

        err->code = code;
        err->offset = at ? (size_t) (at - p->base) : 0;
        int n = snprintf(err->message, sizeof(err->message), "%s, offset %zu: ", p->file,
                         err->offset);
        if (n < 0 || (size_t) n >= sizeof(err->message))
                return -EBADMSG;

        va_start(ap, fmt);
        (void) vsnprintf(err->message + n, sizeof(err->message) - (size_t) n, fmt, ap);
        va_end(ap);
        return -EBADMSG;
}

int lds_open_template(struct lds_parser *p, const uint8_t *buf, size_t len, uint32_t tag,
                      struct eg_tlv *ret) {
        struct eg_tlv t;

        if (eg_tlv_parse(buf, len, &t) < 0)
                return lds_fail(p, EG_LDS_E_TLV, buf,
                                "malformed TLV header, or value longer than the %zu bytes given",
                                len);
        if (t.tag != tag)
                return lds_fail(p, EG_LDS_E_TAG, buf, "expected tag %X, found %X", tag, t.tag);
        if (t.header_length + t.length != len)
                return lds_fail(p, EG_LDS_E_TRAILING, t.value + t.length,
                                "%zu bytes after the template", len - t.header_length - t.length);
        *ret = t;
        return 0;
}

int lds_next(struct lds_parser *p, const struct eg_tlv *parent, size_t *offset,
             struct eg_tlv *ret) {
        size_t at = *offset;
        int r = eg_tlv_next(parent->value, parent->length, offset, ret);
        if (r < 0)
                return lds_fail(p, EG_LDS_E_TLV, parent->value + at, "malformed TLV inside tag %X",
                                parent->tag);
        return r;
}

int lds_expect_next(struct lds_parser *p, const struct eg_tlv *parent, size_t *offset, uint32_t tag,
                    struct eg_tlv *ret) {
        size_t at = *offset;
        int r = lds_next(p, parent, offset, ret);
        if (r < 0)
                return r;
        if (r == 0)
                return lds_fail(p, EG_LDS_E_MISSING, parent->value + at,
                                "tag %X missing inside tag %X", tag, parent->tag);
        if (ret->tag != tag)
                return lds_fail(p, EG_LDS_E_TAG, parent->value + at,
                                "expected tag %X inside tag %X, found %X", tag, parent->tag,
                                ret->tag);
        return 0;
}

int lds_expect_end(struct lds_parser *p, const struct eg_tlv *parent, size_t offset) {
        if (offset != parent->length)
                return lds_fail(p, EG_LDS_E_TRAILING, parent->value + offset,
                                "unexpected data after the last element of tag %X", parent->tag);
        return 0;
}

int lds_single_child(struct lds_parser *p, const struct eg_tlv *parent, uint32_t tag,
                     struct eg_tlv *ret) {
        size_t offset = 0;
        int r = lds_expect_next(p, parent, &offset, tag, ret);
        if (r < 0)
                return r;
        return lds_expect_end(p, parent, offset);
}

int lds_integer(struct lds_parser *p, const struct eg_tlv *t, uint32_t *ret) {
        const uint8_t *v = t->value;

        if (t->constructed || t->length < 1 || t->length > 4)
                return lds_fail(p, EG_LDS_E_VALUE, v, "tag %X: integer of %zu bytes", t->tag,
                                t->length);
        if (v[0] & 0x80)
                return lds_fail(p, EG_LDS_E_VALUE, v, "tag %X: negative integer", t->tag);
        if (t->length > 1 && v[0] == 0 && !(v[1] & 0x80))
                return lds_fail(p, EG_LDS_E_VALUE, v, "tag %X: integer not minimally encoded",
                                t->tag);

        uint32_t x = 0;
        for (size_t i = 0; i < t->length; i++)
                x = (x << 8) | v[i];
        *ret = x;
        return 0;
}

static void clear_error(struct eg_lds_error *err) {
        if (err)
                *err = (struct eg_lds_error){ .code = EG_LDS_OK };
}

/* --- EF.COM --- */

static int parse_tag_list(struct lds_parser *p, const uint8_t *buf, size_t len,
                          uint32_t *ret_mask) {
        uint32_t mask = 0;

        for (size_t off = 0; off < len;) {
                uint32_t tag;
                size_t n;

                if (eg_tlv_parse_tag(buf + off, len - off, &tag, &n) < 0)
                        return lds_fail(p, EG_LDS_E_VALUE, buf + off, "malformed tag in tag list");
                int dg = eg_lds_dg_for_tag(tag);
                if (dg < 0)
                        return lds_fail(p, EG_LDS_E_VALUE, buf + off,
                                        "tag list entry %X is not a data group", tag);
                if (mask & (UINT32_C(1) << dg))
                        return lds_fail(p, EG_LDS_E_DUPLICATE, buf + off,
                                        "DG%d listed twice in tag list", dg);
                mask |= UINT32_C(1) << dg;
                off += n;
        }

        *ret_mask = mask;
        return 0;
}

int eg_lds_parse_tag_list(const uint8_t *buf, size_t len, uint32_t *ret_mask,
                          struct eg_lds_error *err) {
        struct lds_parser p = { .base = buf, .file = "tag list", .err = err };
        int r;

        if ((!buf && len > 0) || !ret_mask)
                return -EINVAL;

        r = parse_tag_list(&p, buf, len, ret_mask);
        if (r < 0)
                return r;
        clear_error(err);
        return 0;
}

static int copy_digits(struct lds_parser *p, const struct eg_tlv *t, char *dst, size_t n) {
        if (t->constructed || t->length != n)
                return lds_fail(p, EG_LDS_E_VALUE, t->value,
                                "tag %X: expected %zu digits, found %zu bytes", t->tag, n,
                                t->length);
        for (size_t i = 0; i < n; i++)
                if (t->value[i] < '0' || t->value[i] > '9')
                        return lds_fail(p, EG_LDS_E_VALUE, t->value + i, "tag %X: not a digit",
                                        t->tag);
        memcpy(dst, t->value, n);
        dst[n] = '\0';
        return 0;
}

int eg_lds_parse_com(const uint8_t *buf, size_t len, struct eg_lds_com *ret,
                     struct eg_lds_error *err) {
        struct lds_parser p = { .base = buf, .file = "EF.COM", .err = err };
        struct eg_lds_com com = {};
        struct eg_tlv outer, t;
        bool have_lds = false, have_unicode = false, have_list = false;
        size_t off = 0;
        int r;

        if (!buf || !ret)
                return -EINVAL;

        r = lds_open_template(&p, buf, len, EG_LDS_TAG_COM, &outer);
        if (r < 0)
                return r;

        while ((r = lds_next(&p, &outer, &off, &t)) > 0) {
                bool *seen;

                switch (t.tag) {
                case 0x5F01:
                        seen = &have_lds;
                        r = copy_digits(&p, &t, com.lds_version, 4);
                        break;
                case 0x5F36:
                        seen = &have_unicode;
                        r = copy_digits(&p, &t, com.unicode_version, 6);
                        break;
                case 0x5C:
                        seen = &have_list;
                        if (t.constructed)
                                return lds_fail(&p, EG_LDS_E_VALUE, t.value - t.header_length,
                                                "tag list must be primitive");
                        r = parse_tag_list(&p, t.value, t.length, &com.dg_mask);
                        break;
                default:
                        return lds_fail(&p, EG_LDS_E_TAG, t.value - t.header_length,
                                        "unexpected tag %X", t.tag);
                }
                if (r < 0)
                        return r;
                if (*seen)
                        return lds_fail(&p, EG_LDS_E_DUPLICATE, t.value - t.header_length,
                                        "tag %X appears twice", t.tag);
                *seen = true;
        }
        if (r < 0)
                return r;

        if (!have_lds || !have_unicode || !have_list)
                return lds_fail(&p, EG_LDS_E_MISSING, buf, "%s missing",
                                !have_lds       ? "LDS version (5F01)"
                                : !have_unicode ? "Unicode version (5F36)"
                                                : "tag list (5C)");

        *ret = com;
        clear_error(err);
        return 0;
}

/* --- DG1 --- */

int eg_lds_parse_dg1(const uint8_t *buf, size_t len, const struct eg_date *today,
                     struct eg_mrz *ret, struct eg_lds_error *err) {
        struct lds_parser p = { .base = buf, .file = "DG1", .err = err };
        struct eg_tlv outer, mrz;
        struct eg_mrz_error merr = {};
        int r;

        if (!buf || !ret || !today)
                return -EINVAL;

        r = lds_open_template(&p, buf, len, eg_lds_tag_for_dg(1), &outer);
        if (r < 0)
                return r;
        r = lds_single_child(&p, &outer, 0x5F1F, &mrz);
        if (r < 0)
                return r;
        if (mrz.constructed)
                return lds_fail(&p, EG_LDS_E_VALUE, mrz.value - mrz.header_length,
                                "MRZ data object must be primitive");

        r = eg_mrz_parse_concatenated((const char *) mrz.value, mrz.length, today, ret, &merr);
        if (r == -EINVAL)
                return r;
        if (r < 0) {
                /* The MRZ message has positions only, no content. */
                r = lds_fail(&p, EG_LDS_E_MRZ, mrz.value, "MRZ: %s", merr.message);
                if (err)
                        err->mrz = merr;
                return r;
        }

        clear_error(err);
        return 0;
}

/* --- DG11, DG12 --- */

static int parse_elements(const uint8_t *buf, size_t len, int dg, struct eg_lds_elements *ret,
                          struct eg_lds_error *err) {
        char file[8];
        struct lds_parser p = { .base = buf, .file = file, .err = err };
        struct eg_lds_elements e = {};
        struct eg_tlv outer, t;
        size_t off = 0;
        int r;

        if (!buf || !ret)
                return -EINVAL;
        (void) snprintf(file, sizeof(file), "DG%d", dg);

        r = lds_open_template(&p, buf, len, eg_lds_tag_for_dg(dg), &outer);
        if (r < 0)
                return r;

        /* The tag list comes first; its entries are tags of the elements. */
        r = lds_expect_next(&p, &outer, &off, 0x5C, &t);
        if (r < 0)
                return r;
        for (size_t i = 0; i < t.length;) {
                uint32_t tag;
                size_t n;
                if (eg_tlv_parse_tag(t.value + i, t.length - i, &tag, &n) < 0)
                        return lds_fail(&p, EG_LDS_E_VALUE, t.value + i,
                                        "malformed tag in the tag list");
                i += n;
        }
        e.tag_list = (struct eg_lds_slice){ t.value, t.length };

        while ((r = lds_next(&p, &outer, &off, &t)) > 0) {
                if (t.tag == 0x5C || eg_lds_elements_find(&e, t.tag))
                        return lds_fail(&p, EG_LDS_E_DUPLICATE, t.value - t.header_length,
                                        "tag %X appears twice", t.tag);
                if (e.n_elements >= ELEMENTSOF(e.elements))
                        return lds_fail(&p, EG_LDS_E_LIMIT, t.value - t.header_length,
                                        "more than %zu data elements", ELEMENTSOF(e.elements));
                e.elements[e.n_elements++] = (struct eg_lds_element){
                        .tag = t.tag,
                        .constructed = t.constructed,
                        .value = t.value,
                        .length = t.length,
                };
        }
        if (r < 0)
                return r;

        *ret = e;
        clear_error(err);
        return 0;
}

int eg_lds_parse_dg11(const uint8_t *buf, size_t len, struct eg_lds_elements *ret,
                      struct eg_lds_error *err) {
        return parse_elements(buf, len, 11, ret, err);
}

int eg_lds_parse_dg12(const uint8_t *buf, size_t len, struct eg_lds_elements *ret,
                      struct eg_lds_error *err) {
        return parse_elements(buf, len, 12, ret, err);
}

const struct eg_lds_element *eg_lds_elements_find(const struct eg_lds_elements *e, uint32_t tag) {
        if (!e)
                return NULL;
        for (size_t i = 0; i < e->n_elements && i < ELEMENTSOF(e->elements); i++)
                if (e->elements[i].tag == tag)
                        return &e->elements[i];
        return NULL;
}

/* --- DG14, DG15, EF.SOD: one DER object inside the template --- */

static int parse_wrapped(const uint8_t *buf, size_t len, const char *file, uint32_t outer_tag,
                         uint32_t inner_tag, struct eg_lds_slice *ret, struct eg_lds_error *err) {
        struct lds_parser p = { .base = buf, .file = file, .err = err };
        struct eg_tlv outer, inner;
        int r;

        if (!buf || !ret)
                return -EINVAL;

        r = lds_open_template(&p, buf, len, outer_tag, &outer);
        if (r < 0)
                return r;
        r = lds_single_child(&p, &outer, inner_tag, &inner);
        if (r < 0)
                return r;
        if (!inner.constructed) /* 30 and 31 always are; keeps the check explicit */
                return lds_fail(&p, EG_LDS_E_VALUE, inner.value, "tag %X must be constructed",
                                inner.tag);

        *ret = lds_whole(&inner);
        clear_error(err);
        return 0;
}

int eg_lds_parse_dg14(const uint8_t *buf, size_t len, struct eg_lds_slice *ret,
                      struct eg_lds_error *err) {
        return parse_wrapped(buf, len, "DG14", eg_lds_tag_for_dg(14), 0x31, ret, err);
}

int eg_lds_parse_dg15(const uint8_t *buf, size_t len, struct eg_lds_slice *ret,
                      struct eg_lds_error *err) {
        return parse_wrapped(buf, len, "DG15", eg_lds_tag_for_dg(15), 0x30, ret, err);
}

int eg_lds_parse_sod(const uint8_t *buf, size_t len, struct eg_lds_slice *ret,
                     struct eg_lds_error *err) {
        return parse_wrapped(buf, len, "EF.SOD", EG_LDS_TAG_SOD, 0x30, ret, err);
}

const char *eg_lds_error_code_to_string(enum eg_lds_error_code c) {
        static const char *const names[_EG_LDS_E_MAX] = {
                [EG_LDS_OK] = "ok",
                [EG_LDS_E_TLV] = "tlv",
                [EG_LDS_E_TAG] = "tag",
                [EG_LDS_E_MISSING] = "missing",
                [EG_LDS_E_DUPLICATE] = "duplicate",
                [EG_LDS_E_TRAILING] = "trailing",
                [EG_LDS_E_VALUE] = "value",
                [EG_LDS_E_LIMIT] = "limit",
                [EG_LDS_E_BIOMETRIC] = "biometric",
                [EG_LDS_E_IMAGE] = "image",
                [EG_LDS_E_UNSUPPORTED] = "unsupported",
                [EG_LDS_E_MRZ] = "mrz",
        };

        if ((unsigned) c >= _EG_LDS_E_MAX || !names[c])
                return "unknown";
        return names[c];
}
