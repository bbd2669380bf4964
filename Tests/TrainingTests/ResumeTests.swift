import XCTest
import Generative
import NN
import TensorCore
import DriftIO
import Datasets
@testable import Training

/// Exact resume: N steps straight equal N/2 steps, a checkpoint file, and N/2 more — bit for bit.
final class ResumeTests: XCTestCase {
    func assertResumeIsExact(_ config: TrainingConfig, file: StaticString = #filePath, line: UInt = #line) throws {
        let folder = makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let straight = try Trainer(config: config, source: try config.data.makeSource())
        for _ in 0..<config.steps { try straight.trainStep() }

        let first = try Trainer(config: config, source: try config.data.makeSource())
        for _ in 0..<(config.steps / 2) { try first.trainStep() }
        let checkpointFile = folder.appendingPathComponent("checkpoint.h5").path
        try first.checkpoint().write(to: checkpointFile)

        let resumed = try Trainer(resuming: try Checkpoint.read(from: checkpointFile), source: try config.data.makeSource())
        XCTAssertEqual(resumed.step, config.steps / 2)
        while !resumed.isFinished { try resumed.trainStep() }

        let a = straight.checkpoint(), b = resumed.checkpoint()
        XCTAssertTrue(bitwiseEqual(a.parameters, b.parameters), "parameters differ", file: file, line: line)
        XCTAssertTrue(bitwiseEqual(a.ema, b.ema), "EMA weights differ", file: file, line: line)
        XCTAssertTrue(bitwiseEqual(a.optimizer!.flattened, b.optimizer!.flattened), "Adam state differs", file: file, line: line)
        XCTAssertEqual(a.dataPosition, b.dataPosition, file: file, line: line)
    }

    func testFlowMatchingResumesBitIdentically() throws {
        try assertResumeIsExact(tinyConfig(objective: ObjectiveConfig(kind: .cfm, timeSampling: .logitNormal(mean: 0, std: 1))))
    }

    func testAClassConditionalRunWithLabelDropoutResumesBitIdentically() throws {
        try assertResumeIsExact(conditionalConfig())
    }

    func testSGDWithNesterovMomentumResumesBitIdentically() throws {
        var config = tinyConfig(lr: 0.05)
        config.optimizer = .sgd(momentum: 0.9, nesterov: true)
        config.weightDecay = 1e-4
        try assertResumeIsExact(config)
    }

    func testOTFlowMatchingResumesBitIdentically() throws {
        try assertResumeIsExact(tinyConfig(objective: ObjectiveConfig(kind: .otcfm), toy: .eightGaussians, steps: 20))
    }

    func testScoreMatchingAndEDMResumeBitIdentically() throws {
        try assertResumeIsExact(tinyConfig(objective: ObjectiveConfig(kind: .dsm, likelihoodWeighting: true), steps: 20))
        try assertResumeIsExact(tinyConfig(objective: ObjectiveConfig(kind: .edm), steps: 20))
    }

    func testAUNetOnAShuffledFlippedImageFolderResumesBitIdentically() throws {
        // Twelve 8×8 PNGs, batches of 5 for 8 steps: the stream crosses three epochs (reshuffled)
        // with random flips, and the run stops mid-epoch; a small U-Net trains on it.
        let images = try makeImageFolder()
        defer { try? FileManager.default.removeItem(at: images) }
        try assertResumeIsExact(tinyUNetConfig(images: images))
    }

    func testShardedRunsResumeBitIdentically() throws {
        var mlp = tinyConfig(objective: ObjectiveConfig(kind: .otcfm), steps: 20, batch: 70)
        mlp.shardRows = 16
        try assertResumeIsExact(mlp)
        let images = try makeImageFolder()
        defer { try? FileManager.default.removeItem(at: images) }
        var unet = tinyUNetConfig(images: images)
        unet.shardRows = 2
        try assertResumeIsExact(unet)
    }
}
