/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <openssl/pem.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>

#include "chip-passports.h"
#include "emrtd/country-codes.h"
#include "mock-macro.h"

struct state_pki {
        char state[4]; /* the ICAO code without fillers: "UTO", "D"; "" if none */
        struct eg_test_pki *pki;
};

struct mock_chips {
        const struct mock_scenario *scenario;
        struct state_pki *pkis;
        size_t n_pkis;
        /* Indexed like the scenario's travellers: the chip of each traveller with
         * one, NULL for the others.  Owned; all built in mock_chips_new(), freed in
         * mock_chips_free(). */
        struct eg_test_passport **passports;
        size_t n_passports; /* how many of them are not NULL */
};

/* The issuing state sits in characters 3-5 of the first line in every layout. */
static void chip_state(const struct mock_traveller *t, char out[static 4]) {
        const char *line = t->chip.dg1_mrz.lines[0];
        size_t n = 0;

        for (size_t i = 2; i < 5 && line[i] && line[i] != '<'; i++)
                out[n++] = line[i];
        out[n] = '\0';
}

static struct eg_test_pki *find_pki(const struct mock_chips *c, const char *state) {
        for (size_t i = 0; i < c->n_pkis; i++)
                if (streq(c->pkis[i].state, state))
                        return c->pkis[i].pki;
        return NULL;
}

static int add_pki(struct mock_chips *c, const char *state) {
        struct state_pki *n;
        char label[64];
        int r;

        if (find_pki(c, state))
                return 0;
        n = realloc(c->pkis, (c->n_pkis + 1) * sizeof(*n));
        if (!n)
                return -ENOMEM;
        c->pkis = n;
        n = &c->pkis[c->n_pkis];
        *n = (struct state_pki){};
        (void) snprintf(n->state, sizeof(n->state), "%s", state);
        /* The state in the CN keeps the subjects apart even where there is no C=. */
        (void) snprintf(label, sizeof(label), "egate mock%s%s", *state ? " " : "", state);
        r = eg_test_pki_new_named(eg_country_alpha2(state), label, &n->pki);
        if (r < 0)
                return r;
        c->n_pkis++;
        return 0;
}

struct mock_chips *mock_chips_free(struct mock_chips *c) {
        if (!c)
                return NULL;
        for (size_t i = 0; c->passports && i < c->scenario->n_travellers; i++)
                eg_test_passport_free(c->passports[i]);
        free(c->passports);
        for (size_t i = 0; i < c->n_pkis; i++)
                eg_test_pki_free(c->pkis[i].pki);
        free(c->pkis);
        free(c);
        return NULL;
}

size_t mock_chips_n_passports(const struct mock_chips *c) {
        return c->n_passports;
}

size_t mock_chips_n_csca(const struct mock_chips *c) {
        return c->n_pkis;
}

X509 *mock_chips_csca(const struct mock_chips *c, size_t i) {
        return i < c->n_pkis ? c->pkis[i].pki->csca : NULL;
}

int mock_chips_write_csca(const struct mock_chips *c, const char *path) {
        _cleanup_(freep) char *tmp = NULL;
        FILE *f;
        int fd, r = 0;

        if (!path || !*path)
                return -EINVAL;
        if (asprintf(&tmp, "%s.XXXXXX", path) < 0)
                return -ENOMEM;
        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return -errno;
        /* A certificate is public; the daemon's trust store must be able to read it. */
        if (fchmod(fd, 0644) < 0) {
                r = -errno;
                (void) close(fd);
                goto fail;
        }
        f = fdopen(fd, "w");
        if (!f) {
                r = -errno;
                (void) close(fd);
                goto fail;
        }
        for (size_t i = 0; i < c->n_pkis; i++)
                if (!PEM_write_X509(f, c->pkis[i].pki->csca))
                        r = -EIO;
        if (fflush(f) != 0 && r == 0)
                r = -errno;
        if (fclose(f) != 0 && r == 0)
                r = -errno;
        if (r == 0 && rename(tmp, path) < 0)
                r = -errno;
        if (r == 0)
                return 0;
fail:
        (void) unlink(tmp);
        return r;
}

/* Another document number in the key seed: the chip was personalised with
 * other data than the MRZ shows, so BAC with the printed MRZ fails. */
static void other_key_seed(char *info) {
        char *ch = &info[0];

        if (*ch >= '0' && *ch <= '8')
                (*ch)++;
        else if (*ch == '9')
                *ch = '0';
        else if (*ch >= 'A' && *ch <= 'Y')
                (*ch)++;
        else
                *ch = 'A';
}

/* A photo substituted after signing: DG2 no longer matches its hash in EF.SOD.
 * The byte changed sits in the JPEG's comment padding, so the image still decodes. */
static int substitute_photo(struct eg_test_passport *p) {
        size_t len = p->file_len[2];
        uint8_t *copy = malloc(len);

        if (!copy)
                return -ENOMEM;
        memcpy(copy, p->file[2], len);
        copy[len / 2] ^= 0x01;
        eg_test_passport_set_file(p, 2, copy, len);
        free(copy);
        return 0;
}

