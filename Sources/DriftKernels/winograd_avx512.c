/*
 * The Winograd F(2×2, 3×3) data transforms of winograd.c on the AVX-512 path, for images at
 * most 32 pixels wide (a row fits two zmm registers, a row of tiles one).
 *
 * One tile row at a time, every transform stays in registers: the 4 (or 2) image rows are
 * loaded with masked loads (pixels past W read as +0), combined elementwise, and the tiles'
 * columns 2tx − 1 + j (input) or 2tx + j (adjoint) are gathered with two-source permutes
 * (vpermt2ps) instead of strided scalar loads; the output transform interleaves its even and
 * odd columns the same way and stores each output row with one masked store.
 *
 * The arithmetic is winograd.c's, operation for operation and in the same order (only
 * additions, subtractions and negations, no fused multiply-add), and padding enters as +0
 * exactly as there, so both give bitwise the same V, Y and Ŷ (`WinogradTests` checks it).
 */
#if defined(__x86_64__)
#include "drift_kernels.h"
#include <immintrin.h>

#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512vl,avx512dq"))), apply_to = function)

static inline __mmask16 first_n(long n) { return n >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << n) - 1); }

/* Pixels 0..<w of row y of an h×w image as two vectors (lo = 0..15, hi = 16..31): +0 past w,
 * and all +0 for a row outside the image (the padding). */
static inline void load_row(const float *img, long y, long h, long w, __m512 *lo, __m512 *hi) {
    if (y < 0 || y >= h) { *lo = _mm512_setzero_ps(); *hi = _mm512_setzero_ps(); return; }
    const float *row = img + y * w;
    *lo = _mm512_maskz_loadu_ps(first_n(w), row);
    *hi = w > 16 ? _mm512_maskz_loadu_ps(first_n(w - 16), row + 16) : _mm512_setzero_ps();
}

/* Lane tx ↦ 2tx + shift, and the lanes where 0 ≤ 2tx + shift < limit. */
static inline __m512i strided_index(int shift) {
    return _mm512_add_epi32(_mm512_slli_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), 1),
                            _mm512_set1_epi32(shift));
}
static inline __mmask16 in_range(int shift, long limit) {
    __mmask16 m = 0;
    for (int tx = 0; tx < 16; tx++) {
        long i = 2L * tx + shift;
        if (i >= 0 && i < limit && i < 32) m |= (__mmask16)(1u << tx);
    }
    return m;
}

void drift_avx512_winograd_input(const float *x, long count, long channels, long h, long w, float *v, long ldv, long ldp) {
    long th = (h + 1) / 2, tw = (w + 1) / 2, tiles = th * tw;
    long plane = ldp;
    __mmask16 store = first_n(tw);
    __m512i idx[4];
    __mmask16 valid[4];
    for (int j = 0; j < 4; j++) { idx[j] = strided_index(j - 1); valid[j] = in_range(j - 1, w); }
    for (long n = 0; n < count; n++) {
        for (long c = 0; c < channels; c++) {
            const float *img = x + (n * channels + c) * h * w;
            float *dst = v + c * ldv + n * tiles;
            for (long ty = 0; ty < th; ty++) {
                __m512 lo[4], hi[4];
                for (int r = 0; r < 4; r++) load_row(img, 2 * ty - 1 + r, h, w, &lo[r], &hi[r]);
                /* Bᵀ d, elementwise along the rows. */
                __m512 tl[4], thi[4];
                tl[0] = _mm512_sub_ps(lo[0], lo[2]); thi[0] = _mm512_sub_ps(hi[0], hi[2]);
                tl[1] = _mm512_add_ps(lo[1], lo[2]); thi[1] = _mm512_add_ps(hi[1], hi[2]);
                tl[2] = _mm512_sub_ps(lo[2], lo[1]); thi[2] = _mm512_sub_ps(hi[2], hi[1]);
                tl[3] = _mm512_sub_ps(lo[1], lo[3]); thi[3] = _mm512_sub_ps(hi[1], hi[3]);
                /* (Bᵀ d) B: columns 2tx − 1 + j of each row, gathered by permutes. */
                float *out = dst + ty * tw;
                /* The next tile row's lines in the 16 planes, requested for writing now: V is larger
                 * than L1, and the stores' misses then overlap this row's work. 28×28 images of 32
                 * channels: 49 → 27 ns per tile row and channel; 14×14: 30–33 → 25; unet28 training 1.09×,
                 * inference 1.06× (medians of 8 and 6 alternating rounds, Intel model 207). */
                for (int p = 0; p < 16; p++) {
                    __builtin_prefetch(out + tw + p * plane, 1, 3);
                    __builtin_prefetch(out + 2 * tw - 1 + p * plane, 1, 3);
                }
                for (int r = 0; r < 4; r++) {
                    __m512 q0 = _mm512_maskz_permutex2var_ps(valid[0], tl[r], idx[0], thi[r]);
                    __m512 q1 = _mm512_maskz_permutex2var_ps(valid[1], tl[r], idx[1], thi[r]);
                    __m512 q2 = _mm512_maskz_permutex2var_ps(valid[2], tl[r], idx[2], thi[r]);
                    __m512 q3 = _mm512_maskz_permutex2var_ps(valid[3], tl[r], idx[3], thi[r]);
                    _mm512_mask_storeu_ps(out + (r * 4 + 0) * plane, store, _mm512_sub_ps(q0, q2));
                    _mm512_mask_storeu_ps(out + (r * 4 + 1) * plane, store, _mm512_add_ps(q1, q2));
                    _mm512_mask_storeu_ps(out + (r * 4 + 2) * plane, store, _mm512_sub_ps(q2, q1));
                    _mm512_mask_storeu_ps(out + (r * 4 + 3) * plane, store, _mm512_sub_ps(q1, q3));
                }
            }
        }
    }
}

