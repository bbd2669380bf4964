/*
 * The vector micro-kernel shared by the SIMD paths (included by gemm_avx512.c and
 * gemm_avx2.c, which define MR, NV, VLEN and the vector operations below).
 *
 * C tile (+)= Σ_k a[k·MR + i] · b[k·NR + j] for an MR×NR tile (NR = NV·VLEN):
 * MR·NV vector accumulators stay in registers; per k, NV vectors of the B panel
 * are loaded, each A value is broadcast, and one fused multiply-add per
 * accumulator adds it — so each element's sum is one FMA chain over k in order.
 *
 * requires: MR, NV, VLEN, KERNEL_NAME(x), VEC (vector type), VZERO(), VLOADU(p), VLOAD(p)
 *           (aligned), VSET1(x), VFMA(a, b, c) = a·b + c rounded once, VMUL(a, b), VSTOREU(p, v).
 * defines NR and KERNEL_NAME(micro_tile); the including file #undefs MR, NV, NR, KERNEL_NAME
 * before instantiating another tile shape.
 */
#define NR (VLEN * NV)

/* The first `nv` (a constant after inlining, 1 … NV) of the tile's NV vector columns: a tile at the
 * right edge of C computes only the vectors that hold columns of C (the panel stays NR wide). */
static inline __attribute__((always_inline))
void KERNEL_NAME(micro_tile_nv)(long kc, const float *restrict a, const float *restrict b, long ldbk,
                float *restrict c, long ldc, int load, float alpha, const int nv) {
    VEC acc[MR][NV];
    for (int i = 0; i < MR; i++)
        for (int v = 0; v < nv; v++) acc[i][v] = load ? VLOADU(c + i * ldc + VLEN * v) : VZERO();
    for (long p = 0; p < kc; p++) {
        VEC bv[NV];
        for (int v = 0; v < nv; v++) bv[v] = VLOADU(b + VLEN * v);
        for (int i = 0; i < MR; i++) {
            VEC ai = VSET1(a[i]);
            for (int v = 0; v < nv; v++) acc[i][v] = VFMA(ai, bv[v], acc[i][v]);
        }
        a += MR;
        b += ldbk;
    }
    if (alpha != 1.0f) {
        VEC s = VSET1(alpha);
        for (int i = 0; i < MR; i++)
            for (int v = 0; v < nv; v++) acc[i][v] = VMUL(acc[i][v], s);
    }
    for (int i = 0; i < MR; i++)
        for (int v = 0; v < nv; v++) VSTOREU(c + i * ldc + VLEN * v, acc[i][v]);
}

static inline __attribute__((always_inline))
void KERNEL_NAME(micro_tile)(long kc, const float *restrict a, const float *restrict b, float *restrict c, long ldc,
                int load, float alpha) {
    KERNEL_NAME(micro_tile_nv)(kc, a, b, NR, c, ldc, load, alpha, NV);
}

/* B read in place: row k of the panel at b + k·ldbk (MICRO_TILE_DIRECT in gemm_driver.h). */
static inline __attribute__((always_inline))
void KERNEL_NAME(micro_tile_direct)(long kc, const float *restrict a, const float *restrict b, long ldbk,
                float *restrict c, long ldc, int load, float alpha) {
    KERNEL_NAME(micro_tile_nv)(kc, a, b, ldbk, c, ldc, load, alpha, NV);
}
#define MICRO_TILE_DIRECT 1

/* An edge tile's vector columns: ⌈nr / VLEN⌉ of them (B rows ldbk apart). */
#define MICRO_TILE_EDGE(kc, a, b, ldbk, c, ldc, load, alpha, nr) \
    do { \
        long nv_ = ((nr) + VLEN - 1) / VLEN; \
        if (nv_ == 1) KERNEL_NAME(micro_tile_nv)(kc, a, b, ldbk, c, ldc, load, alpha, 1); \
        else if (nv_ == 2 && NV > 2) KERNEL_NAME(micro_tile_nv)(kc, a, b, ldbk, c, ldc, load, alpha, 2); \
        else KERNEL_NAME(micro_tile_nv)(kc, a, b, ldbk, c, ldc, load, alpha, NV); \
    } while (0)
