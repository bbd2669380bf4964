/*
 * The vector operations of the AVX-512 files (micro_tile.h, activation.h), for code compiled
 * inside `#pragma clang attribute push(__attribute__((target("avx512f,…"))))`.
 */
#include <immintrin.h>

#define VLEN 16
#define VEC __m512
#define VZERO() _mm512_setzero_ps()
#define VLOADU(p) _mm512_loadu_ps(p)
#define VLOAD(p) _mm512_load_ps(p)
#define VSET1(x) _mm512_set1_ps(x)
#define VFMA(a, b, c) _mm512_fmadd_ps(a, b, c)
#define VMUL(a, b) _mm512_mul_ps(a, b)
#define VSTOREU(p, v) _mm512_storeu_ps(p, v)
#define VLANES(n) ((__mmask16)((1u << (n)) - 1))
#define VLOADU_N(p, n) _mm512_maskz_loadu_ps(VLANES(n), p)
#define VSTOREU_N(p, v, n) _mm512_mask_storeu_ps(p, VLANES(n), v)

#define VADD(a, b) _mm512_add_ps(a, b)
#define VSUB(a, b) _mm512_sub_ps(a, b)
#define VDIV(a, b) _mm512_div_ps(a, b)
#define VFNMA(a, b, c) _mm512_fnmadd_ps(a, b, c)
#define VMAX(a, b) _mm512_max_ps(a, b)
#define VMIN(a, b) _mm512_min_ps(a, b)
#define VEXP2(t) _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(_mm512_castps_si512(t), _mm512_set1_epi32(127 - 0x4B400000)), 23))
