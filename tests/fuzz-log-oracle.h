/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the bridge fuzz targets check in every message a backend logs, written
 * apart from the code under test (core/src/bridge-answer.c) so that a slip in
 * the screening is caught rather than repeated.  Failures __builtin_trap().
 */
#pragma once

#include <stddef.h>
#include <sys/uio.h>

#define FUZZ_LOG_TEXT_MAX 4096

/* The MESSAGE= of a captured journal entry into text: one line of printable ASCII, no NUL
 * (nothing forged, no bytes of the answer). */
void fuzz_log_text(const struct iovec *iov, int n, char text[static FUZZ_LOG_TEXT_MAX]);

/* The bridge's own message, shown after prefix (when the text has it): short, and no word
 * shaped like a document number. */
void fuzz_log_check_shown(const char *text, const char *prefix);
