import XCTest
import TensorCore
@testable import Samplers

/// Gradients through an ODE (Neural ODEs, Chen et al. 2018): the adjoint method against
/// backpropagation through the solver's steps and against finite differences, and the adjoint's
/// memory staying flat as the steps grow.
final class AdjointTests: XCTestCase {
    /// f(z, t; θ) = tanh(z W₁ᵀ + b₁ + t·c) W₂ᵀ: a small two-layer field in z ∈ ℝ².
    func field(width: Int = 8, dimension: Int = 2, seed: UInt64 = 1) -> ParametricField {
        let k = RandomKey(seed: seed)
        let theta = [Tensor.randomNormal([width, dimension], key: k.fold("w1")) * 0.8, Tensor.randomNormal([width], key: k.fold("b1")) * 0.3,
                     Tensor.randomNormal([width], key: k.fold("c")) * 0.5, Tensor.randomNormal([dimension, width], key: k.fold("w2")) * 0.4]
        return ParametricField(parameters: theta) { z, t, p in
            (z.matmul(p[0], transposeB: true) + p[1] + p[2] * Float(t)).tanh().matmul(p[3], transposeB: true)
        }
    }

    let z0 = Tensor.randomNormal([6, 2], key: RandomKey(seed: 2))
    let w = Tensor.randomNormal([6, 2], key: RandomKey(seed: 3))
    /// L(z₁) = Σ z₁² + Σ w·z₁.
    func loss(_ z1: Tensor) -> Double { Double((z1.square() + z1 * w).sum().item) }
    func lossGradient(_ z1: Tensor) -> Tensor { z1 * 2 + w }

    func maxRelativeGap(_ a: [Tensor], _ b: [Tensor]) -> Double {
        zip(a, b).map { x, y in
            let scale = Swift.max(1e-3, Double(y.scalars.map { Swift.abs($0) }.max() ?? 0))
            return Double(zip(x.scalars, y.scalars).map { Swift.abs($0 - $1) }.max() ?? 0) / scale
        }.max() ?? 0
    }

    func testAdjointEqualsBackpropagationThroughTheStepsWithinTheSolverTolerance() throws {
        let f = field()
        let grid = ODEStepping.fixed((0...40).map { Double($0) / 40 })
        let adjoint = try adjointGradients(f, from: z0, t0: 0, t1: 1, solver: RungeKutta(.rk4), stepping: grid, lossGradient: lossGradient)
        let backprop = try backpropagatedGradients(f, from: z0, t0: 0, t1: 1, solver: RungeKutta(.rk4), stepping: grid, lossGradient: lossGradient)
        XCTAssertEqual(adjoint.final.scalars, backprop.final.scalars, "the same forward solve")
        XCTAssertLessThan(maxRelativeGap([adjoint.initial] + adjoint.parameters, [backprop.initial] + backprop.parameters), 1e-4)
        XCTAssertEqual(adjoint.forwardEvaluations, 160)
        XCTAssertEqual(adjoint.backwardEvaluations, 160)

        for rtol in [1e-4, 1e-6] {
            let adaptive = ODEStepping.adaptive(PIController(rtol: rtol, atol: rtol * 1e-2))
            let a = try adjointGradients(f, from: z0, t0: 0, t1: 1, solver: RungeKutta(.dormandPrince), stepping: adaptive, lossGradient: lossGradient)
            let b = try backpropagatedGradients(f, from: z0, t0: 0, t1: 1, solver: RungeKutta(.dormandPrince), stepping: adaptive, lossGradient: lossGradient)
            XCTAssertLessThan(maxRelativeGap([a.initial] + a.parameters, [b.initial] + b.parameters), 100 * rtol + 2e-5, "rtol \(rtol)")
            XCTAssertGreaterThan(a.backwardEvaluations, 0)
        }
    }

