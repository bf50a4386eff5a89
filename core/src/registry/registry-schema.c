/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The registry database file: who may read it, how SQLite keeps it durable,
 * and its schema, versioned with PRAGMA user_version and brought forward by
 * an ordered list of migrations.
 *
 * A migration is static SQL run once, in its own transaction with the
 * version bump, so a crash leaves the file at the old version or the new one,
 * never between.  Add one by appending to migrations[] (never edit a shipped
 * one) and raising EG_REGISTRY_SCHEMA_VERSION; docs/registry.md lists them.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "registry-sqlite-internal.h"

struct migration {
        int version; /* the user_version after it */
        const char *what;
        const char *sql;
};

static const struct migration migrations[] = {
        { 1, "members, status history, passports, fingers, faces",
          "CREATE TABLE members ("
          "  id TEXT PRIMARY KEY NOT NULL,"
          "  status TEXT NOT NULL CHECK (status IN"
          "    ('conditional', 'active', 'suspended', 'revoked', 'expired')),"
          "  birth_date TEXT NOT NULL,"
          "  enrolled TEXT,"
          "  conditional_approval TEXT,"
          "  created TEXT NOT NULL,"
          "  updated TEXT NOT NULL"
          ");"
          /* No foreign key: a removed member's history stays as the record of who
           * removed it, when and why. */
          "CREATE TABLE member_status_history ("
          "  member_id TEXT NOT NULL,"
          "  status TEXT NOT NULL,"
          "  changed_at TEXT NOT NULL,"
          "  reason TEXT NOT NULL,"
          "  actor TEXT NOT NULL"
          ");"
          "CREATE TABLE passports ("
          "  member_id TEXT NOT NULL REFERENCES members(id) ON DELETE CASCADE,"
          "  issuing_state TEXT NOT NULL,"
          "  document_number TEXT NOT NULL,"
          "  expiry TEXT NOT NULL,"
          "  UNIQUE (issuing_state, document_number)"
          ");"
          "CREATE TABLE fingers ("
          "  member_id TEXT NOT NULL REFERENCES members(id) ON DELETE CASCADE,"
          "  position INTEGER NOT NULL CHECK (position BETWEEN 1 AND 10),"
          "  format TEXT NOT NULL,"
          "  template BLOB NOT NULL"
          ");"
          "CREATE TABLE faces ("
          "  member_id TEXT NOT NULL UNIQUE REFERENCES members(id) ON DELETE CASCADE,"
          "  mime TEXT NOT NULL,"
          "  image BLOB NOT NULL"
          ");"
          "PRAGMA user_version = 1;" },
        { 2, "indexes for a member's rows; when each finger template was stored",
          "CREATE INDEX passports_member ON passports(member_id);"
          "CREATE INDEX fingers_member ON fingers(member_id, position);"
          "CREATE INDEX member_status_history_member ON member_status_history(member_id);"
          "ALTER TABLE fingers ADD COLUMN stored TEXT;"
          "PRAGMA user_version = 2;" },
};

_Static_assert(ELEMENTSOF(migrations) == EG_REGISTRY_SCHEMA_VERSION,
               "one migration per schema version");

/* Group or other bits, or someone else's file: the member data is not only ours. */
static int check_file(const char *path, const struct stat *st) {
        if (!S_ISREG(st->st_mode))
                return log_error_errno(EPERM, "registry: %s is not a regular file: refusing it",
                                       path);
        if (st->st_uid != geteuid())
                return log_error_errno(EPERM,
                                       "registry: %s belongs to uid %u, not to egated's uid %u: "
                                       "refusing it (member data must be ours alone)",
                                       path, (unsigned) st->st_uid, (unsigned) geteuid());
        if (st->st_mode & 0077)
                return log_error_errno(EPERM,
                                       "registry: %s has mode %04o: group or others may read "
                                       "member data, refusing it (check who had access, then "
                                       "chmod 0600 it)",
                                       path, (unsigned) (st->st_mode & 07777));
        return 0;
}

static int check_companion(const char *path, const char *suffix) {
        _cleanup_free_ char *p = NULL;
        struct stat st;

        if (asprintf(&p, "%s%s", path, suffix) < 0)
                return log_oom();
        if (lstat(p, &st) < 0)
                return errno == ENOENT ? 0 : log_error_errno(errno, "registry: %s: %m", p);
        return check_file(p, &st);
}

static int exec_sql(sqlite3 *db, const char *path, const char *sql, const char *what) {
        int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);

        if (rc != SQLITE_OK)
                return log_error_errno(EIO, "registry: %s: %s failed: %s", path, what,
                                       sqlite3_errmsg(db));
        return 0;
}

static int read_version(sqlite3 *db, const char *path, int *ret) {
        sqlite3_stmt *s = NULL;
        int rc;

        rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, NULL);
        if (rc == SQLITE_OK)
                rc = sqlite3_step(s);
        if (rc != SQLITE_ROW) {
                sqlite3_finalize(s);
                return log_error_errno(EIO, "registry: %s: cannot read the schema version: %s",
                                       path, sqlite3_errmsg(db));
        }
        *ret = sqlite3_column_int(s, 0);
        sqlite3_finalize(s);
        return 0;
}

