#include <errno.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <png.h>
#include "drift_png.h"

int drift_png_version(void) { return (int)png_access_version_number(); }

/* State shared with libpng's error callback. */
typedef struct {
    jmp_buf jump;
    char *err;
    size_t errlen;
} drift_png_ctx;

static void set_error(char *err, size_t errlen, const char *msg) {
    if (err && errlen > 0) {
        strncpy(err, msg, errlen - 1);
        err[errlen - 1] = 0;
    }
}

static void on_error(png_structp png, png_const_charp msg) {
    drift_png_ctx *ctx = (drift_png_ctx *)png_get_error_ptr(png);
    set_error(ctx->err, ctx->errlen, msg ? msg : "libpng error");
    longjmp(ctx->jump, 1);
}

static void on_warning(png_structp png, png_const_charp msg) { (void)png; (void)msg; }

static int is_ascii(const char *s) {
    for (; *s; s++) if ((unsigned char)*s > 126 || ((unsigned char)*s < 32 && *s != '\n' && *s != '\t')) return 0;
    return 1;
}

int drift_png_write(const char *path, const unsigned char *pixels,
                    unsigned width, unsigned height, int channels,
                    const char *const *keys, const char *const *values, int ntext,
                    int compression_level, char *err, size_t errlen) {
    static const int color_types[5] = { 0, PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA, PNG_COLOR_TYPE_RGB, PNG_COLOR_TYPE_RGBA };
    if (channels < 1 || channels > 4) { set_error(err, errlen, "channels must be 1...4"); return DRIFT_PNG_LIBPNG_ERROR; }
    FILE *fp = fopen(path, "wb");
    if (!fp) { set_error(err, errlen, strerror(errno)); return DRIFT_PNG_OPEN_FAILED; }
    drift_png_ctx ctx = { .err = err, .errlen = errlen };
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &ctx, on_error, on_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    png_textp texts = ntext > 0 ? calloc((size_t)ntext, sizeof(png_text)) : NULL;
    if (!png || !info || (ntext > 0 && !texts)) {
        png_destroy_write_struct(&png, &info);
        free(texts);
        fclose(fp);
        set_error(err, errlen, "out of memory");
        return DRIFT_PNG_NO_MEMORY;
    }
    if (setjmp(ctx.jump)) {
        png_destroy_write_struct(&png, &info);
        free(texts);
        fclose(fp);
        return DRIFT_PNG_LIBPNG_ERROR;
    }
    png_init_io(png, fp);
    png_set_compression_level(png, compression_level);
    png_set_IHDR(png, info, width, height, 8, color_types[channels], PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    for (int i = 0; i < ntext; i++) {
        texts[i].key = (png_charp)keys[i];
        texts[i].text = (png_charp)values[i];
        if (is_ascii(values[i])) {
            texts[i].compression = PNG_TEXT_COMPRESSION_NONE;
        } else {
            texts[i].compression = PNG_ITXT_COMPRESSION_NONE;
            texts[i].lang = "";
            texts[i].lang_key = "";
        }
    }
    if (ntext > 0) png_set_text(png, info, texts, ntext);
    png_write_info(png, info);
    size_t stride = (size_t)width * (size_t)channels;
    for (unsigned y = 0; y < height; y++) png_write_row(png, pixels + (size_t)y * stride);
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    free(texts);
    if (fclose(fp) != 0) { set_error(err, errlen, strerror(errno)); return DRIFT_PNG_OPEN_FAILED; }
    return DRIFT_PNG_OK;
}

/* A malloc'd UTF-8 copy of a Latin-1 string. */
static char *latin1_to_utf8(const char *s, size_t n) {
    char *out = malloc(2 * n + 1), *o = out;
    if (!out) return NULL;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) *o++ = (char)c;
        else { *o++ = (char)(0xC0 | (c >> 6)); *o++ = (char)(0x80 | (c & 0x3F)); }
    }
    *o = 0;
    return out;
}

static char *copy_utf8(const char *s, size_t n) {
    char *out = malloc(n + 1);
    if (!out) return NULL;
    memcpy(out, s, n);
    out[n] = 0;
    return out;
}

/* Copies the text chunks found so far into `out` (replacing earlier copies). */
static int collect_text(png_structp png, png_infop info, drift_png_image *out) {
    png_textp text = NULL;
    int n = png_get_text(png, info, &text, NULL);
    for (int i = 0; i < out->ntext; i++) { free(out->keys[i]); free(out->values[i]); }
    free(out->keys); free(out->values);
    out->keys = NULL; out->values = NULL; out->ntext = 0;
    if (n <= 0) return 1;
    out->keys = calloc((size_t)n, sizeof(char *));
    out->values = calloc((size_t)n, sizeof(char *));
    if (!out->keys || !out->values) return 0;
    for (int i = 0; i < n; i++) {
        int itxt = text[i].compression == PNG_ITXT_COMPRESSION_NONE || text[i].compression == PNG_ITXT_COMPRESSION_zTXt;
        size_t len = itxt ? text[i].itxt_length : text[i].text_length;
        const char *value = text[i].text ? text[i].text : "";
        out->keys[i] = latin1_to_utf8(text[i].key, strlen(text[i].key));
        out->values[i] = itxt ? copy_utf8(value, len) : latin1_to_utf8(value, len);
        out->ntext = i + 1;
        if (!out->keys[i] || !out->values[i]) return 0;
    }
    return 1;
}