    func testBothAgreeWithFiniteDifferencesOfTheSolvedLoss() throws {
        let f = field()
        let stepping = ODEStepping.adaptive(PIController(rtol: 1e-6, atol: 1e-8))
        let adjoint = try adjointGradients(f, from: z0, t0: 0, t1: 1, solver: RungeKutta(.dormandPrince), stepping: stepping, lossGradient: lossGradient)
        let backprop = try backpropagatedGradients(f, from: z0, t0: 0, t1: 1, solver: RungeKutta(.dormandPrince), stepping: stepping, lossGradient: lossGradient)
        func solvedLoss(z: Tensor, theta: [Tensor]) throws -> Double {
            var g = f
            g.parameters = theta
            let fixed = theta
            let e = Equation(drift: { x, t in g.evaluate(x, t, fixed) })
            return loss(try solve(e, solver: RungeKutta(.dormandPrince), from: z, stepping: .adaptive(from: 0, to: 1, controller: PIController(rtol: 1e-7, atol: 1e-9))).samples)
        }
        let h: Float = 1e-2
        // Input 0 is z₀, inputs 1… the parameters.
        let inputs = [z0] + f.parameters
        for (n, x) in inputs.enumerated() {
            for e in Swift.stride(from: 0, to: x.count, by: Swift.max(1, x.count / 4)) {
                func moved(_ d: Float) -> [Tensor] {
                    let xs = inputs.map { $0.copy() }
                    xs[n].withUnsafeMutableBufferPointer { $0[e] += d }
                    return xs
                }
                let plus = moved(h), minus = moved(-h)
                let numeric = (try solvedLoss(z: plus[0], theta: Array(plus[1...])) - solvedLoss(z: minus[0], theta: Array(minus[1...]))) / (2 * Double(h))
                let a = Double((n == 0 ? adjoint.initial : adjoint.parameters[n - 1]).scalars[e])
                let b = Double((n == 0 ? backprop.initial : backprop.parameters[n - 1]).scalars[e])
                let tolerance = 1e-2 * Swift.max(1, Swift.abs(numeric))
                XCTAssertEqual(a, numeric, accuracy: tolerance, "adjoint, input \(n) element \(e)")
                XCTAssertEqual(b, numeric, accuracy: tolerance, "backprop, input \(n) element \(e)")
            }
        }
    }

    /// Peak live tensor memory of one gradient as the fixed RK4 grid grows: the adjoint's stays
    /// flat (one evaluation's tape at a time), backpropagation's grows with the steps.
    func testAdjointMemoryIsFlatInTheStepCountWhileBackpropagationGrows() throws {
        let f = field(width: 64, seed: 4)
        let z = Tensor.randomNormal([512, 2], key: RandomKey(seed: 5))
        func peak(_ steps: Int, adjoint: Bool) throws -> Int {
            let grid = ODEStepping.fixed((0...steps).map { Double($0) / Double(steps) })
            let before = TensorMemory.liveBytes
            TensorMemory.resetPeak()
            if adjoint {
                _ = try adjointGradients(f, from: z, t0: 0, t1: 1, solver: RungeKutta(.rk4), stepping: grid) { $0 * 2 }
            } else {
                _ = try backpropagatedGradients(f, from: z, t0: 0, t1: 1, solver: RungeKutta(.rk4), stepping: grid) { $0 * 2 }
            }
            return TensorMemory.peakBytes - before
        }
        var rows = [(Int, Int, Int)]()
        for steps in [8, 32, 128] { rows.append((steps, try peak(steps, adjoint: true), try peak(steps, adjoint: false))) }
        print("steps  adjoint peak (MB)  backprop peak (MB)")
        for (s, a, b) in rows { print(String(format: "%5d  %17.2f  %18.2f", s, Double(a) / 1e6, Double(b) / 1e6)) }
        XCTAssertLessThan(Double(rows[2].1) / Double(rows[0].1), 1.25, "adjoint peak grows: \(rows)")
        XCTAssertGreaterThan(Double(rows[2].2) / Double(rows[0].2), 8, "backprop peak should grow with the steps: \(rows)")
        XCTAssertLessThan(rows[2].1 * 10, rows[2].2, "at 128 steps the adjoint needs a small fraction: \(rows)")
    }

    func testAnAdjointRunOverItsStepLimitThrows() {
        let stepping = ODEStepping.adaptive(PIController(rtol: 1e-9, atol: 1e-11, maxSteps: 5))
        XCTAssertThrowsError(try adjointGradients(field(), from: z0, t0: 0, t1: 1, solver: RungeKutta(.dormandPrince),
                                                  stepping: stepping, lossGradient: lossGradient)) { error in
            XCTAssertTrue("\(error)".contains("5"), "\(error)")
        }
    }

    func testStateLayoutPacksAndUnpacksItsParts() {
        let a = Tensor.randomNormal([2, 3], key: RandomKey(seed: 6)), b = Tensor.randomNormal([4], key: RandomKey(seed: 7))
        let layout = StateLayout([[2, 3], [4]])
        let packed = layout.pack([a, b])
        XCTAssertEqual(packed.shape, [10])
        let parts = layout.unpack(packed)
        XCTAssertEqual(parts.map(\.shape), [[2, 3], [4]])
        XCTAssertEqual(parts[0].scalars, a.scalars)
        XCTAssertEqual(parts[1].scalars, b.scalars)
    }
}
