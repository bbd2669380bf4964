import Dispatch
import DriftKernels
import Foundation

/// Number of threads Drift's kernels (and its GEMMs) use.
///
/// Drift splits large GEMMs across its workers (`sgemm`) and runs small ones side by
/// side (convolution, attention).
public enum ComputeThreads {
    nonisolated(unsafe) private static var current: Int = Swift.max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// Threads used by elementwise kernels and GEMMs: 1 inside `serially` on this thread.
    public static var count: Int { drift_thread_serial() != 0 ? 1 : current }

    /// Runs `body` with this thread's kernels serial (`count` is 1 on this thread until it
    /// returns), for workers that each compute a whole part of a job side by side (the shards of
    /// a training batch) and must not split their own products again. Results are unchanged:
    /// no kernel's values depend on the thread count.
    public static func serially<T>(_ body: () throws -> T) rethrows -> T {
        let outer = drift_thread_serial()
        drift_thread_set_serial(1)
        defer { drift_thread_set_serial(outer) }
        return try body()
    }

    /// Sets the thread count for Drift's kernels. Call before computing.
    public static func set(_ n: Int) {
        precondition(n >= 1, "ComputeThreads.set: thread count must be ≥ 1, got \(n)")
        _ = current
        current = n
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
    let threads = Swift.min(ComputeThreads.count, n / Swift.max(grain, 1))
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

/// Runs `body(task, lo, hi)` for `tasks` contiguous chunks of `0..<n` (task = 0..<tasks),
/// with `tasks = Swift.min(ComputeThreads.count, n)`. Unlike `parallelFor`, the task index lets
/// each worker own a scratch buffer or a partial accumulator.
@discardableResult
public func parallelTasks(_ n: Int, maxTasks: Int = ComputeThreads.count,
                          _ body: (_ task: Int, _ lo: Int, _ hi: Int) -> Void) -> Int {
    let tasks = Swift.max(1, Swift.min(maxTasks, n))
    if tasks == 1 {
        if n > 0 { body(0, 0, n) }
        return tasks
    }
    withoutActuallyEscaping(body) { body in
        nonisolated(unsafe) let body = body
        DispatchQueue.concurrentPerform(iterations: tasks) { k in
            let lo = n * k / tasks, hi = n * (k + 1) / tasks
            if hi > lo { body(k, lo, hi) }
        }
    }
    return tasks
}

/// A lock-protected pool of reusable scratch buffers (im2col columns, GEMM
/// staging). Taking a buffer from the pool avoids fresh page faults on every op.
final class ScratchPool: @unchecked Sendable {
    static let shared = ScratchPool()
    private let lock = NSLock()
    private var free: [TensorStorage] = []
    /// Total floats kept for reuse; larger releases are dropped.
    private let keepLimit = 8 << 20

    /// A buffer of at least `count` floats (contents undefined).
    func take(_ count: Int) -> TensorStorage {
        lock.lock()
        defer { lock.unlock() }
        var best: Int?
        for (i, s) in free.enumerated() where s.count >= count {
            if best == nil || s.count < free[best!].count { best = i }
        }
        if let best { return free.remove(at: best) }
        return TensorStorage(count: count)
    }

    /// Returns a buffer for reuse.
    func give(_ s: TensorStorage) {
        lock.lock()
        defer { lock.unlock() }
        free.append(s)
        var total = free.reduce(0) { $0 + $1.count }
        while total > keepLimit, let i = free.indices.min(by: { free[$0].count < free[$1].count }) {
            total -= free[i].count
            free.remove(at: i)
        }
    }

    /// Runs `body` with a scratch buffer of `count` floats.
    func with<R>(_ count: Int, _ body: (UnsafeMutablePointer<Float>) -> R) -> R {
        let s = take(count)
        defer { give(s) }
        return body(s.pointer)
    }
}
