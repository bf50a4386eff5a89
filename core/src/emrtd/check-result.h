/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Check results in the terms of BSI TR-03135 (successful, failed,
 * undetermined, not supported, aborted) and the reason codes of the
 * decision pipeline (E error, U undetermined, N not supported).  The
 * reason code strings are stable: they end up in audit records.
 */
#pragma once

#include <stdarg.h>

enum eg_check_result {
        EG_CHECK_SUCCESSFUL = 0,
        EG_CHECK_FAILED,
        EG_CHECK_UNDETERMINED,
        EG_CHECK_NOT_SUPPORTED,
        EG_CHECK_ABORTED,
        _EG_CHECK_RESULT_MAX,
};

/* Step 6: chip access. */
#define EG_REASON_CHIP_NOT_FOUND "E_CHIP_NOT_FOUND"
#define EG_REASON_CHIP_ACCESS_FAIL "E_CHIP_ACCESS_FAIL"
#define EG_REASON_CHIP_TIMEOUT "E_CHIP_TIMEOUT"
/* Step 7: chip read. */
#define EG_REASON_CHIP_READ_FAIL "E_CHIP_READ_FAIL"
#define EG_REASON_CHIP_DG_MISSING "E_CHIP_DG_MISSING"
/* Step 8: passive authentication. */
#define EG_REASON_PA_SOD_SIG "E_PA_SOD_SIG"
#define EG_REASON_PA_DS_UNTRUSTED "E_PA_DS_UNTRUSTED"
#define EG_REASON_PA_DS_REVOKED "E_PA_DS_REVOKED"
#define EG_REASON_PA_CERT_EXPIRED "E_PA_CERT_EXPIRED"
#define EG_REASON_PA_DG_HASH "E_PA_DG_HASH"
#define EG_REASON_PA_ISSUER_MISMATCH "E_PA_ISSUER_MISMATCH"
#define EG_REASON_PA_NO_CSCA "U_PA_NO_CSCA"
/* Step 9: chip authenticity (CA, PACE-CAM or AA). */
#define EG_REASON_CHIP_CLONE_SUSPECT "E_CHIP_CLONE_SUSPECT"
#define EG_REASON_CHIP_AUTH_UNSUPPORTED "N_CHIP_AUTH_UNSUPPORTED"

#define EG_CHECK_DETAIL_MAX 160

/* One check's outcome.  `reason` is one of the EG_REASON_* strings (NULL
 * when successful); `detail` says what exactly happened, for operators and
 * logs, and never carries personal data. */
struct eg_check {
        enum eg_check_result result;
        const char *reason;
        char detail[EG_CHECK_DETAIL_MAX];
};

/* "successful", "failed", "undetermined", "not-supported", "aborted". */
const char *eg_check_result_to_string(enum eg_check_result r);

__attribute__((format(printf, 4, 5))) void eg_check_set(struct eg_check *c,
                                                        enum eg_check_result result,
                                                        const char *reason, const char *fmt, ...);
