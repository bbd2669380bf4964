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
    /// The classes of a class-conditional network (empty: unconditional).
    public let classNames: [String]
    /// Label dropout the network was trained with (0: it never saw the null class, so
    /// unconditional sampling and guidance are not meaningful).
    public let labelDropout: Double
    /// False for a CNF (`ObjectiveKind.hasScore`): ODE samplers only.
    public let hasScore: Bool
    private let preconditioned: PreconditionedModel?
    /// The preconditioning around the network (EDM and consistency models), nil otherwise.
    public let preconditioning: EDMPreconditioning?
    /// Whether this is a consistency student (`drift distill --method consistency`): its x̂₀ is a
    /// sample, drawn by consistency sampling (`ConsistencySampler`), not a field to integrate.
    public var isConsistencyModel: Bool { preconditioning?.sigmaMin != nil }

    /// The model of `checkpoint`, with its EMA or raw weights.
    public init(checkpoint: Checkpoint, weights: Weights = .ema) throws {
        let net = try checkpoint.model.build(key: RandomKey(seed: 0))
        try net.loadParameters(weights == .ema ? checkpoint.ema : checkpoint.parameters)
        try self.init(network: net, path: checkpoint.path, objective: checkpoint.training.objective,
                      conditioning: checkpoint.training.conditioning)
    }

    /// A network trained with `objective` (and `conditioning`, for a class-conditional one), sampled on `path`.
    public init(network: any Network, path: GaussianPath, objective: ObjectiveConfig, conditioning: ClassConditioning? = nil) throws {
        precondition(network.classCount == (conditioning?.classCount ?? 0),
                     "TrainedModel: the network has \(network.classCount) classes, the conditioning \(conditioning?.classCount ?? 0)")
        self.network = network
        self.path = path
        parametrization = objective.kind.parametrization
        sampleShape = network.sampleShape
        classNames = conditioning?.classNames ?? []
        labelDropout = conditioning?.labelDropout ?? 0
        hasScore = objective.kind.hasScore
        preconditioning = objective.preconditioning
        if let pre = objective.preconditioning {
            preconditioned = PreconditionedModel(path: path, sampleShape: network.sampleShape, preconditioning: pre,
                                                 classNames: classNames) { input, cNoise, classes in
                network(x: input, t: Tensor(repeating: Float(cNoise), shape: [input.shape[0]]), classes: classes)
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
        evaluate(x, t: t, classes: [Int?](repeating: nil, count: x.shape[0]))
    }

    public func evaluate(_ x: Tensor, t: Double, classes: [Int?]) -> Tensor {
        if let preconditioned { return preconditioned.evaluate(x, t: t, classes: classes) }
        return network(x: x, t: Tensor(repeating: Float(t), shape: [x.shape[0]]), classes: classes)
    }

    /// One evaluation with a time per row (`times[i]` for row i, as training draws them), in
    /// `parametrization`: row i equals `evaluate(x_i, t: times[i], classes: [classes[i]])`. Consistency
    /// distillation evaluates its teacher, target and student this way.
    public func evaluate(_ x: Tensor, times: [Double], classes: [Int?]) -> Tensor {
        precondition(times.count == x.shape[0] && classes.count == x.shape[0],
                     "TrainedModel.evaluate: \(times.count) times and \(classes.count) classes for a batch of shape \(x.shape)")
        func rows(_ values: [Double]) -> Tensor {
            Tensor(values.map(Float.init), shape: [values.count] + [Int](repeating: 1, count: x.rank - 1))
        }
        guard let p = preconditioning else { return network(x: x, t: Tensor(times.map(Float.init)), classes: classes) }
        let a = times.map(path.alpha), s = times.map { path.sigma($0) / path.alpha($0) }
        let f = network(x: x * rows(zip(s, a).map { p.cIn($0) / $1 }), t: Tensor(s.map { Float(p.cNoise($0)) }), classes: classes)
        return x * rows(zip(s, a).map { p.cSkip($0) / $1 }) + f * rows(s.map(p.cOut))
    }
}
