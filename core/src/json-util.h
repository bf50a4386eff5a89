/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Building JSON documents with json-c: the ownership rules in one place. */
#pragma once

#include <errno.h>
#include <json-c/json.h>

#include "macro.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(json_object *, json_object_put)

/*
 * Hand v to o under key.  v is released if that fails; a NULL v stands for the allocation
 * that made it and failed, so calls can nest: eg_json_add(o, "n", json_object_new_int(1)).
 */
static inline int eg_json_add(json_object *o, const char *key, json_object *v) {
        if (!v)
                return -ENOMEM;
        if (json_object_object_add(o, key, v) < 0) {
                json_object_put(v);
                return -ENOMEM;
        }
        return 0;
}
