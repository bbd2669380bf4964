import Foundation
import TensorCore
import Generative

/// EDM's stochastic sampler (Karras et al. 2022, "Elucidating the design space of diffusion-
/// based generative models", Algorithm 2): Heun steps on the PF-ODE with "churn" — before each
/// step, noise is added to raise the noise level from σ̃_i to σ̂ = (1 + γ_i)·σ̃_i.
///
/// It runs on x̃ = x/α with EDM noise level σ̃ = σ/α = e^{−λ}, where every Gaussian path is
/// EDM's (α = 1, σ = σ̃) path (their eq. 4 with s(t) = α); the denoiser is the model's x̂₀ at the
/// path time of σ̃. On the EDM path this is Algorithm 2 verbatim. σ̂ is clipped to the path's
/// largest noise level (γ_i is reduced accordingly). With S_churn = 0 it is Algorithm 1
/// (deterministic, order 2); the churn noise ε_i is the normalized increment of the per-sample
/// Brownian path over [t_{i+1}, t_i] (the same Brownian motion at every step count). Two
/// evaluations per step, one on a step to σ = 0.
public struct EDMStochasticSampler: Solver, Sendable, Equatable {
    /// S_churn: total churn over the sampling run (γ_i = min(S_churn/N, √2 − 1)).
    public var churn: Double
    /// S_tmin, S_tmax: churn only where σ̃_i ∈ [S_tmin, S_tmax].
    public var minNoiseLevel: Double
    public var maxNoiseLevel: Double
    /// S_noise: standard deviation of the added noise (slightly above 1 offsets the denoiser's bias).
    public var noiseScale: Double

    public init(churn: Double = 0, minNoiseLevel: Double = 0, maxNoiseLevel: Double = .infinity, noiseScale: Double = 1) {
        precondition(churn >= 0 && minNoiseLevel >= 0 && maxNoiseLevel >= minNoiseLevel && noiseScale >= 0,
                     "EDMStochasticSampler: need churn ≥ 0, 0 ≤ S_tmin ≤ S_tmax, S_noise ≥ 0")
        self.churn = churn
        self.minNoiseLevel = minNoiseLevel
        self.maxNoiseLevel = maxNoiseLevel
        self.noiseScale = noiseScale
    }

    public var order: Double { churn == 0 ? 2 : 0.5 }
    public var isStochastic: Bool { churn > 0 }

    public func evaluations(from t0: Double, to t1: Double, isFirst: Bool, on equation: Equation) -> Int {
        guard let path = equation.model?.path else { return 2 }
        return 1 + (path.sigma(t1) > 0 && equation.isDefined(t1) ? 1 : 0)
    }

    public func validate(start t0: Double, on path: GaussianPath) throws { try requireFiniteLogSNR(t0, on: path) }

    public func step(_ x: Tensor, from t0: Double, to t1: Double, state: Void, context: StepContext) -> SolverStep<Void> {
        let path = context.path
        func level(_ t: Double) -> Double { path.sigma(t) / path.alpha(t) }
        // x̃_i = x_i/α(t_i): the EDM-path state.
        let xi = x * Float(1 / path.alpha(t0))
        let (sigma, next) = (level(t0), level(t1))
        let n = Double(context.stepCount ?? 1)
        // Line 4: γ_i = min(S_churn/N, √2 − 1) if t_i ∈ [S_tmin, S_tmax], else 0.
        let gamma = (minNoiseLevel...maxNoiseLevel).contains(sigma) ? Swift.min(churn / n, 2.0.squareRoot() - 1) : 0
        // Line 6: t̂_i = t_i + γ_i·t_i (clipped to the path's largest noise level).
        let top = level(path.domain.upperBound)
        let hatSigma = Swift.min(sigma * (1 + gamma), top.isFinite ? Swift.max(top, sigma) : .infinity)
        let hatT = hatSigma == sigma ? t0 : path.time(logSNR: -Foundation.log(hatSigma))
        // Lines 5 and 7: ε_i ~ N(0, S_noise² I), x̂_i = x_i + √(t̂_i² − t_i²)·ε_i.
        var xHat = xi
        if hatSigma > sigma {
            let eps = context.brownianNormal(from: t0, to: t1)
            xHat = Tensor.combination([(1, xi), (noiseScale * (hatSigma * hatSigma - sigma * sigma).squareRoot(), eps)])
        }
        // Line 8: d_i = (x̂_i − D(x̂_i; t̂_i))/t̂_i.
        let denoised = context.fields(xHat * Float(path.alpha(hatT)), at: hatT).x0
        let d = Tensor.combination([(1 / hatSigma, xHat), (-1 / hatSigma, denoised)])
        // Line 9: x_{i+1} = x̂_i + (t_{i+1} − t̂_i)·d_i (Euler step).
        var xNext = Tensor.combination([(1, xHat), (next - hatSigma, d)])
        // Lines 10–12: if t_{i+1} ≠ 0, apply the second-order correction with d'_i at t_{i+1}.
        if next != 0 && context.equation.isDefined(t1) {
            let denoisedNext = context.fields(xNext * Float(path.alpha(t1)), at: t1).x0
            let dPrime = Tensor.combination([(1 / next, xNext), (-1 / next, denoisedNext)])
            xNext = Tensor.combination([(1, xHat), (0.5 * (next - hatSigma), d), (0.5 * (next - hatSigma), dPrime)])
        }
        // Back to the path's scaling: x_{i+1} = α(t_{i+1})·x̃_{i+1}.
        return SolverStep(x: xNext * Float(path.alpha(t1)))
    }
}

extension SolverEntry {
    /// `sChurn` (0), `sTmin` (0), `sTmax` (∞), `sNoise` (1).
    public static let edm = SolverEntry("edm", summary: "EDM Algorithm 2 (churn), Algorithm 1 at sChurn 0") { f in
        let tmin = try f.number("sTmin", default: 0, min: 0)
        let tmax = try f.number("sTmax", default: .infinity, min: 0)
        guard tmin <= tmax else { throw SamplerError("field 'sTmin' (\(tmin)) must not exceed 'sTmax' (\(tmax))") }
        return EDMStochasticSampler(churn: try f.number("sChurn", default: 0, min: 0), minNoiseLevel: tmin,
                                    maxNoiseLevel: tmax, noiseScale: try f.number("sNoise", default: 1, min: 0))
    }
}
