import XCTest
import Datasets
import Generative
import Presets
import Samplers
import TensorCore
@testable import Evaluation

/// The compare's intervals mean what they say: on the analytic ring, over 40 independent seeds, the 95%
/// interval of each sampler's SW₂² and of the paired difference of SW₂² between two samplers covers
/// the value the same compare measures with 50× more samples in 90–98% of the seeds (#28). Not timed.
/// Measured with COVERAGE_SEEDS=100 (docs/comparing.md): DPM-Solver++(2M) 94, Heun 95, paired
/// difference 97 of 100, with the delta-method standard error; the bootstrap's spread covered
/// DPM-Solver++(2M) in 100 of 100 (too wide: each resample adds quantile noise of its own).
final class SlicedWassersteinCoverageTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Coverage counts and the median paired ÷ unpaired interval width over `seeds` seeds.
    struct Coverage {
        var marginal: [Int]
        var difference: Int
        var seeds: Int
        var count: Int
        var medianWidthRatio: Double
        var truth: [Double]
        /// Per sampler: the estimate's standard deviation across seeds and its median standard error.
        var spread: [Double], standardError: [Double]
    }

    static func measure(samplers names: [String], nfe: Int, count: Int, seeds: Int) throws -> Coverage {
        let mixture = try GaussianMixture(spec: try GaussianMixtureSpec.load(from: root.appendingPathComponent("checkpoints/gmm-ring8.json")))
        let presets = [root.appendingPathComponent("samplers")]
        let samplers = try names.map { NamedSampler(name: $0, sampler: try PresetLibrary.resolve($0, in: presets).sampler) }
        func run(_ n: Int, seed: UInt64, bootstrap: Int) throws -> [CompareCell] {
            let sweep = try CompareSweep(model: mixture, samplers: samplers, budgets: [nfe], count: n, seed: seed, metrics: [.sw2],
                                         reference: MixtureSource(mixture), mixture: mixture, bootstrapResamples: bootstrap)
            return try XCTUnwrap(sweep.run()).cells
        }
        // The large-sample value: the same estimator on 50× the samples (its own bias 50× smaller still).
        let truth = try run(50 * count, seed: 1_000_003, bootstrap: 50).map { $0.metrics[.sw2]!.value }
        var marginal = [0, 0], difference = 0, ratios = [Double]()
        var values = [[Double]](repeating: [], count: 2), standardErrors = values
        for seed in 0..<seeds {
            let cells = try run(count, seed: UInt64(seed), bootstrap: 200)
            let e = cells.map { $0.metrics[.sw2]! }
            for i in 0..<2 {
                values[i].append(e[i].value)
                standardErrors[i].append(e[i].standardError)
            }
            for i in 0..<2 where Swift.abs(e[i].value - truth[i]) <= 1.96 * e[i].standardError { marginal[i] += 1 }
            let paired = Bootstrap.standardError(zip(cells[0].replicates[.sw2]!, cells[1].replicates[.sw2]!).map { $0 - $1 })
            if Swift.abs((e[0].value - e[1].value) - (truth[0] - truth[1])) <= 1.96 * paired { difference += 1 }
            ratios.append(paired / (e[0].standardError * e[0].standardError + e[1].standardError * e[1].standardError).squareRoot())
        }
        let median = { (v: [Double]) in v.sorted()[v.count / 2] }
        return Coverage(marginal: marginal, difference: difference, seeds: seeds, count: count, medianWidthRatio: median(ratios), truth: truth,
                        spread: values.map(Bootstrap.standardError), standardError: standardErrors.map(median))
    }

    func testIntervalsOfSW2AndOfPairedDifferencesCoverTheLargeSampleValue() throws {
        let env = ProcessInfo.processInfo.environment
        let names = (env["COVERAGE_SAMPLERS"] ?? "dpmpp-2m-20,heun-karras-18").split(separator: ",").map(String.init)
        let c = try Self.measure(samplers: names, nfe: Int(env["COVERAGE_NFE"] ?? "5")!, count: Int(env["COVERAGE_N"] ?? "300")!,
                                 seeds: Int(env["COVERAGE_SEEDS"] ?? "40")!)
        print("SW2² coverage over \(c.seeds) seeds (N = \(c.count), 50×N values \(c.truth)): \(names[0]) \(c.marginal[0]), \(names[1]) \(c.marginal[1]), "
              + "paired difference \(c.difference); median paired ÷ unpaired width \(c.medianWidthRatio); spread across seeds \(c.spread), "
              + "median SE \(c.standardError)")
        let band = Int((0.9 * Double(c.seeds)).rounded(.up))...Int((0.98 * Double(c.seeds)).rounded(.down))
        XCTAssertTrue(band.contains(c.difference), "the paired difference's 95% interval covered in \(c.difference) of \(c.seeds) seeds")
        for (name, covered) in zip(names, c.marginal) {
            XCTAssertTrue(band.contains(covered), "\(name)'s 95% interval covered in \(covered) of \(c.seeds) seeds")
        }
        XCTAssertLessThan(c.medianWidthRatio, 1, "common random numbers make the paired interval narrower")
    }
}
