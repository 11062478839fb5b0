// JPEG encoding through libjpeg(-turbo), for the server's thumbnails. Errors longjmp back here
// (libjpeg's default error_exit() would call exit()), and the output lives in memory
// (jpeg_mem_dest) that the caller frees with vitrine_jpeg_free.
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>

#include "vitrine_image_shim.h"

typedef struct {
    struct jpeg_error_mgr manager;
    jmp_buf jump;
} encoder_error;

static void on_encode_error_exit(j_common_ptr cinfo) {
    encoder_error *error = (encoder_error *)cinfo->err;
    longjmp(error->jump, 1);
}

static void on_encode_message(j_common_ptr cinfo, int level) {
    (void)cinfo;
    (void)level; // the compressor's warnings concern nothing a caller could fix
}

int vitrine_jpeg_encode_rgb(const uint8_t *rgb, int width, int height, int quality, uint8_t **output,
                            size_t *output_size) {
    if (rgb == NULL || output == NULL || output_size == NULL || width <= 0 || height <= 0 || width > 65500 ||
        height > 65500 || quality < 1 || quality > 100) {
        return VITRINE_STATUS_INVALID_ARGUMENT;
    }
    *output = NULL;
    *output_size = 0;
    struct jpeg_compress_struct cinfo;
    encoder_error error;
    // Static storage, not a register: libjpeg updates it through a pointer and the error path reads it
    // after a longjmp. (Thread-local so concurrent encodes do not share it.)
    static _Thread_local unsigned char *destination;
    static _Thread_local unsigned long destination_size;
    destination = NULL;
    destination_size = 0;
    memset(&cinfo, 0, sizeof(cinfo));
    cinfo.err = jpeg_std_error(&error.manager);
    error.manager.error_exit = on_encode_error_exit;
    error.manager.emit_message = on_encode_message;
    if (setjmp(error.jump)) {
        jpeg_destroy_compress(&cinfo);
        free(destination);
        destination = NULL;
        return VITRINE_STATUS_OUT_OF_MEMORY;
    }
    jpeg_create_compress(&cinfo);
    jpeg_mem_dest(&cinfo, &destination, &destination_size);
    cinfo.image_width = (JDIMENSION)width;
    cinfo.image_height = (JDIMENSION)height;
    cinfo.input_components = 3;
    cinfo.in_color_space = JCS_RGB;
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, quality, TRUE);
    cinfo.optimize_coding = TRUE; // smaller files for a few percent more time: thumbnails are made once
    jpeg_start_compress(&cinfo, TRUE);
    size_t stride = (size_t)width * 3;
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW row = (JSAMPROW)(rgb + (size_t)cinfo.next_scanline * stride);
        jpeg_write_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    *output = destination;
    *output_size = destination_size;
    destination = NULL;
    return VITRINE_STATUS_OK;
}

void vitrine_jpeg_free(uint8_t *data) { free(data); }
