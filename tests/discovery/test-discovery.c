/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Discovery against fake USB readers (readers.umockdev, README.md) and the two
 * test plugins in plugins/, through the real manager, sd-device and libusb.
 *
 * Runs under umockdev's preload (umockdev-wrapper), which redirects /sys and
 * /dev into a testbed and emulates the uevent netlink socket.  What that does
 * and does not cover, found out for systemd 252 and umockdev 0.17:
 *
 *  - Hotplug: sd_device_monitor receives umockdev's uevents, with every
 *    property of the fake device and its tags (from the TAGS property).  But
 *    umockdev leaves the tag bloom filter of the message header empty, so the
 *    kernel-side tag filter the daemon installs drops every event; the test
 *    removes that filter (eg_discovery_drop_kernel_filter()) and relies on
 *    discovery's own tag check.
 *  - Coldplug: umockdev does not redirect /run/udev, where sd-device reads
 *    tags and "initialized" from the udev database.  The test therefore runs
 *    coldplug in a private mount namespace with a tmpfs on /run and writes
 *    the database entries udevd would have written.  Where no namespace can
 *    be made (no user namespaces), that test is skipped.
 *  - The USB hand-over: the node must contain the raw descriptors (libusb
 *    reads them from a wrapped fd) and answer USBDEVFS_CONNECTINFO; the
 *    bulk exchange is replayed from ccid-slot-status.ioctl.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <umockdev.h>

#include "config.h"
#include "discovery/discovery.h"
#include "lane.h"
#include "manager.h"

#define USB1 "/sys/devices/pci0000:00/0000:00:14.0/usb1"

struct fake_reader {
        const char *port; /* sysfs name, 1-N */
        unsigned minor; /* char 189:minor, /dev/bus/usb/001/<minor + 1> */
        bool tagged; /* udev tagged it "egate" */
        bool initialized; /* udevd has finished with it (coldplug takes only these) */
        bool has_node; /* its /dev node exists */
};

/* Must agree with readers.umockdev (README.md). */
static const struct fake_reader readers[] = {
        { "1-1", 1, true, true, true }, { "1-2", 2, false, true, true },
        { "1-3", 3, true, true, true }, { "1-4", 4, true, true, true },
        { "1-5", 5, true, true, true }, { "1-6", 6, true, true, true },
        { "1-7", 7, true, true, true }, { "1-8", 8, true, false, true },
        { "1-9", 9, true, true, true }, { "1-10", 10, true, true, false },
};

static UMockdevTestbed *testbed;
static bool private_run; /* /run is our own tmpfs */
static char event_log[] = "/tmp/egate-discovery-events.XXXXXX"; /* see plugins/usb-reader.c */

struct fixture {
        sd_event *event;
        struct eg_manager *manager;
};

static uint64_t now_ms(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000u + (uint64_t) ts.tv_nsec / 1000000u;
}

static size_t count_devices(struct eg_manager *m) {
        struct eg_device *d;
        size_t n = 0;

        EG_LIST_FOREACH (devices, d, m->devices)
                n++;
        return n;
}

/* Run the loop until the manager has `n` devices, or 5 s pass. */
static void run_until_devices(struct fixture *f, size_t n) {
        uint64_t end = now_ms() + 5000;

        while (count_devices(f->manager) != n && now_ms() < end)
                assert_true(sd_event_run(f->event, 20 * 1000) >= 0);
        /* Anything still queued (a second event for the same device) is handled too. */
        while (sd_event_run(f->event, 0) > 0)
                ;
        assert_int_equal(count_devices(f->manager), n);
}

static void uevent(const char *port, const char *action) {
        char syspath[128];

        snprintf(syspath, sizeof(syspath), USB1 "/%s", port);
        umockdev_testbed_uevent(testbed, syspath, action);
}

static const char *syspath_of(const char *port) {
        static char buf[128];

        snprintf(buf, sizeof(buf), USB1 "/%s", port);
        return buf;
}

/* Did disc-acr's candidate_removed() run for `port`? */
static bool plugin_heard_removal(const char *port) {
        char line[256], want[160];
        bool found = false;
        FILE *f = fopen(event_log, "re");

        assert_non_null(f);
        snprintf(want, sizeof(want), "candidate_removed " USB1 "/%s\n", port);
        while (fgets(line, sizeof(line), f))
                if (strcmp(line, want) == 0)
                        found = true;
        fclose(f);
        return found;
}

/* ---- the udev database udevd would have written (coldplug only) ---- */

static void write_file(const char *path, const char *text) {
        FILE *f = fopen(path, "we");

        assert_non_null(f);
        assert_true(fputs(text, f) >= 0);
        assert_int_equal(fclose(f), 0);
}

