#ifndef VITRINE_IMAGE_SHIM_H
#define VITRINE_IMAGE_SHIM_H
// C side of image decoding. libjpeg reports errors by calling error_exit(), whose default
// implementation calls exit(); the only way back is setjmp/longjmp, which Swift cannot do.
// libpng's simplified API returns codes, but its structs and macros are easier to drive from C.
// The resampling inner loops live here too: they are plain integer arithmetic, and C without
// bounds checks lets the compiler vectorize them in every build configuration.
#include <stddef.h>
#include <stdint.h>

/// Outcome of a shim call. Swift maps each onto a case of ImageDecodingError.
typedef enum {
    VITRINE_STATUS_OK = 0,
    VITRINE_STATUS_CORRUPT = 1,
    VITRINE_STATUS_TRUNCATED = 2,
    VITRINE_STATUS_UNSUPPORTED = 3,
    VITRINE_STATUS_OUT_OF_MEMORY = 4,
    VITRINE_STATUS_INVALID_ARGUMENT = 5
} vitrine_status;

/// Colour model of the JPEG's components, as libjpeg sees them.
typedef enum {
    VITRINE_JPEG_GRAY = 1,
    VITRINE_JPEG_RGB = 2,  // YCbCr or RGB in the file; libjpeg converts to RGB
    VITRINE_JPEG_CMYK = 3, // CMYK or YCCK in the file; converted to RGB by the shim
} vitrine_jpeg_color;

/// Header facts read before any pixel buffer is allocated.
typedef struct {
    int width;
    int height;
    int components;
    int color; // vitrine_jpeg_color
    int progressive;
    int adobe_inverted; // 1 when an Adobe APP14 marker says CMYK values are stored inverted
} vitrine_jpeg_info;

/// An in-progress JPEG decode over a caller-owned byte buffer that must outlive it.
typedef struct vitrine_jpeg_decoder vitrine_jpeg_decoder;

/// Creates a decoder over `data` (not copied). Returns NULL only when out of memory.
vitrine_jpeg_decoder *vitrine_jpeg_open(const uint8_t *data, size_t size);
/// Reads the header (and saves APP1 markers for EXIF). Allocates no pixel memory.
int vitrine_jpeg_read_header(vitrine_jpeg_decoder *decoder, vitrine_jpeg_info *info);
/// Output size when decoding with DCT scaling `scale_numerator`/8 (1...16).
int vitrine_jpeg_scaled_size(vitrine_jpeg_decoder *decoder, int scale_numerator, int *width, int *height);
/// Decodes to interleaved RGB8 at `scale_numerator`/8 into `rgb` (capacity bytes).
/// `strict`: any libjpeg warning (corrupt entropy data, extraneous bytes) becomes an error.
/// A premature end of data is always reported as VITRINE_STATUS_TRUNCATED.
int vitrine_jpeg_decode_rgb(vitrine_jpeg_decoder *decoder, int scale_numerator, uint8_t *rgb, size_t capacity, int strict);
/// The first APP1 marker that starts with "Exif\0\0" (payload after the marker length), or NULL.
/// Decodes only rows [y, y + height) and the iMCU columns covering [x, x + width) of the N/8-scaled
/// RGB output (libjpeg-turbo's jpeg_crop_scanline / jpeg_skip_scanlines: skipped parts are entropy-
/// decoded but not reconstructed, so errors are found as in a full decode). The decoded columns are
/// [*decoded_x, *decoded_x + *decoded_width), rows `height`, packed (row stride *decoded_width·3).
/// Not for CMYK files. Returns VITRINE_STATUS_UNSUPPORTED with a libjpeg that cannot crop.
int vitrine_jpeg_decode_rgb_region(vitrine_jpeg_decoder *decoder, int scale_numerator, int x, int y, int width,
                                   int height, uint8_t *rgb, size_t capacity, int strict, int *decoded_x,
                                   int *decoded_width);
