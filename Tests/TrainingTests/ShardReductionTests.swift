import Foundation
import XCTest
@testable import Training

/// The shards of a batch and the fixed tree their sums are added in: however many ranks share
/// the shards, the sum has the same bits.
final class ShardReductionTests: XCTestCase {
    func testALayoutCutsTheBatchIntoShardsOfFixedRowsAndSharesThemOutWhole() {
        let layout = ShardLayout(batch: 70, shardRows: 16)
        XCTAssertEqual(layout.count, 5)
        XCTAssertEqual((0..<5).map(layout.rows(ofShard:)), [0..<16, 16..<32, 32..<48, 48..<64, 64..<70])
        XCTAssertEqual(layout.weight(ofShard: 0), Float(16) / Float(70))
        XCTAssertEqual(layout.weight(ofShard: 4), Float(6) / Float(70))
        // The rows do not depend on the ranks; the ranks take contiguous runs of whole shards.
        XCTAssertEqual((0..<2).map { layout.shards(ofRank: $0, size: 2) }, [0..<3, 3..<5])
        XCTAssertEqual((0..<3).map { layout.shards(ofRank: $0, size: 3) }, [0..<2, 2..<4, 4..<5])
        // More rows per shard than the batch has: one shard of the whole batch.
        XCTAssertEqual(ShardLayout(batch: 5, shardRows: 16).count, 1)
        XCTAssertEqual(ShardLayout(batch: 5, shardRows: 16).rows(ofShard: 0), 0..<5)
    }

    func testDefaultShardsAreEightImagesOrAQuarterOfABatchOfPointsAtLeast64Rows() {
        XCTAssertEqual([64, 256].map { ShardLayout.defaultShardRows(images: true, batch: $0) }, [8, 8])
        XCTAssertEqual([32, 256, 1000, 4096].map { ShardLayout.defaultShardRows(images: false, batch: $0) }, [64, 64, 250, 1024])
        // Four processes can share any batch of points of 256 or more without --shard-rows.
        for batch in [256, 300, 1000, 4096] {
            XCTAssertGreaterThanOrEqual(ShardLayout(batch: batch, shardRows: ShardLayout.defaultShardRows(images: false, batch: batch)).count, 4)
        }
    }

    func testARunRecordsItsShardSizeAndACNFOrAnOlderRunIsOneShard() throws {
        var config = tinyConfig(batch: 70)
        XCTAssertEqual(config.shardLayout, ShardLayout(batch: 70, shardRows: 70), "no shard size recorded: the whole batch")
        config.shardRows = 16
        XCTAssertEqual(config.shardLayout.count, 5)
        let decoded = try JSONDecoder().decode(TrainingConfig.self, from: JSONEncoder().encode(config))
        XCTAssertEqual(decoded.shardLayout, config.shardLayout)
        // A CNF's adaptive solve spans its batch: one shard, and --shard-rows is refused.
        var cnf = tinyConfig(objective: ObjectiveConfig(kind: .cnf), batch: 70)
        XCTAssertEqual(cnf.shardLayout.count, 1)
        cnf.shardRows = 16
        XCTAssertThrowsError(try cnf.validate()) { error in
            XCTAssertTrue("\(error)".contains("drop --shard-rows"), "\(error)")
        }
    }

    func testEveryRunOfLeavesIsCoveredByFewMaximalSubtreesOfTheFixedTree() {
        for leaves in 1...40 {
            let tree = ReductionTree(leaves: leaves)
            for lower in 0..<leaves {
                for upper in (lower + 1)...leaves {
                    let cover = tree.cover(lower..<upper)
                    XCTAssertEqual(cover.flatMap { Array($0.range) }, Array(lower..<upper), "cover of \(lower)..<\(upper) of \(leaves)")
                    XCTAssertLessThanOrEqual(cover.count, 2 * Int(log2(Double(leaves)).rounded(.up)) + 1)
                }
            }
        }
        // Eight shards: two ranks own one subtree each; three ranks need two, two and one.
        let tree = ReductionTree(leaves: 8)
        XCTAssertEqual(tree.cover(0..<4).map(\.range), [0..<4])
        XCTAssertEqual([tree.cover(0..<3), tree.cover(3..<6), tree.cover(6..<8)].map { $0.map(\.range) },
                       [[0..<2, 2..<3], [3..<4, 4..<6], [6..<8]])
    }

