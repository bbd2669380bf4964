import Foundation
import XCTest
import TensorCore
@testable import Generative

/// Closed-form conversions between ε, x₀, v, velocity and score on every path.
final class ParametrizationTests: XCTestCase {
    /// Interior times of each path (fractions of its domain; EDM log-spaced).
    func times(_ p: GaussianPath) -> [Double] {
        let d = p.domain
        return [0.05, 0.3, 0.7, 0.95].map { u in
            p.kind == .edm ? d.lowerBound * pow(d.upperBound / d.lowerBound, u) : d.lowerBound + u * (d.upperBound - d.lowerBound)
        }
    }

    /// Every parametrization's exact value for known x₀ and ε, in Double, from its definition.
    func truth(_ p: GaussianPath, t: Double, x0: [Double], eps: [Double]) -> [Parametrization: [Double]] {
        let a = p.alpha(t), s = p.sigma(t), da = p.alphaDot(t), ds = p.sigmaDot(t)
        return [
            .x0: x0, .epsilon: eps,
            .v: zip(x0, eps).map { a * $1 - s * $0 },           // Salimans & Ho 2022
            .velocity: zip(x0, eps).map { da * $0 + ds * $1 },
            .score: eps.map { -$0 / s },
        ]
    }

    func testEveryPairConvertsToTheExactValueOnEveryPath() {
        let n = 24
        let x0 = (0..<n).map { sin(Double($0) * 1.7) * 2 }, eps = (0..<n).map { cos(Double($0) * 0.9 + 0.3) * 1.5 }
        for p in GaussianPathTests.paths {
            for t in times(p) {
                let xs = zip(x0, eps).map { p.alpha(t) * $0 + p.sigma(t) * $1 }
                let x = Tensor(xs.map(Float.init), shape: [4, 6])
                let exact = truth(p, t: t, x0: x0, eps: eps)
                for from in Parametrization.allCases {
                    let y = Tensor(exact[from]!.map(Float.init), shape: [4, 6])
                    for to in Parametrization.allCases {
                        let got = p.convert(y, from: from, to: to, x: x, t: t).scalars
                        let want = exact[to]!
                        let scale = want.map(abs).max()! + 1
                        for i in 0..<n {
                            XCTAssertEqual(Double(got[i]), want[i], accuracy: 1e-4 * scale,
                                           "\(p.kind) t=\(t) \(from)→\(to) [\(i)]")
                        }
                    }
                }
            }
        }
    }

    func testRoundTripsAreExactToFloatTolerance() {
        let x = Tensor.randomNormal([8, 5], key: RandomKey(seed: 1))
        let y = Tensor.randomNormal([8, 5], key: RandomKey(seed: 2))
        let xs = x.scalars.map(Double.init), ys = y.scalars.map(Double.init)
        for p in GaussianPathTests.paths {
            for t in times(p) {
                for from in Parametrization.allCases {
                    for to in Parametrization.allCases {
                        let there = p.convert(y, from: from, to: to, x: x, t: t)
                        let back = p.convert(there, from: to, to: from, x: x, t: t).scalars
                        // Floating-point error bound of the two affine maps: a few ulps of each term.
                        let (p1, q1) = p.conversionCoefficients(from: from, to: to, t: t)
                        let (p2, q2) = p.conversionCoefficients(from: to, to: from, t: t)
                        for i in xs.indices {
                            let bound = abs(p2 * xs[i]) + abs(q2) * (abs(p1 * xs[i]) + abs(q1 * ys[i])) + abs(ys[i])
                            XCTAssertEqual(Double(back[i]), ys[i], accuracy: 1e-6 * bound,
                                           "\(p.kind) t=\(t) \(from)→\(to)→\(from) [\(i)]")
                        }
                    }
                }
            }
        }
    }

    func testIdentityConversionReturnsThePrediction() {
        let x = Tensor.randomNormal([3, 2], key: RandomKey(seed: 3)), y = Tensor.randomNormal([3, 2], key: RandomKey(seed: 4))
        for p in GaussianPathTests.paths {
            for k in Parametrization.allCases {
                XCTAssertEqual(p.convert(y, from: k, to: k, x: x, t: times(p)[1]).scalars, y.scalars)
                XCTAssertEqual(p.conversionCoefficients(from: k, to: k, t: 0.5).x, 0)
            }
        }
    }

    func testFieldsAgreeWithPairwiseConversionsAndTweedie() {
        let p = GaussianPath.standard(.vp), t = 0.4
        let x = Tensor.randomNormal([4, 3], key: RandomKey(seed: 5)), y = Tensor.randomNormal([4, 3], key: RandomKey(seed: 6))
        let f = p.fields(from: y, as: .v, x: x, t: t)
        XCTAssertEqual(f.x0.scalars, p.convert(y, from: .v, to: .x0, x: x, t: t).scalars)
        // x = α x̂₀ + σ ε̂, û = α′x̂₀ + σ′ε̂, ŝ = −ε̂/σ.
        let a = Float(p.alpha(t)), s = Float(p.sigma(t)), da = Float(p.alphaDot(t)), ds = Float(p.sigmaDot(t))
        for i in 0..<12 {
            let (x0, e) = (f.x0.scalars[i], f.epsilon.scalars[i])
            XCTAssertEqual(a * x0 + s * e, x.scalars[i], accuracy: 1e-5)
            XCTAssertEqual(f.velocity.scalars[i], da * x0 + ds * e, accuracy: 1e-4)
            XCTAssertEqual(f.score.scalars[i], -e / s, accuracy: 1e-5)
        }
    }

    func testPerRowTimesMatchScalarConversionRowByRow() {
        let p = GaussianPath.standard(.cosine)
        let x = Tensor.randomNormal([3, 2, 2], key: RandomKey(seed: 7)), y = Tensor.randomNormal([3, 2, 2], key: RandomKey(seed: 8))
        let ts = [0.1, 0.5, 0.9]
        let rows = p.convert(y, from: .epsilon, to: .velocity, x: x, times: ts).scalars
        for (r, t) in ts.enumerated() {
            let one = p.convert(y, from: .epsilon, to: .velocity, x: x, t: t).scalars
            for j in (r * 4)..<(r * 4 + 4) { XCTAssertEqual(rows[j], one[j], accuracy: 1e-6) }
        }
    }

    func testConversionIsDifferentiableInThePrediction() {
        let p = GaussianPath.standard(.rectified), t = 0.3
        let x = Tensor.randomNormal([2, 3], key: RandomKey(seed: 9))
        let y = Tensor.randomNormal([2, 3], key: RandomKey(seed: 10)).trackingGradient()
        let grads = p.convert(y, from: .epsilon, to: .x0, x: x, t: t).sum().backward()
        let q = Float(p.conversionCoefficients(from: .epsilon, to: .x0, t: t).y)   // −σ/α
        XCTAssertEqual(q, -0.3 / 0.7, accuracy: 1e-6)
        for g in grads[y]!.scalars { XCTAssertEqual(g, q, accuracy: 1e-6) }
    }
}
