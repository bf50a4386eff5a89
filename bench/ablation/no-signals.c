/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * An ablation for pipeline-cpu (docs/benchmarks.md), never for a gate: preloaded into
 * egated, it drops every D-Bus signal egated emits except TransactionFinished, which the
 * case counts transactions by.  The difference to a normal run is what the signals the
 * API promises cost egated.
 *
 *   LD_PRELOAD=BUILD/bench/bench-no-signals.so bench/run --case pipeline-cpu-1
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <systemd/sd-bus.h>

typedef int (*emit_signalv_fn)(sd_bus *bus, const char *path, const char *interface,
                               const char *member, const char *types, va_list ap);

int sd_bus_emit_signal(sd_bus *bus, const char *path, const char *interface, const char *member,
                       const char *types, ...) {
        emit_signalv_fn real;
        va_list ap;
        int r;

        if (!member || strcmp(member, "TransactionFinished") != 0)
                return 0;
        real = (emit_signalv_fn) dlsym(RTLD_NEXT, "sd_bus_emit_signalv");
        if (!real)
                return -ENOSYS;
        va_start(ap, types);
        r = real(bus, path, interface, member, types, ap);
        va_end(ap);
        return r;
}

int sd_bus_emit_properties_changed(sd_bus *bus, const char *path, const char *interface,
                                   const char *name, ...) {
        return 0;
}

int sd_bus_emit_properties_changed_strv(sd_bus *bus, const char *path, const char *interface,
                                        char **names) {
        return 0;
}
