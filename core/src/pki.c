/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "emrtd/trust-store.h"
#include "lane.h"
#include "log.h"
#include "macro.h"
#include "manager.h"
#include "pki-loader.h"
#include "pki.h"
#include "pipeline/reasons.h"

#define USEC_PER_SEC 1000000ull
/* A CRL's due time is to the second; sd-event may coalesce the wake-up within this. */
#define PKI_TIMER_ACCURACY_USEC (1 * USEC_PER_SEC)
#define PKI_STALE_RECHECK_SEC 3600

char *eg_pki_mock_csca_directory(const struct eg_manager *m) {
        char *dir = NULL;

        if (asprintf(&dir, "%s/mock-csca", m->state_directory) < 0)
                return NULL;
        return dir;
}

/* The directories to read: [daemon] csca-directory and crl-directory, or in mock mode
 * without a csca-directory the mock PKI's (once the mock plugin wrote it).  *ret_csca NULL:
 * none.  -ENOMEM. */
static int pki_dirs(const struct eg_manager *m, char **ret_csca, const char **ret_crl) {
        const char *dir = m->config->csca_directory;
        char *mock_dir;

        *ret_crl = m->config->crl_directory;
        *ret_csca = NULL;
        if (dir) {
                *ret_csca = strdup(dir);
                return *ret_csca ? 0 : -ENOMEM;
        }
        if (!m->mock)
                return 0;
        mock_dir = eg_pki_mock_csca_directory(m);
        if (!mock_dir)
                return -ENOMEM;
        if (access(mock_dir, F_OK) < 0)
                free(mock_dir);
        else
                *ret_csca = mock_dir;
        return 0;
}

static const char *const pki_state_names[EG_PKI_STATE_MAX_] = {
        [EG_PKI_NONE] = "none",
        [EG_PKI_FRESH] = "fresh",
        [EG_PKI_GRACE] = "grace",
        [EG_PKI_STALE] = "stale",
};

const char *eg_pki_state_to_string(enum eg_pki_state s) {
        return (unsigned) s < EG_PKI_STATE_MAX_ ? pki_state_names[s] : NULL;
}

void eg_pki_get_status(const struct eg_manager *m, struct eg_pki_status *ret) {
        *ret = (struct eg_pki_status){
                .state = m->trust ? (enum eg_pki_state) m->pki_state : EG_PKI_NONE,
                .n_csca = m->trust ? m->trust->n_csca : 0,
                .n_crl = m->trust ? m->trust->n_crl : 0,
                .crl_due = m->trust ? m->pki_crl_due : 0,
        };
}

/* Is this judgement not the one before?  What is logged once per CRL asks. */
static bool pki_is_news(const struct eg_manager *m, enum eg_pki_state state, time_t due) {
        return m->pki_state != (int) state || m->pki_crl_due != due;
}

/* What the bus shows; told after every judgement (at a reload, a due time): rare. */
static void pki_set_state(struct eg_manager *m, enum eg_pki_state state, time_t due) {
        m->pki_state = state;
        m->pki_crl_due = due;
        eg_manager_notify_pki(m);
}

/* Takes reason (NULL: fresh). */
static void pki_set_stale(struct eg_manager *m, char *reason) {
        _cleanup_free_ char *old = m->pki_stale;

        m->pki_stale = reason;
        if (!streq_ptr(old, reason))
                eg_lanes_update_readiness(m);
}

static int on_pki_due(sd_event_source *s, uint64_t usec, void *userdata);

