/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* eg_plugin_descriptor_read() on the built test plugins and on files made here. */
#include <elf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "loader-test-util.h"
#include "plugin-loader-internal.h"
#include "plugin-loader.h"

#define NO_SYMBOL "no egate_plugin_descriptor symbol (not an egate plugin?)"

static char *tmpdir;

static int setup(void **state) {
        (void) state;
        tmpdir = test_tmpdir_new();
        return 0;
}

static int teardown(void **state) {
        (void) state;
        test_tmpdir_remove(tmpdir);
        tmpdir = NULL;
        test_expect_free_all();
        return 0;
}

static void read_ok(const char *path, struct eg_plugin_descriptor *ret) {
        char *reason = NULL;
        int r = eg_plugin_descriptor_read(path, ret, &reason);

        if (r < 0)
                fail_msg("%s: %s", path, reason);
        assert_null(reason);
}

static void read_plugin_ok(const char *name, struct eg_plugin_descriptor *ret) {
        char *path = test_plugin_path(name);

        read_ok(path, ret);
        free(path);
}

static void assert_read_refused(const char *path, const char *expected) {
        struct eg_plugin_descriptor d, untouched;
        char *reason = NULL;

        memset(&d, 0xa5, sizeof(d));
        untouched = d;
        assert_true(eg_plugin_descriptor_read(path, &d, &reason) < 0);
        assert_non_null(reason);
        assert_string_equal(reason, expected);
        free(reason);
        /* Nothing is returned on failure. */
        assert_memory_equal(&d, &untouched, sizeof(d));
        /* And no reason is needed to be told no. */
        assert_true(eg_plugin_descriptor_read(path, &d, NULL) < 0);
}

static void assert_plugin_read_refused(const char *name, const char *expected) {
        char *path = test_plugin_path(name);

        assert_read_refused(path, expected);
        free(path);
}

/* Read fine, refused by validation. */
static void assert_plugin_invalid(const char *name, const char *expected) {
        struct eg_plugin_descriptor d;
        char *reason = NULL;

        read_plugin_ok(name, &d);
        assert_true(eg_plugin_descriptor_validate(&d, &reason) < 0);
        assert_non_null(reason);
        assert_string_equal(reason, expected);
        free(reason);
}

static void assert_plugin_valid(const char *name) {
        struct eg_plugin_descriptor d;
        char *reason = NULL;

        read_plugin_ok(name, &d);
        assert_int_equal(eg_plugin_descriptor_validate(&d, &reason), 0);
        assert_null(reason);
}

static void test_good(void **state) {
        struct eg_plugin_descriptor d;

        (void) state;
        read_plugin_ok("good", &d);
        assert_int_equal(d.size, sizeof(d));
        assert_int_equal(d.abi_major, EG_SDK_ABI_MAJOR);
        assert_int_equal(d.abi_minor, EG_SDK_ABI_MINOR);
        assert_string_equal(d.name, "good");
        assert_string_equal(d.version, "1.2.3");
        assert_string_equal(d.vendor, "egate tests");
        assert_int_equal(d.classes, EG_CLASS_BIT(EG_CLASS_DOOR) | EG_CLASS_BIT(EG_CLASS_INDICATOR));
        assert_int_equal(d.flags, 0);
        assert_int_equal(d.matches[0].kind, EG_MATCH_CONFIG);
        assert_int_equal(d.matches[1].kind, EG_MATCH_UDEV);
        assert_string_equal(d.matches[1].subsystem, "tty");
        assert_string_equal(d.matches[1].property, "ID_EGATE_ROLE=door");
        assert_int_equal(d.matches[2].kind, EG_MATCH_USB);
        assert_int_equal(d.matches[2].usb_vendor, 0x1234);
        assert_int_equal(d.matches[2].usb_product, 0x5678);
        assert_int_equal(d.matches[3].kind, EG_MATCH_END);
        assert_plugin_valid("good");
}

