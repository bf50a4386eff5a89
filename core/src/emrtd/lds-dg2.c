/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * DG2 (encoded face).  Structure (Doc 9303 Part 10, ISO/IEC 7816-11):
 *
 *   75 { 7F61 { 02 count, 7F60 { A1 header, 5F2E | 7F2E data } x count } }
 *
 * 5F2E holds an ISO/IEC 19794-5:2005 record: "FAC\0" "010\0", 4-byte record
 * length, 2-byte number of faces, then per face a 20-byte facial information
 * block (4-byte face length, 2-byte feature point count, ...), 8 bytes per
 * feature point, a 12-byte image information block (image data type at +1:
 * 0 JPEG, 1 JPEG 2000; width, height at +2, +4) and the image.
 *
 * 7F2E holds an ISO/IEC 39794-5 face image data block, as laid out by the
 * ICAO 39794-5 application profile (7F2E { A1 { 65 { ... } } }):
 *
 *   65 [APPLICATION 5] { A0 version, A1 { 30 representation ... } }
 *   representation: 80 id, A1 { A0 base { A0 2D { 80 image, A1 info { A0 { 80 type } } } } }
 *
 * with image types 2 JPEG, 3 JPEG 2000 lossy, 4 JPEG 2000 lossless.  Elements
 * after the ones we need (ASN.1 extension points, quality blocks, ...) are
 * checked for TLV well-formedness and otherwise skipped.
 *
 * Every declared image type must agree with the image's magic bytes.
 */

#include <errno.h>
#include <string.h>

#include "lds-internal.h"

#define FAC_HEADER_SIZE 14
#define FACIAL_INFORMATION_SIZE 20
#define FEATURE_POINT_SIZE 8
#define IMAGE_INFORMATION_SIZE 12

struct dg2_walk {
        struct lds_parser p;
        struct eg_lds_dg2 out;
};

static uint32_t be16(const uint8_t *b) {
        return (uint32_t) b[0] << 8 | b[1];
}

static uint32_t be32(const uint8_t *b) {
        return (uint32_t) b[0] << 24 | (uint32_t) b[1] << 16 | (uint32_t) b[2] << 8 | b[3];
}

static bool detect_image(const uint8_t *d, size_t n, enum eg_lds_image_format *ret_format,
                         const char **ret_mime) {
        static const uint8_t jp2_signature[12] = { 0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50,
                                                   0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A };

        if (n >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF) {
                *ret_format = EG_LDS_IMAGE_JPEG;
                *ret_mime = "image/jpeg";
                return true;
        }
        if (n >= sizeof(jp2_signature) && memcmp(d, jp2_signature, sizeof(jp2_signature)) == 0) {
                *ret_format = EG_LDS_IMAGE_JPEG2000;
                *ret_mime = "image/jp2";
                return true;
        }
        if (n >= 4 && d[0] == 0xFF && d[1] == 0x4F && d[2] == 0xFF && d[3] == 0x51) {
                *ret_format = EG_LDS_IMAGE_JPEG2000;
                *ret_mime = "image/j2c";
                return true;
        }
        return false;
}

static const char *format_name(enum eg_lds_image_format f) {
        return f == EG_LDS_IMAGE_JPEG ? "JPEG" : "JPEG 2000";
}

static int add_image(struct dg2_walk *w, enum eg_lds_face_encoding encoding,
                     enum eg_lds_image_format declared, const uint8_t *data, size_t length,
                     unsigned width, unsigned height) {
        enum eg_lds_image_format found;
        const char *mime;

        if (!detect_image(data, length, &found, &mime))
                return lds_fail(&w->p, EG_LDS_E_IMAGE, data,
                                "image of %zu bytes is neither JPEG nor JPEG 2000", length);
        if (found != declared)
                return lds_fail(&w->p, EG_LDS_E_IMAGE, data,
                                "image declared as %s but its data is %s", format_name(declared),
                                format_name(found));
        if (w->out.n_images >= EG_LDS_DG2_MAX_IMAGES)
                return lds_fail(&w->p, EG_LDS_E_LIMIT, data, "more than %d face images",
                                EG_LDS_DG2_MAX_IMAGES);

        w->out.images[w->out.n_images++] = (struct eg_lds_face_image){
                .encoding = encoding,
                .format = found,
                .mime_type = mime,
                .data = data,
                .length = length,
                .width = width,
                .height = height,
        };
        return 0;
}

/* --- ISO/IEC 19794-5:2005 --- */

