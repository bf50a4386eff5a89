/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The trust anchors of passive authentication, as the lanes use them: the CSCAs of
 * [daemon] csca-directory and the CRLs of crl-directory (in mock mode without a
 * csca-directory, the mock PKI's), loaded at start and again on every reload, and the
 * freshness of those CRLs.  A CRL past its nextUpdate by more than crl-grace-hours
 * makes the PKI stale (E_PKI_STALE): with stale-crl = close every lane goes out of
 * service until a reload brings a newer CRL; with warn it is only logged.
 */
#pragma once

#include <time.h>

struct eg_manager;

enum eg_pki_state {
        EG_PKI_NONE, /* no usable CSCA: passive authentication is undetermined */
        EG_PKI_FRESH,
        EG_PKI_GRACE, /* a CRL is past its next update, within crl-grace-hours */
        EG_PKI_STALE, /* beyond it (the lanes close with stale-crl = close) */
        EG_PKI_STATE_MAX_,
};

struct eg_pki_status {
        enum eg_pki_state state;
        unsigned n_csca, n_crl;
        time_t crl_due; /* the earliest CRL next update that counts; 0: none */
};

/* After the plugins started (the mock plugin writes its CSCAs then).  Never fatal: without
 * a usable CSCA passive authentication is undetermined, which the policy judges. */
void eg_pki_open(struct eg_manager *m);
/* On reload, after the new configuration took over.  Lists that cannot be loaded keep the
 * ones in use; an unset csca-directory drops them. */
void eg_pki_reload(struct eg_manager *m);
void eg_pki_close(struct eg_manager *m);

/* What Manager.PkiState and its companions show. */
void eg_pki_get_status(const struct eg_manager *m, struct eg_pki_status *ret);
const char *eg_pki_state_to_string(enum eg_pki_state s);

/* Why lanes may not take travellers because of the PKI lists, or NULL. */
const char *eg_pki_not_ready_reason(const struct eg_manager *m);

/* Where mock mode keeps the mock PKI's CSCA certificates (state directory); NULL: OOM. */
char *eg_pki_mock_csca_directory(const struct eg_manager *m);