static void test_minors(void **state) {
        struct eg_plugin_descriptor d, zero = {};
        size_t tail;

        (void) state;
        read_plugin_ok("older-minor", &d);
        assert_int_equal(d.size, EG_PLUGIN_DESCRIPTOR_SIZE_1_0);
        assert_int_equal(d.abi_minor, 0);
        assert_string_equal(d.name, "older-minor");
        /* Members beyond the plugin's size (none yet while we are 1.0) read as zero. */
        tail = sizeof(d) - EG_PLUGIN_DESCRIPTOR_SIZE_1_0;
        assert_memory_equal((const char *) &d + EG_PLUGIN_DESCRIPTOR_SIZE_1_0,
                            (const char *) &zero + EG_PLUGIN_DESCRIPTOR_SIZE_1_0, tail);
        assert_plugin_valid("older-minor");

        /* A larger descriptor is read up to what we know, then refused for its ABI. */
        read_plugin_ok("future-minor", &d);
        assert_int_equal(d.size, sizeof(d) + 8);
        assert_string_equal(d.name, "future-minor");
        assert_int_equal(d.abi_minor, EG_SDK_ABI_MINOR + 1);
        assert_plugin_invalid("future-minor",
                              test_expect("built for SDK ABI %d.%d, egated implements %d.%d",
                                          EG_SDK_ABI_MAJOR, EG_SDK_ABI_MINOR + 1, EG_SDK_ABI_MAJOR,
                                          EG_SDK_ABI_MINOR));
}

static void test_invalid_descriptors(void **state) {
        (void) state;
        assert_plugin_invalid("wrong-major", test_expect("built for SDK ABI 2.0, egated implements "
                                                         "%d.%d",
                                                         EG_SDK_ABI_MAJOR, EG_SDK_ABI_MINOR));
        assert_plugin_invalid("bad-name", "descriptor name \"Bad Name\" is invalid (want 1-31 of "
                                          "a-z, 0-9, '_', '-'; not starting with '-')");
        assert_plugin_invalid("no-matches", "descriptor has no matches");
        assert_plugin_invalid("unknown-class", "descriptor declares unknown device class bits "
                                               "0x100");

        /* Test-only is a policy of the scan, not a defect of the descriptor. */
        assert_plugin_valid("test-only");
        assert_plugin_valid("missing-ops");
        assert_plugin_valid("init-fails");
}

static void test_misplaced_descriptors(void **state) {
        (void) state;
        assert_plugin_read_refused("writable-descriptor",
                                   "egate_plugin_descriptor is in writable section .data "
                                   "(declare it const)");
        assert_plugin_read_refused("descriptor-function",
                                   "egate_plugin_descriptor is not a data object");
        assert_plugin_read_refused("no-descriptor", NO_SYMBOL);
        assert_plugin_read_refused("short-descriptor",
                                   test_expect("descriptor truncated (16 bytes, need at least "
                                               "%zu)",
                                               EG_PLUGIN_DESCRIPTOR_SIZE_1_0));
        assert_plugin_read_refused("small-size",
                                   test_expect("descriptor size field is 64, SDK ABI 1.0 needs at "
                                               "least %zu",
                                               EG_PLUGIN_DESCRIPTOR_SIZE_1_0));
        assert_plugin_read_refused("oversize",
                                   test_expect("descriptor size field is %zu, but the symbol has "
                                               "only %zu bytes",
                                               sizeof(struct eg_plugin_descriptor) + 64,
                                               sizeof(struct eg_plugin_descriptor)));

        if (!test_plugin_exists("relocated-descriptor"))
                skip();
        assert_plugin_read_refused("relocated-descriptor", "descriptor is relocated at load time "
                                                           "(it must not contain pointers)");
}

static void test_not_plugins(void **state) {
        char *path = test_path_join(tmpdir, "file");

        (void) state;
        test_file_write(path, "not an ELF file at all\n", 23);
        assert_read_refused(path, "not an ELF file");

        test_file_write(path, "\177ELF", 4);
        assert_read_refused(path, "not an ELF file");

        test_file_write(path, "", 0);
        assert_read_refused(path, "not an ELF file (empty)");

        test_file_write(path, "!<arch>\n", 8);
        assert_read_refused(path, "not a shared object (an ar archive, i.e. a static library)");

        assert_int_equal(unlink(path), 0);
        assert_read_refused(path, "cannot open: No such file or directory");

        assert_int_equal(mkfifo(path, 0600), 0);
        assert_read_refused(path, "not a regular file");
        assert_int_equal(unlink(path), 0);

        assert_read_refused(tmpdir, "not a regular file");
        free(path);
}

static Elf64_Ehdr good_header(void) {
        char *good = test_plugin_path("good");
        Elf64_Ehdr ehdr;
        size_t size;
        void *data = test_file_read(good, &size);

        assert_true(size > sizeof(ehdr));
        memcpy(&ehdr, data, sizeof(ehdr));
        free(data);
        free(good);
        return ehdr;
}

/* A copy of good.so with `size` bytes at `offset` replaced. */
static char *patched_good(const char *name, size_t offset, const void *bytes, size_t size) {
        char *good = test_plugin_path("good"), *path = test_path_join(tmpdir, name);

        test_file_copy(good, path, SIZE_MAX);
        test_file_patch(path, offset, bytes, size);
        free(good);
        return path;
}

