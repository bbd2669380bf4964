import Foundation
import TensorCore
import Generative

/// DDIM (Song, Meng & Ermon 2021, "Denoising diffusion implicit models", eq. 12), on any
/// Gaussian path, with the stochasticity dial η:
///
///     x₁ = α₁·x̂₀ + √(σ₁² − s²)·ε̂ + s·z,   s = η·σ₁·√(1 − e^{−2(λ₁ − λ₀)})
///
/// where (x̂₀, ε̂) are the model's predictions at (x₀, t₀), λ = log(α/σ), and
/// z = (W(t₁) − W(t₀))/√|t₁ − t₀| from the per-sample Brownian path (the same Brownian motion at
/// every step count). s² is the variance of the posterior q(x_{t₁} | x_{t₀}, x₀) of the path
/// (σ₁²(1 − α₀²σ₁²/(α₁²σ₀²)), which is eq. 16's σ_t(η) on the VP path).
///
/// - η = 0: deterministic DDIM, first order in the step (the exponential-integrator Euler step
///   of the PF-ODE in λ; DPM-Solver-1, Lu et al. 2022).
/// - η = 1: ancestral sampling, which is DDPM's (Ho et al. 2020) posterior step with variance
///   β̃ and, on the VE/EDM path, k-diffusion's Euler-ancestral step (σ_up = s, σ_down = √(σ₁² − s²)).
///
/// A step to σ₁ = 0 returns α₁·x̂₀. One evaluation per step.
public struct DDIM: Solver, Sendable, Equatable {
    public var eta: Double

    public init(eta: Double = 0) {
        precondition(eta >= 0, "DDIM: eta must be ≥ 0, got \(eta)")
        self.eta = eta
    }

    public var order: Double { 1 }
    public var isStochastic: Bool { eta > 0 }

    public func evaluations(from t0: Double, to t1: Double, isFirst: Bool, on equation: Equation) -> Int { 1 }

    public func step(_ x: Tensor, from t0: Double, to t1: Double, state: Void, context: StepContext) -> SolverStep<Void> {
        let f = context.fields(x, at: t0)
        let c = Self.coefficients(path: context.path, from: t0, to: t1, eta: eta)
        var terms: [(Double, Tensor)] = [(c.alpha, f.x0), (c.keep, f.epsilon)]
        if c.spread > 0 { terms.append((c.spread, context.brownianNormal(from: t0, to: t1))) }
        return SolverStep(x: Tensor.combination(terms))
    }

    /// The ancestral step (η > 0) is one Gaussian draw; η = 0 is deterministic.
    public var hasGaussianStep: Bool { eta > 0 }

    /// `step`'s Gaussian (η > 0): mean α₁·x̂₀ + √(σ₁² − s²)·ε̂, spread s.
    public func gaussianStep(_ x: Tensor, from t0: Double, to t1: Double, state: Void, context: StepContext) -> GaussianStep<Void>? {
        guard hasGaussianStep else { return nil }
        let f = context.fields(x, at: t0)
        let c = Self.coefficients(path: context.path, from: t0, to: t1, eta: eta)
        return GaussianStep(mean: Tensor.combination([(c.alpha, f.x0), (c.keep, f.epsilon)]), spread: c.spread, state: ())
    }

    /// The step's Gaussian: x₁ ~ N(alpha·x̂₀ + keep·ε̂, spread²·I) with alpha = α₁,
    /// spread = s = η·σ₁·√(1 − (α₀σ₁/(α₁σ₀))²) and keep = √(σ₁² − s²).
    public static func coefficients(path: GaussianPath, from t0: Double, to t1: Double, eta: Double)
        -> (alpha: Double, keep: Double, spread: Double) {
        let (a0, s0, a1, s1) = (path.alpha(t0), path.sigma(t0), path.alpha(t1), path.sigma(t1))
        // e^{−(λ₁ − λ₀)} = α₀σ₁/(α₁σ₀) ∈ [0, 1].
        let ratio = (a0 * s1) / (a1 * s0)
        let s = eta * s1 * Swift.max(0, 1 - ratio * ratio).squareRoot()
        return (a1, Swift.max(0, s1 * s1 - s * s).squareRoot(), s)
    }
}

extension SolverEntry {
    /// `eta` ≥ 0 (0: the deterministic ODE sampler).
    public static let ddim = SolverEntry("ddim", summary: "DDIM, η = eta (0: ODE)") { f in
        DDIM(eta: try f.number("eta", default: 0, min: 0))
    }
    /// DDIM with η > 0 (default 1: ancestral sampling).
    public static let ancestral = SolverEntry("ancestral", summary: "ancestral sampling: DDIM with eta > 0 (1)") { f in
        let eta = try f.number("eta", default: 1, min: 0)
        guard eta > 0 else { throw SamplerError("field 'eta' must be > 0 for solver 'ancestral' (eta 0 is solver 'ddim')") }
        return DDIM(eta: eta)
    }
}