    func testOneToFourRanksAddTheShardsToTheSameBitsAsOneProcess() throws {
        // 11 shards of a 23-float vector (loss, gradients…) whose entries span 16 decades, so the
        // grouping of the additions shows in the bits.
        let layout = ShardLayout(batch: 83, shardRows: 8), length = 23
        var leaves: [[Float]] = []
        for s in 0..<layout.count {
            var leaf = [Float](repeating: 0, count: length)
            for i in 0..<length {
                let mantissa = sin(Double(s * 31 + i * 7)), decade = Double((s * 5 + i) % 17 - 8)
                leaf[i] = Float(mantissa * pow(10, decade))
            }
            leaves.append(leaf)
        }
        var sums: [[Float]] = []
        for ranks in 1...4 {
            let leafValues = leaves
            let total = try InProcessGroup.run(ranks: ranks) { group in
                var g = group
                g.bucket = 7   // several exchanges per sum, one of them short
                return try g.sum(over: layout, length: length) { leafValues[$0] }
            }
            XCTAssertEqual(total.count, ranks)
            for (rank, sum) in total.enumerated() {
                XCTAssertEqual(bits(sum), bits(total[0]), "\(ranks) ranks: rank \(rank) differs from rank 0")
            }
            sums.append(total[0])
        }
        for (i, sum) in sums.enumerated() {
            XCTAssertEqual(bits(sum), bits(sums[0]), "\(i + 1) ranks differ from one process")
        }
        // The test has teeth: adding the same leaves left to right gives other bits.
        let leftToRight = leaves.dropFirst().reduce(into: leaves[0], DataParallelGroup.add)
        XCTAssertNotEqual(bits(leftToRight), bits(sums[0]))
        // And the result is the sum, to float rounding.
        for i in 0..<length {
            let exact = leaves.map { Double($0[i]) }.reduce(0, +)
            XCTAssertEqual(Double(sums[0][i]), exact, accuracy: 1e-6 * leaves.map { abs(Double($0[i])) }.reduce(0, +))
        }
    }

    func bits(_ v: [Float]) -> [UInt32] { v.map { $0.bitPattern } }

    func testEachRankComputesOnlyItsOwnShardsOnce() throws {
        let layout = ShardLayout(batch: 40, shardRows: 5)
        let asked = try InProcessGroup.run(ranks: 3) { group -> [Int] in
            var mine: [Int] = []
            _ = try group.sum(over: layout, length: 1) { s in mine.append(s); return [Float(s)] }
            return mine
        }
        XCTAssertEqual(asked, [Array(0..<3), Array(3..<6), Array(6..<8)])
    }
}

/// `ranks` data-parallel groups in one process, each on its own thread, whose collectives meet in
/// memory: the same exchange `World` makes over MPI.
enum InProcessGroup {
    /// Runs `body` once per rank, concurrently, and returns the results in rank order.
    static func run<T>(ranks: Int, _ body: @escaping @Sendable (DataParallelGroup) throws -> T) throws -> [T] {
        let meeting = Meeting(size: ranks)
        let results = Results<T>(count: ranks)
        let done = DispatchGroup()
        for rank in 0..<ranks {
            let group = DataParallelGroup(rank: rank, size: ranks,
                                          allToAll: { parts, counts in
                                              let received = meeting.exchange(rank, parts).map { $0[rank] }
                                              precondition(received.map(\.count) == counts, "rank \(rank) expected \(counts) floats")
                                              return received
                                          },
                                          allGather: { values, counts in
                                              let all = meeting.exchange(rank, [values]).map { $0[0] }
                                              precondition(all.map(\.count) == counts, "rank \(rank) expected \(counts) floats")
                                              return all
                                          })
            done.enter()
            let thread = Thread {
                results.set(rank, Result { try body(group) })
                done.leave()
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
        done.wait()
        return try results.values.map { try $0!.get() }
    }

    /// Where the ranks meet: each deposits its parts and, once all have, every rank reads all of them.
    final class Meeting: @unchecked Sendable {
        let size: Int
        private let condition = NSCondition()
        private var deposits: [[[Float]]]
        private var published: [[[Float]]] = []
        private var arrived = 0, round = 0

        init(size: Int) {
            self.size = size
            deposits = Array(repeating: [], count: size)
        }

        /// Every rank's deposit of this round, in rank order (blocks until all ranks made theirs).
        func exchange(_ rank: Int, _ parts: [[Float]]) -> [[[Float]]] {
            condition.lock()
            defer { condition.unlock() }
            deposits[rank] = parts
            arrived += 1
            let mine = round
            if arrived == size {
                (published, arrived, round) = (deposits, 0, round + 1)
                condition.broadcast()
            } else {
                while round == mine { condition.wait() }
            }
            return published
        }
    }

    final class Results<T>: @unchecked Sendable {
        private let lock = NSLock()
        private(set) var values: [Result<T, Error>?]
        init(count: Int) { values = Array(repeating: nil, count: count) }
        func set(_ i: Int, _ value: Result<T, Error>) { lock.lock(); values[i] = value; lock.unlock() }
    }
}
