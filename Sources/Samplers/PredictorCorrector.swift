import Foundation
import TensorCore

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
///     g = ŝ(x, t₁),  ε = 2·ᾱ·(r·‖z‖/‖g‖)²,  x ← x + ε·g + √(2ε)·z
///
/// with ᾱ = a² (the VP algorithm's α_i = 1 − β_i; 1 on VE). Norms are per sample, so a sample
/// never depends on the others (the reference code averages them over the batch). No corrector
/// runs where σ₁ = 0. Noise: keyed normals (t₀, stream 0) for the predictor, (t₁, stream j + 1)
/// for corrector step j. 1 + `correctorSteps` evaluations per step.
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

    public func step(_ x: Tensor, from t0: Double, to t1: Double, state: Void, context: StepContext) -> SolverStep<Void> {
        let path = context.path
        let (a0, s0, a1, s1) = (path.alpha(t0), path.sigma(t0), path.alpha(t1), path.sigma(t1))
        let a = a0 / a1
        let g2 = Swift.max(0, s0 * s0 - a * a * s1 * s1)
        let score = context.fields(x, at: t0).score
        var y = Tensor.combination([(2 - a, x), (g2, score), (g2.squareRoot(), context.normal(at: t0, stream: 0))])
        if s1 > 0 {
            for j in 0..<correctorSteps {
                let g = context.fields(y, at: t1).score
                y = langevin(y, score: g, noise: context.normal(at: t1, stream: j + 1), alpha: a * a)
            }
        }
        return SolverStep(x: y)
    }

    /// One Langevin step per sample: x + ε·g + √(2ε)·z with ε = 2ᾱ(r‖z‖/‖g‖)².
    func langevin(_ x: Tensor, score g: Tensor, noise z: Tensor, alpha: Double) -> Tensor {
        let rows = x.shape[0], per = x.count / Swift.max(rows, 1)
        let out = x.copy()
        let px = out.storage.pointer, pg = g.storage.pointer, pz = z.storage.pointer
        let r = snr
        parallelFor(rows, grain: Swift.max(1, 16_384 / Swift.max(per, 1))) { lo, hi in
            for row in lo..<hi {
                let o = row * per
                var gg = 0.0, zz = 0.0
                for i in o..<(o + per) {
                    gg += Double(pg[i]) * Double(pg[i])
                    zz += Double(pz[i]) * Double(pz[i])
                }
                guard gg > 0 else { continue }
                let eps = 2 * alpha * r * r * zz / gg
                let (e, n) = (Float(eps), Float((2 * eps).squareRoot()))
                for i in o..<(o + per) { px[i] += e * pg[i] + n * pz[i] }
            }
        }
        return out
    }
}
