import XCTest
import TensorCore
import Generative
@testable import Samplers

/// Measured orders of the ODE samplers on the Gaussian-mixture probability-flow ODE, against a
/// tight-tolerance Dormand–Prince reference (rtol = atol = 1e-7) from the same initial points:
/// the fitted slope of log(error) against log(step) is within ±0.3 of the declared order.
///
/// The broad two-component mixture (`smoothMixture`) as a velocity model on the rectified path,
/// 256 exact samples of p_t at t = 0.99, a uniform grid in t from 0.99 to 0.05 (away from both
/// ends, where the velocity is smooth).
final class MixtureODEOrderTests: XCTestCase {
    static let model = smoothMixture(.standard(.rectified), .velocity)
    static let (tStart, tEnd) = (0.99, 0.05)
    static let start = model.sample(256, at: tStart, key: RandomKey(seed: 5))
    static let reference: Tensor = {
        let c = PIController(rtol: 1e-7, atol: 1e-7, maxSteps: 100_000)
        return try! solve(.probabilityFlow(model), solver: RungeKutta(.dormandPrince), from: start,
                          stepping: .adaptive(from: tStart, to: tEnd, controller: c)).samples
    }()

    func grid(_ n: Int, _ spacing: TimeGrid.Spacing = .uniform) throws -> [Double] {
        try TimeGrid(spacing, steps: n, start: .time(Self.tStart), end: .time(Self.tEnd)).times(on: Self.model.path)
    }

    func error<S: Solver>(_ solver: S, steps n: Int, _ spacing: TimeGrid.Spacing = .uniform) throws -> (error: Double, nfe: Int) {
        let r = try solve(.probabilityFlow(Self.model), solver: solver, from: Self.start, stepping: .fixed(try grid(n, spacing)))
        return (rmsRowDistance(r.samples, Self.reference), r.evaluations)
    }

    func assertOrder<S: Solver>(_ name: String, _ solver: S, steps: [Int], file: StaticString = #filePath, line: UInt = #line) throws {
        let errors = try steps.map { try error(solver, steps: $0).error }
        let p = fittedOrder(stepSizes: steps.map { 1 / Double($0) }, errors: errors)
        print("mixture PF-ODE order \(name): \(String(format: "%.3f", p)) (declared \(solver.order)), errors \(errors.map { String(format: "%.2e", $0) })")
        XCTAssertEqual(p, solver.order, accuracy: 0.3, name, file: file, line: line)
    }

    func testEuler() throws { try assertOrder("euler", RungeKutta(.euler), steps: [16, 32, 64, 128, 256]) }
    func testDDIM() throws { try assertOrder("ddim", DDIM(), steps: [8, 16, 32, 64, 128]) }
    func testHeun() throws { try assertOrder("heun", RungeKutta(.heun), steps: [8, 16, 32, 64, 128]) }
    func testMidpoint() throws { try assertOrder("midpoint", RungeKutta(.midpoint), steps: [8, 16, 32, 64, 128]) }
    func testDPMSolverPlusPlus2M() throws { try assertOrder("dpmpp-2m", DPMSolverPlusPlus2M(), steps: [8, 16, 32, 64, 128]) }
    /// RK4 reaches the reference's Float32 accuracy (~1e-6) near 16 steps: measured below that.
    /// The reference solution at time t (tight Dormand–Prince from the start), for exact starting history.
    func exact(at t: Double) throws -> Tensor {
        let c = PIController(rtol: 1e-7, atol: 1e-7, maxSteps: 100_000)
        return try solve(.probabilityFlow(Self.model), solver: RungeKutta(.dormandPrince), from: Self.start,
                         stepping: .adaptive(from: Self.tStart, to: t, controller: c)).samples
    }

    /// Multistep methods (grids of ≥ 15 steps, where no "lower order final" applies): the fitted order with exact starting history (declared ± 0.3), and with
    /// their own warm start (printed; ≥ 1.7, the first-order first step bounds it by 2).
    /// `spacing`: the grid, uniform in the variable the solver steps in (t, or σ/α for iPNDM).
    func assertMultistepOrder<S: SeedableMultistep>(_ name: String, _ solver: S, steps: [Int], spacing: TimeGrid.Spacing = .uniform,
                                                    file: StaticString = #filePath, line: UInt = #line) throws {
        var seeded = [Double](), warm = [Double]()
        for n in steps {
            let times = try grid(n, spacing)
            seeded.append(rmsRowDistance(try solveSeeded(solver, .probabilityFlow(Self.model), times: times) { try self.exact(at: $0) }, Self.reference))
            warm.append(try error(solver, steps: n, spacing).error)
        }
        assertMultistepOrders("mixture PF-ODE order \(name)", declared: solver.order, steps: steps, seeded: seeded, warm: warm,
                              file: file, line: line)
    }