static void assert_patched_refused(size_t offset, const void *bytes, size_t size,
                                   const char *expected) {
        char *path = patched_good("patched.so", offset, bytes, size);

        assert_read_refused(path, expected);
        free(path);
}

static void test_elf_header(void **state) {
        uint16_t u16;
        uint8_t u8;
        uint64_t u64;

        (void) state;
        if (__SIZEOF_POINTER__ != 8 || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__)
                skip(); /* the patches below are for 64-bit little-endian builds */

        u16 = ET_REL;
        assert_patched_refused(offsetof(Elf64_Ehdr, e_type), &u16, 2,
                               "not a shared object (a relocatable object)");
        u16 = ET_EXEC;
        assert_patched_refused(offsetof(Elf64_Ehdr, e_type), &u16, 2,
                               "not a shared object (an executable)");
        u16 = ET_CORE;
        assert_patched_refused(offsetof(Elf64_Ehdr, e_type), &u16, 2,
                               "not a shared object (a core dump)");

        u8 = ELFCLASS32;
        assert_patched_refused(EI_CLASS, &u8, 1, "32-bit ELF, egated is 64-bit");
        u8 = 9;
        assert_patched_refused(EI_CLASS, &u8, 1, "not an ELF file");
        u8 = 9;
        assert_patched_refused(EI_DATA, &u8, 1, "not an ELF file");
        u8 = ELFDATA2MSB;
        assert_patched_refused(EI_DATA, &u8, 1, "big-endian ELF, egated is little-endian");

#if defined(__x86_64__)
        u16 = EM_AARCH64;
        assert_patched_refused(offsetof(Elf64_Ehdr, e_machine), &u16, 2,
                               "built for aarch64, egated runs on x86-64");
        u16 = 0x7777;
        assert_patched_refused(offsetof(Elf64_Ehdr, e_machine), &u16, 2,
                               "built for ELF machine 30583, egated runs on x86-64");
#elif defined(__aarch64__)
        u16 = EM_X86_64;
        assert_patched_refused(offsetof(Elf64_Ehdr, e_machine), &u16, 2,
                               "built for x86-64, egated runs on aarch64");
#endif

        u16 = 32;
        assert_patched_refused(offsetof(Elf64_Ehdr, e_shentsize), &u16, 2,
                               "corrupt ELF: section header size 32, expected 64");

        u64 = 0;
        u16 = 0;
        {
                char *path = patched_good("patched.so", offsetof(Elf64_Ehdr, e_shoff), &u64, 8);

                test_file_patch(path, offsetof(Elf64_Ehdr, e_shnum), &u16, 2);
                test_file_patch(path, offsetof(Elf64_Ehdr, e_shstrndx), &u16, 2);
                assert_read_refused(path, "no section headers, cannot look for the descriptor");
                free(path);
        }

        u64 = UINT64_MAX - 16;
        assert_patched_refused(offsetof(Elf64_Ehdr, e_shoff), &u64, 8,
                               "corrupt ELF: section header table out of range");
}

static void test_truncated(void **state) {
        Elf64_Ehdr ehdr = good_header();
        char *good = test_plugin_path("good"), *path = test_path_join(tmpdir, "truncated.so");
        char *expected;
        struct stat st;

        (void) state;
        test_file_copy(good, path, 100);
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_size, 100);
        expected = test_format("truncated ELF file (section headers end at byte %ju, file has "
                               "100)",
                               (uintmax_t) ehdr.e_shoff + ehdr.e_shnum * ehdr.e_shentsize);
        assert_read_refused(path, expected);
        free(expected);

        /* Cut just before the section header table ends. */
        assert_int_equal(stat(good, &st), 0);
        test_file_copy(good, path, (size_t) st.st_size - 1);
        expected = test_format("truncated ELF file (section headers end at byte %ju, file has "
                               "%ju)",
                               (uintmax_t) st.st_size, (uintmax_t) st.st_size - 1);
        assert_read_refused(path, expected);
        free(expected);

        /* Shorter than an ELF header. */
        test_file_copy(good, path, 20);
        assert_read_refused(path, "not an ELF file");

        free(path);
        free(good);
}

int main(int argc, char **argv) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_good),
                cmocka_unit_test(test_minors),
                cmocka_unit_test(test_invalid_descriptors),
                cmocka_unit_test(test_misplaced_descriptors),
                cmocka_unit_test(test_not_plugins),
                cmocka_unit_test(test_elf_header),
                cmocka_unit_test(test_truncated),
        };

        test_plugins_init(argc, argv);
        return cmocka_run_group_tests_name("plugin-read", tests, setup, teardown);
}
