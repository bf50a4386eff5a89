/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The one list of reason codes (docs/reason-codes.md documents each).  A
 * code's first letter says what it is: E error (the check failed), A alert
 * (a silent operator alarm), W warning, U undetermined, N not supported.
 * Codes are stable strings: they go into audit records, D-Bus signals and
 * referral messages, so a code is never renamed or reused.
 *
 * The chip codes are defined by the eMRTD library (emrtd/check-result.h);
 * this list includes them so that one table describes every code.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "emrtd/check-result.h"

/* Lane and devices (domain notes §9 step 0). */
#define EG_REASON_DEVICE_FAULT "E_DEVICE_FAULT"
#define EG_REASON_DEVICE_TIMEOUT "E_DEVICE_TIMEOUT"
#define EG_REASON_PKI_STALE "E_PKI_STALE"
#define EG_REASON_LANE_NO_OPERATOR "E_LANE_NO_OPERATOR"
/* Approach (step 1): a warning, the decision does not change. */
#define EG_REASON_APPROACH_MULTI "W_APPROACH_MULTI"
/* Document (steps 2, 3, 5). */
#define EG_REASON_DOC_CAPTURE_TIMEOUT "E_DOC_CAPTURE_TIMEOUT"
#define EG_REASON_DOC_REMOVED "E_DOC_REMOVED"
#define EG_REASON_MRZ_UNREADABLE "E_MRZ_UNREADABLE"
#define EG_REASON_MRZ_CHECKDIGIT "E_MRZ_CHECKDIGIT"
#define EG_REASON_MRZ_FORMAT "E_MRZ_FORMAT"
#define EG_REASON_DOC_TYPE_NOT_ALLOWED "E_DOC_TYPE_NOT_ALLOWED"
#define EG_REASON_ISSUER_NOT_ALLOWED "E_ISSUER_NOT_ALLOWED"
#define EG_REASON_DOC_EXPIRED "E_DOC_EXPIRED"
/* Optical security of the data page (step 4). */
#define EG_REASON_DOC_MODEL_UNKNOWN "E_DOC_MODEL_UNKNOWN"
#define EG_REASON_DOC_INSPECTION_FAILED "U_DOC_INSPECTION_FAILED"
#define EG_REASON_DOC_INSPECTION_UNSUPPORTED "N_DOC_INSPECTION_UNSUPPORTED"
#define EG_REASON_DOC_OPTICAL_FAIL "E_DOC_OPTICAL_FAIL"
#define EG_REASON_DOC_OPTICAL_UNDETERMINED "U_DOC_OPTICAL_UNDETERMINED"
#define EG_REASON_DOC_OPTICAL_NONE "N_DOC_OPTICAL_NONE"
#define EG_REASON_DOC_OPTICAL_EVALUATORY "W_DOC_OPTICAL_EVALUATORY"
/* Optical MRZ against the chip (step 10). */
#define EG_REASON_MRZ_DG1_MISMATCH "E_MRZ_DG1_MISMATCH"
/* Registry and eligibility (step 11). */
#define EG_REASON_REGISTRY_UNAVAILABLE "E_REGISTRY_UNAVAILABLE"
#define EG_REASON_NOT_ENROLLED "E_NOT_ENROLLED"
#define EG_REASON_PASSPORT_NOT_REGISTERED "E_PASSPORT_NOT_REGISTERED"
#define EG_REASON_MEMBER_CONDITIONAL "E_MEMBER_CONDITIONAL"
#define EG_REASON_MEMBERSHIP_SUSPENDED "E_MEMBERSHIP_SUSPENDED"
#define EG_REASON_MEMBERSHIP_REVOKED "E_MEMBERSHIP_REVOKED"
#define EG_REASON_MEMBERSHIP_EXPIRED "E_MEMBERSHIP_EXPIRED"
#define EG_REASON_AGE_INELIGIBLE "E_AGE_INELIGIBLE"
#define EG_REASON_MEMBER_RECORD_MISMATCH "E_MEMBER_RECORD_MISMATCH"
/* Background check (step 12). */
#define EG_REASON_WATCHLIST_HIT "A_WATCHLIST_HIT"
#define EG_REASON_LOST_STOLEN_DOC "A_LOST_STOLEN_DOC"
#define EG_REASON_BACKEND_UNAVAILABLE "E_BACKEND_UNAVAILABLE"
#define EG_REASON_BACKGROUND_NONE "N_BACKGROUND_NONE"
/* Entry door and occupancy (steps 13, 14). */
#define EG_REASON_ENTRY_DOOR_FAULT "E_ENTRY_DOOR_FAULT"
#define EG_REASON_ENTRY_DOOR_NOT_CLOSED "E_ENTRY_DOOR_NOT_CLOSED"
#define EG_REASON_MANTRAP_TIMEOUT "E_MANTRAP_TIMEOUT"
#define EG_REASON_TURNED_BACK "E_TRAVELLER_TURNED_BACK"
#define EG_REASON_TAILGATING "A_TAILGATING"
#define EG_REASON_MULTI_PERSON "A_MULTI_PERSON"
#define EG_REASON_DOOR_FORCED "A_DOOR_FORCED"
#define EG_REASON_REVERSE_ENTRY "A_REVERSE_ENTRY"
/* Fingerprint (steps 15, 16). */
#define EG_REASON_FP_NO_TEMPLATE "E_FP_NO_TEMPLATE"
#define EG_REASON_FP_TIMEOUT "E_FP_TIMEOUT"
#define EG_REASON_FP_QUALITY "E_FP_QUALITY"
#define EG_REASON_FP_NO_MATCH "E_FP_NO_MATCH"
#define EG_REASON_FP_PAD_ALARM "A_FP_PAD_ALARM"
/* Face (steps 17, 18). */
#define EG_REASON_FACE_UNSUPPORTED "N_FACE_UNSUPPORTED"
#define EG_REASON_FACE_TIMEOUT "E_FACE_TIMEOUT"
#define EG_REASON_FACE_NOT_DETECTED "E_FACE_NOT_DETECTED"
#define EG_REASON_FACE_QUALITY "E_FACE_QUALITY"
#define EG_REASON_FACE_NO_MATCH "E_FACE_NO_MATCH"
#define EG_REASON_FACE_COMPARATOR_UNAVAILABLE "E_FACE_COMPARATOR_UNAVAILABLE"
#define EG_REASON_MULTI_FACE "A_MULTI_FACE"
#define EG_REASON_FACE_PAD_ALARM "A_FACE_PAD_ALARM"
/* Decision and operator (step 19). */
#define EG_REASON_POLICY_REJECT "E_POLICY_REJECT"
#define EG_REASON_OPERATOR_VETO "E_OPERATOR_VETO"
#define EG_REASON_OPERATOR_ABORT "E_OPERATOR_ABORT"
#define EG_REASON_EMERGENCY "E_EMERGENCY"
#define EG_REASON_LANE_MODE_CHANGED "E_LANE_MODE_CHANGED"
#define EG_REASON_LANE_RECONFIGURED "E_LANE_RECONFIGURED"
/* Exit (step 20). */
#define EG_REASON_EXIT_NOT_SAFE "E_EXIT_NOT_SAFE"
#define EG_REASON_EXIT_DOOR_FAULT "E_EXIT_DOOR_FAULT"
#define EG_REASON_EXIT_TIMEOUT "E_EXIT_TIMEOUT"
#define EG_REASON_EXIT_TAILGATE "A_EXIT_TAILGATE"
/* Record (step 21). */
#define EG_REASON_LOG_WRITE "E_LOG_WRITE"

/* What a code is, from its first letter. */
enum eg_reason_kind {
        EG_REASON_KIND_ERROR = 0, /* E_ */
        EG_REASON_KIND_ALERT, /* A_: silent operator alarm */
        EG_REASON_KIND_WARNING, /* W_ */
        EG_REASON_KIND_UNDETERMINED, /* U_ */
        EG_REASON_KIND_NOT_SUPPORTED, /* N_ */
        EG_REASON_KIND_INVALID,
};

struct eg_reason_info {
        const char *code;
        const char *step; /* the step that reports it, as in StepFinished */
        const char *summary; /* one line for operators; never personal data */
};

/* The whole table, in documentation order; *ret_n entries. */
const struct eg_reason_info *eg_reasons_table(size_t *ret_n);
/* NULL for an unknown code. */
const struct eg_reason_info *eg_reason_lookup(const char *code);
enum eg_reason_kind eg_reason_kind(const char *code);
bool eg_reason_is_alert(const char *code);
