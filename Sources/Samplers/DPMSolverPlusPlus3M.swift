import Foundation
import TensorCore
import Generative

/// DPM-Solver++(3M) (Lu et al. 2022, "DPM-Solver++", §4 and Appendix B: the multistep data-prediction
/// solver of order 3): the exact solution of the PF-ODE in λ = log(α/σ),
///
///     x₁ = (σ₁/σ₀)·x₀ + α₁·∫₀ʰ e^{τ−h}·x̂₀(λ₀ + τ) dτ,   h = λ₁ − λ₀,
///
/// with x̂₀ replaced by its quadratic Taylor expansion about λ₀, whose derivatives come from the
/// two previous steps' predictions D₋₁, D₋₂ (at λ₋₁ = λ₀ − h₁, λ₋₂ = λ₋₁ − h₂; r₀ = h₁/h, r₁ = h₂/h):
///
///     Δ₀ = (D₀ − D₋₁)/r₀,  Δ₁ = (D₋₁ − D₋₂)/r₁
///     D′ = Δ₀ + r₀/(r₀ + r₁)·(Δ₀ − Δ₁)        (≈ h·x̂₀′)
///     D″ = (Δ₀ − Δ₁)/(r₀ + r₁)                 (≈ h²·x̂₀″/2)
///     φ₁ = e^{−h} − 1,  φ₂ = φ₁/h + 1,  φ₃ = φ₂/h − 1/2
///     x₁ = (σ₁/σ₀)·x₀ − α₁φ₁·D₀ + α₁φ₂·D′ − 2α₁φ₃·D″
///
/// (∫₀ʰ e^{τ−h}dτ = −φ₁, ∫₀ʰ e^{τ−h}τ dτ = hφ₂, ∫₀ʰ e^{τ−h}τ²/2 dτ = −h²φ₃). The first step is
/// first order (DDIM), the second DPM-Solver++(2M), and a step to σ₁ = 0 returns α₁·D₀. On grids
/// of fewer than 15 steps the last steps also lower their order (step k of n uses at most order
/// n − k: the paper's "lower order final", which keeps few-step sampling stable). One evaluation
/// per step; order 3.
///
/// With η > 0 it is the SDE variant (the SDE-DPM-Solver++ construction of the same paper, App.
/// B, at third order, as k-diffusion's `dpmpp_3m_sde`): the linear part of the reverse SDE with
/// noise level η is solved exactly, so x₀ is scaled by (σ₁/σ₀)·e^{−ηh}, the φ's are taken at
/// h_η = (1 + η)·h (the Taylor terms keep their h-scaled differences), and σ₁·√(1 − e^{−2ηh})·z is
/// added, z from the Brownian path over [t₁, t₀]. η = 1 is the reverse SDE's own noise. Along a
/// stochastic path the predictions D carry the injected noise, and the quadratic term's second
/// difference amplifies it where steps are long: on grids of fewer than 15 steps (where "lower
/// order final" applies) the SDE variant uses at most order 2, the steps of SDE-DPM-Solver++(2M).
/// Measured (`drift compare --nfe 5,10,20 --n 2000`, bias-corrected SW₂²): on the ring
/// (`gmm-ring8.json`) 1.55 at 5 NFE and 0.71 at 10 with the quadratic term, 0.117 and 0.122
/// without; on `gmm-16d.json` 1.37 and 0.30 against 0.058 and 0.042. On the shipped EDM model at
/// 10 NFE it took FD from 70 (2M SDE) to 558. At 20 NFE, order 3: 0.018 on the ring, 0.0045 on
/// `gmm-16d.json` (the 2M SDE: −0.002 and 0.008).
public struct DPMSolverPlusPlus3M: Solver {
    public let eta: Double

    public init(eta: Double = 0) {
        precondition(eta >= 0 && eta.isFinite, "DPMSolverPlusPlus3M: eta must be ≥ 0, got \(eta)")
        self.eta = eta
    }

    /// The previous steps' log-SNRs and data predictions, most recent last (at most two).
    public struct State {
        var history: [(lambda: Double, x0: Tensor)] = []
    }

    /// 3 for the ODE; the SDE variant is limited by its noise (strong order 1, as SDE-DPM-Solver++(2M)).
    public var order: Double { eta == 0 ? 3 : 1 }
    public var isStochastic: Bool { eta > 0 }

    public func initialState() -> State { State() }

    public func evaluations(from t0: Double, to t1: Double, isFirst: Bool, on equation: Equation) -> Int { 1 }