/* What udevd writes after its rules ran: the tag index and the database
 * entry, whose existence means "initialized" to sd-device.  A device udevd
 * has not finished with has no entry; here it keeps a stale tag link, so only
 * the "initialized" check keeps it out.  sd-device finds a tagged device by
 * its id, c189:<minor>, through the /sys/dev/char link umockdev made from the
 * fixture's "A: dev=" line. */
static void udev_db_write(void) {
        char path[128];

        assert_int_equal(mkdir("/run/udev", 0755), 0);
        assert_int_equal(mkdir("/run/udev/data", 0755), 0);
        assert_int_equal(mkdir("/run/udev/tags", 0755), 0);
        assert_int_equal(mkdir("/run/udev/tags/egate", 0755), 0);

        for (size_t i = 0; i < ELEMENTSOF(readers); i++) {
                const struct fake_reader *r = &readers[i];
                char db[64];

                snprintf(db, sizeof(db), "I:1000000\n%sV:1\n",
                         r->tagged ? "G:egate\nQ:egate\n" : "");
                snprintf(path, sizeof(path), "/run/udev/data/c189:%u", r->minor);
                if (r->initialized)
                        write_file(path, db);
                if (r->tagged) {
                        snprintf(path, sizeof(path), "/run/udev/tags/egate/c189:%u", r->minor);
                        write_file(path, "");
                }
        }
}

static void udev_db_remove(void) {
        if (private_run)
                assert_int_equal(system("rm -rf /run/udev"), 0);
}

/* ---- manager ---- */

static int setup(void **state) {
        struct fixture *f = calloc(1, sizeof(*f));
        struct eg_config_errors errors = {};
        struct eg_config *c = NULL;
        const char *dir = getenv("EGATE_TEST_PLUGIN_DIR");
        char *text = NULL;

        assert_non_null(f);
        assert_non_null(dir);
        assert_true(asprintf(&text, "[daemon]\nplugin-dirs = %s\n[lane.A1]\n", dir) > 0);
        if (eg_config_load_string("discovery.conf", text, &c, &errors) < 0)
                for (size_t i = 0; i < errors.n; i++)
                        fprintf(stderr, "%s\n", errors.messages[i]);
        assert_int_equal(errors.n, 0);
        eg_config_errors_clear(&errors);
        free(text);

        assert_int_equal(sd_event_new(&f->event), 0);
        assert_int_equal(eg_manager_new(f->event, c, NULL, &f->manager), 0);
        *state = f;
        return 0;
}

static int teardown(void **state) {
        struct fixture *f = *state;

        eg_manager_free(f->manager);
        sd_event_unref(f->event);
        free(f);
        udev_db_remove();
        return 0;
}

static void assert_device(struct eg_manager *m, const char *id, const char *model) {
        struct eg_device *d = eg_device_find(m, id);

        if (!d)
                fail_msg("device %s missing", id);
        assert_int_equal(d->device_class, EG_CLASS_CHIP_READER);
        assert_string_equal(d->model, model);
}

static void assert_no_device_for(struct eg_manager *m, const char *serial) {
        char id[64];

        snprintf(id, sizeof(id), "disc-acr-%s", serial);
        assert_null(eg_device_find(m, id));
        snprintf(id, sizeof(id), "disc-legacy-%s", serial);
        assert_null(eg_device_find(m, id));
}

static void assert_in_lane_a1(struct eg_manager *m, const char *id) {
        enum eg_lane_role role;
        struct eg_lane *l = eg_lane_of_device(m, id, &role);

        assert_non_null(l);
        assert_string_equal(l->name, "A1");
        assert_string_equal(eg_lane_role_to_string(role), "chip-reader");
}

/* What discovery must make of the fixture, whichever way the devices came. */
static void assert_claims(struct eg_manager *m) {
        /* Tagged ACR122U: the plugin read the descriptor through the handed-over fd. */
        assert_device(m, "disc-acr-RDR0001", "072f:2200 bcdDevice 2.14");
        assert_in_lane_a1(m, "disc-acr-RDR0001");
        assert_string_equal(eg_discovery_owner(m->discovery, syspath_of("1-1")), "disc-acr");
        /* Same VID:PID, not tagged: never probed. */
        assert_no_device_for(m, "RDR0002");
        assert_null(eg_discovery_owner(m->discovery, syspath_of("1-2")));
        /* Tagged but ID_EGATE_IGNORE=1. */
        assert_no_device_for(m, "RDR0003");
        /* The 1.0 plugin's own reader. */
        assert_device(m, "disc-legacy-OMN0001", "076b:5421 bcdDevice 1.00");
        assert_null(eg_lane_of_device(m, "disc-legacy-OMN0001", NULL));
        /* ID_EGATE_PLUGIN gives it to disc-legacy although disc-acr comes first. */
        assert_device(m, "disc-legacy-RDR0005", "072f:2200 bcdDevice 2.14");
        assert_null(eg_device_find(m, "disc-acr-RDR0005"));
        /* disc-acr declined (-ENODEV) or failed (-EIO): the next matching plugin has it. */
        assert_device(m, "disc-legacy-RDR0006", "072f:2200 bcdDevice 2.14");
        assert_device(m, "disc-legacy-RDR0007", "072f:2200 bcdDevice 2.14");
        /* ID_EGATE_PLUGIN names no plugin: nobody else may have it either. */
        assert_no_device_for(m, "RDR0009");
        assert_null(eg_discovery_owner(m->discovery, syspath_of("1-9")));
        /* Its node cannot be opened: no plugin is asked. */
        assert_no_device_for(m, "RDR0010");
        assert_null(eg_discovery_owner(m->discovery, syspath_of("1-10")));
}

