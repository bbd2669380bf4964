/*
 * The blocked GEMM driver shared by every kernel path (included once per tile
 * shape by the instruction-set files, which define MR, NR, KERNEL_NAME and a
 * micro-kernel KERNEL_NAME(micro_tile)). Loop nest and packing follow BLIS (Van Zee & van de Geijn,
 * "BLIS: A Framework for Rapidly Instantiating BLAS Functionality", ACM TOMS
 * 2015; Goto & van de Geijn, "Anatomy of High-Performance Matrix
 * Multiplication", ACM TOMS 2008):
 *
 *   for jc in N by NC:  for pc in K by KC:  pack B[pc, jc] into NR-wide panels
 *     for ic in M by MC:  pack A[ic, pc] into MR-tall panels
 *       for jr in NC by NR:  for ir in MC by MR:  C tile += A panel · B panel
 *
 * Determinism: the micro-kernel keeps one accumulator per element of C and
 * adds one fused product per k, in order. Between KC blocks the partial sum
 * is parked in C itself (float32 stores and loads are exact), so the chain is
 * the same as one unblocked loop over k whatever KC, MC, NC, the tile an
 * element lands in (edge tiles run the same kernel on zero-padded panels) or
 * the part of C a caller asks for.
 *
 * optional (micro_tile.h defines the first two): MICRO_TILE_EDGE with KERNEL_NAME(micro_tile_edge)(kc, a, b,
 *   ldbk, c, ldc, load, alpha, mr, nr), a micro-kernel for an mr×nr edge tile that works in place in C
 *   and computes only about the rows and vectors that hold it;
 *   MICRO_TILE_DIRECT with KERNEL_NAME(micro_tile_direct)(kc, a, b, ldbk, c, ldc, load, alpha), reading
 *   B in place (row k at b + k·ldbk); and PACK_TRANSPOSE, with transpose_8x8 / transpose_4x4(src, lds, dst, ldd) writing
 *   dst[q·ldd + r] = src[r·lds + q] for an 8×8 / 4×4 block (the SIMD paths' in-register transposes).
 * Epilogue (drift_sgemm_fused): when a tile's last KC block is stored, EPILOGUE_ROW(ep, row, col, n, c)
 * finishes each of its rows while the tile is still in L1 (activation.h).
 *
 * requires: MR, NR, KERNEL_NAME(x), EPILOGUE_ROW, and
 *   static void KERNEL_NAME(micro_tile)(long kc, const float *a, const float *b, float *c, long ldc, int load, float alpha);
 *     a: kc×MR panel (MR values per k), b: kc×NR panel; c: MR×NR tile with row stride ldc.
 *     load: start from the values in c, else from 0. The result is multiplied by alpha when stored.
 */
#include <stdlib.h>
#include <string.h>

/* Per-thread packing buffers, grown on demand and kept for the thread's life. */
static __thread float *KERNEL_NAME(pack_a_buf);
static __thread size_t KERNEL_NAME(pack_a_cap);
static __thread float *KERNEL_NAME(pack_b_buf);
static __thread size_t KERNEL_NAME(pack_b_cap);

static float *KERNEL_NAME(buffer)(float **buf, size_t *cap, size_t count) {
    if (*cap < count) {
        free(*buf);
        size_t bytes = (count * sizeof(float) + 63) & ~(size_t)63;
        *buf = (float *)aligned_alloc(64, bytes);
        if (!*buf) abort();
        *cap = count;
    }
    return *buf;
}

