import TensorCore
import Generative

/// iPNDM: the improved pseudo-numerical method of Zhang & Chen 2023 ("Fast sampling of diffusion
/// models with exponential integrator", §5 and Appendix: PNDM's linear multistep part, warm-started
/// with lower orders instead of Runge–Kutta steps) — an explicit Adams–Bashforth method on the
/// probability-flow ODE dx/dt = û(x, t) of order up to 4:
///
///     x₁ = x₀ + Σ_j c_j·û(x_{−j}, t_{−j}),   c_j = ∫_{t₀}^{t₁} ℓ_j(τ) dτ
///
/// with ℓ_j the Lagrange basis on the current and up to `maxOrder − 1` previous times: on an
/// even grid the classic coefficients (3, −1)/2, (23, −16, 5)/12, (55, −59, 37, −9)/24; on any
/// other grid (Karras, log-SNR) the variable-step ones, so the order holds there too. Step k uses
/// order min(k + 1, maxOrder). One evaluation per step; works on any ODE, not only a model's.
public struct IPNDM: Solver {
    public let maxOrder: Int

    public init(maxOrder: Int = 4) {
        precondition((1...4).contains(maxOrder), "IPNDM: order must be 1…4, got \(maxOrder)")
        self.maxOrder = maxOrder
    }

    /// Previous steps' times and derivatives, most recent last.
    public struct State {
        var history: [(t: Double, derivative: Tensor)] = []
    }

    public var order: Double { Double(maxOrder) }

    public func initialState() -> State { State() }

    public func evaluations(from t0: Double, to t1: Double, isFirst: Bool, on equation: Equation) -> Int { 1 }

    public func step(_ x: Tensor, from t0: Double, to t1: Double, state: State, context: StepContext) -> SolverStep<State> {
        let d0 = context.drift(x, at: t0)
        let points = Array((state.history + [(t0, d0)]).suffix(maxOrder))
        let c = lagrangeWeights(nodes: points.map(\.t), from: t0, to: t1)
        return SolverStep(x: Tensor.combination([(1, x)] + zip(c, points).map { ($0, $1.derivative) }),
                          state: State(history: Array(points.suffix(maxOrder - 1))))
    }
}

extension SolverEntry {
    /// `order` 1…4 (4).
    public static let ipndm = SolverEntry("ipndm", summary: "iPNDM, Adams–Bashforth of order ≤ 4") { f in
        IPNDM(maxOrder: try f.integer("order", default: 4, min: 1, max: 4))
    }
}
