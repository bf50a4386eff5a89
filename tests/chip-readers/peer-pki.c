/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "peer-pki.h"

static FILE *open_in(const char *dir, const char *name, const char *mode) {
        char path[PATH_MAX];
        int fd;

        if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int) sizeof(path)) {
                errno = ENAMETOOLONG;
                return NULL;
        }
        if (mode[0] == 'r')
                return fopen(path, mode);
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        return fd < 0 ? NULL : fdopen(fd, mode);
}

static int save_cert(const char *dir, const char *name, X509 *cert) {
        FILE *f = open_in(dir, name, "w");
        int ok;

        if (!f)
                return -errno;
        ok = PEM_write_X509(f, cert);
        return fclose(f) == 0 && ok ? 0 : -EIO;
}

static int save_key(const char *dir, const char *name, EVP_PKEY *key) {
        FILE *f = open_in(dir, name, "w");
        int ok;

        if (!f)
                return -errno;
        ok = PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL);
        return fclose(f) == 0 && ok ? 0 : -EIO;
}

int peer_pki_save(const struct eg_test_pki *pki, const char *dir) {
        int r;

        r = save_cert(dir, "csca.pem", pki->csca);
        if (r >= 0)
                r = save_key(dir, "csca-key.pem", pki->csca_key);
        if (r >= 0)
                r = save_cert(dir, "ds.pem", pki->ds);
        if (r >= 0)
                r = save_key(dir, "ds-key.pem", pki->ds_key);
        return r;
}

static int load_cert(const char *dir, const char *name, X509 **ret) {
        FILE *f = open_in(dir, name, "r");

        if (!f)
                return -errno;
        *ret = PEM_read_X509(f, NULL, NULL, NULL);
        fclose(f);
        return *ret ? 0 : -EBADMSG;
}

static int load_key(const char *dir, const char *name, EVP_PKEY **ret) {
        FILE *f = open_in(dir, name, "r");

        if (!f)
                return -errno;
        *ret = PEM_read_PrivateKey(f, NULL, NULL, NULL);
        fclose(f);
        return *ret ? 0 : -EBADMSG;
}

int peer_pki_load(const char *dir, struct eg_test_pki **ret) {
        struct eg_test_pki *pki = calloc(1, sizeof(*pki));
        int r;

        if (!pki)
                return -ENOMEM;
        r = load_cert(dir, "csca.pem", &pki->csca);
        if (r >= 0)
                r = load_key(dir, "csca-key.pem", &pki->csca_key);
        if (r >= 0)
                r = load_cert(dir, "ds.pem", &pki->ds);
        if (r >= 0)
                r = load_key(dir, "ds-key.pem", &pki->ds_key);
        if (r < 0) {
                eg_test_pki_free(pki);
                return r;
        }
        pki->next_serial = 100;
        *ret = pki;
        return 0;
}
