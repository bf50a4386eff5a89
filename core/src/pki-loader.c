/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "emrtd/trust-store.h"
#include "log.h"
#include "macro.h"
#include "pki-loader.h"

struct eg_pki_loader {
        char *csca_dir, *crl_dir; /* copies: the configuration may change meanwhile */
        pthread_t thread;
        bool thread_running; /* created and not yet joined */
        int event_fd; /* written once by the thread when it is done */
        sd_event_source *source;
        eg_pki_loaded_fn done;
        void *userdata;
        /* Written by the thread before it writes event_fd, read by the loop after. */
        int r;
        struct eg_trust_store *store;
};

static void log_loaded(const char *key, const char *dir, const char *what,
                       const struct eg_trust_load_report *report) {
        log_info("%s %s: %u %s%s%s", key, dir, report->n_loaded, what,
                 report->n_failed ? ", not usable: " : "",
                 report->n_failed ? report->first_failure : "");
}

int eg_pki_load_dirs(const char *csca_dir, const char *crl_dir, struct eg_trust_store **ret) {
        struct eg_trust_store *ts = NULL;
        struct eg_trust_load_report report = {};
        int r;

        *ret = NULL;
        if (!csca_dir)
                return 0;
        r = eg_trust_store_new(&ts);
        if (r < 0)
                return log_oom();
        r = eg_trust_store_load_csca_dir(ts, csca_dir, &report);
        if (r < 0) {
                log_error_errno(r, "csca-directory %s: %m", csca_dir);
                goto fail;
        }
        log_loaded("csca-directory", csca_dir, "certificate(s)", &report);
        if (ts->n_csca == 0) {
                log_error("csca-directory %s: no usable CSCA certificate", csca_dir);
                r = -ENOENT;
                goto fail;
        }
        if (crl_dir) {
                report = (struct eg_trust_load_report){};
                r = eg_trust_store_load_crl_dir(ts, crl_dir, &report);
                if (r < 0) {
                        log_error_errno(r, "crl-directory %s: %m", crl_dir);
                        goto fail;
                }
                log_loaded("crl-directory", crl_dir, "CRL(s)", &report);
        }
        *ret = ts;
        return 0;
fail:
        eg_trust_store_unref(ts);
        return r;
}

static void *loader_main(void *userdata) {
        struct eg_pki_loader *l = userdata;
        uint64_t one = 1;

        l->r = eg_pki_load_dirs(l->csca_dir, l->crl_dir, &l->store);
        /* An eventfd write of 8 bytes does not fail short of a bug; the loop would then
         * wait for the next reload, which starts a new loader after freeing this one. */
        if (write(l->event_fd, &one, sizeof(one)) != sizeof(one))
                log_error_errno(errno, "PKI lists: cannot tell the event loop: %m");
        return NULL;
}

static void loader_join(struct eg_pki_loader *l) {
        if (l->thread_running) {
                (void) pthread_join(l->thread, NULL);
                l->thread_running = false;
        }
}

static int on_loaded(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        struct eg_pki_loader *l = userdata;
        struct eg_trust_store *ts;

        loader_join(l);
        l->source = sd_event_source_disable_unref(l->source);
        ts = TAKE_PTR(l->store);
        /* done() may free the loader. */
        l->done(l->r, ts, l->userdata);
        return 0;
}

int eg_pki_loader_start(sd_event *e, const char *csca_dir, const char *crl_dir,
                        eg_pki_loaded_fn done, void *userdata, struct eg_pki_loader **ret) {
        struct eg_pki_loader *l;
        int r;

        l = calloc(1, sizeof(*l));
        if (!l)
                return -ENOMEM;
        l->event_fd = -1;
        l->done = done;
        l->userdata = userdata;
        l->csca_dir = csca_dir ? strdup(csca_dir) : NULL;
        l->crl_dir = crl_dir ? strdup(crl_dir) : NULL;
        if ((csca_dir && !l->csca_dir) || (crl_dir && !l->crl_dir)) {
                r = -ENOMEM;
                goto fail;
        }
        l->event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (l->event_fd < 0) {
                r = -errno;
                goto fail;
        }
        r = sd_event_add_io(e, &l->source, l->event_fd, EPOLLIN, on_loaded, l);
        if (r < 0)
                goto fail;
        r = -pthread_create(&l->thread, NULL, loader_main, l);
        if (r < 0)
                goto fail;
        l->thread_running = true;
        (void) pthread_setname_np(l->thread, "egate-pki");
        *ret = l;
        return 0;
fail:
        eg_pki_loader_free(l);
        return r;
}

struct eg_pki_loader *eg_pki_loader_free(struct eg_pki_loader *l) {
        if (!l)
                return NULL;
        loader_join(l);
        sd_event_source_disable_unref(l->source);
        if (l->event_fd >= 0)
                (void) close(l->event_fd);
        eg_trust_store_unref(l->store);
        free(l->csca_dir);
        free(l->crl_dir);
        free(l);
        return NULL;
}
