/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "peer-env.h"

static uint64_t now_ms(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000u + (uint64_t) ts.tv_nsec / 1000000u;
}

static void sleep_ms(unsigned ms) {
        struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long) (ms % 1000) * 1000000L };

        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

static int write_file(const char *path, const char *text) {
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        ssize_t n;

        if (fd < 0)
                return -errno;
        n = write(fd, text, strlen(text));
        close(fd);
        return n == (ssize_t) strlen(text) ? 0 : -EIO;
}

/* Without root: a user namespace in which we are root, mapped to ourselves. */
static int enter_user_namespace(void) {
        uid_t uid = getuid();
        gid_t gid = getgid();
        char map[64];
        int r;

        if (unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET) < 0)
                return -errno;
        (void) write_file("/proc/self/setgroups", "deny");
        (void) snprintf(map, sizeof(map), "0 %u 1", (unsigned) uid);
        r = write_file("/proc/self/uid_map", map);
        if (r < 0)
                return r;
        (void) snprintf(map, sizeof(map), "0 %u 1", (unsigned) gid);
        return write_file("/proc/self/gid_map", map);
}

static int loopback_up(void) {
        struct ifreq ifr = {};
        int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), r = 0;

        if (fd < 0)
                return -errno;
        (void) snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
        if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
                r = -errno;
        else {
                ifr.ifr_flags |= IFF_UP;
                if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
                        r = -errno;
        }
        close(fd);
        return r;
}

int peer_isolate(char *why, size_t size) {
        int r;

        if (unshare(CLONE_NEWNS | CLONE_NEWNET) < 0) {
                int first = errno;

                r = enter_user_namespace();
                if (r < 0) {
                        (void) snprintf(why, size,
                                        "cannot make a private mount and network namespace for "
                                        "pcscd: unshare: %s; with a user namespace: %s",
                                        strerror(first), strerror(-r));
                        return r;
                }
        }
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
            mount("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0) {
                r = -errno;
                (void) snprintf(why, size, "cannot mount a private /run for pcscd: %s",
                                strerror(-r));
                return r;
        }
        if (mkdir("/run/pcscd", 0755) < 0) {
                r = -errno;
                (void) snprintf(why, size, "cannot create /run/pcscd: %s", strerror(-r));
                return r;
        }
        r = loopback_up();
        if (r < 0) {
                (void) snprintf(why, size, "cannot bring up the loopback interface: %s",
                                strerror(-r));
                return r;
        }
        return 0;
}

