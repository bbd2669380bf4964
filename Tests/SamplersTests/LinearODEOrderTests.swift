import XCTest
import Foundation
import TensorCore
@testable import Samplers

/// Every Runge–Kutta tableau's measured order on dy/dt = Ay against the matrix exponential
/// (diffrax's `test_ode_order`): the fitted slope of log(error) against log(h) is within ±0.3
/// of the declared order.
final class LinearODEOrderTests: XCTestCase {
    // A = [[a, b], [−b, a]]: a decaying rotation, exp(At) = e^{at}·R(bt) in closed form.
    let a = -0.5, b = 2.0, horizon = 2.0
    let initial = Tensor([1, 0, 0.3, -0.7, -1.2, 0.4], shape: [3, 2])

    var equation: Equation {
        // Row-vector form: y' = y·Aᵀ.
        let at = Tensor([Float(a), Float(-b), Float(b), Float(a)], shape: [2, 2])
        return Equation(drift: { y, _ in y.matmul(at) })
    }

    func exact(at t: Double) -> Tensor {
        let e = Foundation.exp(a * t), c = Foundation.cos(b * t), s = Foundation.sin(b * t)
        let y = initial.scalars.map(Double.init)
        var out = [Float]()
        for r in 0..<3 {
            let (u, v) = (y[2 * r], y[2 * r + 1])
            out += [Float(e * (c * u + s * v)), Float(e * (-s * u + c * v))]
        }
        return Tensor(out, shape: [3, 2])
    }

    func measuredOrder(_ tableau: ButcherTableau, steps: [Int]) throws -> Double {
        var hs = [Double](), errors = [Double]()
        for n in steps {
            let r = try solve(equation, solver: RungeKutta(tableau), from: initial, stepping: .fixed(uniformTimes(0, horizon, steps: n)))
            hs.append(horizon / Double(n))
            errors.append(maxRowDistance(r.samples, exact(at: horizon)))
        }
        return fittedOrder(stepSizes: hs, errors: errors)
    }

    func assertOrder(_ tableau: ButcherTableau, steps: [Int], file: StaticString = #filePath, line: UInt = #line) throws {
        let p = try measuredOrder(tableau, steps: steps)
        print("linear ODE order \(tableau.name): \(String(format: "%.3f", p)) (declared \(tableau.order))")
        XCTAssertEqual(p, Double(tableau.order), accuracy: 0.3, "\(tableau.name): measured order \(p)", file: file, line: line)
    }

    func testEulerIsFirstOrder() throws { try assertOrder(.euler, steps: [20, 40, 80, 160]) }
    func testHeunIsSecondOrder() throws { try assertOrder(.heun, steps: [10, 20, 40, 80]) }
    func testMidpointIsSecondOrder() throws { try assertOrder(.midpoint, steps: [10, 20, 40, 80]) }
    func testBogackiShampineIsThirdOrder() throws { try assertOrder(.bogackiShampine, steps: [8, 16, 32, 64]) }
    func testRK4IsFourthOrder() throws { try assertOrder(.rk4, steps: [6, 8, 12, 16, 24]) }
    /// Dormand–Prince reaches Float32 roundoff (~1e-7) before its asymptotic regime: on this
    /// problem the h⁶ term still adds to the slope at the step sizes where the error is
    /// measurable (in Double the successive slopes are 4.9, 5.2, 5.3, 5.3, 5.26, 5.21, 5.16 for
    /// n = 4…48, approaching 5 from above only beyond n ≈ 50). So the band here is [4.7, 5.6]:
    /// fifth order, not fourth (an error in any b_i or a_ij drops the slope to ≤ 4).
    /// iPNDM (Adams–Bashforth, variable step) on the same ODE, started from the exact solution at
    /// its first points: orders 2, 3 and 4, on an even and on an uneven grid.
    func testIPNDMOrders() throws {
        for order in [2, 3, 4] {
            for uneven in [false, true] {
                var hs = [Double](), errors = [Double]()
                for n in [8, 12, 16, 24, 32] {
                    // Uneven: t = T·(i/n)^1.5, steps growing along the way.
                    let times = (0...n).map { uneven ? horizon * Foundation.pow(Double($0) / Double(n), 1.5) : horizon * Double($0) / Double(n) }
                    let out = try solveSeeded(IPNDM(maxOrder: order), equation, times: times) { self.exact(at: $0) }
                    hs.append(horizon / Double(n))
                    errors.append(maxRowDistance(out, exact(at: horizon)))
                }
                let p = fittedOrder(stepSizes: hs, errors: errors)
                print("linear ODE order ipndm-\(order)\(uneven ? " (uneven grid)" : ""): \(String(format: "%.3f", p)), errors \(errors.map { String(format: "%.2e", $0) })")
                XCTAssertEqual(p, Double(order), accuracy: 0.3, "ipndm-\(order) uneven \(uneven)")
            }
        }
    }

