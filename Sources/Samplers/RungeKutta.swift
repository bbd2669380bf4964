import TensorCore

/// The explicit Runge–Kutta stepper: runs any `ButcherTableau` on the equation's drift.
///
/// FSAL tableaus keep the last stage's derivative f(x₁, t₁) in the state and reuse it as the
/// next step's first stage (one evaluation saved per step); after a rejected step the first
/// stage f(x₀, t₀) is kept instead.
///
/// Steps ending where the drift is undefined (`Equation.isDefined(t₁)` false: an x₀ or score
/// model at σ = 0) are Euler steps: the stages after the first would evaluate the model there.
/// This is EDM's Algorithm 1 (Karras et al. 2022), which skips Heun's second-order correction
/// on the final step to σ = 0; on every other step the method is unchanged.
public struct RungeKutta: Solver {
    public let tableau: ButcherTableau

    public init(_ tableau: ButcherTableau) { self.tableau = tableau }

    /// The derivative at the start of the next step, if known.
    public struct State {
        var derivative: (t: Double, k: Tensor)?
    }

    public var order: Double { Double(tableau.order) }

    public var errorEstimateOrder: Int? {
        guard tableau.errorWeights != nil, let q = tableau.embeddedOrder else { return nil }
        return Swift.min(q, tableau.order)
    }

    public func initialState() -> State { State(derivative: nil) }

    /// The first stage (unless FSAL reuses the previous step's last one), plus the other stages
    /// where the drift is defined at t₁ (an Euler step otherwise).
    public func evaluations(from t0: Double, to t1: Double, isFirst: Bool, on equation: Equation) -> Int {
        let first = isFirst || !tableau.fsal ? 1 : 0
        return first + (tableau.stages > 1 && equation.isDefined(t1) ? tableau.stages - 1 : 0)
    }

    public func seeded(_ state: State, derivative: Tensor, at t: Double) -> State {
        State(derivative: (t, derivative))
    }

    public func step(_ x: Tensor, from t0: Double, to t1: Double, state: State, context: StepContext) -> SolverStep<State> {
        let h = t1 - t0
        let k1: Tensor
        if let d = state.derivative, d.t == t0 { k1 = d.k } else { k1 = context.drift(x, at: t0) }
        let start = State(derivative: (t0, k1))
        if tableau.stages == 1 || !context.equation.isDefined(t1) {
            return SolverStep(x: Tensor.combination([(1, x), (h, k1)]), state: State(derivative: nil), stateIfRejected: start)
        }
        var k = [k1]
        var stageX = x
        for i in 1..<tableau.stages {
            stageX = Tensor.combination([(1, x)] + zip(tableau.a[i], k).map { (h * $0, $1) })
            k.append(context.drift(stageX, at: t0 + tableau.c[i] * h))
        }
        // FSAL: the last stage was evaluated at x₁ itself.
        let x1 = tableau.fsal ? stageX : Tensor.combination([(1, x)] + zip(tableau.b, k).map { (h * $0, $1) })
        let error = tableau.errorWeights.map { e in Tensor.combination(zip(e, k).map { (h * $0, $1) }) }
        let next = tableau.fsal ? State(derivative: (t1, k[k.count - 1])) : State(derivative: nil)
        return SolverStep(x: x1, error: error, state: next, stateIfRejected: start)
    }
}

extension SolverEntry {
    public static let euler = SolverEntry(.euler, summary: "forward Euler, order 1")
    public static let heun = SolverEntry(.heun, summary: "Heun's method, order 2 (EDM Algorithm 1 on a Karras grid)")
    public static let midpoint = SolverEntry(.midpoint, summary: "explicit midpoint rule, order 2")
    public static let rk4 = SolverEntry(.rk4, summary: "classical Runge–Kutta, order 4")
    public static let bosh3 = SolverEntry(.bogackiShampine, summary: "Bogacki–Shampine 3(2), adaptive")
    public static let dopri5 = SolverEntry(.dormandPrince, summary: "Dormand–Prince 5(4), adaptive")
}
