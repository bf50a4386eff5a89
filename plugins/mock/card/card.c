/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "card-internal.h"
#include "emrtd/tlv.h"

static const uint8_t lds_aid[] = { 0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01 };

struct eg_test_card *eg_test_card_new(const struct eg_test_passport *p) {
        struct eg_test_card *c = calloc(1, sizeof(*c));

        if (!c)
                return NULL;
        c->response = malloc(sizeof(*c->response));
        if (!c->response) {
                free(c);
                return NULL;
        }
        c->passport = p;
        c->selected = -1;
        return c;
}

static void drop_security(struct eg_test_card *c) {
        c->auth = CARD_AUTH_NONE;
        eg_sm_clear(&c->sm);
        eg_sm_clear(&c->next_sm);
        c->rekey_pending = false;
        c->ca_set_at = false;
        c->have_challenge = false;
}

void eg_test_card_reset(struct eg_test_card *c) {
        drop_security(c);
        card_pace_reset(c);
        c->app_selected = false;
        c->selected = -1;
}

void eg_test_card_free(struct eg_test_card *c) {
        if (!c)
                return;
        eg_test_card_reset(c);
        free(c->response);
        free(c);
}

void eg_test_card_set_faults(struct eg_test_card *c, const struct eg_test_card_faults *f) {
        c->faults = f ? *f : (struct eg_test_card_faults){};
}

const struct eg_test_card_faults *eg_test_card_faults(const struct eg_test_card *c) {
        return &c->faults;
}

const uint8_t *eg_test_card_atr(const struct eg_test_card *c, size_t *ret_len) {
        *ret_len = c->passport->atr_len;
        return c->passport->atr;
}

unsigned eg_test_card_n_apdus(const struct eg_test_card *c) {
        return c->n_apdus;
}

bool eg_test_card_secure_messaging(const struct eg_test_card *c) {
        return eg_sm_active(&c->sm);
}

static int slot_for_fid(const struct eg_test_card *c, uint16_t fid) {
        for (unsigned s = 0; s < EG_TEST_FILE_MAX; s++) {
                bool in_mf = s == EG_TEST_FILE_CARD_ACCESS;
                if (eg_test_file_fid(s) != fid || !c->passport->file[s])
                        continue;
                /* EF.CardAccess lives in the master file, the rest in the LDS application. */
                if (in_mf != !c->app_selected)
                        continue;
                return (int) s;
        }
        return -1;
}

static bool access_allowed(const struct eg_test_card *c, int slot) {
        return slot == EG_TEST_FILE_CARD_ACCESS || c->auth != CARD_AUTH_NONE ||
               c->faults.no_bac_enforcement;
}

static void do_select(struct eg_test_card *c, const struct eg_capdu *cmd, struct card_response *r) {
        if (cmd->p1 == 0x04) {
                if (cmd->lc != sizeof(lds_aid) || memcmp(cmd->data, lds_aid, sizeof(lds_aid))) {
                        card_status(r, EG_SW_FILE_NOT_FOUND);
                        return;
                }
                /* After PACE the application is selected under secure messaging;
                 * the session (if any) carries on. */
                c->app_selected = true;
                c->selected = -1;
                card_status(r, EG_SW_OK);
                return;
        }
        if ((cmd->p1 != 0x02 && cmd->p1 != 0x00) || cmd->lc != 2) {
                card_status(r, EG_SW_WRONG_P1P2);
                return;
        }
        int slot = slot_for_fid(c, (uint16_t) (cmd->data[0] << 8 | cmd->data[1]));
        if (slot >= 0 && !access_allowed(c, slot)) {
                card_status(r, EG_SW_SECURITY_NOT_SATISFIED);
                return;
        }
        if (slot < 0) {
                card_status(r, EG_SW_FILE_NOT_FOUND);
                return;
        }
        c->selected = slot;
        card_status(r, EG_SW_OK);
}

