/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Reading a plugin's descriptor straight from its ELF file, before any of the
 * plugin's code runs (no dlopen(), so no constructors).  The file may be
 * anything that happens to sit in a plugin directory, so every offset and size
 * taken from it is checked against the file before it is used.
 */
#include <elf.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <libelf.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/param.h>
#include <sys/stat.h>

#include "plugin-loader-internal.h"
#include "plugin-loader.h"

/* The machine egated itself is built for: a plugin must match it exactly. */
#if defined(__x86_64__)
#define HOST_MACHINE EM_X86_64
#elif defined(__aarch64__)
#define HOST_MACHINE EM_AARCH64
#elif defined(__i386__)
#define HOST_MACHINE EM_386
#elif defined(__arm__)
#define HOST_MACHINE EM_ARM
#elif defined(__riscv)
#define HOST_MACHINE EM_RISCV
#elif defined(__powerpc64__)
#define HOST_MACHINE EM_PPC64
#elif defined(__s390x__)
#define HOST_MACHINE EM_S390
#else
#define HOST_MACHINE EM_NONE /* not known here: dlopen() will still refuse a foreign one */
#endif

#define HOST_CLASS (__SIZEOF_POINTER__ == 8 ? ELFCLASS64 : ELFCLASS32)
#define HOST_BITS (__SIZEOF_POINTER__ * 8)

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define HOST_DATA ELFDATA2LSB
#else
#define HOST_DATA ELFDATA2MSB
#endif

/* Section names are only ever used in reasons; anything odd is shown as "?". */
#define SECTION_NAME_MAX 64

struct elf_file {
        int fd;
        uint64_t size; /* of the file, in bytes */
        Elf *elf;
        size_t shnum;
        size_t shstrndx; /* 0 when the section names cannot be trusted */
};

static void elf_endp(Elf **e) {
        if (*e)
                (void) elf_end(*e);
}

static bool range_in_file(const struct elf_file *f, uint64_t offset, uint64_t length) {
        return offset <= f->size && length <= f->size - offset;
}

static const char *machine_to_string(unsigned machine) {
        switch (machine) {
        case EM_X86_64:
                return "x86-64";
        case EM_AARCH64:
                return "aarch64";
        case EM_386:
                return "i386";
        case EM_ARM:
                return "arm";
        case EM_RISCV:
                return "riscv";
        case EM_PPC64:
                return "ppc64";
        case EM_PPC:
                return "ppc";
        case EM_S390:
                return "s390";
        case EM_MIPS:
                return "mips";
        default:
                return NULL;
        }
}

static const char *elf_type_to_string(unsigned type) {
        switch (type) {
        case ET_REL:
                return "a relocatable object";
        case ET_EXEC:
                return "an executable";
        case ET_CORE:
                return "a core dump";
        default:
                return "an unknown ELF type";
        }
}

static const char *section_name(const struct elf_file *f, const GElf_Shdr *shdr) {
        const char *name;

        if (f->shstrndx == 0)
                return "?";
        name = elf_strptr(f->elf, f->shstrndx, shdr->sh_name);
        if (!name || !*name || strnlen(name, SECTION_NAME_MAX) >= SECTION_NAME_MAX)
                return "?";
        for (const char *p = name; *p; p++)
                if (*p < 0x21 || *p > 0x7e)
                        return "?";
        return name;
}

/* Fetch section `index`, refusing one whose contents would lie outside the file. */
static int section_get(const struct elf_file *f, size_t index, Elf_Scn **ret_scn,
                       GElf_Shdr *ret_shdr, char **ret_reason) {
        Elf_Scn *scn;

        if (index == 0 || index >= f->shnum)
                return plugin_refuse(ret_reason, EBADMSG,
                                     "corrupt ELF: section index %zu out of range", index);

        scn = elf_getscn(f->elf, index);
        if (!scn || !gelf_getshdr(scn, ret_shdr))
                return plugin_refuse(ret_reason, EBADMSG, "corrupt ELF: section %zu: %s", index,
                                     elf_errmsg(-1));

        if (ret_shdr->sh_type != SHT_NOBITS &&
            !range_in_file(f, ret_shdr->sh_offset, ret_shdr->sh_size))
                return plugin_refuse(ret_reason, EBADMSG,
                                     "truncated ELF file (section %zu lies beyond its end)", index);

        if (ret_scn)
                *ret_scn = scn;
        return 0;
}

