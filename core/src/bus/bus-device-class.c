/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The class interfaces of device objects (dbus/org.egate.EGate1.<Class>.xml).
 *
 * Each method checks the caller holds the device's claim, starts one device
 * operation and answers when it ends: the reply waits, the loop does not.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bus-call.h"
#include "bus-errors.h"
#include "bus-image.h"
#include "bus.h"
#include "log.h"
#include "manager.h"
#include "optical.h"

#define EG_BUS_APDU_MAX 65544 /* extended-length C-APDU: 4 + 3 + 65535 + 2 */
#define EG_BUS_TEMPLATE_MAX (1u << 20)

static const char *const class_interfaces[EG_CLASS_MAX_] = {
        [EG_CLASS_DOCUMENT_READER] = EG_BUS_IFACE("DocumentReader"),
        [EG_CLASS_CHIP_READER] = EG_BUS_IFACE("ChipReader"),
        [EG_CLASS_FINGERPRINT_SCANNER] = EG_BUS_IFACE("FingerprintScanner"),
        [EG_CLASS_CAMERA] = EG_BUS_IFACE("Camera"),
        [EG_CLASS_DOOR] = EG_BUS_IFACE("Door"),
        [EG_CLASS_PRESENCE_SENSOR] = EG_BUS_IFACE("PresenceSensor"),
        [EG_CLASS_INDICATOR] = EG_BUS_IFACE("Indicator"),
};

const char *eg_bus_class_interface(int device_class) {
        if (device_class <= EG_CLASS_INVALID || device_class >= EG_CLASS_MAX_)
                return NULL;
        return class_interfaces[device_class];
}

typedef int (*reply_fn)(sd_bus_message *call, struct eg_op_outcome *o, sd_bus_error *error);

struct pending_call {
        struct eg_bus_call call; /* first: the bus keeps it */
        reply_fn reply;
};

static void on_operation_done(struct eg_manager *m, const char *device_id, eg_op_id op,
                              struct eg_op_outcome *o, void *userdata) {
        struct pending_call *p = userdata;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        if (o->status < 0)
                r = eg_bus_call_operation_error(&p->call, o, &error);
        else
                r = p->reply(p->call.message, o, &error);
        if (r < 0 && !sd_bus_error_is_set(&error))
                r = eg_bus_reply_failed(p->call.message, r); /* no answer could be built */
        else if (r < 0)
                r = sd_bus_reply_method_error(p->call.message, &error);
        if (r < 0)
                log_device(LOG_DEBUG, r, strna(device_id), "cannot send the reply: %m");
        eg_bus_call_free(&p->call);
}

/*
 * The common path of every class method: the device must exist, be of this
 * class, be claimed by the caller and not be in a lane's use; then one
 * operation starts and the reply follows its outcome.
 */
static int start_operation(struct eg_bus *b, sd_bus_message *m, sd_bus_error *error,
                           const struct eg_op_args *args, reply_fn reply) {
        struct eg_device *d = eg_bus_find_device(b, sd_bus_message_get_path(m));
        const char *owner;
        struct pending_call *p;
        int r;

        if (!d)
                return sd_bus_error_set(error, EG_BUS_ERROR_NOT_FOUND, "the device went away");
        owner = eg_bus_claim_owner(b, d->id);
        if (!owner || !streq_ptr(owner, sd_bus_message_get_sender(m)))
                return sd_bus_error_setf(error, EG_BUS_ERROR_NOT_CLAIMED,
                                         "claim device %s first (org.egate.EGate1.Device.Claim)",
                                         d->id);
        /* Claim() refuses a device whose lane takes travellers, but a claim taken while the
         * lane was manual outlives a switch back to automatic (or the emergency input, or a
         * reload that puts the device in a lane): the pipeline drives the device then, and a
         * second driver could open, close or lock a door under it. */
        r = eg_bus_device_lane_busy(b, d, error);
        if (r < 0)
                return r;
        p = eg_bus_call_keep(b, m, sizeof(*p));
        if (!p)
                return -ENOMEM;
        p->reply = reply;
        r = eg_operation_start(b->manager, d->id, args, 0, on_operation_done, p, NULL);
        if (r < 0) {
                eg_bus_call_free(&p->call);
                return eg_bus_error_from_operation(error, r, NULL);
        }
        return 1; /* the reply follows the outcome */
}