/* Packs op(A)[0..<mc, 0..<kc] into ceil(mc/MR) panels of kc×MR (zero rows past mc). */
static void KERNEL_NAME(pack_a)(int trans, long mc, long kc, const float *a, long lda, float *ap) {
    for (long ir = 0; ir < mc; ir += MR) {
        long mr = mc - ir < MR ? mc - ir : MR;
        float *dst = ap + ir * kc;
        if (trans) {
            /* op(A)(i, p) = a[p·lda + i]: MR contiguous values per p (a fixed-size copy, which the
             * compiler turns into a few vector moves: the loop over i did not vectorize for MR = 12,
             * and took 43% of a 32×32×196 product with transposed A on Intel model 207). */
            if (mr == MR) {
                for (long p = 0; p < kc; p++) memcpy(dst + p * MR, a + p * lda + ir, MR * sizeof(float));
            } else {
                memset(dst, 0, (size_t)kc * MR * sizeof(float));   /* rows mr ..< MR (strided zero stores became scatters) */
                long i = 0;
                for (; i + 8 <= mr; i += 8)
                    for (long p = 0; p < kc; p++) memcpy(dst + p * MR + i, a + p * lda + ir + i, 8 * sizeof(float));
                for (; i + 4 <= mr; i += 4)
                    for (long p = 0; p < kc; p++) memcpy(dst + p * MR + i, a + p * lda + ir + i, 4 * sizeof(float));
                for (long p = 0; p < kc; p++)
                    for (long r = i; r < mr; r++) dst[p * MR + r] = a[p * lda + ir + r];
            }
        } else {
            /* Rows of A are contiguous in p: transpose 8×8 and 4×4 blocks in registers. */
            long i = 0;
#ifdef PACK_TRANSPOSE
            for (; i + 8 <= mr; i += 8) {
                long p = 0;
                for (; p + 8 <= kc; p += 8) transpose_8x8(a + (ir + i) * lda + p, lda, dst + p * MR + i, MR);
                for (; p < kc; p++)
                    for (long r = 0; r < 8; r++) dst[p * MR + i + r] = a[(ir + i + r) * lda + p];
            }
            for (; i + 4 <= mr; i += 4) {
                long p = 0;
                for (; p + 4 <= kc; p += 4) transpose_4x4(a + (ir + i) * lda + p, lda, dst + p * MR + i, MR);
                for (; p < kc; p++)
                    for (long r = 0; r < 4; r++) dst[p * MR + i + r] = a[(ir + i + r) * lda + p];
            }
#endif
            for (; i < mr; i++) {
                const float *src = a + (ir + i) * lda;
                for (long p = 0; p < kc; p++) dst[p * MR + i] = src[p];
            }
            for (i = mr; i < MR; i++)
                for (long p = 0; p < kc; p++) dst[p * MR + i] = 0;
        }
    }
}

/* Packs op(B)[0..<kc, 0..<nc] into ceil(nc/NR) panels of kc×NR (zero columns past nc). */
static void KERNEL_NAME(pack_b)(int trans, long kc, long nc, const float *b, long ldb, float *bp) {
    for (long jr = 0; jr < nc; jr += NR) {
        long nr = nc - jr < NR ? nc - jr : NR;
        float *dst = bp + jr * kc;
        if (trans) {
            /* op(B)(p, j) = b[j·ldb + p]: rows of B are contiguous in p, transposed in 8×8 blocks. */
            long j = 0;
#ifdef PACK_TRANSPOSE
            for (; j + 8 <= nr; j += 8) {
                long p = 0;
                for (; p + 8 <= kc; p += 8) transpose_8x8(b + (jr + j) * ldb + p, ldb, dst + p * NR + j, NR);
                for (; p < kc; p++)
                    for (long r = 0; r < 8; r++) dst[p * NR + j + r] = b[(jr + j + r) * ldb + p];
            }
#endif
            for (; j < nr; j++) {
                const float *src = b + (jr + j) * ldb;
                for (long p = 0; p < kc; p++) dst[p * NR + j] = src[p];
            }
            for (j = nr; j < NR; j++)
                for (long p = 0; p < kc; p++) dst[p * NR + j] = 0;
        } else {
            for (long p = 0; p < kc; p++) {
                const float *src = b + p * ldb + jr;
                float *d = dst + p * NR;
                if (nr == NR) {
                    memcpy(d, src, NR * sizeof(float));
                } else {
                    long j = 0;
                    for (; j < nr; j++) d[j] = src[j];
                    for (; j < NR; j++) d[j] = 0;
                }
            }
        }
    }
}

/* Prefetches the cache lines of `rows` rows of `cols` floats, `ld` apart (for writing when `write`).
 * Only timing changes. */
static inline void KERNEL_NAME(prefetch_rows)(const float *p, long ld, long rows, long cols, int write) {
    for (long i = 0; i < rows; i++) {
        unsigned long line = (unsigned long)(p + i * ld) & ~63UL, last = (unsigned long)(p + i * ld + cols - 1) & ~63UL;
        for (; line <= last; line += 64) {
            if (write) __builtin_prefetch((const void *)line, 1, 3);
            else __builtin_prefetch((const void *)line, 0, 3);
        }
    }
}

/* An edge tile (mr < MR or nr < NR): in place with MICRO_TILE_EDGE, else the same micro-kernel
 * on a full MR×NR scratch tile, copied in and out. */
static void KERNEL_NAME(edge_tile)(long kc, const float *a, const float *b, long ldbk, float *c, long ldc,
                                   long mr, long nr, int load, float alpha) {
#ifdef MICRO_TILE_EDGE
    KERNEL_NAME(micro_tile_edge)(kc, a, b, ldbk, c, ldc, load, alpha, mr, nr);
#else
    (void)ldbk;   /* always NR: B is always packed without MICRO_TILE_DIRECT */
    float t[MR * NR] __attribute__((aligned(64)));
    if (load) {
        for (long i = 0; i < MR; i++)
            for (long j = 0; j < NR; j++) t[i * NR + j] = (i < mr && j < nr) ? c[i * ldc + j] : 0;
    }
    KERNEL_NAME(micro_tile)(kc, a, b, t, NR, load, alpha);
    for (long i = 0; i < mr; i++)
        for (long j = 0; j < nr; j++) c[i * ldc + j] = t[i * NR + j];
#endif
}

