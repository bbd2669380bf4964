import Datasets
import Foundation
import Generative
import NN
import Samplers
import TensorCore
@testable import Training
import XCTest

/// Consistency distillation (Song et al. 2023): the student is the identity at its boundary by
/// construction, the teacher's step is one Heun step of its ODE, and a run resumed from its
/// checkpoint (target network included) takes the same steps bit for bit.
final class ConsistencyDistillationTests: XCTestCase {
    let ring = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("checkpoints/gmm-ring8.json")

    func student(path: PathKind = .edm, seed: UInt64 = 3) throws -> TrainedModel {
        let net = try ModelConfig.mlp(MLPConfig(inputDimension: 2, width: 16, depth: 2, timeEmbeddingDimension: 8)).build(key: RandomKey(seed: seed))
        return try TrainedModel(network: net, path: .standard(path), objective: ObjectiveConfig(kind: .consistency))
    }

    func testTheConsistencyParametrizationReturnsXExactlyAtTheBoundary() throws {
        let x = Tensor.randomNormal([6, 2], key: RandomKey(seed: 1)) * 3
        let f = try student()
        // On the EDM path time is σ: at σ_min = 0.002, c_skip = 1 and c_out = 0 exactly.
        XCTAssertEqual(f.evaluate(x, t: 0.002).scalars.map(\.bitPattern), x.scalars.map(\.bitPattern))
        let rows = f.evaluate(x, times: [0.002, 1, 0.002, 80, 0.002, 0.5], classes: [Int?](repeating: nil, count: 6))
        for i in [0, 2, 4] { XCTAssertEqual(rows.rows(i..<(i + 1)).scalars, x.rows(i..<(i + 1)).scalars, "row \(i) at σ_min") }
        XCTAssertNotEqual(rows.rows(1..<2).scalars, x.rows(1..<2).scalars, "away from σ_min the network acts")
        // Per-row evaluation is the shared-time evaluation of each row.
        XCTAssertEqual(rows.rows(3..<4).scalars, f.evaluate(x.rows(3..<4), t: 80).scalars)
        // On another path the boundary is in the α = 1 form: f(x, t_min) = x/α(t_min), whatever the network says.
        let g = try student(path: .vp)
        let tMin = ConsistencySettings().times(on: g.path)[0]
        let expected = x * Float(1 / g.path.alpha(tMin))
        XCTAssertEqual(g.evaluate(x, t: tMin).scalars, expected.scalars)
        let p = EDMPreconditioning(sigmaMin: 0.002)
        XCTAssertEqual(p.cSkip(0.002), 1)
        XCTAssertEqual(p.cOut(0.002), 0)
        XCTAssertEqual(p.cSkip(80), EDMPreconditioning().cSkip(80 - 0.002), accuracy: 1e-15)
    }

    func testTheTeacherStepIsOneHeunStepOfItsODE() throws {
        let mixture = try GaussianMixture.load(from: ring)
        let trainedTeacher = try TrainedModel(
            network: try ModelConfig.mlp(MLPConfig(inputDimension: 2, width: 16, depth: 2, timeEmbeddingDimension: 8)).build(key: RandomKey(seed: 4)),
            path: .standard(.rectified), objective: ObjectiveConfig(kind: .cfm))
        for teacher in [mixture as any DiffusionModel, trainedTeacher] {
            let s = try student(path: teacher.path.kind)
            let objective = try ConsistencyObjective(ObjectiveConfig(kind: .consistency), teacher: teacher, student: s.network,
                                                     targetNetwork: s.network, conditioning: nil)
            let times = objective.times
            XCTAssertEqual(times.count, 19)
            XCTAssertTrue(zip(times, times.dropFirst()).allSatisfy { $0 < $1 }, "the grid rises from the boundary")
            let x = Tensor.randomNormal([4, 2], key: RandomKey(seed: 2)) * 2
            // Rows at different intervals, taken at once, against Heun on each row's own interval.
            let from = [times[5], times[1], times[12], times[5]], to = [times[4], times[0], times[11], times[4]]
            let stepped = objective.teacherStep(x, from: from, to: to, classes: [Int?](repeating: nil, count: 4))
            for i in 0..<4 {
                let heun = Sampler(solver: RungeKutta(.heun), grid: TimeGrid(.uniform, steps: 1, start: .time(from[i]), end: .time(to[i])))
                let one = try heun.run(teacher, from: x.rows(i..<(i + 1)), key: RandomKey(seed: 0)).samples
                let gap = zip(stepped.rows(i..<(i + 1)).scalars, one.scalars).map { abs($0 - $1) }.max()!
                XCTAssertLessThan(gap, 1e-5, "row \(i) on the \(teacher.path.kind.rawValue) path")
            }
        }
    }

