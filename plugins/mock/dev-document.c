/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Document reader: the passport the world put on it. */
#include "images.h"
#include "mock.h"

static void reader_begin(struct mock_device *d, struct mock_op *op) {
        (void) mock_op_delay(op, mock_device_latency(d, op->kind));
}

static void reader_finish(struct mock_device *d, struct mock_op *op) {
        const struct mock_traveller *t = mock_world_document(d->lane->world);
        struct eg_op_result r = { .fd = -1 };

        /* Looked at when the read ends: a passport lifted meanwhile is gone. */
        if (!t) {
                mock_op_end(op, -ENOMSG, "no document");
                return;
        }

        if (op->kind == EG_OP_DOCUMENT_READ_MRZ) {
                char text[3 * (MOCK_MRZ_MAX_LINE + 1)];

                if (!t->mrz_readable) {
                        mock_op_end(op, -EAGAIN, "MRZ unreadable");
                        return;
                }
                if (mock_mrz_join(&t->mrz, text, sizeof(text)) < 0) {
                        mock_op_end(op, -EIO, "MRZ too long");
                        return;
                }
                mock_log(d->plugin, EG_LOG_DEBUG, "device %s: MRZ of traveller %s read", d->key,
                         t->id);
                r.text = text;
                mock_op_complete(op, &r);
                return;
        }

        int fd, k = mock_image_memfd(MOCK_IMAGE_PAGE, op->light, NULL, &fd);
        if (k < 0) {
                mock_log(d->plugin, EG_LOG_ERROR, "device %s: cannot make the page image: %s",
                         d->key, strerror(-k));
                mock_op_end(op, -EIO, "cannot capture the page");
                return;
        }
        r.fd = fd;
        r.format = MOCK_IMAGE_MIME;
        mock_op_complete(op, &r);
}

static void reader_attached(struct mock_device *d) {
        if (mock_world_document(d->lane->world))
                mock_device_emit(d, EG_EVENT_DOCUMENT_PRESENT, 0, NULL, NULL);
}

const struct mock_class mock_document_reader_class = {
        .begin = reader_begin,
        .finish = reader_finish,
        .attached = reader_attached,
};
