/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The D-Bus harness and the API contract (read through tests/dbus/contract.py):
 * running the script, the contract's methods, and the test object carrying each
 * interface.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <setjmp.h>
#include <cmocka.h>

#include "dbus-harness-internal.h"
#include "macro.h"

int run_contract_py(char *const args[], char **ret_output) {
        const char *python = getenv("EGATE_PYTHON") ? getenv("EGATE_PYTHON") : "/usr/bin/python3";
        _cleanup_free_ char *script = harness_xasprintf("%s/tests/dbus/contract.py",
                                                        harness_env_or_die("EGATE_SOURCE_ROOT"));
        char *argv[16] = { (char *) python, script };
        char *out = NULL;
        size_t n_out = 0, n_args = 2;
        int pipefd[2], status;
        pid_t pid;

        for (size_t i = 0; args[i] && n_args < 15; i++)
                argv[n_args++] = args[i];
        argv[n_args] = NULL;
        assert_int_equal(pipe2(pipefd, O_CLOEXEC), 0);
        fflush(NULL);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                (void) dup2(pipefd[1], STDOUT_FILENO);
                execv(python, argv);
                _exit(127);
        }
        close(pipefd[1]);
        for (;;) {
                char buf[4096];
                ssize_t k = read(pipefd[0], buf, sizeof(buf));
                char *grown;

                if (k <= 0)
                        break;
                grown = realloc(out, n_out + (size_t) k + 1);
                assert_non_null(grown);
                out = grown;
                memcpy(out + n_out, buf, (size_t) k);
                n_out += (size_t) k;
                out[n_out] = '\0';
        }
        close(pipefd[0]);
        assert_int_equal(waitpid(pid, &status, 0), pid);
        if (ret_output)
                *ret_output = out ? out : strdup("");
        else {
                if (out)
                        fputs(out, stderr);
                free(out);
        }
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

size_t contract_members(struct contract_member **ret) {
        _cleanup_free_ char *contract_dir =
                                    harness_xasprintf("%s/dbus", getenv("EGATE_SOURCE_ROOT")),
                            *out = NULL;
        char *args[] = { (char *) "members", contract_dir, NULL }, *save = NULL;
        struct contract_member *list = NULL;
        size_t n = 0;

        assert_int_equal(run_contract_py(args, &out), 0);
        for (char *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                list = reallocarray(list, n + 1, sizeof(*list));
                assert_non_null(list);
                assert_int_equal(sscanf(line, "%127s %63s %31s", list[n].iface, list[n].member,
                                        list[n].in_signature),
                                 3);
                n++;
        }
        assert_true(n > 0);
        *ret = list;
        return n;
}

char *contract_object_for(const char *iface) {
        static const struct {
                const char *iface, *mock_key;
        } objects[] = {
                { EG_IFACE("Device"), "A1-entry-door" },
                { EG_IFACE("DocumentReader"), "A1-document-reader" },
                { EG_IFACE("ChipReader"), "A1-chip-reader" },
                { EG_IFACE("FingerprintScanner"), "A1-fingerprint-scanner" },
                { EG_IFACE("Camera"), "A1-camera" },
                { EG_IFACE("Door"), "A1-entry-door" },
                { EG_IFACE("PresenceSensor"), "A1-presence-sensor" },
                { EG_IFACE("Indicator"), "A1-indicator" },
        };

        if (strcmp(iface, EG_IFACE("Manager")) == 0)
                return strdup(EG_ROOT_PATH);
        if (strcmp(iface, EG_IFACE("Lane")) == 0)
                return strdup(LANE_A1_PATH);
        if (strcmp(iface, EG_IFACE("Audit")) == 0) /* AUDIT */
                return strdup(EG_ROOT_PATH "/Audit");
        if (strcmp(iface, EG_IFACE("Registry")) == 0) /* REGISTRY */
                return strdup(EG_ROOT_PATH "/Registry");
        for (size_t i = 0; i < sizeof(objects) / sizeof(objects[0]); i++)
                if (strcmp(objects[i].iface, iface) == 0)
                        return device_path(objects[i].mock_key);
        fprintf(stderr, "no test object carries %s: add it to contract_object_for()\n", iface);
        fail();
        return NULL;
}
