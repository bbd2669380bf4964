import XCTest
import TensorCore
@testable import Training

/// Post-hoc EMA (Karras et al. 2024, EDM2): power-function profiles tracked during training, and an
/// EMA of another length rebuilt from their snapshots afterwards.
final class PostHocEMATests: XCTestCase {
    var folder: URL!
    override func setUp() { folder = makeTemporaryFolder() }
    override func tearDown() { try? FileManager.default.removeItem(at: folder) }

    func testEMALengthsMapToEDM2sExponents() throws {
        // EDM2 §3.1: σ_rel = 0.05 ↔ γ ≈ 16.97, σ_rel = 0.10 ↔ γ ≈ 6.94.
        XCTAssertEqual(try PowerProfile(sigmaRel: 0.05).gamma, 16.97, accuracy: 0.01)
        XCTAssertEqual(try PowerProfile(sigmaRel: 0.10).gamma, 6.94, accuracy: 0.01)
        for length in [0.01, 0.05, 0.137, 0.25] {
            XCTAssertEqual(try PowerProfile(sigmaRel: length).sigmaRel, length, accuracy: 1e-9)
        }
        for bad in [0, -0.1, 0.29, .nan] {
            XCTAssertThrowsError(try PowerProfile(sigmaRel: bad), "\(bad)")
        }
    }

    func testThePowerEMAWeighsStepTauByTheProfile() throws {
        // β_t = (1 − 1/t)^(γ+1) gives step τ the weight (1 − β_τ)(τ/t)^(γ+1) at step t, which is
        // (γ+1)τ^γ/t^(γ+1) up to O(1/τ): checked on the average of θ_τ = τ, whose exact profile mean is
        // t (γ+1)/(γ+2).
        let profile = try PowerProfile(sigmaRel: 0.1)
        var average = 0.0
        let t = 20_000
        for tau in 1...t {
            let beta = profile.decay(atUpdate: tau)
            average = beta * average + (1 - beta) * Double(tau)
        }
        XCTAssertEqual(profile.decay(atUpdate: 1), 0)
        XCTAssertEqual(average / Double(t), (profile.gamma + 1) / (profile.gamma + 2), accuracy: 1e-3)
    }

    func testARebuiltLengthMatchesTheSameLengthTrackedLive() throws {
        // One run tracks 0.05, 0.075 and 0.10; 0.075 is rebuilt from the 0.05 and 0.10 snapshots alone.
        var config = tinyConfig(steps: 400)
        config.posthocEMA = PostHocEMASettings(sigmaRels: [0.05, 0.075, 0.10], every: 10)
        let dir = RunFolder(folder.appendingPathComponent("run").path)
        let run = try TrainingRun.start(config, in: dir)
        XCTAssertEqual(try run.run(), .finished(step: 400))
        let live = run.trainer.profiles.map(\.average.averages)

        let stored = try dir.profileSnapshotFiles(config.posthocEMA!).filter { abs($0.snapshot.profile.sigmaRel - 0.075) > 1e-6 }
        XCTAssertEqual(stored.count, 80)
        let fit = try PostHocReconstruction(sigmaRel: 0.075, at: 400, from: stored.map(\.snapshot))
        XCTAssertLessThan(fit.relativeError, 0.01)
        XCTAssertEqual(fit.coefficients.reduce(0, +), 1, accuracy: 0.01)
        let rebuilt = try fit.combine { try Checkpoint.read(from: stored[$0].file).ema }

        // The rebuilt weights sit far closer to the live 0.075 average than the stored profiles do to each other.
        let error = distance(rebuilt, live[1]), spread = distance(live[0], live[2])
        XCTAssertLessThan(error, 0.05 * spread, "rebuilt–live \(error), 0.05–0.10 spread \(spread)")
    }

    func testALengthTheProfilesCannotExpressIsRefused() throws {
        let snapshots = try [0.05, 0.10].flatMap { length in
            try (1...40).map { PostHocReconstruction.Snapshot(profile: try PowerProfile(sigmaRel: length), step: 100 * $0) }
        }
        XCTAssertNoThrow(try PostHocReconstruction(sigmaRel: 0.07, at: 4000, from: snapshots))
        XCTAssertThrowsError(try PostHocReconstruction(sigmaRel: 0.005, at: 4000, from: snapshots)) {
            XCTAssertTrue("\($0)".contains("outside the reach"), "\($0)")
        }
        XCTAssertThrowsError(try PostHocReconstruction(sigmaRel: 0.07, at: 50, from: snapshots)) {
            XCTAssertTrue("\($0)".contains("no post-hoc EMA snapshot"), "\($0)")
        }
    }

    func testProfilesResumeBitForBit() throws {
        var config = tinyConfig(steps: 30)
        config.checkpointEvery = 10
        config.posthocEMA = PostHocEMASettings(sigmaRels: [0.05, 0.10], every: 10)
        let straight = try TrainingRun.start(config, in: RunFolder(folder.appendingPathComponent("a").path))
        XCTAssertEqual(try straight.run(), .finished(step: 30))
        let dir = RunFolder(folder.appendingPathComponent("b").path)
        var calls = 0
        XCTAssertEqual(try TrainingRun.start(config, in: dir).run(shouldStop: { calls += 1; return calls > 17 }), .interrupted(step: 17))
        XCTAssertEqual(try TrainingRun.resume(dir).run(), .finished(step: 30))
        let a = try Checkpoint.read(from: straight.folder.checkpoint), b = try Checkpoint.read(from: dir.checkpoint)
        XCTAssertEqual(a.profileAverages.count, 2)
        for (x, y) in zip(a.profileAverages, b.profileAverages) { XCTAssertTrue(bitwiseEqual(x, y)) }
        let snapshot = try Checkpoint.read(from: dir.profileSnapshot(sigmaRel: 0.10, step: 30))
        XCTAssertTrue(bitwiseEqual(snapshot.ema, a.profileAverages[1]))
        XCTAssertEqual(snapshot.snapshotProfile, try PowerProfile(sigmaRel: 0.10))
    }

    /// ‖a − b‖₂ over every parameter.
    func distance(_ a: [String: Tensor], _ b: [String: Tensor]) -> Double {
        a.keys.reduce(0.0) { sum, key in
            zip(a[key]!.scalars, b[key]!.scalars).reduce(sum) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) }
        }.squareRoot()
    }
}
