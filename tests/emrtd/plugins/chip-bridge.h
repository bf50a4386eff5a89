/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * How the test chip reader plugin reaches the card emulator inside the test
 * executable: the executable exports `eg_test_chip_bridge` (built with
 * export_dynamic), the plugin finds it with dlsym() at run time.  The
 * plugin thus needs no undefined symbols and no copy of the card.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define EG_TEST_CHIP_BRIDGE_SYMBOL "eg_test_chip_bridge"

struct eg_test_chip_bridge {
        /* The ATR of the chip on reader `key`, or -ENOMSG when no chip is present. */
        int (*connect)(const char *key, uint8_t *atr, size_t cap, size_t *ret_len,
                       unsigned *ret_delay_ms);
        /* One APDU.  -ENODEV: the chip has gone (the plugin reports CHIP_REMOVED). */
        int (*transmit)(const char *key, const uint8_t *capdu, size_t len, uint8_t *rapdu,
                        size_t cap, size_t *ret_len, unsigned *ret_delay_ms);
};
