import XCTest
import TensorCore
import Generative
@testable import Samplers

/// The linear test ODE of diffusion solvers: for data N(μ, s²) the probability-flow ODE is linear,
/// dx/dt = (αα′s² + σσ′)/v·(x − αμ) + α′μ with v = α²s² + σ², and its flow keeps
/// z = (x − αμ)/√v constant — x(t₁) = α₁μ + (x₀ − α₀μ)·√(v₁/v₀) in closed form. Every multistep
/// solver's fitted order (slope of log error against log step) is within ±0.3 of its declared
/// order on the VP path, on a grid uniform in log-SNR from σ/α = 20 to 0.05 (the solvers' own
/// variable), starting from x₀ = α₀μ + √v₀·ε.
final class GaussianODEOrderTests: XCTestCase {
    static let mu: [Double] = [0.8, -0.5], s: [Double] = [0.3, 0.6]
    static let levels = (max: 5.0, min: 0.2)
    static let model = try! GaussianMixture(weights: [1], means: [mu], stds: [s], path: .standard(.vp), parametrization: .epsilon)

    func exactFlow(_ x: Tensor, from t0: Double, to t1: Double) -> Tensor {
        let p = Self.model.path, n = x.shape[0], v = x.scalars
        var out = [Float]()
        for i in 0..<n {
            for j in 0..<2 {
                func variance(_ t: Double) -> Double { let a = p.alpha(t) * Self.s[j], b = p.sigma(t); return a * a + b * b }
                let y = p.alpha(t1) * Self.mu[j] + (Double(v[2 * i + j]) - p.alpha(t0) * Self.mu[j]) * (variance(t1) / variance(t0)).squareRoot()
                out.append(Float(y))
            }
        }
        return Tensor(out, shape: x.shape)
    }

    /// Fits the order twice: with exact starting history (asserted: the declared order ± 0.3) and
    /// with the solver's own lower-order warm start (printed; asserted ≥ 1.7, since the first-order
    /// first step bounds it by 2 asymptotically).
    /// `atLeast`: the fit may exceed the declared order (super-convergence before the float32 floor).
    func assertOrder<S: SeedableMultistep>(_ name: String, _ solver: S, steps: [Int], atLeast: Bool = false, spacing: TimeGrid.Spacing = .logSNR,
                                           file: StaticString = #filePath, line: UInt = #line) throws {
        let path = Self.model.path
        let t0 = path.time(logSNR: -Foundation.log(Self.levels.max)), t1 = path.time(logSNR: -Foundation.log(Self.levels.min))
        let start = Self.model.sample(64, at: t0, key: RandomKey(seed: 11))
        let exact = exactFlow(start, from: t0, to: t1)
        var seeded = [Double](), warm = [Double]()
        for n in steps {
            let times = try TimeGrid(spacing, steps: n, start: .time(t0), end: .time(t1)).times(on: path)
            let equation = Equation.probabilityFlow(Self.model)
            warm.append(maxRowDistance(try solve(equation, solver: solver, from: start, stepping: .fixed(times)).samples, exact))
            seeded.append(maxRowDistance(try solveSeeded(solver, equation, times: times) { self.exactFlow(start, from: t0, to: $0) }, exact))
        }
        assertMultistepOrders("linear Gaussian PF-ODE order \(name)", declared: solver.order, steps: steps, seeded: seeded, warm: warm,
                              atLeast: atLeast, file: file, line: line)
    }

    func testDPMSolverPlusPlus3M() throws { try assertOrder("dpmpp-3m", DPMSolverPlusPlus3M(), steps: [18, 24, 32, 40, 48]) }
    func testIPNDM() throws {
        // iPNDM steps in σ/α (EDM's variables): on the Karras grid (ρ = 7).
        try assertOrder("ipndm-3", IPNDM(maxOrder: 3), steps: [16, 24, 32, 48, 64], spacing: .karras(rho: 7))
        try assertOrder("ipndm-4", IPNDM(maxOrder: 4), steps: [16, 24, 32, 48, 64], spacing: .karras(rho: 7))
    }
    func testDEIS() throws {
        try assertOrder("deis-2", DEIS(maxOrder: 2), steps: [16, 24, 32, 48, 64])
        try assertOrder("deis-3", DEIS(maxOrder: 3), steps: [16, 24, 32, 48, 64])
    }
    func testUniPC() throws {
        try assertOrder("unipc-1 (bh1)", UniPC(maxOrder: 1, variant: .bh1), steps: [16, 24, 32, 48, 64])
        try assertOrder("unipc-2 (bh1)", UniPC(maxOrder: 2, variant: .bh1), steps: [16, 24, 32, 48, 64])
        try assertOrder("unipc-2 (bh2)", UniPC(maxOrder: 2, variant: .bh2), steps: [16, 24, 32, 48, 64])
        try assertOrder("unipc-3 (bh2)", UniPC(maxOrder: 3, variant: .bh2), steps: [12, 16, 20, 24, 32], atLeast: true)   // measured 4.5
    }
}
