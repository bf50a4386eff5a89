/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * LDS parsers: every structure is built here with eg_tlv_encode_header(), so
 * each test states exactly which bytes it feeds the parser.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "emrtd/lds.h"
#include "emrtd/tlv.h"

static const struct eg_date today = { 2026, 11, 27 };

/* --- a tiny byte-string builder; every function consumes its B arguments --- */

typedef struct {
        uint8_t *d;
        size_t n;
} B;

static B raw(const void *p, size_t n) {
        B b = { calloc(1, n ? n : 1), n };
        assert_non_null(b.d);
        if (n && p)
                memcpy(b.d, p, n);
        return b;
}

#define BYTES(...) raw((const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ }))
#define STR(s) raw(s, sizeof(s) - 1)

static B cat_array(size_t count, const B *parts) {
        B out = raw(NULL, 0);

        for (size_t i = 0; i < count; i++) {
                uint8_t *d = realloc(out.d, out.n + parts[i].n + 1);
                assert_non_null(d);
                out.d = d;
                if (parts[i].n)
                        memcpy(out.d + out.n, parts[i].d, parts[i].n);
                out.n += parts[i].n;
                free(parts[i].d);
        }
        return out;
}

/* Concatenate (and consume) any number of B; the count comes from the list. */
#define CAT(...) cat_array(sizeof((B[]){ __VA_ARGS__ }) / sizeof(B), (B[]){ __VA_ARGS__ })

/* A TLV whose header claims `declared` bytes, whatever v really holds. */
static B tlv_len(uint32_t tag, size_t declared, B v) {
        uint8_t h[7];
        int n = eg_tlv_encode_header(tag, declared, h);
        assert_true(n > 0);
        return CAT(raw(h, (size_t) n), v);
}

static B tlv(uint32_t tag, B v) {
        return tlv_len(tag, v.n, v);
}

static B be16(unsigned v) {
        return BYTES((uint8_t) (v >> 8), (uint8_t) v);
}

static B be32(uint32_t v) {
        return BYTES((uint8_t) (v >> 24), (uint8_t) (v >> 16), (uint8_t) (v >> 8), (uint8_t) v);
}

static B zeros(size_t n) {
        return raw(NULL, n); /* raw() allocates zeroed memory */
}

static B tiny_jpeg(void) {
        return BYTES(0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00, 0x01, 0x01, 0x00,
                     0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0xFF, 0xD9);
}

static B tiny_jp2(void) {
        return BYTES(0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A, 0x00,
                     0x00, 0x00, 0x14, 'f', 't', 'y', 'p');
}

static B tiny_j2c(void) {
        return BYTES(0xFF, 0x4F, 0xFF, 0x51, 0x00, 0x2F, 0x00, 0x00, 0xFF, 0xD9);
}

static void expect_error(int r, const struct eg_lds_error *e, enum eg_lds_error_code code) {
        if (r != -EBADMSG || e->code != code)
                fail_msg("expected %s, got r=%d %s (%s)", eg_lds_error_code_to_string(code), r,
                         eg_lds_error_code_to_string(e->code), e->message);
        assert_non_null(strstr(e->message, "offset "));
}

/* --- file identifiers --- */

static void test_file_ids(void **state) {
        assert_int_equal(eg_lds_file_id_for_dg(1), 0x0101);
        assert_int_equal(eg_lds_file_id_for_dg(2), 0x0102);
        assert_int_equal(eg_lds_file_id_for_dg(14), 0x010E);
        assert_int_equal(eg_lds_file_id_for_dg(16), 0x0110);
        assert_int_equal(eg_lds_file_id_for_dg(0), -EINVAL);
        assert_int_equal(eg_lds_file_id_for_dg(17), -EINVAL);
        assert_int_equal(eg_lds_short_file_id_for_dg(15), 0x0F);
        assert_int_equal(eg_lds_short_file_id_for_dg(-1), -EINVAL);
        assert_int_equal(EG_LDS_SFI_COM, EG_LDS_FID_COM & 0x1F);
        assert_int_equal(EG_LDS_SFI_SOD, EG_LDS_FID_SOD & 0x1F);

        const int tags[16] = { 0x61, 0x75, 0x63, 0x76, 0x65, 0x66, 0x67, 0x68,
                               0x69, 0x6A, 0x6B, 0x6C, 0x6D, 0x6E, 0x6F, 0x70 };
        for (int dg = 1; dg <= 16; dg++) {
                assert_int_equal(eg_lds_tag_for_dg(dg), tags[dg - 1]);
                assert_int_equal(eg_lds_dg_for_tag((uint32_t) tags[dg - 1]), dg);
                assert_int_equal(eg_lds_dg_for_file_id((uint16_t) eg_lds_file_id_for_dg(dg)), dg);
                assert_int_equal(eg_lds_short_file_id_for_dg(dg), eg_lds_file_id_for_dg(dg) & 0x1F);
        }
        assert_int_equal(eg_lds_dg_for_tag(EG_LDS_TAG_SOD), -ENOENT);
        assert_int_equal(eg_lds_dg_for_tag(EG_LDS_TAG_COM), -ENOENT);
        assert_int_equal(eg_lds_dg_for_file_id(EG_LDS_FID_COM), -ENOENT);
        assert_int_equal(eg_lds_dg_for_file_id(0x0100), -ENOENT);
        assert_int_equal(eg_lds_dg_for_file_id(0x0111), -ENOENT);
}

/* --- EF.COM --- */

static B com_with(B list) {
        return tlv(0x60,
                   CAT(tlv(0x5F01, STR("0107")), tlv(0x5F36, STR("040000")), tlv(0x5C, list)));
}

