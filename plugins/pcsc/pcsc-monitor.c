/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The monitor thread: which readers pcscd has and whether a card is in
 * each.  It waits in SCardGetStatusChange() on every reader plus pcsc-lite's
 * "\\?PnP?\Notification" pseudo reader (which changes when readers come and
 * go), lists the readers again after every change, and posts differences
 * to the main thread.  When pcscd goes away (stopped, restarted) every
 * reader is reported gone and the thread keeps trying to reach it again.
 *
 * The thread is one of the mailbox's (chip-mailbox.h): stopped, it is
 * joined when it ends, or left behind at shutdown with its struct
 * pcsc_monitor if pcscd keeps it waiting.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pcsc-plugin.h"

#define PNP_READER "\\\\?PnP?\\Notification"

struct known_reader {
        char *name;
        DWORD state; /* the last event state, fed back as the current state */
        bool present;
        bool seen; /* in the latest listing */
};

struct pcsc_monitor {
        struct chip_mailbox *mailbox;
        atomic_bool quit;

        pthread_mutex_t lock; /* guards the fields below against the main thread */
        pthread_cond_t cond; /* scanned, and wake-ups for the naps */
        bool scanned; /* the first look at the readers is posted */
        SCARDCONTEXT context; /* written by the monitor thread only */
        bool has_context;

        /* The monitor thread's own. */
        struct known_reader *readers;
        size_t n_readers;
        DWORD pnp_state;
        bool service_reported; /* the last PCSC_MAIL_SERVICE said "up" */
        bool service_down_reported;
};

static void post(struct pcsc_monitor *m, enum pcsc_mail_kind kind, const char *text,
                 int64_t value) {
        if (chip_mailbox_post(m->mailbox, kind, text, value) < 0)
                chip_mailbox_log(m->mailbox, EG_LOG_ERROR,
                                 "out of memory: a PC/SC reader change was lost");
}

static void mark_scanned(struct pcsc_monitor *m) {
        pthread_mutex_lock(&m->lock);
        if (!m->scanned) {
                m->scanned = true;
                pthread_cond_broadcast(&m->cond);
        }
        pthread_mutex_unlock(&m->lock);
}

/* Sleep, but wake up at once for a stop request. */
static void nap(struct pcsc_monitor *m, unsigned ms) {
        struct timespec until;

        chip_deadline_in(&until, (uint64_t) ms * 1000u);
        pthread_mutex_lock(&m->lock);
        while (!atomic_load(&m->quit))
                if (pthread_cond_timedwait(&m->cond, &m->lock, &until) == ETIMEDOUT)
                        break;
        pthread_mutex_unlock(&m->lock);
}

static void forget_reader(struct pcsc_monitor *m, size_t i, bool report) {
        if (report) {
                if (m->readers[i].present)
                        post(m, PCSC_MAIL_CARD, m->readers[i].name, 0);
                post(m, PCSC_MAIL_READER_REMOVED, m->readers[i].name, 0);
        }
        free(m->readers[i].name);
        m->readers[i] = m->readers[--m->n_readers];
}

static void drop_context(struct pcsc_monitor *m, bool report) {
        while (m->n_readers > 0)
                forget_reader(m, m->n_readers - 1, report);
        if (!m->has_context)
                return;
        pthread_mutex_lock(&m->lock);
        m->has_context = false;
        pthread_mutex_unlock(&m->lock);
        (void) SCardReleaseContext(m->context);
        m->pnp_state = 0;
}

static bool connect_service(struct pcsc_monitor *m) {
        char message[PCSC_DETAIL_MAX];
        SCARDCONTEXT context;
        LONG rv;

        rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &context);
        if (rv != SCARD_S_SUCCESS) {
                if (!m->service_down_reported) {
                        (void) pcsc_error(rv, "SCardEstablishContext", message, sizeof(message));
                        post(m, PCSC_MAIL_SERVICE, message, 0);
                        m->service_down_reported = true;
                        m->service_reported = false;
                }
                return false;
        }
        pthread_mutex_lock(&m->lock);
        m->context = context;
        m->has_context = true;
        pthread_mutex_unlock(&m->lock);
        if (!m->service_reported) {
                post(m, PCSC_MAIL_SERVICE, NULL, 1);
                m->service_reported = true;
                m->service_down_reported = false;
        }
        return true;
}

