/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* egatectl: command line, verb table and help. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "egate-build-config.h"
#include "egatectl.h"

struct egctl_options arg = {
        .timeout_usec = EGCTL_DEFAULT_TIMEOUT_USEC,
};

/* Options that only some verbs take. */
enum {
        OPT_KEEP_CLAIM = 1 << 0,
        OPT_BUZZER = 1 << 1,
        OPT_MESSAGE = 1 << 2,
        OPT_LANGUAGE = 1 << 3,
        OPT_LIGHT = 1 << 4,
        OPT_OUTPUT = 1 << 5,
        OPT_SINCE = 1 << 6, /* audit */
        OPT_UNTIL = 1 << 7,
        OPT_LIMIT = 1 << 8,
        OPT_TRANSACTION = 1 << 9,
        OPT_EVENTS = 1 << 10,
};

#define OPTS_DEVICE_OP OPT_KEEP_CLAIM
#define OPTS_INDICATOR (OPT_KEEP_CLAIM | OPT_BUZZER | OPT_MESSAGE | OPT_LANGUAGE)
#define OPTS_CAPTURE (OPT_KEEP_CLAIM | OPT_LIGHT | OPT_OUTPUT)
#define OPTS_AUDIT (OPT_SINCE | OPT_UNTIL | OPT_LIMIT | OPT_TRANSACTION | OPT_EVENTS)

struct verb {
        const char *name;
        const char *arguments; /* after the verb, for the synopsis */
        int min_args, max_args; /* the verb itself included */
        unsigned options;
        int (*run)(int argc, char **argv);
        const char *summary;
        const char *description;
};

