/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The control interface: every command's replies, and the socket itself
 * (framing, limits, garbage, many clients, slow clients). */
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "mock-test.h"

struct fixture {
        struct eg_host *host;
        struct mock_plugin *plugin;
        char dir[64];
        char path[128];
        const char *config[8];
};

static int setup(void **state) {
        struct fixture *f = calloc(1, sizeof(*f));
        void *pd = NULL;

        assert_non_null(f);
        snprintf(f->dir, sizeof(f->dir), "/tmp/test-mock-control-XXXXXX");
        assert_non_null(mkdtemp(f->dir));
        snprintf(f->path, sizeof(f->path), "%s/ctl.sock", f->dir);
        f->config[0] = "scenario";
        f->config[1] = MOCK_SCENARIOS_DIR "/all-devices.json";
        f->config[2] = "control-socket";
        f->config[3] = f->path;
        f->host = fake_host_new(f->config);
        assert_int_equal(fake_host_init(f->host, &pd), 0);
        f->plugin = pd;
        *state = f;
        return 0;
}

static int teardown(void **state) {
        struct fixture *f = *state;
        struct stat st;

        fake_host_shutdown(f->host, f->plugin);
        assert_int_equal(fake_host_n_io(f->host), 0);
        assert_int_equal(fake_host_n_timers(f->host), 0);
        assert_int_equal(fake_host_bad_removals(f->host), 0);
        fake_host_free(f->host);
        /* The socket file goes with the plugin. */
        assert_int_equal(lstat(f->path, &st), -1);
        rmdir(f->dir);
        free(f);
        return 0;
}

static int client(const char *path) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

        assert_true(fd >= 0);
        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
        assert_int_equal(connect(fd, (struct sockaddr *) &sa, sizeof(sa)), 0);
        return fd;
}

static void send_all(int fd, const char *s, size_t len) {
        assert_int_equal(send(fd, s, len, MSG_NOSIGNAL), (ssize_t) len);
}

static void send_str(int fd, const char *s) {
        send_all(fd, s, strlen(s));
}

/* Let the plugin serve, then read one reply line (without the newline). */
static const char *reply_line(struct eg_host *h, int fd) {
        static char line[70000];
        size_t n = 0;

        for (int round = 0; round < 200; round++) {
                char ch;
                ssize_t k;

                (void) fake_host_poll_io(h, 0);
                while ((k = recv(fd, &ch, 1, MSG_DONTWAIT)) == 1) {
                        if (ch == '\n') {
                                line[n] = '\0';
                                return line;
                        }
                        assert_true(n < sizeof(line) - 1);
                        line[n++] = ch;
                }
                if (k == 0)
                        break; /* closed */
                (void) fake_host_poll_io(h, 10);
        }
        line[n] = '\0';
        return n > 0 ? line : NULL;
}

static bool nothing_more(struct eg_host *h, int fd) {
        char ch;

        (void) fake_host_poll_io(h, 20);
        return recv(fd, &ch, 1, MSG_DONTWAIT) < 0 && errno == EAGAIN;
}

