// JPEG decoding through libjpeg(-turbo) with every error path turned into a status code.
//
// libjpeg's default error_exit() prints and calls exit(); ours formats the message and
// longjmps back to the entry point that armed the jump buffer. Each public function arms it
// itself, so a decoder may be driven across several calls. Warnings ("Premature end of JPEG
// file", "Corrupt JPEG data: ...") are counted: libjpeg pads a truncated stream with grey and
// carries on, which must not pass silently.
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

#include "vitrine_image_shim.h"

struct vitrine_jpeg_decoder {
    struct jpeg_decompress_struct cinfo;
    struct jpeg_error_mgr error_manager;
    jmp_buf jump;
    int created;
    int header_read;
    int saw_end_of_file;    // libjpeg hit the end of the data and inserted a fake EOI
    int end_of_file_first;  // ...before any other warning: the data is cut short, not garbled
    int warning_count;
    char message[JMSG_LENGTH_MAX];
    char warning[JMSG_LENGTH_MAX];
};

static void on_error_exit(j_common_ptr cinfo) {
    vitrine_jpeg_decoder *decoder = (vitrine_jpeg_decoder *)cinfo->client_data;
    (*cinfo->err->format_message)(cinfo, decoder->message);
    longjmp(decoder->jump, 1);
}

static void on_emit_message(j_common_ptr cinfo, int level) {
    if (level >= 0) {
        return; // trace output, not a problem with the data
    }
    vitrine_jpeg_decoder *decoder = (vitrine_jpeg_decoder *)cinfo->client_data;
    decoder->warning_count += 1;
    cinfo->err->num_warnings += 1;
    if (cinfo->err->msg_code == JWRN_JPEG_EOF) {
        decoder->saw_end_of_file = 1;
        decoder->end_of_file_first = decoder->warning_count == 1;
    }
    if (decoder->warning[0] == '\0') {
        (*cinfo->err->format_message)(cinfo, decoder->warning);
    }
}

// A failure whose first symptom was running out of data is a truncation. Garbled entropy data
// can also make libjpeg scan to the end (looking for a marker), but then other warnings come first.
static int failure_status(vitrine_jpeg_decoder *decoder) {
    return decoder->end_of_file_first ? VITRINE_STATUS_TRUNCATED : VITRINE_STATUS_CORRUPT;
}

vitrine_jpeg_decoder *vitrine_jpeg_open(const uint8_t *data, size_t size) {
    // Volatile: read after the longjmp below (the pointer itself never changes).
    vitrine_jpeg_decoder *volatile decoder = calloc(1, sizeof(vitrine_jpeg_decoder));
    if (decoder == NULL) {
        return NULL;
    }
    decoder->cinfo.err = jpeg_std_error(&decoder->error_manager);
    decoder->error_manager.error_exit = on_error_exit;
    decoder->error_manager.emit_message = on_emit_message;
    decoder->cinfo.client_data = decoder;
    if (setjmp(decoder->jump)) {
        // jpeg_CreateDecompress fails only on allocation or version mismatch.
        free(decoder);
        return NULL;
    }
    // jpeg_create_decompress is a macro; the function behind it takes the version and size.
    jpeg_CreateDecompress(&decoder->cinfo, JPEG_LIB_VERSION, sizeof(decoder->cinfo));
    decoder->created = 1;
    jpeg_mem_src(&decoder->cinfo, data, (unsigned long)size);
    return decoder;
}

