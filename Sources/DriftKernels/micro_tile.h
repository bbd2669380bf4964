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

static inline __attribute__((always_inline))
void KERNEL_NAME(micro_tile)(long kc, const float *restrict a, const float *restrict b, float *restrict c, long ldc,
                int load, float alpha) {
    VEC acc[MR][NV];
    for (int i = 0; i < MR; i++)
        for (int v = 0; v < NV; v++) acc[i][v] = load ? VLOADU(c + i * ldc + VLEN * v) : VZERO();
    for (long p = 0; p < kc; p++) {
        VEC bv[NV];
        for (int v = 0; v < NV; v++) bv[v] = VLOAD(b + VLEN * v);
        for (int i = 0; i < MR; i++) {
            VEC ai = VSET1(a[i]);
            for (int v = 0; v < NV; v++) acc[i][v] = VFMA(ai, bv[v], acc[i][v]);
        }
        a += MR;
        b += NR;
    }
    if (alpha != 1.0f) {
        VEC s = VSET1(alpha);
        for (int i = 0; i < MR; i++)
            for (int v = 0; v < NV; v++) acc[i][v] = VMUL(acc[i][v], s);
    }
    for (int i = 0; i < MR; i++)
        for (int v = 0; v < NV; v++) VSTOREU(c + i * ldc + VLEN * v, acc[i][v]);
}
