/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Answer-to-reset (ISO/IEC 7816-3 §8.2, historical bytes per 7816-4 §8.1):
 * whether the chip announces extended Lc/Le fields in its card
 * capabilities (third software function table byte, bit 7).  Contactless
 * readers build the ATR from the ATS's historical bytes, so this works for
 * both.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The historical bytes, or -EBADMSG if the ATR's structure does not hold or its check byte
 * (TCK, due unless T=0 is the only protocol) is missing or wrong.  Bytes after the ATR's
 * end are ignored. */
int eg_atr_historical_bytes(const uint8_t *atr, size_t len, const uint8_t **ret, size_t *ret_len);

/* true only when the ATR is well formed and says "extended Lc and Le". */
bool eg_atr_extended_length(const uint8_t *atr, size_t len);