static void test_commands(void **state) {
        struct fixture *f = *state;
        struct mock_plugin *p = f->plugin;
        char reply[4096];

        mock_test_command_prefix(p, "help",
                                 "OK commands: help | status [lane] | list-travellers "
                                 "| ");
        mock_test_command(p, "status",
                          "OK scenario=\"all devices\" latency=zero devices=8 attached=8 clients=0 "
                          "lanes=1 | A1 phase=idle traveller=- queue-left=0");
        mock_test_command(p, "status A1",
                          "OK lane=A1 phase=idle traveller=- document=- chip=- finger=- "
                          "zones=approach:0,mantrap:0,exit:0 queue-left=0 emergency=off devices: "
                          "A1-document-reader=ready A1-chip-reader=ready "
                          "A1-fingerprint-scanner=ready A1-camera=ready "
                          "A1-entry-door=closed/locked A1-exit-door=closed/locked "
                          "A1-presence-sensor=ready A1-indicator=unset");
        mock_test_command(p, "list-travellers",
                          "OK 4 traveller(s): t01 (accepted member), t02-td1 (ID card (TD1) "
                          "holder, chip removed during the read), t03-slow-chip (slow chip, "
                          "poor-quality finger first), t04-unreadable (MRZ cannot be read, no "
                          "chip)");
        mock_control_execute(p, "", reply, sizeof(reply));
        assert_string_equal(reply, "");
        mock_control_execute(p, "  \t ", reply, sizeof(reply));
        assert_string_equal(reply, "");

        mock_test_command(p, "frobnicate", "ERR unknown command 'frobnicate' (try help)");
        mock_test_command(p, "arrive A1", "ERR usage: arrive <lane> <traveller>");
        mock_test_command(p, "status A1 B1", "ERR usage: status [lane]");
        mock_test_command(p, "a b c d e f g h i", "ERR too many arguments");
        mock_test_command(p, "status Z9", "ERR unknown lane 'Z9'");
        mock_test_command(p, "arrive A1 nobody",
                          "ERR unknown traveller 'nobody' (see "
                          "list-travellers)");
        mock_test_command(p, "arrive Z9 nobody", "ERR unknown lane 'Z9'");

        mock_test_command(p, "arrive A1 t01", "OK t01 arrives at A1");
        mock_test_command(p, "arrive A1 t02-td1", "ERR lane A1 is busy with t01");
        fake_host_run(f->host, 0);
        mock_test_command_prefix(p, "status A1",
                                 "OK lane=A1 phase=at-reader traveller=t01 "
                                 "document=t01 chip=present finger=- zones=approach:1,");
        mock_test_command(p, "present-document A1 t02-td1",
                          "ERR a document is already on the reader of A1; remove-document first");
        mock_test_command(p, "remove-document A1", "OK document removed");
        mock_test_command(p, "remove-document A1", "ERR no document on the reader of A1");
        mock_test_command(p, "present-document A1 t02-td1",
                          "OK document of t02-td1 on the reader of A1");

        mock_test_command(p, "lift-finger A1", "ERR no finger on the scanner of A1");
        mock_test_command(p, "place-finger A1 t03-slow-chip",
                          "OK finger of t03-slow-chip on the scanner of A1");
        mock_test_command(p, "place-finger A1 t01",
                          "ERR a finger is already on the scanner of A1; lift-finger first");
        mock_test_command(p, "lift-finger A1", "OK finger lifted");

        mock_test_command(p, "enter A1 lobby",
                          "ERR lane A1 has no zone 'lobby' (zones: approach "
                          "mantrap exit)");
        mock_test_command(p, "enter A1 mantrap 0", "ERR count must be 1-99, not '0'");
        mock_test_command(p, "enter A1 mantrap 100", "ERR count must be 1-99, not '100'");
        mock_test_command(p, "enter A1 mantrap -1", "ERR count must be 1-99, not '-1'");
        mock_test_command(p, "enter A1 mantrap 2x", "ERR count must be 1-99, not '2x'");
        mock_test_command(p, "enter A1 mantrap 99", "OK mantrap=99");
        mock_test_command(p, "enter A1 mantrap", "ERR a zone holds at most 99 people");
        mock_test_command(p, "leave A1 mantrap 98", "OK mantrap=1");
        mock_test_command(p, "leave A1 mantrap 2", "ERR only 1 in mantrap");
        mock_test_command(p, "leave A1 mantrap", "OK mantrap=0");

        mock_test_command(p, "door nope open", "ERR unknown device 'nope'");
        mock_test_command(p, "door A1-camera open", "ERR A1-camera is not a door");
        mock_test_command(p, "door A1-exit-door ajar",
                          "ERR door state must be forced, closed or open");
        mock_test_command(p, "emergency A1 maybe", "ERR emergency must be on or off");
        mock_test_command(p, "emergency A1 off", "OK emergency off on A1");

        mock_test_command(p, "fault A1-camera door-open error",
                          "ERR unknown operation 'door-open' for a camera; expected *, "
                          "camera-capture");
        mock_test_command(p, "fault A1-entry-door warp error",
                          "ERR unknown operation 'warp' for a door; expected *, door-open, "
                          "door-close, door-lock, door-safe-state");
        mock_test_command(p, "fault A1-camera * melt",
                          "ERR unknown fault 'melt'; expected error, hang, crash, unplug or delay");
        mock_test_command(p, "fault A1-camera * delay", "ERR delay needs milliseconds, 0-3600000");
        mock_test_command(p, "fault A1-camera * delay 3600001",
                          "ERR delay needs milliseconds, 0-3600000");
        mock_test_command(p, "fault A1-camera * delay 10 2 3 4",
                          "ERR usage: fault <device> <op|*> error|hang|crash|unplug|delay <ms> "
                          "[count [after]]");
        mock_test_command(p, "fault A1-camera * error 1 2 3", "ERR too many arguments");
        mock_test_command(p, "fault A1-camera * error 1 x",
                          "ERR after must be 0 to 1000000, not 'x'");
        mock_test_command(p, "fault A1-camera * error 1 1000001",
                          "ERR after must be 0 to 1000000, not '1000001'");
        mock_test_command(p, "fault A1-camera * delay 10 2 3",
                          "OK A1-camera: delay on *, several times, after 3");
        mock_test_command(p, "clear-faults A1-camera", "OK 1 fault(s) cleared on A1-camera");
        mock_test_command(p, "fault A1-camera * error x",
                          "ERR count must be 0 (always) to 1000000, not 'x'");
        mock_test_command(p, "fault A1-camera camera-capture delay 10 3",
                          "OK A1-camera: delay on camera-capture, several times");
        for (int i = 1; i < MOCK_FAULTS_PER_DEVICE; i++)
                mock_test_command_prefix(p, "fault A1-camera * hang", "OK ");
        mock_test_command(p, "fault A1-camera * hang",
                          "ERR A1-camera already has 32 faults; clear-faults first");
        mock_test_command(p, "clear-faults A1-camera", "OK 32 fault(s) cleared on A1-camera");
        mock_test_command(p, "clear-faults A1-nothing", "ERR unknown device 'A1-nothing'");

        mock_test_command(p, "unplug A1-camera", "OK A1-camera unplugged");
        mock_test_command_prefix(p, "status",
                                 "OK scenario=\"all devices\" latency=zero devices=8 "
                                 "attached=7 ");
        mock_test_command(p, "replug A1-camera", "OK A1-camera replugged");
        mock_test_command(p, "replug nope", "ERR unknown device 'nope'");
}

