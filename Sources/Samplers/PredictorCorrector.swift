import Foundation
import TensorCore
import Generative

/// Predictor–corrector sampling (Song et al. 2021, "Score-based generative modeling through
/// SDEs", Algorithms 2 (VE) and 3 (VP), generalized to any Gaussian path):
///
/// **Predictor** (reverse diffusion, App. E eq. 46–47): with the path's discrete forward step
/// x_{t₀} = a·x_{t₁} + G·ξ, a = α₀/α₁, G² = σ₀² − a²σ₁²,
///
///     x₁ = (2 − a)·x₀ + G²·ŝ(x₀, t₀) + G·z
///
/// (VE: a = 1, G² = σ₀² − σ₁²; VP: a = √(1 − β_i), G² = β_i — the paper's formulas).
///
/// **Corrector**: `correctorSteps` Langevin steps at t₁ with signal-to-noise ratio r = `snr`:
///
///     x ← x + ε·ŝ(x, t₁) + √(2ε)·z,   ε = 2·ᾱ·r²·σ(t₁)²
///
/// with ᾱ = a² (the VP algorithm's α_i = 1 − β_i; 1 on VE). The paper sets
/// ε = 2ᾱ(r‖z‖/‖ŝ‖)² with norms averaged over the batch; in high dimension those averages
/// concentrate at ‖z‖² ≈ d and ‖ŝ‖² ≈ d/σ², which gives the ε above. Drift uses that limit:
/// per-sample norms would make the step depend on the state (unbounded where ŝ ≈ 0, which
/// biases the chain badly in low dimension), and batch averages would make a sample depend on
/// the others. No corrector runs where σ₁ = 0. Noise: the predictor's z is the normalized
/// increment of Brownian path 0 over [t₁, t₀]; corrector step j (of m) uses the normalized
/// increment of the independent path 1 over the j-th of m equal parts of [t₁, t₀], so both are
/// the same Brownian motions at every step count. 1 + `correctorSteps` evaluations per step
/// (1 on a step to σ = 0).
public struct PredictorCorrector: Solver {
    public var snr: Double
    public var correctorSteps: Int

    public init(snr: Double = 0.16, correctorSteps: Int = 1) {
        precondition(snr >= 0, "PredictorCorrector: snr must be ≥ 0, got \(snr)")
        precondition(correctorSteps >= 0, "PredictorCorrector: correctorSteps must be ≥ 0, got \(correctorSteps)")
        self.snr = snr
        self.correctorSteps = correctorSteps
    }

    public var order: Double { 0.5 }
    public var isStochastic: Bool { true }

    public func evaluations(from t0: Double, to t1: Double, isFirst: Bool, on equation: Equation) -> Int {
        guard let path = equation.model?.path else { return 1 + correctorSteps }
        return 1 + (path.sigma(t1) > 0 ? correctorSteps : 0)
    }

    public func validate(start t0: Double, on path: GaussianPath) throws { try requireFiniteLogSNR(t0, on: path) }

    public func step(_ x: Tensor, from t0: Double, to t1: Double, state: Void, context: StepContext) -> SolverStep<Void> {
        let path = context.path
        let (a0, s0, a1, s1) = (path.alpha(t0), path.sigma(t0), path.alpha(t1), path.sigma(t1))
        let a = a0 / a1
        let g2 = Swift.max(0, s0 * s0 - a * a * s1 * s1)
        let score = context.fields(x, at: t0).score
        var y = Tensor.combination([(2 - a, x), (g2, score), (g2.squareRoot(), context.brownianNormal(from: t0, to: t1))])
        if s1 > 0 {
            let eps = 2 * a * a * snr * snr * s1 * s1
            let part = (t0 - t1) / Double(correctorSteps)
            for j in 0..<correctorSteps {
                let g = context.fields(y, at: t1).score
                let lo = t1 + Double(j) * part, hi = j == correctorSteps - 1 ? t0 : t1 + Double(j + 1) * part
                let z = context.brownianNormal(from: hi, to: lo, path: 1)
                y = Tensor.combination([(1, y), (eps, g), ((2 * eps).squareRoot(), z)])
            }
        }
        return SolverStep(x: y)
    }
}

extension SolverEntry {
    /// `snr` (0.16), `correctorSteps` (1).
    public static let predictorCorrector = SolverEntry("pc", summary: "reverse-diffusion predictor + Langevin corrector") { f in
        PredictorCorrector(snr: try f.number("snr", default: 0.16, min: 0), correctorSteps: try f.integer("correctorSteps", default: 1, min: 0))
    }
}