int drift_png_read(const char *path, int want_channels, drift_png_image *out,
                   char *err, size_t errlen) {
    memset(out, 0, sizeof(*out));
    FILE *fp = fopen(path, "rb");
    if (!fp) { set_error(err, errlen, strerror(errno)); return DRIFT_PNG_OPEN_FAILED; }
    unsigned char sig[8];
    if (fread(sig, 1, 8, fp) != 8 || png_sig_cmp(sig, 0, 8) != 0) {
        fclose(fp);
        set_error(err, errlen, "no PNG signature");
        return DRIFT_PNG_NOT_PNG;
    }
    drift_png_ctx ctx = { .err = err, .errlen = errlen };
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &ctx, on_error, on_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    png_bytep *volatile rows = NULL;
    if (!png || !info) {
        png_destroy_read_struct(&png, &info, NULL);
        fclose(fp);
        set_error(err, errlen, "out of memory");
        return DRIFT_PNG_NO_MEMORY;
    }
    if (setjmp(ctx.jump)) {
        free(rows);
        png_destroy_read_struct(&png, &info, NULL);
        fclose(fp);
        return DRIFT_PNG_LIBPNG_ERROR;
    }
    png_init_io(png, fp);
    png_set_sig_bytes(png, 8);
    png_read_info(png, info);
    int color = png_get_color_type(png, info);
    int depth = png_get_bit_depth(png, info);
    int has_trns = png_get_valid(png, info, PNG_INFO_tRNS) != 0;
    int has_alpha = (color & PNG_COLOR_MASK_ALPHA) != 0 || has_trns;
    int is_color = (color & PNG_COLOR_MASK_COLOR) != 0;
    out->width = png_get_image_width(png, info);
    out->height = png_get_image_height(png, info);
    out->bit_depth = depth;
    out->color_type = color;
    out->interlaced = png_get_interlace_type(png, info) != PNG_INTERLACE_NONE;

    int want = want_channels;
    if (want == 0) want = (is_color ? 3 : 1) + (has_alpha ? 1 : 0);
    int want_alpha = want == 2 || want == 4;
    int want_color = want >= 3;

    if (color == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (has_trns && want_alpha) png_set_tRNS_to_alpha(png);
    if (depth == 16) png_set_scale_16(png);
    if (is_color && !want_color) png_set_rgb_to_gray_fixed(png, 1, -1, -1);
    if (!is_color && want_color) png_set_gray_to_rgb(png);
    if ((color & PNG_COLOR_MASK_ALPHA) && !want_alpha) png_set_strip_alpha(png);
    if (!has_alpha && want_alpha) png_set_add_alpha(png, 0xff, PNG_FILLER_AFTER);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);

    int channels = png_get_channels(png, info);
    size_t stride = png_get_rowbytes(png, info);
    if (channels != want || stride != (size_t)out->width * (size_t)channels || png_get_bit_depth(png, info) != 8) {
        set_error(err, errlen, "unsupported combination of PNG transformations");
        longjmp(ctx.jump, 1);
    }
    if ((double)stride * (double)out->height > 2147483647.0) {
        set_error(err, errlen, "image too large");
        free(rows);
        png_destroy_read_struct(&png, &info, NULL);
        fclose(fp);
        return DRIFT_PNG_TOO_LARGE;
    }
    out->channels = channels;
    out->pixels = malloc(stride * out->height + 1);
    rows = malloc(sizeof(png_bytep) * (out->height + 1));
    if (!out->pixels || !rows) png_error(png, "out of memory");
    for (unsigned y = 0; y < out->height; y++) rows[y] = out->pixels + (size_t)y * stride;
    png_read_image(png, rows);
    png_read_end(png, info);
    if (!collect_text(png, info, out)) png_error(png, "out of memory");
    free(rows);
    png_destroy_read_struct(&png, &info, NULL);
    fclose(fp);
    return DRIFT_PNG_OK;
}

void drift_png_image_free(drift_png_image *img) {
    if (!img) return;
    free(img->pixels);
    for (int i = 0; i < img->ntext; i++) { free(img->keys[i]); free(img->values[i]); }
    free(img->keys);
    free(img->values);
    memset(img, 0, sizeof(*img));
}
