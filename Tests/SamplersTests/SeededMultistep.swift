import XCTest
import TensorCore
import Generative
@testable import Samplers

/// A multistep solver whose history is filled from the exact solution at the times before the
/// start: the method's own order, free of its lower-order warm start (whose first, first-order
/// step alone limits the global order on an even grid to 2).
protocol SeedableMultistep: Solver {
    /// Steps of history the method uses beyond the current point.
    var historyLength: Int { get }
    /// The state after exact steps through `times` (oldest first, the last is the start), x = `exact`.
    func seededState(times: [Double], exact: [Tensor], equation: Equation) -> State
}

/// Immutable; its history tensors are never mutated, so it may cross threads as the solvers do.
struct Seeded<S: SeedableMultistep>: Solver, @unchecked Sendable {
    let base: S
    let state: S.State
    var order: Double { base.order }
    func initialState() -> S.State { state }
    func evaluations(from t0: Double, to t1: Double, isFirst: Bool, on equation: Equation) -> Int {
        base.evaluations(from: t0, to: t1, isFirst: false, on: equation)
    }
    func validate(start t0: Double, on path: GaussianPath) throws { try base.validate(start: t0, on: path) }
    func step(_ x: Tensor, from t0: Double, to t1: Double, state: S.State, context: StepContext) -> SolverStep<S.State> {
        base.step(x, from: t0, to: t1, state: state, context: context)
    }
}

extension IPNDM: SeedableMultistep {
    var historyLength: Int { maxOrder - 1 }
    func seededState(times: [Double], exact: [Tensor], equation: Equation) -> State {
        // A model's probability-flow ODE runs in EDM's variables (ρ = σ/α, ε̂); any other in t.
        guard IPNDM.inNoiseLevels(equation), let m = equation.model else {
            return State(history: zip(times, exact).dropLast().map { ($0, equation.drift($1, $0)) })
        }
        return State(history: zip(times, exact).dropLast().map { (m.path.sigma($0) / m.path.alpha($0), m.fields($1, t: $0).epsilon) })
    }
}

extension DPMSolverPlusPlus3M: SeedableMultistep {
    var historyLength: Int { 2 }
    func seededState(times: [Double], exact: [Tensor], equation: Equation) -> State {
        let m = equation.model!
        return State(history: zip(times, exact).dropLast().map { (m.path.logSNR($0), m.fields($1, t: $0).x0) })
    }
}

extension DEIS: SeedableMultistep {
    var historyLength: Int { maxOrder - 1 }
    func seededState(times: [Double], exact: [Tensor], equation: Equation) -> State {
        let m = equation.model!
        return State(history: zip(times, exact).dropLast().map { ($0, m.fields($1, t: $0).epsilon) })
    }
}

extension UniPC: SeedableMultistep {
    var historyLength: Int { maxOrder - 1 }
    func seededState(times: [Double], exact: [Tensor], equation: Equation) -> State {
        let m = equation.model!
        return State(history: zip(times, exact).map { (m.path.logSNR($0), m.fields($1, t: $0).x0) })   // the last is the current one
    }
}

/// Runs `solver` over `times` with exact starting history: the first `historyLength` steps are
/// replaced by the exact solution (`exact(t)`), then the method runs from there.
func solveSeeded<S: SeedableMultistep>(_ solver: S, _ equation: Equation, times: [Double], exact: (Double) throws -> Tensor) throws -> Tensor {
    let k = solver.historyLength
    let prefix = Array(times.prefix(k + 1))
    let values = try prefix.map(exact)
    let seeded = Seeded(base: solver, state: solver.seededState(times: prefix, exact: values, equation: equation))
    return try solve(equation, solver: seeded, from: values.last!, stepping: .fixed(Array(times.dropFirst(k)))).samples
}

/// Fits a multistep solver's order from its errors with exact starting history (`seeded`: the
/// declared order ± 0.3, or at least declared − 0.3 when `atLeast`) and with its own warm start
/// (`warm`: ≥ 1.7, since the first-order first step bounds it by 2), printing both.
func assertMultistepOrders(_ label: String, declared: Double, steps: [Int], seeded: [Double], warm: [Double],
                           atLeast: Bool = false, file: StaticString = #filePath, line: UInt = #line) {
    let h = steps.map { 1 / Double($0) }
    let p = fittedOrder(stepSizes: h, errors: seeded), q = fittedOrder(stepSizes: h, errors: warm)
    let f = { (e: [Double]) in e.map { String(format: "%.2e", $0) } }
    print("\(label): \(String(format: "%.3f", p)) with exact start (declared \(declared)), errors \(f(seeded)); "
          + "\(String(format: "%.3f", q)) with its warm start, errors \(f(warm))")
    if atLeast {
        XCTAssertGreaterThan(p, declared - 0.3, label, file: file, line: line)
    } else {
        XCTAssertEqual(p, declared, accuracy: 0.3, label, file: file, line: line)
    }
    XCTAssertGreaterThan(q, 1.7, label + " (warm start)", file: file, line: line)
}
