/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Document reader: the passport the world put on it. */
#include <inttypes.h>

#include "images.h"
#include "mock.h"

static void reader_begin(struct mock_device *d, struct mock_op *op) {
        (void) mock_op_delay(op, mock_device_latency(d, op->kind));
}

static void read_mrz(struct mock_device *d, struct mock_op *op, const struct mock_traveller *t) {
        char text[3 * (MOCK_MRZ_MAX_LINE + 1)];
        struct eg_op_result r = { .fd = -1, .text = text };

        if (!t->mrz_readable) {
                mock_op_end(op, -EAGAIN, "MRZ unreadable");
                return;
        }
        if (mock_mrz_join(&t->mrz, text, sizeof(text)) < 0) {
                mock_op_end(op, -EIO, "MRZ too long");
                return;
        }
        /* The id only: the MRZ is personal data. */
        mock_log(d->plugin, EG_LOG_DEBUG, "device %s: MRZ of traveller %s read", d->key, t->id);
        mock_op_complete(op, &r);
}

static void capture_page(struct mock_device *d, struct mock_op *op) {
        struct eg_op_result r = { .fd = -1, .format = MOCK_IMAGE_MIME };
        int k;

        k = mock_image_memfd(MOCK_IMAGE_PAGE, op->light, NULL, &r.fd);
        if (k < 0) {
                mock_log(d->plugin, EG_LOG_ERROR, "device %s: cannot make the page image: %s",
                         d->key, strerror(-k));
                mock_op_end(op, -EIO, "cannot capture the page");
                return;
        }
        mock_op_complete(op, &r);
}

/* The scenario decided what the reader finds (the parser keeps each check in one mask at
 * most); the daemon copies the model before eg_host_complete() returns. */
static void inspect(struct mock_device *d, struct mock_op *op, const struct mock_traveller *t) {
        struct eg_op_result r = {
                .fd = -1,
                .document_model = t->document.model,
                .optical_passed = t->document.optical_passed,
                .optical_failed = t->document.optical_failed,
                .optical_undetermined = t->document.optical_undetermined,
        };

        /* A model name is not personal data, so it may be logged. */
        mock_log(d->plugin, EG_LOG_DEBUG,
                 "device %s: document of traveller %s inspected: model %s, optical checks "
                 "passed 0x%02" PRIx32 ", failed 0x%02" PRIx32 ", undetermined 0x%02" PRIx32,
                 d->key, t->id, t->document.model ?: "(none fits)", r.optical_passed,
                 r.optical_failed, r.optical_undetermined);
        mock_op_complete(op, &r);
}

static void reader_finish(struct mock_device *d, struct mock_op *op) {
        const struct mock_traveller *t = mock_world_document(d->lane->world);

        /* Looked at when the operation ends: a passport lifted meanwhile is gone. */
        if (!t) {
                mock_op_end(op, -ENOMSG, "no document");
                return;
        }

        switch (op->kind) {
        case EG_OP_DOCUMENT_READ_MRZ:
                read_mrz(d, op, t);
                return;
        case EG_OP_DOCUMENT_CAPTURE_PAGE:
                capture_page(d, op);
                return;
        case EG_OP_DOCUMENT_INSPECT:
                inspect(d, op, t);
                return;
        default:
                /* start() let only the declared kinds through. */
                mock_op_end(op, -EOPNOTSUPP, "not a document reader operation");
                return;
        }
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
