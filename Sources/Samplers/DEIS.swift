import Foundation
import TensorCore
import Generative

/// DEIS with time-Adams–Bashforth extrapolation, "tAB-DEIS" (Zhang & Chen 2023, "Fast sampling of
/// diffusion models with exponential integrator", eq. 14 and Algorithm 1): in y = x/α the
/// probability-flow ODE is dy/dt = ρ′(t)·ε̂(x, t) with ρ = σ/α, whose linear part is solved exactly;
/// ε̂ is extrapolated by the polynomial in t through the current and up to `maxOrder − 1`
/// previous predictions:
///
///     x₁ = α₁·(x₀/α₀ + Σ_j C_j·ε̂_{−j}),   C_j = ∫_{t₀}^{t₁} ρ′(τ)·ℓ_j(τ) dτ
///
/// (the weights by Gauss–Legendre quadrature, `lagrangeWeights`). Step k uses order
/// min(k + 1, maxOrder): the first step is DDIM. One evaluation per step.
public struct DEIS: Solver {
    public let maxOrder: Int

    public init(maxOrder: Int = 3) {
        precondition((1...3).contains(maxOrder), "DEIS: order must be 1…3, got \(maxOrder)")
        self.maxOrder = maxOrder
    }

    /// Previous steps' times and noise predictions, most recent last.
    public struct State {
        var history: [(t: Double, epsilon: Tensor)] = []
    }

    public var order: Double { Double(maxOrder) }

    public func initialState() -> State { State() }

    public func evaluations(from t0: Double, to t1: Double, isFirst: Bool, on equation: Equation) -> Int { 1 }

    public func validate(start t0: Double, on path: GaussianPath) throws { try requireFiniteLogSNR(t0, on: path) }

    public func step(_ x: Tensor, from t0: Double, to t1: Double, state: State, context: StepContext) -> SolverStep<State> {
        let path = context.path
        let e0 = context.fields(x, at: t0).epsilon
        let points = Array((state.history + [(t0, e0)]).suffix(maxOrder))
        let (a0, a1) = (path.alpha(t0), path.alpha(t1))
        // ρ′ = (σ′α − σα′)/α².
        let c = lagrangeWeights(nodes: points.map(\.t), from: t0, to: t1) { tau in
            let a = path.alpha(tau)
            return (path.sigmaDot(tau) * a - path.sigma(tau) * path.alphaDot(tau)) / (a * a)
        }
        return SolverStep(x: Tensor.combination([(a1 / a0, x)] + zip(c, points).map { (a1 * $0, $1.epsilon) }),
                          state: State(history: Array(points.suffix(maxOrder - 1))))
    }
}

extension SolverEntry {
    /// `order` 1…3 (3).
    public static let deis = SolverEntry("deis", summary: "DEIS, time-AB exponential integrator of order ≤ 3") { f in
        DEIS(maxOrder: try f.integer("order", default: 3, min: 1, max: 3))
    }
}
