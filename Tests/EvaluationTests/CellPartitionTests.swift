import XCTest
import Generative
import Foundation
import TensorCore
@testable import Evaluation

/// How `drift compare` shares its cells among processes: whole cells, longest first, and results
/// that cross the wire bit for bit.
final class CellPartitionTests: XCTestCase {
    func partition(_ rank: Int, of size: Int) -> CellPartition { CellPartition(rank: rank, size: size, gather: { [$0] }) }

    func testOneProcessOwnsEveryCell() {
        XCTAssertEqual(CellPartition.single.owners(costs: [10, 20, 50, 10]), [0, 0, 0, 0])
    }

    func testCellsGoLongestFirstToTheLeastLoadedProcess() {
        // Two samplers at budgets 10, 20, 50: the 50s go to ranks 0 and 1, then the 20s, then the 10s.
        let costs = [10, 20, 50, 10, 20, 50]
        XCTAssertEqual(partition(0, of: 2).owners(costs: costs), [0, 0, 0, 1, 1, 1])
        // Three ranks: the 50s to ranks 0 and 1, both 20s and the first 10 to rank 2, the last 10 to rank 0 (loads 60, 50, 50).
        let three = partition(1, of: 3).owners(costs: costs)
        XCTAssertEqual(three, [2, 2, 0, 0, 2, 1])
        // Every rank computes the same owners without talking.
        XCTAssertEqual(partition(0, of: 3).owners(costs: costs), partition(2, of: 3).owners(costs: costs))
        // More ranks than cells: each cell on its own rank, the rest idle.
        XCTAssertEqual(partition(0, of: 5).owners(costs: [20, 10]), [0, 1])
    }

    func testOutcomesCrossTheWireBitForBit() throws {
        let samples = Tensor([1.5, -0.0, .nan, .infinity, .leastNonzeroMagnitude, 3.1415927], shape: [3, 2])
        let cell = CompareCell(samplerName: "dopri5", isStochastic: false, requestedNFE: 20, nfe: 19, steps: nil, rtol: 1e-3, seconds: 0.25,
                               metrics: [.fd: Estimate(value: 12.345678901234567, standardError: 0), .nll: Estimate(value: .infinity, standardError: .nan)],
                               samples: samples, guidance: 1.5, guide: .autoguidance, interval: try GuidanceInterval(low: 0.28, high: 5.42),
                               networkPasses: 31)
        let skip = SkippedCell(samplerName: "heun-karras-18", requestedNFE: 2, reason: "one step already needs more than 2 NFE")
        let decoded = try CellPartition.decode(try CellPartition.encode([(3, .measured(cell)), (0, .skipped(skip))]))
        XCTAssertEqual(decoded.map(\.0), [3, 0])
        guard case .measured(let c) = decoded[0].1, case .skipped(let s) = decoded[1].1 else { return XCTFail("\(decoded)") }
        XCTAssertEqual(c.samples.shape, [3, 2])
        XCTAssertEqual(c.samples.scalars.map(\.bitPattern), samples.scalars.map(\.bitPattern))
        XCTAssertEqual(c.metrics[.fd], cell.metrics[.fd])
        XCTAssertEqual(c.metrics[.nll]?.value, .infinity)
        XCTAssertTrue(c.metrics[.nll]!.standardError.isNaN)
        XCTAssertEqual([c.samplerName, "\(c.nfe)", "\(c.rtol!)", "\(c.guidance!)", "\(c.steps == nil)"], ["dopri5", "19", "0.001", "1.5", "true"])
        XCTAssertEqual(c.guide, .autoguidance)
        XCTAssertEqual(c.interval, cell.interval)
        XCTAssertEqual(c.networkPasses, 31)
        XCTAssertEqual(s.reason, skip.reason)
        XCTAssertThrowsError(try CellPartition.decode([1, 2, 3]))
    }
}