static const struct verb verbs[] = {
        { "status", "", 1, 1, 0, verb_status, "Daemon, lanes and what needs attention",
          "Shows egated's version and state, the API version, each lane's mode, readiness\n"
          "and state, the devices counted by state, and the plugins that were refused or\n"
          "failed." },
        { "plugins", "", 1, 1, 0, verb_plugins, "Plugin files, loaded or not",
          "Lists every plugin file egated found: name, version, vendor, SDK ABI, state\n"
          "(refused, loaded, active, failed, stopped) and why when refused or failed." },
        { "devices", "", 1, 1, 0, verb_devices, "List devices",
          "Lists the devices: id, class, state, lane and role, plugin, and the claim holder." },
        { "device", "ID", 2, 2, 0, verb_device, "One device's properties",
          "Shows every property of the device ID (org.egate.EGate1.Device) and of its\n"
          "class interface (Door, Camera, ...)." },
        { "lanes", "", 1, 1, 0, verb_lanes, "List lanes",
          "Lists the lanes: name, mode, state, readiness, policy, device count and\n"
          "transaction counters." },
        { "lane", "NAME", 2, 2, 0, verb_lane, "One lane: devices by role, counters",
          "Shows the lane NAME: its properties, its devices by role with their states,\n"
          "and its counters." },
        { "monitor", "", 1, 1, 0, verb_monitor, "Print events until interrupted",
          "Prints one line per event until interrupted (SIGINT or SIGTERM, exit status 0):\n"
          "devices and lanes added and removed, device StateChanged, class signals\n"
          "(DocumentPlaced, ForcedOpen, OccupancyChanged, ...), lane signals\n"
          "(TransactionStarted, StepFinished, ModeChanged, ...), changes of lane Mode,\n"
          "State and Ready, of the daemon's State, of door positions and of claims, and\n"
          "egated starting or stopping. Each line starts with a timestamp; with --json\n"
          "each event is one JSON object on one line." },
        { "claim", "ID", 2, 2, 0, verb_claim, "Claim a device, hold it until interrupted",
          "Claims the device ID and holds the claim until interrupted (SIGINT or SIGTERM:\n"
          "released, exit status 0). A claim belongs to the D-Bus connection that made it,\n"
          "so it lasts exactly as long as this command runs. Ends with status 5 if the\n"
          "claim is taken away (force-release), 3 if the device goes away, 7 if egated\n"
          "stops." },
        { "release", "ID", 2, 2, 0, verb_release, "Release this connection's claim",
          "Calls Release on the device ID. Since a claim belongs to the connection that\n"
          "made it, this succeeds only for claims of this very command's connection and\n"
          "otherwise reports NotClaimed (status 5): stop the egatectl that holds the claim,\n"
          "or use force-release." },
        { "force-release", "ID REASON", 3, 3, 0, verb_force_release,
          "End anyone's claim (operator override)",
          "Ends whoever's claim on the device ID. REASON (one argument: quote it) is\n"
          "logged and audited with the caller's identity." },
        { "door", "ID open|close|lock|safe-state", 3, 3, OPTS_DEVICE_OP, verb_door,
          "Move a door, or send it to its safe state",
          "Moves the door ID and waits until the door confirms: open, close, lock, or\n"
          "safe-state (the state of its declared fail mode). The device is claimed for the\n"
          "duration of the call and released afterwards (see --keep-claim). Its lane must\n"
          "be in manual or closed mode: an automatic lane owns its devices." },
        { "indicator", "ID COLOUR PATTERN", 4, 4, OPTS_INDICATOR, verb_indicator,
          "Set light, buzzer and guidance message",
          "Sets the indicator ID: COLOUR off, green, red, yellow or white; PATTERN steady,\n"
          "slow-flash or fast-flash; with --buzzer the buzzer sounds; --message N shows\n"
          "guidance message N (0: none) in --language L (BCP 47, e.g. en, ko)." },
        { "read-mrz", "ID", 2, 2, OPTS_DEVICE_OP, verb_read_mrz,
          "Read a document's MRZ (personal data)",
          "Reads the machine-readable zone of the document on the document reader ID and\n"
          "prints its lines. The MRZ is personal data: a warning says so on stderr; do not\n"
          "keep it in tickets, logs or shell history." },
        { "inspect", "ID", 2, 2, OPTS_DEVICE_OP, verb_inspect,
          "Inspect a document's optical security",
          "Asks the document reader ID for the data page's optical security: the document\n"
          "model it identified, and its optical checks (uv-dullness, uv-patterns, ir-b900,\n"
          "ir-mrz, visible-patterns) by verdict: passed, failed, undetermined. A check in\n"
          "no list was not made. No personal data." },
        { "capture", "ID --output FILE", 2, 2, OPTS_CAPTURE, verb_capture,
          "Capture a page, frame or fingerprint image",
          "Captures an image from the device ID: a document reader's data page (under\n"
          "--light visible, infrared or ultraviolet; visible by default), a camera frame\n"
          "or a fingerprint image. It is written to FILE with mode 0600, replacing FILE\n"
          "atomically. Images are personal data." },
        { "presence", "ID [ZONE]", 2, 3, OPTS_DEVICE_OP, verb_presence,
          "Count the people in a zone",
          "Asks the presence sensor ID for the current count in ZONE (default: the\n"
          "sensor's own zone). Counts are numbers of people, never identities." },
        { "lane-mode", "NAME automatic|manual|closed REASON", 4, 4, 0, verb_lane_mode,
          "Switch a lane's mode",
          "Switches the lane NAME to automatic, manual or closed. REASON (one argument:\n"
          "quote it) is logged and audited with the caller's identity." },
        { "open-door", "NAME entry|exit REASON", 4, 4, 0, verb_open_door,
          "Open a lane door now (operator override)",
          "Opens the lane's entry or exit door now, whatever the pipeline says. REASON is\n"
          "logged and audited with the caller's identity." },
        { "decide", "NAME accept|refer REASON", 4, 4, 0, verb_decide,
          "Accept or refer the current traveller",
          "Accepts or refers the traveller of the lane's current transaction." },
        { "abort", "NAME REASON", 3, 3, 0, verb_abort, "Abort the current transaction",
          "Ends the lane's current transaction; the traveller is referred." },
        { "attend", "NAME...", 2, 65, 0, verb_attend, "Attend lanes as their operator until Ctrl-C",
          "Tells egated that an operator watches the lanes named (up to 64), for as long\n"
          "as this command runs: Ctrl-C, a crash or a lost bus connection end the\n"
          "attendance. A lane whose policy has operator-attendance = required takes\n"
          "travellers only while someone attends it. A lane that cannot be attended\n"
          "(unknown, refused) ends the command at once, attending none. If egated\n"
          "restarts, the lanes are attended again once it is back." },
        { "audit", "list|events|show ID|export [--events] FILE|-", 2, 3, OPTS_AUDIT, verb_audit,
          "Audit records and lane events: list, show one, export",
          "audit list shows the newest records (--limit N, default 100, at most 10000)\n"
          "whose transaction started between --since and --until; audit events shows the\n"
          "newest lane events between --since and --until (operator actions outside a\n"
          "record, alarms that changed no decision, emergency inputs), only those of one\n"
          "transaction with --transaction ID; audit show ID prints one record with its\n"
          "steps, scores and operator actions, then that transaction's lane events (with\n"
          "--json the record only: use audit events --transaction ID); audit export writes\n"
          "the records as JSON lines to FILE (mode 0600, in place once complete) or to\n"
          "standard output (-); with --events the lane events instead. TIME is ISO 8601\n"
          "(2025-03-01T08:00:00Z, 2025-03-01 09:00, 2025-03-01) or relative (-1h, -30m,\n"
          "-2d, now). Records hold no personal data: the document number only as a keyed\n"
          "hash (docs/audit.md); reading them needs egate-operator." },
        { "member", "SUBCOMMAND [ARGUMENTS...]", 2, 5, 0, verb_member,
          "The member registry: import, list, show, change",
          "Manages the programme's member registry (org.egate.EGate1.Registry):\n"
          "  member import FILE          import every member of FILE ({\"members\": [...]},\n"
          "                              docs/registry.md), all or nothing\n"
          "  member add FILE|-           add one member object (from standard input for -)\n"
          "  member list                 ids, status and dates (no personal data)\n"
          "  member show ID              one member with passports, templates and history\n"
          "                              (personal data: a warning says so on stderr)\n"
          "  member suspend ID REASON    and revoke, activate, expire: change the status;\n"
          "                              REASON is kept in the member's history\n"
          "  member remove ID REASON     delete the member, its passports, templates, face\n"
          "  member enroll-finger ID DEVICE FINGER\n"
          "                              enrol FINGER (right-thumb .. left-little) on the\n"
          "                              fingerprint scanner DEVICE and store the template;\n"
          "                              the scanner's lane must be in manual or closed mode\n"
          "Errors name the place in the input (\"members[3].passports[0].expiry: not a\n"
          "date\") and never quote personal data." },
};