static int migrate(sqlite3 *db, const char *path) {
        int version = 0, r;

        r = read_version(db, path, &version);
        if (r < 0)
                return r;
        if (version > EG_REGISTRY_SCHEMA_VERSION) {
                log_error("registry: %s has schema version %d, newer than the %d this egated "
                          "knows: refusing to touch it (run the newer egated, or restore a "
                          "backup)",
                          path, version, EG_REGISTRY_SCHEMA_VERSION);
                return -EPROTO;
        }
        if (version < 0) {
                log_error("registry: %s: schema version %d is not ours", path, version);
                return -EPROTO;
        }
        for (size_t i = 0; i < ELEMENTSOF(migrations); i++) {
                const struct migration *m = &migrations[i];

                if (m->version <= version)
                        continue;
                r = exec_sql(db, path, "BEGIN IMMEDIATE", "starting a migration");
                if (r < 0)
                        return r;
                if (sqlite3_exec(db, m->sql, NULL, NULL, NULL) != SQLITE_OK) {
                        r = log_error_errno(EIO,
                                            "registry: %s: migration to version %d (%s) "
                                            "failed: %s",
                                            path, m->version, m->what, sqlite3_errmsg(db));
                        (void) sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
                        return r;
                }
                r = exec_sql(db, path, "COMMIT", "committing a migration");
                if (r < 0) {
                        (void) sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
                        return r;
                }
                log_info("registry: %s migrated to schema version %d: %s", path, m->version,
                         m->what);
                version = m->version;
        }
        return 0;
}

static int set_busy_timeout(sqlite3 *db, const char *path) {
        if (sqlite3_busy_timeout(db, EG_REGISTRY_BUSY_TIMEOUT_MS) != SQLITE_OK)
                return log_error_errno(EIO, "registry: %s: cannot set the busy timeout: %s", path,
                                       sqlite3_errmsg(db));
        return 0;
}

/* Settings that hold for the connection's life. */
static int configure(sqlite3 *db, const char *path) {
        static const struct {
                const char *sql;
                const char *what;
        } pragmas[] = {
                { "PRAGMA journal_mode = WAL", "write-ahead logging" },
                { "PRAGMA synchronous = FULL", "synchronous=FULL" },
                { "PRAGMA foreign_keys = ON", "foreign keys" },
                /* Deleted templates, faces and numbers are overwritten, not left in free
                 * pages. */
                { "PRAGMA secure_delete = ON", "secure_delete" },
                { "PRAGMA trusted_schema = OFF", "trusted_schema=OFF" },
        };
        int r;

        r = set_busy_timeout(db, path);
        if (r < 0)
                return r;
        for (size_t i = 0; i < ELEMENTSOF(pragmas); i++) {
                r = exec_sql(db, path, pragmas[i].sql, pragmas[i].what);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* sqlite3_open_v2() with what every connection here has (no symlinks, extended codes). */
static int open_connection(const char *path, int mode, sqlite3 **ret) {
        sqlite3 *db = NULL;
        int rc, r;

        rc = sqlite3_open_v2(
                path, &db,
                mode | SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_FULLMUTEX | SQLITE_OPEN_EXRESCODE, NULL);
        if (rc != SQLITE_OK) {
                r = log_error_errno(EIO, "registry: cannot open %s: %s", path,
                                    db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
                sqlite3_close_v2(db);
                return r;
        }
        *ret = db;
        return 0;
}

int registry_db_open_reader(const char *path, sqlite3 **ret) {
        sqlite3 *db = NULL;
        int version = 0, r;

        r = open_connection(path, SQLITE_OPEN_READONLY, &db);
        if (r < 0)
                return r;
        r = set_busy_timeout(db, path);
        if (r >= 0)
                r = exec_sql(db, path, "PRAGMA trusted_schema = OFF", "trusted_schema=OFF");
        if (r >= 0)
                r = read_version(db, path, &version);
        /* The writer migrated it a moment ago: anything else is not that file. */
        if (r >= 0 && version != EG_REGISTRY_SCHEMA_VERSION)
                r = log_error_errno(EPROTO, "registry: %s changed under egated (schema version %d)",
                                    path, version);
        if (r < 0) {
                sqlite3_close_v2(db);
                return r;
        }
        *ret = db;
        return 0;
}

int registry_db_open(const char *path, sqlite3 **ret) {
        _cleanup_(closep) int fd = -1;
        sqlite3 *db = NULL;
        struct stat st, again;
        int r;

        /* Create it ourselves, 0600 whatever the umask, before SQLite opens it. */
        fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd >= 0) {
                if (fchmod(fd, 0600) < 0)
                        return log_error_errno(errno, "registry: cannot chmod %s: %m", path);
                log_info("registry: created %s", path);
        } else if (errno == EEXIST)
                fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return log_error_errno(errno, "registry: cannot open %s: %m", path);
        if (fstat(fd, &st) < 0)
                return log_error_errno(errno, "registry: cannot stat %s: %m", path);
        r = check_file(path, &st);
        if (r < 0)
                return r;
        /* SQLite gives the -wal and -shm files the database's mode; stale ones must
         * pass the same test. */
        r = check_companion(path, "-wal");
        if (r >= 0)
                r = check_companion(path, "-shm");
        if (r < 0)
                return r;

        r = open_connection(path, SQLITE_OPEN_READWRITE, &db);
        if (r < 0)
                return r;
        /* The file SQLite opened is the one we checked, not a replacement. */
        if (stat(path, &again) < 0 || again.st_dev != st.st_dev || again.st_ino != st.st_ino) {
                sqlite3_close_v2(db);
                return log_error_errno(EPERM, "registry: %s was replaced while opening it", path);
        }
        r = configure(db, path);
        if (r >= 0)
                r = migrate(db, path);
        if (r < 0) {
                sqlite3_close_v2(db);
                return r;
        }
        *ret = db;
        return 0;
}
