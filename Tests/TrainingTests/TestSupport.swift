import Datasets
import DriftIO
import Foundation
import Generative
import NN
import TensorCore
@testable import Training

/// A fresh empty folder under the temporary directory, removed by the caller.
func makeTemporaryFolder(_ name: String = #function) -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("drift-training-tests-\(getpid())-\(name.filter(\.isLetter))-\(UInt32.random(in: 0...UInt32.max))")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// A small MLP on a 2-D toy: fast enough for many steps in a test.
func tinyConfig(objective: ObjectiveConfig = ObjectiveConfig(kind: .cfm), path: PathKind? = nil,
                toy: ToyDistribution = .moons, steps: Int = 40, batch: Int = 64, lr: Double = 2e-3,
                width: Int = 32, seed: UInt64 = 1) -> TrainingConfig {
    TrainingConfig(data: .toy(toy),
                   model: .mlp(MLPConfig(inputDimension: 2, width: width, depth: 2, timeEmbeddingDimension: 16)),
                   objective: objective, path: .standard(path ?? objective.kind.defaultPath),
                   steps: steps, batchSize: batch, learningRate: lr, warmupSteps: 5, gradientClip: 1,
                   emaDecay: 0.9, seed: seed, checkpointEvery: 0, sampleEvery: 0, logEvery: 0)
}

/// Bitwise equality of two tensor dictionaries (same keys, shapes and Float bit patterns).
func bitwiseEqual(_ a: [String: Tensor], _ b: [String: Tensor]) -> Bool {
    a.keys.sorted() == b.keys.sorted() && a.allSatisfy { key, t in
        guard let u = b[key], u.shape == t.shape else { return false }
        return t.scalars.map(\.bitPattern) == u.scalars.map(\.bitPattern)
    }
}

/// `tinyConfig` on 8 Gaussians, class-conditional on its 8 components with label dropout.
func conditionalConfig(steps: Int = 20, dropout: Double = 0.25) -> TrainingConfig {
    var config = tinyConfig(toy: .eightGaussians, steps: steps)
    config.model.classCount = 8
    config.conditioning = ClassConditioning(classNames: ToyDistribution.eightGaussians.classNames, labelDropout: dropout)
    return config
}

/// Twelve 8×8 grayscale PNGs in a new temporary folder (removed by the caller).
func makeImageFolder(_ name: String = #function) throws -> URL {
    let images = makeTemporaryFolder(name)
    for i in 0..<12 {
        var image = PixelImage(width: 8, height: 8, channels: 1)
        for y in 0..<8 { for x in 0..<8 { image[x, y, 0] = UInt8((x * 29 + y * 13 + i * 41) % 256) } }
        try image.writePNG(to: images.appendingPathComponent("img\(i).png").path)
    }
    return images
}

/// A small U-Net (8 channels, two levels, self-attention in the middle if asked) trained with
/// random flips on `images` (`makeImageFolder`): batches of 5 for 8 steps cross three epochs of
/// the twelve images.
func tinyUNetConfig(images: URL, steps: Int = 8, midAttention: Bool = false) -> TrainingConfig {
    let unet = UNetConfig(inputChannels: 1, imageSize: 8, baseChannels: 8, channelMultipliers: [1, 2], blocksPerLevel: 1,
                          attentionResolutions: [], midAttention: midAttention, timeEmbeddingInput: 16, timeEmbeddingDimension: 32,
                          groups: 4)
    return TrainingConfig(data: .folder(path: images.path, imageSize: 8, color: .gray), model: .unet(unet),
                          objective: ObjectiveConfig(kind: .cfm), path: .standard(.rectified), steps: steps, batchSize: 5,
                          learningRate: 2e-3, warmupSteps: 2, emaDecay: 0.9, flip: true, seed: 6,
                          checkpointEvery: 0, sampleEvery: 0, logEvery: 0)
}
