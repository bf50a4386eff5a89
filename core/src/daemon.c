/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>

#include "bus/bus.h"
#include "config.h"
#include "daemon.h"
#include "egate-build-config.h"
#include "log.h"
#include "manager.h"
#include "registry/registry-external.h"
#include "registry/registry-sqlite.h"

struct eg_daemon {
        const struct eg_daemon_options *options;
        sd_event *event;
        sd_bus *bus;
        struct eg_bus *objects;
        struct eg_manager *manager;
        int exit_code;
};

static void config_errors_log(const struct eg_config_errors *errors) {
        for (size_t i = 0; i < errors->n; i++)
                log_object(LOG_ERR, 0, EG_LOG_OBJECT_CONFIG, NULL, "%s", errors->messages[i]);
}

/* Load the config; on failure *ret_message (if asked for) lists every problem. */
static int load_config(const struct eg_daemon_options *o, struct eg_config **ret,
                       char **ret_message) {
        struct eg_config_errors errors = {};
        int r;

        r = eg_config_load(o->config_file, ret, &errors);
        config_errors_log(&errors);
        if (r < 0 && ret_message) {
                size_t len = 0;
                FILE *f = open_memstream(ret_message, &len);

                if (f) {
                        for (size_t i = 0; i < errors.n; i++)
                                fprintf(f, "%s%s", i > 0 ? "; " : "", errors.messages[i]);
                        if (fclose(f) != 0) {
                                free(*ret_message);
                                *ret_message = NULL;
                        }
                }
        }
        eg_config_errors_clear(&errors);
        return r;
}

static void apply_log_level(const struct eg_daemon_options *o, const struct eg_config *c) {
        if (o->log_level >= 0)
                log_set_max_level(o->log_level);
        else if (c->log_level >= 0)
                log_set_max_level(c->log_level);
        else
                log_set_max_level(LOG_INFO);
}

static void on_stopped(struct eg_manager *m, void *userdata) {
        struct eg_daemon *d = userdata;

        log_info("stopped cleanly");
        (void) sd_event_exit(d->event, d->exit_code);
}

static int on_terminate(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        struct eg_daemon *d = userdata;

        if (d->manager->stopping) {
                log_notice("second %s while stopping: exiting now", strsignal(si->ssi_signo));
                return sd_event_exit(d->event, 1);
        }
        log_info("%s received: stopping", strsignal(si->ssi_signo));
        eg_bus_set_state(d->objects, "stopping");
        (void) sd_notify(false, "STOPPING=1\nSTATUS=Stopping: doors to their safe state");
        eg_manager_shutdown(d->manager, on_stopped, d);
        return 0;
}

/* SIGHUP and Manager.Reload(): a bad config is refused whole, the running one stays. */
static int reload(void *userdata, char **ret_message) {
        struct eg_daemon *d = userdata;
        struct eg_config *c = NULL;
        int r;

        if (d->manager->stopping)
                return -ESHUTDOWN;
        (void) sd_notify(false, "RELOADING=1\nSTATUS=Reloading the configuration");
        eg_bus_set_state(d->objects, "reloading");
        r = load_config(d->options, &c, ret_message);
        if (r < 0) {
                log_object(LOG_ERR, r, EG_LOG_OBJECT_CONFIG, NULL,
                           "new configuration refused; keeping the running one");
                (void) sd_notify(false, "READY=1\nSTATUS=Running (reload refused: invalid config)");
                eg_bus_set_state(d->objects, "running");
                return r;
        }
        apply_log_level(d->options, c);
        r = eg_manager_reload(d->manager, c);
        if (r < 0)
                log_error_errno(r, "reload incomplete: %m");
        else
                log_info("configuration reloaded");
        (void) sd_notify(false, "READY=1\nSTATUS=Running");
        eg_bus_set_state(d->objects, "running");
        return 0;
}

static int on_reload(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        (void) reload(userdata, NULL);
        return 0;
}