static void test_com(void **state) {
        struct eg_lds_com com;
        struct eg_lds_error e;
        B f = com_with(BYTES(0x61, 0x75, 0x6E, 0x6F));

        assert_int_equal(eg_lds_parse_com(f.d, f.n, &com, &e), 0);
        assert_int_equal(e.code, EG_LDS_OK);
        assert_string_equal(com.lds_version, "0107");
        assert_string_equal(com.unicode_version, "040000");
        assert_int_equal(com.dg_mask, (1u << 1) | (1u << 2) | (1u << 14) | (1u << 15));

        /* Every proper prefix is refused. */
        for (size_t n = 0; n < f.n; n++)
                expect_error(eg_lds_parse_com(f.d, n, &com, &e), &e, EG_LDS_E_TLV);
        free(f.d);

        /* Order of the elements does not matter. */
        f = tlv(0x60,
                CAT(tlv(0x5C, BYTES(0x61)), tlv(0x5F36, STR("040000")), tlv(0x5F01, STR("0108"))));
        assert_int_equal(eg_lds_parse_com(f.d, f.n, &com, &e), 0);
        assert_int_equal(com.dg_mask, 1u << 1);
        free(f.d);

        f = com_with(raw(NULL, 0));
        assert_int_equal(eg_lds_parse_com(f.d, f.n, &com, &e), 0);
        assert_int_equal(com.dg_mask, 0);
        free(f.d);
}

static void test_com_errors(void **state) {
        struct eg_lds_com com;
        struct eg_lds_error e;
        B f;

        f = com_with(BYTES(0x61, 0x77));
        expect_error(eg_lds_parse_com(f.d, f.n, &com, &e), &e, EG_LDS_E_VALUE);
        assert_int_equal(e.offset, f.n - 1);
        free(f.d);

        f = com_with(BYTES(0x61, 0x75, 0x61));
        expect_error(eg_lds_parse_com(f.d, f.n, &com, &e), &e, EG_LDS_E_DUPLICATE);
        free(f.d);

        f = com_with(BYTES(0x5F));
        expect_error(eg_lds_parse_com(f.d, f.n, &com, &e), &e, EG_LDS_E_VALUE);
        free(f.d);

        f = tlv(0x60, CAT(tlv(0x5F01, STR("0107")), tlv(0x5F36, STR("040000"))));
        expect_error(eg_lds_parse_com(f.d, f.n, &com, &e), &e, EG_LDS_E_MISSING);
        free(f.d);

        f = tlv(0x60, CAT(tlv(0x5F01, STR("0107")), tlv(0x5F01, STR("0107")),
                          tlv(0x5F36, STR("040000")), tlv(0x5C, BYTES(0x61))));
        expect_error(eg_lds_parse_com(f.d, f.n, &com, &e), &e, EG_LDS_E_DUPLICATE);
        free(f.d);

        f = tlv(0x60,
                CAT(tlv(0x5F01, STR("01A7")), tlv(0x5F36, STR("040000")), tlv(0x5C, BYTES(0x61))));
        expect_error(eg_lds_parse_com(f.d, f.n, &com, &e), &e, EG_LDS_E_VALUE);
        free(f.d);

        f = tlv(0x60,
                CAT(tlv(0x5F01, STR("107")), tlv(0x5F36, STR("040000")), tlv(0x5C, BYTES(0x61))));
        expect_error(eg_lds_parse_com(f.d, f.n, &com, &e), &e, EG_LDS_E_VALUE);
        free(f.d);

        f = tlv(0x60, CAT(tlv(0x5F01, STR("0107")), tlv(0x5F36, STR("040000")),
                          tlv(0x5C, BYTES(0x61)), tlv(0x53, BYTES(0x00))));
        expect_error(eg_lds_parse_com(f.d, f.n, &com, &e), &e, EG_LDS_E_TAG);
        free(f.d);

        f = tlv(0x60, CAT(tlv(0x5F01, STR("0107")), tlv(0x5F36, STR("040000")),
                          tlv(0x7C, tlv(0x61, raw(NULL, 0)))));
        expect_error(eg_lds_parse_com(f.d, f.n, &com, &e), &e, EG_LDS_E_TAG);
        free(f.d);

        f = CAT(com_with(BYTES(0x61)), BYTES(0x00));
        expect_error(eg_lds_parse_com(f.d, f.n, &com, &e), &e, EG_LDS_E_TRAILING);
        assert_int_equal(e.offset, f.n - 1);
        free(f.d);

        f = tlv(0x61, raw(NULL, 0));
        expect_error(eg_lds_parse_com(f.d, f.n, &com, &e), &e, EG_LDS_E_TAG);
        free(f.d);

        /* Length past the end, and the 4-byte length overflow. */
        f = BYTES(0x60, 0x84, 0xFF, 0xFF, 0xFF, 0xFF, 0x5F, 0x01);
        expect_error(eg_lds_parse_com(f.d, f.n, &com, &e), &e, EG_LDS_E_TLV);
        free(f.d);
        f = BYTES(0x60, 0x05, 0x5F, 0x01, 0x04, '0', '1');
        expect_error(eg_lds_parse_com(f.d, f.n, &com, &e), &e, EG_LDS_E_TLV);
        free(f.d);
        /* An inner element longer than its parent. */
        f = BYTES(0x60, 0x04, 0x5F, 0x01, 0x04, '0', '1', '0', '7');
        expect_error(eg_lds_parse_com(f.d, f.n, &com, &e), &e, EG_LDS_E_TRAILING);
        free(f.d);
        f = BYTES(0x60, 0x05, 0x5F, 0x01, 0x04, '0', '1');
        expect_error(eg_lds_parse_com(f.d, 5 + 2, &com, &e), &e, EG_LDS_E_TLV);
        free(f.d);

        assert_int_equal(eg_lds_parse_com(NULL, 0, &com, &e), -EINVAL);

        uint32_t mask;
        assert_int_equal(eg_lds_parse_tag_list((const uint8_t[]){ 0x70, 0x63 }, 2, &mask, &e), 0);
        assert_int_equal(mask, (1u << 16) | (1u << 3));
        expect_error(eg_lds_parse_tag_list((const uint8_t[]){ 0x60 }, 1, &mask, &e), &e,
                     EG_LDS_E_VALUE);
        assert_int_equal(eg_lds_parse_tag_list(NULL, 0, &mask, &e), 0);
        assert_int_equal(mask, 0);
}