/* The translated data of a table section whose entries are `type` records. */
static int section_table(const struct elf_file *f, Elf_Scn *scn, const GElf_Shdr *shdr,
                         Elf_Type type, Elf_Data **ret_data, size_t *ret_n, char **ret_reason) {
        size_t entsize = gelf_fsize(f->elf, type, 1, EV_CURRENT);
        Elf_Data *data;

        if (entsize == 0 || shdr->sh_entsize != entsize)
                return plugin_refuse(ret_reason, EBADMSG,
                                     "corrupt ELF: section %s has entry size %ju, expected %zu",
                                     section_name(f, shdr), (uintmax_t) shdr->sh_entsize, entsize);

        data = elf_getdata(scn, NULL);
        if (!data)
                return plugin_refuse(ret_reason, EBADMSG, "corrupt ELF: section %s: %s",
                                     section_name(f, shdr), elf_errmsg(-1));

        *ret_data = data;
        *ret_n = shdr->sh_size / entsize;
        return 0;
}

static int section_table_check(const struct elf_file *f, uint64_t offset, uint64_t count,
                               uint64_t entsize, char **ret_reason) {
        uint64_t size, end;

        if (__builtin_mul_overflow(count, entsize, &size) ||
            __builtin_add_overflow(offset, size, &end))
                return plugin_refuse(ret_reason, EBADMSG,
                                     "corrupt ELF: section header table out of range");
        if (end > f->size)
                return plugin_refuse(ret_reason, EBADMSG,
                                     "truncated ELF file (section headers end at byte %" PRIu64
                                     ", file has %" PRIu64 ")",
                                     end, f->size);
        return 0;
}

