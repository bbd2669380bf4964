import TensorCore

/// Exponential moving average of a module's parameters (Polyak averaging;
/// the "EMA weights" sampling uses, as in DDPM and EDM):
///
///     θ̄ ← d·θ̄ + (1 − d)·θ        after every optimizer step, decay d ∈ [0, 1)
///
/// The averages are keyed like the parameters (stored under `/ema/<key>` in checkpoints).
public final class EMA {
    public var decay: Float
    /// The averaged parameters.
    public private(set) var averages: [String: Tensor]

    /// Starts the average at the module's current parameters.
    public init(_ model: Module, decay: Float = 0.999) {
        precondition(decay >= 0 && decay < 1, "EMA: decay must be in [0, 1), got \(decay)")
        self.decay = decay
        averages = model.parameterSnapshot()
    }

    /// Moves the averages toward the module's current parameters.
    public func update(_ model: Module) {
        let d = decay
        model.visitParameters { key, p in
            guard let a = averages[key] else { preconditionFailure("EMA.update: parameter '\(key)' was not in the model the EMA was made from") }
            precondition(a.shape == p.shape, "EMA.update: '\(key)' has shape \(p.shape), average \(a.shape)")
            let pa = a.storage.pointer, pp = p.storage.pointer
            parallelFor(p.count) { lo, hi in for i in lo..<hi { pa[i] = d * pa[i] + (1 - d) * pp[i] } }
        }
    }

    /// Replaces the averages (e.g. from a checkpoint), validated against `model`.
    public func load(_ values: [String: Tensor], for model: Module) throws {
        try ParameterShapes(model).validate(values)
        averages = values.mapValues { $0.detached.copy() }
    }

    /// Copies the averages into `model` (e.g. a second instance used for sampling).
    public func copy(to model: Module) throws { try model.loadParameters(averages) }
}

