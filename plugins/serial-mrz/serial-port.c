/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "serial-port.h"

static const struct {
        unsigned baud;
        speed_t speed;
} bauds[] = {
        { 1200, B1200 },     { 2400, B2400 },       { 4800, B4800 },     { 9600, B9600 },
        { 19200, B19200 },   { 38400, B38400 },     { 57600, B57600 },   { 115200, B115200 },
        { 230400, B230400 }, { 460800, B460800 },   { 500000, B500000 }, { 576000, B576000 },
        { 921600, B921600 }, { 1000000, B1000000 },
};

bool serial_baud_to_speed(unsigned baud, speed_t *ret) {
        for (size_t i = 0; i < sizeof(bauds) / sizeof(bauds[0]); i++)
                if (bauds[i].baud == baud) {
                        *ret = bauds[i].speed;
                        return true;
                }
        return false;
}

bool serial_port_error_is_transient(int error) {
        switch (error < 0 ? -error : error) {
        case ENOENT: /* unplugged, or the by-id link is not there yet */
        case ENODEV:
        case ENXIO:
        case EIO: /* a pty whose master is gone, a USB port going away */
        case EBUSY: /* another program holds it with TIOCEXCL */
                return true;
        default:
                return false;
        }
}

static int configure(int fd, speed_t speed) {
        struct termios t;

        if (tcgetattr(fd, &t) < 0)
                return -errno;
        cfmakeraw(&t); /* 8 data bits, no parity, no echo, no CR/NL translation */
        t.c_cflag |= CLOCAL | CREAD;
        t.c_cflag &= ~(tcflag_t) (CSTOPB | CRTSCTS);
        t.c_iflag &= ~(tcflag_t) (IXON | IXOFF | IXANY);
        t.c_cc[VMIN] = 1;
        t.c_cc[VTIME] = 0;
        if (cfsetispeed(&t, speed) < 0 || cfsetospeed(&t, speed) < 0)
                return -errno;
        if (tcsetattr(fd, TCSANOW, &t) < 0)
                return -errno;
        if (tcflush(fd, TCIFLUSH) < 0)
                return -errno;
        return 0;
}

int serial_port_open(const char *path, speed_t speed) {
        int fd, r;

        fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (!isatty(fd)) {
                close(fd);
                return -ENOTTY;
        }
        /* Keep probers (ModemManager, a stray terminal program) from opening it after us and
         * eating or injecting bytes. */
        if (ioctl(fd, TIOCEXCL) < 0) {
                r = -errno;
                close(fd);
                return r;
        }
        r = configure(fd, speed);
        if (r < 0) {
                close(fd);
                return r;
        }
        return fd;
}
