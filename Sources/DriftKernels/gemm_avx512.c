/* AVX-512 path: two micro-tiles of 24 zmm accumulators (of 32 registers), 8×48 and 12×32;
 * drift_sgemm picks the one that pads the product least (they give the same bits). */
#if defined(__x86_64__)
#include "drift_kernels.h"
#include <immintrin.h>

#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx2,fma"))), apply_to = function)

#include "vec_avx512.h"
#include "transpose.h"
#include "activation.h"
#define EPILOGUE_ROW drift_epilogue_vector

#define MR 8
#define NV 3
#define KERNEL_NAME(x) drift_avx512_8x48_##x
#include "micro_tile.h"
#include "gemm_driver.h"
#undef MR
#undef NV
#undef NR
#undef KERNEL_NAME

#define MR 12
#define NV 2
#define KERNEL_NAME(x) drift_avx512_12x32_##x
#include "micro_tile.h"
#include "gemm_driver.h"

#pragma clang attribute pop
#endif
