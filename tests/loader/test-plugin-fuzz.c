/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * eg_plugin_descriptor_read() on thousands of corrupted copies of good.so:
 * it must never crash or read out of bounds (run it under ASan), and every
 * result must be a descriptor or a printable reason.  Fixed seed: a failure
 * reproduces, and the iteration number says which copy to look at.
 */
#include <link.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "loader-test-util.h"
#include "plugin-loader.h"

#define ITERATIONS 2000
#define SEED UINT64_C(0x6567617465) /* "egate" */
#define MAX_REGIONS 64

struct region {
        size_t offset, size;
};

static uint64_t rng_state = SEED;

/* xorshift64*: the same sequence on every libc, unlike rand(). */
static uint64_t rng_next(void) {
        rng_state ^= rng_state >> 12;
        rng_state ^= rng_state << 25;
        rng_state ^= rng_state >> 27;
        return rng_state * UINT64_C(2685821657736338717);
}

static size_t rng_below(size_t n) {
        return n == 0 ? 0 : (size_t) (rng_next() % n);
}

/* The parts of the file the reader interprets: headers, tables, the descriptor's section. */
static size_t interesting_regions(const uint8_t *data, size_t size, struct region *regions) {
        ElfW(Ehdr) ehdr;
        size_t n = 0;

        assert_true(size >= sizeof(ehdr));
        memcpy(&ehdr, data, sizeof(ehdr));
        regions[n++] = (struct region){ 0, sizeof(ehdr) };
        assert_true(ehdr.e_shoff + (size_t) ehdr.e_shnum * sizeof(ElfW(Shdr)) <= size);
        regions[n++] = (struct region){ ehdr.e_shoff, (size_t) ehdr.e_shnum * sizeof(ElfW(Shdr)) };

        for (size_t i = 1; i < ehdr.e_shnum && n < MAX_REGIONS; i++) {
                ElfW(Shdr) shdr;

                memcpy(&shdr, data + ehdr.e_shoff + i * sizeof(shdr), sizeof(shdr));
                if (shdr.sh_type == SHT_NOBITS || shdr.sh_size == 0 ||
                    (shdr.sh_flags & SHF_EXECINSTR))
                        continue;
                if (shdr.sh_offset + shdr.sh_size > size)
                        continue;
                regions[n++] = (struct region){ shdr.sh_offset, shdr.sh_size };
        }
        return n;
}

static void flip_bits(uint8_t *data, const struct region *r, size_t flips) {
        for (size_t i = 0; i < flips; i++) {
                size_t at = r->offset + rng_below(r->size);

                data[at] ^= (uint8_t) (1u << rng_below(8));
        }
}

/* Overwrite an aligned word with a value that tends to break offset and size arithmetic. */
static void smash_word(uint8_t *data, const struct region *r) {
        static const uint64_t values[] = {
                0,          1,
                0x7f,       0xff,
                0xffff,     0x7fffffff,
                0xffffffff, UINT64_C(0x8000000000000000),
                UINT64_MAX, UINT64_MAX - 7,
        };
        size_t n_values = sizeof(values) / sizeof(values[0]);
        uint64_t v = rng_below(4) == 0 ? rng_next() : values[rng_below(n_values)];
        size_t at, width = rng_below(2) == 0 ? 4 : 8;

        if (r->size < width)
                return;
        at = r->offset + (rng_below(r->size - width + 1) & ~(width - 1));
        if (at + width > r->offset + r->size)
                return;
        memcpy(data + at, &v, width);
}

static bool is_printable(const char *s) {
        for (; *s; s++)
                if (*s < 0x20 || *s > 0x7e)
                        return false;
        return true;
}

static void test_corrupted_copies(void **state) {
        char *good = test_plugin_path("good"), *dir = test_tmpdir_new();
        char *path = test_path_join(dir, "fuzzed.so");
        struct region regions[MAX_REGIONS];
        size_t size, n_regions, n_read = 0, n_valid = 0, n_refused = 0;
        uint8_t *original = test_file_read(good, &size), *copy = malloc(size);

        (void) state;
        assert_non_null(copy);
        n_regions = interesting_regions(original, size, regions);

        for (unsigned iteration = 0; iteration < ITERATIONS; iteration++) {
                struct region everything = { 0, size };
                struct eg_plugin_descriptor d;
                size_t length = size;
                char *reason = NULL;
                int r;

                memcpy(copy, original, size);
                switch (rng_below(8)) {
                case 0: /* truncation (section headers come last: one cut is much like another) */
                        length = rng_below(size);
                        break;
                case 1:
                case 2: /* a few flips anywhere */
                        flip_bits(copy, &everything, 1 + rng_below(4));
                        break;
                case 3:
                case 4:
                case 5: /* more flips where the reader looks */
                        flip_bits(copy, &regions[rng_below(n_regions)], 1 + rng_below(8));
                        break;
                default: /* hostile offsets and sizes */
                        for (size_t k = 1 + rng_below(3); k > 0; k--)
                                smash_word(copy, &regions[rng_below(n_regions)]);
                        break;
                }
                test_file_write(path, copy, length);

                r = eg_plugin_descriptor_read(path, &d, &reason);
                if (r < 0) {
                        if (!reason || !*reason || !is_printable(reason))
                                fail_msg("iteration %u: failure %d without a printable reason",
                                         iteration, r);
                        n_refused++;
                        free(reason);
                        continue;
                }
                if (reason)
                        fail_msg("iteration %u: success with a reason: %s", iteration, reason);
                n_read++;

                /* Whatever came out must survive validation too. */
                r = eg_plugin_descriptor_validate(&d, &reason);
                if (r < 0) {
                        if (!reason || !*reason || !is_printable(reason))
                                fail_msg("iteration %u: invalid without a printable reason",
                                         iteration);
                        free(reason);
                } else
                        n_valid++;
        }

        print_message("%u corrupted copies: %zu read (%zu valid), %zu refused\n", ITERATIONS,
                      n_read, n_valid, n_refused);
        /* Both outcomes must occur, or the mutations test nothing. */
        assert_true(n_read > 0);
        assert_true(n_refused > 0);
        assert_true(n_read + n_refused == ITERATIONS);

        free(copy);
        free(original);
        free(path);
        free(good);
        test_tmpdir_remove(dir);
}

int main(int argc, char **argv) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_corrupted_copies),
        };

        test_plugins_init(argc, argv);
        return cmocka_run_group_tests_name("plugin-fuzz", tests, NULL, NULL);
}
