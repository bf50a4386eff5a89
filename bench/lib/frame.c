/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "frame.h"

static volatile uint64_t sink;

int bench_frame_consume(int fd, size_t expected, size_t *ret_size) {
        const unsigned char *p;
        uint64_t sum = 0;
        struct stat st;
        size_t size, i = 0;

        if (fstat(fd, &st) < 0)
                return -errno;
        if (st.st_size <= 0)
                return -EMSGSIZE;
        size = (size_t) st.st_size;
        if (expected != 0 && size != expected)
                return -EMSGSIZE;

        p = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
        if (p == MAP_FAILED)
                return -errno;
        for (; i + sizeof(uint64_t) <= size; i += sizeof(uint64_t)) {
                uint64_t word;

                memcpy(&word, p + i, sizeof(word)); /* no alignment assumed */
                sum += word;
        }
        for (; i < size; i++)
                sum += p[i];
        sink = sum;
        (void) munmap((void *) p, size);
        if (ret_size)
                *ret_size = size;
        return 0;
}
