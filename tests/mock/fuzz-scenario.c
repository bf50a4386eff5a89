/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for the mock's scenario parser.
 *   CC=clang meson setup build-fuzz -Dfuzzing=true -Db_sanitize=address,undefined -Db_lundef=false
 *   ./build-fuzz/tests/mock/fuzz-scenario -max_total_time=60 -dict=tests/mock/fuzz-scenario.dict \
 *       plugins/mock/scenarios
 * Without -Dfuzzing the same entry point is built with a main() that replays
 * the files named on the command line (the shipped scenarios, in the suite).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "mock-macro.h"
#include "scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* DOCUMENT_INSPECT hands these to the daemon as they are, so the SDK's rules must hold: a
 * printable ASCII model of at most MOCK_DOCUMENT_MODEL_MAX bytes, or none; each check in
 * one mask at most, and only the checks there are. */
static bool document_is_valid(const struct mock_traveller *t) {
        uint32_t p = t->document.optical_passed, f = t->document.optical_failed,
                 u = t->document.optical_undetermined;

        if (t->document.model) {
                size_t n = strlen(t->document.model);

                if (n == 0 || n > MOCK_DOCUMENT_MODEL_MAX)
                        return false;
                for (size_t i = 0; i < n; i++)
                        if (t->document.model[i] < 0x20 || t->document.model[i] > 0x7e)
                                return false;
        }
        return (p & f) == 0 && (p & u) == 0 && (f & u) == 0 &&
               ((p | f | u) & ~(EG_OPTICAL_BIT(EG_OPTICAL_MAX_) - 1)) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct mock_scenario *s = NULL;
        char *error = NULL;
        int r;

        r = mock_scenario_load_buffer(data, size, &s, &error);
        /* Exactly one of the two, always. */
        if ((r < 0) != (s == NULL) || (r >= 0) != (error == NULL) ||
            (r < 0 && r != -ENOMEM && !error))
                abort();
        if (s) {
                /* Walk what the plugin would use. */
                for (size_t i = 0; i < s->n_travellers; i++) {
                        char buf[MOCK_DOCUMENT_NUMBER_MAX];
                        (void) mock_traveller_registered_passport(&s->travellers[i], buf);
                        if (mock_scenario_find_traveller(s, s->travellers[i].id) == NULL ||
                            !document_is_valid(&s->travellers[i]))
                                abort();
                }
                for (size_t i = 0; i < s->n_faults; i++)
                        if (!mock_scenario_has_device(s, s->faults[i].device, NULL))
                                abort();
        }
        mock_scenario_free(s);
        free(error);
        return 0;
}
