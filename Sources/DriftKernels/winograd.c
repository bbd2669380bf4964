/*
 * Winograd minimal filtering F(2×2, 3×3) for 3×3 convolutions with stride 1 and padding 1
 * (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", CVPR 2016, §4):
 *
 *     Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A
 *
 * for each 4×4 input tile d (stride 2, overlapping by 2) and 3×3 filter g, giving a 2×2
 * output tile with 16 multiplies instead of 36. Over channels the elementwise products
 * become 16 independent GEMMs M[ξ] = U[ξ]·V[ξ] (ξ = the 16 positions of a tile), run by
 * drift_sgemm, so the multiply count of a convolution drops 2.25×.
 *
 *     Bᵀ = | 1  0 −1  0 |     G = | 1    0    0  |     Aᵀ = | 1  1  1  0 |
 *          | 0  1  1  0 |         | ½    ½    ½  |          | 0  1 −1 −1 |
 *          | 0 −1  1  0 |         | ½   −½    ½  |
 *          | 0  1  0 −1 |         | 0    0    1  |
 *
 * Every value is computed by fixed arithmetic in a fixed order from its tile alone, so the
 * results do not depend on how images are grouped or split across threads.
 */
#include "drift_kernels.h"
#include <stdlib.h>

#if defined(__x86_64__)
/* winograd_avx512.c: the same transforms, bit for bit, in registers (W ≤ 32). */
void drift_avx512_winograd_input(const float *x, long count, long channels, long h, long w, float *v, long ldv, long ldp);
void drift_avx512_winograd_output(const float *m, long count, long outC, long h, long w, long ldm, long ldp,
                                  const float *bias, float *y);
void drift_avx512_winograd_output_adjoint(const float *dy, long count, long outC, long h, long w, float *m, long ldm, long ldp);
#define AVX512_ROWS(path, w) ((path) == DRIFT_KERNEL_AVX512 && (w) <= 32)
#else
#define AVX512_ROWS(path, w) 0
#endif

/* U[ξ][o][c] = (G g Gᵀ)[ξ] for g = w[o][c] (3×3). */
void drift_winograd_filter(const float *w, long outC, long inC, float *u) {
    long plane = outC * inC;
    /* Per output channel, the 9 taps are first laid out tap-major (g[k][c]), so that the
     * transform below runs along c with contiguous loads and stores (it vectorizes); the
     * arithmetic per element is unchanged. */
    float *g = (float *)malloc((size_t)(9 * inC > 0 ? 9 * inC : 1) * sizeof(float));
    if (!g) abort();
    for (long o = 0; o < outC; o++) {
        const float *wo = w + o * inC * 9;
        for (long c = 0; c < inC; c++)
            for (int k = 0; k < 9; k++) g[k * inC + c] = wo[c * 9 + k];
        float *dst = u + o * inC;
        for (long c = 0; c < inC; c++) {
            float t[4][3];
            for (int j = 0; j < 3; j++) {
                float g0 = g[j * inC + c], g1 = g[(3 + j) * inC + c], g2 = g[(6 + j) * inC + c];
                t[0][j] = g0;
                t[1][j] = 0.5f * (g0 + g1 + g2);
                t[2][j] = 0.5f * (g0 - g1 + g2);
                t[3][j] = g2;
            }
            for (int i = 0; i < 4; i++) {
                float t0 = t[i][0], t1 = t[i][1], t2 = t[i][2];
                dst[(i * 4 + 0) * plane + c] = t0;
                dst[(i * 4 + 1) * plane + c] = 0.5f * (t0 + t1 + t2);
                dst[(i * 4 + 2) * plane + c] = 0.5f * (t0 - t1 + t2);
                dst[(i * 4 + 3) * plane + c] = t2;
            }
        }
    }
    free(g);
}

/* V[ξ][c][t] = (Bᵀ d B)[ξ] for the 4×4 tile d of channel c at tile t of `count` images
 * x[count][C][H][W]; tile (ty, tx) of image n is t = n·th·tw + ty·tw + tx, with its top-left
 * input pixel at (2ty − 1, 2tx − 1); pixels outside the image are 0. ldv = columns of V, ldp = its
 * plane stride.
 * Loops run along a row of tiles, so every store stream is contiguous in tx (vectorizes). */
