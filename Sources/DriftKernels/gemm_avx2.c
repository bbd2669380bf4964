/* AVX2 + FMA path: two micro-tiles of 12 ymm accumulators (of 16 registers), 6×16 and 4×24;
 * drift_sgemm picks the one that pads the product least (they give the same bits). */
#if defined(__x86_64__)
#include "drift_kernels.h"
#include <immintrin.h>

#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)

#define VLEN 8
#define VEC __m256
#define VZERO() _mm256_setzero_ps()
#define VLOADU(p) _mm256_loadu_ps(p)
#define VLOAD(p) _mm256_load_ps(p)
#define VSET1(x) _mm256_set1_ps(x)
#define VFMA(a, b, c) _mm256_fmadd_ps(a, b, c)
#define VMUL(a, b) _mm256_mul_ps(a, b)
#define VSTOREU(p, v) _mm256_storeu_ps(p, v)
#define VLANES(n) _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(n)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7))
#define VLOADU_N(p, n) _mm256_maskload_ps(p, VLANES(n))
#define VSTOREU_N(p, v, n) _mm256_maskstore_ps(p, VLANES(n), v)

#define VADD(a, b) _mm256_add_ps(a, b)
#define VSUB(a, b) _mm256_sub_ps(a, b)
#define VDIV(a, b) _mm256_div_ps(a, b)
#define VFNMA(a, b, c) _mm256_fnmadd_ps(a, b, c)
#define VMAX(a, b) _mm256_max_ps(a, b)
#define VMIN(a, b) _mm256_min_ps(a, b)
#define VEXP2(t) _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(_mm256_castps_si256(t), _mm256_set1_epi32(127 - 0x4B400000)), 23))

#include "transpose.h"
#include "activation.h"
#define EPILOGUE_ROW drift_epilogue_vector

/* The loop over k unrolled by 4: the 6×16 products of mlp2d's layers (1,024 × 256 × 256, forward,
 * data and weight gradients) ran 1.04–1.14× OpenBLAS's Haswell kernel in the same process, against
 * 0.90–1.00× rolled (Zen 3, family 25 model 1; scripts' harness, three alternating rounds). */
#define MICRO_TILE_UNROLL 4

#define MR 6
#define NV 2
#define KERNEL_NAME(x) drift_avx2_6x16_##x
#include "micro_tile.h"
#include "gemm_driver.h"
#undef MR
#undef NV
#undef NR
#undef KERNEL_NAME

#define MR 4
#define NV 3
#define KERNEL_NAME(x) drift_avx2_4x24_##x
#include "micro_tile.h"
#include "gemm_driver.h"

#pragma clang attribute pop
#endif