/* --- DG1 --- */

#define TD3_MRZ                                                                                    \
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<"                                             \
        "L898902C36UTO7408122F1204159ZE184226B<<<<<10"
#define TD1_MRZ                                                                                    \
        "I<UTOD231458907<<<<<<<<<<<<<<<7408122F1204159UTO<<<<<<<<<<<6"                             \
        "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"

static void test_dg1(void **state) {
        struct eg_mrz m;
        struct eg_lds_error e;
        B f;

        f = tlv(0x61, tlv(0x5F1F, STR(TD3_MRZ)));
        assert_int_equal(eg_lds_parse_dg1(f.d, f.n, &today, &m, &e), 0);
        assert_int_equal(m.format, EG_MRZ_TD3);
        assert_string_equal(m.document_number, "L898902C3");
        assert_string_equal(m.primary_identifier, "ERIKSSON");
        assert_int_equal(eg_lds_parse_dg1(f.d, f.n, NULL, &m, &e), -EINVAL);
        free(f.d);

        f = tlv(0x61, tlv(0x5F1F, STR(TD1_MRZ)));
        assert_int_equal(eg_lds_parse_dg1(f.d, f.n, &today, &m, &e), 0);
        assert_int_equal(m.format, EG_MRZ_TD1);
        free(f.d);

        /* A wrong composite check digit: the MRZ error is passed on, without
         * the MRZ itself in the message. */
        char bad[] = TD3_MRZ;
        bad[87] = '1';
        f = tlv(0x61, tlv(0x5F1F, raw(bad, 88)));
        expect_error(eg_lds_parse_dg1(f.d, f.n, &today, &m, &e), &e, EG_LDS_E_MRZ);
        assert_int_equal(e.mrz.code, EG_MRZ_E_CHECK_DIGIT_COMPOSITE);
        assert_int_equal(e.mrz.line, 2);
        assert_int_equal(e.mrz.column, 44);
        assert_int_equal(e.offset, 5);
        assert_null(strstr(e.message, "ERIKSSON"));
        assert_null(strstr(e.message, "L898902C3"));
        free(f.d);

        f = tlv(0x61, tlv(0x5F1F, raw(TD3_MRZ, 87)));
        expect_error(eg_lds_parse_dg1(f.d, f.n, &today, &m, &e), &e, EG_LDS_E_MRZ);
        assert_int_equal(e.mrz.code, EG_MRZ_E_LAYOUT);
        free(f.d);

        f = tlv(0x61, tlv(0x5F1E, STR(TD3_MRZ)));
        expect_error(eg_lds_parse_dg1(f.d, f.n, &today, &m, &e), &e, EG_LDS_E_TAG);
        free(f.d);

        f = tlv(0x61, raw(NULL, 0));
        expect_error(eg_lds_parse_dg1(f.d, f.n, &today, &m, &e), &e, EG_LDS_E_MISSING);
        free(f.d);

        f = tlv(0x61, CAT(tlv(0x5F1F, STR(TD3_MRZ)), tlv(0x5F1F, STR(TD3_MRZ))));
        expect_error(eg_lds_parse_dg1(f.d, f.n, &today, &m, &e), &e, EG_LDS_E_TRAILING);
        free(f.d);

        f = tlv(0x61, tlv(0x7F1F, STR(TD3_MRZ)));
        expect_error(eg_lds_parse_dg1(f.d, f.n, &today, &m, &e), &e, EG_LDS_E_TAG);
        free(f.d);

        f = tlv(0x75, tlv(0x5F1F, STR(TD3_MRZ)));
        expect_error(eg_lds_parse_dg1(f.d, f.n, &today, &m, &e), &e, EG_LDS_E_TAG);
        free(f.d);
}

/* --- DG2 --- */

static B face_19794(uint8_t data_type, unsigned n_points, B image) {
        size_t len = 20 + 8 * (size_t) n_points + 12 + image.n;
        return CAT(be32((uint32_t) len), be16(n_points), BYTES(1, 1, 1), /* gender, eyes, hair */
                   zeros(3 + 2 + 3 + 3), /* feature mask, expression, pose, uncertainty */
                   zeros(8 * (size_t) n_points), BYTES(1, data_type), be16(480), be16(640),
                   BYTES(1, 2), be16(0), be16(0), image);
}

static B record_19794(unsigned n_faces, B faces) {
        return CAT(STR("FAC\0"
                       "010\0"),
                   be32((uint32_t) (14 + faces.n)), be16(n_faces), faces);
}

static B bht(void) {
        return tlv(0xA1, CAT(tlv(0x81, BYTES(0x02)), tlv(0x87, BYTES(0x01, 0x01)),
                             tlv(0x88, BYTES(0x00, 0x08))));
}

static B bit_19794(B record) {
        return tlv(0x7F60, CAT(bht(), tlv(0x5F2E, record)));
}

static B dg2_with(unsigned count, B bits) {
        return tlv(0x75, tlv(0x7F61, CAT(tlv(0x02, BYTES((uint8_t) count)), bits)));
}

static bool inside(const B *f, const uint8_t *p, size_t n) {
        return p >= f->d && n <= f->n && (size_t) (p - f->d) <= f->n - n;
}