static const char exit_status_help[] =
        "Exit status:\n"
        "  0  success\n"
        "  1  other failure\n"
        "  2  usage error, or an argument egated refused (InvalidArgument)\n"
        "  3  no such device, lane or member (NotFound)\n"
        "  4  permission denied (PermissionDenied, AccessDenied)\n"
        "  5  busy or claimed (Busy, AlreadyClaimed, NotClaimed, a claim lost)\n"
        "  6  device failure (DeviceFailed, Timeout, NoMedia, TryAgain, Cancelled)\n"
        "  7  egated is not running (no owner of org.egate.EGate1)\n";

static const char global_options_help[] =
        "Options:\n"
        "  -h --help            Show this help (after a command: the command's help)\n"
        "     --version         Show the version\n"
        "     --system          Talk to egated on the system bus (the default)\n"
        "     --user            Talk to egated on the session bus (egated --user)\n"
        "  -j --json            Print JSON: one document, or one object per line for\n"
        "                       monitor; member names are snake_case\n"
        "     --timeout SECS    How long to wait for each call (default 25)\n";

static void help_verb(const struct verb *v) {
        printf("Usage: egatectl [OPTIONS] %s%s%s\n\n%s.\n\n%s\n\n", v->name,
               *v->arguments ? " " : "", v->arguments, v->summary, v->description);
        if (v->options & OPT_KEEP_CLAIM)
                printf("Command options:\n"
                       "     --keep-claim      Keep holding the claim after the operation,\n"
                       "                       until interrupted\n");
        if (v->options & OPT_BUZZER)
                printf("     --buzzer          Sound the buzzer\n"
                       "     --message N       Show guidance message N (default 0: none)\n"
                       "     --language L      The message's language (BCP 47; default: the\n"
                       "                       indicator's own)\n");
        if (v->options & OPT_SINCE)
                printf("     --since TIME      Transactions that started (events: that happened)\n"
                       "                       at or after TIME\n"
                       "     --until TIME      ... and before TIME\n"
                       "     --limit N         list, events: at most N records or events, the\n"
                       "                       newest (default 100)\n"
                       "     --transaction ID  events: only those of transaction ID\n"
                       "     --events          export: the lane events, not the records\n");
        if (v->options & OPT_LIGHT)
                printf("     --light LIGHT     visible, infrared or ultraviolet (document\n"
                       "                       readers only; default visible)\n"
                       "  -o --output FILE     Write the image to FILE (required)\n");
        if (v->options)
                putchar('\n');
        printf("%s\n%s", global_options_help, exit_status_help);
}

