import Foundation
import XCTest
import TensorCore
@testable import Generative

/// The reverse-time family dx = [u − ½g²s]dt + g dW̄ for each diffusion level.
final class ReverseDynamicsTests: XCTestCase {
    func testLevelsGiveTheirSquaredDiffusion() {
        let p = GaussianPath.standard(.vp)
        for t in [0.01, 0.5, 1.0] {
            XCTAssertEqual(ReverseDynamics(path: p, level: .zero).gSquared(t), 0)
            XCTAssertEqual(ReverseDynamics(path: p, level: .forward).gSquared(t), p.betaMin + t * (p.betaMax - p.betaMin), accuracy: 1e-12)
            XCTAssertEqual(ReverseDynamics(path: p, level: .scaled(0.5)).gSquared(t), 0.25 * p.forwardDiffusionSquared(t), accuracy: 1e-12)
            XCTAssertEqual(ReverseDynamics(path: p, level: .constant(3)).gSquared(t), 9)
            XCTAssertEqual(ReverseDynamics(path: p, level: .constant(3)).g(t), 3)
        }
    }

    func testDriftIsVelocityMinusHalfGSquaredScore() {
        let p = GaussianPath.standard(.edm), t = 2.0
        let u = Tensor([1, 2, 3, 4], shape: [2, 2]), s = Tensor([0.5, -1, 2, 0], shape: [2, 2])
        let f = Fields(x0: .zeros([2, 2]), epsilon: .zeros([2, 2]), velocity: u, score: s)
        XCTAssertEqual(ReverseDynamics(path: p, level: .zero).drift(f, t: t).scalars, u.scalars)
        let d = ReverseDynamics(path: p, level: .forward).drift(f, t: t).scalars   // g² = 2t = 4
        XCTAssertEqual(d, [1 - 1, 2 + 2, 3 - 4, 4])
    }

    func testProbabilityFlowDriftIgnoresAnInfiniteScore() {
        let f = Fields(x0: .zeros([1, 1]), epsilon: .zeros([1, 1]), velocity: Tensor([1], shape: [1, 1]),
                       score: Tensor([.infinity], shape: [1, 1]))
        XCTAssertEqual(ReverseDynamics(path: .standard(.rectified), level: .zero).drift(f, t: 0).scalars, [1])
    }

    func testForwardLevelOnRectifiedFlowBlowsUpAtTheNoiseEnd() {
        let r = ReverseDynamics(path: .standard(.rectified), level: .forward)
        XCTAssertEqual(r.gSquared(0.5), 2, accuracy: 1e-12)
        XCTAssertEqual(r.gSquared(1), .infinity)
    }

    /// All levels keep the path's marginals: the reverse dynamics run backward in t have the
    /// Fokker–Planck equation ∂p/∂t = −∂(p·b)/∂x − ½g²·∂²p/∂x² with b = u − ½g²s, which the
    /// exact p_t satisfies for every g because ∂p/∂t = −∂(p·u)/∂x and p·s = ∂p/∂x.
    /// Checked by finite differences on a 1-D mixture with its exact fields.
    func testEveryLevelKeepsTheMarginals() throws {
        let path = GaussianPath.standard(.vp)
        let g = try GaussianMixture(weights: [0.4, 0.6], means: [[-1], [1.5]], stds: [[0.3], [0.6]], path: path)
        let t = 0.3, xs: [Float] = [-2, -1, -0.25, 0.5, 1.125, 2.25]
        for level in [DiffusionLevel.zero, .forward, .scaled(2), .constant(0.7)] {
            let dyn = ReverseDynamics(path: path, level: level)
            let g2 = dyn.gSquared(t)
            for x in xs {
                func p(_ x: Float, _ t: Double) -> Double { exp(g.logDensityValues(Tensor([x], shape: [1, 1]), t: t)[0]) }
                func flux(_ x: Float) -> Double {
                    p(x, t) * Double(dyn.drift(g.fields(Tensor([x], shape: [1, 1]), t: t), t: t).item)
                }
                let dpdt = timeDerivative({ p(x, $0) }, at: t, h: 1e-4)
                let dflux = derivatives(flux, at: x, h: 1.0 / 64).first
                let lap = derivatives({ p($0, t) }, at: x, h: 1.0 / 64).second
                let residual = dpdt + dflux + 0.5 * g2 * lap
                XCTAssertEqual(residual, 0, accuracy: 1e-4 * (abs(dpdt) + abs(dflux) + 0.5 * g2 * abs(lap)) + 1e-8,
                               "level \(level), x = \(x)")
            }
        }
    }
}