/* Check everything in the ELF header, and that the section headers lie within the file. */
static int elf_file_check_header(struct elf_file *f, char **ret_reason) {
        GElf_Ehdr ehdr;
        const char *ident;
        size_t n_ident = 0, shentsize;
        int r;

        switch (elf_kind(f->elf)) {
        case ELF_K_ELF:
                break;
        case ELF_K_AR:
                return plugin_refuse(ret_reason, ENOEXEC,
                                     "not a shared object (an ar archive, i.e. a static library)");
        default:
                return plugin_refuse(ret_reason, ENOEXEC, "not an ELF file");
        }

        /* libelf only calls it ELF with a known class, byte order and version. */
        ident = elf_getident(f->elf, &n_ident);
        if (!ident || n_ident < EI_NIDENT)
                return plugin_refuse(ret_reason, ENOEXEC, "not an ELF file");

        if (ident[EI_CLASS] != HOST_CLASS)
                return plugin_refuse(ret_reason, ENOEXEC, "%d-bit ELF, egated is %d-bit",
                                     ident[EI_CLASS] == ELFCLASS64 ? 64 : 32, HOST_BITS);
        if (ident[EI_DATA] != HOST_DATA)
                return plugin_refuse(ret_reason, ENOEXEC, "%s ELF, egated is %s",
                                     ident[EI_DATA] == ELFDATA2MSB ? "big-endian" : "little-endian",
                                     HOST_DATA == ELFDATA2MSB ? "big-endian" : "little-endian");

        if (!gelf_getehdr(f->elf, &ehdr))
                return plugin_refuse(ret_reason, EBADMSG, "corrupt ELF header: %s", elf_errmsg(-1));

        if (ehdr.e_type != ET_DYN)
                return plugin_refuse(ret_reason, ENOEXEC, "not a shared object (%s)",
                                     elf_type_to_string(ehdr.e_type));

        if (HOST_MACHINE != EM_NONE && ehdr.e_machine != HOST_MACHINE) {
                const char *theirs = machine_to_string(ehdr.e_machine);

                if (theirs)
                        return plugin_refuse(ret_reason, ENOEXEC, "built for %s, egated runs on %s",
                                             theirs, machine_to_string(HOST_MACHINE));
                return plugin_refuse(ret_reason, ENOEXEC,
                                     "built for ELF machine %u, egated runs on %s",
                                     (unsigned) ehdr.e_machine, machine_to_string(HOST_MACHINE));
        }

        if (ehdr.e_shoff == 0)
                return plugin_refuse(ret_reason, ENOEXEC,
                                     "no section headers, cannot look for the descriptor");

        shentsize = gelf_fsize(f->elf, ELF_T_SHDR, 1, EV_CURRENT);
        if (ehdr.e_shentsize != shentsize)
                return plugin_refuse(ret_reason, EBADMSG,
                                     "corrupt ELF: section header size %u, expected %zu",
                                     (unsigned) ehdr.e_shentsize, shentsize);

        /* libelf quietly reports no sections when their headers lie past the end of the
         * file: check the header's own count (or, with more than 0xff00 sections, the
         * first entry, where the count then is) before asking it. */
        r = section_table_check(f, ehdr.e_shoff, MAX((uint64_t) ehdr.e_shnum, 1), shentsize,
                                ret_reason);
        if (r < 0)
                return r;
        if (elf_getshdrnum(f->elf, &f->shnum) < 0)
                return plugin_refuse(ret_reason, EBADMSG, "corrupt ELF: %s", elf_errmsg(-1));
        if (f->shnum == 0)
                return plugin_refuse(ret_reason, ENOEXEC,
                                     "no section headers, cannot look for the descriptor");
        r = section_table_check(f, ehdr.e_shoff, f->shnum, shentsize, ret_reason);
        if (r < 0)
                return r;

        /* Names only make reasons readable: without a sound name table, go on without them. */
        if (elf_getshdrstrndx(f->elf, &f->shstrndx) < 0)
                f->shstrndx = 0;
        else {
                GElf_Shdr shdr;

                if (section_get(f, f->shstrndx, NULL, &shdr, NULL) < 0 ||
                    shdr.sh_type != SHT_STRTAB)
                        f->shstrndx = 0;
        }

        return 0;
}

/* Find the defined dynamic symbol `name`; returns -ENOENT (with a reason) if there is none. */
static int elf_file_find_dynsym(const struct elf_file *f, const char *name, GElf_Sym *ret_sym,
                                char **ret_reason) {
        Elf_Scn *scn = NULL;
        GElf_Shdr shdr, strtab;
        Elf_Data *data;
        size_t n_syms;
        int r;

        for (size_t i = 1; i < f->shnum; i++) {
                r = section_get(f, i, &scn, &shdr, ret_reason);
                if (r < 0)
                        return r;
                if (shdr.sh_type == SHT_DYNSYM)
                        break;
                scn = NULL;
        }
        if (!scn)
                return plugin_refuse(ret_reason, ENOENT,
                                     "no dynamic symbol table (not an egate plugin?)");

        r = section_get(f, shdr.sh_link, NULL, &strtab, ret_reason);
        if (r < 0)
                return r;
        if (strtab.sh_type != SHT_STRTAB)
                return plugin_refuse(ret_reason, EBADMSG,
                                     "corrupt ELF: dynamic symbol names are not in a string table");

        r = section_table(f, scn, &shdr, ELF_T_SYM, &data, &n_syms, ret_reason);
        if (r < 0)
                return r;

        /* Entry 0 is always the undefined symbol. */
        for (size_t i = 1; i < n_syms && i <= INT_MAX; i++) {
                const char *sym_name;
                GElf_Sym sym;

                if (!gelf_getsym(data, (int) i, &sym))
                        break;
                if (sym.st_shndx == SHN_UNDEF)
                        continue;
                sym_name = elf_strptr(f->elf, shdr.sh_link, sym.st_name);
                if (sym_name && streq(sym_name, name)) {
                        *ret_sym = sym;
                        return 0;
                }
        }

        return plugin_refuse(ret_reason, ENOENT, "no %s symbol (not an egate plugin?)", name);
}