static int wait_for_line(int fd, const char *line, unsigned timeout_ms) {
        uint64_t end = now_ms() + timeout_ms;
        char buf[256];
        size_t len = 0;

        for (;;) {
                struct pollfd pfd = { .fd = fd, .events = POLLIN };
                uint64_t now = now_ms();
                ssize_t n;

                if (now >= end)
                        return -ETIMEDOUT;
                if (poll(&pfd, 1, (int) (end - now)) < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (!(pfd.revents & (POLLIN | POLLHUP)))
                        continue;
                n = read(fd, buf + len, sizeof(buf) - 1 - len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return n < 0 ? -errno : -EPIPE;
                len += (size_t) n;
                buf[len] = '\0';
                for (char *nl; (nl = strchr(buf, '\n'));) {
                        *nl = '\0';
                        if (strcmp(buf, line) == 0)
                                return 0;
                        len -= (size_t) (nl + 1 - buf);
                        memmove(buf, nl + 1, len + 1);
                }
                if (len == sizeof(buf) - 1)
                        len = 0;
        }
}

int peer_spawn(const char *const *argv, const char *log_path, const char *ready_line,
               unsigned timeout_ms, struct peer_process *ret) {
        int out[2] = { -1, -1 }, log_fd = -1, r;
        const char *base = strrchr(argv[0], '/');
        pid_t pid;

        *ret = (struct peer_process){ .out = -1 };
        (void) snprintf(ret->name, sizeof(ret->name), "%s", base ? base + 1 : argv[0]);
        if (log_path) {
                log_fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
                if (log_fd < 0)
                        return -errno;
        }
        if (ready_line && pipe2(out, O_CLOEXEC) < 0) {
                r = -errno;
                if (log_fd >= 0)
                        close(log_fd);
                return r;
        }
        pid = fork();
        if (pid < 0) {
                r = -errno;
                goto fail;
        }
        if (pid == 0) {
                sigset_t none;

                /* sd-event users block the signals they handle; exec keeps the mask. */
                sigemptyset(&none);
                (void) sigprocmask(SIG_SETMASK, &none, NULL);
                (void) signal(SIGPIPE, SIG_DFL);
                /* The helpers die with the test, even when it crashes. */
                (void) prctl(PR_SET_PDEATHSIG, SIGKILL);
                if (log_fd >= 0 && dup2(log_fd, STDERR_FILENO) < 0)
                        _exit(127);
                if (ready_line ? dup2(out[1], STDOUT_FILENO) < 0
                               : (log_fd >= 0 && dup2(log_fd, STDOUT_FILENO) < 0))
                        _exit(127);
                execv(argv[0], (char *const *) argv);
                fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
                _exit(127);
        }
        ret->pid = pid;
        if (log_fd >= 0)
                close(log_fd);
        if (!ready_line)
                return 0;
        close(out[1]);
        ret->out = out[0];
        r = wait_for_line(ret->out, ready_line, timeout_ms);
        if (r < 0) {
                fprintf(stderr, "%s did not say \"%s\": %s\n", ret->name, ready_line, strerror(-r));
                (void) peer_stop(ret, SIGKILL, 1000);
        }
        return r;
fail:
        if (log_fd >= 0)
                close(log_fd);
        if (out[0] >= 0) {
                close(out[0]);
                close(out[1]);
        }
        return r;
}

bool peer_alive(struct peer_process *p) {
        int status;

        if (p->pid <= 0)
                return false;
        if (waitpid(p->pid, &status, WNOHANG) == p->pid) {
                p->pid = 0;
                return false;
        }
        return true;
}

int peer_stop(struct peer_process *p, int sig, unsigned timeout_ms) {
        uint64_t end = now_ms() + timeout_ms;
        int status = 0;

        if (p->out >= 0) {
                close(p->out);
                p->out = -1;
        }
        if (p->pid <= 0)
                return 0;
        (void) kill(p->pid, sig);
        for (;;) {
                pid_t r = waitpid(p->pid, &status, WNOHANG);

                if (r == p->pid)
                        break;
                if (r < 0 && errno != EINTR) {
                        p->pid = 0;
                        return -errno;
                }
                if (now_ms() >= end) {
                        fprintf(stderr, "%s did not stop within %u ms: killed\n", p->name,
                                timeout_ms);
                        (void) kill(p->pid, SIGKILL);
                        (void) waitpid(p->pid, &status, 0);
                        break;
                }
                sleep_ms(5);
        }
        p->pid = 0;
        return status;
}

int pcscd_write_config(const char *dir, const char *const *names, const uint16_t *ports, size_t n) {
        char path[PATH_MAX];
        FILE *f;

        if (mkdir(dir, 0755) < 0 && errno != EEXIST)
                return -errno;
        if (snprintf(path, sizeof(path), "%s/vpcd", dir) >= (int) sizeof(path))
                return -ENAMETOOLONG;
        f = fopen(path, "we");
        if (!f)
                return -errno;
        /* DEVICENAME's suffix and CHANNELID both carry the TCP port of slot 00. */
        for (size_t i = 0; i < n; i++)
                fprintf(f,
                        "FRIENDLYNAME \"%s\"\n"
                        "DEVICENAME   /dev/null:0x%04X\n"
                        "LIBPATH      %s\n"
                        "CHANNELID    0x%04X\n\n",
                        names[i], ports[i], PEER_VPCD_DRIVER, ports[i]);
        return fclose(f) == 0 ? 0 : -EIO;
}

static bool pcscd_answers(void) {
        struct sockaddr_un a = { .sun_family = AF_UNIX, .sun_path = PEER_PCSCD_SOCKET };
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        bool ok;

        if (fd < 0)
                return false;
        ok = connect(fd, (struct sockaddr *) &a, sizeof(a)) == 0;
        close(fd);
        return ok;
}

int pcscd_start(const char *pcscd, const char *conf_dir, const char *log_path,
                struct peer_process *ret) {
        const char *argv[] = { pcscd, "--foreground", "--info", "--config", conf_dir, NULL };
        uint64_t end = now_ms() + 5000;
        int r;

        (void) unlink(PEER_PCSCD_SOCKET); /* a killed pcscd's leftover */
        r = peer_spawn(argv, log_path, NULL, 0, ret);
        if (r < 0)
                return r;
        while (!pcscd_answers()) {
                if (!peer_alive(ret)) {
                        fprintf(stderr, "pcscd exited at start-up (log: %s)\n", log_path);
                        return -ECHILD;
                }
                if (now_ms() >= end) {
                        (void) peer_stop(ret, SIGKILL, 1000);
                        return -ETIMEDOUT;
                }
                sleep_ms(5);
        }
        return 0;
}

int pcscd_stop(struct peer_process *p) {
        return peer_stop(p, SIGTERM, 3000);
}

void peer_dump_log(const char *path) {
        char line[512];
        FILE *f = fopen(path, "re");

        if (!f)
                return;
        fprintf(stderr, "---- %s ----\n", path);
        while (fgets(line, sizeof(line), f))
                fputs(line, stderr);
        fprintf(stderr, "---- end of %s ----\n", path);
        fclose(f);
}
