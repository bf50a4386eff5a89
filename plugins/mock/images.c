/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "images.h"

#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>

#include "mock-macro.h"

struct canvas {
        unsigned width, height;
        uint8_t *pixels;
};

static void fill(struct canvas *c, unsigned x0, unsigned y0, unsigned w, unsigned h, uint8_t v) {
        for (unsigned y = y0; y < y0 + h && y < c->height; y++)
                for (unsigned x = x0; x < x0 + w && x < c->width; x++)
                        c->pixels[y * c->width + x] = v;
}

/* An ID-3 data page: portrait, text lines, the MRZ band.  Infrared shows
 * the (carbon) MRZ dark on a dimmer page; ultraviolet a dark page with a
 * bright fluorescent pattern. */
static void draw_page(struct canvas *c, enum eg_page_light light) {
        uint8_t paper = light == EG_LIGHT_VISIBLE ? 225 : light == EG_LIGHT_INFRARED ? 170 : 35;
        uint8_t ink = light == EG_LIGHT_ULTRAVIOLET ? 45 : 30;

        fill(c, 0, 0, c->width, c->height, paper);
        if (light == EG_LIGHT_ULTRAVIOLET)
                for (unsigned y = 0; y < c->height; y++)
                        for (unsigned x = 0; x < c->width; x++)
                                if ((x + 2 * y) % 23 == 0)
                                        c->pixels[y * c->width + x] = 220;
        fill(c, 12, 24, 56, 72, light == EG_LIGHT_ULTRAVIOLET ? 60 : 120);
        for (unsigned line = 0; line < 6; line++)
                fill(c, 80, 26 + line * 12, 90 + (line * 37) % 60, 5, ink);
        for (unsigned row = 0; row < 2; row++)
                for (unsigned ch = 0; ch < 44; ch++)
                        if ((ch * 7 + row * 3) % 5 != 0)
                                fill(c, 8 + ch * 5, 130 + row * 14, 4, 8, 15);
}

static void draw_finger(struct canvas *c) {
        int cx = (int) c->width / 2, cy = (int) c->height / 2;

        for (int y = 0; y < (int) c->height; y++)
                for (int x = 0; x < (int) c->width; x++) {
                        int dx = x - cx, dy = (y - cy) * 3 / 4;
                        int r2 = dx * dx + dy * dy;
                        uint8_t v = 255;

                        if (r2 < cx * cx)
                                v = ((r2 / 23) % 2) ? 70 : 205; /* ridges and valleys */
                        c->pixels[(unsigned) y * c->width + (unsigned) x] = v;
                }
}

static void draw_face(struct canvas *c) {
        int cx = (int) c->width / 2, cy = (int) c->height / 2;

        fill(c, 0, 0, c->width, c->height, 200);
        for (int y = 0; y < (int) c->height; y++)
                for (int x = 0; x < (int) c->width; x++) {
                        int dx = (x - cx) * 4, dy = (y - cy) * 3;

                        if (dx * dx + dy * dy < 110 * 110)
                                c->pixels[(unsigned) y * c->width + (unsigned) x] = 150;
                }
        fill(c, (unsigned) cx - 16, (unsigned) cy - 12, 8, 5, 40); /* eyes */
        fill(c, (unsigned) cx + 8, (unsigned) cy - 12, 8, 5, 40);
        fill(c, (unsigned) cx - 10, (unsigned) cy + 16, 20, 4, 90); /* mouth */
}

/* One drawn canvas kept per process: the loop thread draws, and captures of
 * the same kind, light and size reuse it. */
static struct {
        enum mock_image_kind kind;
        enum eg_page_light light;
        unsigned width, height;
        uint8_t *pixels;
} cache;

static bool cached_pixels_get(enum mock_image_kind kind, enum eg_page_light light,
                              struct canvas *c) {
        if (!cache.pixels || cache.kind != kind || cache.light != light ||
            cache.width != c->width || cache.height != c->height)
                return false;
        memcpy(c->pixels, cache.pixels, (size_t) c->width * c->height);
        return true;
}

static void cached_pixels_put(enum mock_image_kind kind, enum eg_page_light light,
                              const struct canvas *c) {
        uint8_t *copy = malloc((size_t) c->width * c->height);

        if (!copy)
                return; /* drawing again next time is fine */
        memcpy(copy, c->pixels, (size_t) c->width * c->height);
        free(cache.pixels);
        cache.pixels = copy;
        cache.kind = kind;
        cache.light = light;
        cache.width = c->width;
        cache.height = c->height;
}

void mock_images_forget(void) {
        free(cache.pixels);
        cache.pixels = NULL;
}

static int write_all(int fd, const void *p, size_t n) {
        const uint8_t *b = p;

        while (n > 0) {
                ssize_t k = write(fd, b, n);

                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                b += k;
                n -= (size_t) k;
        }
        return 0;
}

int mock_image_memfd_sized(enum mock_image_kind kind, enum eg_page_light light, const char *comment,
                           unsigned width, unsigned height, int *ret_fd) {
        static const struct {
                const char *name;
                unsigned width, height;
        } sizes[] = {
                [MOCK_IMAGE_PAGE] = { "egate-mock-page", 240, 168 },
                [MOCK_IMAGE_FINGER] = { "egate-mock-finger", 96, 112 },
                [MOCK_IMAGE_FACE] = { "egate-mock-face", 96, 128 },
        };
        _cleanup_(freep) uint8_t *pixels = NULL;
        _cleanup_(closep) int fd = -1;
        struct canvas c;
        char header[192];
        int n, r;

        if ((unsigned) kind >= ELEMENTSOF(sizes))
                return -EINVAL;

        c = (struct canvas){ .width = width ? width : sizes[kind].width,
                             .height = height ? height : sizes[kind].height };
        pixels = malloc((size_t) c.width * c.height);
        if (!pixels)
                return -ENOMEM;
        c.pixels = pixels;

        if (!cached_pixels_get(kind, light, &c)) {
                switch (kind) {
                case MOCK_IMAGE_PAGE:
                        draw_page(&c, light);
                        break;
                case MOCK_IMAGE_FINGER:
                        draw_finger(&c);
                        break;
                case MOCK_IMAGE_FACE:
                        draw_face(&c);
                        break;
                }
                cached_pixels_put(kind, light, &c);
        }

        n = snprintf(header, sizeof(header), "P5\n# egate-mock%s%s\n%u %u\n255\n",
                     comment ? " " : "", strempty(comment), c.width, c.height);
        if (n < 0 || (size_t) n >= sizeof(header))
                return -EINVAL;

        fd = memfd_create(sizes[kind].name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (fd < 0)
                return -errno;
        r = write_all(fd, header, (size_t) n);
        if (r < 0)
                return r;
        r = write_all(fd, pixels, (size_t) c.width * c.height);
        if (r < 0)
                return r;
        if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0)
                return -errno;
        if (lseek(fd, 0, SEEK_SET) < 0)
                return -errno;

        *ret_fd = TAKE_FD(fd);
        return 0;
}

int mock_image_memfd(enum mock_image_kind kind, enum eg_page_light light, const char *comment,
                     int *ret_fd) {
        return mock_image_memfd_sized(kind, light, comment, 0, 0, ret_fd);
}