void KERNEL_NAME(sgemm)(int transA, int transB, long m, long n, long k, float alpha,
                        const float *a, long lda, const float *b, long ldb, float beta, float *c, long ldc,
                        long KC, long MC, long NC, const drift_epilogue *ep) {
    int accumulate = beta != 0;
    /* Small K with B row-major: every panel reads B in place (packing would copy as many bytes
     * as the micro-kernel then reads, for a kc·NR panel that fits L1 either way); the ragged last
     * one through the edge kernel's lane masks. Packing that panel's 4 columns of 32×196×32 (a
     * 28×28 Winograd product) cost as much as a full tile: 165 → 185 GFLOP/s on Zen 5. */
#ifdef MICRO_TILE_DIRECT
    int direct = !transB && k <= 64;
#else
    int direct = 0;
#endif
    float *bp = KERNEL_NAME(buffer)(&KERNEL_NAME(pack_b_buf), &KERNEL_NAME(pack_b_cap),
                                    (size_t)KC * (size_t)((NC + NR - 1) / NR * NR));
    float *ap = KERNEL_NAME(buffer)(&KERNEL_NAME(pack_a_buf), &KERNEL_NAME(pack_a_cap),
                                    (size_t)KC * (size_t)((MC + MR - 1) / MR * MR));
    for (long jc = 0; jc < n; jc += NC) {
        long nc = n - jc < NC ? n - jc : NC;
        for (long pc = 0; pc < k; pc += KC) {
            long kc = k - pc < KC ? k - pc : KC;
            int load = pc > 0 || accumulate;
            int last = pc + kc == k;
            float scale = last ? alpha : 1.0f;
            const float *bsrc = transB ? b + jc * ldb + pc : b + pc * ldb + jc;
            if (!direct) KERNEL_NAME(pack_b)(transB, kc, nc, bsrc, ldb, bp);
            for (long ic = 0; ic < m; ic += MC) {
                long mc = m - ic < MC ? m - ic : MC;
                const float *asrc = transA ? a + pc * lda + ic : a + ic * lda + pc;
                KERNEL_NAME(pack_a)(transA, mc, kc, asrc, lda, ap);
                for (long jr = 0; jr < nc; jr += NR) {
                    long nr = nc - jr < NR ? nc - jr : NR;
                    for (long ir = 0; ir < mc; ir += MR) {
                        long mr = mc - ir < MR ? mc - ir : MR;
                        float *ct = c + (ic + ir) * ldc + jc + jr;
                        /* The next tile down: its lines of C (and of the epilogue's outputs) are
                         * requested now, so their misses overlap this tile's arithmetic. Measured on
                         * Intel model 207, alternating rounds: mlp2d training 80k → 86k samples/s
                         * (prefetching for kc ≥ 128 only), then for every kc unet28 training and
                         * inference 1.03× and mlp2d training 1.10× more (medians of 5–12 rounds). */
                        if (ir + MR < mc) {
                            long rows = mc - ir - MR < MR ? mc - ir - MR : MR;
                            KERNEL_NAME(prefetch_rows)(ct + MR * ldc, ldc, rows, nr, 1);
                            if (ep && last) {
                                long row = ic + ir + MR, col = jc + jr;
                                if (ep->add) KERNEL_NAME(prefetch_rows)(ep->add + row * ep->ldadd + col, ep->ldadd, rows, nr, 0);
                                if (ep->activation != DRIFT_ACTIVATION_NONE && ep->act != c)
                                    KERNEL_NAME(prefetch_rows)(ep->act + row * ep->ldact + col, ep->ldact, rows, nr, 1);
                            }
                        }
                        const float *bt = direct ? bsrc + jr : bp + jr * kc;
                        long ldbk = direct ? ldb : NR;
                        if (mr == MR && nr == NR) {
#ifdef MICRO_TILE_DIRECT
                            if (direct) KERNEL_NAME(micro_tile_direct)(kc, ap + ir * kc, bt, ldbk, ct, ldc, load, scale);
                            else
#endif
                            KERNEL_NAME(micro_tile)(kc, ap + ir * kc, bt, ct, ldc, load, scale);
                        } else {
                            KERNEL_NAME(edge_tile)(kc, ap + ir * kc, bt, ldbk, ct, ldc, mr, nr, load, scale);
                        }
                        if (ep && last)
                            for (long i = 0; i < mr; i++) EPILOGUE_ROW(ep, ic + ir + i, jc + jr, nr, ct + i * ldc);
                    }
                }
            }
        }
    }
}
