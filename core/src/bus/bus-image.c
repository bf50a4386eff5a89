/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bus-image.h"
#include "macro.h"

#define REQUIRED_SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

/* For file systems copy_file_range() does not serve. */
static ssize_t copy_by_hand(int from, off_t *offset, int to, off_t size) {
        char buf[65536];
        ssize_t total = 0;

        while (*offset < size) {
                ssize_t n = pread(from, buf, sizeof(buf), *offset);
                if (n <= 0)
                        return n < 0 ? -1 : total;
                for (ssize_t done = 0; done < n;) {
                        ssize_t w = write(to, buf + done, (size_t) (n - done));
                        if (w < 0)
                                return -1;
                        done += w;
                }
                *offset += n;
                total += n;
        }
        return total;
}

int eg_image_seal(int fd_in) {
        _cleanup_(closep) int fd = fd_in, copy = -1;
        struct stat st;
        int seals;
        off_t offset = 0;

        if (fd < 0)
                return -EBADF;
        seals = fcntl(fd, F_GET_SEALS);
        if (seals >= 0 && (seals & REQUIRED_SEALS) == REQUIRED_SEALS)
                return TAKE_FD(fd);

        /* Not sealed (or not a memfd): copy, so a plugin keeps no way to change it. */
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode) || st.st_size <= 0 || (uint64_t) st.st_size > EG_BUS_IMAGE_MAX)
                return -EMSGSIZE;
        copy = memfd_create("egate-image", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (copy < 0)
                return -errno;
        while (offset < st.st_size) {
                ssize_t n =
                        copy_file_range(fd, &offset, copy, NULL, (size_t) (st.st_size - offset), 0);
                if (n < 0 &&
                    (errno == EXDEV || errno == EINVAL || errno == EOPNOTSUPP || errno == ENOSYS))
                        n = copy_by_hand(fd, &offset, copy, st.st_size);
                if (n < 0)
                        return -errno;
                if (n == 0)
                        return -EIO; /* shrank underneath us */
        }
        if (fcntl(copy, F_ADD_SEALS, REQUIRED_SEALS) < 0)
                return -errno;
        return TAKE_FD(copy);
}
