/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A PN532 NFC controller behind a UART, emulated on a pseudo-terminal for
 * libnfc's pn532_uart driver (connstring "pn532_uart:<slave path>").  A
 * thread answers the host's frames (ACK, then a response) with the
 * commands libnfc uses to open the device, find an ISO/IEC 14443-4 type A
 * target and exchange APDUs with it; InDataExchange goes to a card emulator
 * (card.h).  Knobs take the card away and break the link (bad checksums,
 * garbage, silence) for the negative tests.
 *
 * Not emulated: InAutoPoll, target mode, InDataExchange answers longer than
 * one frame (the MI chaining bit), other modulations than 106 kbps type A,
 * real RF timing.  EGATE_PN532_TRACE=1 dumps every byte both ways on stderr.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "card.h"

struct pn532_emu;

enum pn532_fault {
        PN532_FAULT_NONE = 0,
        PN532_FAULT_BAD_CHECKSUM, /* answers to InDataExchange with a wrong data checksum */
        PN532_FAULT_GARBAGE, /* answers to InDataExchange with noise, no frame */
        PN532_FAULT_SILENT, /* no ACK, no answer to InDataExchange */
};

/* The card may be NULL (nothing in the field); it must outlive its use here. */
int pn532_emu_start(struct eg_test_card *card, struct pn532_emu **ret);
void pn532_emu_stop(struct pn532_emu *e);
/* The slave side of the pseudo-terminal, for the connstring. */
const char *pn532_emu_path(const struct pn532_emu *e);
/* Put a card in the field, or take it away (NULL): InListPassiveTarget then
 * finds nothing and a running exchange times out. */
void pn532_emu_set_card(struct pn532_emu *e, struct eg_test_card *card);
/* The card leaves the field during the n-th InDataExchange from now (which times out). */
void pn532_emu_remove_card_after(struct pn532_emu *e, unsigned exchanges);
/* From the (after+1)th InDataExchange on, misbehave. */
void pn532_emu_set_fault(struct pn532_emu *e, enum pn532_fault fault, unsigned after);
/* Frames answered, and InDataExchange commands among them. */
unsigned pn532_emu_frames(const struct pn532_emu *e);
unsigned pn532_emu_exchanges(const struct pn532_emu *e);
