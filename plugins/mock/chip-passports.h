/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The travellers' passport chips as real eMRTDs, answered by the card
 * emulator (card/card.h): BAC with the key of the chip's MRZ, secure
 * messaging, EF.COM, DG1 (the chip MRZ), DG2 (a small JPEG, about 15 KB),
 * DG14 (Chip Authentication), DG15 (Active Authentication) and an EF.SOD
 * signed by a mock PKI.
 *
 * The PKI is made once, up front: one CSCA and one Document Signer (EC
 * P-256) per issuing state among the scenario's chips, because passive
 * authentication checks the DS country against DG1.  A chip is built the
 * first time it is needed and kept for the plugin's life.  Pure: no host
 * calls, so the tests drive it directly.
 */
#pragma once

#include <stddef.h>

#include "card.h"
#include "scenario.h"

/* DG2's JPEG is padded to about this size: the read takes as long as a real one. */
#define MOCK_CHIP_DG2_SIZE 15000

struct mock_chips;

int mock_chips_new(const struct mock_scenario *s, struct mock_chips **ret);
struct mock_chips *mock_chips_free(struct mock_chips *c);

/* The CSCAs made, one per issuing state. */
size_t mock_chips_n_csca(const struct mock_chips *c);
X509 *mock_chips_csca(const struct mock_chips *c, size_t i);

/* Every CSCA certificate, PEM, into `path` (mode 0644, replaced atomically
 * through a temporary file in the same directory, which must exist). */
int mock_chips_write_csca(const struct mock_chips *c, const char *path);

/* The chip of `t`, one of the scenario's travellers with a chip: built on
 * the first call (a few milliseconds), then the same one.  -EINVAL for a
 * traveller that is not the scenario's or has no chip. */
int mock_chips_passport(struct mock_chips *c, const struct mock_traveller *t,
                        const struct eg_test_passport **ret);

/* The card-side faults a behaviour needs (clone: AA and CA with other keys). */
struct eg_test_card_faults mock_chips_card_faults(const struct mock_traveller *t);
