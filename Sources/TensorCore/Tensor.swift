import DriftKernels
import Foundation

/// Reference-counted, 64-byte-aligned Float32 buffer behind one or more tensors.
///
/// Large buffers are recycled through `BufferCache`: a training step frees and
/// re-allocates the same sizes every iteration, and fresh memory from the OS
/// costs a page fault plus zeroing per 4 KiB page.
public final class TensorStorage: @unchecked Sendable {
    public let count: Int
    public let pointer: UnsafeMutablePointer<Float>

    public init(count: Int) {
        self.count = count
        drift_memory_allocated(Int64(count) * 4)
        if let recycled = BufferCache.shared.take(count) {
            pointer = recycled
            return
        }
        let bytes = Swift.max(count, 1) * MemoryLayout<Float>.stride
        var raw: UnsafeMutableRawPointer?
        guard posix_memalign(&raw, 64, (bytes + 63) & ~63) == 0, let raw else {
            fatalError("TensorStorage: out of memory allocating \(count) floats")
        }
        pointer = raw.bindMemory(to: Float.self, capacity: Swift.max(count, 1))
    }

    deinit {
        drift_memory_freed(Int64(count) * 4)
        if !BufferCache.shared.give(pointer, count: count) { free(pointer) }
    }
}

/// Free buffers kept for reuse, by exact element count (only buffers of at least
/// `minCount` floats, at most `limitBytes` in total, so peak memory grows by at most that).
/// Bytes of tensor storage alive now and at most since `resetPeak()` (every `TensorStorage`,
/// recycled buffers included): for measuring the memory of a computation, e.g. the adjoint
/// method's flat peak against backpropagation through the solver's steps.
public enum TensorMemory {
    public static var liveBytes: Int { Int(drift_memory_live()) }
    public static var peakBytes: Int { Int(drift_memory_peak()) }
    /// Starts a new high-water mark at the current live bytes.
    public static func resetPeak() { drift_memory_reset_peak() }
}

final class BufferCache: @unchecked Sendable {
    static let shared = BufferCache()
    let minCount = 16_384
    let limitBytes = 192 << 20
    /// Heap-allocated so its address is stable (a stored property's is not guaranteed to be).
    private let lock: UnsafeMutablePointer<pthread_mutex_t> = {
        let m = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        pthread_mutex_init(m, nil)
        return m
    }()
    private var buckets: [Int: [UnsafeMutablePointer<Float>]] = [:]
    private var cachedBytes = 0

    func take(_ count: Int) -> UnsafeMutablePointer<Float>? {
        if count < minCount { return nil }
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        guard let p = buckets[count]?.popLast() else { return nil }
        cachedBytes -= count * 4
        return p
    }

    /// Keeps `p` for reuse when there is room; false means the caller frees it.
    func give(_ p: UnsafeMutablePointer<Float>, count: Int) -> Bool {
        if count < minCount { return false }
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        if cachedBytes + count * 4 > limitBytes { return false }
        buckets[count, default: []].append(p)
        cachedBytes += count * 4
        return true
    }
}

/// An n-dimensional array of Float32 values, contiguous in row-major (NCHW) order.
///
/// Tensors are values: operations return new tensors and never mutate their
/// inputs. A tensor that takes part in a differentiated computation carries a
/// node of the autodiff tape (see `Tensor+Autodiff.swift`); all other tensors
/// record nothing, so inference pays nothing for autodiff.
public struct Tensor: @unchecked Sendable {
    /// Extent of each dimension, outermost first.
    public let shape: [Int]
    /// The underlying buffer (shared between tensors that are reshapes of each other).
    public let storage: TensorStorage
    /// Tape node when this tensor is part of a differentiated computation.
    var node: GradNode?

    /// Number of elements.
    public var count: Int { storage.count }
    /// Number of dimensions.
    public var rank: Int { shape.count }

    init(shape: [Int], storage: TensorStorage, node: GradNode? = nil) {
        self.shape = shape
        self.storage = storage
        self.node = node
    }

    /// An uninitialized tensor (internal: kernels fill it).
    init(uninitializedShape shape: [Int]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor: negative dimension in shape \(shape)")
        self.init(shape: shape, storage: TensorStorage(count: shape.reduce(1, *)))
    }

    /// Tensor filled with `value`.
    public init(repeating value: Float, shape: [Int]) {
        self.init(uninitializedShape: shape)
        storage.pointer.update(repeating: value, count: count)
    }

    /// Tensor from row-major `values` with the given shape.
    public init(_ values: [Float], shape: [Int]) {
        precondition(values.count == shape.reduce(1, *),
                     "Tensor(_:shape:): \(values.count) values do not fill shape \(shape)")
        self.init(uninitializedShape: shape)
        values.withUnsafeBufferPointer { storage.pointer.update(from: $0.baseAddress!, count: values.count) }
    }

    /// One-dimensional tensor from `values`.
    public init(_ values: [Float]) { self.init(values, shape: [values.count]) }

    /// Scalar (rank-0) tensor.
    public init(scalar: Float) { self.init([scalar], shape: []) }

    public static func zeros(_ shape: [Int]) -> Tensor { Tensor(repeating: 0, shape: shape) }
    public static func ones(_ shape: [Int]) -> Tensor { Tensor(repeating: 1, shape: shape) }
    public static func full(_ shape: [Int], _ value: Float) -> Tensor { Tensor(repeating: value, shape: shape) }

    /// Values `start, start + step, …` below `end` (like `numpy.arange`).
    public static func arange(_ start: Float = 0, _ end: Float, step: Float = 1) -> Tensor {
        precondition(step != 0, "arange: step must be non-zero")
        let n = Swift.max(0, Int(((end - start) / step).rounded(.up)))
        return Tensor((0..<n).map { start + Float($0) * step })
    }

    /// The values in row-major order.
    public var scalars: [Float] { Array(UnsafeBufferPointer(start: storage.pointer, count: count)) }

    /// The single value of a one-element tensor.
    public var item: Float {
        precondition(count == 1, "item: tensor of shape \(shape) has \(count) elements, not 1")
        return storage.pointer[0]
    }

    /// Read-only access to the values.
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: storage.pointer, count: count))
    }

    /// A fresh copy with its own storage (safe to mutate through `withUnsafeMutableBufferPointer`).
    public func copy() -> Tensor {
        let out = Tensor(uninitializedShape: shape)
        out.storage.pointer.update(from: storage.pointer, count: count)
        return out
    }

    /// Mutable access to the values. Storage may be shared with other tensors
    /// (reshapes); callers that mutate must own the tensor (e.g. from `copy()`).
    public func withUnsafeMutableBufferPointer<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeMutableBufferPointer(start: storage.pointer, count: count))
    }

    /// Row-major strides (in elements) of `shape`.
    public static func strides(of shape: [Int]) -> [Int] {
        var s = [Int](repeating: 1, count: shape.count)
        var acc = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) { s[i] = acc; acc *= shape[i] }
        return s
    }

    /// Normalizes a possibly negative axis for a tensor of rank `rank`.
    static func normalizeAxis(_ axis: Int, rank: Int, op: String) -> Int {
        let a = axis < 0 ? axis + rank : axis
        precondition(a >= 0 && a < Swift.max(rank, 1), "\(op): axis \(axis) out of range for rank \(rank)")
        return a
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let preview = scalars.prefix(8).map { String(format: "%.4g", $0) }.joined(separator: ", ")
        return "Tensor(shape: \(shape), [\(preview)\(count > 8 ? ", …" : "")])"
    }
}
