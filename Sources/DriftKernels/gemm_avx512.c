/* AVX-512 path: an 8×48 micro-tile, three zmm accumulators per row of C (24 of 32 registers). */
#if defined(__x86_64__)
#include "drift_kernels.h"
#include <immintrin.h>

#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx2,fma"))), apply_to = function)

#define MR 8
#define NV 3
#define VLEN 16
#define VEC __m512
#define VZERO() _mm512_setzero_ps()
#define VLOADU(p) _mm512_loadu_ps(p)
#define VLOAD(p) _mm512_load_ps(p)
#define VSET1(x) _mm512_set1_ps(x)
#define VFMA(a, b, c) _mm512_fmadd_ps(a, b, c)
#define VMUL(a, b) _mm512_mul_ps(a, b)
#define VSTOREU(p, v) _mm512_storeu_ps(p, v)
#define KERNEL_NAME(x) drift_avx512_##x

#include "micro_tile.h"
#include "gemm_driver.h"

#pragma clang attribute pop

int drift_avx512_mr(void) { return MR; }
int drift_avx512_nr(void) { return NR; }
#endif
