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
                        if (mock_scenario_find_traveller(s, s->travellers[i].id) == NULL)
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
