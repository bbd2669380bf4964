import Foundation
import Generative
import NN
import TensorCore

/// The training objectives Drift knows (`--objective`).
public enum ObjectiveKind: String, Codable, CaseIterable, Sendable {
    /// Denoising score matching with ε-prediction (Ho et al. 2020; Song et al. 2021).
    case dsm
    /// EDM's preconditioned denoiser loss with log-normal σ (Karras et al. 2022).
    case edm
    /// Conditional flow matching: regress the conditional velocity (Lipman et al. 2023; Liu et al. 2023).
    case cfm
    /// Flow matching with an exact minibatch optimal-transport coupling (Tong et al. 2023).
    case otcfm = "ot-cfm"
    /// A continuous normalizing flow trained by maximum likelihood through its ODE
    /// (Chen et al. 2018; FFJORD, Grathwohl et al. 2019): see `CNFObjective`.
    case cnf
    /// Consistency distillation (Song et al. 2023): a student f(x, t) that maps every point of a
    /// teacher's ODE trajectory to its end, trained by `drift distill --method consistency`
    /// (`ConsistencyObjective`).
    case consistency

    /// What the trained network predicts: sampling converts from it (CFM → velocity, DSM → ε, EDM → x₀).
    public var parametrization: Parametrization {
        switch self {
        case .dsm: return .epsilon
        case .edm, .consistency: return .x0
        case .cfm, .otcfm, .cnf: return .velocity
        }
    }

    /// Whether the trained field determines a score ∇log p_t along the Gaussian path. A CNF's
    /// velocity transports data to noise along paths of its own, not the rectified path's
    /// marginals, so converting it to a score is meaningless: it is an ODE-only model.
    public var hasScore: Bool { self != .cnf }

    /// The path an objective trains on unless `--path` says otherwise.
    public var defaultPath: PathKind {
        switch self {
        case .dsm: return .vp
        case .edm, .consistency: return .edm
        case .cfm, .otcfm, .cnf: return .rectified
        }
    }
}

/// How flow matching draws t.
public enum TimeSampling: Codable, Equatable, Sendable {
    /// Uniform on the path's domain.
    case uniform
    /// t = sigmoid(m + s·n), n ~ N(0, 1) (Esser et al. 2024, "Scaling rectified flow transformers", §3.1):
    /// more weight on intermediate times.
    case logitNormal(mean: Double, std: Double)
}

/// EDM's noise distribution and data scale (Karras et al. 2022, Table 1: ln σ ~ N(P_mean, P_std²), σ_data).
public struct EDMLossSettings: Codable, Equatable, Sendable {
    public var pMean: Double
    public var pStd: Double
    public var sigmaData: Double
    public init(pMean: Double = -1.2, pStd: Double = 1.2, sigmaData: Double = 0.5) {
        self.pMean = pMean
        self.pStd = pStd
        self.sigmaData = sigmaData
    }
}

/// A training objective on a Gaussian path: its kind and settings (stored in checkpoints).
public struct ObjectiveConfig: Codable, Equatable, Sendable {
    public var kind: ObjectiveKind
    /// Flow matching: how t is drawn.
    public var timeSampling: TimeSampling
    /// DSM: weight λ(t) = g(t)²/σ(t)² (the likelihood weighting of Song et al. 2021,
    /// "Maximum likelihood training of score-based diffusion models", Thm. 1), with t drawn
    /// by importance sampling ∝ λ so the loss stays low-variance.
    public var likelihoodWeighting: Bool
    /// EDM: noise distribution and σ_data.
    public var edm: EDMLossSettings
    /// CNF: divergence, gradient method, solver and regularizers (nil for every other objective).
    public var cnf: CNFSettings?
    /// Consistency distillation: the noise-level grid, the target's EMA and the teacher's guidance
    /// (nil for every other objective).
    public var consistency: ConsistencySettings?

    public init(kind: ObjectiveKind, timeSampling: TimeSampling = .uniform, likelihoodWeighting: Bool = false,
                edm: EDMLossSettings = EDMLossSettings(), cnf: CNFSettings? = nil, consistency: ConsistencySettings? = nil) {
        self.kind = kind
        self.timeSampling = timeSampling
        self.likelihoodWeighting = likelihoodWeighting
        self.edm = edm
        self.cnf = kind == .cnf ? (cnf ?? CNFSettings()) : cnf
        self.consistency = kind == .consistency ? (consistency ?? ConsistencySettings()) : consistency
    }

    /// The EDM preconditioning the network is wrapped in (EDM objective, and a consistency
    /// student's, shifted to its boundary σ_min).
    public var preconditioning: EDMPreconditioning? {
        switch kind {
        case .edm: return EDMPreconditioning(sigmaData: edm.sigmaData)
        case .consistency:
            let c = consistency ?? ConsistencySettings()
            return EDMPreconditioning(sigmaData: c.sigmaData, sigmaMin: c.sigmaMin)
        default: return nil
        }
    }

    /// Checks that the objective can train on `path`; one line saying what to change otherwise.
    public func validate(on path: GaussianPath) throws {
        switch kind {
        case .dsm:
            if path.kind == .edm {
                throw TrainingError.invalidSetting("dsm draws t uniformly on [0, 1]: use --path vp, subvp or ve (or --objective edm for the edm path)")
            }
        case .cfm, .otcfm:
            if path.kind == .ve || path.kind == .edm {
                throw TrainingError.invalidSetting("\(kind.rawValue) regresses a velocity on a path from data to pure noise: use --path rectified (or vp, subvp, cosine), not \(path.kind.rawValue)")
            }
        case .edm:
            break   // trains in the α = 1 form x/α = x₀ + (σ/α)·ε, so any path samples it
        case .consistency:
            guard let consistency else { throw TrainingError.invalidSetting("consistency needs its settings (grid, target EMA)") }
            try consistency.validate(on: path)
        case .cnf:
            if path.kind != .rectified {
                throw TrainingError.invalidSetting("cnf integrates t ∈ [0, 1] from the data to N(0, I), which is the rectified path's prior: use --path rectified, not \(path.kind.rawValue)")
            }
            guard let cnf else { throw TrainingError.invalidSetting("cnf needs its settings (solver, divergence, gradient)") }
            try cnf.validate()
        }
        if kind != .consistency, consistency != nil {
            throw TrainingError.invalidSetting("the consistency settings belong to drift distill --method consistency")
        }
        if kind != .cnf, cnf != nil {
            throw TrainingError.invalidSetting("the ODE settings (--divergence, --gradient, --ode-solver, --kinetic, --jacobian, …) belong to --objective cnf")
        }
        if case .logitNormal(_, let s) = timeSampling, !(s > 0) {
            throw TrainingError.invalidSetting("logit-normal time sampling needs a positive std, got \(s)")
        }
        if kind == .edm, !(edm.pStd > 0 && edm.sigmaData > 0) {
            throw TrainingError.invalidSetting("edm needs P_std > 0 and σ_data > 0, got \(edm.pStd) and \(edm.sigmaData)")
        }
    }
}