int vitrine_jpeg_read_header(vitrine_jpeg_decoder *decoder, vitrine_jpeg_info *info) {
    if (decoder == NULL || info == NULL || decoder->header_read) {
        return VITRINE_STATUS_INVALID_ARGUMENT;
    }
    if (setjmp(decoder->jump)) {
        return failure_status(decoder);
    }
    jpeg_save_markers(&decoder->cinfo, JPEG_APP0 + 1, 0xFFFF);
    jpeg_read_header(&decoder->cinfo, TRUE);
    decoder->header_read = 1;
    if (decoder->saw_end_of_file) {
        // A header that ran off the end: libjpeg only got this far on a fake EOI.
        snprintf(decoder->message, sizeof decoder->message, "%s", decoder->warning);
        return failure_status(decoder);
    }
    struct jpeg_decompress_struct *cinfo = &decoder->cinfo;
    info->width = (int)cinfo->image_width;
    info->height = (int)cinfo->image_height;
    info->components = cinfo->num_components;
    info->progressive = cinfo->progressive_mode ? 1 : 0;
    info->adobe_inverted = cinfo->saw_Adobe_marker ? 1 : 0;
    switch (cinfo->jpeg_color_space) {
    case JCS_GRAYSCALE:
        info->color = VITRINE_JPEG_GRAY;
        break;
    case JCS_YCbCr:
    case JCS_RGB:
        info->color = VITRINE_JPEG_RGB;
        break;
    case JCS_CMYK:
    case JCS_YCCK:
        info->color = VITRINE_JPEG_CMYK;
        break;
    default:
        snprintf(decoder->message, sizeof decoder->message,
                 "unsupported JPEG colour space %d with %d components",
                 (int)cinfo->jpeg_color_space, cinfo->num_components);
        return VITRINE_STATUS_UNSUPPORTED;
    }
    return VITRINE_STATUS_OK;
}

static int configure_output(vitrine_jpeg_decoder *decoder, int scale_numerator) {
    struct jpeg_decompress_struct *cinfo = &decoder->cinfo;
    cinfo->scale_num = (unsigned int)scale_numerator;
    cinfo->scale_denom = 8;
    // libjpeg converts YCCK to CMYK itself; CMYK to RGB is ours (below).
    cinfo->out_color_space =
        (cinfo->jpeg_color_space == JCS_CMYK || cinfo->jpeg_color_space == JCS_YCCK) ? JCS_CMYK : JCS_RGB;
    cinfo->dct_method = JDCT_ISLOW; // Pillow's default: keeps pixels identical to the reference
    cinfo->do_fancy_upsampling = TRUE;
    jpeg_calc_output_dimensions(cinfo);
    return VITRINE_STATUS_OK;
}

int vitrine_jpeg_scaled_size(vitrine_jpeg_decoder *decoder, int scale_numerator, int *width, int *height) {
    if (decoder == NULL || !decoder->header_read || scale_numerator < 1 || scale_numerator > 16) {
        return VITRINE_STATUS_INVALID_ARGUMENT;
    }
    if (setjmp(decoder->jump)) {
        return failure_status(decoder);
    }
    configure_output(decoder, scale_numerator);
    *width = (int)decoder->cinfo.output_width;
    *height = (int)decoder->cinfo.output_height;
    return VITRINE_STATUS_OK;
}

// (255 - C)(255 - K) / 255 with Pillow's rounding (Convert.c cmyk2rgb): the ink amounts are
// subtracted from white. Inverted (Adobe) files store 255 - ink, so they are flipped first.
static inline uint8_t ink_to_light(int ink, int key_light) {
    int product = ink * key_light + 128;
    int scaled = ((product >> 8) + product) >> 8;
    int value = key_light - scaled;
    return (uint8_t)(value < 0 ? 0 : (value > 255 ? 255 : value));
}

static void cmyk_row_to_rgb(const uint8_t *cmyk, uint8_t *rgb, int width, int inverted) {
    for (int x = 0; x < width; x++) {
        int c = cmyk[4 * x + 0], m = cmyk[4 * x + 1], y = cmyk[4 * x + 2], k = cmyk[4 * x + 3];
        if (inverted) {
            c = 255 - c;
            m = 255 - m;
            y = 255 - y;
            k = 255 - k;
        }
        int key_light = 255 - k;
        rgb[3 * x + 0] = ink_to_light(c, key_light);
        rgb[3 * x + 1] = ink_to_light(m, key_light);
        rgb[3 * x + 2] = ink_to_light(y, key_light);
    }
}

// The file ran out of data before the last scanline (libjpeg padded the rest).
static int premature_end(vitrine_jpeg_decoder *decoder) {
    snprintf(decoder->message, sizeof decoder->message, "%s",
             decoder->warning[0] ? decoder->warning : "Premature end of JPEG file");
    return decoder->saw_end_of_file ? failure_status(decoder) : VITRINE_STATUS_TRUNCATED;
}

