import TensorCore

/// Euler–Maruyama for dx = f(x, t) dt + G(x, t) ⊙ dW:
///
///     x₁ = x₀ + f(x₀, t₀)·(t₁ − t₀) + G(x₀, t₀) ⊙ (W(t₁) − W(t₀))
///
/// with increments from the per-sample Brownian path (Kloeden & Platen 1992, §10.2). Strong
/// order ½ in general, 1 for additive noise (G independent of x, as in every diffusion model's
/// reverse SDE); weak order 1. On a model's reverse SDE (`Equation.reverse(model, level:)`),
/// with t decreasing, W̄ is the same Brownian path read backwards: the increment has variance
/// |t₁ − t₀| either way. One evaluation per step.
public struct EulerMaruyama: Solver {
    public init() {}

    public var order: Double { 0.5 }
    public var isStochastic: Bool { true }

    public func step(_ x: Tensor, from t0: Double, to t1: Double, state: Void, context: StepContext) -> SolverStep<Void> {
        let f = context.drift(x, at: t0)
        let noise = context.diffusion(x, at: t0) * context.brownianIncrement(from: t0, to: t1)
        return SolverStep(x: Tensor.combination([(1, x), (t1 - t0, f), (1, noise)]))
    }
}
