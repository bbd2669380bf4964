/// The processes that share every training step (data parallelism, e.g. the ranks of
/// `mpirun -np N drift train`), or one process alone (`single`).
///
/// Every step's global batch is cut into the fixed shards of a `ShardLayout`; each rank takes a
/// contiguous run of whole shards, draws their rows' data, labels, noise and times by data
/// position (exactly the draws one process makes for those rows) and computes each shard's
/// weighted loss and gradient. The shards' vectors are added in the fixed `ReductionTree` over
/// the shards (`sum(over:length:leaf:)`): each rank sums the maximal subtrees its shards cover,
/// the ranks exchange those subtree sums, and the additions above them are made in the tree's
/// order. Every addition is one the whole tree makes in one process, on the same operands, so
/// the step — loss, gradient, and so the weights — is bitwise the same for 1, 2, … K ranks, and
/// every rank takes the same step.
///
/// The exchange is a reduce-scatter in the tree's order followed by an all-gather: the vector is
/// cut into `size` element chunks; each rank sends chunk j of every subtree sum it holds to rank
/// j (`allToAll`), rank j completes the tree on chunk j (elementwise, so a chunk's additions are
/// exactly the whole vector's), and the finished chunks are gathered everywhere (`allGather`).
/// A rank sends and receives about (m + 1)·L floats per step for m subtree sums of L floats
/// (m is 1 when the ranks' shares align with the tree, at most about 2·log₂ K).
public struct DataParallelGroup: Sendable {
    public let rank: Int
    public let size: Int
    /// `parts[j]` goes to rank j; returns what every rank sent this one, in rank order, the
    /// given count of floats from each (an all-to-all).
    public let allToAll: @Sendable (_ parts: [[Float]], _ counts: [Int]) throws -> [[Float]]
    /// Every rank's `values`, in rank order, on every rank, the given count of floats from each
    /// (an all-gather).
    public let allGather: @Sendable (_ values: [Float], _ counts: [Int]) throws -> [[Float]]
    /// Floats of the summed vector per exchange (bounds the messages and MPI's 32-bit counts).
    public var bucket = 1 << 22

    public init(rank: Int, size: Int, allToAll: @escaping @Sendable ([[Float]], [Int]) throws -> [[Float]],
                allGather: @escaping @Sendable ([Float], [Int]) throws -> [[Float]]) {
        precondition(size >= 1 && rank >= 0 && rank < size, "DataParallelGroup: rank \(rank) of \(size)")
        self.rank = rank
        self.size = size
        self.allToAll = allToAll
        self.allGather = allGather
    }

    /// One process computing every shard (nothing is exchanged).
    public static let single = DataParallelGroup(rank: 0, size: 1, allToAll: { parts, _ in parts }, allGather: { values, _ in [values] })

    public var isRoot: Bool { rank == 0 }

    /// Σ over the shards of `layout` of `leaf(s)` (vectors of `length` floats), added in the
    /// fixed `ReductionTree` over the shards, on every rank. `leaf` is called for this rank's
    /// shards only, each once, in order.
    public func sum(over layout: ShardLayout, length: Int, leaf: (Int) throws -> [Float]) throws -> [Float] {
        precondition(size <= layout.count, "DataParallelGroup: \(size) ranks share \(layout.count) shards")
        let tree = ReductionTree(leaves: layout.count)
        let covers = (0..<size).map { tree.cover(layout.shards(ofRank: $0, size: size)) }
        func checkedLeaf(_ s: Int) throws -> [Float] {
            let v = try leaf(s)
            precondition(v.count == length, "DataParallelGroup: shard \(s) gave \(v.count) floats, not \(length)")
            return v
        }
        let own = try covers[rank].map { try tree.sum($0, leaf: checkedLeaf, add: Self.add) }
        if size == 1 { return own[0] }   // the cover of every shard is the root

        var total = [Float](repeating: 0, count: length)
        var start = 0
        while start < length {
            let end = Swift.min(length, start + bucket)
            let chunks = (0..<size).map { ShardLayout.share(of: end - start, part: $0, of: size) }
            let parts = chunks.map { chunk in own.flatMap { $0[(start + chunk.lowerBound)..<(start + chunk.upperBound)] } }
            // Every rank's subtree sums, chunk `rank` of each: sizes known from the layout alone.
            let n = chunks[rank].count
            let received = try allToAll(parts, covers.map { $0.count * n })
            var known: [ReductionTree.Node: [Float]] = [:]
            for (i, cover) in covers.enumerated() {
                guard received.count == size, received[i].count == cover.count * n else {
                    throw TrainingError.invalidSetting("the ranks disagree on the shard layout (rank \(i) sent \(received.count == size ? received[i].count : -1) floats, expected \(cover.count * n))")
                }
                for (k, node) in cover.enumerated() { known[node] = Array(received[i][(k * n)..<((k + 1) * n)]) }
            }
            let finished = try allGather(tree.sum(from: known, add: Self.add), chunks.map(\.count))
            for (j, chunk) in chunks.enumerated() {
                precondition(finished[j].count == chunk.count, "DataParallelGroup: the all-gather changed a chunk's length")
                total.replaceSubrange((start + chunk.lowerBound)..<(start + chunk.upperBound), with: finished[j])
            }
            start = end
        }
        return total
    }

    /// a += b elementwise.
    static func add(_ a: inout [Float], _ b: [Float]) {
        precondition(a.count == b.count, "DataParallelGroup: adding \(b.count) floats to \(a.count)")
        a.withUnsafeMutableBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                for i in 0..<a.count { a[i] += b[i] }
            }
        }
    }
}
