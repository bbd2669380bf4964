import XCTest
import Foundation
@testable import Evaluation

/// FD against closed forms that do not use the eigendecomposition.
final class FrechetDistanceTests: XCTestCase {
    func testTwoDimensionalGaussiansMatchTheClosedForm() throws {
        // For 2×2 PSD M, tr √M = √(tr M + 2√det M), with tr M = tr(Σ₁Σ₂) and det M = det Σ₁·det Σ₂.
        let s1: [Double] = [2.0, 0.6, 0.6, 1.0], s2: [Double] = [0.5, -0.3, -0.3, 1.5]
        let m1: [Double] = [0.3, -1.0], m2: [Double] = [1.1, 0.4]
        let trProduct = s1[0] * s2[0] + s1[1] * s2[2] + s1[2] * s2[1] + s1[3] * s2[3]
        let det1 = s1[0] * s1[3] - s1[1] * s1[2], det2 = s2[0] * s2[3] - s2[1] * s2[2]
        let meanTerm = (m1[0] - m2[0]) * (m1[0] - m2[0]) + (m1[1] - m2[1]) * (m1[1] - m2[1])
        let expected = meanTerm + s1[0] + s1[3] + s2[0] + s2[3] - 2 * (trProduct + 2 * (det1 * det2).squareRoot()).squareRoot()
        let fd = try frechetDistance(GaussianStatistics(mean: m1, covariance: s1), GaussianStatistics(mean: m2, covariance: s2))
        XCTAssertEqual(fd, expected, accuracy: 1e-12)
        XCTAssertGreaterThan(fd, 1, "a distance of clearly different Gaussians")
    }

    func testCommutingCovariancesGiveTheSumOfSquaredRootDifferences() throws {
        // Σ = R·diag(d)·Rᵀ with one rotation R: FD = ‖Δμ‖² + Σᵢ (√d₁ᵢ − √d₂ᵢ)².
        let n = 5
        let d1: [Double] = [4, 1, 0.25, 9, 2], d2: [Double] = [1, 1, 1, 4, 0.5]
        let r = rotation(n)
        func build(_ d: [Double]) -> [Double] {
            var c = [Double](repeating: 0, count: n * n)
            for i in 0..<n { for j in 0..<n { for k in 0..<n { c[i * n + j] += r[i * n + k] * d[k] * r[j * n + k] } } }
            return c
        }
        let fd = try frechetDistance(GaussianStatistics(mean: [Double](repeating: 0, count: n), covariance: build(d1)),
                                     GaussianStatistics(mean: [1, 0, 0, 0, 0], covariance: build(d2)))
        let expected = 1 + zip(d1, d2).map { ($0.squareRoot() - $1.squareRoot()) * ($0.squareRoot() - $1.squareRoot()) }.reduce(0, +)
        XCTAssertEqual(fd, expected, accuracy: 1e-10)
    }

    func testIdenticalGaussiansAreAtDistanceZeroAndDimensionsMustAgree() throws {
        let s = GaussianStatistics(mean: [1, 2, 3], covariance: [2, 0.5, 0, 0.5, 1, 0.2, 0, 0.2, 3])
        XCTAssertEqual(try frechetDistance(s, s), 0, accuracy: 1e-12)
        XCTAssertThrowsError(try frechetDistance(s, GaussianStatistics(mean: [0], covariance: [1])))
    }

    func testEigendecompositionReconstructsTheMatrix() throws {
        let a: [Double] = [4, 1, 0.5, 1, 3, -0.2, 0.5, -0.2, 2]
        let e = try SymmetricEigen(a, n: 3)
        XCTAssertEqual(e.values, e.values.sorted())
        for (x, y) in zip(e.map { $0 }, a) { XCTAssertEqual(x, y, accuracy: 1e-12) }
        let root = e.squareRoot
        for (x, y) in zip(multiply(root, root, 3), a) { XCTAssertEqual(x, y, accuracy: 1e-12) }
    }

    /// An orthogonal n×n matrix: the product of Givens rotations.
    func rotation(_ n: Int) -> [Double] {
        var r = [Double](repeating: 0, count: n * n)
        for i in 0..<n { r[i * n + i] = 1 }
        for (p, q, angle) in [(0, 1, 0.7), (1, 3, -1.1), (2, 4, 0.4), (0, 4, 2.0)] {
            let c = Foundation.cos(angle), s = Foundation.sin(angle)
            for i in 0..<n {
                let a = r[i * n + p], b = r[i * n + q]
                r[i * n + p] = c * a - s * b
                r[i * n + q] = s * a + c * b
            }
        }
        return r
    }
}