/*
 * The descriptor must be byte for byte what the file holds.  A dynamic
 * relocation into it (a pointer, which a hand-rolled descriptor could hold)
 * would change it at load time.
 */
static int elf_file_check_not_relocated(const struct elf_file *f, GElf_Addr start,
                                        GElf_Xword length, char **ret_reason) {
        for (size_t i = 1; i < f->shnum; i++) {
                Elf_Scn *scn;
                GElf_Shdr shdr;
                Elf_Data *data;
                size_t n;
                int r;

                r = section_get(f, i, &scn, &shdr, ret_reason);
                if (r < 0)
                        return r;
                if (!(shdr.sh_flags & SHF_ALLOC) ||
                    (shdr.sh_type != SHT_RELA && shdr.sh_type != SHT_REL))
                        continue;

                r = section_table(f, scn, &shdr, shdr.sh_type == SHT_RELA ? ELF_T_RELA : ELF_T_REL,
                                  &data, &n, ret_reason);
                if (r < 0)
                        return r;

                for (size_t j = 0; j < n && j <= INT_MAX; j++) {
                        GElf_Addr offset;

                        if (shdr.sh_type == SHT_RELA) {
                                GElf_Rela rela;

                                if (!gelf_getrela(data, (int) j, &rela))
                                        break;
                                offset = rela.r_offset;
                        } else {
                                GElf_Rel rel;

                                if (!gelf_getrel(data, (int) j, &rel))
                                        break;
                                offset = rel.r_offset;
                        }

                        if (offset >= start && offset - start < length)
                                return plugin_refuse(ret_reason, EBADMSG,
                                                     "descriptor is relocated at load time "
                                                     "(it must not contain pointers)");
                }
        }

        return 0;
}

