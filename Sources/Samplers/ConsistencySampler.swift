import TensorCore
import Generative

/// Multistep consistency sampling (Song, Dhariwal, Chen & Sutskever 2023, "Consistency models",
/// Algorithm 1): a consistency model's output at (x, t₀) is already a sample, x̂₀ = f(x, t₀); each
/// step but the last noises it afresh to the next grid time,
///
///     x₁ = α₁·x̂₀ + σ₁·z,   z = (W(t₁) − W(t₀))/√|t₁ − t₀|   (a standard normal draw)
///
/// and the last step returns x̂₀ itself. One evaluation per step, so k steps are k NFE: one step
/// is single-step generation, more steps trade evaluations for quality. (Song et al. add
/// √(τ² − σ_min²)·z in the α = 1 form; σ₁·z here differs from it by less than σ_min²/(2σ₁).)
///
/// It runs on any x₀-capable model, but only a consistency model's x̂₀ is a sample: on a
/// denoiser the one-step result is the posterior mean, the blurred average of the data. It
/// integrates no equation, so it has no convergence order: `order` is 0, and it refines with
/// steps only as far as the model is consistent.
public struct ConsistencySampler: Solver, Sendable, Equatable {
    public init() {}

    public var order: Double { 0 }
    public var isStochastic: Bool { true }

    public func evaluations(from t0: Double, to t1: Double, isFirst: Bool, on equation: Equation) -> Int { 1 }

    public func step(_ x: Tensor, from t0: Double, to t1: Double, state: Void, context: StepContext) -> SolverStep<Void> {
        let x0 = context.fields(x, at: t0).x0
        let isLast = context.stepCount.map { context.stepIndex == $0 - 1 } ?? false
        if isLast { return SolverStep(x: x0) }
        let path = context.path
        return SolverStep(x: Tensor.combination([(path.alpha(t1), x0), (path.sigma(t1), context.brownianNormal(from: t0, to: t1))]))
    }
}

extension SolverEntry {
    /// No fields of its own: the grid's steps are the NFE.
    public static let consistency = SolverEntry("consistency", summary: "multistep consistency sampling (a consistency student; 1 NFE per step)") { _ in
        ConsistencySampler()
    }
}
