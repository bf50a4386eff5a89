/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <dirent.h>
#include <time.h>
#include <unistd.h>

#include "thread-count.h"

unsigned thread_count(void) {
        DIR *d = opendir("/proc/self/task");
        struct dirent *e;
        unsigned n = 0;

        assert_non_null(d);
        while ((e = readdir(d)))
                if (e->d_name[0] != '.')
                        n++;
        closedir(d);
        return n;
}

bool thread_count_falls_to(unsigned n, unsigned ms) {
        for (unsigned waited = 0; thread_count() > n; waited += 10) {
                if (waited >= ms)
                        return false;
                (void) usleep(10000);
        }
        return true;
}