static void test_coldplug(void **state) {
        struct fixture *f = *state;

        if (!private_run)
                skip(); /* see the comment at the top */
        udev_db_write();
        assert_int_equal(eg_manager_start(f->manager), 0);
        assert_non_null(f->manager->discovery);

        assert_claims(f->manager);
        /* Tagged, but udevd had not finished with it: it arrives later as "add". */
        assert_no_device_for(f->manager, "RDR0008");
        assert_int_equal(count_devices(f->manager), 5);
}

static void on_connected(struct eg_manager *m, const char *device_id, eg_op_id op,
                         struct eg_op_outcome *o, void *userdata) {
        struct eg_op_outcome *copy = userdata;

        copy->status = o->status;
        copy->data = TAKE_PTR(o->data);
        copy->data_len = o->data_len;
        copy->value = 1; /* done */
}

/* The CCID slot status exchange over the handed-over fd (bulk OUT, bulk IN). */
static void assert_bulk_exchange(struct fixture *f, const char *id) {
        static const uint8_t expected[10] = { 0x81, 0, 0, 0, 0, 0, 1, 0, 0, 0 };
        struct eg_op_args args = { .size = sizeof(args), .kind = EG_OP_CHIP_CONNECT };
        struct eg_op_outcome got = { .status = 1 };
        uint64_t end = now_ms() + 5000;

        assert_int_equal(eg_operation_start(f->manager, id, &args, 2000, on_connected, &got, NULL),
                         0);
        while (got.value == 0 && now_ms() < end)
                assert_true(sd_event_run(f->event, 20 * 1000) >= 0);
        assert_int_equal(got.status, 0);
        assert_int_equal(got.data_len, sizeof(expected));
        assert_memory_equal(got.data, expected, sizeof(expected));
        free(got.data);
}

static void test_hotplug(void **state) {
        struct fixture *f = *state;
        struct eg_manager *m = f->manager;

        assert_int_equal(eg_manager_start(m), 0);
        assert_non_null(m->discovery);
        assert_int_equal(count_devices(m), 0); /* no udev database: nothing to coldplug */
        assert_int_equal(eg_discovery_drop_kernel_filter(m->discovery), 0);

        for (size_t i = 0; i < ELEMENTSOF(readers); i++)
                uevent(readers[i].port, "add");
        run_until_devices(f, 6);
        assert_claims(m);
        /* Hotplug events come from udevd after its rules: RDR0008 is in. */
        assert_device(m, "disc-acr-RDR0008", "072f:2200 bcdDevice 2.14");

        assert_bulk_exchange(f, "disc-acr-RDR0001");

        /* A second "add" for a claimed device changes nothing. */
        uevent("1-1", "add");
        run_until_devices(f, 6);

        /* Unplug: disc-acr hears of it through candidate_removed() and removes it. */
        uevent("1-1", "remove");
        run_until_devices(f, 5);
        assert_null(eg_device_find(m, "disc-acr-RDR0001"));
        assert_null(eg_discovery_owner(m->discovery, syspath_of("1-1")));
        assert_true(plugin_heard_removal("1-1"));

        /* Replug: the same stable id, back in its lane. */
        uevent("1-1", "add");
        run_until_devices(f, 6);
        assert_device(m, "disc-acr-RDR0001", "072f:2200 bcdDevice 2.14");
        assert_in_lane_a1(m, "disc-acr-RDR0001");

        /* A change setting ID_EGATE_IGNORE=1 takes the device away; clearing it brings it back. */
        umockdev_testbed_set_property(testbed, syspath_of("1-1"), "ID_EGATE_IGNORE", "1");
        uevent("1-1", "change");
        run_until_devices(f, 5);
        assert_null(eg_device_find(m, "disc-acr-RDR0001"));
        umockdev_testbed_set_property(testbed, syspath_of("1-1"), "ID_EGATE_IGNORE", "0");
        uevent("1-1", "change");
        run_until_devices(f, 6);
        assert_device(m, "disc-acr-RDR0001", "072f:2200 bcdDevice 2.14");

        /* The 1.0 plugin has no candidate_removed(): egated removes what its probe added. */
        uevent("1-4", "remove");
        run_until_devices(f, 5);
        assert_null(eg_device_find(m, "disc-legacy-OMN0001"));
        assert_false(plugin_heard_removal("1-4"));

        /* Removing devices nobody claimed is harmless. */
        uevent("1-2", "remove");
        uevent("1-3", "remove");
        run_until_devices(f, 5);
        /* A "bind" of the untagged one does not make it a candidate either. */
        uevent("1-2", "bind");
        run_until_devices(f, 5);
        assert_no_device_for(m, "RDR0002");
}

