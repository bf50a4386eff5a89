/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Chip reader: the chip of the passport on the document reader, answered by
 * the plain file server of apdu-files.c. */
#include "mock.h"

#define INS_READ_BINARY 0xB0

/* PC/SC-style ATR of a contactless ISO 14443-4 card: 3B 8A 80 01, ten
 * historical bytes ("EGATE-MOCK"), TCK. */
static size_t make_atr(uint8_t atr[static 16]) {
        static const char historical[] = "EGATE-MOCK";
        size_t n = 0;
        uint8_t tck = 0;

        atr[n++] = 0x3B;
        atr[n++] = 0x80 | (uint8_t) (sizeof(historical) - 1); /* TD1 follows, K historical */
        atr[n++] = 0x80;                                       /* TD2 follows, T=0 */
        atr[n++] = 0x01;                                       /* T=1 */
        memcpy(atr + n, historical, sizeof(historical) - 1);
        n += sizeof(historical) - 1;
        for (size_t i = 1; i < n; i++)
                tck ^= atr[i];
        atr[n++] = tck;
        return n;
}

static const struct mock_traveller *chip_owner(struct mock_device *d) {
        const struct mock_traveller *t = mock_world_document(d->lane->world);

        if (!t || !t->chip.present || d->chip.removed_mid_read ||
            !mock_world_chip_present(d->lane->world))
                return NULL;
        return t;
}

void mock_chip_reader_chip_changed(struct mock_device *d, bool present) {
        bool already_gone = d->chip.removed_mid_read;

        if (d->chip.connected)
                d->chip.lost = true;
        d->chip.connected = false;
        d->chip.removed_mid_read = false;
        d->chip.reads = 0;
        if (present)
                mock_device_emit(d, EG_EVENT_CHIP_PRESENT, 0, NULL, NULL);
        else if (!already_gone) /* it already said so */
                mock_device_emit(d, EG_EVENT_CHIP_REMOVED, 0, NULL, NULL);
}

static void chip_begin(struct mock_device *d, struct mock_op *op) {
        const struct mock_traveller *t = chip_owner(d);
        uint64_t delay = mock_device_latency(d, op->kind);

        if (t && t->chip.behaviour == MOCK_CHIP_SLOW && op->kind != EG_OP_CHIP_DISCONNECT)
                delay += t->chip.delay_ms;
        (void) mock_op_delay(op, delay);
}

static void chip_connect(struct mock_device *d, struct mock_op *op) {
        const struct mock_traveller *t = chip_owner(d);
        struct eg_op_result r = { .fd = -1 };
        uint8_t atr[16];

        if (!t) {
                mock_op_end(op, -ENOMSG, "no chip");
                return;
        }
        if (t->chip.behaviour == MOCK_CHIP_UNREADABLE) {
                mock_op_end(op, -EIO, "the chip does not answer");
                return;
        }
        if (mock_apdu_server_init(&d->chip.server, &t->chip.dg1_mrz) < 0) {
                mock_op_end(op, -EIO, "cannot build the chip's files");
                return;
        }
        d->chip.connected = true;
        d->chip.lost = false;
        r.data = atr;
        r.data_len = make_atr(atr);
        mock_op_complete(op, &r);
}

static void chip_transmit(struct mock_device *d, struct mock_op *op) {
        const struct mock_traveller *t = chip_owner(d);
        struct eg_op_result r = { .fd = -1 };
        uint8_t rapdu[MOCK_RAPDU_MAX];

        if (!d->chip.connected) {
                if (d->chip.lost)
                        mock_op_end(op, -ENODEV, "the chip was removed");
                else
                        mock_op_end(op, -EIO, "not connected");
                return;
        }
        if (t && t->chip.behaviour == MOCK_CHIP_REMOVE_MID_READ && op->data_len >= 2 &&
            op->data[1] == INS_READ_BINARY && ++d->chip.reads == 2) {
                /* The traveller snatches the passport off the antenna. */
                d->chip.connected = false;
                d->chip.lost = true;
                d->chip.removed_mid_read = true;
                mock_device_emit(d, EG_EVENT_CHIP_REMOVED, 0, NULL, NULL);
                mock_op_end(op, -ENODEV, "the chip was removed");
                return;
        }

        r.data = rapdu;
        r.data_len = mock_apdu_process(&d->chip.server, op->data, op->data_len, rapdu);
        mock_op_complete(op, &r);
}

static void chip_finish(struct mock_device *d, struct mock_op *op) {
        switch (op->kind) {
        case EG_OP_CHIP_CONNECT:
                chip_connect(d, op);
                return;
        case EG_OP_CHIP_TRANSMIT:
                chip_transmit(d, op);
                return;
        default:
                d->chip.connected = false;
                d->chip.lost = false;
                mock_op_end(op, 0, NULL);
                return;
        }
}

static void chip_attached(struct mock_device *d) {
        d->chip.connected = false;
        d->chip.lost = false;
        if (chip_owner(d))
                mock_device_emit(d, EG_EVENT_CHIP_PRESENT, 0, NULL, NULL);
}

const struct mock_class mock_chip_reader_class = {
        .begin = chip_begin,
        .finish = chip_finish,
        .attached = chip_attached,
};
