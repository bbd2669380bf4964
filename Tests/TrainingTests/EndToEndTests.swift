import XCTest
import Generative
import NN
import Samplers
import TensorCore
import Evaluation
import Datasets
@testable import Training

/// Training works: flow matching on a 2-D toy lowers the loss, and samples drawn through the
/// Samplers solve loop from the trained model are far closer to the data than the initial noise.
final class EndToEndTests: XCTestCase {
    func testFlowMatchingOnEightGaussiansLearnsTheData() throws {
        var config = tinyConfig(toy: .eightGaussians, steps: 500, batch: 256, lr: 3e-3, width: 64)
        config.emaDecay = 0.95
        config.previewSteps = 24
        let trainer = try Trainer(config: config, source: try config.data.makeSource())
        var losses: [Float] = []
        while !trainer.isFinished { losses.append(try trainer.trainStep().loss) }
        let before = losses.prefix(20).reduce(0, +) / 20, after = losses.suffix(20).reduce(0, +) / 20
        XCTAssertLessThan(after, 0.75 * before, "loss \(before) → \(after)")

        let n = 1000, key = RandomKey(seed: 99)
        let samples = try TrainingPreview.samples(trainer, count: n)
        let data = ToyDistribution.eightGaussians.sample(n, key: key.fold("data"))
        let noise = Tensor.randomNormal([n, 2], key: key.fold("noise"))
        let (s, d, z) = (FeatureSet(samples), FeatureSet(data), FeatureSet(noise))
        let swSamples = try slicedWasserstein(s, d, key: key), swNoise = try slicedWasserstein(z, d, key: key)
        let mmdSamples = try rbfMMDSquared(s, d).value, mmdNoise = try rbfMMDSquared(z, d).value
        let data2 = ToyDistribution.eightGaussians.sample(n, key: key.fold("data2"))
        let swFloor = try slicedWasserstein(FeatureSet(data2), d, key: key)   // two data samples: the estimator's floor
        print("e2e: loss \(before) → \(after); sliced W2 noise \(swNoise) → samples \(swSamples) (data vs data \(swFloor)); MMD² \(mmdNoise) → \(mmdSamples)")
        XCTAssertLessThan(swSamples, 0.4 * swNoise)
        XCTAssertLessThan(mmdSamples, 0.4 * mmdNoise)
    }

    func testEveryObjectiveGivesASampleableModel() throws {
        // DSM (ε on VP), EDM (x₀ via preconditioning) and OT-CFM (velocity): a short run each,
        // then the checkpoint's model is sampled through the parametrization it records.
        let objectives: [ObjectiveConfig] = [ObjectiveConfig(kind: .dsm), ObjectiveConfig(kind: .edm), ObjectiveConfig(kind: .otcfm)]
        for objective in objectives {
            var config = tinyConfig(objective: objective, toy: .eightGaussians, steps: 300, batch: 128, lr: 3e-3, width: 64)
            config.emaDecay = 0.9
            config.previewSteps = 24
            let trainer = try Trainer(config: config, source: try config.data.makeSource())
            while !trainer.isFinished { try trainer.trainStep() }
            let model = try TrainedModel(checkpoint: trainer.checkpoint())
            XCTAssertEqual(model.parametrization, objective.kind.parametrization)
            let samples = try TrainingPreview.samples(trainer, count: 500)
            let key = RandomKey(seed: 5)
            let data = ToyDistribution.eightGaussians.sample(500, key: key)
            let sw = try slicedWasserstein(FeatureSet(samples), FeatureSet(data), key: key)
            let swNoise = try slicedWasserstein(FeatureSet(Tensor.randomNormal([500, 2], key: key.fold(1))), FeatureSet(data), key: key)
            print("e2e \(objective.kind.rawValue): sliced W2 noise \(swNoise) → samples \(sw)")
            XCTAssertLessThan(sw, 0.6 * swNoise, "\(objective.kind.rawValue)")
        }
    }
}
