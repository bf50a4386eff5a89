/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdbool.h>
#include <string.h>

#include "fuzz-log-oracle.h"

/* As the backends judge it: 8 or more letters and digits with 2 or more digits. */
static bool has_document_like_word(const char *s, size_t len) {
        size_t run = 0, digits = 0;

        for (size_t i = 0; i <= len; i++) {
                char c = i < len ? s[i] : ' ';

                if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
                        run++;
                        digits += (c >= '0' && c <= '9');
                        continue;
                }
                if (run >= 8 && digits >= 2)
                        return true;
                run = digits = 0;
        }
        return false;
}

void fuzz_log_text(const struct iovec *iov, int n, char text[static FUZZ_LOG_TEXT_MAX]) {
        size_t len;

        if (n < 1 || iov[0].iov_len < strlen("MESSAGE=") || iov[0].iov_len >= FUZZ_LOG_TEXT_MAX)
                __builtin_trap();
        len = iov[0].iov_len - strlen("MESSAGE=");
        memcpy(text, (const char *) iov[0].iov_base + strlen("MESSAGE="), len);
        text[len] = '\0';
        if (strlen(text) != len) /* a NUL from the answer */
                __builtin_trap();
        for (size_t i = 0; i < len; i++)
                if ((unsigned char) text[i] < 0x20 || (unsigned char) text[i] > 0x7e)
                        __builtin_trap(); /* a forged log line, or bytes of the answer */
}

void fuzz_log_check_shown(const char *text, const char *prefix) {
        const char *shown = strstr(text, prefix);

        if (!shown)
                return;
        shown += strlen(prefix);
        if (strlen(shown) > 128 || has_document_like_word(shown, strlen(shown)))
                __builtin_trap();
}