    func testDormandPrinceIsFifthOrder() throws {
        let p = try measuredOrder(.dormandPrince, steps: [4, 6, 8, 12])
        print("linear ODE order dopri5: \(String(format: "%.3f", p)) (declared 5, pre-asymptotic)")
        XCTAssertGreaterThan(p, 4.7)
        XCTAssertLessThan(p, 5.6)
    }

    func testEvaluationsPerStep() throws {
        // FSAL tableaus reuse the last stage: s − 1 new evaluations per step after the first.
        for (tableau, perStep, first) in [(ButcherTableau.euler, 1, 1), (.heun, 2, 2), (.rk4, 4, 4),
                                          (.bogackiShampine, 3, 4), (.dormandPrince, 6, 7)] {
            let r = try solve(equation, solver: RungeKutta(tableau), from: initial, stepping: .fixed(uniformTimes(0, 1, steps: 10)))
            XCTAssertEqual(r.evaluations, first + 9 * perStep, tableau.name)
            XCTAssertEqual(r.acceptedSteps, 10)
        }
    }

    func testAdaptiveSolversMeetTheirTolerance() throws {
        for tableau in [ButcherTableau.bogackiShampine, .dormandPrince] {
            for rtol in [1e-3, 1e-5] {
                let c = PIController(rtol: rtol, atol: rtol * 1e-2)
                let r = try solve(equation, solver: RungeKutta(tableau), from: initial,
                                  stepping: .adaptive(from: 0, to: horizon, controller: c))
                let error = maxAbsDifference(r.samples, exact(at: horizon))
                print("adaptive \(tableau.name) rtol \(rtol): error \(error), NFE \(r.evaluations), accepted \(r.acceptedSteps), rejected \(r.rejectedSteps)")
                // Local control: the global error stays within a small multiple of the tolerance.
                XCTAssertLessThan(error, 10 * rtol, "\(tableau.name) rtol \(rtol)")
            }
        }
    }

    func testAdaptiveStepsBackwardInTime() throws {
        let c = PIController(rtol: 1e-5, atol: 1e-7)
        let r = try solve(equation, solver: RungeKutta(.dormandPrince), from: exact(at: horizon),
                          stepping: .adaptive(from: horizon, to: 0, controller: c))
        XCTAssertLessThan(maxAbsDifference(r.samples, initial), 1e-4)
    }

    func testMaxStepsThrowsInsteadOfHanging() {
        let c = PIController(rtol: 1e-9, atol: 1e-9, maxSteps: 5)
        XCTAssertThrowsError(try solve(equation, solver: RungeKutta(.dormandPrince), from: initial,
                                       stepping: .adaptive(from: 0, to: horizon, controller: c))) { error in
            XCTAssertEqual(error as? SolveError, .maxStepsExceeded(maxSteps: 5, time: (error as? SolveError).flatMap {
                if case let .maxStepsExceeded(_, t) = $0 { return t } else { return nil }
            } ?? -1))
            XCTAssertTrue("\(error)".contains("maxSteps = 5"), "\(error)")
        }
    }

