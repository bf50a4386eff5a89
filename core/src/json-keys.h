/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A field given twice in one JSON object.  json-c keeps the last value of a repeated key
 * and drops the others without a word, so {"status": "revoked", ..., "status": "active"}
 * would read as active while a person reviewing the file sees revoked, and a bridge's
 * {"result": "watchlist-hit", ..., "result": "clear"} as clear.  The registry's import
 * format and the bridges' answers refuse that like an unknown field; json-c cannot tell,
 * so the text is scanned.
 */
#pragma once

#include <json-c/json.h>
#include <stddef.h>

/*
 * text: len bytes that json-c has accepted as one JSON document.  Returns 1 with
 * *ret_offset at the second occurrence of a key repeated in one object, 0 when every
 * object's keys are distinct, -ENOMEM, or -EINVAL for text that is not JSON after all.
 * Keys are compared as json-c decodes them ("a" and "\u0061" are the same key).  Only the
 * first 32 keys of an object are compared: the formats that use this have objects of at
 * most 8 fields and refuse any other, so a larger object is refused anyway.
 */
int eg_json_find_repeated_key(const char *text, size_t len, size_t *ret_offset);

/*
 * The same text: fn is called with the value of every member of the top-level object named
 * key (compared as decoded), in the order of the text, every one of them and not only the
 * last, which json-c keeps.  The value is json-c's, borrowed for the call.  Returns 0,
 * fn's negative return (which stops the walk), -ENOMEM, or -EINVAL as above.
 */
int eg_json_for_each_top_member(const char *text, size_t len, const char *key,
                                int (*fn)(json_object *value, void *userdata), void *userdata);
