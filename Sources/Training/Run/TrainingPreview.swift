import Foundation
import Generative
import NN
import Samplers
import TensorCore

/// Preview samples of the EMA model during training, always from the same
/// noise (`rootKey.fold("preview")`), so successive previews show the model
/// improving rather than new noise.
public enum TrainingPreview {
    /// The preview sampler: Heun on the probability-flow ODE over EDM's noise levels
    /// σ̃ ∈ [0.002, 80] (Karras ρ = 7 spacing, clipped to the path), `steps` steps (2 NFE each).
    public static func sampler(steps: Int) -> Sampler {
        Sampler(method: .rungeKutta(.heun), grid: TimeGrid(.karras(rho: 7), steps: steps))
    }

    /// `count` samples of the trainer's EMA model, shape [count] + sampleShape.
    public static func samples(_ trainer: Trainer, count: Int) throws -> Tensor {
        let model = try TrainedModel(network: try trainer.emaNetwork(), path: trainer.config.path,
                                     objective: trainer.config.objective)
        let key = trainer.rootKey.fold("preview")
        let noise = Sampler.initialNoise(count: count, sampleShape: model.sampleShape, key: key)
        return try sampler(steps: trainer.config.previewSteps).sample(model, noise: noise, key: key).samples
    }

    /// Writes the preview PNG (filled in when the PNG writers land).
    public static func render(_ trainer: Trainer, to file: String) throws {}
}
