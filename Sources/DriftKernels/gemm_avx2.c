/* AVX2 + FMA path: a 6×16 micro-tile, two ymm accumulators per row of C (12 of 16 registers). */
#if defined(__x86_64__)
#include "drift_kernels.h"
#include <immintrin.h>

#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)

#define MR 6
#define NV 2
#define VLEN 8
#define VEC __m256
#define VZERO() _mm256_setzero_ps()
#define VLOADU(p) _mm256_loadu_ps(p)
#define VLOAD(p) _mm256_load_ps(p)
#define VSET1(x) _mm256_set1_ps(x)
#define VFMA(a, b, c) _mm256_fmadd_ps(a, b, c)
#define VMUL(a, b) _mm256_mul_ps(a, b)
#define VSTOREU(p, v) _mm256_storeu_ps(p, v)
#define KERNEL_NAME(x) drift_avx2_##x

#include "micro_tile.h"
#include "gemm_driver.h"

#pragma clang attribute pop

int drift_avx2_mr(void) { return MR; }
int drift_avx2_nr(void) { return NR; }
#endif
