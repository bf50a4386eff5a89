/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>

#include "check-result.h"

const char *eg_check_result_to_string(enum eg_check_result r) {
        static const char *const names[_EG_CHECK_RESULT_MAX] = {
                [EG_CHECK_SUCCESSFUL] = "successful",
                [EG_CHECK_FAILED] = "failed",
                [EG_CHECK_UNDETERMINED] = "undetermined",
                [EG_CHECK_NOT_SUPPORTED] = "not-supported",
                [EG_CHECK_ABORTED] = "aborted",
        };

        if ((unsigned) r >= _EG_CHECK_RESULT_MAX)
                return "invalid";
        return names[r];
}

void eg_check_set(struct eg_check *c, enum eg_check_result result, const char *reason,
                  const char *fmt, ...) {
        va_list ap;

        c->result = result;
        c->reason = reason;
        va_start(ap, fmt);
        (void) vsnprintf(c->detail, sizeof(c->detail), fmt, ap);
        va_end(ap);
}
