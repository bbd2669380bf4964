import Foundation
import XCTest
import Evaluation
import Generative
import TensorCore

/// Liu et al.'s straightness, S = ∫₀¹ E‖(X₁ − X₀) − Ẋ_s‖² ds, against its closed form.
final class StraightnessTests: XCTestCase {
    /// The exact flow from N(0, 1) to N(μ, s²) on the rectified path moves each point along
    /// x(t) = (1 − t)·μ + σ_t·z with σ_t = √((1 − t)²s² + t²), so its velocity is −μ + σ_t′·z and its
    /// chord (1 − s)·z − μ: S = ∫₀¹ (σ_t′ − (1 − s))² dt · E[z²] per dimension.
    func closedForm(s: Double) -> Double {
        let n = 200_000
        var sum = 0.0
        for i in 0..<n {
            let t = (Double(i) + 0.5) / Double(n)
            let sd = ((1 - t) * (1 - t) * s * s + t * t).squareRoot()
            let d = (t - (1 - t) * s * s) / sd - (1 - s)
            sum += d * d
        }
        return sum / Double(n)
    }

    func testTheExactFlowBetweenTwoGaussiansMatchesTheClosedForm() throws {
        for (mu, s) in [(2.0, 0.1), (-1.0, 0.5), (0.5, 2.0)] {
            let gaussian = try GaussianMixture(weights: [1], means: [[mu, mu]], stds: [[s, s]], path: .standard(.rectified))
            let noise = Tensor.randomNormal([4000, 2], key: RandomKey(seed: 7))
            let m = try Straightness.measure(gaussian, noise: noise, steps: 400)
            let exact = closedForm(s: s)
            // E[z²] over 4,000 draws scatters by √(2/8000) ≈ 1.6%; Euler's O(h) error adds under 1%.
            XCTAssertEqual(m.value, exact, accuracy: 0.04 * exact + 1e-4, "μ \(mu), s \(s): \(m.value) ± \(m.standardError) vs \(exact)")
            XCTAssertGreaterThan(m.standardError, 0)
        }
    }

    func testAStraightFlowHasNoDeviation() throws {
        // A point mass at μ: every path is the straight line from z to μ at constant speed.
        let point = try GaussianMixture(weights: [1], means: [[1.5]], stds: [[1e-4]], path: .standard(.rectified))
        let m = try Straightness.measure(point, noise: Tensor.randomNormal([500, 1], key: RandomKey(seed: 1)), steps: 50)
        XCTAssertLessThan(m.value, 1e-6)
    }

    func testTheMeasureIsThePathsNotTheParametrizations() throws {
        // The same data on the EDM path: its paths are rescaled rectified ones, so S agrees.
        let rectified = try GaussianMixture(weights: [1], means: [[1.0]], stds: [[0.3]], path: .standard(.rectified))
        let vp = try GaussianMixture(weights: [1], means: [[1.0]], stds: [[0.3]], path: .standard(.vp))
        let noise = Tensor.randomNormal([2000, 1], key: RandomKey(seed: 3))
        let a = try Straightness.measure(rectified, noise: noise, steps: 400).value
        let b = try Straightness.measure(vp, noise: noise, steps: 400).value
        XCTAssertEqual(a, b, accuracy: 0.05 * a, "rectified \(a) vs VP \(b)")
    }
}
