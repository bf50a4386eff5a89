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

struct eg_manager;

/* After the plugins started (the mock plugin writes its CSCAs then).  Never fatal: without
 * a usable CSCA passive authentication is undetermined, which the policy judges. */
void eg_pki_open(struct eg_manager *m);
/* On reload, after the new configuration took over.  Lists that cannot be loaded keep the
 * ones in use; an unset csca-directory drops them. */
void eg_pki_reload(struct eg_manager *m);
void eg_pki_close(struct eg_manager *m);

/* Why lanes may not take travellers because of the PKI lists, or NULL. */
const char *eg_pki_not_ready_reason(const struct eg_manager *m);

/* Where mock mode keeps the mock PKI's CSCA certificates (state directory); NULL: OOM. */
char *eg_pki_mock_csca_directory(const struct eg_manager *m);
