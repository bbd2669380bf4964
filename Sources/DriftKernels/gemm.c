/* drift_sgemm: argument handling, the choice of micro-tile, blocking sizes from the CPU's
 * caches, and dispatch. */
#include "drift_kernels.h"
#include "activation.h"
#include <stdlib.h>

typedef void (*gemm_fn)(int, int, long, long, long, float, const float *, long, const float *, long, float,
                        float *, long, long, long, long, const drift_epilogue *);
#define DECLARE(name) \
    void name##_sgemm(int, int, long, long, long, float, const float *, long, const float *, long, float, \
                      float *, long, long, long, long, const drift_epilogue *);
DECLARE(drift_generic_4x8)
#if defined(__x86_64__)
DECLARE(drift_avx2_6x16)
DECLARE(drift_avx2_4x24)
DECLARE(drift_avx512_8x48)
DECLARE(drift_avx512_12x32)
#endif

/* One tile shape of a path, with its cache blocking. */
typedef struct { gemm_fn run; int mr, nr; long kc, mc, nc; } tile_kernel;

/* Blocking sizes change speed, never results: kc from the L1 data cache (two kc×NR panels
 * of B's worth; measured best on Zen 4), an mc×kc block of A in half of L2, nc = 4,096. */
static tile_kernel make(gemm_fn run, int mr, int nr) {
    tile_kernel t = { run, mr, nr, 0, 0, 0 };
    long k = drift_cache_l1d() * 2 / ((long)nr * 4);
    t.kc = k < 128 ? 128 : k > 512 ? 512 : k & ~7L;
    long m = drift_cache_l2() / 2 / (t.kc * 4);
    t.mc = m < mr ? mr : m / mr * mr;
    t.nc = 4096 / nr * nr;
    return t;
}

/* The tile shapes of each path (at most two), built once. */
static tile_kernel kernels[3][2];
static int kernel_count[3];

static void build_kernels(void) {
    kernels[DRIFT_KERNEL_GENERIC][0] = make(drift_generic_4x8_sgemm, 4, 8);
    kernel_count[DRIFT_KERNEL_GENERIC] = 1;
#if defined(__x86_64__)
    kernels[DRIFT_KERNEL_AVX2][0] = make(drift_avx2_6x16_sgemm, 6, 16);
    kernels[DRIFT_KERNEL_AVX2][1] = make(drift_avx2_4x24_sgemm, 4, 24);
    kernel_count[DRIFT_KERNEL_AVX2] = 2;
    kernels[DRIFT_KERNEL_AVX512][0] = make(drift_avx512_8x48_sgemm, 8, 48);
    kernels[DRIFT_KERNEL_AVX512][1] = make(drift_avx512_12x32_sgemm, 12, 32);
    kernel_count[DRIFT_KERNEL_AVX512] = 2;
#endif
}

static long padded(long x, long step) { return (x + step - 1) / step * step; }

/* The tile shape that pads m×n least (the first on a tie). Every shape gives the same bits. */
static const tile_kernel *choose(int path, long m, long n) {
    static int built;
    if (!__atomic_load_n(&built, __ATOMIC_ACQUIRE)) {
        build_kernels();   /* idempotent: racing threads write the same values */
        __atomic_store_n(&built, 1, __ATOMIC_RELEASE);
    }
    if (path < 0 || path > 2 || kernel_count[path] == 0) path = DRIFT_KERNEL_GENERIC;
    const tile_kernel *best = &kernels[path][0];
    for (int i = 1; i < kernel_count[path]; i++) {
        const tile_kernel *t = &kernels[path][i];
        if (padded(m, t->mr) * padded(n, t->nr) < padded(m, best->mr) * padded(n, best->nr)) best = t;
    }
    return best;
}

static void run(int path, int transA, int transB, long m, long n, long k, float alpha, const float *a, long lda,
                const float *b, long ldb, float beta, float *c, long ldc, const drift_epilogue *ep) {
    if (m <= 0 || n <= 0) return;
    if (beta != 0 && beta != 1) {
        for (long i = 0; i < m; i++)
            for (long j = 0; j < n; j++) c[i * ldc + j] *= beta;
        beta = 1;
    }
    if (k <= 0) {
        if (beta == 0)
            for (long i = 0; i < m; i++)
                for (long j = 0; j < n; j++) c[i * ldc + j] = 0;
        if (ep)
            for (long i = 0; i < m; i++) drift_epilogue_scalar(ep, i, 0, n, c + i * ldc);
        return;
    }
    if (alpha != 1 && beta != 0) abort();   /* not supported (the Swift wrapper checks) */
    const tile_kernel *t = choose(path, m, n);
    t->run(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, t->kc, t->mc, t->nc, ep);
}

void drift_sgemm(int path, int transA, int transB, long m, long n, long k, float alpha,
                 const float *a, long lda, const float *b, long ldb, float beta, float *c, long ldc) {
    run(path, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, NULL);
}

void drift_sgemm_fused(int path, int transA, int transB, long m, long n, long k,
                       const float *a, long lda, const float *b, long ldb, float *c, long ldc, const drift_epilogue *ep) {
    run(path, transA, transB, m, n, k, 1.0f, a, lda, b, ldb, 0.0f, c, ldc, ep);
}
