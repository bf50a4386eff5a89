/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared between the card emulator's files: the chip's state. */
#pragma once

#include <eac/eac.h>
#include <eac/pace.h>

#include "card.h"
#include "emrtd/apdu.h"
#include "emrtd/sm.h"

#define CARD_RESPONSE_MAX (EG_RAPDU_MAX + 64)

enum card_auth {
        CARD_AUTH_NONE = 0,
        CARD_AUTH_BAC,
        CARD_AUTH_PACE,
};

struct card_response {
        uint8_t data[EG_APDU_EXT_MAX_LE];
        size_t len;
        uint16_t sw;
        bool odd; /* odd INS: the data is BER-TLV, protected in DO85 */
};

struct eg_test_card {
        const struct eg_test_passport *passport;
        struct card_response *response; /* 64 KiB: on the heap, one per card (no statics) */
        struct eg_test_card_faults faults;
        unsigned n_apdus;
        bool removed;

        bool app_selected;
        int selected; /* file slot, -1 none */
        enum card_auth auth;
        struct eg_sm sm; /* card side of secure messaging */

        bool have_challenge;
        uint8_t rnd_ic[8];

        /* PACE in progress. */
        EAC_CTX *pace;
        PACE_SEC *pace_secret;
        int pace_step;
        BUF_MEM *pace_terminal_pub;

        /* Chip Authentication: MSE:Set AT seen (AES), new keys to switch to. */
        bool ca_set_at;
        bool rekey_pending;
        struct eg_sm next_sm;
};

/* card-sm.c */
int card_sm_unwrap_command(struct eg_test_card *c, const struct eg_capdu *wire, uint8_t *buf,
                           struct eg_capdu *ret);
int card_sm_wrap_response(struct eg_test_card *c, const struct card_response *r, uint8_t *out,
                          size_t cap, size_t *ret_len);

/* card-auth.c: BAC, Active and Chip Authentication. */
void card_get_challenge(struct eg_test_card *c, const struct eg_capdu *cmd,
                        struct card_response *r);
void card_mutual_authenticate(struct eg_test_card *c, const struct eg_capdu *cmd,
                              struct card_response *r);
void card_internal_authenticate(struct eg_test_card *c, const struct eg_capdu *cmd,
                                struct card_response *r);
void card_ca_set_kat(struct eg_test_card *c, const struct eg_capdu *cmd, struct card_response *r);
void card_ca_set_at(struct eg_test_card *c, const struct eg_capdu *cmd, struct card_response *r);
void card_ca_general_authenticate(struct eg_test_card *c, const struct eg_capdu *cmd,
                                  struct card_response *r);

/* card-pace.c */
void card_pace_set_at(struct eg_test_card *c, const struct eg_capdu *cmd, struct card_response *r);
void card_pace_general_authenticate(struct eg_test_card *c, const struct eg_capdu *cmd,
                                    struct card_response *r);
void card_pace_reset(struct eg_test_card *c);

static inline void card_status(struct card_response *r, uint16_t sw) {
        r->len = 0;
        r->sw = sw;
}
