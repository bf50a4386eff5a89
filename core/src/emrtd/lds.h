/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ICAO Doc 9303 Part 10 Logical Data Structure: file identifiers and parsers
 * for EF.COM, DG1, DG2, DG11, DG12, DG14, DG15 and EF.SOD.
 *
 * Each parser takes exactly the bytes of one elementary file (the outer
 * template's header + length, nothing after it) and returns slices that point
 * into that buffer: the buffer must outlive the result.  Nothing is decoded
 * that the caller does not need; DG14, DG15 and EF.SOD are handed back as the
 * DER object inside their template for the crypto layer.
 *
 * Error messages name byte offsets and tags, never content.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mrz.h"

#define EG_LDS_DG_MIN 1
#define EG_LDS_DG_MAX 16

/* Files outside the DG1..DG16 numbering (FIDs in the eMRTD application). */
#define EG_LDS_FID_COM 0x011E
#define EG_LDS_FID_SOD 0x011D
#define EG_LDS_FID_CARD_ACCESS 0x011C /* in the master file */
#define EG_LDS_FID_CARD_SECURITY 0x011D /* in the master file */
#define EG_LDS_TAG_COM 0x60
#define EG_LDS_TAG_SOD 0x77

/* Short EF identifier (the low 5 bits of the FID). */
#define EG_LDS_SFI_COM 0x1E
#define EG_LDS_SFI_SOD 0x1D

/* DG number -> FID (0x0101 + n - 1), short EF id (n), template tag (0x61 for
 * DG1 ...).  Return -EINVAL outside 1..16. */
int eg_lds_file_id_for_dg(int dg);
int eg_lds_short_file_id_for_dg(int dg);
int eg_lds_tag_for_dg(int dg);
/* Reverse mappings: the DG number, or -ENOENT. */
int eg_lds_dg_for_tag(uint32_t tag);
int eg_lds_dg_for_file_id(uint16_t fid);

enum eg_lds_error_code {
        EG_LDS_OK = 0,
        EG_LDS_E_TLV, /* malformed BER-TLV (bad header, value past its parent) */
        EG_LDS_E_TAG, /* an element with a tag not allowed there */
        EG_LDS_E_MISSING, /* a required element is absent */
        EG_LDS_E_DUPLICATE, /* an element that may appear once appears again */
        EG_LDS_E_TRAILING, /* bytes after the file's template or a nested object */
        EG_LDS_E_VALUE, /* an element's value is malformed */
        EG_LDS_E_LIMIT, /* more entries than this implementation accepts */
        EG_LDS_E_BIOMETRIC, /* inconsistent ISO/IEC 19794-5 / 39794-5 face record */
        EG_LDS_E_IMAGE, /* no face image, or its type/magic is wrong or unsupported */
        EG_LDS_E_UNSUPPORTED, /* valid but not handled: enciphered or SM-protected data */
        EG_LDS_E_MRZ, /* DG1's MRZ is invalid; see mrz */
        _EG_LDS_E_MAX,
};

struct eg_lds_error {
        enum eg_lds_error_code code;
        size_t offset; /* byte offset in the file where the problem is */
        struct eg_mrz_error mrz; /* for EG_LDS_E_MRZ */
        char message[192];
};

struct eg_lds_slice {
        const uint8_t *data;
        size_t length;
};

/* EF.COM */
struct eg_lds_com {
        char lds_version[5]; /* "0107" (5F01) */
        char unicode_version[7]; /* "040000" (5F36) */
        uint32_t dg_mask; /* bit n set: DGn listed in 5C (n = 1..16) */
};

int eg_lds_parse_com(const uint8_t *buf, size_t len, struct eg_lds_com *ret,
                     struct eg_lds_error *err);

/* An EF.COM 5C tag list (one DG template tag per entry) as a DG bitmask.
 * Unknown or repeated tags are refused.  Returns 0 or -EBADMSG. */
int eg_lds_parse_tag_list(const uint8_t *buf, size_t len, uint32_t *ret_mask,
                          struct eg_lds_error *err);

/* DG1: the MRZ (5F1F), parsed with eg_mrz_parse_concatenated(). */
int eg_lds_parse_dg1(const uint8_t *buf, size_t len, const struct eg_date *today,
                     struct eg_mrz *ret, struct eg_lds_error *err);

/* DG2 */
#define EG_LDS_DG2_MAX_IMAGES 8

enum eg_lds_face_encoding {
        EG_LDS_FACE_ISO19794_5, /* 5F2E: "FAC\0" record, version "010\0" (2005) */
        EG_LDS_FACE_ISO39794_5, /* 7F2E: [APPLICATION 5] face image data block */
};

enum eg_lds_image_format {
        EG_LDS_IMAGE_JPEG,
        EG_LDS_IMAGE_JPEG2000,
};

struct eg_lds_face_image {
        enum eg_lds_face_encoding encoding;
        enum eg_lds_image_format format;
        /* "image/jpeg", "image/jp2" (JP2 file) or "image/j2c" (bare codestream) */
        const char *mime_type;
        const uint8_t *data; /* into the DG2 buffer */
        size_t length;
        unsigned width, height; /* from the 19794-5 image information; 0 if not given */
};

struct eg_lds_dg2 {
        size_t n_images;
        struct eg_lds_face_image images[EG_LDS_DG2_MAX_IMAGES];
};

int eg_lds_parse_dg2(const uint8_t *buf, size_t len, struct eg_lds_dg2 *ret,
                     struct eg_lds_error *err);

/* DG11 (additional personal details) and DG12 (additional document details):
 * the 5C tag list and the other top-level data objects, raw.  Constructed
 * objects (A0, "other names" / "other persons") are returned whole. */
#define EG_LDS_MAX_ELEMENTS 32

struct eg_lds_element {
        uint32_t tag; /* e.g. 0x5F0E full name, 0x5F2B full date of birth */
        bool constructed;
        const uint8_t *value;
        size_t length;
};

struct eg_lds_elements {
        struct eg_lds_slice tag_list; /* value of 5C */
        size_t n_elements;
        struct eg_lds_element elements[EG_LDS_MAX_ELEMENTS];
};

int eg_lds_parse_dg11(const uint8_t *buf, size_t len, struct eg_lds_elements *ret,
                      struct eg_lds_error *err);
int eg_lds_parse_dg12(const uint8_t *buf, size_t len, struct eg_lds_elements *ret,
                      struct eg_lds_error *err);
/* The element with `tag`, or NULL. */
const struct eg_lds_element *eg_lds_elements_find(const struct eg_lds_elements *e, uint32_t tag);

/* DG14: the SecurityInfos SET (tag 31, header included) for OpenSSL.
 * DG15: the SubjectPublicKeyInfo SEQUENCE (tag 30, header included).
 * EF.SOD: the CMS ContentInfo SEQUENCE (tag 30, header included). */
int eg_lds_parse_dg14(const uint8_t *buf, size_t len, struct eg_lds_slice *ret,
                      struct eg_lds_error *err);
int eg_lds_parse_dg15(const uint8_t *buf, size_t len, struct eg_lds_slice *ret,
                      struct eg_lds_error *err);
int eg_lds_parse_sod(const uint8_t *buf, size_t len, struct eg_lds_slice *ret,
                     struct eg_lds_error *err);

const char *eg_lds_error_code_to_string(enum eg_lds_error_code c);