/* One C-APDU (hex) to the chip reader of A1; the R-APDU must come back. */
static const struct fake_completion *transmit(struct eg_host *h, const char *hex) {
        struct eg_op_args a = mock_test_args(EG_OP_CHIP_TRANSMIT);
        const struct fake_completion *c;
        uint8_t apdu[64];
        size_t n = 0;
        unsigned b;

        for (; hex[0] && hex[1]; hex += 2) {
                assert_int_equal(sscanf(hex, "%2x", &b), 1);
                apdu[n++] = (uint8_t) b;
        }
        a.data = apdu;
        a.data_len = n;
        c = mock_test_done(h, mock_test_start(h, "A1-chip-reader", &a), 0);
        assert_int_equal(c->status, 0);
        assert_true(c->data_len >= 2);
        return c;
}

static void stats(struct mock_plugin *p, uint64_t *cpu_ns, uint64_t *apdus) {
        char reply[4096];
        int end = -1;

        mock_control_execute(p, "stats", reply, sizeof(reply));
        if (sscanf(reply, "OK card_cpu_ns=%" SCNu64 " card_apdus=%" SCNu64 "%n", cpu_ns, apdus,
                   &end) != 2 ||
            end != (int) strlen(reply))
                fail_msg("stats: \"%s\"", reply);
}

