import TensorCore
import Generative

/// Euler–Maruyama for dx = f(x, t) dt + G(x, t) ⊙ dW:
///
///     x₁ = x₀ + f(x₀, t₀)·(t₁ − t₀) + G(x₀, t₀) ⊙ (W(t₁) − W(t₀))
///
/// with increments from the per-sample Brownian path (Kloeden & Platen 1992, §10.2). Strong
/// order ½ in general, 1 for additive noise (G independent of x, as in every diffusion model's
/// reverse SDE); weak order 1. On a model's reverse SDE (`Equation.reverse(model, level:)`),
/// with t decreasing, W̄ is the same Brownian path read backwards: the increment has variance
/// |t₁ − t₀| either way. One evaluation per step.
///
/// `level` is the diffusion level a sampler builds the model's reverse SDE with (`Sampler`);
/// on an equation built from closures the equation's own G is integrated.
public struct EulerMaruyama: Solver {
    public var level: DiffusionLevel

    public init(level: DiffusionLevel = .forward) { self.level = level }

    public var order: Double { 0.5 }
    public var isStochastic: Bool { level != .zero }
    public var diffusionLevel: DiffusionLevel { level }

    public func evaluations(from t0: Double, to t1: Double, isFirst: Bool, on equation: Equation) -> Int { 1 }

    public func validate(start t0: Double, on path: GaussianPath) throws {
        guard ReverseDynamics(path: path, level: level).gSquared(t0).isFinite else {
            throw SamplerError("the diffusion level is infinite at tStart = \(t0) on the \(path.kind.rawValue) path; "
                               + "start below it (tStart) or use a bounded level (diffusion \"constant:1\")")
        }
    }

    public func step(_ x: Tensor, from t0: Double, to t1: Double, state: Void, context: StepContext) -> SolverStep<Void> {
        let f = context.drift(x, at: t0)
        let noise = context.diffusion(x, at: t0) * context.brownianIncrement(from: t0, to: t1)
        return SolverStep(x: Tensor.combination([(1, x), (t1 - t0, f), (1, noise)]))
    }
}

extension SolverEntry {
    /// `diffusion`: "forward", "zero", "scaled:k" or "constant:c" (forward).
    public static let eulerMaruyama = SolverEntry("euler-maruyama", summary: "Euler–Maruyama on the reverse SDE, diffusion level g") { f in
        EulerMaruyama(level: try f.level())
    }
}