    func testAConsistencyRunResumedFromItsCheckpointTakesTheSameSteps() throws {
        try resumesBitForBit(ConsistencySettings(intervals: 6, targetDecay: 0.9))
        try resumesBitForBit(ConsistencySettings(intervals: 6, targetDecay: 0.9, distance: .pseudoHuber(c: nil),
                                                 intervalSampling: .improved, intervalWeighting: .inverseStep))
    }

    func resumesBitForBit(_ settings: ConsistencySettings, line: UInt = #line) throws {
        let folder = makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let teacher = try GaussianMixture.load(from: ring)
        var config = tinyConfig(objective: ObjectiveConfig(kind: .consistency, consistency: settings), steps: 12, batch: 32)
        config.data = try DataSpec.parse("gmm:" + ring.path)
        config.shardRows = 8
        XCTAssertThrowsError(try Trainer(config: config, source: try config.data.makeSource())) { error in
            XCTAssertTrue("\(error)".contains("drift distill --resume"), "\(error)")
        }
        let straight = try Trainer(config: config, source: try config.data.makeSource(), teacher: teacher)
        for _ in 0..<12 { try straight.trainStep() }
        let first = try Trainer(config: config, source: try config.data.makeSource(), teacher: teacher)
        for _ in 0..<5 { try first.trainStep() }
        let file = folder.appendingPathComponent("checkpoint.h5").path
        try first.checkpoint().write(to: file)
        let stored = try Checkpoint.read(from: file)
        XCTAssertEqual(stored.training.objective.consistency, settings, "the checkpoint keeps the choices", line: line)
        XCTAssertNotNil(stored.consistencyTarget)
        XCTAssertFalse(bitwiseEqual(stored.consistencyTarget!, stored.parameters), "the target lags the student")
        XCTAssertNil(try Checkpoint.read(from: file, includeOptimizer: false).consistencyTarget, "sampling reads no target")
        let resumed = try Trainer(resuming: stored, source: try config.data.makeSource(), teacher: teacher)
        while !resumed.isFinished { try resumed.trainStep() }
        let a = straight.checkpoint(), b = resumed.checkpoint()
        XCTAssertTrue(bitwiseEqual(a.parameters, b.parameters))
        XCTAssertTrue(bitwiseEqual(a.ema, b.ema))
        XCTAssertTrue(bitwiseEqual(a.consistencyTarget!, b.consistencyTarget!))
        // The thread count does not change the steps either.
        let single = ComputeThreads.count
        ComputeThreads.set(1)
        defer { ComputeThreads.set(single) }
        let oneThread = try Trainer(config: config, source: try config.data.makeSource(), teacher: teacher)
        for _ in 0..<12 { try oneThread.trainStep() }
        XCTAssertTrue(bitwiseEqual(a.parameters, oneThread.checkpoint().parameters))
    }

    // MARK: - Song & Dhariwal 2023's choices

    func testSettingsWrittenBeforeTheChoicesReadAsSongEtAlsAndTheChoicesRoundTrip() throws {
        let old = #"{"intervals":18,"sigmaMin":0.002,"sigmaMax":80,"rho":7,"targetDecay":0.95,"sigmaData":0.5,"guidance":0}"#
        let decoded = try JSONDecoder().decode(ConsistencySettings.self, from: Data(old.utf8))
        XCTAssertEqual(decoded, ConsistencySettings())
        XCTAssertEqual(decoded.distance, .squared)
        XCTAssertEqual(decoded.intervalSampling, .uniform)
        XCTAssertEqual(decoded.intervalWeighting, .uniform)
        let improved = ConsistencySettings(distance: .pseudoHuber(c: 0.02), intervalSampling: .improved, intervalWeighting: .inverseStep)
        XCTAssertEqual(try JSONDecoder().decode(ConsistencySettings.self, from: try JSONEncoder().encode(improved)), improved)
    }

