import XCTest
import Generative
import TensorCore
@testable import Evaluation

/// The bootstrap behind every standard error of `drift compare`.
final class BootstrapTests: XCTestCase {
    func points(_ n: Int, seed: UInt64, shift: Float = 0) -> FeatureSet {
        FeatureSet(Tensor.randomNormal([n, 2], key: RandomKey(seed: seed)) + Tensor(scalar: shift))
    }

    func testResamplesAreKeyedByTheSeedAndTheirNumberAlone() {
        let b = Bootstrap(resamples: 10, key: RandomKey(seed: 3))
        XCTAssertEqual(b.indices(4, count: 50, stream: "samples"), b.indices(4, count: 50, stream: "samples"))
        XCTAssertNotEqual(b.indices(4, count: 50, stream: "samples"), b.indices(5, count: 50, stream: "samples"))
        XCTAssertNotEqual(b.indices(4, count: 50, stream: "samples"), b.indices(4, count: 50, stream: "reference"))
        let all = (0..<200).flatMap { b.indices($0, count: 50, stream: "samples") }
        XCTAssertEqual(Set(all), Set(0..<50), "every index is drawn, none outside")
        XCTAssertEqual(Bootstrap.standardError([1, 2, 3, 4]), (5.0 / 3).squareRoot(), accuracy: 1e-12)
        XCTAssertTrue(Bootstrap.standardError([1, .nan]).isNaN, "one finite replicate has no spread")
    }

    /// The fast resampled SW₂ is the plain one on the resampled sets, bit for bit.
    func testResampledSlicedW2IsThePlainOneOnTheResample() throws {
        let x = points(120, seed: 1), y = points(90, seed: 2, shift: 0.3), key = RandomKey(seed: 7)
        let fast = try SlicedWassersteinResampler(x, y, directions: 32, key: key)
        XCTAssertEqual(fast.value(rows: Array(0..<120), referenceRows: Array(0..<90)), try slicedWasserstein(x, y, directions: 32, key: key))
        let b = Bootstrap(resamples: 3, key: RandomKey(seed: 9))
        for i in 0..<3 {
            let rows = b.indices(i, count: 120, stream: "samples"), referenceRows = b.indices(i, count: 90, stream: "reference")
            XCTAssertEqual(fast.value(rows: rows, referenceRows: referenceRows),
                           try slicedWasserstein(x.rows(rows), y.rows(referenceRows), directions: 32, key: key))
        }
    }

    /// Precision and recall of the full sets through the coverage matrices are the metric's own.
    func testCoverageGivesTheFullSetsPrecisionAndRecall() throws {
        let real = points(80, seed: 4), generated = points(70, seed: 5, shift: 0.5)
        let pr = try PrecisionRecall(real: real, generated: generated)
        let c = try PrecisionRecall.Coverage(real: real, generated: generated)
        XCTAssertEqual(c.precision(rows: Array(0..<70), referenceRows: Array(0..<80)), pr.precision)
        XCTAssertEqual(c.recall(rows: Array(0..<70), referenceRows: Array(0..<80)), pr.recall)
    }
}

/// Paired differences between cells that share their samples' noise.
final class PairedDifferenceTests: XCTestCase {
    /// Two cells whose per-sample NLLs differ by a small constant plus a little noise of their own:
    /// the paired interval sees the shift, the unpaired one (dominated by the shared spread) does not.
    func testPairingCancelsTheSharedNoise() throws {
        let n = 400, b = Bootstrap(resamples: 200, key: RandomKey(seed: 1))
        let shared = Tensor.randomNormal([n], key: RandomKey(seed: 2)).scalars.map(Double.init)
        let own = Tensor.randomNormal([n], key: RandomKey(seed: 3)).scalars.map { 0.05 * Double($0) }
        let a = shared, c = zip(shared, own).map { $0 + 0.1 + $1 }
        func cell(_ name: String, _ values: [Double]) -> CompareCell {
            let replicates = (0..<b.resamples).map { CompareSweep.mean(b.indices($0, count: n, stream: "samples"), values) }
            return CompareCell(samplerName: name, isStochastic: false, requestedNFE: 10, nfe: 10, steps: 10, rtol: nil, seconds: 0,
                               metrics: [.odeError: Estimate(value: values.reduce(0, +) / Double(n), standardError: Bootstrap.standardError(replicates))],
                               samples: Tensor.zeros([1, 1]), guidance: nil, replicates: [.odeError: replicates])
        }
        let results = CompareResults(cells: [cell("a", a), cell("c", c)], skipped: [], reference: [:], referenceName: "exact-vs-exact",
                                     metrics: [.odeError], budgets: [10], samplerNames: ["a", "c"])
        let w = try XCTUnwrap(results.winners.first)
        XCTAssertEqual(w.best, "a")
        let d = try XCTUnwrap(w.others.first)
        XCTAssertEqual(d.difference, 0.1, accuracy: 0.02)
        XCTAssertLessThan(try XCTUnwrap(d.pairedStandardError), 0.01)
        XCTAssertGreaterThan(d.unpairedStandardError, 0.06)
        XCTAssertTrue(d.isDistinguishable, "the paired interval excludes 0")
        XCTAssertFalse(d.difference > 1.96 * d.unpairedStandardError, "the unpaired one would not")
        XCTAssertEqual(w.tied, [])
        XCTAssertLessThan(try XCTUnwrap(results.medianWidthRatio), 0.2)
        XCTAssertTrue(results.winnersCSV.hasPrefix("requested_nfe,metric,best,value,value_se,tied\n10,ode_error,a,"))
    }
}

