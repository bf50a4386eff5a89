/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A small completion thread.  The SDK lets a plugin call eg_host_complete()
 * from any thread; the mock fingerprint scanner posts its verify results
 * from here so that rule is exercised in every test that verifies a
 * finger.  Everything else in the mock runs on the host's main thread.
 *
 * A job carries copies only (no pointer into a device), so dropping a
 * device never races with the thread.
 */
#pragma once

#include <egate/plugin.h>
#include <stdbool.h>

struct mock_worker_result {
        int32_t status;
        const char *message; /* static string */
        double score;
        double threshold;
        bool match;
        bool presentation_attack; /* the scanner's PAD flagged the sample */
};

struct mock_worker;

int mock_worker_new(struct eg_host *host, struct mock_worker **ret);
/* Stops and joins the thread; queued jobs are dropped, not completed. */
struct mock_worker *mock_worker_free(struct mock_worker *w);

/* Complete `op` with `result` from the worker thread.  `owner` tags the job
 * so mock_worker_drop_owner() can withdraw it. */
int mock_worker_post(struct mock_worker *w, eg_op_id op, const void *owner,
                     const struct mock_worker_result *result);
/* Withdraw queued jobs (cancel, device gone).  One the thread already took
 * may still complete: the daemon ignores completions of dropped ops. */
void mock_worker_drop(struct mock_worker *w, eg_op_id op);
void mock_worker_drop_owner(struct mock_worker *w, const void *owner);