    func testLognormalIntervalsAreDrawnWithTheMassOfTheLognormalInEachInterval() throws {
        let settings = ConsistencySettings(intervalSampling: .improved)
        let p = settings.intervalProbabilities
        XCTAssertEqual(p.count, 18)
        XCTAssertEqual(p.reduce(0, +), 1, accuracy: 1e-12)
        // The mass of N(−1.1, 2²) over ln σ̃ between two levels, by the normal CDF, normalised over [σ_min, σ_max].
        let levels = settings.noiseLevels
        func cdf(_ sigma: Double) -> Double { 0.5 * (1 + erf((log(sigma) + 1.1) / (2 * 2.0.squareRoot()))) }
        let total = cdf(80) - cdf(0.002)
        for n in [0, 5, 9, 17] { XCTAssertEqual(p[n], (cdf(levels[n + 1]) - cdf(levels[n])) / total, accuracy: 1e-12, "interval \(n)") }
        // The most likely interval holds σ̃ = e^−1.1 ≈ 0.33.
        let mode = p.indices.max { p[$0] < p[$1] }!
        XCTAssertTrue(levels[mode] < 0.6 && levels[mode + 1] > 0.2, "mode interval [\(levels[mode]), \(levels[mode + 1])]")
        // The objective draws them with these frequencies (20,000 draws, within 4.5 standard errors).
        let s = try student()
        let objective = try ConsistencyObjective(ObjectiveConfig(kind: .consistency, consistency: settings), teacher: try GaussianMixture.load(from: ring),
                                                 student: s.network, targetNetwork: s.network, conditioning: nil)
        let count = 20_000
        let drawn = objective.intervals(key: RandomKey(seed: 5), firstSample: 0, count: count)
        for n in 0..<18 {
            let frequency = Double(drawn.filter { $0 == n }.count) / Double(count)
            let se = (p[n] * (1 - p[n]) / Double(count)).squareRoot()
            XCTAssertEqual(frequency, p[n], accuracy: 4.5 * se + 1e-4, "interval \(n)")
        }
        // Uniform draws stay ⌊u·N⌋.
        let uniform = try ConsistencyObjective(ObjectiveConfig(kind: .consistency), teacher: try GaussianMixture.load(from: ring),
                                               student: s.network, targetNetwork: s.network, conditioning: nil)
        let u = Tensor.randomUniform([50], key: RandomKey(seed: 5).fold("interval"), firstSample: 7).scalars
        XCTAssertEqual(uniform.intervals(key: RandomKey(seed: 5), firstSample: 7, count: 50), u.map { min(Int(Double($0) * 18), 17) })
    }

    func testThePseudoHuberDistanceAndTheInverseStepWeightAreTheirFormulas() throws {
        let s = try student()
        let teacher = try GaussianMixture.load(from: ring)
        func objective(_ settings: ConsistencySettings) throws -> ConsistencyObjective {
            try ConsistencyObjective(ObjectiveConfig(kind: .consistency, consistency: settings), teacher: teacher, student: s.network,
                                     targetNetwork: s.network, conditioning: nil)
        }
        let f = Tensor([0.3, -0.1, 0.05, 0.2, 1.5, -2], shape: [3, 2]), goal = Tensor([0.1, 0.1, 0.05, 0.25, 0, 0], shape: [3, 2])
        let squares: [Double] = [0.04 + 0.04, 0 + 0.0025, 2.25 + 4]
        let c = 0.00054 * 2.0.squareRoot()
        XCTAssertEqual(ConsistencyDistance.pseudoHuber(c: nil).pseudoHuberC(dimension: 2)!, c, accuracy: 1e-15)
        let huber = try objective(ConsistencySettings(distance: .pseudoHuber(c: nil))).distance(f, goal, weights: nil).scalars[0]
        XCTAssertEqual(Double(huber), squares.map { ($0 + c * c).squareRoot() - c }.reduce(0, +) / 3, accuracy: 1e-6)
        // Far from 0 it grows like ‖Δ‖; near 0 like ‖Δ‖²/2c.
        XCTAssertEqual(Double(try objective(ConsistencySettings(distance: .pseudoHuber(c: 10))).distance(f, goal, weights: nil).scalars[0]),
                       squares.map { $0 / 20 }.reduce(0, +) / 3, accuracy: 3e-3)
        let w = Tensor([2, 0.5, 1], shape: [3])
        let weighted = try objective(ConsistencySettings(intervalWeighting: .inverseStep)).distance(f, goal, weights: w).scalars[0]
        XCTAssertEqual(Double(weighted), (2 * squares[0] / 2 + 0.5 * squares[1] / 2 + squares[2] / 2) / 3, accuracy: 1e-6)
        // λ = 1/(σ̃_{n+1} − σ̃_n).
        let settings = ConsistencySettings(intervalWeighting: .inverseStep)
        XCTAssertEqual(settings.intervalWeights[3], 1 / (settings.noiseLevels[4] - settings.noiseLevels[3]))
        // Its gradient in f against central differences.
        let pseudoHuber = try objective(ConsistencySettings(distance: .pseudoHuber(c: 0.05)))
        let report = checkGradient(at: [f], h: 1e-3) { pseudoHuber.distance($0[0], goal, weights: w) }
        XCTAssertTrue(report.passed, report.description)
    }
}
