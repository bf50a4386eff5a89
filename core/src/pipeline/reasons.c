/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "macro.h"
#include "reasons.h"

/* Kept in the order of docs/reason-codes.md; a test compares the two. */
static const struct eg_reason_info reasons[] = {
        /* Lane and devices */
        { EG_REASON_DEVICE_FAULT, "lane",
          "a lane device failed or went away during the transaction" },
        { EG_REASON_DEVICE_TIMEOUT, "lane", "a lane device did not answer within its deadline" },
        { EG_REASON_PKI_STALE, "lane",
          "a CRL is past its next update by more than crl-grace-hours: no lane takes travellers" },
        { EG_REASON_LANE_NO_OPERATOR, "lane",
          "operator-attendance = required and no operator attends the lane" },
        /* Approach */
        { EG_REASON_APPROACH_MULTI, "approach",
          "more than one person in the approach zone when the document was placed" },
        /* Document */
        { EG_REASON_DOC_CAPTURE_TIMEOUT, "document",
          "the reader gave no MRZ within document-timeout-ms" },
        { EG_REASON_DOC_REMOVED, "document",
          "the document was taken off the reader before it was read" },
        { EG_REASON_MRZ_UNREADABLE, "document",
          "the MRZ could not be read in document-attempts tries" },
        { EG_REASON_MRZ_CHECKDIGIT, "mrz", "a check digit of the printed MRZ is wrong" },
        { EG_REASON_MRZ_FORMAT, "mrz", "the printed MRZ is not a valid TD1, TD2 or TD3 zone" },
        { EG_REASON_DOC_TYPE_NOT_ALLOWED, "document-validity",
          "the document code is not in the policy's document-types" },
        { EG_REASON_ISSUER_NOT_ALLOWED, "document-validity",
          "the issuing state is not in the policy's issuing-states" },
        { EG_REASON_DOC_EXPIRED, "document-validity", "the document expired before today" },
        /* Optical security */
        { EG_REASON_DOC_MODEL_UNKNOWN, "document-model",
          "the document reader knows no document model that fits the data page" },
        { EG_REASON_DOC_INSPECTION_FAILED, "document-model",
          "the document reader could not inspect the data page (it said why)" },
        { EG_REASON_DOC_INSPECTION_UNSUPPORTED, "document-model",
          "the document reader cannot inspect the data page's optical security" },
        { EG_REASON_DOC_OPTICAL_FAIL, "optical-security",
          "an optical security check of the data page (UV, IR/B900, patterns) failed" },
        { EG_REASON_DOC_OPTICAL_UNDETERMINED, "optical-security",
          "the document reader could not decide an optical security check" },
        { EG_REASON_DOC_OPTICAL_NONE, "optical-security",
          "the document reader identified the model but made no optical security check" },
        { EG_REASON_DOC_OPTICAL_EVALUATORY, "optical-security",
          "an optical security check did not pass; evaluatory, as the chip proved authentic" },
        /* Chip */
        { EG_REASON_CHIP_NOT_FOUND, "chip-access", "no chip answered, or it left the field" },
        { EG_REASON_CHIP_ACCESS_FAIL, "chip-access",
          "BAC or PACE failed (e.g. the MRZ does not open the chip)" },
        { EG_REASON_CHIP_TIMEOUT, "chip-access", "the chip did not answer in time" },
        { EG_REASON_CHIP_READ_FAIL, "chip-read", "a data group could not be read" },
        { EG_REASON_CHIP_DG_MISSING, "chip-read",
          "a mandatory data group (DG1, EF.SOD) is missing" },
        { EG_REASON_PA_SOD_SIG, "passive-authentication", "the EF.SOD signature does not verify" },
        { EG_REASON_PA_DS_UNTRUSTED, "passive-authentication",
          "the Document Signer does not chain to a trusted CSCA" },
        { EG_REASON_PA_DS_REVOKED, "passive-authentication",
          "the Document Signer certificate is revoked" },
        { EG_REASON_PA_CERT_EXPIRED, "passive-authentication",
          "the DS or CSCA certificate is outside its validity" },
        { EG_REASON_PA_DG_HASH, "passive-authentication",
          "a data group does not match its hash in EF.SOD" },
        { EG_REASON_PA_ISSUER_MISMATCH, "passive-authentication",
          "the issuing state differs from the DS certificate's country" },
        { EG_REASON_PA_NO_CSCA, "passive-authentication",
          "no CSCA for the signer: PA undetermined (csca-directory)" },
        { EG_REASON_CHIP_CLONE_SUSPECT, "chip-authenticity",
          "Chip or Active Authentication failed: possible clone" },
        { EG_REASON_CHIP_AUTH_UNSUPPORTED, "chip-authenticity",
          "the chip offers neither Chip nor Active Authentication" },
        { EG_REASON_MRZ_DG1_MISMATCH, "mrz-chip-match",
          "the printed MRZ differs from the chip's DG1" },
        /* Registry and eligibility */
        { EG_REASON_REGISTRY_UNAVAILABLE, "registry", "the member registry did not answer" },
        { EG_REASON_NOT_ENROLLED, "eligibility", "the holder is not an enrolled member" },
        { EG_REASON_PASSPORT_NOT_REGISTERED, "eligibility",
          "the member's registered passport is another one: report the new passport" },
        { EG_REASON_MEMBER_CONDITIONAL, "eligibility",
          "conditional approval is not membership: complete enrolment within the policy's "
          "conditional-enrolment-months of conditional approval" },
        { EG_REASON_MEMBERSHIP_SUSPENDED, "eligibility", "the membership is suspended" },
        { EG_REASON_MEMBERSHIP_REVOKED, "eligibility", "the membership is revoked" },
        { EG_REASON_MEMBERSHIP_EXPIRED, "eligibility",
          "the membership ended (the policy's membership-years after enrolment, or with the "
          "registered passport)" },
        { EG_REASON_AGE_INELIGIBLE, "eligibility",
          "the holder is younger than the policy's min-age today" },
        { EG_REASON_MEMBER_RECORD_MISMATCH, "eligibility",
          "the registry record does not match the document (birth date)" },
        /* Background check */
        { EG_REASON_WATCHLIST_HIT, "background", "watchlist hit: silent operator alarm" },
        { EG_REASON_LOST_STOLEN_DOC, "background",
          "the document is reported lost or stolen: silent operator alarm" },
        { EG_REASON_BACKEND_UNAVAILABLE, "background",
          "the background check was unavailable or did not answer in time" },
        { EG_REASON_BACKGROUND_NONE, "background", "no background check is configured" },
        /* Entry and mantrap */
        { EG_REASON_ENTRY_DOOR_FAULT, "entry-door",
          "the entry door failed to open, close or lock" },
        { EG_REASON_ENTRY_DOOR_NOT_CLOSED, "entry-door",
          "the entry door is not closed and locked when it must be" },
        { EG_REASON_MANTRAP_TIMEOUT, "occupancy",
          "nobody entered the mantrap within mantrap-timeout-ms" },
        { EG_REASON_TURNED_BACK, "occupancy",
          "the traveller walked away from the open entry door" },
        { EG_REASON_TAILGATING, "occupancy",
          "a second person followed the traveller into the mantrap: silent operator alarm" },
        { EG_REASON_MULTI_PERSON, "occupancy",
          "more than one person entered the mantrap together: silent operator alarm" },
        { EG_REASON_DOOR_FORCED, "occupancy",
          "a door was opened without a command: silent operator alarm" },
        { EG_REASON_REVERSE_ENTRY, "occupancy",
          "someone came into the mantrap through the exit side: silent operator alarm" },
        /* Fingerprint */
        { EG_REASON_FP_NO_TEMPLATE, "fingerprint",
          "the member has no template for any finger the policy allows" },
        { EG_REASON_FP_TIMEOUT, "fingerprint",
          "no finger on the scanner within fingerprint-timeout-ms" },
        { EG_REASON_FP_QUALITY, "fingerprint", "the capture was too poor to compare" },
        { EG_REASON_FP_NO_MATCH, "fingerprint", "the finger did not match the enrolled template" },
        { EG_REASON_FP_PAD_ALARM, "fingerprint",
          "presentation attack suspected: silent operator alarm" },
        /* Face */
        { EG_REASON_FACE_UNSUPPORTED, "face",
          "no camera, face comparator or reference image: face step skipped" },
        { EG_REASON_FACE_TIMEOUT, "face", "no usable face within face-timeout-ms" },
        { EG_REASON_FACE_NOT_DETECTED, "face", "the camera found no face" },
        { EG_REASON_FACE_QUALITY, "face", "the face image could not be compared" },
        { EG_REASON_FACE_NO_MATCH, "face", "the face did not match the reference image" },
        { EG_REASON_FACE_COMPARATOR_UNAVAILABLE, "face",
          "the face comparator did not answer usably: face step undetermined" },
        { EG_REASON_MULTI_FACE, "face",
          "the camera saw more than one face: silent operator alarm" },
        { EG_REASON_FACE_PAD_ALARM, "face",
          "presentation attack suspected: silent operator alarm" },
        /* Decision and operator */
        { EG_REASON_POLICY_REJECT, "decision", "a mandatory check did not succeed" },
        { EG_REASON_OPERATOR_VETO, "decision",
          "an operator vetoed the transaction (Decide refer)" },
        { EG_REASON_OPERATOR_ABORT, "decision", "an operator aborted the transaction" },
        { EG_REASON_EMERGENCY, "decision", "the emergency input opened every door" },
        { EG_REASON_LANE_MODE_CHANGED, "decision",
          "the lane left automatic mode during the transaction" },
        { EG_REASON_LANE_RECONFIGURED, "decision",
          "a configuration reload removed or changed the lane" },
        /* Exit */
        { EG_REASON_EXIT_NOT_SAFE, "exit-door",
          "not exactly one person inside, or the entry door not locked: exit stays shut" },
        { EG_REASON_EXIT_DOOR_FAULT, "exit-door", "the exit door failed to open, close or lock" },
        { EG_REASON_EXIT_TIMEOUT, "exit", "the traveller did not leave within exit-timeout-ms" },
        { EG_REASON_EXIT_TAILGATE, "exit",
          "someone else left or entered through the open exit: silent operator alarm" },
        /* Record */
        { EG_REASON_LOG_WRITE, "record", "the audit record could not be written: the lane closes" },
};

const struct eg_reason_info *eg_reasons_table(size_t *ret_n) {
        *ret_n = ELEMENTSOF(reasons);
        return reasons;
}

const struct eg_reason_info *eg_reason_lookup(const char *code) {
        if (!code)
                return NULL;
        for (size_t i = 0; i < ELEMENTSOF(reasons); i++)
                if (streq(reasons[i].code, code))
                        return &reasons[i];
        return NULL;
}

enum eg_reason_kind eg_reason_kind(const char *code) {
        if (!code || strlen(code) < 3 || code[1] != '_')
                return EG_REASON_KIND_INVALID;
        switch (code[0]) {
        case 'E':
                return EG_REASON_KIND_ERROR;
        case 'A':
                return EG_REASON_KIND_ALERT;
        case 'W':
                return EG_REASON_KIND_WARNING;
        case 'U':
                return EG_REASON_KIND_UNDETERMINED;
        case 'N':
                return EG_REASON_KIND_NOT_SUPPORTED;
        default:
                return EG_REASON_KIND_INVALID;
        }
}

bool eg_reason_is_alert(const char *code) {
        return eg_reason_kind(code) == EG_REASON_KIND_ALERT;
}
