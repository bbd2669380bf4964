#ifndef DRIFT_PNG_H
#define DRIFT_PNG_H
#include <stddef.h>

/* PNG reading and writing with libpng's classic API.
 *
 * libpng reports errors by longjmp-ing out of its calls. Swift cannot call
 * setjmp, so these wrappers do it here: the error handler copies libpng's
 * message into `err` and longjmps back into the wrapper (only C frames are
 * crossed), which cleans up and returns a status code. Warnings are ignored
 * (libpng would print them to stderr). */

enum {
    DRIFT_PNG_OK = 0,
    DRIFT_PNG_OPEN_FAILED = 1,   /* fopen failed: errno is set */
    DRIFT_PNG_NOT_PNG = 2,       /* no PNG signature */
    DRIFT_PNG_LIBPNG_ERROR = 3,  /* libpng reported an error (message in err) */
    DRIFT_PNG_TOO_LARGE = 4,     /* pixel buffer would exceed 2^31 bytes */
    DRIFT_PNG_NO_MEMORY = 5
};

/* Writes 8-bit pixels (rows top to bottom, channels interleaved;
 * channels 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA). Texts are written as tEXt
 * chunks when the value is ASCII, as uncompressed iTXt (UTF-8) otherwise.
 * compression_level: zlib level 0...9. */
int drift_png_write(const char *path, const unsigned char *pixels,
                    unsigned width, unsigned height, int channels,
                    const char *const *keys, const char *const *values, int ntext,
                    int compression_level, char *err, size_t errlen);

typedef struct {
    unsigned width, height;
    int channels;            /* of `pixels`, after conversion */
    int bit_depth;           /* as stored in the file */
    int color_type;          /* PNG_COLOR_TYPE_* as stored */
    int interlaced;          /* 1 for Adam7 */
    unsigned char *pixels;   /* malloc'd: height * width * channels bytes */
    int ntext;
    char **keys;             /* malloc'd UTF-8 strings (tEXt/zTXt Latin-1 converted) */
    char **values;
} drift_png_image;

/* Reads any PNG (all bit depths and color types, interlaced or not) as 8-bit.
 * want_channels: 0 keeps the file's kind (1 gray, 2 gray+alpha, 3 RGB,
 * 4 RGBA; palettes expand to RGB, tRNS to alpha), 1 gray (RGB converted
 * with Rec. 709 weights, alpha dropped), 3 RGB (alpha dropped, not
 * composited), 4 RGBA (opaque alpha added). 16-bit samples are scaled
 * (v * 255 / 65535, rounded). Text chunks (tEXt, zTXt, iTXt) are returned
 * in file order. Free with drift_png_image_free, also after a failure. */
int drift_png_read(const char *path, int want_channels, drift_png_image *out,
                   char *err, size_t errlen);

void drift_png_image_free(drift_png_image *img);

/* libpng's version number, e.g. 10639. */
int drift_png_version(void);
#endif
