import Foundation
import Generative
import NN
import TensorCore

/// A trained network as a `DiffusionModel`: what `drift sample --model run/checkpoint.h5` samples.
///
/// The network's output means what its objective trained it to predict (the
/// checkpoint's `parametrization`): velocity for flow matching, ε for DSM
/// (fed (x_t, t)), x₀ for EDM — there the raw network F is wrapped in the
/// preconditioning, D = c_skip·x + c_out·F(c_in·x, c_noise) (`PreconditionedModel`).
/// Samplers convert from that parametrization in closed form.
public struct TrainedModel: DiffusionModel {
    /// Which weights to use.
    public enum Weights: String, CaseIterable, Sendable {
        /// The exponential moving average (the default for sampling).
        case ema
        /// The raw optimizer iterate.
        case raw
    }

    public let network: any Network
    public let path: GaussianPath
    public let parametrization: Parametrization
    public let sampleShape: [Int]
    private let preconditioned: PreconditionedModel?

    /// The model of `checkpoint`, with its EMA or raw weights.
    public init(checkpoint: Checkpoint, weights: Weights = .ema) throws {
        let net = try checkpoint.model.build(key: RandomKey(seed: 0))
        try net.loadParameters(weights == .ema ? checkpoint.ema : checkpoint.parameters)
        try self.init(network: net, path: checkpoint.path, objective: checkpoint.training.objective)
    }

    /// A network trained with `objective`, sampled on `path`.
    public init(network: any Network, path: GaussianPath, objective: ObjectiveConfig) throws {
        self.network = network
        self.path = path
        parametrization = objective.kind.parametrization
        sampleShape = network.sampleShape
        if let pre = objective.preconditioning {
            preconditioned = PreconditionedModel(path: path, sampleShape: network.sampleShape, preconditioning: pre) { input, cNoise in
                network(x: input, t: Tensor(repeating: Float(cNoise), shape: [input.shape[0]]))
            }
        } else {
            preconditioned = nil
        }
    }

    /// Reads `file` (weights only, validated) and builds the model.
    public static func load(_ file: String, weights: Weights = .ema) throws -> TrainedModel {
        try TrainedModel(checkpoint: try Checkpoint.read(from: file, includeOptimizer: false), weights: weights)
    }

    public func evaluate(_ x: Tensor, t: Double) -> Tensor {
        if let preconditioned { return preconditioned.evaluate(x, t: t) }
        return network(x: x, t: Tensor(repeating: Float(t), shape: [x.shape[0]]))
    }
}