static int connect_bus(struct eg_daemon *d) {
        int r;

        r = d->options->user_bus ? sd_bus_open_user(&d->bus) : sd_bus_open_system(&d->bus);
        if (r < 0)
                return log_error_errno(r, "cannot connect to the %s bus: %m",
                                       d->options->user_bus ? "session" : "system");
        r = sd_bus_attach_event(d->bus, d->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                return log_error_errno(r, "cannot attach the bus to the event loop: %m");
        return 0;
}

/* Synchronous on purpose: it runs before the loop, once every object is in
 * place, and a daemon that cannot own its name must not claim to be ready. */
static int own_name(struct eg_daemon *d) {
        int r = sd_bus_request_name(d->bus, EG_BUS_NAME, 0);

        if (r < 0)
                return log_error_errno(r,
                                       "cannot own the bus name %s: %m (another egated "
                                       "running, or the bus policy does not allow this user?)",
                                       EG_BUS_NAME);
        return 0;
}

static int install_signals(struct eg_daemon *d) {
        sigset_t mask;
        int r;

        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return -errno;
        /* A closed client socket must not kill a border gate. */
        signal(SIGPIPE, SIG_IGN);

        r = sd_event_add_signal(d->event, NULL, SIGTERM, on_terminate, d);
        if (r >= 0)
                r = sd_event_add_signal(d->event, NULL, SIGINT, on_terminate, d);
        if (r >= 0)
                r = sd_event_add_signal(d->event, NULL, SIGHUP, on_reload, d);
        return r;
}

/* REGISTRY: the backend [registry] names; SQLite in the state directory by default. */
static int open_registry(sd_event *e, const struct eg_config *c, const char *state_directory,
                         struct eg_registry **ret) {
        if (c && c->registry_backend == EG_REGISTRY_BACKEND_EXTERNAL) {
                log_info("member registry: the external bridge on %s", c->registry_socket);
                return eg_registry_external_open(e, c->registry_socket, ret);
        }
        return eg_registry_sqlite_open(e, state_directory, ret);
}

int eg_daemon_run(const struct eg_daemon_options *o) {
        struct eg_daemon d = { .options = o };
        struct eg_manager_options mo = {
                .plugin_dirs = o->plugin_dirs,
                .mock_scenario = o->mock_scenario,
                .state_directory = o->state_directory,
                .registry_open = open_registry, /* REGISTRY */
                .mock_setup = o->mock_setup, /* PIPELINE */
        };
        struct eg_config *config = NULL;
        int r;

        log_set_personal_data(o->log_personal_data);
        if (o->log_level >= 0)
                log_set_max_level(o->log_level);

        r = load_config(o, &config, NULL);
        if (r < 0)
                return log_object(LOG_ERR, r, EG_LOG_OBJECT_CONFIG, NULL,
                                  "invalid configuration: refusing to start");
        apply_log_level(o, config);

        r = sd_event_default(&d.event);
        if (r < 0) {
                eg_config_free(config);
                return log_error_errno(r, "cannot create the event loop: %m");
        }
        r = install_signals(&d);
        if (r < 0) {
                log_error_errno(r, "cannot install signal handlers: %m");
                goto finish;
        }
        /* Pings the service manager's watchdog from the loop when WATCHDOG_USEC is set. */
        r = sd_event_set_watchdog(d.event, true);
        if (r < 0)
                log_warning_errno(r, "cannot enable the watchdog: %m");

        r = eg_manager_new(d.event, config, &mo, &d.manager);
        config = NULL; /* owned by the manager, or freed by it on failure */
        if (r < 0)
                goto finish;
        r = connect_bus(&d);
        if (r < 0)
                goto finish;
        r = eg_bus_new(d.bus, d.manager, &d.objects);
        if (r < 0)
                goto finish;
        d.objects->reload = reload;
        d.objects->reload_userdata = &d;
        r = eg_manager_start(d.manager);
        if (r < 0)
                goto finish;
        r = own_name(&d);
        if (r < 0)
                goto finish;
        eg_bus_set_state(d.objects, "running");

        (void) sd_notify(false, "READY=1\nSTATUS=Running");
        log_info("egated " EGATE_VERSION " running on the %s bus",
                 o->user_bus ? "session" : "system");
        r = sd_event_loop(d.event);
        if (r < 0)
                log_error_errno(r, "event loop failed: %m");
        else if (r > 0)
                r = -ECANCELED;

finish:
        d.objects = eg_bus_free(d.objects);
        d.manager = eg_manager_free(d.manager);
        d.bus = sd_bus_flush_close_unref(d.bus);
        d.event = sd_event_unref(d.event);
        eg_config_free(config);
        return r;
}
