/* groupnorm.c's passes on the AVX-512 path: whole vectors, then the scalar form for the rest. */
#if defined(__x86_64__)
#include "drift_kernels.h"
#include <immintrin.h>

#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx2,fma"))), apply_to = function)

#include "vec_avx512.h"
#include "activation.h"

void drift_avx512_affine_silu(const float *x, long n, float a, float b, int silu, float *y) {
    VEC va = VSET1(a), vb = VSET1(b);
    long i = 0;
    for (; i + VLEN <= n; i += VLEN) {
        VEC z = VADD(VMUL(VLOADU(x + i), va), vb);
        VSTOREU(y + i, silu ? drift_vec_silu(z) : z);
    }
    for (; i < n; i++) {
        float z = x[i] * a + b;
        y[i] = silu ? drift_silu(z) : z;
    }
}

void drift_avx512_affine_silu_grad(const float *x, const float *dy, long n, float a, float b, float *dz) {
    VEC va = VSET1(a), vb = VSET1(b), one = VSET1(1.0f);
    long i = 0;
    for (; i + VLEN <= n; i += VLEN) {
        VEC z = VADD(VMUL(VLOADU(x + i), va), vb), s = drift_vec_sigmoid(z);
        VSTOREU(dz + i, VMUL(VMUL(VLOADU(dy + i), s), VADD(one, VMUL(z, VSUB(one, s)))));
    }
    for (; i < n; i++) {
        float z = x[i] * a + b, s = drift_sigmoid(z);
        dz[i] = dy[i] * s * (1.0f + z * (1.0f - s));
    }
}

#pragma clang attribute pop
#endif