static int elf_file_read_descriptor(const struct elf_file *f, struct eg_plugin_descriptor *ret,
                                    char **ret_reason) {
        struct eg_plugin_descriptor d = {};
        GElf_Shdr shdr;
        GElf_Sym sym = {};
        uint64_t in_section, offset, length;
        ssize_t n;
        int r;

        r = elf_file_find_dynsym(f, EG_PLUGIN_DESCRIPTOR_SYMBOL, &sym, ret_reason);
        if (r < 0)
                return r;

        if (GELF_ST_TYPE(sym.st_info) != STT_OBJECT)
                return plugin_refuse(ret_reason, EBADMSG,
                                     EG_PLUGIN_DESCRIPTOR_SYMBOL " is not a data object");
        if (sym.st_shndx >= SHN_LORESERVE)
                return plugin_refuse(ret_reason, EBADMSG,
                                     EG_PLUGIN_DESCRIPTOR_SYMBOL " is not in a section "
                                                                 "(section index 0x%x)",
                                     (unsigned) sym.st_shndx);

        r = section_get(f, sym.st_shndx, NULL, &shdr, ret_reason);
        if (r < 0)
                return r;

        if (shdr.sh_flags & SHF_WRITE)
                return plugin_refuse(ret_reason, EBADMSG,
                                     EG_PLUGIN_DESCRIPTOR_SYMBOL " is in writable section %s "
                                                                 "(declare it const)",
                                     section_name(f, &shdr));
        if (shdr.sh_type != SHT_PROGBITS || !(shdr.sh_flags & SHF_ALLOC))
                return plugin_refuse(ret_reason, EBADMSG,
                                     EG_PLUGIN_DESCRIPTOR_SYMBOL " is in section %s, which is not "
                                                                 "read-only data",
                                     section_name(f, &shdr));

        /* In a shared object a symbol's value is an address: find it within the section. */
        if (sym.st_value < shdr.sh_addr || sym.st_value - shdr.sh_addr > shdr.sh_size ||
            sym.st_size > shdr.sh_size - (sym.st_value - shdr.sh_addr))
                return plugin_refuse(ret_reason, EBADMSG,
                                     EG_PLUGIN_DESCRIPTOR_SYMBOL " lies outside its section %s",
                                     section_name(f, &shdr));
        in_section = sym.st_value - shdr.sh_addr;
        offset = shdr.sh_offset + in_section; /* no overflow: the section is within the file */

        if (sym.st_size < EG_PLUGIN_DESCRIPTOR_SIZE_1_0)
                return plugin_refuse(ret_reason, EBADMSG,
                                     "descriptor truncated (%ju bytes, need at least %zu)",
                                     (uintmax_t) sym.st_size, EG_PLUGIN_DESCRIPTOR_SIZE_1_0);

        r = elf_file_check_not_relocated(f, sym.st_value, sym.st_size, ret_reason);
        if (r < 0)
                return r;

        length = MIN(sym.st_size, (uint64_t) sizeof(d));
        if (!range_in_file(f, offset, length))
                return plugin_refuse(ret_reason, EBADMSG,
                                     "truncated ELF file (descriptor beyond its end)");

        n = pread(f->fd, &d, length, (off_t) offset);
        if (n < 0)
                return plugin_refuse(ret_reason, errno, "cannot read descriptor: %s",
                                     strerror(errno));
        if ((uint64_t) n != length)
                return plugin_refuse(ret_reason, EBADMSG,
                                     "descriptor truncated (%zd bytes, need at least %zu)", n,
                                     EG_PLUGIN_DESCRIPTOR_SIZE_1_0);

        if (d.size < EG_PLUGIN_DESCRIPTOR_SIZE_1_0)
                return plugin_refuse(ret_reason, EBADMSG,
                                     "descriptor size field is %" PRIu32 ", SDK ABI 1.0 needs at "
                                     "least %zu",
                                     d.size, EG_PLUGIN_DESCRIPTOR_SIZE_1_0);
        if (d.size > sym.st_size)
                return plugin_refuse(ret_reason, EBADMSG,
                                     "descriptor size field is %" PRIu32 ", but the symbol has "
                                     "only %ju bytes",
                                     d.size, (uintmax_t) sym.st_size);

        /* Members of a newer minor than ours are beyond sizeof(d) and ignored;
         * those the plugin's (older) build lacks read as zero. */
        *ret = (struct eg_plugin_descriptor){};
        memcpy(ret, &d, MIN((size_t) d.size, sizeof(d)));
        return 0;
}

int eg_plugin_descriptor_read(const char *path, struct eg_plugin_descriptor *ret,
                              char **ret_reason) {
        _cleanup_(closep) int fd = -1;
        _cleanup_(elf_endp) Elf *elf = NULL;
        struct elf_file f;
        struct stat st;
        int r;

        if (!path || !ret)
                return plugin_refuse(ret_reason, EINVAL, "no path given");

        /* O_NONBLOCK: a FIFO someone left in the directory must not hang us. */
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return plugin_refuse(ret_reason, errno, "cannot open: %s", strerror(errno));
        if (fstat(fd, &st) < 0)
                return plugin_refuse(ret_reason, errno, "cannot stat: %s", strerror(errno));
        if (!S_ISREG(st.st_mode))
                return plugin_refuse(ret_reason, EBADF, "not a regular file");
        if (st.st_size == 0)
                return plugin_refuse(ret_reason, ENOEXEC, "not an ELF file (empty)");

        if (elf_version(EV_CURRENT) == EV_NONE)
                return plugin_refuse(ret_reason, ENOTSUP, "libelf: %s", elf_errmsg(-1));

        elf = elf_begin(fd, ELF_C_READ, NULL);
        if (!elf)
                return plugin_refuse(ret_reason, EBADMSG, "cannot read ELF: %s", elf_errmsg(-1));

        f = (struct elf_file){
                .fd = fd,
                .size = (uint64_t) st.st_size,
                .elf = elf,
        };

        r = elf_file_check_header(&f, ret_reason);
        if (r < 0)
                return r;

        return elf_file_read_descriptor(&f, ret, ret_reason);
}
