/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Basic Access Control, terminal side (ICAO Doc 9303 Part 11 §4.3).
 *
 *   K_seed = SHA-1(MRZ_information)[0..15], K_Enc/K_MAC = KDF(K_seed, 1/2)
 *   GET CHALLENGE                  -> RND.IC (8 bytes)
 *   MUTUAL AUTHENTICATE E_IFD‖M_IFD -> E_IC‖M_IC
 *   session keys = KDF(K.IFD ⊕ K.ICC), SSC = RND.IC[4..7] ‖ RND.IFD[4..7]
 *
 * MRZ_information is personal data and everything here is key material:
 * nothing is logged, and eg_bac_clear() wipes the state.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "apdu.h"
#include "sm.h"

#define EG_BAC_MUTUAL_AUTH_LEN 40 /* 32 bytes cryptogram + 8 bytes MAC */

struct eg_bac {
        uint8_t k_enc[16];
        uint8_t k_mac[16];
        uint8_t rnd_ic[8];
        uint8_t rnd_ifd[8];
        uint8_t k_ifd[16];
};

/* K_seed from MRZ_information (document number ‖ CD ‖ birth ‖ CD ‖ expiry ‖
 * CD, characters A-Z 0-9 '<').  -EINVAL for anything else. */
int eg_bac_key_seed(const char *mrz_information, uint8_t ret[static 16]);

/* K_Enc and K_MAC into bac (the rest of *bac is cleared). */
int eg_bac_init(struct eg_bac *bac, const char *mrz_information);

/* The two commands. */
void eg_bac_get_challenge_command(struct eg_capdu *ret);
void eg_bac_mutual_auth_command(const uint8_t data[static EG_BAC_MUTUAL_AUTH_LEN],
                                struct eg_capdu *ret);

/* E_IFD ‖ M_IFD for the chip's challenge.  rnd_ifd and k_ifd are the
 * terminal's random values: NULL draws them from the CSPRNG (tests pass
 * the ICAO worked example's). */
int eg_bac_mutual_auth_data(struct eg_bac *bac, const uint8_t rnd_ic[static 8],
                            const uint8_t *rnd_ifd, const uint8_t *k_ifd,
                            uint8_t out[static EG_BAC_MUTUAL_AUTH_LEN]);

/* Verify the chip's MUTUAL AUTHENTICATE answer (data without SW) and set
 * up 3DES secure messaging.  -EBADMSG with *reason for a wrong length, a
 * MAC that does not verify (wrong MRZ or a forged answer) or nonces that do
 * not echo ours. */
int eg_bac_finish(struct eg_bac *bac, const uint8_t *resp, size_t len, struct eg_sm *ret_sm,
                  const char **reason);

void eg_bac_clear(struct eg_bac *bac);