void drift_winograd_input(int path, const float *x, long count, long channels, long h, long w, float *v, long ldv, long ldp) {
#if defined(__x86_64__)
    if (AVX512_ROWS(path, w)) { drift_avx512_winograd_input(x, count, channels, h, w, v, ldv, ldp); return; }
#endif
    long th = (h + 1) / 2, tw = (w + 1) / 2, tiles = th * tw;
    long plane = ldp, pw = 2 * tw + 2;   /* padded row: pixel x at index x + 1 */
    float zero[w], t[4][pw];
    for (long i = 0; i < w; i++) zero[i] = 0;
    for (int r = 0; r < 4; r++)
        for (long i = 0; i < pw; i++) t[r][i] = 0;   /* index 0 and past w stay 0: the padding */
    for (long n = 0; n < count; n++) {
        for (long c = 0; c < channels; c++) {
            const float *img = x + (n * channels + c) * h * w;
            float *dst = v + c * ldv + n * tiles;
            for (long ty = 0; ty < th; ty++) {
                /* Bᵀ d: combine the tile rows' four image rows (zero rows outside), elementwise. */
                const float *rw[4];
                for (int r = 0; r < 4; r++) {
                    long yy = 2 * ty - 1 + r;
                    rw[r] = (yy < 0 || yy >= h) ? zero : img + yy * w;
                }
                const float *r0 = rw[0], *r1 = rw[1], *r2 = rw[2], *r3 = rw[3];
                float *t0 = t[0] + 1, *t1 = t[1] + 1, *t2 = t[2] + 1, *t3 = t[3] + 1;
                for (long i = 0; i < w; i++) {
                    t0[i] = r0[i] - r2[i];
                    t1[i] = r1[i] + r2[i];
                    t2[i] = r2[i] - r1[i];
                    t3[i] = r1[i] - r3[i];
                }
                /* (Bᵀ d) B: combine columns 2tx + 0…3 of each row. */
                float *out = dst + ty * tw;
                for (int r = 0; r < 4; r++) {
                    const float *q = t[r];
                    float *o0 = out + (r * 4 + 0) * plane, *o1 = out + (r * 4 + 1) * plane;
                    float *o2 = out + (r * 4 + 2) * plane, *o3 = out + (r * 4 + 3) * plane;
                    for (long tx = 0; tx < tw; tx++) {
                        float q0 = q[2 * tx], q1 = q[2 * tx + 1], q2 = q[2 * tx + 2], q3 = q[2 * tx + 3];
                        o0[tx] = q0 - q2;
                        o1[tx] = q1 + q2;
                        o2[tx] = q2 - q1;
                        o3[tx] = q1 - q3;
                    }
                }
            }
        }
    }
}

/* y[n][o][2ty + a][2tx + b] = (Aᵀ m A)[a][b] (+ bias[o]) for m = M[·][o][t], the inverse of
 * the tiling of drift_winograd_input; output pixels past H or W are dropped. ldm = columns of M,
 * ldp = its plane stride. */
void drift_winograd_output(int path, const float *m, long count, long outC, long h, long w, long ldm, long ldp,
                           const float *bias, float *y) {
#if defined(__x86_64__)
    if (AVX512_ROWS(path, w)) { drift_avx512_winograd_output(m, count, outC, h, w, ldm, ldp, bias, y); return; }
#endif
    long th = (h + 1) / 2, tw = (w + 1) / 2, tiles = th * tw;
    long plane = ldp;
    float t[2][4][tw];
    for (long n = 0; n < count; n++) {
        for (long o = 0; o < outC; o++) {
            const float *src = m + o * ldm + n * tiles;
            float *img = y + (n * outC + o) * h * w;
            float b = bias ? bias[o] : 0.0f;
            for (long ty = 0; ty < th; ty++) {
                const float *q = src + ty * tw;
                /* Aᵀ m: rows of the tile, for every tile of the row at once. */
                for (int s = 0; s < 4; s++) {
                    const float *q0 = q + (0 * 4 + s) * plane, *q1 = q + (1 * 4 + s) * plane;
                    const float *q2 = q + (2 * 4 + s) * plane, *q3 = q + (3 * 4 + s) * plane;
                    for (long tx = 0; tx < tw; tx++) {
                        t[0][s][tx] = q0[tx] + q1[tx] + q2[tx];
                        t[1][s][tx] = q1[tx] - q2[tx] - q3[tx];
                    }
                }
                /* (Aᵀ m) A: columns, interleaved straight into the output rows (an odd W drops the
                 * last tile's second column, an odd H the last tile row's second row). */
                for (int a = 0; a < 2; a++) {
                    long yy = 2 * ty + a;
                    if (yy >= h) break;
                    float *row = img + yy * w;
                    const float *s0 = t[a][0], *s1 = t[a][1], *s2 = t[a][2], *s3 = t[a][3];
                    long pairs = w / 2;
                    for (long tx = 0; tx < pairs; tx++) {
                        row[2 * tx] = s0[tx] + s1[tx] + s2[tx] + b;
                        row[2 * tx + 1] = s1[tx] - s2[tx] - s3[tx] + b;
                    }
                    if (w % 2) row[w - 1] = s0[pairs] + s1[pairs] + s2[pairs] + b;
                }
            }
        }
    }
}

