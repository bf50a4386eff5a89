/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * make-test-crl FILE LABEL LAST NEXT: writes to FILE (PEM) an empty CRL of a throwaway
 * CSCA "CN=LABEL CSCA, C=UT", issued LAST seconds from now and due NEXT seconds from
 * now (both may be negative).  For the PKI freshness test (test-pki-freshness.py): the
 * CRL's dates are all egated judges there.
 */
#include <errno.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "test-passport.h"

static int parse_seconds(const char *s, long *ret) {
        char *end;
        long v;

        errno = 0;
        v = strtol(s, &end, 10);
        if (errno != 0 || end == s || *end)
                return -EINVAL;
        *ret = v;
        return 0;
}

int main(int argc, char **argv) {
        struct eg_test_pki *pki = NULL;
        X509_CRL *crl = NULL;
        long last_s, next_s;
        time_t now = time(NULL);
        FILE *f = NULL;
        int status = 1;

        if (argc != 5 || parse_seconds(argv[3], &last_s) < 0 ||
            parse_seconds(argv[4], &next_s) < 0) {
                fprintf(stderr, "usage: %s FILE LABEL LAST-SECONDS NEXT-SECONDS\n", argv[0]);
                return 2;
        }
        if (eg_test_pki_new_named("UT", argv[2], &pki) < 0) {
                fprintf(stderr, "cannot make a test PKI\n");
                return 1;
        }
        crl = eg_test_pki_crl_dated(pki, NULL, now + last_s, now + next_s);
        if (!crl) {
                fprintf(stderr, "cannot make the CRL\n");
                goto finish;
        }
        f = fopen(argv[1], "we");
        if (!f) {
                fprintf(stderr, "%s: %s\n", argv[1], strerror(errno));
                goto finish;
        }
        if (!PEM_write_X509_CRL(f, crl) || fflush(f) != 0) {
                fprintf(stderr, "%s: cannot write the CRL\n", argv[1]);
                goto finish;
        }
        status = 0;
finish:
        if (f && fclose(f) != 0 && status == 0) {
                fprintf(stderr, "%s: %s\n", argv[1], strerror(errno));
                status = 1;
        }
        X509_CRL_free(crl);
        eg_test_pki_free(pki);
        return status;
}
