import XCTest
import Datasets
import Generative
import NN
import Samplers
import TensorCore
@testable import Training

/// Reflow's pieces below the command: pairs made in stages equal pairs made at once, a student
/// regresses the straight line to its stored partner (not fresh noise), and its training resumes
/// bit for bit.
final class ReflowTests: XCTestCase {
    let ring: GaussianMixture = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("checkpoints/gmm-ring8.json")
        return try! GaussianMixture.load(from: url)
    }()

    func generator() throws -> PairGenerator {
        try PairGenerator(teacher: ring, sampler: Sampler(solver: RungeKutta(.dormandPrince), grid: TimeGrid(.uniform, steps: 1),
                                                          controller: PIController(rtol: 1e-4, atol: 1e-4)),
                          batch: 100, seed: 3)
    }

    func testPairsMadeInStagesEqualPairsMadeAtOnce() throws {
        let g = try generator()
        var whole: (noise: [Float], samples: [Float]) = ([], [])
        var passes = (whole: 0, staged: 0)
        try g.extend(noise: [], samples: [], done: 0, target: 300, saveEvery: 1000, checkpoint: { n, s, rows, p, _, _ in
            XCTAssertEqual(rows, 300)
            whole = (n, s)
            passes.whole += p
        })
        // Stopped after the first batch, then continued from what was saved.
        var batches = 0
        var saved: (noise: [Float], samples: [Float], rows: Int) = ([], [], 0)
        try g.extend(noise: [], samples: [], done: 0, target: 300, saveEvery: 1000, shouldStop: { defer { batches += 1 }; return batches >= 1 },
                     checkpoint: { n, s, rows, p, _, _ in saved = (n, s, rows); passes.staged += p })
        XCTAssertEqual(saved.rows, 100, "a stop saves the rows done")
        try g.extend(noise: saved.noise, samples: saved.samples, done: 100, target: 300, saveEvery: 1000, checkpoint: { n, s, rows, p, _, _ in
            saved = (n, s, rows)
            passes.staged += p
        })
        XCTAssertEqual(passes.staged, passes.whole, "the network passes add up the same in stages")
        XCTAssertGreaterThan(passes.whole, 300)
        XCTAssertEqual(saved.rows, 300)
        XCTAssertEqual(saved.noise.map(\.bitPattern), whole.noise.map(\.bitPattern))
        XCTAssertEqual(saved.samples.map(\.bitPattern), whole.samples.map(\.bitPattern))
        // The pairs are the teacher's: the samples lie on the ring (radius 2, std 0.1 around it).
        let radii = stride(from: 0, to: whole.samples.count, by: 2).map { hypot(whole.samples[$0], whole.samples[$0 + 1]) }
        XCTAssertEqual(Double(radii.reduce(0, +)) / Double(radii.count), 2, accuracy: 0.05)
    }

    /// A class-conditional teacher: row i is drawn for class i mod K (here the ring's eight
    /// components), the labels travel with the pairs, and the student's source gives them back.
    func testAConditionalTeacherDrawsEachRowForItsClassAndThePairsKeepTheLabels() throws {
        let g = try PairGenerator(teacher: ring, sampler: Sampler(solver: RungeKutta(.heun), grid: TimeGrid(.uniform, steps: 20)),
                                  batch: 40, seed: 1, classCount: 8, guidance: 0)
        XCTAssertEqual(g.labels(first: 38, count: 4), [6, 7, 0, 1])
        var rows: (noise: [Float], samples: [Float]) = ([], [])
        try g.extend(noise: [], samples: [], done: 0, target: 80, saveEvery: 1000, checkpoint: { n, s, _, _, _, _ in rows = (n, s) })
        // Component k of the ring sits at angle 2πk/8, radius 2: each sample is near its class's centre.
        for i in 0..<80 {
            let angle = 2 * Double.pi * Double(i % 8) / 8
            let d = hypot(Double(rows.samples[2 * i]) - 2 * cos(angle), Double(rows.samples[2 * i + 1]) - 2 * sin(angle))
            XCTAssertLessThan(d, 0.6, "row \(i) strays from class \(i % 8)")
        }
        let folder = makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("pairs.h5").path
        let names = (0..<8).map(String.init)
        let record = ReflowPairs.Record(teacher: "ring", teacherSHA256: "x", sampler: "heun", samplerJSON: "{}", seed: 1,
                                        classNames: names, guidance: 0, cpu: "test")
        try ReflowPairs(noise: Tensor(rows.noise, shape: [80, 2]), samples: Tensor(rows.samples, shape: [80, 2]),
                        labels: g.labels(first: 0, count: 80), target: 80, record: record).write(to: file)
        let read = try ReflowPairs.read(from: file)
        XCTAssertEqual(read.labels, g.labels(first: 0, count: 80))
        let source = PairSource(read)
        XCTAssertEqual(source.classNames, names)
        let key = RandomKey(seed: 2)
        let labels = try XCTUnwrap(source.labels(at: 5, count: 10, key: key))
        let examples = source.examples(at: 5, count: 10, key: key).scalars, partners = source.partners(at: 5, count: 10, key: key).scalars
        for (j, label) in labels.enumerated() {
            // The shuffled row j is pair i for some i with i mod 8 = label, and its partner is that pair's noise.
            let i = (0..<80).first { rows.samples[2 * $0] == examples[2 * j] && rows.samples[2 * $0 + 1] == examples[2 * j + 1] }!
            XCTAssertEqual(i % 8, label)
            XCTAssertEqual([rows.noise[2 * i], rows.noise[2 * i + 1]], [partners[2 * j], partners[2 * j + 1]])
        }
    }

    func testAnSDESamplerCannotMakePairs() {
        XCTAssertThrowsError(try PairGenerator(teacher: ring, sampler: Sampler(solver: EulerMaruyama(), grid: TimeGrid(.uniform, steps: 10)),
                                               batch: 10, seed: 0))
    }

    /// Pairs whose noise is z and sample x₀ = 0·z + c: the student's target at every t is the chord
    /// z − c (rectified velocity ε − x₀), so the loss with the stored partner is exactly the mean of
    /// ‖v(x_t) − (z − c)‖², which a network that outputs zero makes ‖z − c‖².
    func testTheStudentRegressesTowardItsStoredPartner() throws {
        let z = Tensor.randomNormal([64, 2], key: RandomKey(seed: 5))
        let c = Tensor.full([64, 2], 0.5)
        let objective = try TrainingObjective(ObjectiveConfig(kind: .cfm), path: .standard(.rectified))
        let net = try ModelConfig.mlp(MLPConfig(inputDimension: 2, width: 8, depth: 1, timeEmbeddingDimension: 8)).build(key: RandomKey(seed: 0))
        for p in net.namedParameters { p.tensor.withUnsafeMutableBufferPointer { $0.update(repeating: 0) } }
        let loss = objective.loss(net, data: c, key: RandomKey(seed: 9), partners: z)
        XCTAssertEqual(loss.item, (z - c).square().mean().item, accuracy: 1e-6)
    }

    func testAStudentOnPairsResumesBitIdentically() throws {
        let folder = makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let g = try generator()
        let file = folder.appendingPathComponent("pairs.h5").path
        try g.extend(noise: [], samples: [], done: 0, target: 200, saveEvery: 1000, checkpoint: { n, s, rows, passes, nfe, secs in
            let record = ReflowPairs.Record(teacher: "ring", teacherSHA256: "x", sampler: "dopri5", samplerJSON: "{}", seed: 3,
                                            nfePerSample: nfe, evaluations: passes, seconds: secs, cpu: "test")
            try ReflowPairs(noise: Tensor(n, shape: [rows, 2]), samples: Tensor(s, shape: [rows, 2]), target: 200, record: record).write(to: file)
        })
        var config = tinyConfig(steps: 12, batch: 32)
        config.data = try DataSpec.parse("pairs:" + file)
        config.shardRows = 8
        let straight = try Trainer(config: config, source: try config.data.makeSource())
        for _ in 0..<12 { try straight.trainStep() }
        let first = try Trainer(config: config, source: try config.data.makeSource())
        for _ in 0..<6 { try first.trainStep() }
        let checkpointFile = folder.appendingPathComponent("checkpoint.h5").path
        try first.checkpoint().write(to: checkpointFile)
        let resumed = try Trainer(resuming: try Checkpoint.read(from: checkpointFile), source: try config.data.makeSource())
        while !resumed.isFinished { try resumed.trainStep() }
        XCTAssertTrue(bitwiseEqual(straight.checkpoint().parameters, resumed.checkpoint().parameters))
        XCTAssertTrue(bitwiseEqual(straight.checkpoint().ema, resumed.checkpoint().ema))
        // OT-CFM would re-pair the noise: refused on pairs.
        config.objective = ObjectiveConfig(kind: .otcfm)
        XCTAssertThrowsError(try config.validate())
    }
}