void drift_avx512_winograd_output(const float *m, long count, long outC, long h, long w, long ldm, long ldp,
                                  const float *bias, float *y) {
    long th = (h + 1) / 2, tw = (w + 1) / 2, tiles = th * tw;
    long plane = ldp;
    __mmask16 load = first_n(tw), store_lo = first_n(w), store_hi = w > 16 ? first_n(w - 16) : 0;
    /* Interleave even (lanes of a) and odd (lanes of b) columns: pixel 2i ← a[i], 2i + 1 ← b[i]. */
    __m512i lo_idx = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    __m512i hi_idx = _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    for (long n = 0; n < count; n++) {
        for (long o = 0; o < outC; o++) {
            const float *src = m + o * ldm + n * tiles;
            float *img = y + (n * outC + o) * h * w;
            __m512 b = _mm512_set1_ps(bias ? bias[o] : 0.0f);
            for (long ty = 0; ty < th; ty++) {
                const float *q = src + ty * tw;
                /* Aᵀ m: rows of the tile. */
                __m512 t[2][4];
                for (int s = 0; s < 4; s++) {
                    __m512 q0 = _mm512_maskz_loadu_ps(load, q + (0 * 4 + s) * plane);
                    __m512 q1 = _mm512_maskz_loadu_ps(load, q + (1 * 4 + s) * plane);
                    __m512 q2 = _mm512_maskz_loadu_ps(load, q + (2 * 4 + s) * plane);
                    __m512 q3 = _mm512_maskz_loadu_ps(load, q + (3 * 4 + s) * plane);
                    t[0][s] = _mm512_add_ps(_mm512_add_ps(q0, q1), q2);
                    t[1][s] = _mm512_sub_ps(_mm512_sub_ps(q1, q2), q3);
                }
                /* (Aᵀ m) A: columns, interleaved into the output rows (masked stores drop what
                 * lies past W; an odd H drops the last tile row's second row). */
                for (int a = 0; a < 2; a++) {
                    long yy = 2 * ty + a;
                    if (yy >= h) break;
                    __m512 even = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(t[a][0], t[a][1]), t[a][2]), b);
                    __m512 odd = _mm512_add_ps(_mm512_sub_ps(_mm512_sub_ps(t[a][1], t[a][2]), t[a][3]), b);
                    float *row = img + yy * w;
                    _mm512_mask_storeu_ps(row, store_lo, _mm512_permutex2var_ps(even, lo_idx, odd));
                    if (store_hi) _mm512_mask_storeu_ps(row + 16, store_hi, _mm512_permutex2var_ps(even, hi_idx, odd));
                }
            }
        }
    }
}

void drift_avx512_winograd_output_adjoint(const float *dy, long count, long outC, long h, long w, float *m, long ldm, long ldp) {
    long th = (h + 1) / 2, tw = (w + 1) / 2, tiles = th * tw;
    long plane = ldp;
    __mmask16 store = first_n(tw);
    __m512i even_idx = strided_index(0), odd_idx = strided_index(1);
    const __m512 sign = _mm512_set1_ps(-0.0f);
    for (long n = 0; n < count; n++) {
        for (long o = 0; o < outC; o++) {
            const float *img = dy + (n * outC + o) * h * w;
            float *dst = m + o * ldm + n * tiles;
            for (long ty = 0; ty < th; ty++) {
                __m512 lo[2], hi[2];
                for (int a = 0; a < 2; a++) load_row(img, 2 * ty + a, h, w, &lo[a], &hi[a]);
                /* A ∂Y: rows (y₀, y₀ + y₁, y₀ − y₁, −y₁). */
                __m512 tl[4], thi[4];
                tl[0] = lo[0]; thi[0] = hi[0];
                tl[1] = _mm512_add_ps(lo[0], lo[1]); thi[1] = _mm512_add_ps(hi[0], hi[1]);
                tl[2] = _mm512_sub_ps(lo[0], lo[1]); thi[2] = _mm512_sub_ps(hi[0], hi[1]);
                tl[3] = _mm512_xor_ps(lo[1], sign); thi[3] = _mm512_xor_ps(hi[1], sign);
                float *out = dst + ty * tw;
                for (int p = 0; p < 16; p++) {   /* as in the input transform */
                    __builtin_prefetch(out + tw + p * plane, 1, 3);
                    __builtin_prefetch(out + 2 * tw - 1 + p * plane, 1, 3);
                }
                for (int r = 0; r < 4; r++) {
                    __m512 q0 = _mm512_permutex2var_ps(tl[r], even_idx, thi[r]);
                    __m512 q1 = _mm512_permutex2var_ps(tl[r], odd_idx, thi[r]);
                    _mm512_mask_storeu_ps(out + (r * 4 + 0) * plane, store, q0);
                    _mm512_mask_storeu_ps(out + (r * 4 + 1) * plane, store, _mm512_add_ps(q0, q1));
                    _mm512_mask_storeu_ps(out + (r * 4 + 2) * plane, store, _mm512_sub_ps(q0, q1));
                    _mm512_mask_storeu_ps(out + (r * 4 + 3) * plane, store, _mm512_xor_ps(q1, sign));
                }
            }
        }
    }
}

#pragma clang attribute pop
#endif
