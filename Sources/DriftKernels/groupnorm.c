/*
 * GroupNorm's two elementwise passes (TensorCore/Tensor+GroupNorm.swift), which carry its SiLU:
 *
 *   forward:   y = z or SiLU(z),           z = x·a + b   (a = γ·r, b = β − μ·a per channel)
 *   backward:  dz = dy·σ(z)·(1 + z·(1 − σ(z)))
 *
 * rounded as the Swift loops round them (x·a, then + b; no contraction) with SiLU and σ as
 * fastSiLU / fastSigmoid (activation.h), so every path gives those loops' bits. The AVX-512 path
 * (groupnorm_avx512.c) evaluates the exponential 16 lanes at a time; the Swift loops vectorize
 * at the 8 lanes of their AVX2 target.
 */
#include "drift_kernels.h"
#include "activation.h"

void drift_avx512_affine_silu(const float *x, long n, float a, float b, int silu, float *y);
void drift_avx512_affine_silu_grad(const float *x, const float *dy, long n, float a, float b, float *dz);

void drift_affine_silu(int path, const float *x, long n, float a, float b, int silu, float *y) {
#if defined(__x86_64__)
    if (path == DRIFT_KERNEL_AVX512) { drift_avx512_affine_silu(x, n, a, b, silu, y); return; }
#endif
    for (long i = 0; i < n; i++) {
        float z = x[i] * a + b;
        y[i] = silu ? drift_silu(z) : z;
    }
}

void drift_affine_silu_grad(int path, const float *x, const float *dy, long n, float a, float b, float *dz) {
#if defined(__x86_64__)
    if (path == DRIFT_KERNEL_AVX512) { drift_avx512_affine_silu_grad(x, dy, n, a, b, dz); return; }
#endif
    for (long i = 0; i < n; i++) {
        float z = x[i] * a + b, s = drift_sigmoid(z);
        dz[i] = dy[i] * s * (1.0f + z * (1.0f - s));
    }
}
