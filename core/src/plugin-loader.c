/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Vetting plugin descriptors, loading plugin modules and scanning plugin
 * directories.  Reading the descriptor from the ELF file is in plugin-elf.c;
 * docs/sdk-abi.md gives the order of the checks and every refusal reason.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <inttypes.h>
#include <link.h>
#include <stdarg.h>
#include <stdint.h>
#include <sys/param.h>
#include <sys/stat.h>

#include "log.h"
#include "plugin-loader-internal.h"
#include "plugin-loader.h"

#define KNOWN_CLASS_BITS (((UINT32_C(1) << EG_CLASS_MAX_) - 1) & ~EG_CLASS_BIT(EG_CLASS_INVALID))
#define KNOWN_FLAG_BITS (EG_PLUGIN_FLAG_TEST_ONLY)

/* Room for a label such as "matches[7].property" or an escaped name. */
#define LABEL_MAX 64
#define ESCAPED_MAX(n) ((n) *4 + 1)

int plugin_refuse(char **ret_reason, int error, const char *format, ...) {
        va_list ap;
        char *reason;
        int r;

        error = error == 0 ? -EINVAL : -abs(error);
        if (!ret_reason)
                return error;

        va_start(ap, format);
        r = vasprintf(&reason, format, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;

        *ret_reason = reason;
        return error;
}

static const char *const plugin_state_table[] = {
        [EG_PLUGIN_REFUSED] = "refused", [EG_PLUGIN_LOADED] = "loaded",
        [EG_PLUGIN_ACTIVE] = "active",   [EG_PLUGIN_FAILED] = "failed",
        [EG_PLUGIN_STOPPED] = "stopped",
};

const char *eg_plugin_state_to_string(enum eg_plugin_state s) {
        if ((unsigned) s >= ELEMENTSOF(plugin_state_table))
                return NULL;
        return plugin_state_table[s];
}

bool eg_plugin_name_is_valid(const char *name) {
        size_t len;

        if (!name || name[0] == '-')
                return false;

        len = strnlen(name, EG_NAME_MAX);
        if (len == 0 || len >= EG_NAME_MAX)
                return false;

        for (size_t i = 0; i < len; i++) {
                char c = name[i];

                if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
                        return false;
        }
        return true;
}

static bool char_is_printable(char c) {
        return c >= 0x20 && c <= 0x7e;
}

/* Plugin-supplied text shown in a reason: anything but plain printable ASCII as \xNN. */
static const char *escape_string(const char *s, size_t max, char *buf, size_t size) {
        size_t o = 0;

        for (size_t i = 0; i < max && s[i] && o + 5 <= size; i++) {
                if (char_is_printable(s[i]) && s[i] != '"' && s[i] != '\\')
                        buf[o++] = s[i];
                else
                        o += (size_t) snprintf(buf + o, size - o, "\\x%02x",
                                               (unsigned) (unsigned char) s[i]);
        }
        buf[o] = '\0';
        return buf;
}

/* A fixed-size text member: NUL-terminated inside its array and printable ASCII. */
static int check_text(const char *label, const char *s, size_t max, bool allow_empty,
                      char **ret_reason) {
        size_t len = strnlen(s, max);

        if (len >= max)
                return plugin_refuse(ret_reason, EINVAL, "%s is not NUL-terminated", label);
        if (len == 0 && !allow_empty)
                return plugin_refuse(ret_reason, EINVAL, "%s is empty", label);
        for (size_t i = 0; i < len; i++)
                if (!char_is_printable(s[i]))
                        return plugin_refuse(ret_reason, EINVAL,
                                             "%s contains a non-printable character (byte %zu)",
                                             label, i);
        return 0;
}

static const char *match_kind_to_string(uint32_t kind) {
        switch (kind) {
        case EG_MATCH_CONFIG:
                return "config";
        case EG_MATCH_UDEV:
                return "udev";
        case EG_MATCH_USB:
                return "usb";
        default:
                return NULL;
        }
}

static int validate_match(const struct eg_match *m, size_t i, char **ret_reason) {
        const char *kind = match_kind_to_string(m->kind);
        char label[LABEL_MAX], escaped[ESCAPED_MAX(EG_MATCH_PROPERTY_MAX)];
        int r;

        if (!kind)
                return plugin_refuse(ret_reason, EINVAL, "matches[%zu] has unknown kind %" PRIu32,
                                     i, m->kind);

        (void) snprintf(label, sizeof(label), "matches[%zu].subsystem", i);
        r = check_text(label, m->subsystem, sizeof(m->subsystem), true, ret_reason);
        if (r < 0)
                return r;

        (void) snprintf(label, sizeof(label), "matches[%zu].property", i);
        r = check_text(label, m->property, sizeof(m->property), true, ret_reason);
        if (r < 0)
                return r;

        switch (m->kind) {
        case EG_MATCH_UDEV:
                if (m->subsystem[0] == '\0')
                        return plugin_refuse(ret_reason, EINVAL,
                                             "matches[%zu] (udev) has no subsystem", i);
                if (m->property[0] != '\0' && (m->property[0] == '=' || !strchr(m->property, '=')))
                        return plugin_refuse(ret_reason, EINVAL,
                                             "matches[%zu] (udev) property \"%s\" is not KEY=VALUE",
                                             i,
                                             escape_string(m->property, sizeof(m->property),
                                                           escaped, sizeof(escaped)));
                break;
        case EG_MATCH_USB:
                if (m->usb_vendor == 0)
                        return plugin_refuse(ret_reason, EINVAL,
                                             "matches[%zu] (usb) has vendor id 0000", i);
                break;
        default:
                break;
        }
        return 0;
}

int eg_plugin_descriptor_validate(const struct eg_plugin_descriptor *d, char **ret_reason) {
        char escaped[ESCAPED_MAX(EG_NAME_MAX)];
        size_t n_matches;
        int r;

        if (!d)
                return plugin_refuse(ret_reason, EINVAL, "no descriptor");

        if (d->size < EG_PLUGIN_DESCRIPTOR_SIZE_1_0)
                return plugin_refuse(ret_reason, EBADMSG,
                                     "descriptor size field is %" PRIu32 ", SDK ABI 1.0 needs at "
                                     "least %zu",
                                     d->size, EG_PLUGIN_DESCRIPTOR_SIZE_1_0);

        /* ABI first: a descriptor from another major may mean anything beyond this point. */
        if (d->abi_major != EG_SDK_ABI_MAJOR || d->abi_minor > EG_SDK_ABI_MINOR)
                return plugin_refuse(ret_reason, EPROTONOSUPPORT,
                                     "built for SDK ABI %u.%u, egated implements %d.%d",
                                     (unsigned) d->abi_major, (unsigned) d->abi_minor,
                                     EG_SDK_ABI_MAJOR, EG_SDK_ABI_MINOR);

        if (strnlen(d->name, sizeof(d->name)) >= sizeof(d->name))
                return plugin_refuse(ret_reason, EINVAL, "descriptor name is not NUL-terminated");
        if (!eg_plugin_name_is_valid(d->name))
                return plugin_refuse(
                        ret_reason, EINVAL,
                        "descriptor name \"%s\" is invalid (want 1-31 of a-z, 0-9, "
                        "'_', '-'; not starting with '-')",
                        escape_string(d->name, sizeof(d->name), escaped, sizeof(escaped)));

        r = check_text("descriptor version", d->version, sizeof(d->version), false, ret_reason);
        if (r < 0)
                return r;
        r = check_text("descriptor vendor", d->vendor, sizeof(d->vendor), false, ret_reason);
        if (r < 0)
                return r;

        if (d->classes == 0)
                return plugin_refuse(ret_reason, EINVAL, "descriptor declares no device class");
        if (d->classes & ~KNOWN_CLASS_BITS)
                return plugin_refuse(ret_reason, EINVAL,
                                     "descriptor declares unknown device class bits 0x%" PRIx32,
                                     d->classes & ~KNOWN_CLASS_BITS);

        if (d->flags & ~KNOWN_FLAG_BITS)
                return plugin_refuse(ret_reason, EINVAL,
                                     "descriptor has unknown flag bits 0x%" PRIx32,
                                     d->flags & ~KNOWN_FLAG_BITS);

        for (n_matches = 0; n_matches < EG_MATCH_MAX; n_matches++) {
                if (d->matches[n_matches].kind == EG_MATCH_END)
                        break;
                r = validate_match(&d->matches[n_matches], n_matches, ret_reason);
                if (r < 0)
                        return r;
        }
        if (n_matches == 0)
                return plugin_refuse(ret_reason, EINVAL, "descriptor has no matches");

        return 0;
}

static bool descriptor_matches_config(const struct eg_plugin_descriptor *d) {
        for (size_t i = 0; i < EG_MATCH_MAX && d->matches[i].kind != EG_MATCH_END; i++)
                if (d->matches[i].kind == EG_MATCH_CONFIG)
                        return true;
        return false;
}

/*
 * dlsym() `name` and make sure the plugin itself defines it (not a library it
 * pulled in) as a data object; return its address and its size per the
 * loaded object's dynamic symbol table.
 */
static int module_resolve_object(void *handle, const char *name, const void **ret_addr,
                                 size_t *ret_size, char **ret_reason) {
        struct link_map *own = NULL, *owner = NULL;
        const ElfW(Sym) *sym = NULL;
        Dl_info info;
        void *addr;

        (void) dlerror();
        addr = dlsym(handle, name);
        if (!addr)
                return plugin_refuse(ret_reason, ENOENT, "missing symbol %s", name);

        if (dlinfo(handle, RTLD_DI_LINKMAP, &own) < 0 ||
            dladdr1(addr, &info, (void **) &owner, RTLD_DL_LINKMAP) == 0 || !owner)
                return plugin_refuse(ret_reason, EBADMSG, "cannot tell which object defines %s",
                                     name);
        if (owner != own)
                return plugin_refuse(
                        ret_reason, EBADMSG, "%s is defined by %s, not by the plugin", name,
                        owner->l_name && *owner->l_name ? owner->l_name : "another object");

        if (dladdr1(addr, &info, (void **) &sym, RTLD_DL_SYMENT) == 0 || !sym ||
            info.dli_saddr != addr)
                return plugin_refuse(ret_reason, EBADMSG, "cannot find the symbol entry of %s",
                                     name);
        /* ELF64_ST_TYPE() and ELF32_ST_TYPE() are the same: this is right for either class. */
        if (ELF64_ST_TYPE(sym->st_info) != STT_OBJECT)
                return plugin_refuse(ret_reason, EBADMSG, "%s is not a data object", name);

        *ret_addr = addr;
        *ret_size = (size_t) sym->st_size;
        return 0;
}

static int module_resolve(struct eg_plugin_module *m, void *handle, char **ret_reason) {
        const struct eg_plugin_descriptor *descriptor;
        const struct eg_plugin_ops *ops;
        struct eg_plugin_ops copy = {};
        size_t size, n;
        int r;

        /* What we vetted must be what runs: the loader maps segments, we read sections. */
        r = module_resolve_object(handle, EG_PLUGIN_DESCRIPTOR_SYMBOL, (const void **) &descriptor,
                                  &size, ret_reason);
        if (r < 0)
                return r;
        n = MIN((size_t) m->descriptor.size, sizeof(m->descriptor));
        if (size < n || memcmp(descriptor, &m->descriptor, n) != 0)
                return plugin_refuse(ret_reason, EBADMSG,
                                     "descriptor changed between read and load");

        r = module_resolve_object(handle, EG_PLUGIN_OPS_SYMBOL, (const void **) &ops, &size,
                                  ret_reason);
        if (r < 0)
                return r;
        if (size < EG_PLUGIN_OPS_SIZE_1_0)
                return plugin_refuse(ret_reason, EBADMSG,
                                     EG_PLUGIN_OPS_SYMBOL " truncated (%zu bytes, need at least "
                                                          "%zu)",
                                     size, EG_PLUGIN_OPS_SIZE_1_0);
        if (ops->size < EG_PLUGIN_OPS_SIZE_1_0)
                return plugin_refuse(ret_reason, EBADMSG,
                                     EG_PLUGIN_OPS_SYMBOL " size field is %" PRIu32 ", SDK ABI 1.0 "
                                                          "needs at least %zu",
                                     ops->size, EG_PLUGIN_OPS_SIZE_1_0);
        if (ops->size > size)
                return plugin_refuse(ret_reason, EBADMSG,
                                     EG_PLUGIN_OPS_SYMBOL " size field is %" PRIu32 ", but the "
                                                          "symbol has only %zu bytes",
                                     ops->size, size);

        /* Entry points of a newer minor are ignored; those an older build lacks stay NULL. */
        memcpy(&copy, ops, MIN((size_t) ops->size, sizeof(copy)));

        if (!copy.init)
                return plugin_refuse(ret_reason, EINVAL, EG_PLUGIN_OPS_SYMBOL " has no init()");
        if (!copy.shutdown)
                return plugin_refuse(ret_reason, EINVAL, EG_PLUGIN_OPS_SYMBOL " has no shutdown()");
        if (!copy.declare_device && descriptor_matches_config(&m->descriptor))
                return plugin_refuse(ret_reason, EINVAL,
                                     "matches config devices, but " EG_PLUGIN_OPS_SYMBOL
                                     " has no declare_device()");

        m->ops = copy;
        return 0;
}

int eg_plugin_module_open(struct eg_plugin_module *m) {
        _cleanup_(freep) char *reason = NULL;
        void *handle = NULL;
        int r;

        if (!m || !m->path)
                return -EINVAL;
        if (m->dl_handle)
                return -EBUSY;

        if (m->descriptor.size < EG_PLUGIN_DESCRIPTOR_SIZE_1_0)
                /* Only a descriptor read from the file says what we may load. */
                r = plugin_refuse(&reason, EINVAL, "descriptor not read before loading");
        else {
                (void) dlerror();
                handle = dlopen(m->path, RTLD_NOW | RTLD_LOCAL);
                if (!handle) {
                        const char *e = dlerror();

                        r = plugin_refuse(&reason, ENOEXEC, "dlopen failed: %s", strna(e));
                } else
                        r = module_resolve(m, handle, &reason);
        }

        if (r < 0) {
                if (handle)
                        (void) dlclose(handle);
                m->ops = (struct eg_plugin_ops){};
                m->state = EG_PLUGIN_REFUSED;
                free(m->reason);
                m->reason = TAKE_PTR(reason);
                return r;
        }

        m->dl_handle = handle;
        m->state = EG_PLUGIN_LOADED;
        free(m->reason);
        m->reason = NULL;
        return 0;
}

void eg_plugin_module_done(struct eg_plugin_module *m) {
        if (!m)
                return;

        if (m->dl_handle)
                (void) dlclose(m->dl_handle);
        free(m->path);
        free(m->name);
        free(m->reason);
        *m = (struct eg_plugin_module){};
}

void eg_plugin_modules_free(struct eg_plugin_module *m, size_t n) {
        for (size_t i = 0; m && i < n; i++)
                eg_plugin_module_done(&m[i]);
        free(m);
}

static bool filename_is_plugin(const char *name) {
        size_t len = strlen(name);

        /* Hidden files are editors' and installers' leftovers, not plugins. */
        return name[0] != '.' && len > 3 && streq(name + len - 3, ".so");
}

static int compare_strings(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

static void closedirp(DIR **d) {
        if (*d)
                (void) closedir(*d);
}

/* The names of the regular files (symlinks followed) in `dir` that look like plugins, sorted. */
static int plugin_dir_list(const char *dir, char ***ret) {
        _cleanup_(closedirp) DIR *d = NULL;
        _cleanup_(strv_freep) char **names = NULL;
        int r;

        d = opendir(dir);
        if (!d)
                return -errno;

        for (;;) {
                struct dirent *de;
                struct stat st;

                errno = 0;
                de = readdir(d);
                if (!de) {
                        if (errno != 0)
                                return -errno;
                        break;
                }

                if (!filename_is_plugin(de->d_name))
                        continue;

                if (fstatat(dirfd(d), de->d_name, &st, 0) < 0) {
                        log_debug_errno(errno, "Ignoring %s/%s: %m", dir, de->d_name);
                        continue;
                }
                if (!S_ISREG(st.st_mode)) {
                        log_debug("Ignoring %s/%s: not a regular file", dir, de->d_name);
                        continue;
                }

                r = strv_extend(&names, de->d_name);
                if (r < 0)
                        return r;
        }

        if (names)
                qsort(names, strv_length(names), sizeof(char *), compare_strings);
        *ret = TAKE_PTR(names);
        return 0;
}

static const struct eg_plugin_module *find_loaded(const struct eg_plugin_module *modules, size_t n,
                                                  const char *name) {
        for (size_t i = 0; i < n; i++)
                if (modules[i].state != EG_PLUGIN_REFUSED && streq_ptr(modules[i].name, name))
                        return &modules[i];
        return NULL;
}

/* Vet and open m->path; `earlier` are the modules already scanned (for duplicates). */
static int module_vet(struct eg_plugin_module *m, const struct eg_plugin_module *earlier,
                      size_t n_earlier, bool allow_test_only) {
        _cleanup_(freep) char *reason = NULL;
        const struct eg_plugin_module *other;
        int r;

        r = eg_plugin_descriptor_read(m->path, &m->descriptor, &reason);
        if (r >= 0) {
                /* Remember the name even when other checks fail, so the refusal names it. */
                if (strnlen(m->descriptor.name, EG_NAME_MAX) < EG_NAME_MAX &&
                    eg_plugin_name_is_valid(m->descriptor.name)) {
                        m->name = strdup(m->descriptor.name);
                        if (!m->name)
                                return -ENOMEM;
                }
                r = eg_plugin_descriptor_validate(&m->descriptor, &reason);
        }
        if (r >= 0 && (m->descriptor.flags & EG_PLUGIN_FLAG_TEST_ONLY) && !allow_test_only)
                r = plugin_refuse(&reason, EPERM,
                                  "test-only plugin: loaded only with --mock or "
                                  "[daemon] mock=true");
        if (r >= 0 && (other = find_loaded(earlier, n_earlier, m->name)))
                r = plugin_refuse(&reason, EEXIST,
                                  "duplicate plugin name '%s', already provided by %s", m->name,
                                  other->path);
        if (r < 0) {
                if (!reason)
                        return -ENOMEM;
                m->state = EG_PLUGIN_REFUSED;
                m->reason = TAKE_PTR(reason);
                return r;
        }

        r = eg_plugin_module_open(m);
        if (r < 0 && !m->reason)
                return -ENOMEM;
        return r;
}

static int modules_append(struct eg_plugin_module **modules, size_t *n, const char *dir,
                          const char *filename) {
        struct eg_plugin_module *grown;
        size_t len = strlen(dir);
        char *path;

        while (len > 1 && dir[len - 1] == '/')
                len--;
        if (asprintf(&path, "%.*s/%s", (int) len, dir, filename) < 0)
                return -ENOMEM;

        grown = reallocarray(*modules, *n + 1, sizeof(**modules));
        if (!grown) {
                free(path);
                return -ENOMEM;
        }
        grown[*n] = (struct eg_plugin_module){
                .path = path,
                .state = EG_PLUGIN_REFUSED,
        };
        *modules = grown;
        (*n)++;
        return 0;
}

int eg_plugin_modules_scan(char *const *dirs, bool allow_test_only, struct eg_plugin_module **ret,
                           size_t *ret_n) {
        struct eg_plugin_module *modules = NULL;
        size_t n = 0;
        int r;

        if (!ret || !ret_n)
                return -EINVAL;

        for (size_t i = 0; dirs && dirs[i]; i++) {
                _cleanup_(strv_freep) char **names = NULL;

                r = plugin_dir_list(dirs[i], &names);
                if (r == -ENOENT) {
                        log_debug("Plugin directory %s does not exist, skipping.", dirs[i]);
                        continue;
                }
                if (r == -ENOMEM)
                        goto fail;
                if (r < 0) {
                        log_warning_errno(r, "Cannot read plugin directory %s, skipping: %m",
                                          dirs[i]);
                        continue;
                }

                for (size_t j = 0; names && names[j]; j++) {
                        struct eg_plugin_module *m;

                        r = modules_append(&modules, &n, dirs[i], names[j]);
                        if (r < 0)
                                goto fail;
                        m = &modules[n - 1];

                        r = module_vet(m, modules, n - 1, allow_test_only);
                        if (r == -ENOMEM && !m->reason)
                                goto fail;
                        if (r < 0)
                                log_plugin(LOG_WARNING, 0, m->name ?: m->path, "refused: %s",
                                           m->reason);
                        else
                                log_plugin(LOG_DEBUG, 0, m->name,
                                           "loaded %s (version %s, vendor %s, SDK ABI %u.%u)",
                                           m->path, m->descriptor.version, m->descriptor.vendor,
                                           (unsigned) m->descriptor.abi_major,
                                           (unsigned) m->descriptor.abi_minor);
                }
        }

        *ret = modules;
        *ret_n = n;
        return 0;

fail:
        eg_plugin_modules_free(modules, n);
        return log_oom();
}
