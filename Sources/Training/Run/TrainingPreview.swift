import DriftIO
import Foundation
import Generative
import NN
import Plotting
import Samplers
import TensorCore

/// Preview samples of the EMA model during training, always from the same
/// noise (`rootKey.fold("preview")`), so successive previews show the model
/// improving rather than new noise.
public enum TrainingPreview {
    /// The preview sampler: Heun on the probability-flow ODE over EDM's noise levels
    /// σ̃ ∈ [0.002, 80] (Karras ρ = 7 spacing, clipped to the path), `steps` steps (2 NFE each).
    public static func sampler(steps: Int) -> Sampler {
        Sampler(solver: RungeKutta(.heun), grid: TimeGrid(.karras(rho: 7), steps: steps))
    }

    /// The preview sampler of a run: `sampler(steps:)`, or for a consistency student two steps of
    /// consistency sampling (its own sampler; an ODE solver does not apply to it).
    public static func sampler(for config: TrainingConfig) -> Sampler {
        config.objective.kind == .consistency ? Sampler(solver: ConsistencySampler(), grid: TimeGrid(.karras(rho: 7), steps: 2))
            : sampler(steps: config.previewSteps)
    }

    /// The preview sampler's description in the PNG's text.
    static func samplerDescription(_ config: TrainingConfig) -> String {
        config.objective.kind == .consistency ? "consistency, karras rho 7, 2 steps"
            : "heun, karras rho 7, \(config.previewSteps) steps, probability-flow ODE"
    }

    /// `count` samples of the trainer's EMA model, shape [count] + sampleShape, sample i of class
    /// `classes[i]` (unguided; nil or no classes: unconditional).
    public static func samples(_ trainer: Trainer, count: Int, classes: [Int?]? = nil) throws -> Tensor {
        let trained = try TrainedModel(network: try trainer.emaNetwork(), path: trainer.config.path,
                                       objective: trainer.config.objective, conditioning: trainer.config.conditioning)
        let model = GuidedModel(trained, classes: classes ?? [Int?](repeating: nil, count: count))
        let key = trainer.rootKey.fold("preview")
        let noise = Sampler.initialNoise(count: count, sampleShape: model.sampleShape, key: key)
        return try sampler(for: trainer.config).sample(model, noise: noise, key: key).samples
    }

    /// Writes the preview PNG: an 8×8 grid of images (pixels enlarged 2× below 64 px) — for a
    /// class-conditional model one row of 8 per class (the first 10 classes) — or a density
    /// scatter plot of 2000 points on [−4, 4]² for vector data (first two coordinates; a
    /// conditional model draws the classes in turn).
    /// Text chunks record what made it (step, objective, model, path, sampler, seed).
    public static func render(_ trainer: Trainer, to file: String) throws {
        let config = trainer.config
        let text = metadata(trainer)
        let classCount = config.conditioning?.classCount ?? 0
        if config.data.isImage {
            let classes: [Int?]? = classCount > 0 ? (0..<(8 * min(classCount, 10))).map { $0 / 8 } : nil
            let images = try samples(trainer, count: classes?.count ?? 64, classes: classes)
            try ImageGrid.write(images, to: file, nrow: 8, padding: 2, scale: images.shape[3] < 64 ? 2 : 1, text: text)
        } else {
            let points = try samples(trainer, count: 2000, classes: classCount > 0 ? (0..<2000).map { $0 % classCount } : nil)
            let n = points.shape[0], d = points.shape[1]
            let xy = d == 2 ? points : Tensor((0..<n).flatMap { i in points.scalars[(i * d)..<(i * d + 2)] }, shape: [n, 2])
            try ScatterPlot(xRange: -4...4, yRange: -4...4, size: 400, style: .density(bins: 120)).write(xy, to: file, text: text)
        }
    }

    /// PNG text chunks describing a preview.
    static func metadata(_ trainer: Trainer) -> [PNGText] {
        let c = trainer.config
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        func json<T: Encodable>(_ v: T) -> String { (try? encoder.encode(v)).map { String(decoding: $0, as: UTF8.self) } ?? "" }
        return [
            PNGText("Software", "drift train"),
            PNGText("Title", "\(c.objective.kind.rawValue) on \(c.data.name), step \(trainer.step) (EMA weights)"),
            PNGText("drift.step", "\(trainer.step)"),
            PNGText("drift.objective", c.objective.kind.rawValue),
            PNGText("drift.data", c.data.name),
            PNGText("drift.model", json(c.model)),
            PNGText("drift.path", json(c.path)),
            PNGText("drift.sampler", samplerDescription(c)),
            PNGText("drift.seed", "\(c.seed) (preview noise: fold \"preview\")"),
        ]
    }
}
