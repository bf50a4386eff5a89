/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Helpers shared by the eMRTD crypto tests. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Decode hex (spaces ignored) into out; returns the byte count, aborts on bad input. */
size_t hex_to_bytes(const char *hex, uint8_t *out, size_t cap);
/* Upper-case hex of buf, in a static rotating buffer (for assert_string_equal). */
const char *bytes_to_hex(const uint8_t *buf, size_t len);

#include "card.h"
#include "emrtd/apdu.h"
#include "emrtd/sm.h"

/* One command to the card emulator: protected when sm is active, the answer
 * verified and decrypted.  Returns 0 or the transport/unwrap error. */
int test_exchange(struct eg_test_card *card, struct eg_sm *sm, const struct eg_capdu *cmd,
                  uint8_t *data, size_t cap, size_t *ret_len, uint16_t *ret_sw);
/* SELECT the LDS application, then BAC: 0 with *sm set up, or -EACCES. */
int test_select_and_bac(struct eg_test_card *card, const char *mrz_information, struct eg_sm *sm);
/* SELECT EF by FID and read it whole in chunks of `chunk` bytes. */
int test_read_file(struct eg_test_card *card, struct eg_sm *sm, uint16_t fid, size_t chunk,
                   uint8_t **ret, size_t *ret_len);
