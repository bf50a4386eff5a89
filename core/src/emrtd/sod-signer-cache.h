/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <openssl/x509.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Split an EF.SOD's ContentInfo (without the tag 77 wrapper) into the same
 * ContentInfo without its certificates field (*ret_stripped, malloc'd) and
 * the one certificate that field held (*ret_signer, a new reference),
 * parsed once per process and shared (sod-signer-cache.c says why).
 *
 * -ENOENT: no certificates field, or not exactly one certificate in it;
 * -EBADMSG: a layout or a certificate this does not take apart; -ENOMEM.
 * On any error the caller parses the whole EF.SOD as it is.
 */
int eg_sod_split_signer(const uint8_t *content_info, size_t len, uint8_t **ret_stripped,
                        size_t *ret_stripped_len, X509 **ret_signer);

/* Forget every cached certificate (tests). */
void eg_sod_signer_cache_clear(void);