/* Shutdown stops discovery before the plugins: no probe after, and no uevent handled. */
static void test_shutdown_stops_discovery(void **state) {
        struct fixture *f = *state;
        struct eg_manager *m = f->manager;

        assert_int_equal(eg_manager_start(m), 0);
        assert_int_equal(eg_discovery_drop_kernel_filter(m->discovery), 0);
        eg_manager_shutdown(m, NULL, NULL);
        assert_null(m->discovery);
        uevent("1-1", "add");
        for (int i = 0; i < 10; i++)
                assert_true(sd_event_run(f->event, 10 * 1000) >= 0);
        assert_int_equal(count_devices(m), 0);
}

/* ---- process setup ---- */

static int write_proc(const char *path, const char *text) {
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        ssize_t n;

        if (fd < 0)
                return -errno;
        n = write(fd, text, strlen(text));
        close(fd);
        return n == (ssize_t) strlen(text) ? 0 : -EIO;
}

/* A private /run for the coldplug test's udev database.  Must run before any
 * thread exists (GLib starts some): unshare(CLONE_NEWUSER) refuses otherwise. */
static bool enter_private_run(void) {
        uid_t uid = getuid();
        gid_t gid = getgid();
        char map[64];

        if (unshare(CLONE_NEWNS) < 0) {
                if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0) {
                        fprintf(stderr, "# no mount namespace (%s): coldplug test skipped\n",
                                strerror(errno));
                        return false;
                }
                snprintf(map, sizeof(map), "0 %u 1", (unsigned) uid);
                if (write_proc("/proc/self/setgroups", "deny") < 0 ||
                    write_proc("/proc/self/uid_map", map) < 0)
                        return false;
                snprintf(map, sizeof(map), "0 %u 1", (unsigned) gid);
                if (write_proc("/proc/self/gid_map", map) < 0)
                        return false;
        }
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
            mount("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0) {
                fprintf(stderr, "# cannot mount a private /run (%s): coldplug test skipped\n",
                        strerror(errno));
                return false;
        }
        return true;
}

static void testbed_load(void) {
        const char *src = getenv("EGATE_SOURCE_ROOT");
        char path[512], node[64];
        GError *error = NULL;

        assert_non_null(src);
        testbed = umockdev_testbed_new();
        snprintf(path, sizeof(path), "%s/tests/discovery/readers.umockdev", src);
        if (!umockdev_testbed_add_from_file(testbed, path, &error))
                fail_msg("%s: %s", path, error->message);
        snprintf(path, sizeof(path), "%s/tests/discovery/ccid-slot-status.ioctl", src);
        for (size_t i = 0; i < ELEMENTSOF(readers); i++) {
                if (!readers[i].has_node)
                        continue;
                snprintf(node, sizeof(node), "/dev/bus/usb/001/%03u", readers[i].minor + 1);
                if (!umockdev_testbed_load_ioctl(testbed, node, path, &error))
                        fail_msg("%s for %s: %s", path, node, error->message);
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_coldplug, setup, teardown),
                cmocka_unit_test_setup_teardown(test_hotplug, setup, teardown),
                cmocka_unit_test_setup_teardown(test_shutdown_stops_discovery, setup, teardown),
        };
        int r, fd;

        private_run = enter_private_run();
        /* umockdev_in_mock_environment() says false even under the wrapper (0.17). */
        if (!getenv("LD_PRELOAD") || !strstr(getenv("LD_PRELOAD"), "libumockdev-preload")) {
                fprintf(stderr, "not under umockdev's preload: run with umockdev-wrapper\n");
                return 77;
        }
        fd = mkstemp(event_log);
        if (fd < 0) {
                perror("mkstemp");
                return 1;
        }
        close(fd);
        setenv("EGATE_TEST_EVENT_LOG", event_log, 1);
        testbed_load();
        r = cmocka_run_group_tests(tests, NULL, NULL);
        g_object_unref(testbed);
        unlink(event_log);
        return r;
}
