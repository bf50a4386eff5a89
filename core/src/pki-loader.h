/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Reading the PKI lists: a directory of CSCAs and one of CRLs into a new trust store.
 * Hundreds of CSCAs and CRLs take tens of milliseconds to parse (more with large CRLs or
 * master lists), too long for the event loop once lanes run: a reload reads them on a
 * thread of its own and hands the store to the loop.
 */
#pragma once

#include <systemd/sd-event.h>

struct eg_trust_store;
struct eg_pki_loader;

/* 0 with *ret NULL: csca_dir is NULL.  0 with a store: at least one CSCA loaded.  < 0: the
 * lists could not be used (logged); crl_dir may be NULL.  Safe on any thread. */
int eg_pki_load_dirs(const char *csca_dir, const char *crl_dir, struct eg_trust_store **ret);

/* done() gets what eg_pki_load_dirs() returned and owns the store. */
typedef void (*eg_pki_loaded_fn)(int r, struct eg_trust_store *ts, void *userdata);

/* eg_pki_load_dirs() on a new thread; done() follows from the loop, exactly once unless the
 * loader is freed first. */
int eg_pki_loader_start(sd_event *e, const char *csca_dir, const char *crl_dir,
                        eg_pki_loaded_fn done, void *userdata, struct eg_pki_loader **ret);
/* Waits for the thread if it still runs and drops its store: done() is not called. */
struct eg_pki_loader *eg_pki_loader_free(struct eg_pki_loader *l);
