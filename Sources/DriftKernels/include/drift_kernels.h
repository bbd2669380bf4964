#ifndef DRIFT_KERNELS_H
#define DRIFT_KERNELS_H
/*
 * Drift's own matrix-multiply kernels (C with x86 intrinsics, one file per
 * instruction set, picked at run time by CPU features).
 *
 * Every path computes each output element as ONE chain of fused multiply-adds
 * over k = 0, 1, …, K−1, started from 0 (or from β·C), in that order, whatever
 * the blocking, the tile an element falls in, or how a caller splits M and N.
 * Fused multiply-add rounds once, so all paths — AVX-512, AVX2/FMA and the
 * portable one (C's fmaf) — give bitwise the same result.
 */
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Kernel paths, from portable to widest. */
enum {
    DRIFT_KERNEL_GENERIC = 0,   /* portable C, fmaf */
    DRIFT_KERNEL_AVX2 = 1,      /* AVX2 + FMA, 6×16 and 4×24 micro-tiles */
    DRIFT_KERNEL_AVX512 = 2,    /* AVX-512 F/BW/VL/DQ, 8×48 and 12×32 micro-tiles */
};

/* 1 when this CPU (and OS) supports `path`, else 0. */
int drift_kernel_supported(int path);

/* The widest path this CPU supports. */
int drift_kernel_best(void);

/* Data-cache sizes in bytes as the CPU reports them (fallbacks when unknown). */
long drift_cache_l1d(void);
long drift_cache_l2(void);

/*
 * C[m×n] = α·op(A)·op(B) + β·C on row-major buffers, on the calling thread.
 * op(A) is m×k (A stored k×m when transA), op(B) is k×n (B stored n×k when transB).
 * Requires α = 1 or β = 0. With β = 0, C is not read (NaNs in it are ignored).
 */
void drift_sgemm(int path, int transA, int transB, long m, long n, long k, float alpha,
                 const float *a, long lda, const float *b, long ldb, float beta, float *c, long ldc);

/*
 * What drift_sgemm_fused does to each element of C once its sum over k is complete, in this
 * order, each step rounded as the separate ops round it (so fused and unfused give the same bits):
 *   c += bias[j];  c += add[i·ldadd + j];  act[i·ldact + j] = f(c)
 * f is SiLU, x / (1 + e^−x) through Drift's polynomial exp (TensorCore's fastSiLU, bit for bit).
 * The tile is still in L1 when this runs: a linear layer's bias, residual add and activation
 * cost no pass over memory of their own.
 */
enum { DRIFT_ACTIVATION_NONE = 0, DRIFT_ACTIVATION_SILU = 1 };
typedef struct {
    const float *bias;   /* n values, or NULL */
    const float *add;    /* m×n with row stride ldadd, or NULL */
    long ldadd;
    int activation;      /* DRIFT_ACTIVATION_* */
    float *act;          /* m×n with row stride ldact (may be c itself); unused with NONE */
    long ldact;
} drift_epilogue;

/* C[m×n] = op(A)·op(B), then the epilogue `ep` (NULL: none) on every element. */
void drift_sgemm_fused(int path, int transA, int transB, long m, long n, long k,
                       const float *a, long lda, const float *b, long ldb, float *c, long ldc, const drift_epilogue *ep);

/*
 * Winograd F(2×2, 3×3) transforms for 3×3 convolutions with stride 1, padding 1 (winograd.c).
 * Tiles: th = ⌈H/2⌉ × tw = ⌈W/2⌉ per image; ξ = 0..<16 indexes a tile's 4×4 positions.
 *   filter: U[ξ][o][c] from w[O][C][3][3]
 *   input:  V[ξ][c][n·th·tw + tile] (row stride ldv, plane stride ldp ≥ C·ldv) from x[count][C][H][W]
 *   output: y[count][O][H][W] (+ bias) from M[ξ][o][n·th·tw + tile] (row stride ldm, plane ldp ≥ O·ldm)
 * The plane stride is free so that callers can keep the 16 planes off one L1 set
 * (drift_winograd_plane_stride): the transforms touch all 16 at once.
 * `path` picks the code (DRIFT_KERNEL_AVX512 runs the data transforms in registers on images at
 * most 32 wide); every path gives bitwise the same values.
 */
void drift_winograd_filter(const float *w, long outC, long inC, float *u);
void drift_winograd_input(int path, const float *x, long count, long channels, long h, long w, float *v, long ldv, long ldp);
void drift_winograd_output(int path, const float *m, long count, long outC, long h, long w, long ldm, long ldp,
                           const float *bias, float *y);
/* Adjoints for the weight gradient: Ŷ[ξ][o][tile] from dy (layout of M), dw from dU[ξ][o][c]. */
void drift_winograd_output_adjoint(int path, const float *dy, long count, long outC, long h, long w, float *m, long ldm, long ldp);
void drift_winograd_filter_adjoint(const float *du, long outC, long inC, float *dw);
/* The plane stride for planes of `floats` values: at least that many, a whole number of 64-byte
 * lines, and an odd one, so the 16 planes' rows fall in 16 different sets of any L1 data cache
 * with 64-byte lines and ≥ 16 sets (a stride of 4 KiB multiples puts all 16 in one set). */
long drift_winograd_plane_stride(long floats);

/* GroupNorm's elementwise passes (groupnorm.c), bitwise those of Tensor+GroupNorm.swift on every path:
 * y[i] = z or SiLU(z) with z = x[i]·a + b (silu ≠ 0), and dz[i] = dy[i]·σ(z)·(1 + z·(1 − σ(z))). */
void drift_affine_silu(int path, const float *x, long n, float a, float b, int silu, float *y);
void drift_affine_silu_grad(int path, const float *x, const float *dy, long n, float a, float b, float *dz);

/* Live tensor memory, for measurements (peak memory of a gradient computation): bytes of every
 * TensorStorage alive, and the high-water mark since the last reset. Atomic; thread-safe. */
void drift_memory_allocated(long long bytes);
void drift_memory_freed(long long bytes);
long long drift_memory_live(void);
long long drift_memory_peak(void);

/* Whether the calling thread runs Drift's kernels serially (thread-local; 0 by default). */
int drift_thread_serial(void);
void drift_thread_set_serial(int serial);
void drift_memory_reset_peak(void);

#ifdef __cplusplus
}
#endif
#endif
