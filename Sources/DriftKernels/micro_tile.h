/*
 * The vector micro-kernel shared by the SIMD paths (included by gemm_avx512.c and
 * gemm_avx2.c, which define MR, NV, VLEN and the vector operations below).
 *
 * C tile (+)= Σ_k a[k·MR + i] · b[k·NR + j] for an MR×NR tile (NR = NV·VLEN):
 * MR·NV vector accumulators stay in registers; per k, NV vectors of the B panel
 * are loaded, each A value is broadcast, and one fused multiply-add per
 * accumulator adds it — so each element's sum is one FMA chain over k in order.
 *
 * optional: MICRO_TILE_UNROLL, how many k steps the compiler unrolls the loop over k by (timing only:
 *   each accumulator's chain of FMAs is the same).
 * requires: MR, NV, VLEN, KERNEL_NAME(x), VEC (vector type), VZERO(), VLOADU(p), VLOAD(p)
 *           (aligned), VSET1(x), VFMA(a, b, c) = a·b + c rounded once, VMUL(a, b), VSTOREU(p, v),
 *           VLOADU_N(p, n) / VSTOREU_N(p, v, n): the first n (1 … VLEN) lanes only, the others
 *           neither read (loaded as 0) nor written.
 * defines NR, KERNEL_NAME(micro_tile), KERNEL_NAME(micro_tile_direct) and KERNEL_NAME(micro_tile_edge);
 * the including file #undefs MR, NV, NR, KERNEL_NAME
 * before instantiating another tile shape.
 */
#define NR (VLEN * NV)

/* The first `rows` (a constant after inlining, ≤ MR) of the tile's rows and the first `nv` (also
 * constant, 1 … NV) of its NV vector columns; rows past `mr` and columns past `nr` (runtime, the
 * part of C that exists) are computed but neither loaded nor stored — the last vector goes
 * through a lane mask, for C and for B alike (so B's last columns can be read in place, where
 * nothing lies past them). So an edge tile of C is read and written in place, and computes only
 * the rows and vectors that hold C (rounded up to `rows`). A full tile has rows = mr = MR and
 * nv·VLEN = nr = NR, where the compiler drops the masks' branches. */
static inline __attribute__((always_inline))
void KERNEL_NAME(micro_tile_part)(long kc, const float *restrict a, const float *restrict b, long ldbk,
                float *restrict c, long ldc, int load, float alpha, const int rows, const int nv, long mr, long nr) {
    VEC acc[MR][NV];
    long tail = nr - VLEN * (nv - 1);   /* columns in the last vector: 1 … VLEN */
    for (int i = 0; i < rows; i++)
        for (int v = 0; v < nv; v++) {
            const float *src = c + i * ldc + VLEN * v;
            if (!load || i >= mr) acc[i][v] = VZERO();
            else acc[i][v] = v < nv - 1 || tail == VLEN ? VLOADU(src) : VLOADU_N(src, tail);
        }
#ifdef MICRO_TILE_UNROLL
#pragma clang loop unroll_count(MICRO_TILE_UNROLL)
#endif
    for (long p = 0; p < kc; p++) {
        VEC bv[NV];
        for (int v = 0; v < nv; v++)
            bv[v] = v < nv - 1 || tail == VLEN ? VLOADU(b + VLEN * v) : VLOADU_N(b + VLEN * v, tail);
        for (int i = 0; i < rows; i++) {
            VEC ai = VSET1(a[i]);
            for (int v = 0; v < nv; v++) acc[i][v] = VFMA(ai, bv[v], acc[i][v]);
        }
        a += MR;
        b += ldbk;
    }
    if (alpha != 1.0f) {
        VEC s = VSET1(alpha);
        for (int i = 0; i < rows; i++)
            for (int v = 0; v < nv; v++) acc[i][v] = VMUL(acc[i][v], s);
    }
    for (int i = 0; i < rows; i++) {
        if (i >= mr) break;
        for (int v = 0; v < nv; v++) {
            float *dst = c + i * ldc + VLEN * v;
            if (v < nv - 1 || tail == VLEN) VSTOREU(dst, acc[i][v]);
            else VSTOREU_N(dst, acc[i][v], tail);
        }
    }
}

static inline __attribute__((always_inline))
void KERNEL_NAME(micro_tile)(long kc, const float *restrict a, const float *restrict b, float *restrict c, long ldc,
                int load, float alpha) {
    KERNEL_NAME(micro_tile_part)(kc, a, b, NR, c, ldc, load, alpha, MR, NV, MR, NR);
}

/* B read in place: row k of the panel at b + k·ldbk (MICRO_TILE_DIRECT in gemm_driver.h). */
static inline __attribute__((always_inline))
void KERNEL_NAME(micro_tile_direct)(long kc, const float *restrict a, const float *restrict b, long ldbk,
                float *restrict c, long ldc, int load, float alpha) {
    KERNEL_NAME(micro_tile_part)(kc, a, b, ldbk, c, ldc, load, alpha, MR, NV, MR, NR);
}
#define MICRO_TILE_DIRECT 1

/* Rows an edge tile computes: mr rounded up to a multiple of 4 (of 2 when MR is not one). */
#define EDGE_ROW_STEP (MR % 4 == 0 ? 4 : 2)

/* An edge tile of mr ≤ MR rows and nr ≤ NR columns, in place in C: ⌈nr / VLEN⌉ vectors of
 * mr rounded up to EDGE_ROW_STEP rows (B rows ldbk apart). */
static inline __attribute__((always_inline))
void KERNEL_NAME(micro_tile_nv_edge)(long kc, const float *restrict a, const float *restrict b, long ldbk,
                float *restrict c, long ldc, int load, float alpha, const int nv, long mr, long nr) {
    long rows = (mr + EDGE_ROW_STEP - 1) / EDGE_ROW_STEP * EDGE_ROW_STEP;
    if (rows == EDGE_ROW_STEP) KERNEL_NAME(micro_tile_part)(kc, a, b, ldbk, c, ldc, load, alpha, EDGE_ROW_STEP, nv, mr, nr);
    else if (rows == 2 * EDGE_ROW_STEP && 2 * EDGE_ROW_STEP < MR)
        KERNEL_NAME(micro_tile_part)(kc, a, b, ldbk, c, ldc, load, alpha, 2 * EDGE_ROW_STEP, nv, mr, nr);
    else KERNEL_NAME(micro_tile_part)(kc, a, b, ldbk, c, ldc, load, alpha, MR, nv, mr, nr);
}

static void KERNEL_NAME(micro_tile_edge)(long kc, const float *restrict a, const float *restrict b, long ldbk,
                float *restrict c, long ldc, int load, float alpha, long mr, long nr) {
    long nv = (nr + VLEN - 1) / VLEN;
    if (nv == 1) KERNEL_NAME(micro_tile_nv_edge)(kc, a, b, ldbk, c, ldc, load, alpha, 1, mr, nr);
    else if (nv == 2 && NV > 2) KERNEL_NAME(micro_tile_nv_edge)(kc, a, b, ldbk, c, ldc, load, alpha, 2, mr, nr);
    else KERNEL_NAME(micro_tile_nv_edge)(kc, a, b, ldbk, c, ldc, load, alpha, NV, mr, nr);
}
#define MICRO_TILE_EDGE 1
