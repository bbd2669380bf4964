/*
 * 8×8 and 4×4 in-register transposes (AVX / SSE) for the GEMM driver's packing, shared by the
 * SIMD paths (included inside their `#pragma clang attribute` target region).
 */
/* dst[q·ldd + r] = src[r·lds + q]. Rows r and r + 4 are loaded into the two 128-bit lanes of one
 * register (the insert from memory runs on any vector port), so that a 4×4 transpose within the
 * lanes (16 shuffles, where a whole-register transpose needs 24 on the one shuffle port of Intel
 * cores) leaves each output row whole in one register. */
static inline __attribute__((always_inline)) void transpose_8x8(const float *src, long lds, float *dst, long ldd) {
    __m256 r[8];
    for (int i = 0; i < 4; i++) {
        r[i] = _mm256_insertf128_ps(_mm256_castps128_ps256(_mm_loadu_ps(src + i * lds)), _mm_loadu_ps(src + (i + 4) * lds), 1);
        r[i + 4] = _mm256_insertf128_ps(_mm256_castps128_ps256(_mm_loadu_ps(src + i * lds + 4)),
                                        _mm_loadu_ps(src + (i + 4) * lds + 4), 1);
    }
    for (int h = 0; h < 2; h++) {   /* columns 4h ..< 4h + 4 */
        __m256 t0 = _mm256_unpacklo_ps(r[4 * h], r[4 * h + 1]), t1 = _mm256_unpackhi_ps(r[4 * h], r[4 * h + 1]);
        __m256 t2 = _mm256_unpacklo_ps(r[4 * h + 2], r[4 * h + 3]), t3 = _mm256_unpackhi_ps(r[4 * h + 2], r[4 * h + 3]);
        _mm256_storeu_ps(dst + (4 * h + 0) * ldd, _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(1, 0, 1, 0)));
        _mm256_storeu_ps(dst + (4 * h + 1) * ldd, _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(3, 2, 3, 2)));
        _mm256_storeu_ps(dst + (4 * h + 2) * ldd, _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(1, 0, 1, 0)));
        _mm256_storeu_ps(dst + (4 * h + 3) * ldd, _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(3, 2, 3, 2)));
    }
}

static inline __attribute__((always_inline)) void transpose_4x4(const float *src, long lds, float *dst, long ldd) {
    __m128 r0 = _mm_loadu_ps(src), r1 = _mm_loadu_ps(src + lds), r2 = _mm_loadu_ps(src + 2 * lds), r3 = _mm_loadu_ps(src + 3 * lds);
    _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
    _mm_storeu_ps(dst, r0);
    _mm_storeu_ps(dst + ldd, r1);
    _mm_storeu_ps(dst + 2 * ldd, r2);
    _mm_storeu_ps(dst + 3 * ldd, r3);
}
#define PACK_TRANSPOSE 1
