/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The travellers' passport chips as real eMRTDs, answered by the card
 * emulator (card/card.h): BAC with the key of the chip's MRZ, secure
 * messaging, EF.COM, DG1 (the chip MRZ), DG2 (a small JPEG, about 15 KB),
 * DG14 (Chip Authentication), DG15 (Active Authentication) and an EF.SOD
 * signed by a mock PKI.  A chip with chip.access "pace" also has
 * EF.CardAccess (PACE-GM, P-256, AES-128) and AES-128 Chip Authentication;
 * it answers BAC as well.
 *
 * Everything is made once, up front, when the scenario is loaded: the PKI,
 * one CSCA and one Document Signer (EC P-256) per issuing state among the
 * scenario's chips, because passive authentication checks the DS country
 * against DG1; then every traveller's chip (about 0.4 ms and 33 KB each, so
 * about 0.4 s for a scenario of MOCK_MAX_TRAVELLERS), as a real passport
 * is made long before it reaches the gate.  The chips are kept for the
 * plugin's life; a passport placed on the reader is only looked up.  The
 * scenario's travellers never change after the load (the control socket
 * adds none), so nothing is built later.  Pure: no host calls, so the tests
 * drive it directly.
 */
#pragma once

#include <stddef.h>

#include "card.h"
#include "scenario.h"

/* DG2's JPEG is padded to about this size: the read takes as long as a real one. */
#define MOCK_CHIP_DG2_SIZE 15000

struct mock_chips;

/* The PKI and the chip of every traveller of `s` with one; `s` must outlive
 * the result.  On failure, a negative errno and, if `error` is not NULL, a
 * message naming the traveller in *error (free() it; NULL if out of memory),
 * e.g. "traveller 'uto': cannot build the passport chip: Invalid argument". */
int mock_chips_new(const struct mock_scenario *s, struct mock_chips **ret, char **error);
/* Frees the PKI and every chip.  The cards made from the chips must be gone. */
struct mock_chips *mock_chips_free(struct mock_chips *c);

/* The chips built, one per traveller with a chip. */
size_t mock_chips_n_passports(const struct mock_chips *c);

/* The CSCAs made, one per issuing state. */
size_t mock_chips_n_csca(const struct mock_chips *c);
X509 *mock_chips_csca(const struct mock_chips *c, size_t i);

/* Every CSCA certificate, PEM, into `path` (mode 0644, replaced atomically
 * through a temporary file in the same directory, which must exist). */
int mock_chips_write_csca(const struct mock_chips *c, const char *path);

/* The chip of `t`, one of the scenario's travellers with a chip, as
 * mock_chips_new() built it: a lookup, always the same one.  Owned by `c`.
 * -EINVAL for a traveller that is not the scenario's or has no chip. */
int mock_chips_passport(const struct mock_chips *c, const struct mock_traveller *t,
                        const struct eg_test_passport **ret);

/* The card-side faults a behaviour needs (clone: AA and CA with other keys; short-only:
 * extended-length APDUs refused). */
struct eg_test_card_faults mock_chips_card_faults(const struct mock_traveller *t);
