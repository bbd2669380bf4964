import Foundation
import TensorCore
import Generative

/// UniPC (Zhao et al. 2023, "UniPC: a unified predictor-corrector framework for fast sampling of
/// diffusion models", Algorithms 2–3, data prediction): a multistep exponential integrator in
/// λ = log(α/σ) whose predictor UniP-p uses the current and p − 1 previous predictions of x̂₀, and
/// whose corrector UniC re-solves the step with the prediction at the predicted point — raising
/// the order by one for no extra evaluation, since that prediction is the next step's current one.
///
/// With h = λ₁ − λ₀, r_k = (λ_{−k} − λ₀)/h, D_k = (m_{−k} − m₀)/r_k, hh = −h and
/// B(h) = hh (variant B1) or e^{hh} − 1 (B2), the coefficients a solve
///
///     Σ_k a_k·r_k^{i−1} = i!·φ_{i+1}(hh)·hh/B(h),   i = 1 … p   (φ the exponential-integrator functions)
///
/// and x₁ = (σ₁/σ₀)·x₀ − α₁(e^{hh} − 1)·m₀ − α₁B(h)·Σ_k a_k·D_k (the corrector adds r = 1 with
/// D = m₁ − m₀). The model value kept for a time is the prediction at the predictor's point (the
/// paper's design). The first step costs two evaluations (x₀ and the corrector's), later ones
/// one; a step to σ₁ = 0 returns α₁·m₀ at no cost, and on grids of fewer than 15 steps the last
/// steps lower their order (`lowerOrderFinal`). `maxOrder` p ≤ 3: with the corrector the method
/// has order p + 1.
public struct UniPC: Solver {
    /// The B(h) of the paper's Table: B1(h) = h, B2(h) = e^h − 1 (in the data-prediction sign).
    public enum Variant: String, Sendable, Equatable, CaseIterable { case bh1, bh2 }

    public let maxOrder: Int
    public let variant: Variant

    public init(maxOrder: Int = 2, variant: Variant = .bh2) {
        precondition((1...3).contains(maxOrder), "UniPC: order must be 1…3, got \(maxOrder)")
        self.maxOrder = maxOrder
        self.variant = variant
    }

    /// Predictions m of x̂₀ at the previous times (λ), most recent last: the last is the current one.
    public struct State {
        var history: [(lambda: Double, x0: Tensor)] = []
    }

    public var order: Double { Double(maxOrder + 1) }

    public func initialState() -> State { State() }

    public func evaluations(from t0: Double, to t1: Double, isFirst: Bool, on equation: Equation) -> Int {
        let final = equation.model.map { $0.path.sigma(t1) == 0 } ?? false
        return (isFirst ? 1 : 0) + (final ? 0 : 1)
    }

    public func validate(start t0: Double, on path: GaussianPath) throws { try requireFiniteLogSNR(t0, on: path) }

    public func step(_ x: Tensor, from t0: Double, to t1: Double, state: State, context: StepContext) -> SolverStep<State> {
        let path = context.path
        let l0 = path.logSNR(t0), l1 = path.logSNR(t1)
        var history = state.history
        if history.isEmpty { history = [(l0, context.fields(x, at: t0).x0)] }
        let m0 = history.last!.x0
        let (s0, a1, s1) = (path.sigma(t0), path.alpha(t1), path.sigma(t1))
        if s1 == 0 { return SolverStep(x: m0 * Float(a1), state: State(history: history)) }
        let h = l1 - l0, hh = -h
        let order = Swift.min(maxOrder, lowerOrderFinal(context))
        let previous = Array(history.dropLast().suffix(order - 1).reversed())   // m₋₁, m₋₂, …
        let r = previous.map { ($0.lambda - l0) / h }
        let p = previous.count + 1
        let b = bVector(hh: hh, count: p)
        let bh = variant == .bh1 ? hh : Foundation.expm1(hh)
        let base: [(Double, Tensor)] = [(s1 / s0, x), (-a1 * Foundation.expm1(hh), m0)]
        // Σ_k a_k·D_k with D_k = (m_{−k} − m₀)/r_k, expanded into the m's.
        func correction(_ a: [Double], _ values: [Tensor], _ ratios: [Double]) -> [(Double, Tensor)] {
            var terms = [(Double, Tensor)]()
            var m0Weight = 0.0
            for (k, ak) in a.enumerated() {
                terms.append((-a1 * bh * ak / ratios[k], values[k]))
                m0Weight += a1 * bh * ak / ratios[k]
            }
            return terms + [(m0Weight, m0)]
        }
        // Predictor UniP-p: order-p extrapolation from the previous predictions (p = 2: a = ½, the paper's choice).
        var predictorTerms = base
        if p >= 2 {
            let a = p == 2 ? [0.5] : solveLinearSystem(vandermonde(r, rows: p - 1), Array(b.prefix(p - 1)))
            predictorTerms += correction(a, previous.map(\.x0), r)
        }
        let predicted = Tensor.combination(predictorTerms)
        // Corrector UniC-p: the prediction at the predicted point joins as r = 1.
        let m1 = context.fields(predicted, at: t1).x0
        let a = p == 1 ? [0.5] : solveLinearSystem(vandermonde(r + [1], rows: p), b)
        let corrected = Tensor.combination(base + correction(a, previous.map(\.x0) + [m1], r + [1]))
        return SolverStep(x: corrected, state: State(history: Array((history + [(l1, m1)]).suffix(maxOrder))))
    }

    /// b_i = i!·φ_{i+1}(hh)·hh/B(h), i = 1 … count, with hh·φ₂ = (e^{hh} − 1)/hh − 1 and the
    /// recursion hh·φ_{k+1} = hh·φ_k/hh − 1/k!.
    func bVector(hh: Double, count: Int) -> [Double] {
        let bh = variant == .bh1 ? hh : Foundation.expm1(hh)
        var hPhi = Foundation.expm1(hh) / hh - 1, factorial = 1.0
        var b = [Double]()
        for i in 1...count {
            b.append(hPhi * factorial / bh)
            factorial *= Double(i + 1)
            hPhi = hPhi / hh - 1 / factorial
        }
        return b
    }

    /// R_ik = r_k^{i−1}, i = 1 … rows.
    func vandermonde(_ r: [Double], rows: Int) -> [[Double]] {
        (0..<rows).map { i in r.prefix(rows).map { Foundation.pow($0, Double(i)) } }
    }
}

extension SolverEntry {
    /// `order` 1…3 (2), `variant` bh1 or bh2 (bh2).
    public static let unipc = SolverEntry("unipc", summary: "UniPC predictor–corrector, order ≤ 3, variant bh1/bh2") { f in
        UniPC(maxOrder: try f.integer("order", default: 2, min: 1, max: 3),
              variant: UniPC.Variant(rawValue: try f.string("variant", default: "bh2", allowed: UniPC.Variant.allCases.map(\.rawValue)))!)
    }
}
