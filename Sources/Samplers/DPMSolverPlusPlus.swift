import Foundation
import TensorCore
import Generative

/// DPM-Solver++(2M) (Lu et al. 2022, "DPM-Solver++: fast solver for guided sampling of diffusion
/// probabilistic models", Algorithm 2): a second-order multistep exponential integrator of the
/// PF-ODE in λ = log(α/σ) with the data prediction x̂₀:
///
///     h = λ₁ − λ₀,  r = h_prev/h,  D = (1 + 1/(2r))·x̂₀(x₀, t₀) − 1/(2r)·x̂₀(previous step)
///     x₁ = (σ₁/σ₀)·x₀ + α₁·(1 − e^{−h})·D
///
/// The first step uses D = x̂₀ (DDIM), and so does a step to σ₁ = 0 (λ₁ = ∞), which returns
/// α₁·x̂₀ (the "lower order final" of k-diffusion and of the paper's code). One evaluation per
/// step; order 2 (global, in the step size of λ).
public struct DPMSolverPlusPlus2M: Solver {
    public init() {}

    /// The previous step's log-SNR and data prediction.
    public struct State {
        var previous: (lambda: Double, x0: Tensor)?
    }

    public var order: Double { 2 }

    public func initialState() -> State { State(previous: nil) }

    public func evaluations(from t0: Double, to t1: Double, isFirst: Bool, on equation: Equation) -> Int { 1 }

    public func validate(start t0: Double, on path: GaussianPath) throws { try requireFiniteLogSNR(t0, on: path) }

    public func step(_ x: Tensor, from t0: Double, to t1: Double, state: State, context: StepContext) -> SolverStep<State> {
        let path = context.path
        let d0 = context.fields(x, at: t0).x0
        let l0 = path.logSNR(t0), l1 = path.logSNR(t1)
        let next = State(previous: (l0, d0))
        let (s0, a1, s1) = (path.sigma(t0), path.alpha(t1), path.sigma(t1))
        if s1 == 0 { return SolverStep(x: d0 * Float(a1), state: next) }
        let h = l1 - l0
        var d = d0
        if let p = state.previous {
            let r = (l0 - p.lambda) / h
            if r.isFinite && r > 0 {
                d = Tensor.combination([(1 + 1 / (2 * r), d0), (-1 / (2 * r), p.x0)])
            }
        }
        return SolverStep(x: Tensor.combination([(s1 / s0, x), (a1 * -Foundation.expm1(-h), d)]), state: next)
    }
}

extension SolverEntry {
    public static let dpmpp2M = SolverEntry("dpmpp-2m", summary: "DPM-Solver++(2M), ODE") { _ in DPMSolverPlusPlus2M() }
}
