/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Helpers of the registry tests: temporary state directories, the loop, files. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <systemd/sd-event.h>

/* A new 0700 directory under /tmp; remove_tree() it afterwards. */
char *make_state_dir(void);
void remove_tree(const char *path);

/* Run the loop until *flag is non-zero or ms pass; false on timeout. */
bool run_until(sd_event *e, const unsigned *flag, unsigned ms);
/* Run the loop for ms. */
void run_for(sd_event *e, unsigned ms);
unsigned long long now_ms(void);

/* Write text to dir/name with mode; returns the path (free it). */
char *write_file(const char *dir, const char *name, const char *text, int mode);
/* The whole file, NUL-terminated (length in *ret_len if not NULL); NULL if unreadable. */
char *read_file(const char *path, size_t *ret_len);
/* Whether needle occurs in the len bytes at hay. */
bool contains(const void *hay, size_t len, const void *needle, size_t needle_len);
