/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A field given twice in one JSON object.  json-c keeps the last value of a repeated key
 * and drops the others without a word, so {"status": "revoked", ..., "status": "active"}
 * would read as active while a person reviewing the file sees revoked.  The registry's
 * formats refuse that like an unknown field; json-c cannot tell, so the text is scanned.
 */
#pragma once

#include <stddef.h>

/*
 * text: len bytes that json-c has accepted as one JSON document.  Returns 1 with
 * *ret_offset at the second occurrence of a key repeated in one object, 0 when every
 * object's keys are distinct, -ENOMEM, or -EINVAL for text that is not JSON after all.
 * Keys are compared as json-c decodes them ("a" and "\u0061" are the same key).  Only the
 * first 32 keys of an object are compared: the registry's objects have at most 8 fields
 * and refuse any other, so a larger object is refused anyway.
 */
int eg_json_find_repeated_key(const char *text, size_t len, size_t *ret_offset);
