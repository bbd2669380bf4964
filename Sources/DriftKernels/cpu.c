/* CPU features and cache sizes, for choosing and sizing Drift's kernels. */
#include "drift_kernels.h"
#include <unistd.h>

int drift_kernel_supported(int path) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    switch (path) {
    case DRIFT_KERNEL_GENERIC: return 1;
    case DRIFT_KERNEL_AVX2:
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case DRIFT_KERNEL_AVX512:
        /* compiler-rt checks that the OS saves the ZMM state (XCR0) too. */
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")
            && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq")
            && __builtin_cpu_supports("fma");
    default: return 0;
    }
#else
    return path == DRIFT_KERNEL_GENERIC;
#endif
}

int drift_kernel_best(void) {
    if (drift_kernel_supported(DRIFT_KERNEL_AVX512)) return DRIFT_KERNEL_AVX512;
    if (drift_kernel_supported(DRIFT_KERNEL_AVX2)) return DRIFT_KERNEL_AVX2;
    return DRIFT_KERNEL_GENERIC;
}

long drift_cache_l1d(void) {
    long s = sysconf(_SC_LEVEL1_DCACHE_SIZE);
    return s >= 16384 ? s : 32768;
}

long drift_cache_l2(void) {
    long s = sysconf(_SC_LEVEL2_CACHE_SIZE);
    return s >= 131072 ? s : 524288;
}