static void format_time(time_t t, char buf[static 32]) {
        struct tm tm;

        if (!gmtime_r(&t, &tm) || strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
                snprintf(buf, 32, "%lld", (long long) t);
}

static void pki_wake_at(struct eg_manager *m, time_t t) {
        int r;

        r = sd_event_add_time(m->event, &m->pki_timer, CLOCK_REALTIME, (uint64_t) t * USEC_PER_SEC,
                              PKI_TIMER_ACCURACY_USEC, on_pki_due, m);
        if (r < 0)
                log_error_errno(r, "cannot watch the CRLs' next update: %m");
}

/*
 * Judges the store's CRLs now, and wakes up when that judgement changes next: at the
 * earliest CRL's next update (from then on its grace runs, and the log says when the
 * lanes will close), and at the end of the grace (stale).
 */
static void pki_judge(struct eg_manager *m) {
        _cleanup_free_ char *issuer = NULL;
        char *reason = NULL, due_text[32], deadline_text[32];
        time_t due = 0, deadline, now = time(NULL);
        int r;

        m->pki_timer = sd_event_source_disable_unref(m->pki_timer);
        if (!m->trust) {
                pki_set_state(m, EG_PKI_NONE, 0);
                pki_set_stale(m, NULL);
                return;
        }
        r = eg_trust_store_crl_due(m->trust, &due, &issuer);
        if (r < 0) {
                /* Keep what was judged before: not knowing is no reason to reopen lanes. */
                log_error_errno(r, "cannot read the CRLs' next update: %m");
                return;
        }
        if (due == 0) {
                pki_set_state(m, EG_PKI_FRESH, 0);
                pki_set_stale(m, NULL);
                return;
        }
        deadline = due + (time_t) m->config->crl_grace_hours * 3600;
        format_time(due, due_text);
        format_time(deadline, deadline_text);
        if (now < due) {
                pki_wake_at(m, due);
                pki_set_state(m, EG_PKI_FRESH, due);
                pki_set_stale(m, NULL);
                return;
        }
        if (now < deadline) {
                /* Once per CRL: the operator has until the deadline to load a newer one. */
                if (pki_is_news(m, EG_PKI_GRACE, due))
                        log_warning("the CRL of %s was due at %s: the lanes go out of service "
                                    "(%s) at %s unless a newer CRL is loaded (reload)",
                                    strna(issuer), due_text, EG_REASON_PKI_STALE, deadline_text);
                pki_wake_at(m, deadline);
                pki_set_state(m, EG_PKI_GRACE, due);
                pki_set_stale(m, NULL);
                return;
        }

        /* Stale until a reload, unless the wall clock was wrong and is set back: look again
         * now and then (absolute timers above follow clock changes by themselves). */
        pki_wake_at(m, now + PKI_STALE_RECHECK_SEC);
        if (!m->config->stale_crl_closes_lanes) {
                if (pki_is_news(m, EG_PKI_STALE, due))
                        log_warning("%s: the CRL of %s was due at %s (crl-grace-hours=%u); "
                                    "stale-crl = warn: the lanes stay open",
                                    EG_REASON_PKI_STALE, strna(issuer), due_text,
                                    m->config->crl_grace_hours);
                pki_set_state(m, EG_PKI_STALE, due);
                pki_set_stale(m, NULL);
                return;
        }
        if (asprintf(&reason, "%s: the CRL of %s was due at %s (crl-grace-hours=%u)",
                     EG_REASON_PKI_STALE, strna(issuer), due_text,
                     m->config->crl_grace_hours) < 0) {
                (void) log_oom();
                reason = strdup(EG_REASON_PKI_STALE);
                if (!reason)
                        return; /* nothing can be said; the lanes keep their state */
        }
        if (!streq_ptr(m->pki_stale, reason))
                log_error("%s: lanes out of service until a newer CRL is loaded (reload)", reason);
        pki_set_state(m, EG_PKI_STALE, due);
        pki_set_stale(m, reason);
}

static int on_pki_due(sd_event_source *s, uint64_t usec, void *userdata) {
        pki_judge(userdata);
        return 0;
}

/* At start the lanes wait for the lists anyway: read them right here. */
void eg_pki_open(struct eg_manager *m) {
        _cleanup_free_ char *csca_dir = NULL;
        const char *crl_dir;

        if (pki_dirs(m, &csca_dir, &crl_dir) < 0)
                (void) log_oom();
        else
                (void) eg_pki_load_dirs(csca_dir, crl_dir, &m->trust);
        if (!m->trust)
                log_warning("no usable CSCA: passive authentication stays undetermined");
        pki_judge(m);
}

static void pki_apply(struct eg_manager *m, int r, struct eg_trust_store *ts) {
        if (r < 0 && m->trust)
                log_error("the PKI lists could not be reloaded: keeping the %u CSCA(s) and %u "
                          "CRL(s) in use",
                          m->trust->n_csca, m->trust->n_crl);
        else if (r >= 0) {
                if (!ts && m->trust)
                        log_warning("csca-directory unset: passive authentication stays "
                                    "undetermined");
                else if (ts)
                        log_info("PKI lists reloaded: %u CSCA(s), %u CRL(s)", ts->n_csca,
                                 ts->n_crl);
                /* Chip sessions under way keep the store they started with. */
                eg_trust_store_unref(m->trust);
                m->trust = ts;
        }
        pki_judge(m);
}

static void on_pki_loaded(int r, struct eg_trust_store *ts, void *userdata) {
        struct eg_manager *m = userdata;

        m->pki_loader = eg_pki_loader_free(m->pki_loader);
        pki_apply(m, r, ts);
        /* A reload came while this one read: its configuration may name other lists. */
        if (m->pki_reload_again) {
                m->pki_reload_again = false;
                eg_pki_reload(m);
        }
}

void eg_pki_reload(struct eg_manager *m) {
        _cleanup_free_ char *csca_dir = NULL;
        struct eg_trust_store *ts = NULL;
        const char *crl_dir;
        int r;

        if (m->pki_loader) {
                if (!m->pki_reload_again)
                        log_info("PKI lists: a reload while they are being read; reading them "
                                 "again afterwards");
                m->pki_reload_again = true;
                return;
        }
        if (pki_dirs(m, &csca_dir, &crl_dir) < 0) {
                (void) log_oom();
                return;
        }
        r = eg_pki_loader_start(m->event, csca_dir, crl_dir, on_pki_loaded, m, &m->pki_loader);
        if (r >= 0)
                return;
        /* No thread: read them here rather than keep lists the operator replaced. */
        log_warning_errno(r, "PKI lists: cannot read them off the event loop (%m); reading them "
                             "now");
        r = eg_pki_load_dirs(csca_dir, crl_dir, &ts);
        pki_apply(m, r, ts);
}

void eg_pki_close(struct eg_manager *m) {
        m->pki_loader = eg_pki_loader_free(m->pki_loader);
        m->pki_timer = sd_event_source_disable_unref(m->pki_timer);
        m->trust = eg_trust_store_unref(m->trust);
        free(m->pki_stale);
        m->pki_stale = NULL;
}

const char *eg_pki_not_ready_reason(const struct eg_manager *m) {
        return m->pki_stale;
}