/*
 * The weight gradient in the Winograd domain. Forward is Y_t = Aᵀ[U ⊙ V_t]A with
 * U = G g Gᵀ, so by the chain rule
 *     ∂L/∂g = Gᵀ [ Σ_t (A ∂Y_t Aᵀ) ⊙ V_t ] G,
 * i.e. 16 GEMMs dU[ξ] = Σ_t Ŷ[ξ][o][t]·V[ξ][c][t] with K = tiles, between the two
 * adjoint transforms below.
 */

/* Ŷ[ξ][o][t] = (A ∂Y_t Aᵀ)[ξ] for the 2×2 output tile ∂Y_t of dy[count][O][H][W]
 * (entries past H or W are 0); the layout of drift_winograd_output's M. */
void drift_winograd_output_adjoint(int path, const float *dy, long count, long outC, long h, long w, float *m, long ldm, long ldp) {
#if defined(__x86_64__)
    if (AVX512_ROWS(path, w)) { drift_avx512_winograd_output_adjoint(dy, count, outC, h, w, m, ldm, ldp); return; }
#endif
    long th = (h + 1) / 2, tw = (w + 1) / 2, tiles = th * tw;
    long plane = ldp, pw = 2 * tw;
    float rows[2][pw], t[4][pw];
    for (long n = 0; n < count; n++) {
        for (long o = 0; o < outC; o++) {
            const float *img = dy + (n * outC + o) * h * w;
            float *dst = m + o * ldm + n * tiles;
            for (long ty = 0; ty < th; ty++) {
                for (int a = 0; a < 2; a++) {
                    long yy = 2 * ty + a;
                    for (long i = 0; i < pw; i++) rows[a][i] = (yy < h && i < w) ? img[yy * w + i] : 0.0f;
                }
                /* A ∂Y: rows (y₀, y₀ + y₁, y₀ − y₁, −y₁). */
                for (long i = 0; i < pw; i++) {
                    t[0][i] = rows[0][i];
                    t[1][i] = rows[0][i] + rows[1][i];
                    t[2][i] = rows[0][i] - rows[1][i];
                    t[3][i] = -rows[1][i];
                }
                float *out = dst + ty * tw;
                for (int r = 0; r < 4; r++) {
                    const float *q = t[r];
                    float *o0 = out + (r * 4 + 0) * plane, *o1 = out + (r * 4 + 1) * plane;
                    float *o2 = out + (r * 4 + 2) * plane, *o3 = out + (r * 4 + 3) * plane;
                    for (long tx = 0; tx < tw; tx++) {
                        float q0 = q[2 * tx], q1 = q[2 * tx + 1];
                        o0[tx] = q0;
                        o1[tx] = q0 + q1;
                        o2[tx] = q0 - q1;
                        o3[tx] = -q1;
                    }
                }
            }
        }
    }
}

/* dw[o][c] (3×3) = Gᵀ dU[·][o][c] G, the adjoint of drift_winograd_filter. */
void drift_winograd_filter_adjoint(const float *du, long outC, long inC, float *dw) {
    long plane = outC * inC;
    for (long o = 0; o < outC; o++) {
        for (long c = 0; c < inC; c++) {
            const float *src = du + o * inC + c;
            float q[4][4], t[3][4];
            for (int k = 0; k < 16; k++) q[k / 4][k % 4] = src[k * plane];
            /* Gᵀ q: rows (q₀ + ½q₁ + ½q₂, ½q₁ − ½q₂, ½q₁ + ½q₂ + q₃). */
            for (int s = 0; s < 4; s++) {
                t[0][s] = q[0][s] + 0.5f * (q[1][s] + q[2][s]);
                t[1][s] = 0.5f * (q[1][s] - q[2][s]);
                t[2][s] = 0.5f * (q[1][s] + q[2][s]) + q[3][s];
            }
            float *g = dw + (o * inC + c) * 9;
            for (int i = 0; i < 3; i++) {
                g[i * 3 + 0] = t[i][0] + 0.5f * (t[i][1] + t[i][2]);
                g[i * 3 + 1] = 0.5f * (t[i][1] - t[i][2]);
                g[i * 3 + 2] = 0.5f * (t[i][1] + t[i][2]) + t[i][3];
            }
        }
    }
}

long drift_winograd_plane_stride(long floats) {
    long lines = (floats + 15) / 16;
    return (lines | 1) * 16;
}
