/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"
#include "macro.h"
#include "timing.h"

#define LOG_TAIL_BYTES 4096

int bench_child_fork(struct bench_child *c, const char *name) {
        pid_t parent = getpid(), pid;
        sigset_t none;

        c->name = name;
        /* Unflushed output would be written twice, once by each process. */
        fflush(stdout);
        fflush(stderr);
        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid > 0) {
                c->pid = pid;
                return 1;
        }

        /* Dies with the case; the check catches a parent that died before the prctl. */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
                _exit(EXIT_FAILURE);
        (void) setpgid(0, 0);
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        sigemptyset(&none);
        (void) sigprocmask(SIG_SETMASK, &none, NULL);
        return 0;
}

static int redirect(const char *log_path, int pass_fd) {
        int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
        int log = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

        if (null < 0 || log < 0)
                return -errno;
        if (dup2(null, STDIN_FILENO) < 0 || dup2(log, STDOUT_FILENO) < 0 ||
            dup2(log, STDERR_FILENO) < 0)
                return -errno;
        if (pass_fd == 3) /* dup2() onto itself would keep FD_CLOEXEC */
                return fcntl(3, F_SETFD, 0) < 0 ? -errno : 0;
        if (pass_fd >= 0 && dup2(pass_fd, 3) < 0) /* the copy is without FD_CLOEXEC */
                return -errno;
        return 0;
}

int bench_child_spawn(struct bench_child *c, const char *name, char *const argv[],
                      const char *log_path, int pass_fd) {
        int r;

        c->log_path = strdup(log_path);
        if (!c->log_path)
                return -ENOMEM;
        r = bench_child_fork(c, name);
        if (r != 0)
                return r;

        r = redirect(log_path, pass_fd);
        if (r < 0) {
                fprintf(stderr, "bench: %s: cannot set up its output: %s\n", name, strerror(-r));
                _exit(EXIT_FAILURE);
        }
        execvp(argv[0], argv);
        fprintf(stderr, "bench: cannot run %s: %m\n", argv[0]);
        _exit(127);
}

static void report_exit(const struct bench_child *c, int status) {
        if (WIFEXITED(status))
                fprintf(stderr, "bench: %s (pid %d) exited with status %d\n", c->name, (int) c->pid,
                        WEXITSTATUS(status));
        else if (WIFSIGNALED(status))
                fprintf(stderr, "bench: %s (pid %d) was killed by signal %s\n", c->name,
                        (int) c->pid, strsignal(WTERMSIG(status)));
}

int bench_child_check(struct bench_child *c) {
        int status;
        pid_t p;

        if (c->pid <= 0)
                return -ECHILD;
        p = waitpid(c->pid, &status, WNOHANG);
        if (p == 0)
                return 0;
        if (p == c->pid)
                report_exit(c, status);
        c->pid = 0;
        return -ECHILD;
}

void bench_child_stop(struct bench_child *c, unsigned timeout_ms) {
        int status;

        if (c->pid <= 0)
                return;
        (void) kill(c->pid, SIGTERM);
        for (unsigned waited = 0; waited < timeout_ms; waited += 10) {
                if (waitpid(c->pid, &status, WNOHANG) == c->pid) {
                        c->pid = 0;
                        return;
                }
                bench_sleep_ms(10);
        }
        fprintf(stderr, "bench: %s did not stop within %u ms: killing it\n", c->name, timeout_ms);
        (void) kill(c->pid, SIGKILL);
        (void) waitpid(c->pid, &status, 0);
        c->pid = 0;
}

void bench_child_show_log(const struct bench_child *c, FILE *f) {
        _cleanup_(fclosep) FILE *log = NULL;
        char buf[LOG_TAIL_BYTES + 1];
        long size;
        size_t n;

        if (!c->log_path)
                return;
        log = fopen(c->log_path, "re");
        if (!log)
                return;
        if (fseek(log, 0, SEEK_END) == 0 && (size = ftell(log)) > LOG_TAIL_BYTES)
                (void) fseek(log, size - LOG_TAIL_BYTES, SEEK_SET);
        else
                rewind(log);
        n = fread(buf, 1, LOG_TAIL_BYTES, log);
        buf[n] = '\0';
        fprintf(f, "--- %s log (%s), last %zu bytes:\n%s%s---\n", c->name, c->log_path, n, buf,
                n > 0 && buf[n - 1] != '\n' ? "\n" : "");
}

void bench_child_clear(struct bench_child *c) {
        free(c->log_path);
        *c = (struct bench_child){};
}
