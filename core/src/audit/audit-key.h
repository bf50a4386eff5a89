/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The audit trail's secrets on disk: the HMAC key for document hashes
 * (<state_dir>/audit.key, 32 random bytes) and the file checks the key and
 * the database share.  The key never leaves the process: no API returns it.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define EG_AUDIT_KEY_SIZE 32
#define EG_AUDIT_KEY_FILE "audit.key"

/*
 * A file of ours for secrets: regular, owned by our euid, no permission for
 * group or others.  Logs what is wrong with `name` and returns -EPERM
 * (foreign owner, loose mode) or -EBADF (not a regular file).
 */
int eg_audit_check_private_file(int fd, const char *dir, const char *name);

/* Read <dir>/audit.key, creating it the first time (32 bytes from getrandom(), 0600, atomically
 * under its name).  A key of another size is refused, never replaced: old hashes would stop
 * matching. */
int eg_audit_key_load(int dir_fd, const char *dir, uint8_t key[static EG_AUDIT_KEY_SIZE]);

/* The key's check value: its HMAC of a fixed text, as 64 hex digits.  The trail keeps it
 * (audit-store.h) to tell its own key from another of the right size; it reveals nothing
 * of the key. */
int eg_audit_key_check(const uint8_t key[static EG_AUDIT_KEY_SIZE], char hex[static 65]);

/* HMAC-SHA256 (OpenSSL EVP_MAC) of data, as 64 lowercase hex digits. */
int eg_audit_hmac_hex(const uint8_t key[static EG_AUDIT_KEY_SIZE], const void *data, size_t len,
                      char hex[static 65]);