static int reply_empty(sd_bus_message *call, struct eg_op_outcome *o, sd_bus_error *error) {
        return sd_bus_reply_method_return(call, NULL);
}

static int reply_image(sd_bus_message *call, struct eg_op_outcome *o, sd_bus_error *error) {
        _cleanup_(closep) int fd = -1;

        if (o->fd < 0)
                return sd_bus_error_set(error, EG_BUS_ERROR_DEVICE_FAILED,
                                        "the device returned no image");
        fd = eg_image_seal(TAKE_FD(o->fd));
        if (fd < 0)
                return sd_bus_error_setf(error, EG_BUS_ERROR_DEVICE_FAILED,
                                         "the device returned an unusable image: %s",
                                         strerror(-fd));
        return sd_bus_reply_method_return(call, "hs", fd,
                                          o->format && eg_string_is_safe(o->format, 64)
                                                  ? o->format
                                                  : "application/octet-stream");
}

static int reply_bytes(sd_bus_message *call, struct eg_op_outcome *o, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_message_new_method_return(call, &reply);
        if (r >= 0)
                r = sd_bus_message_append_array(reply, 'y', o->data ? o->data : (void *) "",
                                                o->data_len);
        if (r >= 0)
                r = sd_bus_send(NULL, reply, NULL);
        return r;
}

