// PNG decoding through libpng's simplified png_image API, which reports failures as return
// codes plus a message (no longjmp needed here) and expands palette, grey, 16-bit, interlaced
// and tRNS images to one requested format.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>

#include "vitrine_image_shim.h"

struct vitrine_png_decoder {
    png_image image;
    const uint8_t *data;
    size_t size;
    int header_read;
    char message[128];
};

// Every PNG ends with an IEND chunk (zero length, "IEND", CRC). libpng's simplified reader stops
// after the image data, so a file cut inside its last chunks would otherwise pass: a file without
// a complete IEND chunk is reported as truncated, and so is any failure in such a file.
static int has_iend(const vitrine_png_decoder *decoder) {
    static const uint8_t chunk[8] = {0, 0, 0, 0, 'I', 'E', 'N', 'D'};
    if (decoder->size < 8 + 12) {
        return 0;
    }
    for (size_t at = decoder->size - 12; at >= 8; at--) { // trailing bytes after IEND happen
        if (memcmp(decoder->data + at, chunk, 8) == 0) {
            return 1;
        }
    }
    return 0;
}

static int failure(vitrine_png_decoder *decoder) {
    snprintf(decoder->message, sizeof decoder->message, "%s", decoder->image.message);
    png_image_free(&decoder->image);
    return has_iend(decoder) ? VITRINE_STATUS_CORRUPT : VITRINE_STATUS_TRUNCATED;
}

vitrine_png_decoder *vitrine_png_open(const uint8_t *data, size_t size) {
    vitrine_png_decoder *decoder = calloc(1, sizeof(vitrine_png_decoder));
    if (decoder == NULL) {
        return NULL;
    }
    decoder->image.version = PNG_IMAGE_VERSION;
    decoder->data = data;
    decoder->size = size;
    return decoder;
}

int vitrine_png_read_header(vitrine_png_decoder *decoder, int *width, int *height, int *has_alpha) {
    if (decoder == NULL || decoder->header_read) {
        return VITRINE_STATUS_INVALID_ARGUMENT;
    }
    if (!png_image_begin_read_from_memory(&decoder->image, decoder->data, decoder->size)) {
        return failure(decoder);
    }
    decoder->header_read = 1;
    *width = (int)decoder->image.width;
    *height = (int)decoder->image.height;
    *has_alpha = (decoder->image.format & PNG_FORMAT_FLAG_ALPHA) ? 1 : 0;
    return VITRINE_STATUS_OK;
}

// White background: out = (c·a + 255·(255 − a)) / 255, rounded, in the stored (sRGB) values,
// which is what compositing onto a white canvas in Pillow gives.
static void composite_onto_white(const uint8_t *rgba, uint8_t *rgb, size_t pixels) {
    for (size_t i = 0; i < pixels; i++) {
        unsigned alpha = rgba[4 * i + 3];
        unsigned background = 255u * (255u - alpha);
        for (int c = 0; c < 3; c++) {
            unsigned value = rgba[4 * i + c] * alpha + background;
            rgb[3 * i + c] = (uint8_t)((value + 127u) / 255u);
        }
    }
}

int vitrine_png_decode_rgb(vitrine_png_decoder *decoder, uint8_t *rgb, size_t capacity) {
    if (decoder == NULL || rgb == NULL || !decoder->header_read) {
        return VITRINE_STATUS_INVALID_ARGUMENT;
    }
    png_image *image = &decoder->image;
    size_t pixels = (size_t)image->width * image->height;
    if (pixels * 3 > capacity) {
        png_image_free(image);
        snprintf(decoder->message, sizeof decoder->message, "output buffer too small");
        return VITRINE_STATUS_INVALID_ARGUMENT;
    }
    // Without this flag libpng treats 16-bit samples as linear light and gamma-encodes them
    // on the way to 8 bits; Pillow (and every file we expect) stores them sRGB-encoded.
    image->flags |= PNG_IMAGE_FLAG_16BIT_sRGB;
    if (!has_iend(decoder)) {
        png_image_free(image);
        snprintf(decoder->message, sizeof decoder->message, "no IEND chunk at the end of the file");
        return VITRINE_STATUS_TRUNCATED;
    }
    int has_alpha = (image->format & PNG_FORMAT_FLAG_ALPHA) != 0;
    if (!has_alpha) {
        image->format = PNG_FORMAT_RGB;
        if (!png_image_finish_read(image, NULL, rgb, 0, NULL)) {
            return failure(decoder);
        }
        return VITRINE_STATUS_OK;
    }
    uint8_t *rgba = malloc(pixels * 4);
    if (rgba == NULL) {
        png_image_free(image);
        return VITRINE_STATUS_OUT_OF_MEMORY;
    }
    image->format = PNG_FORMAT_RGBA;
    if (!png_image_finish_read(image, NULL, rgba, 0, NULL)) {
        free(rgba);
        return failure(decoder);
    }
    composite_onto_white(rgba, rgb, pixels);
    free(rgba);
    return VITRINE_STATUS_OK;
}

const char *vitrine_png_message(const vitrine_png_decoder *decoder) {
    return decoder == NULL ? "" : decoder->message;
}

void vitrine_png_close(vitrine_png_decoder *decoder) {
    if (decoder == NULL) {
        return;
    }
    png_image_free(&decoder->image);
    free(decoder);
}