/// FD at N, N/2, N/4 and its extrapolation to infinite N (Chong & Forsyth 2020).
final class FrechetScalingTests: XCTestCase {
    /// Two Gaussians N(0, I) and N(μ, I) in 16 dimensions: FD = |μ|² = 1 exactly. FD at finite N is
    /// biased upward by about 2d/N (the two covariances' sampling error); the extrapolation removes it.
    func testTheExtrapolationRemovesTheOneOverNBias() throws {
        let d = 16, n = 800
        var nearer = 0
        for seed in UInt64(0)..<6 {
            let a = FeatureSet(Tensor.randomNormal([n, d], key: RandomKey(seed: 2 * seed)))
            let shift = Tensor((0..<d).map { $0 == 0 ? 1 : 0 }, shape: [1, d])
            let b = FeatureSet(Tensor.randomNormal([n, d], key: RandomKey(seed: 2 * seed + 1)) + shift)
            let s = try FrechetScaling(a, b)
            XCTAssertEqual(s.counts, [800, 400, 200])
            XCTAssertGreaterThan(s.values[2], s.values[1], "smaller sets, larger bias")
            XCTAssertGreaterThan(s.values[1], s.values[0])
            XCTAssertEqual(s.values[0], try frechetDistance(GaussianStatistics(a), GaussianStatistics(b)))
            if abs(s.extrapolated - 1) < abs(s.values[0] - 1) { nearer += 1 }
            XCTAssertEqual(s.extrapolated, 1, accuracy: 0.25, "seed \(seed): \(s)")
        }
        XCTAssertGreaterThanOrEqual(nearer, 5, "FD∞ is nearer the truth than FD at N")
        XCTAssertThrowsError(try FrechetScaling(FeatureSet(Tensor.zeros([6, 2])), FeatureSet(Tensor.zeros([6, 2]))))
    }
}

/// The cells no other cell beats in both quality and cost.
final class ParetoFrontTests: XCTestCase {
    func cell(_ name: String, nfe: Int, seconds: Double, fd: Double, precision: Double) -> CompareCell {
        CompareCell(samplerName: name, isStochastic: false, requestedNFE: nfe, nfe: nfe, steps: nfe, rtol: nil, seconds: seconds,
                    metrics: [.fd: Estimate(value: fd, standardError: .nan), .precision: Estimate(value: precision, standardError: .nan)],
                    samples: Tensor.zeros([1, 1]), guidance: nil)
    }

    func testAFrontCellIsBeatenByNoOtherInBothCostAndMetric() {
        let cells = [cell("a", nfe: 10, seconds: 1, fd: 100, precision: 0.70),
                     cell("b", nfe: 20, seconds: 4, fd: 50, precision: 0.80),
                     cell("c", nfe: 20, seconds: 2, fd: 80, precision: 0.85),
                     cell("d", nfe: 40, seconds: 3, fd: 60, precision: 0.75)]
        let r = CompareResults(cells: cells, skipped: [], reference: [:], referenceName: "train-vs-test", metrics: [.fd, .precision],
                               budgets: [10, 20, 40], samplerNames: ["a", "b", "c", "d"])
        // By NFE, d (40 NFE, FD 60) is beaten by b (20, 50); c ties b's NFE with a worse FD.
        XCTAssertEqual(r.paretoFront(.fd, by: .nfe).map(\.samplerName), ["a", "b"])
        // By seconds, c (2 s) and d (3 s) are each better than every cheaper cell.
        XCTAssertEqual(r.paretoFront(.fd, by: .seconds).map(\.samplerName), ["a", "c", "d", "b"])
        // Precision: higher is better.
        XCTAssertEqual(r.paretoFront(.precision, by: .nfe).map(\.samplerName), ["a", "c"])
        XCTAssertTrue(r.paretoCSV.hasPrefix("metric,cost,sampler,kind,requested_nfe,nfe,value,value_se\nfd,nfe,a,ODE,10,10,100,"), r.paretoCSV)
        XCTAssertFalse(r.paretoCSV.contains(",seconds,"), "the wall-time front is the report's alone")
    }
}
