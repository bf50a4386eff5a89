/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A hand-rolled descriptor with a pointer in it, forced into .rodata: the
 * pointer needs a load-time relocation inside read-only data (DT_TEXTREL).
 * Built by gcc only (see meson.build): clang makes such a .rodata writable.
 */
#include "test-plugin.h"

/* gcc emits .rodata as writable ("aw") for an object needing a relocation; this
 * states the section read-only first, so the assembler keeps it that way. */
__asm__(".section .rodata,\"a\"\n\t.previous");

static const char extra[] = "not allowed";

struct descriptor_with_pointer {
        struct eg_plugin_descriptor base;
        const char *extra;
};

__attribute__((visibility("default"), section(".rodata")))
const struct descriptor_with_pointer egate_plugin_descriptor = {
        .base = {
                .size = sizeof(struct eg_plugin_descriptor),
                .abi_major = EG_SDK_ABI_MAJOR,
                .abi_minor = EG_SDK_ABI_MINOR,
                TEST_DESCRIPTOR_MEMBERS("relocated-descriptor"),
        },
        .extra = extra,
};

__attribute__((visibility("default"))) const struct eg_plugin_ops egate_plugin_ops = {
        TEST_OPS_MEMBERS,
};