    public func validate(start t0: Double, on path: GaussianPath) throws { try requireFiniteLogSNR(t0, on: path) }

    public func step(_ x: Tensor, from t0: Double, to t1: Double, state: State, context: StepContext) -> SolverStep<State> {
        let path = context.path
        let d0 = context.fields(x, at: t0).x0
        let l0 = path.logSNR(t0), l1 = path.logSNR(t1)
        let next = State(history: Array((state.history + [(l0, d0)]).suffix(2)))
        let (s0, a1, s1) = (path.sigma(t0), path.alpha(t1), path.sigma(t1))
        if s1 == 0 { return SolverStep(x: d0 * Float(a1), state: next) }
        let h = l1 - l0, he = (1 + eta) * h
        let phi1 = Foundation.expm1(-he), phi2 = phi1 / he + 1, phi3 = phi2 / he - 0.5
        var terms: [(Double, Tensor)] = [(s1 / s0 * Foundation.exp(-eta * h), x), (-a1 * phi1, d0)]
        if eta > 0 {
            terms.append((s1 * (-Foundation.expm1(-2 * eta * h)).squareRoot(), context.brownianNormal(from: t0, to: t1)))
        }
        // The SDE variant: at most order 2 wherever "lower order final" applies.
        let history = Array(state.history.suffix(lowerOrderFinal(context, capped: eta > 0 ? 2 : .max) - 1))
        if history.count == 2 {
            let (p1, p2) = (history[1], history[0])
            let r0 = (l0 - p1.lambda) / h, r1 = (p1.lambda - p2.lambda) / h
            if r0.isFinite, r1.isFinite, r0 > 0, r1 > 0 {
                // Δ₀ = (D₀ − D₋₁)/r₀ and Δ₁ = (D₋₁ − D₋₂)/r₁ enter D′ and D″ linearly: expand them into D₀, D₋₁, D₋₂.
                let c = r0 / (r0 + r1)
                let (a, b) = (1 / r0, 1 / r1)   // Δ₀ = a(D₀ − D₋₁), Δ₁ = b(D₋₁ − D₋₂)
                let first = (d0: (1 + c) * a, d1: -(1 + c) * a - c * b, d2: c * b)          // D′
                let second = (d0: a / (r0 + r1), d1: (-a - b) / (r0 + r1), d2: b / (r0 + r1)) // D″
                let (u, v) = (a1 * phi2, -2 * a1 * phi3)
                terms[1].0 += u * first.d0 + v * second.d0
                terms += [(u * first.d1 + v * second.d1, p1.x0), (u * first.d2 + v * second.d2, p2.x0)]
                return SolverStep(x: Tensor.combination(terms), state: next)
            }
        }
        if let p = history.last {
            let r = (l0 - p.lambda) / h
            if r.isFinite && r > 0 {
                // DPM-Solver++(2M): D = D₀ + (D₀ − D₋₁)/(2r).
                terms[1].0 *= 1 + 1 / (2 * r)
                terms.append((a1 * phi1 / (2 * r), p.x0))
            }
        }
        return SolverStep(x: Tensor.combination(terms), state: next)
    }
}

/// The highest order the current step may use under "lower order final" (Lu et al. 2022, §6 and
/// the reference code): on a fixed grid of fewer than 15 steps, step k of n uses at most order
/// n − k, so the last step is first order; otherwise unlimited. `capped`: a further bound on
/// those grids only.
func lowerOrderFinal(_ context: StepContext, capped cap: Int = .max) -> Int {
    guard let n = context.stepCount, n < 15 else { return Int.max }
    return Swift.max(1, Swift.min(cap, n - context.stepIndex))
}

extension SolverEntry {
    public static let dpmpp3M = SolverEntry("dpmpp-3m", summary: "DPM-Solver++(3M), ODE") { _ in DPMSolverPlusPlus3M(eta: 0) }
    /// The SDE variant, `eta` > 0 (1).
    public static let dpmpp3MSDE = SolverEntry("dpmpp-3m-sde", summary: "DPM-Solver++(3M) SDE, eta > 0 (1)") { f in
        let eta = try f.number("eta", default: 1, min: 0)
        guard eta > 0 else { throw SamplerError("field 'eta' must be > 0 for solver 'dpmpp-3m-sde' (eta 0 is solver 'dpmpp-3m')") }
        return DPMSolverPlusPlus3M(eta: eta)
    }
}