static void help(void) {
        printf("Usage: egatectl [OPTIONS] COMMAND [ARGUMENTS...]\n"
               "\n"
               "Query and control egated, the e-gate daemon, over its D-Bus API\n"
               "(org.egate.EGate1). Device ids are the stable ids egated shows\n"
               "(e.g. mock-A1-entry-door); lanes go by their configured names.\n"
               "\n"
               "Commands:\n");
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++) {
                char synopsis[80];

                (void) snprintf(synopsis, sizeof(synopsis), "%s%s%s", verbs[i].name,
                                *verbs[i].arguments ? " " : "", verbs[i].arguments);
                if (strlen(synopsis) > 34)
                        printf("  %s\n  %-34s  %s\n", synopsis, "", verbs[i].summary);
                else
                        printf("  %-34s  %s\n", synopsis, verbs[i].summary);
        }
        printf("\nWithout a command: status. \"egatectl COMMAND --help\" describes COMMAND.\n\n"
               "%s\n%s\nSee egatectl(1).\n",
               global_options_help, exit_status_help);
}

static const struct verb *find_verb(const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                if (streq(verbs[i].name, name))
                        return &verbs[i];
        return NULL;
}

static int parse_timeout(const char *s, uint64_t *ret) {
        char *end;
        double seconds;

        errno = 0;
        seconds = strtod(s, &end);
        if (errno != 0 || end == s || *end || !isfinite(seconds) || seconds <= 0 ||
            seconds > 24 * 3600)
                return -EINVAL;
        *ret = (uint64_t) (seconds * 1e6);
        return *ret > 0 ? 0 : -EINVAL;
}

static int parse_message_id(const char *s, uint32_t *ret) {
        char *end;
        unsigned long long v;

        if (*s < '0' || *s > '9')
                return -EINVAL;
        errno = 0;
        v = strtoull(s, &end, 10);
        if (errno != 0 || *end || v > UINT32_MAX)
                return -EINVAL;
        *ret = (uint32_t) v;
        return 0;
}

enum {
        ARG_VERSION = 0x100,
        ARG_USER,
        ARG_SYSTEM,
        ARG_TIMEOUT,
        ARG_KEEP_CLAIM,
        ARG_BUZZER,
        ARG_MESSAGE,
        ARG_LANGUAGE,
        ARG_LIGHT,
        ARG_SINCE,
        ARG_UNTIL,
        ARG_LIMIT,
        ARG_TRANSACTION,
        ARG_EVENTS,
};

static const char *const option_names[] = {
        "--keep-claim", "--buzzer", "--message", "--language",    "--light",  "--output",
        "--since",      "--until",  "--limit",   "--transaction", "--events",
};