/* "stats": the card emulator's thread CPU time and APDU count, over the plugin's life. */
static void test_stats(void **state) {
        struct fixture *f = *state;
        struct mock_plugin *p = f->plugin;
        uint64_t cpu_ns, apdus, cpu_after, apdus_after;
        char want[128], reply[4096];

        /* Nothing has reached a chip yet. */
        mock_test_command(p, "stats", "OK card_cpu_ns=0 card_apdus=0");
        mock_test_command(p, "stats A1", "ERR usage: stats");
        mock_control_execute(p, "help", reply, sizeof(reply));
        assert_non_null(strstr(reply, " | ops <device> | stats"));

        /* A CONNECT builds the card but answers no APDU. */
        mock_test_command(p, "present-document A1 t01", "OK document of t01 on the reader of A1");
        assert_int_equal(mock_test_op(f->host, "A1-chip-reader", EG_OP_CHIP_CONNECT, 0)->status, 0);
        mock_test_command(p, "stats", "OK card_cpu_ns=0 card_apdus=0");

        /* Every APDU the card answers counts, errors included; BAC's GET CHALLENGE
         * makes the card draw a random number. */
        transmit(f->host, "00A4040C07A0000002471001");
        transmit(f->host, "00A4020C020101"); /* 6982: no BAC yet */
        transmit(f->host, "0084000008");
        stats(p, &cpu_ns, &apdus);
        assert_int_equal(apdus, 3);
        assert_true(cpu_ns > 0);
        snprintf(want, sizeof(want), "OK card_cpu_ns=%" PRIu64 " card_apdus=3", cpu_ns);
        mock_test_command(p, "stats", want);

        for (int i = 0; i < 10; i++)
                transmit(f->host, "0084000008");
        stats(p, &cpu_after, &apdus_after);
        assert_int_equal(apdus_after, 13);
        assert_true(cpu_after > cpu_ns);

        /* An APDU the chip reader refuses itself (not connected) never reaches the card. */
        assert_int_equal(mock_test_op(f->host, "A1-chip-reader", EG_OP_CHIP_DISCONNECT, 0)->status,
                         0);
        {
                struct eg_op_args a = mock_test_args(EG_OP_CHIP_TRANSMIT);
                static const uint8_t select[] = { 0x00, 0xA4, 0x04, 0x0C, 0x07, 0xA0,
                                                  0x00, 0x00, 0x02, 0x47, 0x10, 0x01 };

                a.data = select;
                a.data_len = sizeof(select);
                assert_int_equal(
                        mock_test_done(f->host, mock_test_start(f->host, "A1-chip-reader", &a), 0)
                                ->status,
                        -EIO);
        }
        stats(p, &cpu_ns, &apdus);
        assert_int_equal(apdus, 13);
        assert_int_equal(cpu_ns, cpu_after);
}

static void test_socket(void **state) {
        struct fixture *f = *state;
        struct eg_host *h = f->host;
        struct stat st;
        int fd;

        assert_int_equal(lstat(f->path, &st), 0);
        assert_true(S_ISSOCK(st.st_mode));
        assert_int_equal(st.st_mode & 07777, 0600);
        assert_string_equal(mock_control_path(f->plugin->control), f->path);

        fd = client(f->path);
        send_str(fd, "help\n");
        assert_non_null(strstr(reply_line(h, fd), "OK commands: help"));

        /* Several lines in one write, CRLF, blank lines (no reply), a line in pieces. */
        send_str(fd, "status A1\r\n\n\nlist-travellers\nsta");
        assert_string_equal(reply_line(h, fd) + 0,
                            "OK lane=A1 phase=idle traveller=- document=- "
                            "chip=- finger=- zones=approach:0,mantrap:0,exit:0 queue-left=0 "
                            "emergency=off devices: A1-document-reader=ready A1-chip-reader=ready "
                            "A1-fingerprint-scanner=ready A1-camera=ready "
                            "A1-entry-door=closed/locked A1-exit-door=closed/locked "
                            "A1-presence-sensor=ready A1-indicator=unset");
        assert_non_null(strstr(reply_line(h, fd), "OK 4 traveller(s): t01"));
        assert_true(nothing_more(h, fd));
        send_str(fd, "tus\n");
        assert_non_null(strstr(reply_line(h, fd), "clients=1 lanes=1"));

        /* Garbage: never a crash, always one ERR per line. */
        send_str(fd, "\x01\x02\xff\xfe\n");
        assert_string_equal(reply_line(h, fd), "ERR invalid characters: commands are printable "
                                               "ASCII");
        send_all(fd, "arrive A1 t01\0 x\n", 17);
        assert_string_equal(reply_line(h, fd), "ERR invalid characters: commands are printable "
                                               "ASCII");
        send_str(fd, "\xc3\xa9t\xc3\xa9\n");
        assert_string_equal(reply_line(h, fd), "ERR invalid characters: commands are printable "
                                               "ASCII");

        /* A line over the limit: one ERR, the rest of it ignored, the next line fine. */
        char big[10000];
        memset(big, 'a', sizeof(big));
        send_all(fd, big, sizeof(big));
        send_str(fd, "\nhelp\n");
        assert_string_equal(reply_line(h, fd), "ERR line too long (limit 4095 bytes)");
        assert_non_null(strstr(reply_line(h, fd), "OK commands: help"));
        assert_true(nothing_more(h, fd));
        /* Exactly at the limit is still a line. */
        memset(big, 'b', 4095);
        big[4095] = '\n';
        send_all(fd, big, 4096);
        assert_string_equal(reply_line(h, fd),
                            "ERR unknown command 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb' (try "
                            "help)");

        /* The world moves on the same loop. */
        send_str(fd, "arrive A1 t01\n");
        assert_string_equal(reply_line(h, fd), "OK t01 arrives at A1");
        fake_host_run(h, 0);
        assert_int_equal(fake_host_count_events(h, "A1-document-reader", EG_EVENT_DOCUMENT_PRESENT),
                         1);

        /* Gone: the plugin notices and forgets it. */
        close(fd);
        (void) fake_host_poll_io(h, 20);
        assert_int_equal(mock_control_n_clients(f->plugin->control), 0);
        assert_int_equal(fake_host_n_io(h), 1);
}