static void do_read_binary(struct eg_test_card *c, const struct eg_capdu *cmd,
                           struct card_response *r) {
        size_t offset, n;
        int slot = c->selected;

        if (cmd->p1 & 0x80) {
                /* Short EF identifier in P1, offset in P2. */
                unsigned sfi = cmd->p1 & 0x1F;
                slot = -1;
                for (unsigned s = 0; s < EG_TEST_FILE_MAX; s++)
                        if ((eg_test_file_fid(s) & 0x1F) == sfi)
                                slot = slot_for_fid(c, eg_test_file_fid(s));
                if (slot < 0) {
                        card_status(r, EG_SW_FILE_NOT_FOUND);
                        return;
                }
                offset = cmd->p2;
        } else
                offset = (size_t) (cmd->p1 & 0x7F) << 8 | cmd->p2;

        if (slot < 0) {
                card_status(r, 0x6986); /* no current EF */
                return;
        }
        if (!access_allowed(c, slot)) {
                card_status(r, EG_SW_SECURITY_NOT_SATISFIED);
                return;
        }
        c->selected = slot;
        size_t size = c->passport->file_len[slot];
        if (offset > size) {
                card_status(r, EG_SW_WRONG_P1P2);
                return;
        }
        n = cmd->le ? cmd->le : 0;
        if (c->faults.max_read && n > c->faults.max_read)
                n = c->faults.max_read;
        if (n > size - offset)
                n = size - offset;
        memcpy(r->data, c->passport->file[slot] + offset, n);
        r->len = n;
        /* Fewer bytes than asked for: end of file reached (ISO 7816-4 6282). */
        r->sw = n < cmd->le && !c->faults.max_read ? EG_SW_END_OF_FILE : EG_SW_OK;
}

/* READ BINARY B1: P1-P2 a FID (0000: the current EF), offset in DO54, data in DO53. */
static void do_read_binary_odd(struct eg_test_card *c, const struct eg_capdu *cmd,
                               struct card_response *r) {
        struct eg_tlv off;
        size_t offset = 0, n, size, hn;
        int slot = c->selected;
        uint8_t h[7];

        if (cmd->p1 || cmd->p2)
                slot = slot_for_fid(c, (uint16_t) (cmd->p1 << 8 | cmd->p2));
        if (slot < 0) {
                card_status(r, 0x6986);
                return;
        }
        if (!access_allowed(c, slot)) {
                card_status(r, EG_SW_SECURITY_NOT_SATISFIED);
                return;
        }
        if (eg_tlv_parse(cmd->data, cmd->lc, &off) < 0 || off.tag != 0x54 || off.length < 1 ||
            off.length > 3) {
                card_status(r, EG_SW_WRONG_DATA);
                return;
        }
        for (size_t i = 0; i < off.length; i++)
                offset = offset << 8 | off.value[i];
        c->selected = slot;
        size = c->passport->file_len[slot];
        if (offset > size) {
                card_status(r, EG_SW_WRONG_P1P2);
                return;
        }
        n = cmd->le > 4 ? cmd->le - 4 : 0; /* room for the DO53 header */
        if (c->faults.max_read && n > c->faults.max_read)
                n = c->faults.max_read;
        if (n > size - offset)
                n = size - offset;
        hn = (size_t) eg_tlv_encode_header(0x53, n, h);
        memcpy(r->data, h, hn);
        memcpy(r->data + hn, c->passport->file[slot] + offset, n);
        r->len = hn + n;
        r->odd = true;
        r->sw = EG_SW_OK;
}

