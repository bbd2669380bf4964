import NN

/// Which optimizer trains the network (`--optimizer`), with its settings; stored in the checkpoint.
/// The learning rate, schedule and weight decay are the run's own (`TrainingConfig`).
public enum OptimizerChoice: Codable, Equatable, Sendable {
    /// Adam (Kingma & Ba 2015), or AdamW (Loshchilov & Hutter 2019) when the run's weight decay is > 0.
    case adam(beta1: Double, beta2: Double)
    /// SGD with (optionally Nesterov) momentum, PyTorch's rule (`SGD`).
    case sgd(momentum: Double, nesterov: Bool)

    /// Adam with PyTorch's default betas (0.9, 0.999).
    public static let adamDefault = OptimizerChoice.adam(beta1: 0.9, beta2: 0.999)

    /// The optimizer, ready for the first step.
    public func make(learningRate: Double, weightDecay: Double) -> any Optimizer {
        switch self {
        case .adam(let b1, let b2):
            return Adam(learningRate: Float(learningRate), beta1: Float(b1), beta2: Float(b2), weightDecay: Float(weightDecay),
                        decoupledWeightDecay: true)
        case .sgd(let momentum, let nesterov):
            return SGD(learningRate: Float(learningRate), momentum: Float(momentum), weightDecay: Float(weightDecay), nesterov: nesterov)
        }
    }

    /// The per-parameter state slots a checkpoint holds once a step has been taken.
    public var slots: [String] {
        switch self {
        case .adam: return ["m", "v"]
        case .sgd(let momentum, _): return momentum == 0 ? [] : ["momentum"]
        }
    }

    /// "adam (β 0.9, 0.999)" / "sgd (momentum 0.9, nesterov)".
    public var summary: String {
        switch self {
        case .adam(let b1, let b2): return "adam (betas \(b1), \(b2))"
        case .sgd(let m, let n): return "sgd (momentum \(m)\(n ? ", nesterov" : ""))"
        }
    }

    /// Checks the settings; one line naming the flag otherwise.
    public func validate() throws {
        switch self {
        case .adam(let b1, let b2):
            guard (0..<1).contains(b1), (0..<1).contains(b2) else {
                throw TrainingError.invalidSetting("--betas must both be in [0, 1), got \(b1), \(b2)")
            }
        case .sgd(let m, let nesterov):
            guard m >= 0 && m < 1 else { throw TrainingError.invalidSetting("--momentum must be in [0, 1), got \(m)") }
            guard !nesterov || m > 0 else { throw TrainingError.invalidSetting("--nesterov needs --momentum > 0") }
        }
    }
}
