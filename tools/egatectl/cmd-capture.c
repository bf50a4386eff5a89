/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * egatectl capture: a document page, camera frame or fingerprint image into
 * a file.  The image arrives as a sealed memfd; it is personal data, so the
 * file is created 0600 whatever the umask, and appears under its name only
 * once complete (written to a temporary file beside it, then renamed).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bus-json.h"
#include "device-session.h"
#include "egatectl.h"
#include "output.h"

/* As egated's own limit (EG_BUS_IMAGE_MAX): no gate camera needs more per frame. */
#define IMAGE_MAX (64ULL << 20)

static int copy_fd(int from, int to, uint64_t size) {
        static char buf[65536];
        uint64_t done = 0;

        /* pread: the memfd's file offset is shared with egated's descriptor. */
        while (done < size) {
                size_t want = size - done < sizeof(buf) ? (size_t) (size - done) : sizeof(buf);
                ssize_t n = pread(from, buf, want, (off_t) done);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        return -EIO; /* shorter than it said */
                for (ssize_t w = 0; w < n;) {
                        ssize_t k = write(to, buf + w, (size_t) (n - w));

                        if (k < 0 && errno == EINTR)
                                continue;
                        if (k < 0)
                                return -errno;
                        w += k;
                }
                done += (uint64_t) n;
        }
        return 0;
}

/* Write the image in fd to path (mode 0600), replacing it atomically. Returns -errno. */
static int write_image(int fd, const char *path, uint64_t *ret_size, const char **ret_step) {
        _cleanup_free_ char *dir_copy = strdup(path), *tmp = NULL;
        _cleanup_(closep) int out = -1;
        struct stat st;
        int r;

        *ret_step = "cannot read the image";
        if (!dir_copy)
                return -ENOMEM;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode) || st.st_size <= 0 || (uint64_t) st.st_size > IMAGE_MAX)
                return -EBADMSG;

        *ret_step = "cannot create the file";
        if (asprintf(&tmp, "%s/.egatectl-capture-XXXXXX", dirname(dir_copy)) < 0) {
                tmp = NULL;
                return -ENOMEM;
        }
        out = mkostemp(tmp, O_CLOEXEC);
        if (out < 0)
                return -errno;
        /* mkostemp() creates 0600 already; say so rather than rely on it. */
        r = fchmod(out, 0600) < 0 ? -errno : 0;
        if (r >= 0) {
                *ret_step = "cannot write the file";
                r = copy_fd(fd, out, (uint64_t) st.st_size);
        }
        if (r >= 0 && fsync(out) < 0)
                r = -errno;
        if (r >= 0 && rename(tmp, path) < 0) {
                *ret_step = "cannot move the file into place";
                r = -errno;
        }
        if (r < 0) {
                (void) unlink(tmp);
                return r;
        }
        *ret_size = (uint64_t) st.st_size;
        return 0;
}

int verb_capture(int argc, char **argv) {
        static const char *const classes[] = { "document-reader", "camera", "fingerprint-scanner",
                                               NULL };
        _cleanup_(device_session_done) struct device_session s = DEVICE_SESSION_INIT;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(json_object_putp) json_object *o = NULL;
        const char *mime_type, *step;
        uint64_t size = 0;
        bool page;
        int fd, r;

        if (!arg.output) {
                egctl_error("capture: --output FILE is required (images are not written to a "
                            "terminal)");
                return EGCTL_EXIT_USAGE;
        }
        r = device_session_open(&s, "capture", argv[1], classes);
        if (r != EGCTL_EXIT_OK)
                return r;
        page = streq(s.device_class, "document-reader");
        if (arg.light && !page) {
                egctl_error("capture: --light applies to document readers only; %s is a %s",
                            argv[1], s.device_class);
                return EGCTL_EXIT_USAGE;
        }
        r = device_session_claim(&s);
        if (r != EGCTL_EXIT_OK)
                return r;

        if (page)
                r = device_session_call(&s, "CapturePage", &reply, "s",
                                        arg.light ? arg.light : "visible");
        else
                r = device_session_call(&s, "Capture", &reply, NULL);
        if (r != EGCTL_EXIT_OK)
                return device_session_finish(&s, r);
        r = sd_bus_message_read(reply, "hs", &fd, &mime_type);
        if (r < 0) {
                egctl_error("%s: unreadable reply: %s", s.what, strerror(-r));
                return device_session_finish(&s, EGCTL_EXIT_FAILURE);
        }
        r = write_image(fd, arg.output, &size, &step);
        if (r < 0) {
                egctl_error("%s: %s %s: %s", s.what, step, arg.output, strerror(-r));
                return device_session_finish(&s, EGCTL_EXIT_FAILURE);
        }

        if (arg.json) {
                o = json_object_new_object();
                if (!o || json_add(o, "id", json_object_new_string(s.id)) < 0 ||
                    json_add(o, "file", json_object_new_string(arg.output)) < 0 ||
                    json_add(o, "bytes", json_object_new_uint64(size)) < 0 ||
                    json_add(o, "mime_type", json_object_new_string(mime_type)) < 0) {
                        egctl_error("capture: out of memory");
                        r = EGCTL_EXIT_FAILURE;
                } else
                        r = output_json(o);
        } else {
                _cleanup_free_ char *type = escape_control(mime_type);

                printf("Wrote %" PRIu64 " bytes (%s) to %s.\n", size, type ? type : "?",
                       arg.output);
                r = EGCTL_EXIT_OK;
        }
        return device_session_finish(&s, r);
}
