/* Portable path: a 4×8 micro-tile in plain C. `fmaf` rounds once, like the
 * vector paths' fused multiply-add, so this path gives bitwise their results
 * (slowly, where the CPU has no FMA instruction). */
#include "drift_kernels.h"
#include "activation.h"
#include <math.h>

#define EPILOGUE_ROW drift_epilogue_scalar

#define MR 4
#define NR 8
#define KERNEL_NAME(x) drift_generic_4x8_##x

static void KERNEL_NAME(micro_tile)(long kc, const float *restrict a, const float *restrict b, float *restrict c, long ldc,
                       int load, float alpha) {
    float acc[MR][NR];
    for (int i = 0; i < MR; i++)
        for (int j = 0; j < NR; j++) acc[i][j] = load ? c[i * ldc + j] : 0.0f;
    for (long p = 0; p < kc; p++) {
        for (int i = 0; i < MR; i++)
            for (int j = 0; j < NR; j++) acc[i][j] = fmaf(a[i], b[j], acc[i][j]);
        a += MR;
        b += NR;
    }
    for (int i = 0; i < MR; i++)
        for (int j = 0; j < NR; j++) c[i * ldc + j] = alpha != 1.0f ? acc[i][j] * alpha : acc[i][j];
}

#include "gemm_driver.h"
