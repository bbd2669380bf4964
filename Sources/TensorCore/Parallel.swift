import Dispatch
import Foundation
import CBLAS

/// Number of threads Drift's kernels (and OpenBLAS) use.
public enum ComputeThreads {
    nonisolated(unsafe) private static var current: Int = {
        let n = ProcessInfo.processInfo.activeProcessorCount
        return max(1, n)
    }()

    /// Threads used by elementwise kernels and BLAS.
    public static var count: Int { current }

    /// Sets the thread count for Drift's kernels and OpenBLAS. Call before computing.
    public static func set(_ n: Int) {
        precondition(n >= 1, "ComputeThreads.set: thread count must be ≥ 1, got \(n)")
        current = n
        openblas_set_num_threads(Int32(n))
    }
}

/// Minimum number of elements per task before work is split across threads
/// (`concurrentPerform` costs ~0.4 µs a call; see PLATFORM-NOTES).
public let parallelGrain = 32_768

/// Runs `body(lo, hi)` over disjoint chunks covering `0..<n`, on up to
/// `ComputeThreads.count` threads when `n` is at least `grain`.
/// Results must not depend on the split (each index is handled exactly once).
@inline(__always)
public func parallelFor(_ n: Int, grain: Int = parallelGrain, _ body: (Int, Int) -> Void) {
    let threads = min(ComputeThreads.count, n / max(grain, 1))
    if threads <= 1 {
        if n > 0 { body(0, n) }
        return
    }
    withoutActuallyEscaping(body) { body in
        nonisolated(unsafe) let body = body
        DispatchQueue.concurrentPerform(iterations: threads) { k in
            let lo = n * k / threads, hi = n * (k + 1) / threads
            if hi > lo { body(lo, hi) }
        }
    }
}