static void test_dg2_19794(void **state) {
        struct eg_lds_dg2 dg2;
        struct eg_lds_error e;
        B jpeg = tiny_jpeg();
        B f = dg2_with(1, bit_19794(record_19794(1, face_19794(0, 0, raw(jpeg.d, jpeg.n)))));

        assert_int_equal(eg_lds_parse_dg2(f.d, f.n, &dg2, &e), 0);
        assert_int_equal(dg2.n_images, 1);
        assert_int_equal(dg2.images[0].encoding, EG_LDS_FACE_ISO19794_5);
        assert_int_equal(dg2.images[0].format, EG_LDS_IMAGE_JPEG);
        assert_string_equal(dg2.images[0].mime_type, "image/jpeg");
        assert_int_equal(dg2.images[0].length, jpeg.n);
        assert_memory_equal(dg2.images[0].data, jpeg.d, jpeg.n);
        assert_ptr_equal(dg2.images[0].data, f.d + f.n - jpeg.n); /* a slice, not a copy */
        assert_int_equal(dg2.images[0].width, 480);
        assert_int_equal(dg2.images[0].height, 640);

        /* Truncated anywhere: refused. */
        for (size_t n = 0; n < f.n; n++)
                assert_int_equal(eg_lds_parse_dg2(f.d, n, &dg2, &e), -EBADMSG);

        /* Every byte replaced by every value: no crash, and what parses
         * returns slices inside the buffer. */
        size_t accepted = 0;
        for (size_t i = 0; i < f.n; i++) {
                uint8_t o = f.d[i];
                for (unsigned v = 0; v < 256; v++) {
                        f.d[i] = (uint8_t) v;
                        if (eg_lds_parse_dg2(f.d, f.n, &dg2, &e) == 0) {
                                accepted++;
                                for (size_t k = 0; k < dg2.n_images; k++)
                                        assert_true(inside(&f, dg2.images[k].data,
                                                           dg2.images[k].length));
                        } else
                                assert_int_not_equal(e.code, EG_LDS_OK);
                }
                f.d[i] = o;
        }
        assert_true(accepted > f.n); /* e.g. the image and descriptive bytes */
        free(f.d);

        /* JPEG 2000 as a JP2 file and as a bare codestream, with feature points;
         * two faces in one record, and a second template. */
        B jp2 = tiny_jp2();
        f = dg2_with(2, CAT(bit_19794(record_19794(2, CAT(face_19794(1, 3, tiny_jp2()),
                                                          face_19794(1, 0, tiny_j2c())))),
                            bit_19794(record_19794(1, face_19794(0, 1, tiny_jpeg())))));
        assert_int_equal(eg_lds_parse_dg2(f.d, f.n, &dg2, &e), 0);
        assert_int_equal(dg2.n_images, 3);
        assert_int_equal(dg2.images[0].format, EG_LDS_IMAGE_JPEG2000);
        assert_string_equal(dg2.images[0].mime_type, "image/jp2");
        assert_int_equal(dg2.images[0].length, jp2.n);
        assert_memory_equal(dg2.images[0].data, jp2.d, jp2.n);
        assert_string_equal(dg2.images[1].mime_type, "image/j2c");
        assert_string_equal(dg2.images[2].mime_type, "image/jpeg");
        free(f.d);
        free(jp2.d);
        free(jpeg.d);
}

static void dg2_expect(B f, enum eg_lds_error_code code) {
        struct eg_lds_dg2 dg2;
        struct eg_lds_error e;

        expect_error(eg_lds_parse_dg2(f.d, f.n, &dg2, &e), &e, code);
        free(f.d);
}

static void test_dg2_19794_errors(void **state) {
        /* Record length disagreeing with the data block. */
        B faces = face_19794(0, 0, tiny_jpeg());
        dg2_expect(dg2_with(1, bit_19794(CAT(STR("FAC\0"
                                                 "010\0"),
                                             be32((uint32_t) (14 + faces.n + 1)), be16(1), faces))),
                   EG_LDS_E_BIOMETRIC);

        /* Face (and so image) length beyond the record. */
        B face = face_19794(0, 0, tiny_jpeg());
        face.d[3] += 1;
        dg2_expect(dg2_with(1, bit_19794(record_19794(1, face))), EG_LDS_E_BIOMETRIC);
        face = face_19794(0, 0, tiny_jpeg());
        face.d[0] = 0xFF;
        dg2_expect(dg2_with(1, bit_19794(record_19794(1, face))), EG_LDS_E_BIOMETRIC);

        /* Face length too short for its feature points / image information. */
        face = face_19794(0, 2, tiny_jpeg());
        face.d[4] = 0x10; /* 4096 feature points */
        dg2_expect(dg2_with(1, bit_19794(record_19794(1, face))), EG_LDS_E_BIOMETRIC);
        face = face_19794(0, 0, raw(NULL, 0));
        face.d[3] = 20; /* length 20: no room for the image information */
        face.n = 20;
        dg2_expect(dg2_with(1, bit_19794(record_19794(1, face))), EG_LDS_E_BIOMETRIC);
        face = face_19794(0, 0, raw(NULL, 0));
        face.d[3] = 19;
        face.n = 19;
        dg2_expect(dg2_with(1, bit_19794(record_19794(1, face))), EG_LDS_E_BIOMETRIC);

        /* Declared two faces, holds one; declared one, holds two. */
        dg2_expect(dg2_with(1, bit_19794(record_19794(2, face_19794(0, 0, tiny_jpeg())))),
                   EG_LDS_E_BIOMETRIC);
        dg2_expect(dg2_with(1, bit_19794(record_19794(1, CAT(face_19794(0, 0, tiny_jpeg()),
                                                             face_19794(0, 0, tiny_jpeg()))))),
                   EG_LDS_E_BIOMETRIC);
        dg2_expect(dg2_with(1, bit_19794(record_19794(0, raw(NULL, 0)))), EG_LDS_E_BIOMETRIC);
        dg2_expect(dg2_with(1, bit_19794(STR("FAC\0"
                                             "010\0"))),
                   EG_LDS_E_BIOMETRIC);
        dg2_expect(dg2_with(1, bit_19794(raw(NULL, 0))), EG_LDS_E_BIOMETRIC);

        /* Header: magic and version. */
        B rec = record_19794(1, face_19794(0, 0, tiny_jpeg()));
        rec.d[0] = 'X';
        dg2_expect(dg2_with(1, bit_19794(rec)), EG_LDS_E_BIOMETRIC);
        rec = record_19794(1, face_19794(0, 0, tiny_jpeg()));
        rec.d[5] = '3'; /* "030": 19794-5:2011 */
        dg2_expect(dg2_with(1, bit_19794(rec)), EG_LDS_E_UNSUPPORTED);

        /* Image type and content. */
        dg2_expect(dg2_with(1, bit_19794(record_19794(1, face_19794(0, 0, tiny_jp2())))),
                   EG_LDS_E_IMAGE);
        dg2_expect(dg2_with(1, bit_19794(record_19794(1, face_19794(1, 0, tiny_jpeg())))),
                   EG_LDS_E_IMAGE);
        dg2_expect(dg2_with(1, bit_19794(record_19794(1, face_19794(2, 0, tiny_jpeg())))),
                   EG_LDS_E_IMAGE);
        dg2_expect(dg2_with(1, bit_19794(record_19794(1, face_19794(0, 0, STR("GIF89a"))))),
                   EG_LDS_E_IMAGE);
        dg2_expect(dg2_with(1, bit_19794(record_19794(1, face_19794(0, 0, BYTES(0xFF, 0xD8))))),
                   EG_LDS_E_IMAGE);
        dg2_expect(dg2_with(1, bit_19794(record_19794(1, face_19794(0, 0, raw(NULL, 0))))),
                   EG_LDS_E_IMAGE);
}

