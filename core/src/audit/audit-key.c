/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/audit-key.h"
#include "log.h"

int eg_audit_check_private_file(int fd, const char *dir, const char *name) {
        struct stat st;

        if (fstat(fd, &st) < 0)
                return log_error_errno(errno, "audit trail: cannot stat %s/%s: %m", dir, name);
        if (!S_ISREG(st.st_mode)) {
                log_error("audit trail: %s/%s is not a regular file: refusing it", dir, name);
                return -EBADF;
        }
        if (st.st_uid != geteuid()) {
                log_error("audit trail: %s/%s belongs to uid %u, not to egated's uid %u: "
                          "refusing it",
                          dir, name, (unsigned) st.st_uid, (unsigned) geteuid());
                return -EPERM;
        }
        if (st.st_mode & 0077) {
                log_error("audit trail: %s/%s has mode %04o: group or others may read or write "
                          "it; refusing it (chmod 0600 it after checking who had access)",
                          dir, name, (unsigned) (st.st_mode & 07777));
                return -EPERM;
        }
        return 0;
}

static int read_key(int fd, const char *dir, uint8_t key[static EG_AUDIT_KEY_SIZE]) {
        struct stat st;
        size_t done = 0;
        int r;

        r = eg_audit_check_private_file(fd, dir, EG_AUDIT_KEY_FILE);
        if (r < 0)
                return r;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (st.st_size != EG_AUDIT_KEY_SIZE) {
                log_error("audit trail: %s/" EG_AUDIT_KEY_FILE " holds %lld bytes, not %d: "
                          "refusing to guess (a new key would make earlier document hashes "
                          "unmatchable)",
                          dir, (long long) st.st_size, EG_AUDIT_KEY_SIZE);
                return -EBADMSG;
        }
        while (done < EG_AUDIT_KEY_SIZE) {
                ssize_t n = read(fd, key + done, EG_AUDIT_KEY_SIZE - done);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return log_error_errno(errno, "audit trail: cannot read %s/%s: %m", dir,
                                               EG_AUDIT_KEY_FILE);
                if (n == 0)
                        return -EBADMSG;
                done += (size_t) n;
        }
        return 0;
}

static int random_bytes(uint8_t *p, size_t len) {
        while (len > 0) {
                ssize_t n = getrandom(p, len, 0);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                p += n;
                len -= (size_t) n;
        }
        return 0;
}

/*
 * The key appears under its name complete or not at all: written and synced
 * under a temporary name (O_EXCL), then link()ed, which fails if another
 * process won the race; the loser then reads the winner's key.
 */
static int create_key(int dir_fd, const char *dir) {
        uint8_t key[EG_AUDIT_KEY_SIZE];
        char tmp[64];
        _cleanup_(closep) int fd = -1;
        int r;

        (void) snprintf(tmp, sizeof(tmp), ".%s.new-%ld", EG_AUDIT_KEY_FILE, (long) getpid());
        (void) unlinkat(dir_fd, tmp, 0); /* a leftover of ours from a crash */
        fd = openat(dir_fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
                return log_error_errno(errno, "audit trail: cannot create %s/%s: %m", dir, tmp);
        r = random_bytes(key, sizeof(key));
        if (r >= 0)
                r = fchmod(fd, 0600) < 0 ? -errno : 0;
        if (r >= 0)
                r = loop_write(fd, key, sizeof(key));
        if (r >= 0)
                r = fsync(fd) < 0 ? -errno : 0;
        explicit_bzero(key, sizeof(key));
        if (r >= 0 && linkat(dir_fd, tmp, dir_fd, EG_AUDIT_KEY_FILE, 0) < 0)
                r = -errno;
        (void) unlinkat(dir_fd, tmp, 0);
        if (r == -EEXIST)
                return 0; /* another egated made it first: use theirs */
        if (r < 0)
                return log_error_errno(r, "audit trail: cannot create %s/" EG_AUDIT_KEY_FILE ": %m",
                                       dir);
        if (fsync(dir_fd) < 0)
                return log_error_errno(errno, "audit trail: cannot sync %s: %m", dir);
        log_info("audit trail: created a new document-hash key %s/" EG_AUDIT_KEY_FILE, dir);
        return 0;
}

int eg_audit_key_load(int dir_fd, const char *dir, uint8_t key[static EG_AUDIT_KEY_SIZE]) {
        _cleanup_(closep) int fd = -1;
        int r;

        fd = openat(dir_fd, EG_AUDIT_KEY_FILE, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
        if (fd < 0 && errno == ENOENT) {
                r = create_key(dir_fd, dir);
                if (r < 0)
                        return r;
                fd = openat(dir_fd, EG_AUDIT_KEY_FILE,
                            O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
        }
        if (fd < 0)
                return log_error_errno(
                        errno, "audit trail: cannot open %s/" EG_AUDIT_KEY_FILE ": %m", dir);
        return read_key(fd, dir, key);
}

int eg_audit_hmac_hex(const uint8_t key[static EG_AUDIT_KEY_SIZE], const void *data, size_t len,
                      char hex[static 65]) {
        static const char digits[] = "0123456789abcdef";
        char digest_name[] = "SHA256";
        OSSL_PARAM params[] = {
                OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
                OSSL_PARAM_construct_end(),
        };
        unsigned char mac[32];
        size_t mac_len = 0;
        EVP_MAC *m;
        EVP_MAC_CTX *ctx = NULL;
        int r = -EIO;

        m = EVP_MAC_fetch(NULL, "HMAC", NULL);
        if (!m)
                return -EOPNOTSUPP;
        ctx = EVP_MAC_CTX_new(m);
        if (ctx && EVP_MAC_init(ctx, key, EG_AUDIT_KEY_SIZE, params) == 1 &&
            EVP_MAC_update(ctx, data, len) == 1 &&
            EVP_MAC_final(ctx, mac, &mac_len, sizeof(mac)) == 1 && mac_len == sizeof(mac)) {
                for (size_t i = 0; i < sizeof(mac); i++) {
                        hex[2 * i] = digits[mac[i] >> 4];
                        hex[2 * i + 1] = digits[mac[i] & 0xf];
                }
                hex[64] = '\0';
                r = 0;
        }
        EVP_MAC_CTX_free(ctx);
        EVP_MAC_free(m);
        explicit_bzero(mac, sizeof(mac));
        return r;
}

int eg_audit_key_check(const uint8_t key[static EG_AUDIT_KEY_SIZE], char hex[static 65]) {
        /* No '<': never the input of a document hash (state "<" number), so never one of them. */
        static const char text[] = "egate audit key check, version 1";

        return eg_audit_hmac_hex(key, text, strlen(text), hex);
}