    func testDPMSolverPlusPlus3M() throws { try assertMultistepOrder("dpmpp-3m", DPMSolverPlusPlus3M(), steps: [18, 24, 32, 48, 64]) }
    func testIPNDM() throws {
        // iPNDM steps in σ/α (EDM's variables): on the Karras grid (ρ = 7).
        try assertMultistepOrder("ipndm-3", IPNDM(maxOrder: 3), steps: [48, 64, 96, 128, 160], spacing: .karras(rho: 7))
        try assertMultistepOrder("ipndm-4", IPNDM(maxOrder: 4), steps: [48, 64, 96, 128, 160], spacing: .karras(rho: 7))
    }
    func testDEIS() throws {
        try assertMultistepOrder("deis-2", DEIS(maxOrder: 2), steps: [8, 16, 32, 64, 128])
        try assertMultistepOrder("deis-3", DEIS(maxOrder: 3), steps: [8, 12, 16, 24, 32])
    }
    func testUniPC() throws {
        try assertMultistepOrder("unipc-1 (bh1)", UniPC(maxOrder: 1, variant: .bh1), steps: [8, 16, 32, 64, 128])
        try assertMultistepOrder("unipc-2 (bh2)", UniPC(maxOrder: 2, variant: .bh2), steps: [16, 24, 32, 48, 64])
        try assertMultistepOrder("unipc-3 (bh2)", UniPC(maxOrder: 3, variant: .bh2), steps: [24, 32, 48, 64, 96])
    }
    func testRK4() throws { try assertOrder("rk4", RungeKutta(.rk4), steps: [4, 6, 8, 12, 16]) }
    func testEDMDeterministicIsSecondOrder() throws { try assertOrder("edm (no churn)", EDMStochasticSampler(), steps: [16, 32, 64, 128]) }

    /// Where the dynamics change speed along the way (VP path, narrow components, down to
    /// t = 10⁻³: fast near the data, slow near the noise), step-size control pays: the adaptive
    /// solvers meet their tolerance with fewer evaluations than uniform RK4 at the same error.
    func testAdaptiveSolversBeatRK4AtEqualError() throws {
        let model = separatedMixture(.standard(.vp))
        let (t0, t1) = (1.0, 1e-3)
        let x = model.sample(256, at: t0, key: RandomKey(seed: 9))
        let equation = Equation.probabilityFlow(model)
        let reference = try solve(equation, solver: RungeKutta(.dormandPrince), from: x,
                                  stepping: .adaptive(from: t0, to: t1, controller: PIController(rtol: 1e-7, atol: 1e-7, maxSteps: 100_000))).samples
        func rk4(_ n: Int) throws -> (error: Double, nfe: Int) {
            let r = try solve(equation, solver: RungeKutta(.rk4), from: x, stepping: .fixed(uniformTimes(t0, t1, steps: n)))
            return (rmsRowDistance(r.samples, reference), r.evaluations)
        }
        for (tableau, rtol) in [(ButcherTableau.dormandPrince, 1e-4), (.bogackiShampine, 1e-4)] {
            let r = try solve(equation, solver: RungeKutta(tableau), from: x,
                              stepping: .adaptive(from: t0, to: t1, controller: PIController(rtol: rtol, atol: rtol)))
            let e = rmsRowDistance(r.samples, reference)
            // The tolerance is met: local control bounds the global error to a small multiple of the
            // per-step tolerance atol + rtol·|x| (errors accumulate over the steps).
            let scale = reference.scalars.map { Double(Swift.abs($0)) }.max()!
            XCTAssertLessThan(e, 10 * (rtol + rtol * scale), tableau.name)
            // The cheapest uniform RK4 grid that reaches the same error costs more evaluations.
            var n = 1
            while try rk4(n).error > e { n += 1 }
            let cost = try rk4(n)
            print("adaptive \(tableau.name) rtol \(rtol): error \(e), NFE \(r.evaluations) (rejected \(r.rejectedSteps)); RK4 needs \(n) steps, NFE \(cost.nfe), error \(cost.error)")
            XCTAssertLessThan(r.evaluations, cost.nfe, tableau.name)
        }
    }
}
