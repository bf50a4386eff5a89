/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>

#include "macro.h"
#include "optical.h"

static const char *const check_names[EG_OPTICAL_MAX_] = {
        [EG_OPTICAL_UV_DULLNESS] = "uv-dullness",
        [EG_OPTICAL_UV_PATTERNS] = "uv-patterns",
        [EG_OPTICAL_IR_B900] = "ir-b900",
        [EG_OPTICAL_IR_MRZ] = "ir-mrz",
        [EG_OPTICAL_VISIBLE_PATTERNS] = "visible-patterns",
};

const char *eg_optical_check_to_string(enum eg_optical_check c) {
        if ((unsigned) c >= EG_OPTICAL_MAX_)
                return NULL;
        return check_names[c];
}

void eg_optical_checks_format(uint32_t mask, char *buf, size_t size) {
        size_t used = 0;

        if (size == 0)
                return;
        buf[0] = '\0';
        for (unsigned c = 0; c < EG_OPTICAL_MAX_ && used < size; c++) {
                int n;

                if (!(mask & EG_OPTICAL_BIT(c)))
                        continue;
                n = snprintf(buf + used, size - used, "%s%s", used > 0 ? ", " : "", check_names[c]);
                if (n < 0)
                        return;
                used += (size_t) n;
        }
}