// After the scanlines were read: running out of data is an error even when warnings are tolerated
// (the rest is padding); then the end marker; then, when strict, any warning. Called under the
// caller's setjmp (jpeg_finish_decompress may raise an error).
static int finish_decode(vitrine_jpeg_decoder *decoder, int strict) {
    struct jpeg_decompress_struct *cinfo = &decoder->cinfo;
    if (cinfo->output_scanline < cinfo->output_height || decoder->saw_end_of_file) {
        return premature_end(decoder);
    }
    jpeg_finish_decompress(cinfo);
    if (decoder->saw_end_of_file) {
        snprintf(decoder->message, sizeof decoder->message, "%s", decoder->warning);
        return failure_status(decoder);
    }
    if (strict && decoder->warning_count > 0) {
        snprintf(decoder->message, sizeof decoder->message, "%s", decoder->warning);
        return VITRINE_STATUS_CORRUPT;
    }
    return VITRINE_STATUS_OK;
}

int vitrine_jpeg_decode_rgb(vitrine_jpeg_decoder *decoder, int scale_numerator, uint8_t *rgb, size_t capacity, int strict) {
    if (decoder == NULL || rgb == NULL || !decoder->header_read || scale_numerator < 1 || scale_numerator > 16) {
        return VITRINE_STATUS_INVALID_ARGUMENT;
    }
    // Volatile: it is assigned after setjmp and read after a longjmp.
    uint8_t *volatile cmyk_row = NULL;
    if (setjmp(decoder->jump)) {
        free(cmyk_row);
        return failure_status(decoder);
    }
    struct jpeg_decompress_struct *cinfo = &decoder->cinfo;
    configure_output(decoder, scale_numerator);
    size_t width = cinfo->output_width, height = cinfo->output_height;
    if (width == 0 || height == 0 || width * height * 3 > capacity) {
        snprintf(decoder->message, sizeof decoder->message,
                 "output buffer of %zu bytes is too small for %zux%zu RGB", capacity, width, height);
        return VITRINE_STATUS_INVALID_ARGUMENT;
    }
    int is_cmyk = cinfo->out_color_space == JCS_CMYK;
    if (is_cmyk) {
        cmyk_row = malloc(width * 4);
        if (cmyk_row == NULL) {
            return VITRINE_STATUS_OUT_OF_MEMORY;
        }
    }
    jpeg_start_decompress(cinfo);
    while (cinfo->output_scanline < cinfo->output_height) {
        uint8_t *row = rgb + (size_t)cinfo->output_scanline * width * 3;
        if (is_cmyk) {
            JSAMPROW target = cmyk_row;
            if (jpeg_read_scanlines(cinfo, &target, 1) != 1) {
                break;
            }
            cmyk_row_to_rgb(cmyk_row, row, (int)width, cinfo->saw_Adobe_marker);
        } else {
            JSAMPROW target = row;
            if (jpeg_read_scanlines(cinfo, &target, 1) != 1) {
                break;
            }
        }
    }
    free(cmyk_row);
    cmyk_row = NULL;
    return finish_decode(decoder, strict);
}