/* MRZ text comes from hardware: only the MRZ alphabet and line breaks go out. */
static bool mrz_text_is_sane(const char *s) {
        if (!s || !*s || strlen(s) > 3 * 45)
                return false;
        for (; *s; s++)
                if (!((*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '<' ||
                      *s == '\n'))
                        return false;
        return true;
}

static int reply_mrz(sd_bus_message *call, struct eg_op_outcome *o, sd_bus_error *error) {
        if (!mrz_text_is_sane(o->text))
                return sd_bus_error_set(error, EG_BUS_ERROR_DEVICE_FAILED,
                                        "the reader returned text that is not an MRZ");
        return sd_bus_reply_method_return(call, "s", o->text);
}

static int append_optical_checks(sd_bus_message *reply, uint32_t mask) {
        int r = sd_bus_message_open_container(reply, 'a', "s");

        for (unsigned c = 0; r >= 0 && c < EG_OPTICAL_MAX_; c++)
                if (mask & EG_OPTICAL_BIT(c))
                        r = sd_bus_message_append(reply, "s", eg_optical_check_to_string(c));
        return r < 0 ? r : sd_bus_message_close_container(reply);
}

/* The model and the verdicts were screened by the host (host.c) when the plugin answered. */
static int reply_inspection(sd_bus_message *call, struct eg_op_outcome *o, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_message_new_method_return(call, &reply);
        if (r >= 0)
                r = sd_bus_message_append(reply, "s", o->document_model ? o->document_model : "");
        if (r >= 0)
                r = append_optical_checks(reply, o->optical_passed);
        if (r >= 0)
                r = append_optical_checks(reply, o->optical_failed);
        if (r >= 0)
                r = append_optical_checks(reply, o->optical_undetermined);
        if (r >= 0)
                r = sd_bus_send(NULL, reply, NULL);
        return r;
}

static int reply_template(sd_bus_message *call, struct eg_op_outcome *o, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        if (!o->data || o->data_len == 0)
                return sd_bus_error_set(error, EG_BUS_ERROR_DEVICE_FAILED,
                                        "the scanner returned no template");
        r = sd_bus_message_new_method_return(call, &reply);
        if (r >= 0)
                r = sd_bus_message_append_array(reply, 'y', o->data, o->data_len);
        if (r >= 0)
                r = sd_bus_message_append(
                        reply, "s", o->format && eg_string_is_safe(o->format, 64) ? o->format : "");
        if (r >= 0)
                r = sd_bus_send(NULL, reply, NULL);
        return r;
}

static int reply_verify(sd_bus_message *call, struct eg_op_outcome *o, sd_bus_error *error) {
        return sd_bus_reply_method_return(call, "bdd", o->match, o->score, o->threshold);
}

static int reply_count(sd_bus_message *call, struct eg_op_outcome *o, sd_bus_error *error) {
        return sd_bus_reply_method_return(call, "x", o->value);
}

#define ARGS(k)                                                                                    \
        { .size = sizeof(struct eg_op_args), .kind = (k) }

static int method_read_mrz(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        struct eg_op_args a = ARGS(EG_OP_DOCUMENT_READ_MRZ);
        return start_operation(userdata, m, error, &a, reply_mrz);
}

static int method_capture_page(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        struct eg_op_args a = ARGS(EG_OP_DOCUMENT_CAPTURE_PAGE);
        const char *light;
        int r;

        r = sd_bus_message_read(m, "s", &light);
        if (r < 0)
                return r;
        if (streq(light, "visible"))
                a.light = EG_LIGHT_VISIBLE;
        else if (streq(light, "infrared"))
                a.light = EG_LIGHT_INFRARED;
        else if (streq(light, "ultraviolet"))
                a.light = EG_LIGHT_ULTRAVIOLET;
        else
                return sd_bus_error_set(error, EG_BUS_ERROR_INVALID_ARGUMENT,
                                        "light must be visible, infrared or ultraviolet");
        return start_operation(userdata, m, error, &a, reply_image);
}

static int method_inspect(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        struct eg_op_args a = ARGS(EG_OP_DOCUMENT_INSPECT);
        return start_operation(userdata, m, error, &a, reply_inspection);
}

static int method_chip_connect(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        struct eg_op_args a = ARGS(EG_OP_CHIP_CONNECT);
        return start_operation(userdata, m, error, &a, reply_bytes);
}

static int method_chip_transmit(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        struct eg_op_args a = ARGS(EG_OP_CHIP_TRANSMIT);
        const void *apdu;
        size_t len;
        int r;

        r = sd_bus_message_read_array(m, 'y', &apdu, &len);
        if (r < 0)
                return r;
        if (len < 4 || len > EG_BUS_APDU_MAX)
                return sd_bus_error_setf(error, EG_BUS_ERROR_INVALID_ARGUMENT,
                                         "an APDU has 4 to %d bytes, not %zu", EG_BUS_APDU_MAX,
                                         len);
        a.data = apdu;
        a.data_len = len;
        return start_operation(userdata, m, error, &a, reply_bytes);
}

static int method_chip_disconnect(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        struct eg_op_args a = ARGS(EG_OP_CHIP_DISCONNECT);
        return start_operation(userdata, m, error, &a, reply_empty);
}

static const char *const finger_names[] = {
        "any",        "right-thumb", "right-index", "right-middle", "right-ring",  "right-little",
        "left-thumb", "left-index",  "left-middle", "left-ring",    "left-little",
};

/* ISO/IEC 19794-2 finger positions: 0 unknown, 1..10 right thumb .. left little. */
static int finger_from_string(const char *s) {
        for (size_t i = 0; i < ELEMENTSOF(finger_names); i++)
                if (streq(s, finger_names[i]))
                        return (int) i;
        return -EINVAL;
}

static int method_finger_capture(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        struct eg_op_args a = ARGS(EG_OP_FINGER_CAPTURE);
        return start_operation(userdata, m, error, &a, reply_image);
}

static int method_finger_enroll(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        struct eg_op_args a = ARGS(EG_OP_FINGER_ENROLL);
        const char *finger;
        int r;

        r = sd_bus_message_read(m, "s", &finger);
        if (r < 0)
                return r;
        r = finger_from_string(finger);
        if (r < 0)
                return sd_bus_error_set(error, EG_BUS_ERROR_INVALID_ARGUMENT,
                                        "unknown finger (e.g. right-index, left-thumb, any)");
        a.finger = r;
        return start_operation(userdata, m, error, &a, reply_template);
}

static int method_finger_verify(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        struct eg_op_args a = ARGS(EG_OP_FINGER_VERIFY);
        const char *format, *finger;
        const void *tmpl;
        size_t len;
        int r;

        r = sd_bus_message_read_array(m, 'y', &tmpl, &len);
        if (r >= 0)
                r = sd_bus_message_read(m, "ss", &format, &finger);
        if (r < 0)
                return r;
        if (len == 0 || len > EG_BUS_TEMPLATE_MAX)
                return sd_bus_error_setf(error, EG_BUS_ERROR_INVALID_ARGUMENT,
                                         "a template has 1 to %u bytes", EG_BUS_TEMPLATE_MAX);
        if (!eg_string_is_safe(format, 64) || !*format)
                return sd_bus_error_set(error, EG_BUS_ERROR_INVALID_ARGUMENT,
                                        "the template format must be named");
        r = finger_from_string(finger);
        if (r < 0)
                return sd_bus_error_set(error, EG_BUS_ERROR_INVALID_ARGUMENT,
                                        "unknown finger (e.g. right-index, left-thumb, any)");
        a.finger = r;
        a.data = tmpl;
        a.data_len = len;
        a.format = format;
        return start_operation(userdata, m, error, &a, reply_verify);
}

static int method_camera_capture(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        struct eg_op_args a = ARGS(EG_OP_CAMERA_CAPTURE);
        return start_operation(userdata, m, error, &a, reply_image);
}

static int door_method(sd_bus_message *m, void *userdata, sd_bus_error *error,
                       enum eg_op_kind kind) {
        struct eg_op_args a = ARGS(kind);
        return start_operation(userdata, m, error, &a, reply_empty);
}

static int method_door_open(sd_bus_message *m, void *u, sd_bus_error *e) {
        return door_method(m, u, e, EG_OP_DOOR_OPEN);
}
static int method_door_close(sd_bus_message *m, void *u, sd_bus_error *e) {
        return door_method(m, u, e, EG_OP_DOOR_CLOSE);
}
static int method_door_lock(sd_bus_message *m, void *u, sd_bus_error *e) {
        return door_method(m, u, e, EG_OP_DOOR_LOCK);
}
static int method_door_safe_state(sd_bus_message *m, void *u, sd_bus_error *e) {
        return door_method(m, u, e, EG_OP_DOOR_SAFE_STATE);
}

static int method_presence_read(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        struct eg_op_args a = ARGS(EG_OP_PRESENCE_READ);
        const char *zone;
        int r;

        r = sd_bus_message_read(m, "s", &zone);
        if (r < 0)
                return r;
        if (*zone && !eg_string_is_safe(zone, 64))
                return sd_bus_error_set(error, EG_BUS_ERROR_INVALID_ARGUMENT, "invalid zone name");
        a.zone = *zone ? zone : NULL;
        return start_operation(userdata, m, error, &a, reply_count);
}

static int method_indicator_set(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        static const char *const colours[] = { "off", "green", "red", "yellow", "white" };
        static const char *const patterns[] = { "steady", "slow-flash", "fast-flash" };
        struct eg_op_args a = ARGS(EG_OP_INDICATOR_SET);
        const char *colour, *pattern, *language;
        int buzzer, r;
        uint32_t message_id;
        size_t i;

        r = sd_bus_message_read(m, "ssbus", &colour, &pattern, &buzzer, &message_id, &language);
        if (r < 0)
                return r;
        for (i = 0; i < ELEMENTSOF(colours) && !streq(colour, colours[i]); i++)
                ;
        if (i == ELEMENTSOF(colours))
                return sd_bus_error_set(error, EG_BUS_ERROR_INVALID_ARGUMENT,
                                        "colour must be off, green, red, yellow or white");
        a.colour = (enum eg_indicator_colour) i;
        for (i = 0; i < ELEMENTSOF(patterns) && !streq(pattern, patterns[i]); i++)
                ;
        if (i == ELEMENTSOF(patterns))
                return sd_bus_error_set(error, EG_BUS_ERROR_INVALID_ARGUMENT,
                                        "pattern must be steady, slow-flash or fast-flash");
        a.pattern = (enum eg_indicator_pattern) i;
        if (strlen(language) > 35 || !eg_string_is_safe(language, 35))
                return sd_bus_error_set(error, EG_BUS_ERROR_INVALID_ARGUMENT,
                                        "language must be a BCP 47 tag");
        a.buzzer = buzzer;
        a.message_id = message_id;
        a.language = *language ? language : NULL;
        return start_operation(userdata, m, error, &a, reply_empty);
}

/* Properties fed by device events. */
static int property_bool(sd_bus *bus, const char *path, const char *iface, const char *property,
                         sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        struct eg_device *d = eg_bus_find_device(userdata, path);
        bool v = false;

        if (!d)
                return sd_bus_error_set(error, EG_BUS_ERROR_NOT_FOUND, "the device went away");
        if (streq(property, "DocumentPresent"))
                v = d->document_present;
        else if (streq(property, "ChipPresent"))
                v = d->chip_present;
        else if (streq(property, "FingerPresent"))
                v = d->finger_present;
        else if (streq(property, "Forced"))
                v = d->door_forced;
        return sd_bus_message_append(reply, "b", v);
}

static const char *door_position_to_string(enum eg_door_position p) {
        switch (p) {
        case EG_DOOR_POSITION_CLOSED:
                return "closed";
        case EG_DOOR_POSITION_OPEN:
                return "open";
        case EG_DOOR_POSITION_MOVING:
                return "moving";
        default:
                return "unknown";
        }
}

static int property_door(sd_bus *bus, const char *path, const char *iface, const char *property,
                         sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        struct eg_device *d = eg_bus_find_device(userdata, path);
        const char *v;

        if (!d)
                return sd_bus_error_set(error, EG_BUS_ERROR_NOT_FOUND, "the device went away");
        if (streq(property, "Position"))
                v = door_position_to_string(d->door_position);
        else if (streq(property, "LockState"))
                v = d->door_lock == EG_DOOR_LOCK_LOCKED     ? "locked"
                    : d->door_lock == EG_DOOR_LOCK_UNLOCKED ? "unlocked"
                                                            : "unknown";
        else
                v = d->fail_mode == EG_DOOR_FAIL_SAFE ? "safe" : "secure";
        return sd_bus_message_append(reply, "s", v);
}

static int property_zones(sd_bus *bus, const char *path, const char *iface, const char *property,
                          sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        struct eg_device *d = eg_bus_find_device(userdata, path);
        int r;

        if (!d)
                return sd_bus_error_set(error, EG_BUS_ERROR_NOT_FOUND, "the device went away");
        r = sd_bus_message_open_container(reply, 'a', "{sx}");
        for (size_t i = 0; r >= 0 && i < d->n_zones; i++)
                r = sd_bus_message_append(reply, "{sx}", d->zones[i].zone, d->zones[i].count);
        if (r < 0)
                return r;
        return sd_bus_message_close_container(reply);
}

#define M(name, in, in_names, out, out_names, fn)                                                  \
        SD_BUS_METHOD_WITH_NAMES(name, in, in_names, out, out_names, fn, SD_BUS_VTABLE_UNPRIVILEGED)

static const sd_bus_vtable document_reader_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("DocumentPresent", "b", property_bool, 0,
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        M("ReadMrz", "", "", "s", SD_BUS_PARAM(mrz), method_read_mrz),
        M("CapturePage", "s", SD_BUS_PARAM(light), "hs",
          SD_BUS_PARAM(image) SD_BUS_PARAM(mime_type), method_capture_page),
        M("Inspect", "", "", "sasasas",
          SD_BUS_PARAM(model) SD_BUS_PARAM(passed) SD_BUS_PARAM(failed) SD_BUS_PARAM(undetermined),
          method_inspect),
        SD_BUS_SIGNAL("DocumentPlaced", "", 0),
        SD_BUS_SIGNAL("DocumentRemoved", "", 0),
        SD_BUS_VTABLE_END,
};

static const sd_bus_vtable chip_reader_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("ChipPresent", "b", property_bool, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        M("Connect", "", "", "ay", SD_BUS_PARAM(atr), method_chip_connect),
        M("Transmit", "ay", SD_BUS_PARAM(command), "ay", SD_BUS_PARAM(response),
          method_chip_transmit),
        M("Disconnect", "", "", "", "", method_chip_disconnect),
        SD_BUS_SIGNAL("ChipArrived", "", 0),
        SD_BUS_SIGNAL("ChipRemoved", "", 0),
        SD_BUS_VTABLE_END,
};

static const sd_bus_vtable fingerprint_scanner_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("FingerPresent", "b", property_bool, 0,
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        M("Capture", "", "", "hs", SD_BUS_PARAM(image) SD_BUS_PARAM(mime_type),
          method_finger_capture),
        M("Enroll", "s", SD_BUS_PARAM(finger), "ays", SD_BUS_PARAM(template) SD_BUS_PARAM(format),
          method_finger_enroll),
        M("Verify", "ayss", SD_BUS_PARAM(template) SD_BUS_PARAM(format) SD_BUS_PARAM(finger), "bdd",
          SD_BUS_PARAM(match) SD_BUS_PARAM(score) SD_BUS_PARAM(threshold), method_finger_verify),
        SD_BUS_SIGNAL("FingerPlaced", "", 0),
        SD_BUS_SIGNAL("FingerRemoved", "", 0),
        SD_BUS_VTABLE_END,
};

static const sd_bus_vtable camera_vtable[] = {
        SD_BUS_VTABLE_START(0),
        M("Capture", "", "", "hs", SD_BUS_PARAM(image) SD_BUS_PARAM(mime_type),
          method_camera_capture),
        SD_BUS_VTABLE_END,
};

static const sd_bus_vtable door_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Position", "s", property_door, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("LockState", "s", property_door, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("FailMode", "s", property_door, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Forced", "b", property_bool, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        M("Open", "", "", "", "", method_door_open),
        M("Close", "", "", "", "", method_door_close),
        M("Lock", "", "", "", "", method_door_lock),
        M("SafeState", "", "", "", "", method_door_safe_state),
        SD_BUS_SIGNAL("ForcedOpen", "", 0),
        SD_BUS_SIGNAL("HeldOpen", "", 0),
        SD_BUS_SIGNAL_WITH_NAMES("Emergency", "b", SD_BUS_PARAM(active), 0),
        SD_BUS_VTABLE_END,
};