static void test_many_clients(void **state) {
        struct fixture *f = *state;
        struct eg_host *h = f->host;
        int fds[17];

        for (int i = 0; i < 16; i++) {
                fds[i] = client(f->path);
                send_str(fds[i], "status\n");
                assert_non_null(strstr(reply_line(h, fds[i]), "OK scenario="));
        }
        assert_int_equal(mock_control_n_clients(f->plugin->control), 16);

        fds[16] = client(f->path);
        assert_string_equal(reply_line(h, fds[16]), "ERR too many clients");
        char ch;
        assert_int_equal(recv(fds[16], &ch, 1, 0), 0); /* and closed */
        close(fds[16]);

        /* Replies go to the one who asked. */
        send_str(fds[3], "status\n");
        send_str(fds[7], "help\n");
        assert_non_null(strstr(reply_line(h, fds[7]), "OK commands:"));
        assert_non_null(strstr(reply_line(h, fds[3]), "clients=16"));
        assert_true(nothing_more(h, fds[0]));

        close(fds[5]);
        (void) fake_host_poll_io(h, 20);
        assert_int_equal(mock_control_n_clients(f->plugin->control), 15);
        fds[5] = client(f->path);
        send_str(fds[5], "status\n");
        assert_non_null(strstr(reply_line(h, fds[5]), "clients=16"));

        for (int i = 0; i < 16; i++)
                close(fds[i]);
        (void) fake_host_poll_io(h, 20);
        assert_int_equal(mock_control_n_clients(f->plugin->control), 0);
}

static void test_client_that_does_not_read(void **state) {
        struct fixture *f = *state;
        struct eg_host *h = f->host;
        int fd = client(f->path);
        int bufsize = 4096;
        size_t sent = 0;

        /* Small buffers so the replies fill them quickly. */
        assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufsize, sizeof(bufsize)), 0);
        assert_int_equal(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
        send_str(fd, "status\n");
        (void) fake_host_poll_io(h, 20);
        assert_int_equal(mock_control_n_clients(f->plugin->control), 1);

        for (int round = 0; round < 5000 && mock_control_n_clients(f->plugin->control) > 0;
             round++) {
                ssize_t k = send(fd, "help\n", 5, MSG_NOSIGNAL | MSG_DONTWAIT);
                if (k > 0)
                        sent += (size_t) k;
                (void) fake_host_poll_io(h, 0);
        }
        /* Dropped rather than waited for; the plugin still serves others. */
        assert_int_equal(mock_control_n_clients(f->plugin->control), 0);
        assert_true(sent > 5);
        close(fd);

        fd = client(f->path);
        send_str(fd, "status\n");
        assert_non_null(strstr(reply_line(h, fd), "clients=1"));
        close(fd);
}

