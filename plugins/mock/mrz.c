/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "mrz.h"

#include <errno.h>
#include <string.h>

bool mock_mrz_char_is_valid(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '<';
}

size_t mock_mrz_expected_length(size_t n_lines, size_t first_length) {
        if (n_lines == 3)
                return 30;
        if (n_lines == 2)
                return first_length == 36 ? 36 : 44;
        return 0;
}

enum mock_mrz_format mock_mrz_format(const struct mock_mrz *m) {
        size_t len;

        if (!m || m->n_lines < 2 || m->n_lines > MOCK_MRZ_MAX_LINES)
                return MOCK_MRZ_INVALID;
        len = strlen(m->lines[0]);
        if (len != mock_mrz_expected_length(m->n_lines, len))
                return MOCK_MRZ_INVALID;
        for (unsigned i = 1; i < m->n_lines; i++)
                if (strlen(m->lines[i]) != len)
                        return MOCK_MRZ_INVALID;
        if (m->n_lines == 3)
                return MOCK_MRZ_TD1;
        return len == 36 ? MOCK_MRZ_TD2 : MOCK_MRZ_TD3;
}

const char *mock_mrz_format_to_string(enum mock_mrz_format f) {
        switch (f) {
        case MOCK_MRZ_TD1:
                return "TD1";
        case MOCK_MRZ_TD2:
                return "TD2";
        case MOCK_MRZ_TD3:
                return "TD3";
        default:
                return "invalid";
        }
}

int mock_mrz_check_digit(const char *s, size_t len) {
        static const int weights[3] = { 7, 3, 1 };
        int sum = 0;

        for (size_t i = 0; i < len; i++) {
                int v;

                if (s[i] >= '0' && s[i] <= '9')
                        v = s[i] - '0';
                else if (s[i] >= 'A' && s[i] <= 'Z')
                        v = s[i] - 'A' + 10;
                else if (s[i] == '<')
                        v = 0;
                else
                        return -EINVAL;
                sum += v * weights[i % 3];
        }
        return sum % 10;
}

int mock_mrz_document_number(const struct mock_mrz *m, char buf[static MOCK_DOCUMENT_NUMBER_MAX]) {
        const char *field;
        size_t n = 0;

        switch (mock_mrz_format(m)) {
        case MOCK_MRZ_TD1:
                field = m->lines[0] + 5; /* line 1, positions 6-14 */
                break;
        case MOCK_MRZ_TD2:
        case MOCK_MRZ_TD3:
                field = m->lines[1]; /* line 2, positions 1-9 */
                break;
        default:
                return -EINVAL;
        }

        for (size_t i = 0; i < 9; i++)
                if (field[i] != '<')
                        buf[n++] = field[i];
        buf[n] = '\0';
        return n > 0 ? 0 : -EINVAL;
}

int mock_mrz_join(const struct mock_mrz *m, char *buf, size_t size) {
        size_t n = 0;

        if (size == 0)
                return -ENOBUFS;
        buf[0] = '\0';
        for (unsigned i = 0; i < m->n_lines; i++) {
                size_t len = strlen(m->lines[i]);

                if (n + len + (i > 0) + 1 > size)
                        return -ENOBUFS;
                if (i > 0)
                        buf[n++] = '\n';
                memcpy(buf + n, m->lines[i], len);
                n += len;
                buf[n] = '\0';
        }
        return (int) n;
}

size_t mock_mrz_concat(const struct mock_mrz *m, char *buf, size_t size) {
        size_t n = 0;

        for (unsigned i = 0; i < m->n_lines; i++) {
                size_t len = strlen(m->lines[i]);

                if (n + len > size)
                        break;
                memcpy(buf + n, m->lines[i], len);
                n += len;
        }
        return n;
}
