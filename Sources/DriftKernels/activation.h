/*
 * The GEMM epilogue (drift_kernels.h: drift_epilogue), scalar and vector. The activation
 * replicates TensorCore's `fastExp` / `fastSiLU` (FastMath.swift) operation for operation — clamp
 * to [−87, 88], n = round(x·log₂e) through the 1.5·2²³ magic number, Cody–Waite reduction by ln 2,
 * degree-6 Taylor polynomial by Horner's rule, each step one fused multiply-add (fmaf, rounded
 * once), 2ⁿ through the exponent bits; SiLU = x / (1 + e^−x) — with no other contraction
 * (-ffp-contract=off), so the fused and the separate op give the same bits.
 *
 * The clamp follows Swift's max(x, lo) = (lo >= x ? lo : x) and min(v, hi) = (hi < v ? hi : v),
 * which pass NaN through; so do MAXPS(lo, x) and MINPS(hi, v), which return their second operand
 * when either is NaN.
 */
#ifndef DRIFT_ACTIVATION_H
#define DRIFT_ACTIVATION_H
#include "drift_kernels.h"
#include <math.h>
#include <stdint.h>
#include <string.h>

static inline float drift_fast_exp(float x) {
    float xc = -87.0f >= x ? -87.0f : x;
    xc = 88.0f < xc ? 88.0f : xc;
    float t = fmaf(xc, 1.442695040888963f, 12582912.0f);
    float n = t - 12582912.0f;
    float r = fmaf(-n, 0.693359375f, xc);
    r = fmaf(-n, -2.12194440e-4f, r);
    float p = 1.0f / 720.0f;
    p = fmaf(p, r, 1.0f / 120.0f);
    p = fmaf(p, r, 1.0f / 24.0f);
    p = fmaf(p, r, 1.0f / 6.0f);
    p = fmaf(p, r, 0.5f);
    p = fmaf(p, r, 1.0f);
    p = fmaf(p, r, 1.0f);
    uint32_t tb;
    memcpy(&tb, &t, 4);
    uint32_t bits = (tb - 0x4B400000u + 127u) << 23;
    float scale;
    memcpy(&scale, &bits, 4);
    return p * scale;
}

static inline float drift_silu(float x) { return x / (1.0f + drift_fast_exp(-x)); }

static inline float drift_sigmoid(float x) { return 1.0f / (1.0f + drift_fast_exp(-x)); }

static inline float drift_activate(int activation, float x) {
    return activation == DRIFT_ACTIVATION_SILU ? drift_silu(x) : x;
}

/* The epilogue on c[0..<n], the elements (row, col..<col+n) of C, one at a time. */
static inline void drift_epilogue_scalar(const drift_epilogue *ep, long row, long col, long n, float *c) {
    const float *bias = ep->bias ? ep->bias + col : NULL;
    const float *add = ep->add ? ep->add + row * ep->ldadd + col : NULL;
    float *act = ep->activation != DRIFT_ACTIVATION_NONE ? ep->act + row * ep->ldact + col : NULL;
    for (long j = 0; j < n; j++) {
        float v = c[j];
        if (bias) v = v + bias[j];
        if (add) v = v + add[j];
        c[j] = v;
        if (act) act[j] = drift_activate(ep->activation, v);
    }
}

#ifdef VLEN
/*
 * Vector form, for files that define VLEN, VEC, VLOADU, VSTOREU, VSET1, VMUL, VFMA(a, b, c) = a·b + c
 * and VADD, VSUB, VDIV, VMAX, VMIN (MAXPS/MINPS semantics), VFNMA(a, b, c) = c − a·b (both rounded
 * once), VEXP2(t) (2^(bits of t − magic)):
 * whole vectors, then the scalar form for the rest — the same bits either way.
 */
/* fastExp(−x). */
static inline __attribute__((always_inline)) VEC drift_vec_exp_neg(VEC x) {
    VEC nx = VSUB(VSET1(-0.0f), x);   /* −0 − x = −x exactly, signed zeros included */
    VEC xc = VMIN(VSET1(88.0f), VMAX(VSET1(-87.0f), nx));
    VEC t = VFMA(xc, VSET1(1.442695040888963f), VSET1(12582912.0f));
    VEC n = VSUB(t, VSET1(12582912.0f));
    VEC r = VFNMA(n, VSET1(0.693359375f), xc);
    r = VFNMA(n, VSET1(-2.12194440e-4f), r);
    VEC p = VSET1(1.0f / 720.0f);
    p = VFMA(p, r, VSET1(1.0f / 120.0f));
    p = VFMA(p, r, VSET1(1.0f / 24.0f));
    p = VFMA(p, r, VSET1(1.0f / 6.0f));
    p = VFMA(p, r, VSET1(0.5f));
    p = VFMA(p, r, VSET1(1.0f));
    p = VFMA(p, r, VSET1(1.0f));
    return VMUL(p, VEXP2(t));
}

/* x / (1 + e^−x), as drift_silu. */
static inline __attribute__((always_inline)) VEC drift_vec_silu(VEC x) {
    return VDIV(x, VADD(VSET1(1.0f), drift_vec_exp_neg(x)));
}

/* 1 / (1 + e^−x), as fastSigmoid. */
static inline __attribute__((always_inline)) VEC drift_vec_sigmoid(VEC x) {
    return VDIV(VSET1(1.0f), VADD(VSET1(1.0f), drift_vec_exp_neg(x)));
}

static void drift_epilogue_vector(const drift_epilogue *ep, long row, long col, long n, float *c) {
    const float *bias = ep->bias ? ep->bias + col : NULL;
    const float *add = ep->add ? ep->add + row * ep->ldadd + col : NULL;
    float *act = ep->activation != DRIFT_ACTIVATION_NONE ? ep->act + row * ep->ldact + col : NULL;
    long j = 0;
    for (; j + VLEN <= n; j += VLEN) {
        VEC v = VLOADU(c + j);
        if (bias) v = VADD(v, VLOADU(bias + j));
        if (add) v = VADD(v, VLOADU(add + j));
        VSTOREU(c + j, v);
        if (act) VSTOREU(act + j, drift_vec_silu(v));
    }
    if (j < n) drift_epilogue_scalar(ep, row, col + j, n - j, c + j);
}

#endif
#endif