static const sd_bus_vtable presence_sensor_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Zones", "a{sx}", property_zones, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        M("Read", "s", SD_BUS_PARAM(zone), "x", SD_BUS_PARAM(count), method_presence_read),
        SD_BUS_SIGNAL_WITH_NAMES("OccupancyChanged", "sx", SD_BUS_PARAM(zone) SD_BUS_PARAM(count),
                                 0),
        SD_BUS_SIGNAL_WITH_NAMES("BeamChanged", "sb", SD_BUS_PARAM(beam) SD_BUS_PARAM(broken), 0),
        SD_BUS_SIGNAL_WITH_NAMES("Emergency", "b", SD_BUS_PARAM(active), 0),
        SD_BUS_VTABLE_END,
};

static const sd_bus_vtable indicator_vtable[] = {
        SD_BUS_VTABLE_START(0),
        M("Set", "ssbus",
          SD_BUS_PARAM(colour) SD_BUS_PARAM(pattern) SD_BUS_PARAM(buzzer) SD_BUS_PARAM(message_id)
                  SD_BUS_PARAM(language),
          "", "", method_indicator_set),
        SD_BUS_VTABLE_END,
};

static const sd_bus_vtable *const class_vtables[EG_CLASS_MAX_] = {
        [EG_CLASS_DOCUMENT_READER] = document_reader_vtable,
        [EG_CLASS_CHIP_READER] = chip_reader_vtable,
        [EG_CLASS_FINGERPRINT_SCANNER] = fingerprint_scanner_vtable,
        [EG_CLASS_CAMERA] = camera_vtable,
        [EG_CLASS_DOOR] = door_vtable,
        [EG_CLASS_PRESENCE_SENSOR] = presence_sensor_vtable,
        [EG_CLASS_INDICATOR] = indicator_vtable,
};

