/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * main() for a fuzz target's replay test: the target's LLVMFuzzerTestOneInput() over
 * every file named on the command line and over prefixes of each (a cut-short input must
 * fail cleanly too), in the ordinary builds where libFuzzer is not there.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay(const char *path) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = fopen(path, "re"), *m;

        if (!f) {
                perror(path);
                return -1;
        }
        m = open_memstream(&buf, &size);
        if (!m) {
                perror("open_memstream");
                fclose(f);
                return -1;
        }
        for (int ch; (ch = fgetc(f)) != EOF;)
                fputc(ch, m);
        fclose(f);
        if (fclose(m) != 0) {
                perror(path);
                free(buf);
                return -1;
        }
        LLVMFuzzerTestOneInput((const uint8_t *) buf, size);
        for (size_t n = 0; n < size; n += 1 + n / 8)
                LLVMFuzzerTestOneInput((const uint8_t *) buf, n);
        free(buf);
        return 0;
}

int main(int argc, char *argv[]) {
        for (int i = 1; i < argc; i++)
                if (replay(argv[i]) < 0)
                        return EXIT_FAILURE;
        return EXIT_SUCCESS;
}
