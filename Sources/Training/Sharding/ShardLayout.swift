/// How a global batch is cut into shards: the fixed units whose gradient sums are added in a
/// fixed tree (`ReductionTree`), so that the sum does not depend on who computes which shard.
///
/// The layout is a pure function of the batch size B and the shard size S (`--shard-rows`,
/// recorded in the checkpoint): shard s holds rows [s·S, min((s + 1)·S, B)), so there are
/// K = ⌈B / S⌉ shards and only the last may be shorter. Nothing else enters — not the number of
/// processes, not the thread count — which is what makes one process, 2, 3 or K ranks add the
/// same partial sums in the same order. Ranks own contiguous runs of whole shards
/// (`shards(ofRank:size:)`), so at most K processes can share a batch.
///
/// A fixed row count (rather than a fixed shard count) keeps every shard's forward and backward
/// pass the same size whatever the batch, so its cost per row is known, and a batch that grows
/// gains shards (more ranks can share it) rather than longer ones.
public struct ShardLayout: Equatable, Sendable {
    /// `drift train`'s shard size when `--shard-rows` is not given: 8 rows of images; for points
    /// a quarter of the batch, at least 64 rows (so up to 4 processes can share any batch of 256
    /// or more). A shard's forward and backward pass runs as one batch, and small GEMMs cost more
    /// per row: with 2 threads taking shards side by side (`Trainer.shardsSideBySide`), mlp2d at
    /// batch 256 in 4 shards of 64 took about what one pass does, but at batch 4096 shards of 64
    /// took 1.75× and of 128 1.3× the one-pass time, of 256 to 1,024 the same (measured
    /// 2026-12-07 on a 2-vCPU AMD EPYC, family 25 model 1; docs/mpi.md).
    public static func defaultShardRows(images: Bool, batch: Int) -> Int { images ? 8 : Swift.max(64, batch / 4) }

    /// Rows of the global batch.
    public let batch: Int
    /// Rows per shard (the last shard may hold fewer).
    public let shardRows: Int

    /// The layout of `batch` rows in shards of `shardRows` (at most the batch: one shard then).
    public init(batch: Int, shardRows: Int) {
        precondition(batch >= 1 && shardRows >= 1, "ShardLayout: batch \(batch) and shard rows \(shardRows) must be ≥ 1")
        self.batch = batch
        self.shardRows = Swift.min(shardRows, batch)
    }

    /// Shards in the batch, K = ⌈B / S⌉.
    public var count: Int { (batch + shardRows - 1) / shardRows }

    /// The rows of shard `s` within the batch.
    public func rows(ofShard s: Int) -> Range<Int> {
        precondition(s >= 0 && s < count, "ShardLayout: shard \(s) of \(count)")
        return (s * shardRows)..<Swift.min((s + 1) * shardRows, batch)
    }

    /// Shard s's weight in the batch mean, n_s / B: a shard's mean loss (and gradient) times its
    /// weight, summed over the shards, is the mean over the batch.
    public func weight(ofShard s: Int) -> Float {
        Float(rows(ofShard: s).count) / Float(batch)
    }

    /// The shards rank `r` of `size` computes: a contiguous share of the K shards, in rank order,
    /// the first K mod size ranks one more.
    public func shards(ofRank r: Int, size: Int) -> Range<Int> {
        precondition(size >= 1 && size <= count && r >= 0 && r < size, "ShardLayout: rank \(r) of \(size) over \(count) shards")
        return Self.share(of: count, part: r, of: size)
    }

    /// Part `p` of `count` items cut into `parts` contiguous parts in order, the first
    /// `count mod parts` one longer.
    static func share(of count: Int, part p: Int, of parts: Int) -> Range<Int> {
        let base = count / parts, extra = count % parts
        let lower = p * base + Swift.min(p, extra)
        return lower..<(lower + base + (p < extra ? 1 : 0))
    }
}