    func testNonFiniteDynamicsHitMinStep() {
        // The drift blows up at t = 1: the controller shrinks the step until minStep.
        let blowUp = Equation(drift: { y, t in y * Float(1 / (1 - t)) })
        let c = PIController(rtol: 1e-6, atol: 1e-6, maxSteps: 100_000, minStep: 1e-6)
        XCTAssertThrowsError(try solve(blowUp, solver: RungeKutta(.bogackiShampine), from: initial,
                                       stepping: .adaptive(from: 0, to: 1, controller: c))) { error in
            XCTAssertTrue("\(error)".contains("minStep"), "\(error)")
        }
    }

    func testSaveAtTimesNeverChangesTheStepsTaken() throws {
        let grid = uniformTimes(0, horizon, steps: 40)
        let plain = try solve(equation, solver: RungeKutta(.rk4), from: initial, stepping: .fixed(grid))
        let saved = try solve(equation, solver: RungeKutta(.rk4), from: initial, stepping: .fixed(grid),
                              saveAt: .times([1.3, 0.72, grid[10]]))
        XCTAssertEqual(saved.samples.scalars, plain.samples.scalars, "saving changed the result")
        XCTAssertEqual(saved.evaluations, plain.evaluations)
        XCTAssertEqual(saved.acceptedSteps, 40)
        XCTAssertEqual(saved.trajectory.map(\.time), [grid[10], 0.72, 1.3], "saved in the order of integration")
        // A grid time gets the state itself; between grid times, linear interpolation (error ~h²/8·|y''|).
        let atGrid = try solve(equation, solver: RungeKutta(.rk4), from: initial, stepping: .fixed(Array(grid[0...10])))
        XCTAssertEqual(saved.trajectory[0].x.scalars, atGrid.samples.scalars)
        XCTAssertLessThan(maxAbsDifference(saved.trajectory[1].x, exact(at: 0.72)), 0.01)
        XCTAssertGreaterThan(maxAbsDifference(saved.trajectory[1].x, exact(at: 0.72)), 1e-5, "0.72 is not a grid time")

        let c = PIController(rtol: 1e-6, atol: 1e-8)
        let adaptivePlain = try solve(equation, solver: RungeKutta(.dormandPrince), from: initial,
                                      stepping: .adaptive(from: 0, to: horizon, controller: c))
        let adaptive = try solve(equation, solver: RungeKutta(.dormandPrince), from: initial,
                                 stepping: .adaptive(from: 0, to: horizon, controller: c), saveAt: .times([0.7, 1.3]))
        XCTAssertEqual(adaptive.samples.scalars, adaptivePlain.samples.scalars)
        XCTAssertEqual(adaptive.acceptedSteps, adaptivePlain.acceptedSteps)
        XCTAssertEqual(adaptive.trajectory.map(\.time), [0.7, 1.3])
        XCTAssertLessThan(maxAbsDifference(adaptive.trajectory[1].x, exact(at: 1.3)), 0.02)
        let steps = try solve(equation, solver: RungeKutta(.euler), from: initial, stepping: .fixed(uniformTimes(0, 1, steps: 4)),
                              saveAt: .steps)
        XCTAssertEqual(steps.trajectory.map(\.time), uniformTimes(0, 1, steps: 4))
    }

    func testProgressIsReportedAfterEveryStep() throws {
        var seen = [Int]()
        _ = try solve(equation, solver: RungeKutta(.heun), from: initial, stepping: .fixed(uniformTimes(0, 1, steps: 5))) {
            seen.append($0.step)
            XCTAssertEqual($0.stepCount, 5)
        }
        XCTAssertEqual(seen, [1, 2, 3, 4, 5])
    }
}
