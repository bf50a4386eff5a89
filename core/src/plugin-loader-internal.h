/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared between the loader's sources (plugin-loader.c, plugin-elf.c); not for other callers. */
#pragma once

#include <egate/plugin.h>
#include <stddef.h>

#include "macro.h"

#define EG_SIZEOF_MEMBER(type, member) sizeof(((type *) NULL)->member)
#define EG_END_OF_MEMBER(type, member) (offsetof(type, member) + EG_SIZEOF_MEMBER(type, member))

/*
 * The sizes of the size-prefixed structs in SDK ABI 1.0, the smallest egated
 * accepts.  These never change: members added in later minors lie beyond them.
 */
#define EG_PLUGIN_DESCRIPTOR_SIZE_1_0 EG_END_OF_MEMBER(struct eg_plugin_descriptor, matches)
#define EG_PLUGIN_OPS_SIZE_1_0 EG_END_OF_MEMBER(struct eg_plugin_ops, probe)

/*
 * Store a formatted refusal reason in *ret_reason (when not NULL) and return
 * -abs(error), or -ENOMEM if the reason cannot be allocated.
 */
int plugin_refuse(char **ret_reason, int error, const char *format, ...) _printf_(3, 4);