static void test_dg2_structure_errors(void **state) {
        /* Count disagreeing with the templates. */
        dg2_expect(dg2_with(2, bit_19794(record_19794(1, face_19794(0, 0, tiny_jpeg())))),
                   EG_LDS_E_MISSING);
        dg2_expect(dg2_with(1, CAT(bit_19794(record_19794(1, face_19794(0, 0, tiny_jpeg()))),
                                   bit_19794(record_19794(1, face_19794(0, 0, tiny_jpeg()))))),
                   EG_LDS_E_TRAILING);
        dg2_expect(dg2_with(0, raw(NULL, 0)), EG_LDS_E_VALUE);
        dg2_expect(dg2_with(9, raw(NULL, 0)), EG_LDS_E_LIMIT);
        dg2_expect(dg2_with(0x80, raw(NULL, 0)), EG_LDS_E_VALUE); /* negative INTEGER */
        dg2_expect(tlv(0x75,
                       tlv(0x7F61, CAT(tlv(0x02, BYTES(0x00, 0x01)),
                                       bit_19794(record_19794(1, face_19794(0, 0, tiny_jpeg())))))),
                   EG_LDS_E_VALUE);

        /* Nine templates: over the limit even with a count that matches. */
        B nine = raw(NULL, 0);
        for (int i = 0; i < 9; i++)
                nine = CAT(nine, bit_19794(record_19794(1, face_19794(0, 0, tiny_jpeg()))));
        dg2_expect(dg2_with(9, nine), EG_LDS_E_LIMIT);
        /* Eight templates of two faces: 16 images, over the limit too. */
        B many = raw(NULL, 0);
        for (int i = 0; i < 8; i++)
                many = CAT(many, bit_19794(record_19794(2, CAT(face_19794(0, 0, tiny_jpeg()),
                                                               face_19794(0, 0, tiny_jpeg())))));
        dg2_expect(dg2_with(8, many), EG_LDS_E_LIMIT);

        /* Missing or wrong pieces of the template. */
        dg2_expect(dg2_with(1, tlv(0x7F60,
                                   tlv(0x5F2E, record_19794(1, face_19794(0, 0, tiny_jpeg()))))),
                   EG_LDS_E_TAG);
        dg2_expect(dg2_with(1, tlv(0x7F60, bht())), EG_LDS_E_MISSING);
        dg2_expect(
                dg2_with(1, tlv(0x7F60,
                                CAT(tlv(0xA1, tlv(0x81, BYTES(0x08))),
                                    tlv(0x5F2E, record_19794(1, face_19794(0, 0, tiny_jpeg())))))),
                EG_LDS_E_VALUE);
        dg2_expect(
                dg2_with(1, tlv(0x7F60,
                                CAT(tlv(0xA1, tlv(0xA2, raw(NULL, 0))),
                                    tlv(0x5F2E, record_19794(1, face_19794(0, 0, tiny_jpeg())))))),
                EG_LDS_E_TAG);
        dg2_expect(dg2_with(1, tlv(0x7F60, CAT(bht(), tlv(0x7D, raw(NULL, 0))))),
                   EG_LDS_E_UNSUPPORTED);
        dg2_expect(dg2_with(1, tlv(0x7F60, CAT(bht(), tlv(0x5F30, raw(NULL, 0))))), EG_LDS_E_TAG);
        dg2_expect(dg2_with(1, tlv(0x7F60,
                                   CAT(bht(),
                                       tlv(0x5F2E, record_19794(1, face_19794(0, 0, tiny_jpeg()))),
                                       tlv(0x53, raw(NULL, 0))))),
                   EG_LDS_E_TRAILING);
        dg2_expect(tlv(0x75, tlv(0x7F60, raw(NULL, 0))), EG_LDS_E_TAG);
        dg2_expect(tlv(0x75, raw(NULL, 0)), EG_LDS_E_MISSING);
        dg2_expect(tlv(0x61, raw(NULL, 0)), EG_LDS_E_TAG);

        /* Oversized and overflowing lengths. */
        dg2_expect(BYTES(0x75, 0x84, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F, 0x61, 0x00), EG_LDS_E_TLV);
        dg2_expect(BYTES(0x75, 0x80, 0x7F, 0x61, 0x00, 0x00, 0x00), EG_LDS_E_TLV);
        dg2_expect(BYTES(0x75, 0x85, 0x00, 0x00, 0x00, 0x00, 0x03, 0x7F, 0x61, 0x00), EG_LDS_E_TLV);
        dg2_expect(tlv(0x75, tlv_len(0x7F61, 100, tlv(0x02, BYTES(1)))), EG_LDS_E_TLV);

        /* A depth bomb: thousands of nested 7F61 (the parser does not recurse). */
        B bomb = raw(NULL, 0);
        for (int i = 0; i < 5000; i++)
                bomb = tlv(0x7F61, bomb);
        dg2_expect(tlv(0x75, bomb), EG_LDS_E_TAG);
}

