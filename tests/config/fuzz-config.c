/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: any bytes given to the config loader must be refused or accepted
 * cleanly, never crash or leak.  Build with -Dfuzzing=true and clang. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct eg_config_errors errors = {};
        struct eg_config *c = NULL;
        char *text;
        int r;

        /* The loader takes a C string; an embedded NUL just ends it early. */
        text = malloc(size + 1);
        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = '\0';

        log_set_max_level(LOG_CRIT);
        r = eg_config_load_string("fuzz.conf", text, &c, &errors);
        /* All or nothing: a config without errors, or errors without a config. */
        if ((r >= 0) != (c != NULL) || (r >= 0) != (errors.n == 0) ||
            errors.n > EG_CONFIG_MAX_ERRORS)
                abort();

        eg_config_free(c);
        eg_config_errors_clear(&errors);
        free(text);
        return 0;
}
