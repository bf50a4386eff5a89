/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The test PKI (CSCA and Document Signer, test-passport.h) handed from a
 * test to the emulator processes it starts: four PEM files in a directory
 * (csca.pem, csca-key.pem, ds.pem, ds-key.pem; keys unencrypted, mode 0600).
 * The test keeps the CSCA for passive authentication; the emulator signs
 * its passport's EF.SOD with the DS.
 */
#pragma once

#include "test-passport.h"

int peer_pki_save(const struct eg_test_pki *pki, const char *dir);
/* -ENOENT if a file is missing, -EBADMSG if one is not what it should be. */
int peer_pki_load(const char *dir, struct eg_test_pki **ret);