/* ISO/IEC 39794-5 as in the ICAO application profile. */
static B rep_2d(uint8_t type, B image) {
        B info = tlv(0xA1, CAT(tlv(0xA0, tlv(0x80, BYTES(type))), tlv(0x81, BYTES(1))));
        B block_2d = tlv(0xA0, CAT(tlv(0x80, image), info, tlv(0xA2, tlv(0x80, BYTES(0)))));

        return tlv(0x30, CAT(tlv(0x80, BYTES(0x00)), tlv(0xA1, tlv(0xA0, block_2d)),
                             tlv(0xA3, tlv(0x80, BYTES(1)))));
}

/* A representation whose ImageRepresentationBase holds `choice`. */
static B rep_with_base(B choice) {
        return tlv(0x30, CAT(tlv(0x80, BYTES(0)), tlv(0xA1, tlv(0xA0, choice))));
}

static B fidb(B reps) {
        return tlv(0x65, CAT(tlv(0xA0, CAT(tlv(0x80, BYTES(1)), tlv(0x81, be16(2019)))),
                             tlv(0xA1, reps), tlv(0xA2, raw(NULL, 0))));
}

static B bit_39794(B inside_7f2e) {
        return tlv(0x7F60, CAT(bht(), tlv(0x7F2E, inside_7f2e)));
}

static void test_dg2_39794(void **state) {
        struct eg_lds_dg2 dg2;
        struct eg_lds_error e;
        B jpeg = tiny_jpeg();
        B f = dg2_with(1, bit_39794(tlv(0xA1, fidb(rep_2d(2, raw(jpeg.d, jpeg.n))))));

        assert_int_equal(eg_lds_parse_dg2(f.d, f.n, &dg2, &e), 0);
        assert_int_equal(dg2.n_images, 1);
        assert_int_equal(dg2.images[0].encoding, EG_LDS_FACE_ISO39794_5);
        assert_int_equal(dg2.images[0].format, EG_LDS_IMAGE_JPEG);
        assert_string_equal(dg2.images[0].mime_type, "image/jpeg");
        assert_int_equal(dg2.images[0].length, jpeg.n);
        assert_memory_equal(dg2.images[0].data, jpeg.d, jpeg.n);
        assert_true(inside(&f, dg2.images[0].data, dg2.images[0].length));
        assert_int_equal(dg2.images[0].width, 0);
        for (size_t n = 0; n < f.n; n++)
                assert_int_equal(eg_lds_parse_dg2(f.d, n, &dg2, &e), -EBADMSG);
        for (size_t i = 0; i < f.n; i++) {
                uint8_t o = f.d[i];
                for (unsigned v = 0; v < 256; v++) {
                        f.d[i] = (uint8_t) v;
                        if (eg_lds_parse_dg2(f.d, f.n, &dg2, &e) == 0)
                                for (size_t k = 0; k < dg2.n_images; k++)
                                        assert_true(inside(&f, dg2.images[k].data,
                                                           dg2.images[k].length));
                }
                f.d[i] = o;
        }
        free(f.d);
        free(jpeg.d);

        /* Without the A1 wrapper; two representations, lossy and lossless JPEG 2000. */
        f = dg2_with(1, bit_39794(fidb(CAT(rep_2d(3, tiny_jp2()), rep_2d(4, tiny_j2c())))));
        assert_int_equal(eg_lds_parse_dg2(f.d, f.n, &dg2, &e), 0);
        assert_int_equal(dg2.n_images, 2);
        assert_string_equal(dg2.images[0].mime_type, "image/jp2");
        assert_string_equal(dg2.images[1].mime_type, "image/j2c");
        free(f.d);

        /* A 39794-5 template next to a 19794-5 one. */
        f = dg2_with(2, CAT(bit_39794(fidb(rep_2d(2, tiny_jpeg()))),
                            bit_19794(record_19794(1, face_19794(0, 0, tiny_jpeg())))));
        assert_int_equal(eg_lds_parse_dg2(f.d, f.n, &dg2, &e), 0);
        assert_int_equal(dg2.n_images, 2);
        assert_int_equal(dg2.images[1].encoding, EG_LDS_FACE_ISO19794_5);
        free(f.d);
}

