/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ICAO Doc 9303 Part 3 three-letter state codes to the ISO 3166-1 alpha-2
 * codes that X.509 certificates carry in C=.  Covers ISO 3166-1 alpha-3
 * plus ICAO's own codes (D for Germany, the British GBx codes, RKS, EUE,
 * UNO/UNA/UNK).
 */
#pragma once

/* code: one to three letters, fillers ('<') allowed at the end.  Returns
 * the alpha-2 code, or NULL if the code is unknown (e.g. XOM, XPO). */
const char *eg_country_alpha2(const char *code);
