/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: MRZ text (both entry points) and ISO dates.  Besides
 * crashes it traps on broken invariants: unterminated or invalid results, or
 * an error message quoting the input. */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "emrtd/mrz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct eg_date today = { 2026, 11, 27 };

static bool terminated(const char *s, size_t size) {
        return strnlen(s, size) < size;
}

static void check_message(const struct eg_mrz_error *e, const char *input, size_t n) {
        /* No 4-character run of MRZ characters from the input (with at
         * least one letter) appears in the message; "YYMMDD" is the only such
         * run the messages themselves contain. */
        for (size_t i = 0; i + 4 <= n && i < 256; i++) {
                bool letter = false, mrz_chars = true;
                char w[5];

                memcpy(w, input + i, 4);
                w[4] = '\0';
                for (size_t j = 0; j < 4; j++) {
                        letter = letter || (w[j] >= 'A' && w[j] <= 'Z');
                        mrz_chars = mrz_chars && ((w[j] >= 'A' && w[j] <= 'Z') ||
                                                  (w[j] >= '0' && w[j] <= '9') || w[j] == '<');
                }
                if (letter && mrz_chars && strstr(e->message, w) && !strstr("YYMMDD", w))
                        __builtin_trap();
        }
}

static void check_result(int r, const struct eg_mrz *m, const struct eg_mrz_error *e,
                         const char *input, size_t n) {
        if (r == 0) {
                if (e->code != EG_MRZ_OK || !eg_date_is_valid(&m->birth_date) ||
                    !eg_date_is_valid(&m->expiry_date) ||
                    eg_date_compare(&m->birth_date, &today) > 0 ||
                    eg_date_compare(&m->expiry_date, &m->birth_date) < 0 ||
                    !terminated(m->document_number, sizeof(m->document_number)) ||
                    !terminated(m->mrz_information, sizeof(m->mrz_information)) ||
                    !terminated(m->primary_identifier, sizeof(m->primary_identifier)) ||
                    !terminated(m->secondary_identifier, sizeof(m->secondary_identifier)) ||
                    !terminated(m->optional_data1, sizeof(m->optional_data1)) ||
                    !terminated(m->optional_data2, sizeof(m->optional_data2)) ||
                    m->document_number[0] == '\0' || m->primary_identifier[0] == '\0')
                        __builtin_trap();
                return;
        }
        if (r != -EBADMSG || e->code <= EG_MRZ_OK || e->code >= _EG_MRZ_E_MAX ||
            !terminated(e->message, sizeof(e->message)) || e->message[0] == '\0')
                __builtin_trap();
        check_message(e, input, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct eg_mrz m, again;
        struct eg_mrz_error e;
        char *text;

        if (size > 4096)
                return 0;

        text = malloc(size + 1);
        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = '\0';

        int r = eg_mrz_parse(text, &today, &m, &e);
        check_result(r, &m, &e, text, size);

        /* The exact-length entry point sees embedded NULs as well; an exact
         * copy lets ASan catch any read past `size`. */
        char *exact = malloc(size ? size : 1);
        if (exact) {
                memcpy(exact, data, size);
                int r2 = eg_mrz_parse_concatenated(exact, size, &today, &again, &e);
                check_result(r2, &again, &e, exact, size);
                free(exact);
        }

        struct eg_date d;
        if (eg_date_parse_iso(text, &d) == 0) {
                char back[11];
                if (eg_date_format_iso(&d, back) < 0 || strcmp(back, text) != 0)
                        __builtin_trap();
                int age = eg_date_age_years(&d, &today);
                if (age < 0 && age != -ERANGE)
                        __builtin_trap();
        }

        (void) eg_mrz_check_digit(text, strlen(text));
        free(text);
        return 0;
}
