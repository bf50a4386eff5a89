/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A serial MRZ reader played by the test: a pseudo-terminal whose slave
 * side the serial-mrz plugin opens (through a symlink, as a by-id path would
 * be), inside a real manager on a real sd-event loop.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "manager.h"

#define READER_ID "serial-mrz-reader"

struct pty_peer {
        int master;
        int slave; /* held open by the test too, so the pty outlives the plugin's opens */
        char path[64];
};

struct reader_events {
        unsigned present, removed, fault, recovered;
        char fault_message[128];
};

struct harness {
        sd_event *event;
        struct eg_manager *manager;
        struct pty_peer pty;
        char dir[64];
        char link[128]; /* <dir>/reader -> the pty's slave */
        struct reader_events ev; /* READER_ID */
        struct reader_events other; /* any other device (probed ones) */
};

struct op_result {
        unsigned calls;
        int status;
        char text[128];
        char message[128];
};

void pty_peer_open(struct pty_peer *p);
void pty_peer_close(struct pty_peer *p);

void harness_init(struct harness *h);
void harness_done(struct harness *h);

/* Start a manager whose [device.reader] has device=<link> plus `extra` lines. */
void harness_start(struct harness *h, const char *extra);
/* Same, with the section body exactly as given (no device= added). */
void harness_start_section(struct harness *h, const char *class_name, const char *body);
/* The plugin loaded, no device declared (probe tests). */
void harness_start_no_device(struct harness *h);

void harness_run(struct harness *h, unsigned ms);
/* Run until *counter >= target or `ms` pass; true if reached. */
bool harness_run_until(struct harness *h, const unsigned *counter, unsigned target, unsigned ms);

/* Write to the reader's side of the pty, running the loop whenever the pty is full. */
void harness_write(struct harness *h, const void *data, size_t n);
void harness_write_str(struct harness *h, const char *s);
/* Unplug: close both of the test's ends; plug: a new pty behind the same link. */
void harness_unplug(struct harness *h);
void harness_plug(struct harness *h);

int harness_read_start(struct harness *h, const char *device, uint32_t timeout_ms,
                       struct op_result *o);
/* Start READ_MRZ and wait for its outcome. */
void harness_read(struct harness *h, const char *device, uint32_t timeout_ms, struct op_result *o);

enum eg_device_state harness_state(struct harness *h, const char *device);

/* Everything written to stderr (where the core logs in tests) in between. */
void log_capture_start(void);
char *log_capture_stop(void);

uint64_t harness_now_ms(void);
