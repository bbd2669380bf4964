import XCTest
import Foundation
import TensorCore
@testable import Samplers

final class EulerMaruyamaTests: XCTestCase {
    /// Geometric Brownian motion dX = μX dt + νX dW (multiplicative noise) has the exact solution
    /// X(T) = X₀·exp((μ − ν²/2)T + νW(T)) on the same Brownian path that `solve` uses, so the
    /// strong error E|X_h(T) − X(T)| is measurable: slope ½ in h (Kloeden & Platen, Thm 10.2.2).
    func testStrongOrderOnGeometricBrownianMotion() throws {
        let (mu, nu, horizon, n) = (0.5, 0.8, 1.0, 2000)
        let gbm = Equation(drift: { x, _ in x * Float(mu) }, diffusion: { x, _ in x * Float(nu) })
        let key = RandomKey(seed: 3)
        let x0 = Tensor.ones([n, 1])
        let w = BrownianPath(key: key.fold("brownian"), span: 0...horizon, shape: [n, 1]).value(at: horizon).scalars
        let exact = w.map { Foundation.exp((mu - 0.5 * nu * nu) * horizon + nu * Double($0)) }
        var hs = [Double](), errors = [Double]()
        for steps in [8, 16, 32, 64, 128, 256] {
            let r = try solve(gbm, solver: EulerMaruyama(), from: x0, stepping: .fixed(uniformTimes(0, horizon, steps: steps)),
                              key: key, brownianSpan: 0...horizon)
            let e = zip(r.samples.scalars, exact).map { Swift.abs(Double($0) - $1) }.reduce(0, +) / Double(n)
            hs.append(horizon / Double(steps))
            errors.append(e)
        }
        let p = fittedOrder(stepSizes: hs, errors: errors)
        print("Euler–Maruyama strong order on GBM: \(String(format: "%.3f", p)), errors \(errors)")
        XCTAssertEqual(p, 0.5, accuracy: 0.3)
    }

    func testAdditiveNoiseIsStrongOrderOne() throws {
        // Ornstein–Uhlenbeck dX = −X dt + ν dW: X(T) = e^{−T}X₀ + ν∫e^{−(T−s)}dW(s). Against a
        // 4096-step reference on the same path, the strong order of Euler–Maruyama is 1.
        let (nu, n) = (0.7, 1000)
        let ou = Equation(drift: { x, _ in -x }, diffusion: { _, _ in Tensor(scalar: Float(nu)) })
        let key = RandomKey(seed: 11)
        let x0 = Tensor.ones([n, 1])
        let reference = try solve(ou, solver: EulerMaruyama(), from: x0, stepping: .fixed(uniformTimes(0, 1, steps: 4096)),
                                  key: key, brownianSpan: 0...1).samples
        var hs = [Double](), errors = [Double]()
        for steps in [8, 16, 32, 64, 128] {
            let r = try solve(ou, solver: EulerMaruyama(), from: x0, stepping: .fixed(uniformTimes(0, 1, steps: steps)),
                              key: key, brownianSpan: 0...1)
            hs.append(1 / Double(steps))
            errors.append(zip(r.samples.scalars, reference.scalars).map { Double(Swift.abs($0 - $1)) }.reduce(0, +) / Double(n))
        }
        let p = fittedOrder(stepSizes: hs, errors: errors)
        print("Euler–Maruyama strong order on OU (additive): \(String(format: "%.3f", p))")
        XCTAssertEqual(p, 1, accuracy: 0.3)
    }
}