/* Returns 1 to go on, 0 when done (help, version), or an exit status as a negative number. */
static int parse_argv(int argc, char *argv[], bool *ret_help, unsigned *ret_used) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "user", no_argument, NULL, ARG_USER },
                { "system", no_argument, NULL, ARG_SYSTEM },
                { "json", no_argument, NULL, 'j' },
                { "timeout", required_argument, NULL, ARG_TIMEOUT },
                { "keep-claim", no_argument, NULL, ARG_KEEP_CLAIM },
                { "buzzer", no_argument, NULL, ARG_BUZZER },
                { "message", required_argument, NULL, ARG_MESSAGE },
                { "language", required_argument, NULL, ARG_LANGUAGE },
                { "light", required_argument, NULL, ARG_LIGHT },
                { "output", required_argument, NULL, 'o' },
                { "since", required_argument, NULL, ARG_SINCE },
                { "until", required_argument, NULL, ARG_UNTIL },
                { "limit", required_argument, NULL, ARG_LIMIT },
                { "transaction", required_argument, NULL, ARG_TRANSACTION },
                { "events", no_argument, NULL, ARG_EVENTS },
                {},
        };
        unsigned used = 0;
        int c;

        /* Options may come before or after the command, as with systemctl; "--" ends them. */
        opterr = 0;
        while ((c = getopt_long(argc, argv, ":hjo:", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        *ret_help = true;
                        break;
                case ARG_VERSION:
                        printf("egatectl %s (D-Bus API org.egate.EGate1)\n", EGATE_VERSION);
                        return 0;
                case ARG_USER:
                        arg.user_bus = true;
                        break;
                case ARG_SYSTEM:
                        arg.user_bus = false;
                        break;
                case 'j':
                        arg.json = true;
                        break;
                case ARG_TIMEOUT:
                        if (parse_timeout(optarg, &arg.timeout_usec) < 0) {
                                egctl_error("--timeout: '%s' is not a number of seconds "
                                            "(more than 0, at most 86400)",
                                            optarg);
                                return -EGCTL_EXIT_USAGE;
                        }
                        break;
                case ARG_KEEP_CLAIM:
                        arg.keep_claim = true;
                        used |= OPT_KEEP_CLAIM;
                        break;
                case ARG_BUZZER:
                        arg.buzzer = true;
                        used |= OPT_BUZZER;
                        break;
                case ARG_MESSAGE:
                        if (parse_message_id(optarg, &arg.message_id) < 0) {
                                egctl_error("--message: '%s' is not a message number "
                                            "(0 to 4294967295)",
                                            optarg);
                                return -EGCTL_EXIT_USAGE;
                        }
                        used |= OPT_MESSAGE;
                        break;
                case ARG_LANGUAGE:
                        arg.language = optarg;
                        used |= OPT_LANGUAGE;
                        break;
                case ARG_LIGHT:
                        arg.light = optarg;
                        used |= OPT_LIGHT;
                        break;
                case 'o':
                        arg.output = optarg;
                        used |= OPT_OUTPUT;
                        break;
                case ARG_SINCE:
                        arg.since = optarg;
                        used |= OPT_SINCE;
                        break;
                case ARG_UNTIL:
                        arg.until = optarg;
                        used |= OPT_UNTIL;
                        break;
                case ARG_LIMIT:
                        if (parse_message_id(optarg, &arg.limit) < 0 || arg.limit == 0 ||
                            arg.limit > 10000) {
                                egctl_error("--limit: '%s' is not a number from 1 to 10000",
                                            optarg);
                                return -EGCTL_EXIT_USAGE;
                        }
                        used |= OPT_LIMIT;
                        break;
                case ARG_TRANSACTION:
                        /* egated judges the id itself; "" would silently mean "all". */
                        if (!*optarg) {
                                egctl_error("--transaction: the transaction id is empty");
                                return -EGCTL_EXIT_USAGE;
                        }
                        arg.transaction = optarg;
                        used |= OPT_TRANSACTION;
                        break;
                case ARG_EVENTS:
                        arg.events = true;
                        used |= OPT_EVENTS;
                        break;
                case ':':
                        egctl_error("option '%s' needs an argument (see --help)", argv[optind - 1]);
                        return -EGCTL_EXIT_USAGE;
                default:
                        egctl_error("unknown option '%s' (see --help)", argv[optind - 1]);
                        return -EGCTL_EXIT_USAGE;
                }
        *ret_used = used;
        return 1;
}

int main(int argc, char *argv[]) {
        const struct verb *v;
        bool want_help = false;
        unsigned used = 0;
        char *default_argv[] = { (char *) "status", NULL };
        char **verb_argv;
        int verb_argc, r;

        r = parse_argv(argc, argv, &want_help, &used);
        if (r <= 0)
                return -r;
        verb_argv = argv + optind;
        verb_argc = argc - optind;
        if (verb_argc == 0) {
                if (want_help) {
                        help();
                        return EGCTL_EXIT_OK;
                }
                verb_argv = default_argv;
                verb_argc = 1;
        }

        v = find_verb(verb_argv[0]);
        if (!v) {
                egctl_error("unknown command '%s' (see --help)", verb_argv[0]);
                return EGCTL_EXIT_USAGE;
        }
        if (want_help) {
                help_verb(v);
                return EGCTL_EXIT_OK;
        }
        if (verb_argc < v->min_args || verb_argc > v->max_args) {
                egctl_error("%s: %s arguments: usage: egatectl %s %s (see egatectl %s --help)",
                            v->name, verb_argc < v->min_args ? "missing" : "too many", v->name,
                            v->arguments, v->name);
                return EGCTL_EXIT_USAGE;
        }
        for (size_t i = 0; i < ELEMENTSOF(option_names); i++)
                if ((used & (1u << i)) && !(v->options & (1u << i))) {
                        egctl_error("%s: %s does not apply to this command (see egatectl %s "
                                    "--help)",
                                    v->name, option_names[i], v->name);
                        return EGCTL_EXIT_USAGE;
                }

        r = v->run(verb_argc, verb_argv);
        if (fflush(stdout) != 0 && r == EGCTL_EXIT_OK) {
                egctl_error("cannot write to standard output: %m");
                r = EGCTL_EXIT_FAILURE;
        }
        return r;
}