static int parse_iso19794_face(struct dg2_walk *w, const uint8_t *face, size_t face_len) {
        /* face_len >= FACIAL_INFORMATION_SIZE was checked by the caller. */
        size_t points = be16(face + 4);
        size_t fixed =
                FACIAL_INFORMATION_SIZE + points * FEATURE_POINT_SIZE + IMAGE_INFORMATION_SIZE;

        if (face_len < fixed)
                return lds_fail(&w->p, EG_LDS_E_BIOMETRIC, face,
                                "face record of %zu bytes cannot hold %zu feature points and "
                                "the image information",
                                face_len, points);

        const uint8_t *info = face + FACIAL_INFORMATION_SIZE + points * FEATURE_POINT_SIZE;
        enum eg_lds_image_format declared;
        switch (info[1]) {
        case 0:
                declared = EG_LDS_IMAGE_JPEG;
                break;
        case 1:
                declared = EG_LDS_IMAGE_JPEG2000;
                break;
        default:
                return lds_fail(&w->p, EG_LDS_E_IMAGE, info + 1, "unsupported image data type %u",
                                info[1]);
        }

        return add_image(w, EG_LDS_FACE_ISO19794_5, declared, face + fixed, face_len - fixed,
                         be16(info + 2), be16(info + 4));
}

static int parse_iso19794(struct dg2_walk *w, const struct eg_tlv *bdb) {
        const uint8_t *v = bdb->value;
        size_t n = bdb->length;

        if (bdb->constructed)
                return lds_fail(&w->p, EG_LDS_E_TAG, v, "19794-5 data block must be primitive");
        if (n < FAC_HEADER_SIZE || memcmp(v, "FAC\0", 4) != 0)
                return lds_fail(&w->p, EG_LDS_E_BIOMETRIC, v,
                                "not an ISO/IEC 19794-5 face record (no \"FAC\" header)");
        if (memcmp(v + 4, "010\0", 4) != 0)
                return lds_fail(&w->p, EG_LDS_E_UNSUPPORTED, v + 4,
                                "ISO/IEC 19794-5 version other than 010 (2005)");
        if (be32(v + 8) != n)
                return lds_fail(&w->p, EG_LDS_E_BIOMETRIC, v + 8,
                                "record length %u differs from the data block's %zu bytes",
                                be32(v + 8), n);

        size_t faces = be16(v + 12), off = FAC_HEADER_SIZE;
        if (faces == 0)
                return lds_fail(&w->p, EG_LDS_E_BIOMETRIC, v + 12, "record holds no face");

        for (size_t i = 0; i < faces; i++) {
                if (n - off < FACIAL_INFORMATION_SIZE)
                        return lds_fail(&w->p, EG_LDS_E_BIOMETRIC, v + off,
                                        "face %zu of %zu is missing", i + 1, faces);
                size_t face_len = be32(v + off);
                if (face_len < FACIAL_INFORMATION_SIZE || face_len > n - off)
                        return lds_fail(&w->p, EG_LDS_E_BIOMETRIC, v + off,
                                        "face record length %zu outside the %zu bytes left",
                                        face_len, n - off);

                int r = parse_iso19794_face(w, v + off, face_len);
                if (r < 0)
                        return r;
                off += face_len;
        }
        if (off != n)
                return lds_fail(&w->p, EG_LDS_E_BIOMETRIC, v + off,
                                "%zu bytes after the last face record", n - off);
        return 0;
}

/* --- ISO/IEC 39794-5 --- */

/* Walk a constructed element's children only to prove they are well formed. */
static int check_children(struct dg2_walk *w, const struct eg_tlv *t) {
        struct eg_tlv c;
        size_t off = 0;
        int r;

        if (!t->constructed)
                return 0;
        while ((r = lds_next(&w->p, t, &off, &c)) > 0)
                ;
        return r;
}

static int require_constructed(struct dg2_walk *w, const struct eg_tlv *t) {
        if (!t->constructed)
                return lds_fail(&w->p, EG_LDS_E_TAG, t->value - t->header_length,
                                "tag %X must be constructed", t->tag);
        return 0;
}

static int parse_39794_2d(struct dg2_walk *w, const struct eg_tlv *block) {
        struct eg_tlv data, info, format, code;
        size_t off = 0, info_off = 0;
        uint32_t type;
        int r;

        r = lds_expect_next(&w->p, block, &off, 0x80, &data);
        if (r < 0)
                return r;
        if (data.constructed)
                return lds_fail(&w->p, EG_LDS_E_TAG, data.value - data.header_length,
                                "image data must be primitive");
        r = lds_expect_next(&w->p, block, &off, 0xA1, &info);
        if (r < 0)
                return r;
        r = lds_expect_next(&w->p, &info, &info_off, 0xA0, &format);
        if (r < 0)
                return r;
        r = lds_single_child(&w->p, &format, 0x80, &code);
        if (r < 0)
                return r;
        r = lds_integer(&w->p, &code, &type);
        if (r < 0)
                return r;

        enum eg_lds_image_format declared;
        switch (type) {
        case 2:
                declared = EG_LDS_IMAGE_JPEG;
                break;
        case 3: /* lossy */
        case 4: /* lossless */
                declared = EG_LDS_IMAGE_JPEG2000;
                break;
        default:
                return lds_fail(&w->p, EG_LDS_E_IMAGE, code.value, "unsupported image type %u",
                                type);
        }

        /* The rest of both blocks (capture device, quality, ...) is not needed. */
        struct eg_tlv rest;
        while ((r = lds_next(&w->p, &info, &info_off, &rest)) > 0)
                ;
        if (r < 0)
                return r;
        while ((r = lds_next(&w->p, block, &off, &rest)) > 0)
                ;
        if (r < 0)
                return r;

        return add_image(w, EG_LDS_FACE_ISO39794_5, declared, data.value, data.length, 0, 0);
}

