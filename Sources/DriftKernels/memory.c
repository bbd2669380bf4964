#include "drift_kernels.h"

static long long live_bytes = 0;
static long long peak_bytes = 0;

void drift_memory_allocated(long long bytes) {
    long long now = __atomic_add_fetch(&live_bytes, bytes, __ATOMIC_RELAXED);
    long long peak = __atomic_load_n(&peak_bytes, __ATOMIC_RELAXED);
    while (now > peak && !__atomic_compare_exchange_n(&peak_bytes, &peak, now, 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {}
}

void drift_memory_freed(long long bytes) { __atomic_sub_fetch(&live_bytes, bytes, __ATOMIC_RELAXED); }

long long drift_memory_live(void) { return __atomic_load_n(&live_bytes, __ATOMIC_RELAXED); }

long long drift_memory_peak(void) { return __atomic_load_n(&peak_bytes, __ATOMIC_RELAXED); }

void drift_memory_reset_peak(void) { __atomic_store_n(&peak_bytes, __atomic_load_n(&live_bytes, __ATOMIC_RELAXED), __ATOMIC_RELAXED); }

/* Whether this thread runs Drift's kernels serially (ComputeThreads.serially): thread-local, so
 * workers that each compute a shard of a batch do not split their products again. */
static __thread int thread_serial;

int drift_thread_serial(void) { return thread_serial; }

void drift_thread_set_serial(int serial) { thread_serial = serial; }