/* The readers as a multi-string ("a\0b\0\0"), or NULL if there are none. */
static LONG list_readers(struct pcsc_monitor *m, char **ret) {
        DWORD size = 0;
        char *names;
        LONG rv;

        *ret = NULL;
        rv = SCardListReaders(m->context, NULL, NULL, &size);
        if (rv == SCARD_E_NO_READERS_AVAILABLE)
                return SCARD_S_SUCCESS;
        if (rv != SCARD_S_SUCCESS)
                return rv;
        names = calloc(1, size + 1);
        if (!names)
                return SCARD_E_NO_MEMORY;
        rv = SCardListReaders(m->context, NULL, names, &size);
        if (rv == SCARD_E_NO_READERS_AVAILABLE) {
                free(names);
                return SCARD_S_SUCCESS;
        }
        if (rv != SCARD_S_SUCCESS) {
                free(names);
                return rv;
        }
        *ret = names;
        return SCARD_S_SUCCESS;
}

static int sync_readers(struct pcsc_monitor *m, const char *names) {
        for (size_t i = 0; i < m->n_readers; i++)
                m->readers[i].seen = false;
        for (const char *n = names; n && *n; n += strlen(n) + 1) {
                struct known_reader *grown;
                size_t i;

                for (i = 0; i < m->n_readers; i++)
                        if (strcmp(m->readers[i].name, n) == 0)
                                break;
                if (i < m->n_readers) {
                        m->readers[i].seen = true;
                        continue;
                }
                grown = realloc(m->readers, sizeof(*grown) * (m->n_readers + 1));
                if (!grown)
                        return -ENOMEM;
                m->readers = grown;
                m->readers[m->n_readers] = (struct known_reader){ .name = strdup(n),
                                                                  .state = SCARD_STATE_UNAWARE,
                                                                  .seen = true };
                if (!m->readers[m->n_readers].name)
                        return -ENOMEM;
                m->n_readers++;
                post(m, PCSC_MAIL_READER_ADDED, n, 0);
        }
        for (size_t i = m->n_readers; i > 0; i--)
                if (!m->readers[i - 1].seen)
                        forget_reader(m, i - 1, true);
        return 0;
}

/* One SCardGetStatusChange() round; false when the context is no good any more. */
static bool wait_for_change(struct pcsc_monitor *m, DWORD timeout_ms) {
        size_t n = m->n_readers + 1;
        SCARD_READERSTATE *states = calloc(n, sizeof(*states));
        char message[PCSC_DETAIL_MAX];
        LONG rv;

        if (!states) {
                nap(m, PCSC_RECONNECT_MS);
                return true;
        }
        states[0].szReader = PNP_READER;
        states[0].dwCurrentState = (DWORD) m->n_readers << 16;
        for (size_t i = 0; i < m->n_readers; i++) {
                states[i + 1].szReader = m->readers[i].name;
                states[i + 1].dwCurrentState = m->readers[i].state;
        }

        rv = SCardGetStatusChange(m->context, timeout_ms, states, (DWORD) n);
        if (rv == SCARD_S_SUCCESS)
                for (size_t i = 0; i < m->n_readers; i++) {
                        struct known_reader *k = &m->readers[i];
                        DWORD event = states[i + 1].dwEventState;
                        bool present;

                        bool swapped;

                        if (!(event & SCARD_STATE_CHANGED))
                                continue;
                        /* A mute card is still a card in the field. */
                        present = (event & SCARD_STATE_PRESENT) != 0;
                        /* The high word counts insertions and removals: a passport
                         * swapped for another between two looks still shows. */
                        swapped = present && k->present && (event >> 16) != (k->state >> 16);
                        k->state = event & ~SCARD_STATE_CHANGED;
                        if (swapped)
                                post(m, PCSC_MAIL_CARD, k->name, 0);
                        if (present != k->present || swapped) {
                                k->present = present;
                                post(m, PCSC_MAIL_CARD, k->name, present);
                        }
                }
        free(states);

        switch (rv) {
        case SCARD_S_SUCCESS:
        case SCARD_E_TIMEOUT:
        case SCARD_E_CANCELLED:
        case SCARD_E_UNKNOWN_READER: /* one went away before the call: list again */
                return true;
        default:
                if (pcsc_service_lost(rv))
                        return false;
                (void) pcsc_error(rv, "SCardGetStatusChange", message, sizeof(message));
                chip_mailbox_log(m->mailbox, EG_LOG_WARNING, "%s", message);
                nap(m, PCSC_RECONNECT_MS);
                return true;
        }
}