/* Only devices of the interface's class carry it. */
static int find_class_device(sd_bus *bus, const char *path, const char *iface, void *userdata,
                             void **ret, sd_bus_error *error) {
        struct eg_device *d = eg_bus_find_device(userdata, path);

        if (!d || !streq_ptr(eg_bus_class_interface(d->device_class), iface))
                return 0;
        *ret = userdata;
        return 1;
}

int eg_bus_device_class_register(struct eg_bus *b) {
        for (int c = EG_CLASS_DOCUMENT_READER; c < EG_CLASS_MAX_; c++) {
                int r = sd_bus_add_fallback_vtable(b->bus, &b->slots[b->n_slots++],
                                                   EG_BUS_DEVICE_PREFIX, class_interfaces[c],
                                                   class_vtables[c], find_class_device, b);
                if (r < 0)
                        return r;
        }
        return 0;
}

void eg_bus_device_class_event(struct eg_bus *b, struct eg_device *d, const void *event) {
        const struct eg_event *e = event;
        _cleanup_free_ char *path = eg_bus_device_path(d->id);
        const char *iface = eg_bus_class_interface(d->device_class);

        if (!path || !iface)
                return;
        switch (e->type) {
        case EG_EVENT_DOCUMENT_PRESENT:
        case EG_EVENT_DOCUMENT_REMOVED:
                (void) sd_bus_emit_signal(b->bus, path, iface,
                                          e->type == EG_EVENT_DOCUMENT_PRESENT ? "DocumentPlaced"
                                                                               : "DocumentRemoved",
                                          NULL);
                (void) sd_bus_emit_properties_changed(b->bus, path, iface, "DocumentPresent", NULL);
                break;
        case EG_EVENT_CHIP_PRESENT:
        case EG_EVENT_CHIP_REMOVED:
                (void) sd_bus_emit_signal(
                        b->bus, path, iface,
                        e->type == EG_EVENT_CHIP_PRESENT ? "ChipArrived" : "ChipRemoved", NULL);
                (void) sd_bus_emit_properties_changed(b->bus, path, iface, "ChipPresent", NULL);
                break;
        case EG_EVENT_FINGER_PRESENT:
        case EG_EVENT_FINGER_REMOVED:
                (void) sd_bus_emit_signal(b->bus, path, iface,
                                          e->type == EG_EVENT_FINGER_PRESENT ? "FingerPlaced"
                                                                             : "FingerRemoved",
                                          NULL);
                (void) sd_bus_emit_properties_changed(b->bus, path, iface, "FingerPresent", NULL);
                break;
        case EG_EVENT_DOOR_POSITION:
                (void) sd_bus_emit_properties_changed(b->bus, path, iface, "Position", "Forced",
                                                      NULL);
                break;
        case EG_EVENT_DOOR_LOCK:
                (void) sd_bus_emit_properties_changed(b->bus, path, iface, "LockState", NULL);
                break;
        case EG_EVENT_DOOR_FORCED:
                (void) sd_bus_emit_signal(b->bus, path, iface, "ForcedOpen", NULL);
                (void) sd_bus_emit_properties_changed(b->bus, path, iface, "Forced", NULL);
                break;
        case EG_EVENT_DOOR_HELD_OPEN:
                (void) sd_bus_emit_signal(b->bus, path, iface, "HeldOpen", NULL);
                break;
        case EG_EVENT_OCCUPANCY:
                (void) sd_bus_emit_signal(b->bus, path, iface, "OccupancyChanged", "sx",
                                          e->zone ? e->zone : "", (int64_t) e->value);
                (void) sd_bus_emit_properties_changed(b->bus, path, iface, "Zones", NULL);
                break;
        case EG_EVENT_BEAM:
                (void) sd_bus_emit_signal(b->bus, path, iface, "BeamChanged", "sb",
                                          e->zone ? e->zone : "", e->value != 0);
                break;
        case EG_EVENT_EMERGENCY:
                if (d->device_class == EG_CLASS_DOOR || d->device_class == EG_CLASS_PRESENCE_SENSOR)
                        (void) sd_bus_emit_signal(b->bus, path, iface, "Emergency", "b",
                                                  e->value != 0);
                break;
        default:
                break;
        }
}
