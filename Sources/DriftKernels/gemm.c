/* drift_sgemm: argument handling, blocking sizes from the CPU's caches, and dispatch to a path. */
#include "drift_kernels.h"
#include <stdlib.h>

#define DECLARE(p) \
    void drift_##p##_sgemm(int, int, long, long, long, float, const float *, long, const float *, long, float, \
                           float *, long, long, long, long); \
    int drift_##p##_mr(void); int drift_##p##_nr(void);
DECLARE(generic)
#if defined(__x86_64__)
DECLARE(avx2)
DECLARE(avx512)
#endif

void drift_gemm_tile(int path, int *mr, int *nr) {
    switch (path) {
#if defined(__x86_64__)
    case DRIFT_KERNEL_AVX512: *mr = drift_avx512_mr(); *nr = drift_avx512_nr(); return;
    case DRIFT_KERNEL_AVX2: *mr = drift_avx2_mr(); *nr = drift_avx2_nr(); return;
#endif
    default: *mr = drift_generic_mr(); *nr = drift_generic_nr(); return;
    }
}

/* Blocking sizes (they change speed, never results): kc from the L1 data cache (two kc×NR
 * panels of B's worth; measured best on Zen 4), an mc×kc block of A in half of L2. */
static void compute_blocking(int path, long *kc, long *mc, long *nc) {
    int mr, nr;
    drift_gemm_tile(path, &mr, &nr);
    long k = drift_cache_l1d() * 2 / ((long)nr * 4);
    k = k < 128 ? 128 : k > 512 ? 512 : k & ~7L;
    long m = drift_cache_l2() / 2 / (k * 4);
    m = m < mr ? mr : m / mr * mr;
    char *e;
    if ((e = getenv("DRIFT_GEMM_KC"))) k = atol(e);
    if ((e = getenv("DRIFT_GEMM_MC"))) m = atol(e) / mr * mr;
    *kc = k; *mc = m; *nc = 4096 / nr * nr;
    if ((e = getenv("DRIFT_GEMM_NC"))) *nc = atol(e) / nr * nr;
}

static void blocking(int path, long *kc, long *mc, long *nc) {
    static long cached[3][3];   /* computed once per path; every thread computes the same values */
    if (path < 0 || path > 2) path = 0;
    if (cached[path][0] == 0) {
        long b[3];
        compute_blocking(path, &b[0], &b[1], &b[2]);
        cached[path][1] = b[1]; cached[path][2] = b[2];
        __atomic_store_n(&cached[path][0], b[0], __ATOMIC_RELEASE);
    }
    *kc = __atomic_load_n(&cached[path][0], __ATOMIC_ACQUIRE); *mc = cached[path][1]; *nc = cached[path][2];
}

void drift_sgemm(int path, int transA, int transB, long m, long n, long k, float alpha,
                 const float *a, long lda, const float *b, long ldb, float beta, float *c, long ldc) {
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
        return;
    }
    if (alpha != 1 && beta != 0) abort();   /* not supported (the Swift wrapper checks) */
    long kc, mc, nc;
    blocking(path, &kc, &mc, &nc);
    switch (path) {
#if defined(__x86_64__)
    case DRIFT_KERNEL_AVX512:
        drift_avx512_sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, kc, mc, nc); return;
    case DRIFT_KERNEL_AVX2:
        drift_avx2_sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, kc, mc, nc); return;
#endif
    default:
        drift_generic_sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, kc, mc, nc); return;
    }
}
