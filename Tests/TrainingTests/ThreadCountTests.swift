import Foundation
import TensorCore
import XCTest
@testable import Training

/// The steps a run takes do not depend on its thread count: every sum over the batch (inside a
/// shard: GEMMs, convolutions' weight and bias gradients, normalizations) has one order whatever
/// the split between threads, and the shards are added in their fixed tree.
final class ThreadCountTests: XCTestCase {
    /// The parameters and EMA after training `config` with `threads` compute threads.
    func train(_ config: TrainingConfig, threads: Int) throws -> Checkpoint {
        let before = ComputeThreads.count
        ComputeThreads.set(threads)
        defer { ComputeThreads.set(before) }
        let trainer = try Trainer(config: config, source: try config.data.makeSource())
        while !trainer.isFinished { try trainer.trainStep() }
        return trainer.checkpoint()
    }

    func assertThreadCountDoesNotMatter(_ config: TrainingConfig, file: StaticString = #filePath, line: UInt = #line) throws {
        let one = try train(config, threads: 1)
        for threads in [2, 3] {
            let other = try train(config, threads: threads)
            XCTAssertTrue(bitwiseEqual(one.parameters, other.parameters), "\(threads) threads: parameters differ from 1 thread", file: file, line: line)
            XCTAssertTrue(bitwiseEqual(one.ema, other.ema), "\(threads) threads: EMA differs from 1 thread", file: file, line: line)
        }
    }

    func testAnMLPTakesTheSameStepsOnOneTwoOrThreeThreads() throws {
        var sharded = tinyConfig(steps: 10, batch: 256, width: 64)
        sharded.shardRows = 32
        try assertThreadCountDoesNotMatter(sharded)
        try assertThreadCountDoesNotMatter(tinyConfig(steps: 10, batch: 256, width: 64))   // one shard
    }

    func testAUNetTakesTheSameStepsOnOneTwoOrThreeThreads() throws {
        let images = try makeImageFolder()
        defer { try? FileManager.default.removeItem(at: images) }
        var sharded = tinyUNetConfig(images: images, steps: 4, midAttention: true)
        sharded.batchSize = 12
        sharded.shardRows = 4
        try assertThreadCountDoesNotMatter(sharded)
        sharded.shardRows = nil   // one shard of 12 images: the convolutions' own sums over images
        try assertThreadCountDoesNotMatter(sharded)
    }
}