static void dispatch(struct eg_test_card *c, const struct eg_capdu *cmd, bool chained_ok,
                     struct card_response *r) {
        if ((cmd->cla & 0x10) && !(cmd->ins == 0x86 && chained_ok)) {
                card_status(r, 0x6884); /* chaining not supported here */
                return;
        }
        switch (cmd->ins) {
        case 0xA4:
                do_select(c, cmd, r);
                break;
        case 0xB0:
                do_read_binary(c, cmd, r);
                break;
        case 0xB1:
                do_read_binary_odd(c, cmd, r);
                break;
        case 0x84:
                card_get_challenge(c, cmd, r);
                break;
        case 0x82:
                card_mutual_authenticate(c, cmd, r);
                break;
        case 0x88:
                card_internal_authenticate(c, cmd, r);
                break;
        case 0x22:
                if (cmd->p1 == 0xC1 && cmd->p2 == 0xA4)
                        card_pace_set_at(c, cmd, r);
                else if (cmd->p1 == 0x41 && cmd->p2 == 0xA6)
                        card_ca_set_kat(c, cmd, r);
                else if (cmd->p1 == 0x41 && cmd->p2 == 0xA4)
                        card_ca_set_at(c, cmd, r);
                else
                        card_status(r, EG_SW_WRONG_P1P2);
                break;
        case 0x86:
                if (c->pace)
                        card_pace_general_authenticate(c, cmd, r);
                else
                        card_ca_general_authenticate(c, cmd, r);
                break;
        default:
                card_status(r, EG_SW_INS_NOT_SUPPORTED);
        }
}

static int put_status(uint8_t *out, size_t *ret_len, uint16_t sw) {
        out[0] = (uint8_t) (sw >> 8);
        out[1] = (uint8_t) sw;
        *ret_len = 2;
        return 0;
}

int eg_test_card_transmit(struct eg_test_card *c, const uint8_t *capdu, size_t len, uint8_t *rapdu,
                          size_t *ret_len) {
        struct card_response *r = c->response;
        uint8_t plain_data[EG_APDU_EXT_MAX_DATA];
        struct eg_capdu wire, cmd;
        bool protected;

        if (c->removed || (c->faults.remove_after && c->n_apdus >= c->faults.remove_after)) {
                c->removed = true;
                eg_test_card_reset(c);
                return -ENODEV;
        }
        c->n_apdus++;
        *r = (struct card_response){};

        if (eg_capdu_parse(capdu, len, &wire) < 0)
                return put_status(rapdu, ret_len, EG_SW_WRONG_LENGTH);
        if (wire.extended && c->faults.short_only)
                return put_status(rapdu, ret_len, EG_SW_WRONG_LENGTH);
        if ((wire.cla & 0xE0) != 0x00)
                return put_status(rapdu, ret_len, EG_SW_CLA_NOT_SUPPORTED);

        protected = (wire.cla & 0x0C) == 0x0C;
        if (protected) {
                if (!eg_sm_active(&c->sm))
                        return put_status(rapdu, ret_len, EG_SW_SM_MISSING);
                if (card_sm_unwrap_command(c, &wire, plain_data, &cmd) < 0) {
                        /* A broken command ends the session, answered in plain. */
                        drop_security(c);
                        return put_status(rapdu, ret_len, EG_SW_SM_INCORRECT);
                }
        } else {
                /* A plain command ends secure messaging on a real chip. */
                if (eg_sm_active(&c->sm))
                        drop_security(c);
                cmd = wire;
        }

        dispatch(c, &cmd, !protected, r);

        if (protected && eg_sm_active(&c->sm)) {
                int ret = card_sm_wrap_response(c, r, rapdu, CARD_RESPONSE_MAX, ret_len);
                if (c->rekey_pending) {
                        /* Chip Authentication: the answer went under the old keys. */
                        c->sm = c->next_sm;
                        eg_sm_clear(&c->next_sm);
                        c->rekey_pending = false;
                }
                return ret;
        }

        if (r->len + 2 > CARD_RESPONSE_MAX)
                return put_status(rapdu, ret_len, EG_SW_WRONG_LENGTH);
        memcpy(rapdu, r->data, r->len);
        rapdu[r->len] = (uint8_t) (r->sw >> 8);
        rapdu[r->len + 1] = (uint8_t) r->sw;
        *ret_len = r->len + 2;
        return 0;
}