static int parse_39794_representation(struct dg2_walk *w, const struct eg_tlv *rep) {
        struct eg_tlv id, image, choice, kind, rest;
        size_t off = 0;
        uint32_t ignored;
        int r;

        r = require_constructed(w, rep);
        if (r < 0)
                return r;
        r = lds_expect_next(&w->p, rep, &off, 0x80, &id);
        if (r < 0)
                return r;
        r = lds_integer(&w->p, &id, &ignored);
        if (r < 0)
                return r;
        r = lds_expect_next(&w->p, rep, &off, 0xA1, &image);
        if (r < 0)
                return r;
        while ((r = lds_next(&w->p, rep, &off, &rest)) > 0) {
                r = check_children(w, &rest);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;

        /* ImageRepresentation ::= CHOICE { base [0], extension [1] } */
        size_t choice_off = 0;
        r = lds_next(&w->p, &image, &choice_off, &choice);
        if (r < 0)
                return r;
        if (r == 0)
                return lds_fail(&w->p, EG_LDS_E_MISSING, image.value, "empty image representation");
        r = lds_expect_end(&w->p, &image, choice_off);
        if (r < 0)
                return r;
        if (choice.tag == 0xA1)
                return check_children(w, &choice); /* extension: no image we know */
        if (choice.tag != 0xA0)
                return lds_fail(&w->p, EG_LDS_E_TAG, choice.value - choice.header_length,
                                "unexpected tag %X in image representation", choice.tag);

        /* ImageRepresentationBase ::= CHOICE { 2D [0], 3D shape [1] } */
        size_t kind_off = 0;
        r = lds_next(&w->p, &choice, &kind_off, &kind);
        if (r < 0)
                return r;
        if (r == 0)
                return lds_fail(&w->p, EG_LDS_E_MISSING, choice.value,
                                "empty image representation base");
        r = lds_expect_end(&w->p, &choice, kind_off);
        if (r < 0)
                return r;
        if (kind.tag == 0xA1)
                return check_children(w, &kind); /* 3D shape: not an image */
        if (kind.tag != 0xA0)
                return lds_fail(&w->p, EG_LDS_E_TAG, kind.value - kind.header_length,
                                "unexpected tag %X in image representation base", kind.tag);
        return parse_39794_2d(w, &kind);
}

static int parse_iso39794(struct dg2_walk *w, const struct eg_tlv *bdb) {
        struct eg_tlv t, block, version, reps, rep, rest;
        size_t off = 0, reps_off = 0, n_reps = 0;
        int r;

        /* The profile wraps the block in A1; accept it bare as well. */
        size_t first = 0;
        r = lds_next(&w->p, bdb, &first, &t);
        if (r < 0)
                return r;
        if (r == 0)
                return lds_fail(&w->p, EG_LDS_E_MISSING, bdb->value, "empty 39794-5 data block");
        r = lds_expect_end(&w->p, bdb, first);
        if (r < 0)
                return r;
        if (t.tag == 0xA1) {
                r = lds_single_child(&w->p, &t, 0x65, &block);
                if (r < 0)
                        return r;
        } else if (t.tag == 0x65)
                block = t;
        else
                return lds_fail(&w->p, EG_LDS_E_TAG, t.value - t.header_length,
                                "expected tag A1 or 65 in 39794-5 data block, found %X", t.tag);

        r = lds_expect_next(&w->p, &block, &off, 0xA0, &version);
        if (r < 0)
                return r;
        r = require_constructed(w, &version);
        if (r < 0)
                return r;
        r = check_children(w, &version);
        if (r < 0)
                return r;
        r = lds_expect_next(&w->p, &block, &off, 0xA1, &reps);
        if (r < 0)
                return r;
        while ((r = lds_next(&w->p, &block, &off, &rest)) > 0) {
                r = check_children(w, &rest);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;

        while ((r = lds_next(&w->p, &reps, &reps_off, &rep)) > 0) {
                if (rep.tag != 0x30)
                        return lds_fail(&w->p, EG_LDS_E_TAG, rep.value - rep.header_length,
                                        "expected representation (30), found %X", rep.tag);
                r = parse_39794_representation(w, &rep);
                if (r < 0)
                        return r;
                n_reps++;
        }
        if (r < 0)
                return r;
        if (n_reps == 0)
                return lds_fail(&w->p, EG_LDS_E_MISSING, reps.value,
                                "no representation in 39794-5 data block");
        return 0;
}

/* --- the biometric information templates --- */

static int parse_header_template(struct dg2_walk *w, const struct eg_tlv *bht) {
        struct eg_tlv t;
        size_t off = 0;
        int r;

        r = require_constructed(w, bht);
        if (r < 0)
                return r;
        while ((r = lds_next(&w->p, bht, &off, &t)) > 0) {
                if (t.constructed)
                        return lds_fail(&w->p, EG_LDS_E_TAG, t.value - t.header_length,
                                        "unexpected constructed tag %X in biometric header", t.tag);
                if (t.tag != 0x81)
                        continue;
                /* Biometric type: facial features (2), in 1 to 3 bytes. */
                uint32_t type = 0;
                if (t.length < 1 || t.length > 3)
                        return lds_fail(&w->p, EG_LDS_E_VALUE, t.value,
                                        "biometric type of %zu bytes", t.length);
                for (size_t i = 0; i < t.length; i++)
                        type = type << 8 | t.value[i];
                if (type != 2)
                        return lds_fail(&w->p, EG_LDS_E_VALUE, t.value,
                                        "biometric type %u is not facial features", type);
        }
        return r;
}

static int parse_information_template(struct dg2_walk *w, const struct eg_tlv *bit) {
        struct eg_tlv bht, bdb;
        size_t off = 0;
        int r;

        r = lds_expect_next(&w->p, bit, &off, 0xA1, &bht);
        if (r < 0)
                return r;
        r = parse_header_template(w, &bht);
        if (r < 0)
                return r;

        size_t at = off;
        r = lds_next(&w->p, bit, &off, &bdb);
        if (r < 0)
                return r;
        if (r == 0)
                return lds_fail(&w->p, EG_LDS_E_MISSING, bit->value + at,
                                "biometric data block missing");
        r = lds_expect_end(&w->p, bit, off);
        if (r < 0)
                return r;

        switch (bdb.tag) {
        case 0x5F2E:
                return parse_iso19794(w, &bdb);
        case 0x7F2E:
                return parse_iso39794(w, &bdb);
        case 0x7D:
        case 0x5F2F:
                return lds_fail(&w->p, EG_LDS_E_UNSUPPORTED, bit->value + at,
                                "protected biometric data (tag %X) is not supported", bdb.tag);
        default:
                return lds_fail(&w->p, EG_LDS_E_TAG, bit->value + at,
                                "expected biometric data block (5F2E or 7F2E), found %X", bdb.tag);
        }
}

int eg_lds_parse_dg2(const uint8_t *buf, size_t len, struct eg_lds_dg2 *ret,
                     struct eg_lds_error *err) {
        struct dg2_walk w = { .p = { .base = buf, .file = "DG2", .err = err } };
        struct eg_tlv outer, group, count, bit;
        size_t off = 0;
        uint32_t n;
        int r;

        if (!buf || !ret)
                return -EINVAL;

        r = lds_open_template(&w.p, buf, len, eg_lds_tag_for_dg(2), &outer);
        if (r < 0)
                return r;
        r = lds_single_child(&w.p, &outer, 0x7F61, &group);
        if (r < 0)
                return r;
        r = lds_expect_next(&w.p, &group, &off, 0x02, &count);
        if (r < 0)
                return r;
        r = lds_integer(&w.p, &count, &n);
        if (r < 0)
                return r;
        if (n == 0)
                return lds_fail(&w.p, EG_LDS_E_VALUE, count.value, "no biometric template");
        if (n > EG_LDS_DG2_MAX_IMAGES)
                return lds_fail(&w.p, EG_LDS_E_LIMIT, count.value,
                                "%u biometric templates, at most %d supported", n,
                                EG_LDS_DG2_MAX_IMAGES);

        for (uint32_t i = 0; i < n; i++) {
                r = lds_expect_next(&w.p, &group, &off, 0x7F60, &bit);
                if (r < 0)
                        return r;
                r = parse_information_template(&w, &bit);
                if (r < 0)
                        return r;
        }
        r = lds_expect_end(&w.p, &group, off);
        if (r < 0)
                return r;

        if (w.out.n_images == 0)
                return lds_fail(&w.p, EG_LDS_E_IMAGE, group.value, "no 2D face image");

        *ret = w.out;
        if (err)
                *err = (struct eg_lds_error){ .code = EG_LDS_OK };
        return 0;
}