int vitrine_jpeg_decode_rgb_region(vitrine_jpeg_decoder *decoder, int scale_numerator, int x, int y, int width,
                                   int height, uint8_t *rgb, size_t capacity, int strict, int *decoded_x,
                                   int *decoded_width) {
#if defined(LIBJPEG_TURBO_VERSION_NUMBER) && LIBJPEG_TURBO_VERSION_NUMBER >= 1005000
    if (decoder == NULL || rgb == NULL || decoded_x == NULL || decoded_width == NULL || !decoder->header_read ||
        scale_numerator < 1 || scale_numerator > 16 || x < 0 || y < 0 || width <= 0 || height <= 0) {
        return VITRINE_STATUS_INVALID_ARGUMENT;
    }
    // Volatile: assigned after setjmp and freed after a longjmp.
    uint8_t *volatile scratch = NULL;
    if (setjmp(decoder->jump)) {
        free(scratch);
        return failure_status(decoder);
    }
    struct jpeg_decompress_struct *cinfo = &decoder->cinfo;
    configure_output(decoder, scale_numerator);
    if (cinfo->out_color_space != JCS_RGB || (JDIMENSION)(x + width) > cinfo->output_width ||
        (JDIMENSION)(y + height) > cinfo->output_height) {
        snprintf(decoder->message, sizeof decoder->message, "region %dx%d+%d+%d does not fit the %ux%u RGB output",
                 width, height, x, y, cinfo->output_width, cinfo->output_height);
        return VITRINE_STATUS_INVALID_ARGUMENT;
    }
    jpeg_start_decompress(cinfo);
    // libjpeg widens the columns to whole iMCUs (xoffset down, width up).
    JDIMENSION xoffset = (JDIMENSION)x, columns = (JDIMENSION)width;
    if (columns < cinfo->output_width) jpeg_crop_scanline(cinfo, &xoffset, &columns);
    *decoded_x = (int)xoffset;
    *decoded_width = (int)cinfo->output_width; // the cropped width, after jpeg_crop_scanline
    size_t row_bytes = (size_t)cinfo->output_width * 3;
    if (row_bytes * (size_t)height > capacity) {
        snprintf(decoder->message, sizeof decoder->message,
                 "output buffer of %zu bytes is too small for %ux%d RGB", capacity, cinfo->output_width, height);
        jpeg_abort_decompress(cinfo);
        return VITRINE_STATUS_INVALID_ARGUMENT;
    }
    JDIMENSION total = cinfo->output_height;
    if (y > 0 && jpeg_skip_scanlines(cinfo, (JDIMENSION)y) != (JDIMENSION)y) return premature_end(decoder);
    for (int row = 0; row < height; row++) {
        JSAMPROW target = rgb + (size_t)row * row_bytes;
        if (jpeg_read_scanlines(cinfo, &target, 1) != 1) break;
    }
    // The rows below the region are read (cropped) into a scratch row: skipping to the end would let
    // libjpeg stop parsing, and corrupt or truncated data there must fail as in a full decode.
    // Skipping the rows above only spares their reconstruction.
    if (cinfo->output_scanline == (JDIMENSION)(y + height) && cinfo->output_scanline < total) {
        scratch = malloc(row_bytes);
        if (scratch == NULL) {
            jpeg_abort_decompress(cinfo);
            return VITRINE_STATUS_OUT_OF_MEMORY;
        }
        while (cinfo->output_scanline < total) {
            JSAMPROW target = scratch;
            if (jpeg_read_scanlines(cinfo, &target, 1) != 1) break;
        }
        free(scratch);
        scratch = NULL;
    }
    return finish_decode(decoder, strict);
#else
    (void)decoder; (void)scale_numerator; (void)x; (void)y; (void)width; (void)height; (void)rgb; (void)capacity;
    (void)strict; (void)decoded_x; (void)decoded_width;
    return VITRINE_STATUS_UNSUPPORTED; // IJG libjpeg has no cropping: callers decode whole images
#endif
}

const uint8_t *vitrine_jpeg_exif(const vitrine_jpeg_decoder *decoder, size_t *length) {
    if (decoder == NULL || length == NULL || !decoder->header_read) {
        return NULL;
    }
    for (jpeg_saved_marker_ptr marker = decoder->cinfo.marker_list; marker != NULL; marker = marker->next) {
        if (marker->marker == JPEG_APP0 + 1 && marker->data_length >= 6 &&
            memcmp(marker->data, "Exif\0\0", 6) == 0) {
            *length = marker->data_length;
            return marker->data;
        }
    }
    return NULL;
}

const char *vitrine_jpeg_message(const vitrine_jpeg_decoder *decoder) {
    return decoder == NULL ? "" : decoder->message;
}

void vitrine_jpeg_close(vitrine_jpeg_decoder *decoder) {
    if (decoder == NULL) {
        return;
    }
    if (decoder->created) {
        jpeg_destroy_decompress(&decoder->cinfo);
    }
    free(decoder);
}