static void test_socket_setup(void **state) {
        char dir[64], path[400];
        const char *config[] = { "scenario", MOCK_SCENARIOS_DIR "/minimal.json", "control-socket",
                                 path, NULL };
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        struct eg_host *h;
        void *pd = NULL;
        int fd;

        snprintf(dir, sizeof(dir), "/tmp/test-mock-control-XXXXXX");
        assert_non_null(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/stale.sock", dir);

        /* A socket file left behind by a dead process is replaced. */
        fd = socket(AF_UNIX, SOCK_STREAM, 0);
        assert_true(strlen(path) < sizeof(sa.sun_path));
        memcpy(sa.sun_path, path, strlen(path) + 1);
        assert_int_equal(bind(fd, (struct sockaddr *) &sa, sizeof(sa)), 0);
        close(fd);
        h = fake_host_new(config);
        assert_int_equal(fake_host_init(h, &pd), 0);

        /* While it listens, a second instance refuses to take it over. */
        struct eg_host *h2 = fake_host_new(config);
        void *pd2 = NULL;
        assert_int_equal(fake_host_init(h2, &pd2), -EADDRINUSE);
        assert_true(fake_host_logged(h2, "another process listens on it"));
        fake_host_free(h2);
        fake_host_shutdown(h, pd);
        fake_host_free(h);

        /* Any other file is not ours to remove. */
        fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
        close(fd);
        h = fake_host_new(config);
        assert_int_equal(fake_host_init(h, &pd), -EEXIST);
        assert_true(fake_host_logged(h, "exists and is not a socket"));
        assert_int_equal(fake_host_n_devices(h, true), 0);
        fake_host_free(h);
        unlink(path);

        /* Too long for sun_path. */
        snprintf(path, sizeof(path), "%s/", dir);
        memset(path + strlen(path), 'x', 150);
        path[strlen(dir) + 151] = '\0';
        h = fake_host_new(config);
        assert_int_equal(fake_host_init(h, &pd), -ENAMETOOLONG);
        fake_host_free(h);

        /* A directory that does not exist. */
        snprintf(path, sizeof(path), "%s/missing/ctl.sock", dir);
        h = fake_host_new(config);
        assert_int_equal(fake_host_init(h, &pd), -ENOENT);
        assert_true(fake_host_logged(h, "control-socket=none"));
        fake_host_free(h);

        /* "none": no socket at all. */
        snprintf(path, sizeof(path), "none");
        h = fake_host_new(config);
        assert_int_equal(fake_host_init(h, &pd), 0);
        assert_int_equal(fake_host_n_io(h), 0);
        assert_null(((struct mock_plugin *) pd)->control);
        fake_host_shutdown(h, pd);
        fake_host_free(h);
        rmdir(dir);
}

static void test_default_path(void **state) {
        char dir[64], expected[128];
        const char *config[] = { "scenario", MOCK_SCENARIOS_DIR "/minimal.json", NULL };
        struct eg_host *h;
        void *pd = NULL;

        snprintf(dir, sizeof(dir), "/tmp/test-mock-control-XXXXXX");
        assert_non_null(mkdtemp(dir));

        /* $RUNTIME_DIRECTORY (systemd), its first entry. */
        char list[200];
        snprintf(list, sizeof(list), "%s:/nonexistent", dir);
        setenv("RUNTIME_DIRECTORY", list, 1);
        h = fake_host_new(config);
        assert_int_equal(fake_host_init(h, &pd), 0);
        snprintf(expected, sizeof(expected), "%s/mock-control.sock", dir);
        assert_string_equal(mock_control_path(((struct mock_plugin *) pd)->control), expected);
        fake_host_shutdown(h, pd);
        fake_host_free(h);

        /* Else $XDG_RUNTIME_DIR. */
        unsetenv("RUNTIME_DIRECTORY");
        setenv("XDG_RUNTIME_DIR", dir, 1);
        h = fake_host_new(config);
        assert_int_equal(fake_host_init(h, &pd), 0);
        snprintf(expected, sizeof(expected), "%s/egate-mock.sock", dir);
        assert_string_equal(mock_control_path(((struct mock_plugin *) pd)->control), expected);
        fake_host_shutdown(h, pd);
        fake_host_free(h);
        unsetenv("XDG_RUNTIME_DIR");
        rmdir(dir);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_commands, setup, teardown),
                cmocka_unit_test_setup_teardown(test_stats, setup, teardown),
                cmocka_unit_test_setup_teardown(test_socket, setup, teardown),
                cmocka_unit_test_setup_teardown(test_many_clients, setup, teardown),
                cmocka_unit_test_setup_teardown(test_client_that_does_not_read, setup, teardown),
                cmocka_unit_test(test_socket_setup),
                cmocka_unit_test(test_default_path),
        };

        return cmocka_run_group_tests_name("mock-control", tests, NULL, NULL);
}
