/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Answers the in-process backends ("none", "scenario") give later, from a
 * timer on the loop: each pending answer has its due time, cancel turns it
 * into EG_BACKGROUND_UNAVAILABLE at once (the caller only cares that the
 * callback runs once), and "never" answers wait until cancelled or freed.
 */
#pragma once

#include <stdint.h>
#include <systemd/sd-event.h>

#include "background.h"

#define BACKGROUND_NEVER UINT32_MAX

struct background_queue;

int background_queue_new(sd_event *e, struct background_queue **ret);
void background_queue_free(struct background_queue *q);
/* Answer `verdict` after delay_ms (BACKGROUND_NEVER: only when cancelled). */
int background_queue_add(struct background_queue *q, enum eg_background_verdict verdict,
                         uint32_t delay_ms, eg_background_done_fn done, void *userdata,
                         uint64_t *ret_request);
void background_queue_cancel(struct background_queue *q, uint64_t request);