/// Valid between vitrine_jpeg_read_header and vitrine_jpeg_decode_rgb (libjpeg frees markers when done).
const uint8_t *vitrine_jpeg_exif(const vitrine_jpeg_decoder *decoder, size_t *length);
/// libjpeg's message for the last failure (empty when none).
const char *vitrine_jpeg_message(const vitrine_jpeg_decoder *decoder);
/// Releases the decoder. NULL is allowed.
void vitrine_jpeg_close(vitrine_jpeg_decoder *decoder);

/// An in-progress PNG decode over a caller-owned byte buffer (libpng's simplified API).
typedef struct vitrine_png_decoder vitrine_png_decoder;

/// Creates a decoder over `data` (not copied). Returns NULL only when out of memory.
vitrine_png_decoder *vitrine_png_open(const uint8_t *data, size_t size);
/// Reads the header: size and whether the image carries alpha (an alpha channel or tRNS).
int vitrine_png_read_header(vitrine_png_decoder *decoder, int *width, int *height, int *has_alpha);
/// Decodes to RGB8. Every colour type and bit depth is accepted; 16-bit samples are taken
/// as sRGB-encoded (as Pillow does) and alpha is composited onto white.
int vitrine_png_decode_rgb(vitrine_png_decoder *decoder, uint8_t *rgb, size_t capacity);
/// libpng's message for the last failure (empty when none).
const char *vitrine_png_message(const vitrine_png_decoder *decoder);
/// Releases the decoder. NULL is allowed.
void vitrine_png_close(vitrine_png_decoder *decoder);

/// Encodes interleaved RGB8 (`width * height * 3` bytes, rows packed) as a baseline JPEG of `quality`
/// (1...100) into memory the shim allocates; release *output with vitrine_jpeg_free. Returns
/// VITRINE_STATUS_INVALID_ARGUMENT for a bad size or quality, VITRINE_STATUS_OUT_OF_MEMORY when libjpeg fails.
int vitrine_jpeg_encode_rgb(const uint8_t *rgb, int width, int height, int quality, uint8_t **output, size_t *output_size);
/// Frees what vitrine_jpeg_encode_rgb returned. NULL is allowed.
void vitrine_jpeg_free(uint8_t *data);

/// Resampling kernels; the numbering matches nothing outside this shim.
typedef enum {
    VITRINE_FILTER_BILINEAR = 1,
    VITRINE_FILTER_BICUBIC = 2
} vitrine_filter;

/// Resizing interleaved RGB8 the way Pillow's Image.resize does for 8-bit images: separable
/// convolution (horizontal pass, then vertical, or the other way round where Pillow 13 does) whose
/// filter support widens with the downscale factor, fixed-point coefficients, rounding to uint8
/// between passes. Any window of the result can be computed alone, from any part of the source that
/// covers what the window reads.

/// Part of a source image: `width × height` pixels whose top-left is source pixel (x, y), rows
/// `stride` bytes apart.
typedef struct {
    const uint8_t *pixels;
    size_t stride;
    int x, y, width, height;
} vitrine_rgb8_part;

/// The source pixels [window[0], window[2]) × [window[1], window[3]) that the output window of that
/// resize reads (what a part must cover).
int vitrine_resample_source_window(int src_width, int src_height, int dst_width, int dst_height, int left, int top,
                                   int out_width, int out_height, int filter, int window[4]);

/// Pixels [left, left + out_width) × [top, top + out_height) of the `dst_width × dst_height` resize of a
/// `src_width × src_height` image, from a part of it covering the window's source pixels (the whole
/// image, or a region-decoded JPEG): the same bytes as resizing the whole image and cropping.
int vitrine_resample_rgb8_part(const vitrine_rgb8_part *part, int src_width, int src_height, int dst_width,
                               int dst_height, int left, int top, int out_width, int out_height, uint8_t *dst,
                               int filter);

#endif
