/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gpio-sim.h"

#define CONFIGFS "/sys/kernel/config/gpio-sim"

static int write_file(const char *path, const char *text) {
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        ssize_t n;

        if (fd < 0)
                return -errno;
        n = write(fd, text, strlen(text));
        if (n < 0) {
                int r = -errno;
                close(fd);
                return r;
        }
        close(fd);
        return (size_t) n == strlen(text) ? 0 : -EIO;
}

static int read_word(const char *path, char *buf, size_t size) {
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        ssize_t n;

        if (fd < 0)
                return -errno;
        n = read(fd, buf, size - 1);
        close(fd);
        if (n <= 0)
                return n < 0 ? -errno : -EIO;
        buf[n] = '\0';
        buf[strcspn(buf, "\n")] = '\0';
        return 0;
}

static int make_dir(const char *fmt_dir, const char *sub) {
        char path[256];

        (void) snprintf(path, sizeof(path), "%s%s", fmt_dir, sub);
        return mkdir(path, 0755) < 0 ? -errno : 0;
}

int gpio_sim_create(struct gpio_sim *s, const char *name, const char *label, unsigned n_lines,
                    const char *const *names) {
        char path[256], value[64], dev_name[64];
        int r;

        if (n_lines == 0 || n_lines > GPIO_SIM_MAX_LINES)
                return -EINVAL;
        *s = (struct gpio_sim){ .n_lines = n_lines };
        (void) snprintf(s->dir, sizeof(s->dir), CONFIGFS "/%s", name);
        r = make_dir(s->dir, "");
        if (r < 0)
                return r;
        r = make_dir(s->dir, "/bank0");
        if (r < 0)
                return r;
        (void) snprintf(path, sizeof(path), "%s/bank0/num_lines", s->dir);
        (void) snprintf(value, sizeof(value), "%u", n_lines);
        r = write_file(path, value);
        if (r < 0)
                return r;
        (void) snprintf(path, sizeof(path), "%s/bank0/label", s->dir);
        r = write_file(path, label);
        if (r < 0)
                return r;
        for (unsigned i = 0; i < n_lines; i++) {
                if (!names || !names[i])
                        continue;
                (void) snprintf(path, sizeof(path), "%s/bank0/line%u", s->dir, i);
                if (mkdir(path, 0755) < 0)
                        return -errno;
                (void) snprintf(path, sizeof(path), "%s/bank0/line%u/name", s->dir, i);
                r = write_file(path, names[i]);
                if (r < 0)
                        return r;
        }
        (void) snprintf(path, sizeof(path), "%s/live", s->dir);
        r = write_file(path, "1");
        if (r < 0)
                return r;
        (void) snprintf(path, sizeof(path), "%s/dev_name", s->dir);
        r = read_word(path, dev_name, sizeof(dev_name));
        if (r < 0)
                return r;
        (void) snprintf(path, sizeof(path), "%s/bank0/chip_name", s->dir);
        r = read_word(path, s->chip_name, sizeof(s->chip_name));
        if (r < 0)
                return r;
        (void) snprintf(s->sysfs, sizeof(s->sysfs), "/sys/devices/platform/%s/%s", dev_name,
                        s->chip_name);
        return 0;
}

int gpio_sim_destroy(struct gpio_sim *s) {
        char path[256];
        int r;

        (void) snprintf(path, sizeof(path), "%s/live", s->dir);
        r = write_file(path, "0");
        for (unsigned i = 0; i < s->n_lines; i++) {
                (void) snprintf(path, sizeof(path), "%s/bank0/line%u", s->dir, i);
                (void) rmdir(path);
        }
        (void) snprintf(path, sizeof(path), "%s/bank0", s->dir);
        if (rmdir(path) < 0 && r == 0)
                r = -errno;
        if (rmdir(s->dir) < 0 && r == 0)
                r = -errno;
        return r;
}

int gpio_sim_pull(const struct gpio_sim *s, unsigned line, bool up) {
        char path[256];

        (void) snprintf(path, sizeof(path), "%s/sim_gpio%u/pull", s->sysfs, line);
        return write_file(path, up ? "pull-up" : "pull-down");
}

int gpio_sim_value(const struct gpio_sim *s, unsigned line) {
        char path[256], buf[8];
        int r;

        (void) snprintf(path, sizeof(path), "%s/sim_gpio%u/value", s->sysfs, line);
        r = read_word(path, buf, sizeof(buf));
        if (r < 0)
                return r;
        return buf[0] == '1';
}