static void monitor_run(void *arg) {
        struct pcsc_monitor *m = arg;
        bool first = true;

        while (!atomic_load(&m->quit)) {
                char *names = NULL;
                LONG rv;

                if (!m->has_context && !connect_service(m)) {
                        mark_scanned(m);
                        nap(m, PCSC_RECONNECT_MS);
                        continue;
                }
                rv = list_readers(m, &names);
                if (rv != SCARD_S_SUCCESS) {
                        if (pcsc_service_lost(rv))
                                drop_context(m, true);
                        else
                                nap(m, PCSC_RECONNECT_MS);
                        continue;
                }
                if (sync_readers(m, names) < 0) {
                        chip_mailbox_log(m->mailbox, EG_LOG_ERROR,
                                         "out of memory listing PC/SC readers");
                        free(names);
                        nap(m, PCSC_RECONNECT_MS);
                        continue;
                }
                free(names);
                /* The first round only collects the states (every reader is UNAWARE). */
                if (!wait_for_change(m, first ? 0 : PCSC_MONITOR_POLL_MS))
                        drop_context(m, true);
                if (first) {
                        mark_scanned(m);
                        first = false;
                }
        }
        drop_context(m, false);
}

static void monitor_free(void *arg) {
        struct pcsc_monitor *m = arg;

        free(m->readers);
        pthread_mutex_destroy(&m->lock);
        pthread_cond_destroy(&m->cond);
        free(m);
}

int pcsc_monitor_start(struct pcsc_plugin *p) {
        struct pcsc_monitor *m = calloc(1, sizeof(*m));
        struct timespec until;
        int r;

        if (!m)
                return -ENOMEM;
        m->mailbox = p->mailbox;
        pthread_mutex_init(&m->lock, NULL);
        chip_cond_init(&m->cond);
        r = chip_thread_start(p->mailbox, "PC/SC monitor", monitor_run, monitor_free, m);
        if (r < 0) {
                monitor_free(m);
                return r;
        }
        p->monitor = m;

        /* Bounded: with pcscd up this takes a few milliseconds, without it one
         * failed connect().  Declared devices then find their readers at once. */
        chip_deadline_in(&until, PCSC_FIRST_SCAN_TIMEOUT_USEC);
        pthread_mutex_lock(&m->lock);
        while (!m->scanned)
                if (pthread_cond_timedwait(&m->cond, &m->lock, &until) == ETIMEDOUT)
                        break;
        if (!m->scanned)
                eg_host_log(p->host, EG_LOG_WARNING,
                            "pcscd did not list its readers within %d ms; going on without",
                            PCSC_FIRST_SCAN_TIMEOUT_USEC / 1000);
        pthread_mutex_unlock(&m->lock);
        return 0;
}

static void cancel_run(void *arg) {
        const SCARDCONTEXT *context = arg;

        (void) SCardCancel(*context);
}

void pcsc_monitor_stop(struct pcsc_plugin *p) {
        struct pcsc_monitor *m = p->monitor;
        SCARDCONTEXT *cancel = NULL;

        if (!m)
                return;
        p->monitor = NULL; /* the mailbox's from now on */
        atomic_store(&m->quit, true);
        pthread_mutex_lock(&m->lock);
        pthread_cond_broadcast(&m->cond);
        if (m->has_context && (cancel = malloc(sizeof(*cancel))))
                *cancel = m->context;
        pthread_mutex_unlock(&m->lock);
        if (!cancel)
                return; /* a wait not cancelled ends within PCSC_MONITOR_POLL_MS */

        /* Ends a SCardGetStatusChange() in progress.  SCardCancel() waits for
         * pcscd's answer, and a hung pcscd must not hang egated's main thread: it
         * gets a thread of its own, which shutdown waits for like the others.  A
         * context the monitor releases meanwhile is only refused (pcsc-lite looks
         * the handle up under its own lock). */
        if (chip_thread_start(p->mailbox, "PC/SC monitor cancel", cancel_run, free, cancel) < 0)
                free(cancel);
}
