/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The external registry backend: members live in a central back end, and a bridge the
 * deployment writes (in any language) answers for it on a local Unix stream socket.  One
 * connection per question, one JSON line each way; docs/registry.md ("An external
 * registry") is the protocol.  Lookups and lookup_holder() only: the registry is managed
 * centrally, so administration answers -EOPNOTSUPP (NotSupported on the bus).
 */
#pragma once

#include <stdbool.h>
#include <systemd/sd-event.h>

#include "registry-json.h"
#include "registry.h"

/* Bytes of the bridge's answer line before its newline: a member of at most
 * EG_REGISTRY_MEMBER_JSON_MAX bytes and the envelope around it.  Longer is refused (-EIO). */
#define EG_REGISTRY_EXTERNAL_LINE_MAX (EG_REGISTRY_MEMBER_JSON_MAX + 4096u)

/* An absolute path that fits a sockaddr_un (shorter than sizeof(sun_path)). */
bool eg_registry_external_socket_path_is_valid(const char *path);

/*
 * A registry answered by the bridge listening on socket_path.  Nothing is connected here
 * (the bridge may start later): each lookup connects anew.  -EINVAL for a bad path.  The
 * wrapper's deadline is EG_REGISTRY_DEFAULT_TIMEOUT_MS; the caller may change
 * (*ret)->timeout_ms.
 */
int eg_registry_external_open(sd_event *e, const char *socket_path, struct eg_registry **ret);