static int build(struct mock_chips *c, const struct mock_traveller *t,
                 struct eg_test_passport **ret) {
        char mrz[3 * MOCK_MRZ_MAX_LINE + 1], info[EG_TEST_MRZ_INFORMATION_MAX + 1], state[4];
        struct eg_test_passport_options o = {
                .aa = EG_TEST_AA_EC,
                .ca = true,
                .dg2_extra = MOCK_CHIP_DG2_SIZE,
        };
        struct eg_test_passport *p = NULL;
        size_t len;
        int r;

        len = mock_mrz_concat(&t->chip.dg1_mrz, mrz, sizeof(mrz));
        if (eg_test_mrz_information(mrz, len, info) < 0)
                return -EINVAL;
        if (t->chip.behaviour == MOCK_CHIP_BAC_FAIL)
                other_key_seed(info);
        chip_state(t, state);
        o.mrz = mrz;
        o.mrz_len = len;
        o.mrz_information = info;
        o.pki = find_pki(c, state);
        if (!o.pki)
                return -EINVAL; /* every chip's state got one in mock_chips_new() */
        if (t->chip.access == MOCK_CHIP_ACCESS_PACE) {
                /* What current passports carry: PACE-GM on P-256 with AES-128 in EF.CardAccess
                 * (and DG14), and Chip Authentication in the same cipher rather than the 3DES a
                 * BAC-era chip has.  The card keeps answering BAC too. */
                o.pace = true;
                o.pace_cipher = EG_CIPHER_AES128;
                o.ca_cipher = EG_CIPHER_AES128;
        }

        r = eg_test_passport_new(&o, &p);
        if (r < 0)
                return r;
        if (t->chip.behaviour == MOCK_CHIP_PA_FAIL) {
                r = substitute_photo(p);
                if (r < 0) {
                        eg_test_passport_free(p);
                        return r;
                }
        }
        *ret = p;
        return 0;
}

/* Sets *error (if asked for) to "<what>: <errno text>", NULL if out of memory; returns r. */
_printf_(3, 4) static int fail(char **error, int r, const char *format, ...) {
        char *what;
        va_list ap;
        int n;

        if (!error)
                return r;
        *error = NULL;
        va_start(ap, format);
        n = vasprintf(&what, format, ap);
        va_end(ap);
        if (n < 0)
                return r;
        if (asprintf(error, "%s: %s", what, strerror(-r)) < 0)
                *error = NULL;
        free(what);
        return r;
}

int mock_chips_new(const struct mock_scenario *s, struct mock_chips **ret, char **error) {
        struct mock_chips *c;
        int r;

        if (error)
                *error = NULL;
        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->scenario = s;
        c->passports = calloc(s->n_travellers ? s->n_travellers : 1, sizeof(*c->passports));
        if (!c->passports) {
                mock_chips_free(c);
                return -ENOMEM;
        }

        /* The PKIs first: a chip's EF.SOD is signed by its state's Document Signer. */
        for (size_t i = 0; i < s->n_travellers; i++) {
                const struct mock_traveller *t = &s->travellers[i];
                char state[4];

                if (!t->chip.present)
                        continue;
                chip_state(t, state);
                r = add_pki(c, state);
                if (r < 0) {
                        mock_chips_free(c);
                        return fail(error, r,
                                    "traveller '%s': cannot make the mock PKI of issuing state "
                                    "'%s'",
                                    t->id, state);
                }
        }

        /* Then every chip, as a passport is made long before it reaches the gate:
         * placing one on the reader only looks it up. */
        for (size_t i = 0; i < s->n_travellers; i++) {
                const struct mock_traveller *t = &s->travellers[i];

                if (!t->chip.present)
                        continue;
                r = build(c, t, &c->passports[i]);
                if (r < 0) {
                        mock_chips_free(c);
                        return fail(error, r, "traveller '%s': cannot build the passport chip",
                                    t->id);
                }
                c->n_passports++;
        }

        *ret = c;
        return 0;
}

int mock_chips_passport(const struct mock_chips *c, const struct mock_traveller *t,
                        const struct eg_test_passport **ret) {
        const struct mock_scenario *s = c->scenario;
        const struct eg_test_passport *p;

        if (!t || t < s->travellers || t >= s->travellers + s->n_travellers || !t->chip.present)
                return -EINVAL;
        /* Built in mock_chips_new(): the scenario's travellers never change. */
        p = c->passports[(size_t) (t - s->travellers)];
        if (!p)
                return -EINVAL;
        *ret = p;
        return 0;
}

struct eg_test_card_faults mock_chips_card_faults(const struct mock_traveller *t) {
        if (t && t->chip.behaviour == MOCK_CHIP_CLONE)
                return (struct eg_test_card_faults){ .ca_wrong_key = true,
                                                     .aa_wrong_signature = true };
        if (t && t->chip.behaviour == MOCK_CHIP_SHORT_ONLY)
                return (struct eg_test_card_faults){ .short_only = true };
        return (struct eg_test_card_faults){};
}
