import Foundation
import TensorCore
import Generative

/// SDE-DPM-Solver++(2M) (Lu et al. 2022, DPM-Solver++ paper, App. "SDE-DPM-Solver++2M";
/// k-diffusion's `sample_dpmpp_2m_sde` with the midpoint correction): the exact solution of
/// the linear part of the reverse SDE in λ plus a second-order multistep data term, with
/// noise from the Brownian path:
///
///     h = λ₁ − λ₀,  x₁ = (σ₁/σ₀)·e^{−ηh}·x₀ + α₁(1 − e^{−(1+η)h})·x̂₀
///                       + ½·α₁(1 − e^{−(1+η)h})·(h/h_prev)·(x̂₀ − x̂₀,prev)
///                       + σ₁·√(1 − e^{−2ηh})·z
///
/// with z = (W(t₁) − W(t₀))/√|t₁ − t₀| from the per-sample Brownian path, so the noise of one
/// seed is consistent across step counts. η = 1 is the reverse SDE's own noise level; η = 0
/// recovers the deterministic DPM-Solver++(2M) up to its correction term. The first step omits
/// the correction; a step to σ₁ = 0 returns α₁·x̂₀. One evaluation per step.
public struct SDEDPMSolverPlusPlus2M: Solver {
    public var eta: Double

    public init(eta: Double = 1) {
        precondition(eta >= 0, "SDEDPMSolverPlusPlus2M: eta must be ≥ 0, got \(eta)")
        self.eta = eta
    }

    /// The previous step's λ-step and data prediction.
    public struct State {
        var previous: (h: Double, x0: Tensor)?
    }

    public var order: Double { 1 }
    public var isStochastic: Bool { eta > 0 }

    public func initialState() -> State { State(previous: nil) }

    public func evaluations(from t0: Double, to t1: Double, isFirst: Bool, on equation: Equation) -> Int { 1 }

    public func validate(start t0: Double, on path: GaussianPath) throws { try requireFiniteLogSNR(t0, on: path) }

    public func step(_ x: Tensor, from t0: Double, to t1: Double, state: State, context: StepContext) -> SolverStep<State> {
        let path = context.path
        let d0 = context.fields(x, at: t0).x0
        let (s0, a1, s1) = (path.sigma(t0), path.alpha(t1), path.sigma(t1))
        if s1 == 0 { return SolverStep(x: d0 * Float(a1), state: State(previous: nil)) }
        let h = path.logSNR(t1) - path.logSNR(t0)
        let data = a1 * -Foundation.expm1(-(1 + eta) * h)
        var terms: [(Double, Tensor)] = [(s1 / s0 * Foundation.exp(-eta * h), x), (data, d0)]
        if let p = state.previous, p.h.isFinite, p.h > 0 {
            let c = 0.5 * data * h / p.h
            terms += [(c, d0), (-c, p.x0)]
        }
        if eta > 0 {
            terms.append((s1 * (-Foundation.expm1(-2 * eta * h)).squareRoot(), context.brownianNormal(from: t0, to: t1)))
        }
        return SolverStep(x: Tensor.combination(terms), state: State(previous: (h, d0)))
    }
}

extension SolverEntry {
    /// `eta` ≥ 0 (1).
    public static let dpmpp2MSDE = SolverEntry("dpmpp-2m-sde", summary: "SDE-DPM-Solver++(2M), eta (1)") { f in
        SDEDPMSolverPlusPlus2M(eta: try f.number("eta", default: 1, min: 0))
    }
}