static void test_dg2_39794_errors(void **state) {
        dg2_expect(dg2_with(1, bit_39794(fidb(rep_2d(2, tiny_jp2())))), EG_LDS_E_IMAGE);
        dg2_expect(dg2_with(1, bit_39794(fidb(rep_2d(5, tiny_jpeg())))), EG_LDS_E_IMAGE);
        dg2_expect(dg2_with(1, bit_39794(fidb(rep_2d(3, tiny_jpeg())))), EG_LDS_E_IMAGE);
        dg2_expect(dg2_with(1, bit_39794(fidb(raw(NULL, 0)))), EG_LDS_E_MISSING);
        dg2_expect(dg2_with(1, bit_39794(raw(NULL, 0))), EG_LDS_E_MISSING);
        dg2_expect(dg2_with(1, bit_39794(tlv(0xA2, fidb(rep_2d(2, tiny_jpeg()))))), EG_LDS_E_TAG);
        dg2_expect(
                dg2_with(1, bit_39794(CAT(fidb(rep_2d(2, tiny_jpeg())), tlv(0x04, raw(NULL, 0))))),
                EG_LDS_E_TRAILING);
        /* No version block. */
        dg2_expect(dg2_with(1, bit_39794(tlv(0x65, tlv(0xA1, rep_2d(2, tiny_jpeg()))))),
                   EG_LDS_E_TAG);
        /* A representation that is not a SEQUENCE. */
        dg2_expect(dg2_with(1, bit_39794(fidb(tlv(0x31, raw(NULL, 0))))), EG_LDS_E_TAG);
        /* Only a 3D shape: valid, but no 2D image. */
        dg2_expect(dg2_with(1, bit_39794(fidb(rep_with_base(tlv(0xA1, raw(NULL, 0)))))),
                   EG_LDS_E_IMAGE);
        /* An extension instead of the base: no image either. */
        B extension = tlv(0x30, CAT(tlv(0x80, BYTES(0)), tlv(0xA1, tlv(0xA1, raw(NULL, 0)))));
        dg2_expect(dg2_with(1, bit_39794(fidb(extension))), EG_LDS_E_IMAGE);
        /* Malformed TLV inside an element we otherwise skip. */
        dg2_expect(dg2_with(1, bit_39794(fidb(
                                       tlv(0x30, CAT(tlv(0x80, BYTES(0)), tlv(0xA1, raw(NULL, 0)),
                                                     tlv(0xA3, BYTES(0x04, 0x05))))))),
                   EG_LDS_E_TLV);
        /* Image data constructed instead of primitive 80. */
        dg2_expect(dg2_with(1, bit_39794(fidb(rep_with_base(tlv(0xA0, tlv(0xA0, raw(NULL, 0))))))),
                   EG_LDS_E_TAG);
        /* Image type INTEGER of 5 bytes. */
        B body = CAT(tlv(0x80, tiny_jpeg()), tlv(0xA1, tlv(0xA0, tlv(0x80, BYTES(0, 0, 0, 0, 2)))));
        dg2_expect(dg2_with(1, bit_39794(fidb(rep_with_base(tlv(0xA0, body))))), EG_LDS_E_VALUE);
        /* Image type missing from the image information. */
        body = CAT(tlv(0x80, tiny_jpeg()), tlv(0xA1, raw(NULL, 0)));
        dg2_expect(dg2_with(1, bit_39794(fidb(rep_with_base(tlv(0xA0, body))))), EG_LDS_E_MISSING);
        /* Two choices where one is allowed. */
        dg2_expect(dg2_with(1, bit_39794(fidb(rep_with_base(
                                       CAT(tlv(0xA1, raw(NULL, 0)), tlv(0xA1, raw(NULL, 0))))))),
                   EG_LDS_E_TRAILING);
}

/* --- DG11, DG12 --- */

static void test_dg11_dg12(void **state) {
        struct eg_lds_elements el;
        struct eg_lds_error e;
        B f;

        f = tlv(0x6B, CAT(tlv(0x5C, BYTES(0x5F, 0x0E, 0x5F, 0x2B, 0xA0)),
                          tlv(0x5F0E, STR("ERIKSSON<<ANNA<MARIA")), tlv(0x5F2B, STR("19740812")),
                          tlv(0xA0, CAT(tlv(0x02, BYTES(1)), tlv(0x5F0F, STR("X"))))));
        assert_int_equal(eg_lds_parse_dg11(f.d, f.n, &el, &e), 0);
        assert_int_equal(el.tag_list.length, 5);
        assert_int_equal(el.n_elements, 3);
        const struct eg_lds_element *name = eg_lds_elements_find(&el, 0x5F0E);
        assert_non_null(name);
        assert_false(name->constructed);
        assert_int_equal(name->length, 20);
        assert_memory_equal(name->value, "ERIKSSON<<ANNA<MARIA", 20);
        const struct eg_lds_element *other = eg_lds_elements_find(&el, 0xA0);
        assert_non_null(other);
        assert_true(other->constructed);
        assert_null(eg_lds_elements_find(&el, 0x5F10));
        for (size_t n = 0; n < f.n; n++)
                expect_error(eg_lds_parse_dg11(f.d, n, &el, &e), &e, EG_LDS_E_TLV);
        /* DG12 parser refuses a DG11. */
        expect_error(eg_lds_parse_dg12(f.d, f.n, &el, &e), &e, EG_LDS_E_TAG);
        free(f.d);

        f = tlv(0x6C, CAT(tlv(0x5C, BYTES(0x5F, 0x19)), tlv(0x5F19, STR("UTOPIA"))));
        assert_int_equal(eg_lds_parse_dg12(f.d, f.n, &el, &e), 0);
        assert_int_equal(el.n_elements, 1);
        assert_int_equal(el.elements[0].tag, 0x5F19);
        free(f.d);

        f = tlv(0x6B, tlv(0x5F0E, STR("X")));
        expect_error(eg_lds_parse_dg11(f.d, f.n, &el, &e), &e, EG_LDS_E_TAG);
        free(f.d);
        f = tlv(0x6B, raw(NULL, 0));
        expect_error(eg_lds_parse_dg11(f.d, f.n, &el, &e), &e, EG_LDS_E_MISSING);
        free(f.d);
        f = tlv(0x6B, CAT(tlv(0x5C, raw(NULL, 0)), tlv(0x5F0E, STR("X")), tlv(0x5F0E, STR("Y"))));
        expect_error(eg_lds_parse_dg11(f.d, f.n, &el, &e), &e, EG_LDS_E_DUPLICATE);
        free(f.d);
        f = tlv(0x6B, CAT(tlv(0x5C, raw(NULL, 0)), tlv(0x5C, raw(NULL, 0))));
        expect_error(eg_lds_parse_dg11(f.d, f.n, &el, &e), &e, EG_LDS_E_DUPLICATE);
        free(f.d);
        f = tlv(0x6B, tlv(0x5C, BYTES(0x5F, 0x0E, 0x5F)));
        expect_error(eg_lds_parse_dg11(f.d, f.n, &el, &e), &e, EG_LDS_E_VALUE);
        free(f.d);

        B many = tlv(0x5C, raw(NULL, 0));
        for (unsigned i = 0; i < EG_LDS_MAX_ELEMENTS + 1; i++)
                many = CAT(many, tlv(0x5F10 + i, BYTES(1)));
        f = tlv(0x6B, many);
        expect_error(eg_lds_parse_dg11(f.d, f.n, &el, &e), &e, EG_LDS_E_LIMIT);
        free(f.d);
}

