import TensorCore

/// The processes that share every training step (data parallelism, e.g. the ranks of
/// `mpirun -np N drift train`): each draws its own rows of the global batch — their data,
/// labels, noise and times by data position, exactly the draws one process makes for those
/// rows — computes their loss and gradient, and the group combines them so every rank takes
/// the same optimizer step.
///
/// The combination is deterministic: rank r's mean gradient is weighted by its share of the
/// rows, n_r / B, and the weighted vectors are summed over ranks in buckets by `allReduceSum`,
/// which must give every rank the same bits and the same N the same sums (`World`'s ring
/// all-reduce sums each chunk in a fixed rank order). The result equals one process's mean over
/// B rows up to rounding (the per-row sums are grouped by rank), so N ranks agree with each
/// other exactly and with one process to float precision.
public struct DataParallelGroup: Sendable {
    public let rank: Int
    public let size: Int
    /// The elementwise sum over ranks of every rank's `values` (equal lengths), on every rank.
    public let allReduceSum: @Sendable (inout [Float]) throws -> Void
    /// Floats per all-reduce call.
    public var bucket = 1 << 20

    public init(rank: Int, size: Int, allReduceSum: @escaping @Sendable (inout [Float]) throws -> Void) {
        precondition(size >= 1 && rank >= 0 && rank < size, "DataParallelGroup: rank \(rank) of \(size)")
        self.rank = rank
        self.size = size
        self.allReduceSum = allReduceSum
    }

    public var isRoot: Bool { rank == 0 }

    /// Rank r's rows of a global batch of `batch`: contiguous, in rank order, the first
    /// `batch mod size` ranks one more.
    public func rows(of batch: Int, rank r: Int? = nil) -> Range<Int> {
        let r = r ?? rank
        let base = batch / size, extra = batch % size
        let lower = r * base + Swift.min(r, extra)
        return lower..<(lower + base + (r < extra ? 1 : 0))
    }

    /// The global loss and gradients from this rank's mean loss and gradients over `rows` of
    /// `batch` rows (keys in sorted order on every rank).
    func combine(loss: Float, gradients: [String: Tensor], rows: Int, batch: Int) throws -> (Float, [String: Tensor]) {
        let weight = Float(rows) / Float(batch)
        let keys = gradients.keys.sorted()
        var flat = [loss * weight]
        for key in keys { flat += gradients[key]!.scalars.map { $0 * weight } }
        var total = [Float](repeating: 0, count: flat.count)
        var start = 0
        while start < flat.count {
            let end = Swift.min(flat.count, start + bucket)
            var part = Array(flat[start..<end])
            try allReduceSum(&part)
            precondition(part.count == end - start, "DataParallelGroup: the all-reduce changed the length")
            total.replaceSubrange(start..<end, with: part)
            start = end
        }
        var out: [String: Tensor] = [:]
        var offset = 1
        for key in keys {
            let shape = gradients[key]!.shape, count = gradients[key]!.count
            out[key] = Tensor(Array(total[offset..<(offset + count)]), shape: shape)
            offset += count
        }
        return (total[0], out)
    }
}