/* --- DG14, DG15, EF.SOD --- */

static void test_wrapped(void **state) {
        struct eg_lds_slice s;
        struct eg_lds_error e;
        B f;

        B infos =
                tlv(0x31,
                    tlv(0x30, CAT(tlv(0x06, BYTES(0x04, 0x00, 0x7F, 0x00)), tlv(0x02, BYTES(1)))));
        f = tlv(0x6E, raw(infos.d, infos.n));
        assert_int_equal(eg_lds_parse_dg14(f.d, f.n, &s, &e), 0);
        assert_int_equal(s.length, infos.n);
        assert_memory_equal(s.data, infos.d, infos.n);
        assert_ptr_equal(s.data, f.d + 2);
        expect_error(eg_lds_parse_dg15(f.d, f.n, &s, &e), &e, EG_LDS_E_TAG);
        for (size_t n = 0; n < f.n; n++)
                expect_error(eg_lds_parse_dg14(f.d, n, &s, &e), &e, EG_LDS_E_TLV);
        free(f.d);
        free(infos.d);

        f = tlv(0x6E, tlv(0x30, raw(NULL, 0)));
        expect_error(eg_lds_parse_dg14(f.d, f.n, &s, &e), &e, EG_LDS_E_TAG);
        free(f.d);
        f = tlv(0x6E, CAT(tlv(0x31, raw(NULL, 0)), BYTES(0x00)));
        expect_error(eg_lds_parse_dg14(f.d, f.n, &s, &e), &e, EG_LDS_E_TRAILING);
        assert_int_equal(e.offset, 4);
        free(f.d);
        f = tlv(0x6E, CAT(tlv(0x31, raw(NULL, 0)), tlv(0x31, raw(NULL, 0))));
        expect_error(eg_lds_parse_dg14(f.d, f.n, &s, &e), &e, EG_LDS_E_TRAILING);
        free(f.d);
        f = tlv(0x6E, raw(NULL, 0));
        expect_error(eg_lds_parse_dg14(f.d, f.n, &s, &e), &e, EG_LDS_E_MISSING);
        free(f.d);

        B spki = tlv(0x30, CAT(tlv(0x30, tlv(0x06, BYTES(0x2A))), tlv(0x03, BYTES(0x00))));
        f = tlv(0x6F, raw(spki.d, spki.n));
        assert_int_equal(eg_lds_parse_dg15(f.d, f.n, &s, &e), 0);
        assert_memory_equal(s.data, spki.d, spki.n);
        free(f.d);
        free(spki.d);

        /* A long-form SOD: the slice carries the inner header. */
        B body = zeros(300);
        B ci = tlv(0x30, CAT(tlv(0x06, BYTES(0x2A, 0x86, 0x48)), tlv(0xA0, body)));
        f = tlv(0x77, raw(ci.d, ci.n));
        assert_int_equal(eg_lds_parse_sod(f.d, f.n, &s, &e), 0);
        assert_int_equal(s.length, ci.n);
        assert_memory_equal(s.data, ci.d, ci.n);
        assert_ptr_equal(s.data, f.d + 4);
        f.d[0] = 0x78;
        expect_error(eg_lds_parse_sod(f.d, f.n, &s, &e), &e, EG_LDS_E_TAG);
        free(f.d);
        free(ci.d);

        assert_int_equal(eg_lds_parse_sod(NULL, 0, &s, &e), -EINVAL);
}

static void test_error_strings(void **state) {
        for (int c = 0; c < _EG_LDS_E_MAX; c++)
                assert_string_not_equal(eg_lds_error_code_to_string(c), "unknown");
        assert_string_equal(eg_lds_error_code_to_string(_EG_LDS_E_MAX), "unknown");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_file_ids),
                cmocka_unit_test(test_com),
                cmocka_unit_test(test_com_errors),
                cmocka_unit_test(test_dg1),
                cmocka_unit_test(test_dg2_19794),
                cmocka_unit_test(test_dg2_19794_errors),
                cmocka_unit_test(test_dg2_structure_errors),
                cmocka_unit_test(test_dg2_39794),
                cmocka_unit_test(test_dg2_39794_errors),
                cmocka_unit_test(test_dg11_dg12),
                cmocka_unit_test(test_wrapped),
                cmocka_unit_test(test_error_strings),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
